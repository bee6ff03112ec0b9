//! Live capture on the loopback interface with traffic each test makes itself (bounded in
//! count and time; every child is killed after a deadline): `-c`, kernel filters, `-w` then
//! re-read, SIGINT, SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 mid-capture with the statistics lines,
//! the privilege drop (`-Z`, the sudo caller, root, file capabilities run by a user made for
//! the test) as the kernel reports it for every thread in `/proc/PID/task/*/status`, the
//! sandbox, a closed stdout, a flood with a slow reader, and the errors for a missing or down
//! interface.
//!
//! Needs root (or CAP_NET_RAW); skipped with a message otherwise. CI runs as root.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running capture whose stderr is watched for the "listening on" line.
struct Capture {
    child: Child,
    stderr: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Capture {
    fn start(args: &[&str]) -> Capture {
        Capture::start_cmd(common::command(args))
    }

    fn start_cmd(mut cmd: Command) -> Capture {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn portlens");
        let err = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut c = Capture { child, stderr: rx, seen: Vec::new() };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(l) = c.stderr.recv_timeout(Duration::from_millis(100)) {
                let ready = l.contains("listening on");
                c.seen.push(l);
                if ready {
                    // The socket is open; give the kernel filter a moment.
                    std::thread::sleep(Duration::from_millis(200));
                    return c;
                }
            }
        }
        panic!("portlens did not start listening: {:?}", c.seen);
    }

    /// Waits for exit (killing it after `secs`), returns (stdout, all stderr lines, exit code).
    /// Stdout is drained meanwhile, so a full pipe cannot keep the capture from ending.
    fn finish(mut self, secs: u64) -> (String, Vec<String>, Option<i32>) {
        let reader = self.child.stdout.take().map(|mut o| {
            std::thread::spawn(move || {
                let mut out = String::new();
                let _ = o.read_to_string(&mut out);
                out
            })
        });
        let deadline = Instant::now() + Duration::from_secs(secs);
        let status = loop {
            if let Ok(Some(s)) = self.child.try_wait() {
                break Some(s);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                break self.child.wait().ok();
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let out = reader.and_then(|r| r.join().ok()).unwrap_or_default();
        while let Ok(l) = self.stderr.recv_timeout(Duration::from_millis(300)) {
            self.seen.push(l);
        }
        (out, std::mem::take(&mut self.seen), status.and_then(|s| s.code()))
    }

    fn interrupt(&self) {
        self.signal("INT");
    }

    fn signal(&self, sig: &str) {
        let _ = Command::new("kill").args([&format!("-{sig}"), &self.child.id().to_string()]).status();
    }

    /// `/proc/PID/task/*/status` of every thread of the running capture.
    fn threads(&self) -> Vec<Vec<(String, String)>> {
        common::threads_status(self.child.id())
    }
}

impl Drop for Capture {
    /// A test that fails half-way must not leave a capture running.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A field of `/proc/PID/status` (values joined by single spaces).
fn field<'a>(status: &'a [(String, String)], name: &str) -> &'a str {
    status.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("no {name} in {status:?}"))
}

/// Sends `n` small UDP datagrams to 127.0.0.1:`port` (bounded: at most `n`, at most 10 s).
fn send_udp(port: u16, n: usize) -> usize {
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind sender");
    let deadline = Instant::now() + Duration::from_secs(10);
    let payload = [0x5au8; 32];
    let mut sent = 0;
    while sent < n && Instant::now() < deadline {
        if sock.send_to(&payload, ("127.0.0.1", port)).is_ok() {
            sent += 1;
        }
    }
    sent
}

/// The number in a statistics line such as `12 packets captured`.
fn stat(err: &[String], what: &str) -> u64 {
    let line = err.iter().find(|l| l.ends_with(what)).unwrap_or_else(|| panic!("no '{what}' line: {err:?}"));
    line.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("not a count: {line}"))
}

/// The uid and gid of a user, and its groups (`id`).
fn id_of(user: &str) -> (u32, u32, Vec<u32>) {
    let q = |flag: &str| {
        let o = Command::new("id").args([flag, user]).output().expect("id");
        String::from_utf8_lossy(&o.stdout).split_whitespace().map(|x| x.parse::<u32>().expect("number")).collect::<Vec<_>>()
    };
    (q("-u")[0], q("-g")[0], q("-G"))
}

/// One short TCP exchange on 127.0.0.1:`port`: connect, send, receive, close.
fn exchange(port: u16) {
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind listener");
    let server = std::thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            let mut buf = [0u8; 64];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"pong\n");
        }
    });
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    c.write_all(b"ping\n").expect("send");
    let mut buf = [0u8; 16];
    let _ = c.read(&mut buf);
    drop(c);
    let _ = server.join();
}

fn root_or_skip() -> bool {
    if !common::is_root() {
        eprintln!("skipped: live capture needs root (CI runs as root)");
        return false;
    }
    true
}

#[test]
fn captures_a_handshake_on_loopback_and_stops_after_count() {
    if !root_or_skip() {
        return;
    }
    let cap = Capture::start(&["-i", "lo", "-c", "3", "-l", "tcp", "port", "47811"]);
    exchange(47811);
    let (out, err, code) = cap.finish(10);
    assert_eq!(code, Some(0), "stderr: {err:?}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].contains("TCP 127.0.0.1:") && lines[0].contains("→ 127.0.0.1:47811 [SYN] seq 0"), "{}", lines[0]);
    assert!(lines[0].ends_with("· handshake 1/3"), "{}", lines[0]);
    assert!(lines[1].contains("[SYN,ACK] seq 0 ack 1") && lines[1].ends_with("· handshake 2/3"), "{}", lines[1]);
    assert!(lines[2].contains("· established, rtt "), "{}", lines[2]);
    assert!(err.iter().any(|l| l == "3 packets captured"), "{err:?}");
    assert!(err.iter().any(|l| l.ends_with("packets received by filter")), "{err:?}");
    assert!(err.iter().any(|l| l.ends_with("packets dropped by kernel")), "{err:?}");
}

/// Regression: stopping at `-c` used to drop the live source before its counters were read,
/// so the statistics said "0 packets received by filter" after packets were printed.
#[test]
fn dash_c_still_reports_what_the_kernel_counted() {
    if !root_or_skip() {
        return;
    }
    let cap = Capture::start(&["-i", "lo", "-c", "3", "udp", "port", "47820"]);
    assert_eq!(send_udp(47820, 3), 3);
    let (out, err, code) = cap.finish(10);
    assert_eq!(code, Some(0), "{err:?}");
    assert_eq!(out.lines().count(), 3, "{out}");
    assert_eq!(stat(&err, "packets captured"), 3, "{err:?}");
    assert!(stat(&err, "packets received by filter") >= 3, "the kernel's count, not zero: {err:?}");
}

/// A signal mid-capture: exit 0, every printed packet in a valid `-w` file that reads back to
/// the same lines, and the three statistics lines on stderr.
fn signal_ends_capture_cleanly(sig: &str, port: u16) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("live.pcap").display().to_string();
    let p = port.to_string();
    let cap = Capture::start(&["-i", "lo", "-w", &file, "--print", "tcp", "port", &p]);
    exchange(port);
    std::thread::sleep(Duration::from_millis(500));
    cap.signal(sig);
    let (out, err, code) = cap.finish(10);
    assert_eq!(code, Some(0), "SIG{sig} ends the capture successfully: {err:?}");
    let printed = out.lines().count();
    assert!(printed >= 8, "a whole exchange is at least 8 packets, got {printed}:\n{out}");
    assert_eq!(stat(&err, "packets captured"), printed as u64, "{err:?}");
    let received = stat(&err, "packets received by filter");
    assert!(received >= printed as u64, "the kernel saw at least what was printed: {err:?}");
    let _ = stat(&err, "packets dropped by kernel");
    // The file holds exactly the packets that were printed, and reads back the same.
    let back = common::run(&["-r", &file]);
    assert_eq!(back.code, Some(0), "{}", back.stderr);
    assert_eq!(back.stdout.lines().count(), printed);
    assert_eq!(back.stdout, out);
    if common::have("tshark") {
        let t = Command::new("tshark").args(["-r", &file]).output().expect("tshark");
        assert!(t.status.success(), "tshark reads the -w file");
        assert_eq!(String::from_utf8_lossy(&t.stdout).lines().count(), printed);
    }
}

#[test]
fn sigint_flushes_output_and_leaves_a_valid_w_file() {
    if !root_or_skip() {
        return;
    }
    signal_ends_capture_cleanly("INT", 47812);
}

#[test]
fn sigterm_flushes_output_and_leaves_a_valid_w_file() {
    if !root_or_skip() {
        return;
    }
    signal_ends_capture_cleanly("TERM", 47813);
}

/// SIGHUP is what an ssh session sends when it drops: it used to kill portlens and leave a
/// 0-byte `-w` file. SIGUSR1 and SIGUSR2 killed it too.
#[test]
fn sighup_from_a_dropped_ssh_session_and_sigusr1_2_end_a_capture_cleanly() {
    if !root_or_skip() {
        return;
    }
    for (sig, port) in [("HUP", 47821), ("USR1", 47822), ("USR2", 47823)] {
        signal_ends_capture_cleanly(sig, port);
    }
}

/// A user made for one test, removed when it ends (also when it fails).
struct TestUser(String);

impl TestUser {
    fn create() -> Option<TestUser> {
        let name = format!("pl16u{}", std::process::id() % 100_000);
        let _ = Command::new("userdel").arg(&name).stderr(Stdio::null()).status();
        let ok = Command::new("useradd")
            .args(["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", &name])
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(TestUser(name))
    }
}

impl Drop for TestUser {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.0).status();
    }
}

/// `setcap cap_net_raw,cap_net_admin=eip portlens`, run by an unprivileged user: both
/// capabilities used to stay for the whole run, so a compromised decoder could still take an
/// interface down through the socket it had. Once the capture is open, every thread has none
/// left in any set it can use (the bounding set needs CAP_SETPCAP to be emptied; with no
/// program to run and no new privileges it gives nothing back, and -v says so).
#[test]
fn file_capabilities_are_all_given_up_once_the_capture_is_open() {
    if !root_or_skip() || !common::have("setcap") || !common::have("setpriv") || !common::have("useradd") {
        eprintln!("skipped: needs root, setcap, setpriv and useradd");
        return;
    }
    let Some(user) = TestUser::create() else {
        eprintln!("skipped: cannot create a test user here");
        return;
    };
    let (uid, gid, _) = id_of(&user.0);
    // A copy of the binary with file capabilities, where the test user can run it (not on a
    // nosuid mount: the target directory).
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let bin = dir.path().join("portlens");
    std::fs::copy(common::bin(), &bin).expect("copy the binary");
    let set = Command::new("setcap").args(["cap_net_raw,cap_net_admin=eip"]).arg(&bin).status().expect("setcap");
    assert!(set.success(), "setcap");
    let mut cmd = Command::new("setpriv");
    cmd.args([&format!("--reuid={uid}"), &format!("--regid={gid}"), "--clear-groups", "--inh-caps=-all", "--"])
        .arg(&bin)
        .args(["-v", "-i", "lo", "--print", "udp", "port", "47824"])
        .env("TZ", "UTC");
    let cap = Capture::start_cmd(cmd);
    let threads = cap.threads();
    assert!(threads.len() >= 3, "main, signal and capture threads: {}", threads.len());
    for st in &threads {
        let name = field(st, "Name");
        assert_eq!(field(st, "Uid"), format!("{uid} {uid} {uid} {uid}"), "{name}");
        for set in ["CapEff", "CapPrm", "CapInh", "CapAmb"] {
            assert_eq!(field(st, set), "0000000000000000", "{name}: no {set} capabilities left");
        }
        assert_eq!(field(st, "NoNewPrivs"), "1", "{name}");
        assert_eq!(field(st, "Seccomp"), "2", "{name}");
    }
    assert_eq!(send_udp(47824, 3), 3);
    std::thread::sleep(Duration::from_millis(300));
    cap.interrupt();
    let (out, err, code) = cap.finish(10);
    assert_eq!(code, Some(0), "{err:?}");
    assert_eq!(out.lines().count(), 3, "the capture goes on without them: {out}");
    assert!(
        err.iter().any(|l| l.starts_with("portlens: every capability given up (the bounding set stays")),
        "-v says what is left: {err:?}"
    );
    let sandbox = err.iter().find(|l| l.starts_with("portlens: sandbox after opening the capture: "));
    assert!(sandbox.is_some_and(|l| !l.contains("partial")), "{err:?}");
}

/// Starts a capture that drops privileges (however `cmd` asks for it), checks who the process
/// is, and that the `-w` file belongs to that user and holds what was printed.
fn drops_to(mut cmd: Command, file: &str, port: u16, user: &str) {
    let (uid, gid, groups) = id_of(user);
    let cap = Capture::start_cmd({
        cmd.args(["-v", "-i", "lo", "-w", file, "--print", "udp", "port", &port.to_string()]);
        cmd
    });
    let threads = cap.threads();
    assert!(threads.len() >= 3, "main, signal and capture threads: {}", threads.len());
    for st in &threads {
        let name = field(st, "Name");
        let ids = |n: u32| format!("{n} {n} {n} {n}");
        assert_eq!(field(st, "Uid"), ids(uid), "{name}: real, effective, saved and filesystem uid");
        assert_eq!(field(st, "Gid"), ids(gid), "{name}: real, effective, saved and filesystem gid");
        let mut have: Vec<u32> = field(st, "Groups").split_whitespace().map(|g| g.parse().expect("gid")).collect();
        let mut want = groups.clone();
        have.sort_unstable();
        want.sort_unstable();
        want.dedup();
        have.dedup();
        assert!(have.iter().all(|g| want.contains(g)), "{name}: only {user}'s groups, not root's: {have:?} vs {want:?}");
        assert!(!have.contains(&0) || want.contains(&0), "{name}: group root was given up: {have:?}");
        for set in ["CapEff", "CapPrm", "CapInh", "CapAmb", "CapBnd"] {
            assert_eq!(field(st, set), "0000000000000000", "{name}: no {set} capabilities left");
        }
        assert_eq!(field(st, "NoNewPrivs"), "1", "{name}: the sandbox is on");
        assert_eq!(field(st, "Seccomp"), "2", "{name}: the seccomp filter is on");
    }
    let meta = std::fs::metadata(file).expect("the -w file exists");
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&meta), uid, "the -w file belongs to {user}");
    assert_eq!(send_udp(port, 5), 5);
    std::thread::sleep(Duration::from_millis(300));
    cap.interrupt();
    let (out, err, code) = cap.finish(10);
    assert_eq!(code, Some(0), "{err:?}");
    assert!(!err.iter().any(|l| l.contains("running as root")), "{err:?}");
    let sandbox = err.iter().find(|l| l.starts_with("portlens: sandbox after opening the capture: "));
    assert!(sandbox.is_some_and(|l| !l.contains("partial")), "-v says Landlock covers every thread: {err:?}");
    assert!(err.iter().any(|l| l.contains(&format!("running as {user} (uid {uid}, gid {gid}")) && l.ends_with("root and every capability given up")), "{err:?}");
    assert_eq!(out.lines().count(), 5, "{out}");
    let back = common::run(&["-v", "-r", file]);
    assert_eq!(back.stdout, out, "the -w file (written after the drop) holds what was printed");
}

#[test]
fn dash_capital_z_drops_to_that_user_and_hands_it_the_w_file() {
    if !root_or_skip() {
        return;
    }
    let dir = common::dir_owned_by(65534);
    let file = dir.path().join("z.pcap").display().to_string();
    let mut cmd = common::command(&["-Z", "nobody"]);
    cmd.env("SUDO_UID", "1").env("SUDO_GID", "1"); // -Z wins over the sudo caller
    drops_to(cmd, &file, 47814, "nobody");
}

#[test]
fn under_sudo_it_drops_to_the_invoking_user() {
    if !root_or_skip() {
        return;
    }
    let dir = common::dir_owned_by(65534);
    let file = dir.path().join("sudo.pcap").display().to_string();
    let mut cmd = common::command(&[]);
    cmd.env("SUDO_UID", "65534").env("SUDO_GID", "65534").env("SUDO_USER", "nobody");
    drops_to(cmd, &file, 47815, "nobody");
}

#[test]
fn without_z_or_sudo_it_says_it_runs_as_root() {
    if !root_or_skip() {
        return;
    }
    // With the sandbox (default) and without it (--no-sandbox).
    for (extra, seccomp) in [(None, "2"), (Some("--no-sandbox"), "0")] {
        let mut args = vec!["-i", "lo", "-c", "1", "udp", "port", "47816"];
        args.extend(extra);
        let cap = Capture::start(&args);
        for st in cap.threads() {
            assert_eq!(field(&st, "Uid"), "0 0 0 0");
            assert_eq!(field(&st, "Seccomp"), seccomp, "{extra:?}");
            // Root, but without a single capability: no raw sockets, no DAC override, no admin.
            for set in ["CapEff", "CapPrm", "CapInh", "CapAmb", "CapBnd"] {
                assert_eq!(field(&st, set), "0000000000000000", "{extra:?}: {set}");
            }
        }
        assert!(
            cap.seen.iter().any(|l| l == "portlens: running as root without capabilities (use -Z USER to give root up too)"),
            "{:?}",
            cap.seen
        );
        send_udp(47816, 1);
        let (out, err, code) = cap.finish(10);
        assert_eq!(code, Some(0), "{err:?}");
        assert_eq!(out.lines().count(), 1, "{out}");
    }
}

#[test]
fn sandboxed_capture_still_reads_and_writes_what_it_opened() {
    if !root_or_skip() {
        return;
    }
    // -Z plus the sandbox, pcapng output, -U: the capture thread and the writer keep working.
    let dir = common::dir_owned_by(65534);
    let file = dir.path().join("s.pcapng").display().to_string();
    let cap = Capture::start(&["-i", "lo", "-Z", "nobody", "-U", "-w", &file, "--print", "-v", "udp", "port", "47817"]);
    assert_eq!(send_udp(47817, 20), 20);
    std::thread::sleep(Duration::from_millis(300));
    // -U: the file is complete while the capture still runs.
    let mid = common::run(&["-r", &file]);
    assert_eq!(mid.stdout.lines().count(), 20, "{}", mid.stderr);
    cap.signal("TERM");
    let (out, err, code) = cap.finish(10);
    assert_eq!(code, Some(0), "{err:?}");
    assert_eq!(out.lines().count(), 20);
}

#[test]
fn missing_interface_lists_the_available_ones() {
    let r = common::run(&["-i", "nosuchif0", "-c", "1"]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.starts_with("portlens: no interface named 'nosuchif0'; available: "), "{}", r.stderr);
    assert!(r.stderr.contains("lo"), "{}", r.stderr);
}

#[test]
fn list_interfaces_shows_loopback_with_flags() {
    let r = common::run(&["-D"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let lo = r.stdout.lines().find(|l| l.contains(".lo ")).unwrap_or_else(|| panic!("lo listed: {}", r.stdout));
    assert!(lo.contains("Loopback") && lo.contains("Up"), "{lo}");
}

#[test]
fn unprivileged_user_gets_the_sudo_and_setcap_commands() {
    if !root_or_skip() || !common::have("setpriv") {
        eprintln!("skipped: needs root and setpriv to run as nobody");
        return;
    }
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--"])
        .arg(common::bin())
        .args(["-i", "lo", "-c", "1"])
        .output()
        .expect("setpriv");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("permission denied"), "{err}");
    assert!(err.contains("sudo ") && err.contains("-i lo"), "the sudo command: {err}");
    assert!(err.contains("setcap cap_net_raw,cap_net_admin=eip "), "the setcap command: {err}");
}

/// A veth pair made for one test and deleted when the test ends (also when it fails).
struct Veth(String);

impl Veth {
    fn create(name: &str) -> Option<Veth> {
        let _ = Command::new("ip").args(["link", "del", name]).stderr(Stdio::null()).status();
        let peer = format!("{name}p");
        let ok = Command::new("ip")
            .args(["link", "add", name, "type", "veth", "peer", "name", &peer])
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Veth(name.to_string()))
    }
}

impl Drop for Veth {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["link", "del", &self.0]).status();
    }
}

#[test]
fn an_interface_that_is_down_says_how_to_bring_it_up() {
    if !root_or_skip() {
        return;
    }
    let name = format!("pl{}dn", std::process::id() % 100_000);
    let Some(veth) = Veth::create(&name) else {
        eprintln!("skipped: cannot create a veth pair here");
        return;
    };
    let r = common::run(&["-i", &veth.0, "-c", "1"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(
        r.stderr,
        format!("portlens: interface '{name}' is down; bring it up first (sudo ip link set {name} up) or pick another with -i\n")
    );
    drop(veth);
    assert!(!common::run(&["-D"]).stdout.contains(&name), "the test interface is gone");
}

#[test]
fn a_closed_stdout_ends_a_live_capture_quietly() {
    if !root_or_skip() {
        return;
    }
    // portlens -i lo -l … | head -1
    let mut cap = Capture::start(&["-i", "lo", "-l", "udp", "port", "47818"]);
    let mut stdout = BufReader::new(cap.child.stdout.take().expect("stdout"));
    send_udp(47818, 1);
    let mut first = String::new();
    stdout.read_line(&mut first).expect("one line");
    assert!(first.contains("UDP 127.0.0.1:") && first.contains("→ 127.0.0.1:47818"), "{first}");
    drop(stdout);
    // Keep sending (bounded) until portlens notices the closed pipe and ends.
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && cap.child.try_wait().ok().flatten().is_none() {
        send_udp(47818, 1);
        std::thread::sleep(Duration::from_millis(50));
    }
    let (_, err, code) = cap.finish(5);
    assert_eq!(code, Some(0), "a closed stdout is a quiet, successful end: {err:?}");
    let complaints: Vec<&String> = err
        .iter()
        .filter(|l| l.starts_with("portlens:") && !l.contains("listening on") && !l.contains("running as root"))
        .collect();
    assert!(complaints.is_empty(), "no error message: {complaints:?}");
    assert!(!err.iter().any(|l| l.contains("panicked") || l.contains("Broken pipe")), "{err:?}");
}

#[test]
fn a_flood_with_a_slow_reader_neither_deadlocks_nor_loses_count() {
    if !root_or_skip() {
        return;
    }
    const SENT: usize = 20_000;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("flood.pcap").display().to_string();
    // A small kernel buffer (-B) so that the kernel has to drop while the reader is slow.
    let mut cap = Capture::start(&["-i", "lo", "-B", "256", "-w", &file, "--print", "-n", "udp", "port", "47819"]);
    // A slow reader: about 1 KiB every 2 ms, counting lines and keeping the text.
    let mut stdout = cap.child.stdout.take().expect("stdout");
    let lines = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&lines);
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 1024];
        loop {
            match stdout.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    all.extend_from_slice(&buf[..n]);
                    counter.fetch_add(buf[..n].iter().filter(|&&b| b == b'\n').count(), std::sync::atomic::Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        }
        String::from_utf8_lossy(&all).into_owned()
    });
    let sent = send_udp(47819, SENT);
    assert_eq!(sent, SENT, "the sender is bounded by time, not by the capture");
    // Wait (bounded) until the output stops growing: everything captured has been printed.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = (usize::MAX, Instant::now());
    while Instant::now() < deadline {
        let n = lines.load(std::sync::atomic::Ordering::Relaxed);
        if n != last.0 {
            last = (n, Instant::now());
        } else if last.1.elapsed() > Duration::from_millis(1500) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    cap.interrupt();
    let (_, err, code) = cap.finish(30);
    let out = reader.join().expect("reader");
    assert_eq!(code, Some(0), "the capture ends on SIGINT after a flood: {err:?}");
    let printed = out.lines().count() as u64;
    let captured = stat(&err, "packets captured");
    let received = stat(&err, "packets received by filter");
    let dropped = stat(&err, "packets dropped by kernel");
    eprintln!("flood: sent {SENT}, printed {printed}, captured {captured}, received {received}, dropped {dropped}");
    assert_eq!(captured, printed, "every captured packet was printed: {err:?}");
    assert!(printed <= SENT as u64, "{printed} printed of {SENT} sent");
    assert!(printed > 0, "{err:?}");
    assert!(received >= captured, "received by filter ({received}) covers what was captured ({captured})");
    assert!(
        captured + dropped >= SENT as u64,
        "every datagram was either captured or counted as dropped: {captured} + {dropped} < {SENT}: {err:?}"
    );
    let back = common::run(&["-r", &file, "-n"]);
    assert_eq!(back.code, Some(0), "{}", back.stderr);
    assert_eq!(back.stdout.lines().count() as u64, printed, "the -w file holds every printed packet");
    assert_eq!(back.stdout, out);
}

/// `--flows --json` is a connection log: a connection's record reaches stdout when it ends,
/// while the capture goes on (issue 13).
#[test]
fn a_closed_connection_s_record_is_written_while_the_capture_still_runs() {
    if !root_or_skip() {
        return;
    }
    let mut cap = Capture::start(&["-i", "lo", "--flows", "--json", "-l", "tcp", "port", "47913"]);
    let out = cap.child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    exchange(47913);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut lines = Vec::new();
    let record = loop {
        assert!(Instant::now() < deadline, "no flow record within 10 s: {lines:?}");
        let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) else { continue };
        let v: serde_json::Value = serde_json::from_str(&l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
        lines.push(l);
        assert_eq!(v["event"]["dataset"], "portlens.flow", "only flow records: {v}");
        break v;
    };
    assert!(matches!(cap.child.try_wait(), Ok(None)), "the capture is still running when the record arrives");
    assert_eq!(record["destination"]["port"], 47913, "{record}");
    assert_eq!(record["server"]["port"], 47913, "{record}");
    assert_eq!(record["event"]["action"], "closed", "{record}");
    assert_eq!(record["event"]["type"], serde_json::json!(["connection", "end"]), "{record}");
    assert_eq!(record["portlens"]["flow"]["tracking_end"], "finished", "{record}");
    assert_eq!(record["network"]["packets"].as_u64().map(|n| n >= 8), Some(true), "{record}");
    cap.interrupt();
    let (_, err, code) = cap.finish(10);
    assert_eq!(code, Some(0), "{err:?}");
    // Nothing else was open: no more records after the stop.
    if let Ok(l) = rx.recv_timeout(Duration::from_millis(300)) {
        panic!("a record after the stop: {l}");
    }
}
