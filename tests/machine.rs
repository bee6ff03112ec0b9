//! `portlens sockets`, `who` and `explain`'s "on this machine now" lines against the kernel:
//! real Python servers and clients with known pids (tests/programs/scene.py) in a network
//! namespace of their own (`pl-10-*`), compared with `ss -tuanpH` as ground truth, and the
//! verdicts about `bind()` checked by binding for real.
//!
//! Needs root and `ip`; without them each test says SKIPPED on stderr and passes.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

fn can_run(test: &str) -> bool {
    if !common::is_root() || !common::have("ip") || !common::have("ss") || !common::have("python3") {
        eprintln!("SKIPPED {test}: needs root, ip, ss and python3");
        return false;
    }
    true
}

/// A network namespace removed on drop.
struct Netns(String);

impl Netns {
    fn new(tag: &str) -> Netns {
        let name = format!("pl-10-{tag}-{}", std::process::id());
        let _ = Command::new("ip").args(["netns", "del", &name]).status();
        assert!(Command::new("ip").args(["netns", "add", &name]).status().expect("ip").success());
        assert!(Command::new("ip").args(["-n", &name, "link", "set", "lo", "up"]).status().expect("ip").success());
        Netns(name)
    }

    fn cmd(&self, program: &str, args: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.0, program]).args(args);
        c
    }

    /// portlens in the namespace, in the test environment.
    fn portlens(&self, args: &[&str]) -> common::Run {
        self.portlens_env(args, &[])
    }

    fn portlens_env(&self, args: &[&str], env: &[(&str, &str)]) -> common::Run {
        let c = common::command(&[]);
        let envs: Vec<(String, String)> =
            c.get_envs().filter_map(|(k, v)| Some((k.to_str()?.to_string(), v?.to_str()?.to_string()))).collect();
        let mut c = self.cmd(common::bin(), args);
        c.env_remove("PORTLENS_PROC").env_remove("SUDO_UID").env_remove("SUDO_GID");
        for (k, v) in envs.iter().map(|(k, v)| (k.as_str(), v.as_str())).chain(env.iter().copied()) {
            c.env(k, v);
        }
        let out = c.stdin(Stdio::null()).output().expect("run portlens");
        common::Run {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code(),
        }
    }

    /// Python code run in the namespace (as root, or as `nobody` when `unprivileged`); its stdout.
    fn python(&self, code: &str, unprivileged: bool) -> String {
        let mut c = if unprivileged {
            // The system's python: a python under /root is not `nobody`'s to run.
            let py = if std::path::Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" };
            self.cmd("setpriv", &["--reuid=65534", "--regid=65534", "--clear-groups", py, "-c", code])
        } else {
            self.cmd("python3", &["-c", code])
        };
        let out = c.output().expect("python3");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn scene(&self, args: &[&str]) -> Scene {
        let script = format!("{}/tests/programs/scene.py", env!("CARGO_MANIFEST_DIR"));
        let mut all = vec![script.as_str()];
        all.extend_from_slice(args);
        let mut child = self.cmd("python3", &all).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("scene");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("scene line");
        let info: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("scene said {line:?}: {e}"));
        Scene { child, info }
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

/// A running scene; closing its stdin ends it, and drop kills it if it did not end.
struct Scene {
    child: Child,
    info: Value,
}

impl Scene {
    fn pid(&self, role: &str) -> u64 {
        self.info[role].as_u64().expect("pid")
    }
}

impl Drop for Scene {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `(proto, state, local, peer, pids)` as `ss -tuanpH` prints them, in portlens's names.
fn ss_rows(ns: &Netns) -> BTreeSet<(String, String, String, String, Vec<u64>)> {
    let out = ns.cmd("ss", &["-tuanpH"]).output().expect("ss");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let state = match f.get(1)? {
                &"ESTAB" => "ESTABLISHED",
                &"TIME-WAIT" => "TIME_WAIT",
                &"SYN-SENT" => "SYN_SENT",
                &"SYN-RECV" => "SYN_RECV",
                &"FIN-WAIT-1" => "FIN_WAIT1",
                &"FIN-WAIT-2" => "FIN_WAIT2",
                &"CLOSE-WAIT" => "CLOSE_WAIT",
                &"LAST-ACK" => "LAST_ACK",
                s => s,
            };
            let peer = f.get(5)?.replace(":*", ":0");
            let mut pids: Vec<u64> = l
                .split("pid=")
                .skip(1)
                .filter_map(|p| p.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
                .collect();
            pids.sort_unstable();
            Some((f[0].to_string(), state.to_string(), f.get(4)?.to_string(), peer, pids))
        })
        .collect()
}

/// `ip:port` as ss prints it; a peer that is not set (null) as ss's `0.0.0.0:*` or `[::]:*`.
fn ep(v: &Value, local: &Value) -> String {
    if v.is_null() {
        let v6 = local["ip"].as_str().is_some_and(|ip| ip.contains(':'));
        return if v6 { "[::]:0" } else { "0.0.0.0:0" }.to_string();
    }
    let ip = v["ip"].as_str().expect("ip");
    let port = v["port"].as_u64().expect("port");
    if ip.contains(':') { format!("[{ip}]:{port}") } else { format!("{ip}:{port}") }
}

fn portlens_rows(stdout: &str) -> BTreeSet<(String, String, String, String, Vec<u64>)> {
    common::json_lines(stdout)
        .iter()
        .map(|s| {
            let mut pids: Vec<u64> = s["processes"].as_array().expect("processes").iter().map(|p| p["pid"].as_u64().expect("pid")).collect();
            pids.sort_unstable();
            (
                s["network"]["transport"].as_str().expect("transport").to_string(),
                s["state"].as_str().expect("state").to_string(),
                ep(&s["local"], &s["local"]),
                ep(&s["peer"], &s["local"]),
                pids,
            )
        })
        .collect()
}

#[test]
fn the_socket_table_is_ss_s_table_from_netlink_and_from_proc_with_thousands_of_sockets() {
    if !can_run("sockets vs ss") {
        return;
    }
    let ns = Netns::new("table");
    let scene = ns.scene(&["table", "2000"]);
    let truth = ss_rows(&ns);
    assert!(truth.len() >= 4003, "ss saw {} sockets", truth.len());
    for source in ["netlink", "proc"] {
        let r = ns.portlens(&["sockets", "--json", "--source", source]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        let mine = portlens_rows(&r.stdout);
        let missing: Vec<_> = truth.difference(&mine).take(5).collect();
        let extra: Vec<_> = mine.difference(&truth).take(5).collect();
        assert!(missing.is_empty() && extra.is_empty(), "{source}: missing {missing:?}, extra {extra:?}");
    }
    // The listener is the server's; a client connection is the client's.
    let (server, client) = (scene.pid("server"), scene.pid("client"));
    let r = ns.portlens(&["sockets", "--json", "--listen", "tcp"]);
    let rows = common::json_lines(&r.stdout);
    assert_eq!(rows.len(), 1, "{}", r.stdout);
    assert_eq!(rows[0]["process"]["pid"].as_u64(), Some(server));
    assert_eq!(rows[0]["process"]["name"], "python3");
    assert_eq!(rows[0]["user"]["name"], "root");
    // Filters: port 8080 and the client's pid: the client's 2000 connections.
    let r = ns.portlens(&["sockets", "--json", ":8080", "--pid", &client.to_string()]);
    let rows = common::json_lines(&r.stdout);
    assert_eq!(rows.len(), 2000);
    assert!(rows.iter().all(|s| s["peer"]["port"] == 8080 && s["local"]["ephemeral"] == true));
    // TIME_WAIT: no program (the kernel holds it), and the time left.
    let r = ns.portlens(&["sockets", "--json", "tcp"]);
    let tw: Vec<Value> = common::json_lines(&r.stdout).into_iter().filter(|s| s["state"] == "TIME_WAIT").collect();
    assert_eq!(tw.len(), 1);
    assert_eq!(tw[0]["process_unknown"], "kernel");
    let left = tw[0]["socket"]["expires_ms"].as_u64().expect("expires");
    assert!((1..=60_000).contains(&left), "{left}");
    // The text view: a row per socket, the meaning of each state, the source.
    let r = ns.portlens(&["sockets", "udp"]);
    assert!(r.stdout.contains("0.0.0.0:5353 (mdns)"), "{}", r.stdout);
    assert!(r.stdout.contains("UNCONN       UDP, bound, not connected") || r.stdout.contains("UNCONN  UDP, bound"), "{}", r.stdout);
    assert!(r.stdout.contains(&format!("python3  {server}")), "{}", r.stdout);
    assert!(r.stdout.contains("Sockets shown: 1, from the kernel's table (netlink sock_diag, as ss)"), "{}", r.stdout);
    let r = ns.portlens(&["sockets", "--listen", "--lang", "ko"]);
    assert!(r.stdout.starts_with("프로토콜  상태"), "{}", r.stdout);
    assert!(r.stdout.contains("로컬 주소") && r.stdout.contains("외부 주소") && r.stdout.contains("연결을 기다리는 중"), "{}", r.stdout);
}

#[test]
fn without_root_other_users_programs_are_not_permitted_and_sudo_is_named() {
    if !can_run("unprivileged sockets") || !common::have("setpriv") {
        return;
    }
    let ns = Netns::new("unpriv");
    let scene = ns.scene(&["listen", "8080"]);
    let mut c = ns.cmd("setpriv", &["--reuid=65534", "--regid=65534", "--clear-groups", common::bin(), "sockets", "--listen", "tcp"]);
    let out = c.env("LANG", "C").output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("(not permitted)"), "{text}");
    assert!(text.contains("need sudo"), "{text}");
    assert!(!text.contains(&scene.pid("server").to_string()), "an unprivileged run named a root process: {text}");
    let mut c = ns.cmd("setpriv", &["--reuid=65534", "--regid=65534", "--clear-groups", common::bin(), "sockets", "--json", "--listen"]);
    let out = c.output().expect("run");
    let rows = common::json_lines(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(rows[0]["process_unknown"], "not-permitted");
}

#[test]
fn who_names_the_listener_and_bind_really_fails_then_the_offered_port_binds() {
    if !can_run("who listener") {
        return;
    }
    let ns = Netns::new("who");
    let scene = ns.scene(&["listen", "8080"]);
    let pid = scene.pid("server");
    let r = ns.portlens(&["who", "8080/tcp"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains(&format!("LISTEN  0.0.0.0:8080  python3 (pid {pid}, root)")), "{}", r.stdout);
    assert!(r.stdout.contains(&format!("EADDRINUSE (\"Address already in use\"): python3 (pid {pid}) listens on 0.0.0.0:8080")), "{}", r.stdout);
    assert!(r.stdout.contains(&format!("kill {pid}")) && r.stdout.contains("8081/tcp is free"), "{}", r.stdout);
    let bind = |port: u16| {
        ns.python(
            &format!("import socket,errno\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ntry:\n s.bind(('0.0.0.0',{port})); print('ok')\nexcept OSError as e: print(errno.errorcode[e.errno])"),
            false,
        )
    };
    assert_eq!(bind(8080), "EADDRINUSE");
    assert_eq!(bind(8081), "ok");
    // `explain 8080` says the same under "On this machine now".
    let r = ns.portlens(&["explain", "8080"]);
    assert!(r.stdout.contains("On this machine now"), "{}", r.stdout);
    assert!(r.stdout.contains(&format!("python3 (pid {pid}) listens on 0.0.0.0:8080")), "{}", r.stdout);
    // UDP: a bound socket is the conflict.
    let udp = ns.scene(&["udp", "5353"]);
    let r = ns.portlens(&["who", "5353/udp"]);
    assert!(r.stdout.contains(&format!("python3 (pid {}) has bound 0.0.0.0:5353", udp.pid("server"))), "{}", r.stdout);
    let r = ns.portlens(&["who", "80/sctp"]);
    assert_eq!(r.code, Some(2));
    let r = ns.portlens(&["who", "70000"]);
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.starts_with("portlens: who: '70000' is not a port"), "{}", r.stderr);
}

#[test]
fn who_on_a_port_held_only_by_time_wait_counts_down_and_says_when_so_reuseaddr_binds_it() {
    if !can_run("who TIME_WAIT") {
        return;
    }
    let ns = Netns::new("tw");
    let bind = |port: u16, reuse: bool| {
        ns.python(
            &format!("import socket,errno\ns=socket.socket()\nif {}: s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ntry:\n s.bind(('127.0.0.1',{port})); s.listen(1); print('ok')\nexcept OSError as e: print(errno.errorcode[e.errno])", if reuse { "True" } else { "False" }),
            false,
        )
    };
    // Linux lets SO_REUSEADDR bind over TIME_WAIT only when the program that held the port had
    // set it too: the verdict says so, and the kernel agrees both ways.
    for (scene, port, reuse_binds) in [("timewait", 9090, "EADDRINUSE"), ("timewait-reuse", 9091, "ok")] {
        let _scene = ns.scene(&[scene, &port.to_string()]);
        let r = ns.portlens(&["who", &format!("{port}/tcp")]);
        assert!(r.stdout.contains(&format!("TIME_WAIT  127.0.0.1:{port} ⇄ 127.0.0.1:")), "{}", r.stdout);
        assert!(r.stdout.contains("SO_REUSEADDR binds it at once if the program that held it had set SO_REUSEADDR too"), "{}", r.stdout);
        let secs: u32 = r
            .stdout
            .split("frees itself within ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no countdown: {}", r.stdout));
        assert!((1..=60).contains(&secs), "{secs}");
        assert_eq!(bind(port, false), "EADDRINUSE", "{scene}: without SO_REUSEADDR TIME_WAIT blocks the port");
        assert_eq!(bind(port, true), reuse_binds, "{scene}: with SO_REUSEADDR");
    }
}

#[test]
fn who_on_a_free_port_says_whether_an_unprivileged_user_may_bind_it_here() {
    if !can_run("who free port") || !common::have("setpriv") {
        return;
    }
    let ns = Netns::new("free");
    // The setting is per network namespace.
    assert!(ns.cmd("sysctl", &["-qw", "net.ipv4.ip_unprivileged_port_start=80"]).status().expect("sysctl").success());
    let r = ns.portlens(&["who", "80/tcp"]);
    assert!(r.stdout.contains("Nothing uses 80/tcp: the port is free."), "{}", r.stdout);
    assert!(r.stdout.contains("net.ipv4.ip_unprivileged_port_start = 80: any user may bind port 80"), "{}", r.stdout);
    let r = ns.portlens(&["who", "79/tcp"]);
    assert!(r.stdout.contains("binding port 79 needs root or CAP_NET_BIND_SERVICE"), "{}", r.stdout);
    let bind = |port: u16| {
        ns.python(&format!("import socket,errno\ns=socket.socket()\ntry:\n s.bind(('0.0.0.0',{port})); print('ok')\nexcept OSError as e: print(errno.errorcode[e.errno])"), true)
    };
    assert_eq!(bind(80), "ok");
    assert_eq!(bind(79), "EACCES");
}

#[test]
fn explain_reads_a_proc_copy_s_socket_table() {
    // No root needed: the table comes from the copy's net/tcp.
    let dir = tempfile::tempdir().expect("tempdir");
    let net = dir.path().join("sys/net/ipv4");
    std::fs::create_dir_all(&net).expect("mkdir");
    std::fs::write(net.join("ip_local_port_range"), "32768\t60999\n").expect("write");
    std::fs::write(net.join("ip_unprivileged_port_start"), "1024\n").expect("write");
    let header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    std::fs::write(
        dir.path().join("net/tcp").tap_mkdir(),
        format!("{header}   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0 100 0 0 10 0\n   1: 0100007F:2382 0100007F:D431 06 00000000:00000000 03:00000BB8 00000000     0        0 0 3 0\n"),
    )
    .expect("write");
    std::fs::write(dir.path().join("net/udp"), "h\n").expect("write");
    let mut c = common::command(&["explain", "8080", "9090", "8081"]);
    c.env("PORTLENS_PROC", dir.path());
    let out = c.output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("tcp  bind() on 8080/tcp fails with EADDRINUSE (\"Address already in use\"): a program listens on 0.0.0.0:8080 (no process)."), "{text}");
    assert!(text.contains("tcp  Only TIME_WAIT sockets hold 9090/tcp: the port frees itself within 30 s."), "{text}");
    assert!(text.contains("tcp  Nothing uses 8081/tcp: the port is free."), "{text}");
    assert!(text.contains("udp  Nothing uses 8081/udp"), "{text}");
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for std::path::PathBuf {
    fn tap_mkdir(self) -> Self {
        if let Some(p) = self.parent() {
            std::fs::create_dir_all(p).expect("mkdir");
        }
        self
    }
}
