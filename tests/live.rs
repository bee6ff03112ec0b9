//! Live capture on the loopback interface with traffic each test makes itself (bounded in
//! count and time): `-c`, kernel filters, `-w` then re-read, Ctrl-C (SIGINT) mid-capture with
//! the statistics lines, and the errors for a missing interface.
//!
//! Needs root (or CAP_NET_RAW); skipped with a message otherwise. CI runs as root.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Stdio};
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
        let mut child = common::command(args)
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
    fn finish(mut self, secs: u64) -> (String, Vec<String>, Option<i32>) {
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
        let mut out = String::new();
        if let Some(mut o) = self.child.stdout.take() {
            let _ = o.read_to_string(&mut out);
        }
        while let Ok(l) = self.stderr.recv_timeout(Duration::from_millis(300)) {
            self.seen.push(l);
        }
        (out, self.seen, status.and_then(|s| s.code()))
    }

    fn interrupt(&self) {
        let _ = std::process::Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
    }
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

#[test]
fn sigint_flushes_output_and_leaves_a_valid_w_file() {
    if !root_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("live.pcap").display().to_string();
    let cap = Capture::start(&["-i", "lo", "-w", &file, "--print", "tcp", "port", "47812"]);
    exchange(47812);
    std::thread::sleep(Duration::from_millis(500));
    cap.interrupt();
    let (out, err, code) = cap.finish(10);
    assert_eq!(code, Some(0), "SIGINT ends the capture successfully: {err:?}");
    let printed = out.lines().count();
    assert!(printed >= 8, "a whole exchange is at least 8 packets, got {printed}:\n{out}");
    assert!(err.iter().any(|l| *l == format!("{printed} packets captured")), "{err:?}");
    // The file holds exactly the packets that were printed, and reads back the same.
    let back = common::run(&["-r", &file]);
    assert_eq!(back.code, Some(0), "{}", back.stderr);
    assert_eq!(back.stdout.lines().count(), printed);
    assert_eq!(back.stdout, out);
    if common::have("tshark") {
        let t = std::process::Command::new("tshark").args(["-r", &file]).output().expect("tshark");
        assert!(t.status.success(), "tshark reads the -w file");
        assert_eq!(String::from_utf8_lossy(&t.stdout).lines().count(), printed);
    }
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
