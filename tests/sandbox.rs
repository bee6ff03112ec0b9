//! The sandbox a live capture enters after opening (`portlens::sandbox::restrict`), checked
//! from the inside: files opened before keep working, reading anywhere works, threads start,
//! and writing new files, executing programs, opening sockets and changing modes fail.
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

#[test]
fn sandbox_allows_what_a_capture_needs_and_refuses_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    run_child("sandboxed_child", dir.path());
    assert!(!dir.path().join("new.txt").exists(), "no file was created inside the sandbox");
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
    let report = portlens::sandbox::restrict();
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
    let report = portlens::sandbox::restrict();
    eprintln!("{}", report.describe());
    assert!(report.seccomp.applied(), "seccomp works on every kernel CI uses: {report:?}");

    // What a capture needs.
    before.write_all(b"written after\n").expect("a file opened before stays writable");
    before.flush().expect("flush");
    let mut s = String::new();
    File::open(dir.join("existing.txt")).expect("reading stays allowed").read_to_string(&mut s).expect("read");
    assert_eq!(s, "before\n");
    assert!(fs::read_dir(&dir).is_ok(), "listing a directory stays allowed");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    assert!(fs::read(manifest).is_ok(), "reading elsewhere stays allowed");
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
    } else {
        eprintln!("this kernel has no Landlock; only the seccomp layer was checked");
    }
}
