//! Lose nothing, leak nothing: the attacks and accidents of issue 16, each test named after
//! the one it stops. A `-w` name that would destroy or give away a file (an input, a symbolic
//! link, a device, someone else's file under sudo); signals that used to lose a capture
//! (SIGHUP from a dropped ssh session, SIGUSR1/2, a read blocked on a stalled pipe, a second
//! Ctrl-C while stdout is stalled); a full disk; input that would make memory grow without
//! bound; and every thread of a file run giving up root and capabilities inside the sandbox.
//!
//! Tests that need root (to run as another user, to make device nodes, to mount a small file
//! system) say that they were skipped when not run as root; CI runs as root.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{fixture, run};

fn root_or_skip(what: &str) -> bool {
    if !common::is_root() {
        eprintln!("skipped: {what} needs root (CI runs as root)");
        return false;
    }
    true
}

fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill").args([&format!("-{sig}"), &child.id().to_string()]).status().expect("kill");
    assert!(status.success(), "kill -{sig}");
}

/// Waits up to `secs` for the child to exit (killing it then); returns its exit code.
fn wait_for(child: &mut Child, secs: u64) -> Option<i32> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Ok(Some(s)) = child.try_wait() {
            return s.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("portlens did not exit within {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reads a child's pipe to the end on a thread.
fn drain<R: Read + Send + 'static>(r: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut r) = r {
            let _ = r.read_to_string(&mut s);
        }
        s
    })
}

/// Whether `portlens -r file` reads the file to its end without an error; its packet count.
fn whole_capture(file: &str) -> usize {
    let back = run(&["-r", file]);
    assert_eq!(back.code, Some(0), "{file} reads back without an error: {}", back.stderr);
    if common::have("tcpdump") {
        let t = Command::new("tcpdump").args(["--count", "-r", file]).output().expect("tcpdump");
        let err = String::from_utf8_lossy(&t.stderr);
        assert!(t.status.success() && !err.contains("truncated") && !err.contains("invalid"), "tcpdump reads {file}: {err}");
        let counted = String::from_utf8_lossy(&t.stdout).split_whitespace().next().and_then(|n| n.parse::<usize>().ok());
        assert_eq!(counted, Some(back.stdout.lines().count()), "tcpdump reads every packet of {file}");
    } else {
        eprintln!("tcpdump is not installed: {file} was checked with portlens only");
    }
    back.stdout.lines().count()
}

// ---- 1. Never destroy a file by accident --------------------------------------------------

/// `portlens -r lesson.pcap -w W` as root run through sudo by nobody (uid 65534) with
/// `SUDO_GID=gid`: the exit code and stderr.
fn as_sudo_caller(w: &Path, gid: &str) -> (Option<i32>, String) {
    let mut cmd = common::command(&["-r", &fixture("lesson.pcap"), "-w", w.to_str().expect("utf-8")]);
    cmd.env("SUDO_UID", "65534").env("SUDO_GID", gid);
    let out = cmd.output().expect("run");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn w_naming_an_r_input_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.pcap");
    let original = fs::read(fixture("lesson.pcap")).expect("fixture");
    fs::write(&input, &original).expect("write");
    let link = dir.path().join("hardlink.pcap");
    fs::hard_link(&input, &link).expect("hard link");
    let i = input.display().to_string();
    let other_name = format!("{}/./in.pcap", dir.path().display());
    for (args, how) in [
        (vec!["-r", &i, "-w", &i], "the same path"),
        (vec!["-r", &i, "-w", &other_name], "another spelling of the path"),
        (vec!["-r", &i, "-w", link.to_str().expect("utf-8")], "a hard link to it"),
        (vec!["-r", &fixture("tcp-reset.pcap"), "-r", &i, "-w", &i], "the second of two inputs"),
    ] {
        let r = run(&args);
        assert_eq!(r.code, Some(1), "{how}: {}", r.stderr);
        assert!(r.stderr.contains("it is also an input of this run"), "{how}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{how}: nothing printed");
        assert_eq!(fs::read(&input).expect("read"), original, "{how}: the input is intact");
    }
    // Read from stdin that is the file itself.
    let out = Command::new(common::bin())
        .args(["-r", "-", "-w", &i])
        .stdin(fs::File::open(&input).expect("open"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(fs::read(&input).expect("read"), original, "stdin being the -w file: intact");
}

#[test]
fn an_unprivileged_i_leaves_the_w_file_untouched() {
    if !root_or_skip("running as an unprivileged user") || !common::have("setpriv") {
        eprintln!("skipped: needs root and setpriv");
        return;
    }
    let dir = common::dir_owned_by(65534);
    let keep = dir.path().join("keep.pcap");
    let original = fs::read(fixture("lesson.pcap")).expect("fixture");
    fs::write(&keep, &original).expect("write");
    std::os::unix::fs::chown(&keep, Some(65534), Some(65534)).expect("chown");
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--"])
        .arg(common::bin())
        .args(["-i", "lo", "-c", "1", "-w", keep.to_str().expect("utf-8")])
        .output()
        .expect("setpriv");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("permission denied"), "{err}");
    assert_eq!(fs::read(&keep).expect("read"), original, "the capture someone kept is intact");
}

#[test]
fn w_through_a_symlink_is_refused_and_its_target_is_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("precious.txt");
    fs::write(&target, b"keep me\n").expect("write");
    let link = dir.path().join("out.pcap");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    let dangling = dir.path().join("dangling.pcap");
    let nowhere = dir.path().join("created-through-the-link");
    std::os::unix::fs::symlink(&nowhere, &dangling).expect("symlink");
    for l in [&link, &dangling] {
        let r = run(&["-r", &fixture("lesson.pcap"), "-w", l.to_str().expect("utf-8")]);
        assert_eq!(r.code, Some(1), "{}", r.stderr);
        assert!(r.stderr.contains("it is a symbolic link, and -w never follows one"), "{}", r.stderr);
    }
    assert_eq!(fs::read(&target).expect("read"), b"keep me\n", "the link's target is untouched");
    assert!(!nowhere.exists(), "nothing was created through the dangling link");
}

#[test]
fn w_naming_a_disk_is_refused_without_opening_it() {
    if !root_or_skip("making a block device node") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let node = dir.path().join("disk");
    // A loop device minor that no one uses: even opening it must not happen.
    let ok = Command::new("mknod").arg(&node).args(["b", "7", "250"]).status().is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: mknod is not allowed here");
        return;
    }
    let r = run(&["-r", &fixture("lesson.pcap"), "-w", node.to_str().expect("utf-8")]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("it is a block device"), "{}", r.stderr);
    // A character device such as /dev/null is a fine place to throw a capture away.
    assert_eq!(run(&["-r", &fixture("lesson.pcap"), "-w", "/dev/null"]).code, Some(0));
}

#[test]
fn sudo_w_over_a_root_file_neither_truncates_nor_gives_it_away() {
    if !root_or_skip("running as root under sudo") {
        return;
    }
    // A sudoers line that allows only portlens must not let the caller destroy or take a
    // root-owned file (/etc/passwd in the report; a copy here), nor create one in a directory
    // only root may write (/etc/ld.so.preload would then be theirs to fill).
    let dir = tempfile::tempdir().expect("tempdir");
    fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let passwd = dir.path().join("passwd");
    fs::write(&passwd, b"root:x:0:0:root:/root:/bin/bash\n").expect("write");
    let preload = dir.path().join("ld.so.preload");
    for target in [&passwd, &preload] {
        let (code, err) = as_sudo_caller(target, "65534");
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains("nobody may not create or write it"), "{err}");
    }
    assert_eq!(fs::read(&passwd).expect("read"), b"root:x:0:0:root:/root:/bin/bash\n", "not truncated");
    assert_eq!(fs::metadata(&passwd).expect("meta").uid(), 0, "still root's");
    assert!(!preload.exists(), "no file was created where only root may write");
}

#[test]
fn sudo_w_creates_the_file_as_the_caller_and_never_chowns_a_device_node() {
    if !root_or_skip("running as root under sudo") {
        return;
    }
    let dir = common::dir_owned_by(65534);
    // The capture file is created by the caller, not created by root and given away.
    let file = dir.path().join("mine.pcap");
    let (code, err) = as_sudo_caller(&file, "65534");
    assert_eq!(code, Some(0), "{err}");
    let m = fs::metadata(&file).expect("meta");
    assert_eq!((m.uid(), m.gid()), (65534, 65534));
    assert_eq!(whole_capture(file.to_str().expect("utf-8")), 33);
    // A device node named by -w keeps its owner (it used to be chowned to the caller by path).
    let node = dir.path().join("null");
    if Command::new("mknod").arg(&node).args(["-m", "666", "c", "1", "3"]).status().is_ok_and(|s| s.success()) {
        let (code, err) = as_sudo_caller(&node, "65534");
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(fs::metadata(&node).expect("meta").uid(), 0, "the node still belongs to root");
    } else {
        eprintln!("skipped the device node: mknod is not allowed here");
    }
}

#[test]
fn a_sudo_gid_that_is_not_the_callers_group_is_refused() {
    if !root_or_skip("running as root under sudo") {
        return;
    }
    let dir = common::dir_owned_by(65534);
    let file = dir.path().join("x.pcap");
    let (code, err) = as_sudo_caller(&file, "0");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("SUDO_GID=0 is not a group of the sudo caller nobody"), "{err}");
    assert!(!file.exists(), "nothing was written");
}

#[test]
fn dash_z_root_says_it_keeps_root_and_dash_z_nosuchuser_fails_for_files_too() {
    let r = run(&["-r", &fixture("lesson.pcap"), "-c", "1", "-Z", "nosuchuser16"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(r.stderr, "portlens: -Z nosuchuser16: no such user on this system\n");
    if !root_or_skip("-Z root") {
        return;
    }
    let r = run(&["-r", &fixture("lesson.pcap"), "-c", "1", "-Z", "root"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains("-Z root keeps running as root"), "-Z root is not a silent drop: {}", r.stderr);
}

// ---- 2. Signals never lose a capture ------------------------------------------------------

/// Starts `portlens ARGS` reading a pipe that receives `data` and then stays open (a stalled
/// writer); returns the child and the pipe's writing end.
fn reading_a_stalled_pipe(args: &[&str], data: &[u8]) -> (Child, std::process::ChildStdin) {
    let mut child = common::command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut sin = child.stdin.take().expect("stdin");
    sin.write_all(data).expect("feed");
    sin.flush().expect("flush");
    // Give it time to read everything and block on the silent pipe.
    std::thread::sleep(Duration::from_millis(500));
    assert!(matches!(child.try_wait(), Ok(None)), "still waiting for more input");
    (child, sin)
}

#[test]
fn a_signal_stops_a_read_blocked_on_a_stalled_pipe_and_loses_nothing() {
    let data = fs::read(fixture("lesson.pcap")).expect("fixture");
    let expected = run(&["-r", &fixture("lesson.pcap")]).stdout;
    // SIGHUP is an ssh session dropping; SIGUSR1/2 used to kill the process and lose the file.
    for sig in ["INT", "TERM", "HUP", "USR1", "USR2"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let w = dir.path().join("out.pcap").display().to_string();
        let (mut child, sin) = reading_a_stalled_pipe(&["-r", "-", "-w", &w, "--print"], &data);
        let out = drain(child.stdout.take());
        let err = drain(child.stderr.take());
        let started = Instant::now();
        signal(&child, sig);
        let code = wait_for(&mut child, 5);
        assert!(started.elapsed() < Duration::from_secs(2), "SIG{sig}: the first signal ends the blocked read at once");
        drop(sin);
        let (out, err) = (out.join().expect("stdout"), err.join().expect("stderr"));
        assert_eq!(code, Some(0), "SIG{sig}: {err}");
        assert_eq!(out, expected, "SIG{sig}: every packet read was printed");
        assert_eq!(whole_capture(&w), 33, "SIG{sig}: and is in the -w file");
    }
}

/// `timeout` sends its signal twice at once (to the process and to its process group); an
/// immediate exit on the second signal used to lose the `-w` buffer. A second signal that
/// finds nothing blocked cuts nothing: the run ends cleanly.
#[test]
fn a_signal_sent_twice_at_once_as_timeout_does_loses_nothing() {
    if !common::have("timeout") {
        eprintln!("skipped: timeout (coreutils) is not installed");
        return;
    }
    let data = fs::read(fixture("lesson.pcap")).expect("fixture");
    let dir = tempfile::tempdir().expect("tempdir");
    let w = dir.path().join("out.pcap").display().to_string();
    let mut child = Command::new("timeout")
        .args(["-s", "TERM", "1", common::bin(), "-r", "-", "-w", &w, "--print"])
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut sin = child.stdin.take().expect("stdin");
    sin.write_all(&data).expect("feed");
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    assert_eq!(wait_for(&mut child, 5), Some(124), "timeout says it timed out");
    drop(sin);
    let (out, err) = (out.join().expect("stdout"), err.join().expect("stderr"));
    assert!(err.is_empty(), "a clean stop, nothing to report: {err}");
    assert_eq!(out.lines().count(), 33);
    assert_eq!(whole_capture(&w), 33);
}

#[test]
fn a_signal_stops_a_read_blocked_on_a_fifo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("fifo");
    if !Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo failed");
        return;
    }
    let w = dir.path().join("out.pcap").display().to_string();
    let mut child = common::command(&["-r", fifo.to_str().expect("utf-8"), "-w", &w])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut writer = fs::OpenOptions::new().write(true).open(&fifo).expect("open the FIFO");
    writer.write_all(&fs::read(fixture("lesson.pcap")).expect("fixture")).expect("feed");
    std::thread::sleep(Duration::from_millis(500));
    signal(&child, "TERM");
    let code = wait_for(&mut child, 5);
    drop(writer);
    assert_eq!(code, Some(0));
    assert_eq!(whole_capture(&w), 33);
}

#[test]
fn sighup_stays_ignored_under_nohup_as_in_tcpdump() {
    let data = fs::read(fixture("lesson.pcap")).expect("fixture");
    let mut child = Command::new("sh")
        .args(["-c", "trap '' HUP; exec \"$0\" -r - -c 1000", common::bin()])
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut sin = child.stdin.take().expect("stdin");
    sin.write_all(&data).expect("feed");
    std::thread::sleep(Duration::from_millis(400));
    signal(&child, "HUP");
    std::thread::sleep(Duration::from_millis(300));
    assert!(matches!(child.try_wait(), Ok(None)), "an ignored SIGHUP stays ignored");
    let out = drain(child.stdout.take());
    signal(&child, "INT");
    assert_eq!(wait_for(&mut child, 5), Some(0));
    drop(sin);
    assert_eq!(out.join().expect("stdout").lines().count(), 33);
}

#[test]
fn a_second_signal_while_stdout_is_stalled_exits_at_once_with_a_whole_w_file() {
    // Enough output to fill a pipe nobody reads: the first signal stops reading, but the
    // output cannot be flushed; the second gives up the blocked write, finishes -w and exits
    // 130. It used to exit at once and lose the -w file's buffer.
    let big = common::shared_pcaps().map(|p| p.join("example2.pcap")).filter(|p| p.exists());
    let input = big.map(|p| p.display().to_string()).unwrap_or_else(|| fixture("lesson.pcap"));
    let dir = tempfile::tempdir().expect("tempdir");
    let w = dir.path().join("out.pcap").display().to_string();
    let mut args = vec!["-vv", "--print", "-w", &w];
    // Without ../shared, the small fixture read many times over.
    let reps: Vec<&str> = std::iter::repeat_n(["-r", input.as_str()], 40).flatten().collect();
    args.extend(reps);
    let mut child = common::command(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let stalled = child.stdout.take(); // held, never read
    let err = drain(child.stderr.take());
    std::thread::sleep(Duration::from_millis(800));
    assert!(matches!(child.try_wait(), Ok(None)), "blocked on stdout");
    signal(&child, "INT");
    std::thread::sleep(Duration::from_millis(300));
    assert!(matches!(child.try_wait(), Ok(None)), "one signal does not end a write blocked on stdout");
    let t = Instant::now();
    signal(&child, "INT");
    let code = wait_for(&mut child, 5);
    assert!(t.elapsed() < Duration::from_secs(2), "the second signal ends it at once");
    drop(stalled);
    let err = err.join().expect("stderr");
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("stopped by a second SIGINT while stdout was blocked"), "{err}");
    let n = whole_capture(&w);
    assert!(n > 0, "the -w file holds what was read");
    assert!(err.contains(&format!("is complete: it holds the {n} packets read before the stop")), "{err}");
}

/// The run that fills the disk: every whole packet before the error stays in a file that
/// reads to its end, every packet read before the error is printed, and the message says how
/// many packets the file holds.
fn full_disk(cmd: &mut Command, w: &str) {
    let out = cmd.output().expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let n: usize = err
        .split("it holds the first ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the message says how many packets the file holds: {err}"));
    assert!(n > 0);
    assert_eq!(whole_capture(w), n, "the file holds exactly that many, each whole");
    let printed = String::from_utf8_lossy(&out.stdout).lines().count();
    assert!(printed >= n, "every packet read before the error was printed ({printed} ≥ {n})");
}

#[test]
fn a_full_disk_keeps_every_whole_packet_and_says_how_many() {
    let Some(shared) = common::shared_pcaps() else {
        eprintln!("skipped: needs ../shared/pcaps (a capture larger than the limit)");
        return;
    };
    let input = shared.join("example2.pcap").display().to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    // Without root: a file size limit (SIGXFSZ ignored, so writes fail with EFBIG as a full
    // disk fails them with ENOSPC, part-way through a record).
    let w = dir.path().join("limited.pcap").display().to_string();
    let script = "trap '' XFSZ; ulimit -f 300; exec \"$0\" --print -r \"$1\" -w \"$2\"";
    full_disk(Command::new("sh").args(["-c", script, common::bin(), &input, &w]).env("TZ", "UTC"), &w);
    if !root_or_skip("mounting a small file system") {
        return;
    }
    // As root: a real full disk, a 256 KiB tmpfs.
    let mnt = dir.path().join("small");
    fs::create_dir(&mnt).expect("mkdir");
    let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"]).arg(&mnt).status();
    if !mounted.is_ok_and(|s| s.success()) {
        eprintln!("skipped the tmpfs part: cannot mount here");
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _guard = Unmount(&mnt);
    let w = mnt.join("full.pcap").display().to_string();
    full_disk(common::command(&["--print", "-r", &input, "-w", &w]).stdin(Stdio::null()), &w);
}

// ---- 3 and 4. Every thread of a file run: no root, no capabilities, confined ---------------

#[test]
fn every_thread_of_a_file_run_under_sudo_gives_up_root_and_capabilities_inside_the_sandbox() {
    if !root_or_skip("giving root up") {
        return;
    }
    let data = fs::read(fixture("lesson.pcap")).expect("fixture");
    let mut cmd = common::command(&["-r", "-"]);
    cmd.env("SUDO_UID", "65534").env("SUDO_GID", "65534").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let mut sin = child.stdin.take().expect("stdin");
    sin.write_all(&data).expect("feed");
    std::thread::sleep(Duration::from_millis(500));
    let threads = common::threads_status(child.id());
    assert!(threads.len() >= 3, "main, signal and printer threads: {}", threads.len());
    for st in &threads {
        let f = |k: &str| st.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
        let name = f("Name");
        assert_eq!(f("Uid"), "65534 65534 65534 65534", "{name}");
        assert_eq!(f("Gid"), "65534 65534 65534 65534", "{name}");
        for set in ["CapEff", "CapPrm", "CapInh", "CapAmb", "CapBnd"] {
            assert_eq!(f(set), "0000000000000000", "{name}: {set}");
        }
        assert_eq!(f("NoNewPrivs"), "1", "{name}");
        assert_eq!(f("Seccomp"), "2", "{name}");
    }
    drop(sin);
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 33);
    assert!(err.is_empty(), "reading files, nothing is said about it: {err}");
}

// ---- 5. Bounded memory ----------------------------------------------------------------------

#[test]
fn a_filter_file_from_dev_zero_is_refused_without_reading_it_all() {
    let t = Instant::now();
    let r = run(&["-r", &fixture("lesson.pcap"), "-F", "/dev/zero"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("cannot read the filter file '/dev/zero': it is longer than 1024 KiB"), "{}", r.stderr);
    assert!(t.elapsed() < Duration::from_secs(5));
}

/// A pcapng file with one Ethernet interface (snap length 0: unlimited) and the given frames.
fn pcapng(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut b = Vec::new();
    let block = |b: &mut Vec<u8>, kind: u32, body: &[u8]| {
        let total = (12 + body.len()) as u32;
        b.extend_from_slice(&kind.to_le_bytes());
        b.extend_from_slice(&total.to_le_bytes());
        b.extend_from_slice(body);
        b.extend_from_slice(&total.to_le_bytes());
    };
    block(&mut b, 0x0a0d_0d0a, &[0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    block(&mut b, 1, &[1, 0, 0, 0, 0, 0, 0, 0]);
    for f in frames {
        let mut body = Vec::new();
        body.extend_from_slice(&0u32.to_le_bytes());
        body.extend_from_slice(&0u32.to_le_bytes());
        body.extend_from_slice(&1_000_000u32.to_le_bytes());
        body.extend_from_slice(&(f.len() as u32).to_le_bytes());
        body.extend_from_slice(&(f.len() as u32).to_le_bytes());
        body.extend_from_slice(f);
        body.resize(body.len().div_ceil(4) * 4, 0);
        block(&mut b, 6, &body);
    }
    b
}

#[test]
fn frames_longer_than_the_snap_length_still_make_a_file_tcpdump_reads() {
    // A BIG TCP/GRO capture holds frames over 262,144 bytes; written as they are, tcpdump
    // stops at the first one ("invalid packet capture length").
    let mut big = vec![0u8; 300_000];
    big[12] = 0x08; // IPv4 ethertype, garbage after it
    let small = vec![0u8; 60];
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("big.pcapng");
    fs::write(&input, pcapng(&[small.clone(), big, small])).expect("write");
    for name in ["out.pcap", "out.pcapng"] {
        let w = dir.path().join(name).display().to_string();
        let r = run(&["-r", input.to_str().expect("utf-8"), "-w", &w]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(
            r.stderr.contains("1 of the 3 packets written to") && r.stderr.contains("were cut to it"),
            "the cut is said: {}",
            r.stderr
        );
        assert_eq!(whole_capture(&w), 3, "{name}");
    }
}
