//! Integration tests of the teaching views, run through the real binary: `--bits` (and `-v`
//! header diagrams), `explain` and `services`, in English and Korean; the facts the lesson
//! states (bit strings, classes, names); bad input; colour.
//!
//! Snapshots live in `tests/snapshots/teach__NAME.txt`. To accept changed output, run
//! `PORTLENS_BLESS=1 cargo test --test teach` and review the diff. The machine's `/proc` is
//! never read: every `explain` run gets a fixed copy through `PORTLENS_PROC`.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{Run, fixture};

/// A `/proc` copy with Linux's defaults (ephemeral 32768–60999, unprivileged from 1024).
fn fake_proc(range: &str, start: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let net = dir.path().join("sys/net/ipv4");
    std::fs::create_dir_all(&net).expect("mkdir");
    std::fs::write(net.join("ip_local_port_range"), range).expect("write");
    std::fs::write(net.join("ip_unprivileged_port_start"), start).expect("write");
    dir
}

fn output(mut c: Command) -> Run {
    let out = c.stdin(Stdio::null()).output().expect("run portlens");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
    }
}

/// Runs with fixed `/proc` facts and the test environment of `common` (LANG=C, TZ=UTC).
fn teach(args: &[&str]) -> Run {
    let proc_dir = fake_proc("32768\t60999\n", "1024\n");
    let mut c = common::command(args);
    c.env("PORTLENS_PROC", proc_dir.path());
    output(c)
}

fn teach_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let proc_dir = fake_proc("32768\t60999\n", "1024\n");
    let mut c = common::command(args);
    c.env("PORTLENS_PROC", proc_dir.path());
    for (k, v) in env {
        c.env(k, v);
    }
    output(c)
}

fn snapshot(name: &str, actual: &str) {
    common::snapshot("teach", name, actual);
}

fn ok(r: &Run) {
    assert_eq!(r.code, Some(0), "exit code; stderr: {}", r.stderr);
    assert!(r.stderr.is_empty(), "stderr: {}", r.stderr);
}

// ---------------------------------------------------------------------------------------------
// explain

#[test]
fn explain_443_snapshot_en() {
    let r = teach(&["explain", "443", "--color", "never"]);
    ok(&r);
    snapshot("explain_443_en", &r.stdout);
}

#[test]
fn explain_socket_snapshot_ko() {
    let r = teach(&[
        "explain",
        "192.168.1.10:52341",
        "--lang",
        "ko",
        "--color",
        "never",
    ]);
    ok(&r);
    snapshot("explain_socket_ko", &r.stdout);
}

#[test]
fn explain_snapshots_more() {
    let r = teach(&["explain", "[2001:db8::1]:465", "--color=never"]);
    ok(&r);
    snapshot("explain_ipv6_465_en", &r.stdout);
    let r = teach(&["explain", "3306", "--lang", "ko", "--color", "never"]);
    ok(&r);
    snapshot("explain_3306_ko", &r.stdout);
}

#[test]
fn korean_comes_from_the_locale() {
    let r = teach_env(&["explain", "80"], &[("LANG", "ko_KR.UTF-8")]);
    ok(&r);
    assert!(r.stdout.starts_with("포트 80\n"), "{}", r.stdout);
    assert!(r.stdout.contains("잘 알려진 포트"), "{}", r.stdout);
    let r = teach_env(
        &["explain", "80", "--lang", "en"],
        &[("LC_ALL", "ko_KR.UTF-8")],
    );
    assert!(r.stdout.starts_with("port 80\n"), "{}", r.stdout);
}

/// The lesson's bit strings, exactly as it prints them.
#[test]
fn lesson_bit_strings() {
    for (port, bits) in [
        ("80", "0000 0000 0101 0000"),
        ("443", "0000 0001 1011 1011"),
        ("3306", "0000 1100 1110 1010"),
    ] {
        let r = teach(&["explain", port]);
        ok(&r);
        let line = r
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with("binary"))
            .unwrap_or("");
        assert!(line.contains(bits), "{port}: {line}");
    }
}

/// Every port of the lesson's two tables, named the way the lesson names it and with IANA's
/// name beside it.
#[test]
fn every_lesson_port_is_named_as_in_the_lesson_and_by_iana() {
    let lesson = [
        (20, "FTP-DATA", "ftp-data"),
        (21, "FTP", "ftp"),
        (22, "SSH", "ssh"),
        (23, "Telnet", "telnet"),
        (25, "SMTP", "smtp"),
        (53, "DNS", "domain"),
        (67, "DHCP (Server)", "bootps"),
        (68, "DHCP (Client)", "bootpc"),
        (80, "HTTP", "http"),
        (110, "POP3", "pop3"),
        (143, "IMAP", "imap"),
        (443, "HTTPS", "https"),
        (465, "SMTPS", "urd"),
        (993, "IMAPS", "imaps"),
        (995, "POP3S", "pop3s"),
        (1433, "MS SQL Server", "ms-sql-s"),
        (1521, "Oracle", "ncube-lm"),
        (3306, "MySQL", "mysql"),
        (3389, "RDP", "ms-wbt-server"),
        (5432, "PostgreSQL", "postgresql"),
        (5900, "VNC", "rfb"),
        (6379, "Redis", "redis"),
        (8080, "HTTP-Alt", "http-alt"),
        (8443, "HTTPS-Alt", "pcsync-https"),
        (9200, "Elasticsearch", "wap-wsp"),
        (27017, "MongoDB", "mongodb"),
    ];
    let args: Vec<String> = lesson.iter().map(|(p, ..)| p.to_string()).collect();
    let mut all = vec!["explain"];
    all.extend(args.iter().map(String::as_str));
    let r = teach(&all);
    ok(&r);
    let cards: Vec<&str> = r.stdout.split("\n\nport ").collect();
    assert_eq!(cards.len(), lesson.len(), "one card per target");
    for ((port, name, iana), card) in lesson.iter().zip(&cards) {
        let card = card.strip_prefix("port ").unwrap_or(card);
        assert!(card.starts_with(&format!("{port}\n")), "card order: {port}");
        let practice = card
            .lines()
            .find(|l| l.trim_start().starts_with("in practice"))
            .unwrap_or("");
        assert!(
            practice.contains(&format!("{name} (")),
            "{port}: {practice}"
        );
        let iana_lines: Vec<&str> = card
            .lines()
            .filter(|l| l.contains(&format!("{port}/tcp")) || l.contains(&format!("{port}/udp")))
            .collect();
        assert!(
            iana_lines
                .iter()
                .any(|l| l.split_whitespace().any(|w| w == *iana)),
            "{port}: IANA {iana} missing in {iana_lines:?}"
        );
    }
}

#[test]
fn class_boundaries() {
    let r = teach(&["explain", "0", "1023", "1024", "49151", "49152", "65535"]);
    ok(&r);
    let classes: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("class "))
        .map(|l| l.split_whitespace().nth(1).unwrap_or(""))
        .collect();
    assert_eq!(
        classes,
        [
            "well-known",
            "well-known",
            "registered",
            "registered",
            "dynamic",
            "dynamic"
        ]
    );
    assert!(r.stdout.contains("IANA lists port 0 as Reserved"));
    // Binding port 0 needs nothing: the kernel picks a free ephemeral port.
    assert!(r.stdout.contains("binding port 0 needs no privilege"), "{}", r.stdout);
    assert!(!r.stdout.contains("binding port 0 needs root"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("binding port 1023 needs root or CAP_NET_BIND_SERVICE")
    );
    assert!(r.stdout.contains("any user may bind port 1024"));
    // IANA's own status: 0, 1023, 1024 and 49151 are Reserved, not "not assigned".
    for port in ["0", "1023", "1024", "49151"] {
        for proto in ["tcp", "udp"] {
            let line = r
                .stdout
                .lines()
                .find(|l| l.contains(&format!(" {port}/{proto} ")))
                .unwrap_or("");
            assert!(line.contains("Reserved"), "{port}/{proto}: {line}");
        }
    }
    assert!(!r.stdout.contains("not assigned  "), "{}", r.stdout);
}

#[test]
fn binding_port_0_unprivileged_gets_a_port_from_the_ephemeral_range() {
    // Make the kernel do it: an unprivileged user binds port 0 and the kernel hands out a
    // port from net.ipv4.ip_local_port_range, as `explain 0` says.
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok();
    let Some((lo, hi)) = range.as_deref().and_then(portlens::teach::facts::parse_range) else {
        eprintln!("skipped: /proc/sys/net/ipv4/ip_local_port_range is not readable here");
        return;
    };
    let script = "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])";
    let python = if std::path::Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" };
    let mut cmd = std::process::Command::new(python);
    cmd.args(["-c", script]);
    // As root, drop to nobody first (setpriv from util-linux), so the bind is unprivileged.
    let root = std::process::Command::new("id").arg("-u").output().ok().is_some_and(|o| o.stdout == b"0\n");
    if root {
        cmd = std::process::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", python, "-c", script]);
    }
    let out = match cmd.output() {
        Ok(o) if o.status.success() => o,
        Ok(o) => panic!("bind(0) failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => {
            eprintln!("skipped: cannot run python3/setpriv here: {e}");
            return;
        }
    };
    let port: u16 = String::from_utf8_lossy(&out.stdout).trim().parse().expect("a port number");
    assert!((lo..=hi).contains(&port), "bind(0) gave {port}, outside {lo}–{hi}");
}

#[test]
fn ephemeral_ranges_and_machine_facts_come_from_proc() {
    let proc_dir = fake_proc("10000 20000\n", "80\n");
    let mut c = common::command(&["explain", "15000", "79", "80"]);
    c.env("PORTLENS_PROC", proc_dir.path());
    let r = output(c);
    ok(&r);
    assert!(
        r.stdout.contains(
            "Linux, this machine (net.ipv4.ip_local_port_range)  10000–20000  15000 is inside"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("IANA / Windows"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("ip_unprivileged_port_start = 80: binding port 79 needs root"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("ip_unprivileged_port_start = 80: any user may bind port 80"),
        "{}",
        r.stdout
    );

    let mut c = common::command(&["explain", "52341"]);
    c.env("PORTLENS_PROC", "/nonexistent-portlens-proc");
    let r = output(c);
    ok(&r);
    assert!(
        r.stdout.contains(
            "Linux default (net.ipv4.ip_local_port_range not readable here)  32768–60999"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("49152–65535  52341 is inside"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("not readable here (Linux's default is 1024)"),
        "{}",
        r.stdout
    );
}

#[test]
fn several_targets_give_several_cards() {
    let r = teach(&["explain", "443", "52341", "192.168.1.10:52341", "[::1]:22"]);
    ok(&r);
    let titles: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("port ") || l.starts_with("socket "))
        .collect();
    assert_eq!(
        titles,
        [
            "port 443",
            "port 52341",
            "socket 192.168.1.10:52341",
            "port 52341",
            "socket [::1]:22",
            "port 22"
        ]
    );
}

#[test]
fn bad_explain_input_is_a_usage_error_naming_the_range() {
    for bad in [
        "70000",
        "-1",
        "abc",
        "1.2.3.4:99999",
        "[::1]",
        "1.2.3.4:",
        "[::1]:80:",
        "65536",
        "1.2.3.4",
        "",
        "[::1]:-1",
    ] {
        let r = teach(&["explain", bad]);
        assert_eq!(r.code, Some(2), "{bad:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{bad:?} printed {}", r.stdout);
        assert!(!r.stderr.contains("panicked"), "{bad:?}: {}", r.stderr);
        for line in r.stderr.lines() {
            assert!(line.starts_with("portlens: "), "{bad:?}: {line}");
        }
        assert!(
            r.stderr.contains("0–65535") || r.stderr.contains("0 to 65535"),
            "{bad:?}: {}",
            r.stderr
        );
    }
    // One bad target among good ones: nothing is printed, every bad one is named.
    let r = teach(&["explain", "443", "70000", "abc"]);
    assert_eq!(r.code, Some(2));
    assert!(r.stdout.is_empty());
    assert_eq!(r.stderr.lines().count(), 2, "{}", r.stderr);
    let r = teach(&["explain", "443", "--lang", "fr"]);
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.starts_with("portlens: "), "{}", r.stderr);
}

#[test]
fn closed_stdout_stops_quietly() {
    let proc_dir = fake_proc("32768 60999", "1024");
    let targets: Vec<String> = (0..3000).map(|p| p.to_string()).collect();
    let mut args = vec!["explain"];
    args.extend(targets.iter().map(String::as_str));
    let mut c = common::command(&args);
    c.env("PORTLENS_PROC", proc_dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null());
    let mut child = c.spawn().expect("spawn");
    let mut first = [0u8; 64];
    let mut so = child.stdout.take().expect("stdout");
    so.read_exact(&mut first).expect("read");
    drop(so);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------------------------------------
// services

#[test]
fn services_search() {
    let r = teach(&["services", "mysql"]);
    ok(&r);
    snapshot("services_mysql_en", &r.stdout);
    let first: Vec<&str> = r
        .stdout
        .lines()
        .nth(1)
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(
        first.get(..4),
        Some(&["3306/tcp", "mysql", "MySQL", "registered"][..])
    );

    let r = teach(&["services", "443"]);
    ok(&r);
    assert!(
        r.stdout
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("443/tcp") && l.contains(" https ")),
        "{}",
        r.stdout
    );
    let r = teach(&["services", "elasticsearch"]);
    ok(&r);
    assert!(
        r.stdout
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("9200/tcp") && l.contains("Elasticsearch")),
        "{}",
        r.stdout
    );
    let r = teach(&["services", "secure", "shell"]);
    ok(&r);
    assert!(
        r.stdout.lines().any(|l| l.starts_with("22/tcp")),
        "{}",
        r.stdout
    );
    let r = teach(&["services", "mysql", "--lang", "ko"]);
    ok(&r);
    assert!(r.stdout.starts_with("포트"), "{}", r.stdout);
}

#[test]
fn explain_accepts_hex_and_binary_and_shows_the_bytes_on_the_wire() {
    for arg in ["0x01bb", "0b0000000110111011", "443"] {
        let r = teach(&["explain", arg]);
        ok(&r);
        assert!(r.stdout.starts_with("port 443\n"), "{arg}: {}", r.stdout);
        assert!(r.stdout.contains("on the wire   01 bb  (high byte first"), "{arg}: {}", r.stdout);
    }
    let r = teach(&["explain", "0x10000"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("0–65535"), "{}", r.stderr);
}

#[test]
fn korean_descriptions_are_korean_and_searchable() {
    let r = teach(&["services", "데이터베이스", "--lang", "ko"]);
    ok(&r);
    for port in ["1433/tcp", "1521/tcp", "3306/tcp", "5432/tcp", "6379/tcp", "27017/tcp"] {
        assert!(r.stdout.lines().any(|l| l.starts_with(port)), "{port}: {}", r.stdout);
    }
    assert!(r.stdout.contains("MySQL 데이터베이스"), "{}", r.stdout);
    let r = teach(&["services", "3000/tcp", "--lang", "ko"]);
    ok(&r);
    assert!(r.stdout.contains("개발용 웹 서버"), "{}", r.stdout);
    assert!(!r.stdout.contains("Dev web server"), "{}", r.stdout);
}

#[test]
fn services_keep_every_iana_name_and_ianas_status() {
    // 1701/udp is l2f and l2tp; searching the second name finds it.
    let r = teach(&["services", "l2tp"]);
    ok(&r);
    assert!(r.stdout.lines().any(|l| l.starts_with("1701/udp") && l.contains(" l2tp ")), "{}", r.stdout);
    let r = teach(&["services", "1701/udp"]);
    ok(&r);
    let names: Vec<&str> = r.stdout.lines().skip(1).filter_map(|l| l.split_whitespace().nth(1)).collect();
    assert_eq!(names, ["l2f", "l2tp"], "{}", r.stdout);
    // 465/tcp is urd and submissions (RFC 8314).
    let r = teach(&["services", "465"]);
    ok(&r);
    assert!(r.stdout.lines().any(|l| l.starts_with("465/tcp") && l.contains(" urd ")), "{}", r.stdout);
    assert!(r.stdout.lines().any(|l| l.starts_with("465/tcp") && l.contains(" submissions ")), "{}", r.stdout);
    // A port IANA lists without a name gets a row with IANA's status.
    let r = teach(&["services", "0"]);
    ok(&r);
    snapshot("services_0_en", &r.stdout);
    assert!(r.stdout.lines().any(|l| l.starts_with("0/tcp") && l.contains("Reserved")), "{}", r.stdout);
    let r = teach(&["services", "4/tcp"]);
    ok(&r);
    assert!(r.stdout.contains("Unassigned"), "{}", r.stdout);
    let r = teach(&["services", "0", "--lang", "ko"]);
    ok(&r);
    snapshot("services_0_ko", &r.stdout);
}

#[test]
fn services_without_a_match_exits_1_and_bad_numbers_2() {
    let r = teach(&["services", "zzzzqqqq"]);
    assert_eq!(r.code, Some(1));
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr
            .starts_with("portlens: services: nothing matches 'zzzzqqqq'"),
        "{}",
        r.stderr
    );
    let r = teach(&["services", "70000"]);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.starts_with("portlens: ") && r.stderr.contains("0–65535"),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// --bits

#[test]
fn bits_layout_is_the_spec_layout() {
    let r = teach(&[
        "-r",
        &fixture("tcp-options-flags.pcap"),
        "--bits",
        "-c",
        "1",
        "--color",
        "never",
    ]);
    ok(&r);
    snapshot("bits_options_first_en", &r.stdout);
    let lines = r.lines();
    assert_eq!(
        lines.first().copied(),
        Some("#1 18:38:17.686702 TCP 192.0.2.10:42001 → 198.51.100.20:80 [SYN]")
    );
    assert_eq!(
        lines.get(1).copied(),
        Some("          bit  15 14 13 12 11 10  9  8  7  6  5  4  3  2  1  0")
    );
    assert_eq!(
        lines.get(4).copied(),
        Some("   flags        CWR ECE URG ACK PSH RST SYN FIN")
    );
    assert_eq!(
        lines.get(5).copied(),
        Some("                  0   0   0   0   0   0   1   0")
    );
}

#[test]
fn bits_of_the_lesson_capture() {
    let file = fixture("lesson.pcap");
    let r = teach(&["-r", &file, "--bits", "-t", "--color", "never"]);
    ok(&r);
    snapshot("bits_lesson_en", &r.stdout);
    // The spec's rows, exactly.
    assert!(r.stdout.contains(
        "   src  52341   1  1  0  0  1  1  0  0  0  1  1  1  0  1  0  1   0xCC75  dynamic · ephemeral (Linux, Windows)\n   dst    443   0  0  0  0  0  0  0  1  1  0  1  1  1  0  1  1   0x01BB  well-known · https\n"
    ));
    // The lesson's bit strings of 80, 443 and 3306 as the bits view prints them.
    for (port, bits) in [
        (80, "0000000001010000"),
        (443, "0000000110111011"),
        (3306, "0000110011101010"),
    ] {
        let row = r
            .stdout
            .lines()
            .find(|l| {
                l.starts_with("   dst") && l.split_whitespace().nth(1) == Some(&port.to_string())
            })
            .unwrap_or_else(|| panic!("no dst row for {port}"));
        let got: String = row.split_whitespace().skip(2).take(16).collect();
        assert_eq!(got, bits, "{port}");
    }
    let r = teach(&[
        "-r", &file, "--bits", "-t", "--lang", "ko", "--color", "never",
    ]);
    ok(&r);
    snapshot("bits_lesson_ko", &r.stdout);
    assert!(
        r.stdout.contains("출발지")
            && r.stdout.contains("목적지")
            && r.stdout.contains("동적 포트")
    );
}

#[test]
fn bits_verbose_diagrams() {
    let r = teach(&[
        "-r",
        &fixture("tcp-options-flags.pcap"),
        "--bits",
        "-v",
        "--color",
        "never",
    ]);
    ok(&r);
    snapshot("bits_verbose_options_en", &r.stdout);
    assert!(r.stdout.contains("Source Port · bytes 0–1"));
    assert!(r.stdout.contains("Destination Port · bytes 2–3"));
    assert!(r.stdout.contains("mss 1460 (20–23)"));
    let r = teach(&[
        "-r",
        &fixture("udp-request-response.pcap"),
        "--bits",
        "-v",
        "-c",
        "1",
        "-t",
        "--lang",
        "ko",
        "--color",
        "never",
    ]);
    ok(&r);
    assert!(
        r.stdout.contains("UDP 헤더 (RFC 768): 8바이트"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("길이 · 바이트 4–5"), "{}", r.stdout);
    assert!(
        !r.stdout.contains("플래그"),
        "UDP has no flags row: {}",
        r.stdout
    );
}

#[test]
fn bits_verbose_on_a_cut_header_says_where_it_stops() {
    for lang in ["en", "ko"] {
        let r = teach(&[
            "-r",
            &fixture("snaplen-cut.pcap"),
            "--bits",
            "-v",
            "--lang",
            lang,
            "--color",
            "never",
        ]);
        ok(&r);
        snapshot(&format!("bits_verbose_snaplen_{lang}"), &r.stdout);
    }
    let r = teach(&[
        "-r",
        &fixture("snaplen-cut.pcap"),
        "--bits",
        "-v",
        "--color",
        "never",
    ]);
    assert!(
        r.stdout
            .contains("the capture stops here: 4 of the 20 header bytes were captured")
    );
    assert!(
        r.stdout
            .contains("the capture stops here: 14 of the 20 header bytes were captured")
    );
    assert!(
        r.stdout
            .contains("the capture stops here: 4 of the 8 header bytes were captured")
    );
    // The packet without ports gets one line.
    assert!(
        r.stdout
            .contains("\n#5 18:38:17.690702 24 bytes [cut: IPv4 header"),
        "{}",
        r.stdout
    );
}

/// No capture the project has makes the bits view (or its diagrams) panic.
#[test]
fn bits_never_panics_on_any_fixture() {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"))
            .expect("fixtures")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
    if let Some(shared) = common::shared_pcaps() {
        files.extend(
            std::fs::read_dir(shared)
                .expect("shared")
                .filter_map(|e| e.ok().map(|e| e.path())),
        );
    }
    files.retain(|p| {
        p.extension()
            .is_some_and(|e| e == "pcap" || e == "pcapng" || e == "cap")
    });
    assert!(!files.is_empty());
    for f in &files {
        let path = f.display().to_string();
        for args in [["--bits", "-v"], ["--bits", "--lang=ko"]] {
            let mut all = vec!["-r", path.as_str(), "--color", "always"];
            all.extend(args);
            let r = teach(&all);
            assert!(
                r.code == Some(0) || r.code == Some(1),
                "{path} {args:?}: {:?} {}",
                r.code,
                r.stderr
            );
            assert!(!r.stderr.contains("panicked"), "{path}: {}", r.stderr);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// colour

#[test]
fn colour_follows_the_flag_the_terminal_and_no_color() {
    let esc = "\x1b[";
    // Not a terminal (a pipe): no escape codes by default.
    let r = teach(&["explain", "443"]);
    assert!(!r.stdout.contains(esc));
    let r = teach(&["explain", "443", "--color", "always"]);
    assert!(r.stdout.contains(esc));
    assert!(r.stdout.contains("\x1b[1;36m"), "1-bits are coloured");
    let r = teach_env(&["explain", "443", "--color", "auto"], &[("NO_COLOR", "1")]);
    assert!(!r.stdout.contains(esc));
    // An explicit --color always wins over NO_COLOR (no-color.org: flags override).
    let r = teach_env(
        &["explain", "443", "--color", "always"],
        &[("NO_COLOR", "1")],
    );
    assert!(r.stdout.contains(esc));
    let r = teach(&["explain", "443", "--color", "never"]);
    assert!(!r.stdout.contains(esc));

    let file = fixture("lesson.pcap");
    let r = teach(&["-r", &file, "--bits", "-c", "1"]);
    assert!(!r.stdout.contains(esc));
    let r = teach(&["-r", &file, "--bits", "-c", "1", "--color", "always"]);
    assert!(r.stdout.contains(esc));
    let r = teach_env(&["-r", &file, "--bits", "-c", "1"], &[("NO_COLOR", "1")]);
    assert!(!r.stdout.contains(esc));
    let r = teach(&["services", "mysql", "--color", "always"]);
    assert!(r.stdout.contains(esc));
}

#[test]
fn linux_holds_time_wait_for_a_fixed_60_seconds() {
    // Make the kernel do it: the side that closes first keeps the 4-tuple in TIME_WAIT, and
    // `ss -o` shows its timer starting at 60 s (Linux's TCP_TIMEWAIT_LEN), as the flow
    // table's explanation says.
    let python = if std::path::Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" };
    let script = r#"
import socket, subprocess, time
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)
port = srv.getsockname()[1]
cli = socket.create_connection(('127.0.0.1', port), timeout=2)
conn, _ = srv.accept()
cli.close(); time.sleep(0.05); conn.close(); time.sleep(0.05)
print(subprocess.run(['ss', '-tanoH', 'state', 'time-wait', 'dport', '= :%d' % port],
                     capture_output=True, text=True, timeout=5).stdout)
srv.close()
"#;
    let out = match std::process::Command::new(python).args(["-c", script]).output() {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            eprintln!("skipped: could not make a TIME_WAIT socket here: {}", String::from_utf8_lossy(&o.stderr));
            return;
        }
        Err(e) => {
            eprintln!("skipped: cannot run python3 here: {e}");
            return;
        }
    };
    let ss = String::from_utf8_lossy(&out.stdout);
    let secs: Vec<u32> = ss
        .split("timewait,")
        .skip(1)
        .filter_map(|rest| rest.split("sec").next()?.parse().ok())
        .collect();
    assert_eq!(secs.len(), 1, "one TIME_WAIT socket expected: {ss}");
    assert!(secs.iter().all(|&s| (58..=60).contains(&s)), "timer not ~60 s: {ss}");
}
