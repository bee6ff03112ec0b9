//! The sandbox every run enters after opening its inputs and `-w` file
//! (`portlens::sandbox::restrict`), checked from the inside: files opened before keep working,
//! only what the run reads later is readable, threads started afterwards are confined too, and
//! writing or creating files, executing programs, opening sockets, changing modes and sending
//! on the packet socket fail. Each test is named after the attack it stops.
//!
//! The sandbox cannot be undone, so the checks run in a child process: the test starts this
//! same test binary again with only one `*_child` test selected and an environment variable
//! naming a scratch directory; the parent checks the child's verdict and the directory.
//!
//! A kernel without Landlock is simulated by a seccomp filter that answers the Landlock system
//! calls with ENOSYS, as such a kernel does: the sandbox must say so and keep the rest.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

const CHILD_ENV: &str = "PORTLENS_SANDBOX_TEST_DIR";

/// Runs the child test `name` in a new process with a scratch directory; returns its output.
fn run_child(name: &str, dir: &Path) -> String {
    fs::write(dir.join("existing.txt"), b"before\n").expect("write existing");
    fs::create_dir_all(dir.join("readable")).expect("mkdir");
    fs::write(dir.join("readable/zone.txt"), b"zone\n").expect("write readable");
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir)
        .output()
        .expect("run the child");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the sandboxed child failed:\n{text}");
    assert!(text.contains("1 passed"), "the child ran its checks:\n{text}");
    assert_eq!(fs::read_to_string(dir.join("opened-before.txt")).expect("read"), "written after\n");
    assert_eq!(fs::read_to_string(dir.join("existing.txt")).expect("read"), "before\n");
    text
}

/// What the run still needs in the children: one readable directory.
fn needs(dir: &Path) -> portlens::sandbox::Needs {
    portlens::sandbox::Needs { read: vec![dir.join("readable")], packet_sockets: Vec::new() }
}

#[test]
fn a_compromised_decoder_can_neither_write_files_nor_read_beyond_what_the_run_needs() {
    let dir = tempfile::tempdir().expect("tempdir");
    run_child("sandboxed_child", dir.path());
    assert!(!dir.path().join("new.txt").exists(), "no file was created inside the sandbox");
}

#[test]
fn a_thread_started_after_the_sandbox_cannot_write_files_either() {
    let dir = tempfile::tempdir().expect("tempdir");
    run_child("thread_after_child", dir.path());
    assert!(!dir.path().join("late.txt").exists(), "the later thread created no file");
}

/// The signal thread used to start before the sandbox and so stayed outside Landlock while
/// `-v` said "filesystem read-only". A thread started before is confined where the kernel can
/// apply Landlock to every thread (ABI 8, TSYNC); elsewhere the report must say that it is not
/// covered. (portlens itself starts no thread before: tests/live.rs and tests/safety.rs check
/// that its `-v` line never says "partial" on this account.)
#[test]
fn a_thread_started_before_the_sandbox_is_confined_or_reported_as_not_covered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = run_child("thread_before_child", dir.path());
    if text.contains("early thread confined") {
        assert!(!dir.path().join("early.txt").exists());
    } else {
        assert!(text.contains("thread(s) started before it are not covered"), "the report says so:\n{text}");
        eprintln!("this kernel cannot apply Landlock to a thread that already exists (no TSYNC): reported as partial");
    }
}

/// A decoder bug turned into code execution must not be able to inject frames on the network
/// through the capture's packet socket: write/sendto on it fail, sendmsg and sendmmsg fail on
/// every descriptor, and it cannot be copied to another descriptor number first.
#[test]
fn a_compromised_decoder_cannot_send_through_the_packet_socket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = run_child("send_child", dir.path());
    assert!(text.contains("control datagram arrived"), "{text}");
}

#[test]
fn without_landlock_the_sandbox_says_so_and_keeps_seccomp() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = run_child("sandboxed_child_without_landlock", dir.path());
    assert!(
        text.contains("no Landlock (this kernel does not support Landlock; the filesystem stays writable)"),
        "the -v line names what is missing:\n{text}"
    );
}

/// Makes the Landlock system calls fail with ENOSYS, as on a kernel built without Landlock.
fn hide_landlock() {
    use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};
    let rules = [444i64, 445, 446].into_iter().map(|n| (n, Vec::new())).collect();
    let arch = TargetArch::try_from(std::env::consts::ARCH).expect("architecture");
    let f = SeccompFilter::new(rules, SeccompAction::Allow, SeccompAction::Errno(libc::ENOSYS as u32), arch).expect("filter");
    let p = BpfProgram::try_from(f).expect("program");
    seccompiler::apply_filter_all_threads(&p).expect("apply");
}

/// Runs only as a child of the test above (does nothing when run directly).
#[test]
fn sandboxed_child_without_landlock() {
    let Some(dir) = std::env::var_os(CHILD_ENV).map(PathBuf::from) else { return };
    let mut before = File::create(dir.join("opened-before.txt")).expect("open before");
    hide_landlock();
    let report = portlens::sandbox::restrict(&needs(&dir));
    eprintln!("{}", report.describe());
    assert_eq!(report.landlock, portlens::sandbox::Layer::Unavailable("this kernel does not support Landlock".into()));
    assert!(report.seccomp.applied(), "{report:?}");
    before.write_all(b"written after\n").expect("write");
    assert!(Command::new("/bin/true").status().is_err(), "exec is still refused");
    assert!(std::net::UdpSocket::bind("127.0.0.1:0").is_err(), "sockets are still refused");
    // Without Landlock, the filesystem stays writable: the degradation is real, and reported.
    assert!(File::create(dir.join("allowed.txt")).is_ok());
}

/// Runs only as a child of the test above (does nothing when run directly).
#[test]
fn sandboxed_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV).map(PathBuf::from) else { return };
    let mut before = File::create(dir.join("opened-before.txt")).expect("open before");
    let report = portlens::sandbox::restrict(&needs(&dir));
    eprintln!("{}", report.describe());
    assert!(report.seccomp.applied(), "seccomp works on every kernel CI uses: {report:?}");

    // What a capture needs.
    before.write_all(b"written after\n").expect("a file opened before stays writable");
    before.flush().expect("flush");
    let mut s = String::new();
    File::open(dir.join("readable/zone.txt")).expect("what the run reads stays readable").read_to_string(&mut s).expect("read");
    assert_eq!(s, "zone\n");
    assert!(fs::read_dir(dir.join("readable")).is_ok(), "listing what the run reads stays allowed");
    let t = std::thread::spawn(|| 6 * 7);
    assert_eq!(t.join().expect("thread"), 42, "threads can still be started");

    // What it refuses (seccomp: on every kernel).
    let exec = Command::new("/bin/true").status();
    assert!(exec.is_err(), "running a program must fail: {exec:?}");
    let udp = std::net::UdpSocket::bind("127.0.0.1:0");
    assert!(udp.is_err(), "a new socket must fail: {udp:?}");
    let tcp = std::net::TcpStream::connect("127.0.0.1:9");
    assert!(tcp.as_ref().is_err_and(|e| e.kind() == ErrorKind::PermissionDenied), "{tcp:?}");
    let chmod = fs::set_permissions(dir.join("existing.txt"), std::os::unix::fs::PermissionsExt::from_mode(0o777));
    assert!(chmod.is_err(), "changing a mode must fail: {chmod:?}");

    // What it refuses (Landlock: where the kernel has it).
    if report.landlock.applied() {
        let create = File::create(dir.join("new.txt"));
        assert!(create.as_ref().is_err_and(|e| e.kind() == ErrorKind::PermissionDenied), "{create:?}");
        let append = OpenOptions::new().append(true).open(dir.join("existing.txt"));
        assert!(append.is_err(), "opening an existing file for writing must fail: {append:?}");
        let remove = fs::remove_file(dir.join("existing.txt"));
        assert!(remove.is_err(), "removing a file must fail: {remove:?}");
        let mkdir = fs::create_dir(dir.join("sub"));
        assert!(mkdir.is_err(), "creating a directory must fail: {mkdir:?}");
        let read = fs::read(dir.join("existing.txt"));
        assert!(read.is_err(), "reading what the run does not need must fail: {read:?}");
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        assert!(fs::read(&manifest).is_err(), "reading elsewhere must fail");
        assert!(fs::read("/etc/shadow").is_err() && fs::read("/etc/passwd").is_err(), "system files are out of reach");
    } else {
        eprintln!("this kernel has no Landlock; only the seccomp layer was checked");
    }
}

/// Runs only as a child of the test above (does nothing when run directly).
#[test]
fn thread_after_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV).map(PathBuf::from) else { return };
    let mut before = File::create(dir.join("opened-before.txt")).expect("open before");
    let report = portlens::sandbox::restrict(&needs(&dir));
    before.write_all(b"written after\n").expect("write");
    let d = dir.clone();
    let created = std::thread::spawn(move || File::create(d.join("late.txt")).is_ok()).join().expect("join");
    if report.landlock.applied() {
        assert!(!created, "a thread started after the sandbox is confined like the one that applied it");
    }
}

/// Runs only as a child of the test above (does nothing when run directly).
#[test]
fn thread_before_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV).map(PathBuf::from) else { return };
    let mut before = File::create(dir.join("opened-before.txt")).expect("open before");
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let d = dir.clone();
    let early = std::thread::spawn(move || {
        go_rx.recv().expect("go");
        File::create(d.join("early.txt")).is_ok()
    });
    let report = portlens::sandbox::restrict(&needs(&dir));
    before.write_all(b"written after\n").expect("write");
    go_tx.send(()).expect("send");
    let created = early.join().expect("join");
    eprintln!("{report:?}");
    match &report.landlock {
        portlens::sandbox::Layer::Enforced => {
            assert!(!created, "reported enforced, so the early thread must be confined");
            eprintln!("early thread confined");
        }
        portlens::sandbox::Layer::Partial(why) if why.contains("not covered") => {
            assert!(created, "the report says the early thread is not covered, and it is not");
        }
        other => eprintln!("Landlock is not applied here ({other:?}); the early thread is covered by seccomp only"),
    }
}

/// Runs only as a child of the test above (does nothing when run directly).
#[test]
fn send_child() {
    use std::net::UdpSocket;
    use std::os::fd::{AsRawFd, OwnedFd};
    let Some(dir) = std::env::var_os(CHILD_ENV).map(PathBuf::from) else { return };
    let mut before = File::create(dir.join("opened-before.txt")).expect("open before");
    let receiver = UdpSocket::bind("127.0.0.1:0").expect("bind");
    receiver.set_read_timeout(Some(std::time::Duration::from_secs(2))).expect("timeout");
    let to = receiver.local_addr().expect("addr");
    // The stand-in for the packet socket, and an ordinary socket for comparison.
    let packet = UdpSocket::bind("127.0.0.1:0").expect("bind");
    packet.connect(to).expect("connect");
    let control = UdpSocket::bind("127.0.0.1:0").expect("bind");
    control.connect(to).expect("connect");
    // As root, also the real thing: a libpcap capture on lo, whose pcap_inject must fail.
    let mut pcap = if common_is_root() { pcap::Capture::from_device("lo").and_then(|c| c.open()).ok() } else { None };
    let mut fds = vec![packet.as_raw_fd()];
    if let Some(p) = &pcap {
        fds.push(p.as_raw_fd());
    }
    let report = portlens::sandbox::restrict(&portlens::sandbox::Needs { read: Vec::new(), packet_sockets: fds });
    assert!(report.seccomp.applied(), "{report:?}");
    before.write_all(b"written after\n").expect("write");

    let sent = packet.send(b"injected");
    assert!(sent.as_ref().is_err_and(|e| e.kind() == ErrorKind::PermissionDenied), "send on the packet socket: {sent:?}");
    let copy = packet.try_clone();
    assert!(copy.is_err(), "copying the packet socket's descriptor must fail: {copy:?}");
    let mut as_file = File::from(OwnedFd::from(packet));
    let written = as_file.write(b"injected");
    assert!(written.as_ref().is_err_and(|e| e.kind() == ErrorKind::PermissionDenied), "write on the packet socket: {written:?}");
    control.send(b"control").expect("an ordinary descriptor still sends");
    let mut buf = [0u8; 32];
    let n = receiver.recv(&mut buf).expect("receive");
    assert_eq!(&buf[..n], b"control", "only the control datagram arrived");
    eprintln!("control datagram arrived, nothing from the packet socket");
    if let Some(p) = pcap.as_mut() {
        let frame = [0u8; 60];
        let inj = p.sendpacket(&frame[..]);
        assert!(inj.is_err(), "pcap_inject on the capture must fail: {inj:?}");
        eprintln!("libpcap could not inject on lo");
    } else {
        eprintln!("not root: the real packet socket was not tried, only the stand-in");
    }
}

fn common_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0")))
        .unwrap_or(false)
}
