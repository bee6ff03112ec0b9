//! The core, end to end: the real binary on the project's fixtures — every link type, the line
//! view's shape, timestamps, -S/-nn/-e/-x, filters per link type, several files, stdin, -w,
//! truncated and hostile input, and the error messages and exit codes of PRODUCT.md.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{fixture, json_lines, run, run_with_stdin};

fn ok_lines(args: &[&str]) -> Vec<String> {
    let r = run(args);
    assert_eq!(r.code, Some(0), "exit code for {args:?}; stderr: {}", r.stderr);
    r.stdout.lines().map(str::to_string).collect()
}

fn strip_ts(line: &str) -> &str {
    // "18:38:17.686702 rest" → "rest"
    line.split_once(' ').map(|(_, r)| r).unwrap_or(line)
}

#[test]
fn line_view_matches_the_product_spec_on_the_lesson_capture() {
    let lines = ok_lines(&["-r", &fixture("lesson.pcap")]);
    let ts = regex_like_ts(&lines[0]);
    assert!(ts, "timestamp HH:MM:SS.ffffff first: {}", lines[0]);
    assert_eq!(
        strip_ts(&lines[0]),
        "TCP 192.168.1.10:52341 → 142.250.185.78:443 (https) [SYN] seq 0 win 64240 len 0 · handshake 1/3"
    );
    assert!(
        strip_ts(&lines[1]).starts_with("TCP 142.250.185.78:443 (https) → 192.168.1.10:52341 [SYN,ACK] seq 0 ack 1 win "),
        "{}",
        lines[1]
    );
    assert!(strip_ts(&lines[1]).ends_with(" len 0 · handshake 2/3"), "{}", lines[1]);
    let third = strip_ts(&lines[2]);
    assert!(third.starts_with("TCP 192.168.1.10:52341 → 142.250.185.78:443 (https) [ACK] ack 1 win "), "{third}");
    assert!(third.contains(" len 0 · established, rtt "), "{third}");
    // Data segments show relative sequence ranges.
    assert!(strip_ts(&lines[3]).contains("[PSH,ACK] seq 1:30 ack 1 "), "{}", lines[3]);
}

fn regex_like_ts(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 16
        && b[2] == b':'
        && b[5] == b':'
        && b[8] == b'.'
        && b[15] == b' '
        && b[..15].iter().enumerate().all(|(i, c)| matches!(i, 2 | 5 | 8) || c.is_ascii_digit())
}

#[test]
fn ipv6_sockets_use_brackets() {
    let lines = ok_lines(&["-r", &fixture("tcp-ipv6.pcap"), "-c", "1"]);
    assert!(strip_ts(&lines[0]).starts_with("TCP [::1]:40107 → [::1]:8087 (simplifymedia) [SYN]"), "{}", lines[0]);
    assert!(lines[0].contains("[SYN] seq 0 win ") && lines[0].ends_with(" len 0 · handshake 1/3"), "{}", lines[0]);
}

#[test]
fn absolute_sequence_numbers_with_capital_s() {
    let rel = ok_lines(&["-r", &fixture("lesson.pcap"), "-c", "2"]);
    let abs = ok_lines(&["-r", &fixture("lesson.pcap"), "-c", "2", "-S"]);
    let js = json_lines(&run(&["-r", &fixture("lesson.pcap"), "-c", "2", "--json"]).stdout);
    let seq0 = js[0]["portlens"]["tcp"]["seq"].as_u64().expect("seq");
    let seq1 = js[1]["portlens"]["tcp"]["seq"].as_u64().expect("seq");
    assert!(rel[0].contains("seq 0 "));
    assert!(abs[0].contains(&format!("seq {seq0} ")), "{}", abs[0]);
    assert!(abs[1].contains(&format!("seq {seq1} ack {} ", seq0 + 1)), "{}", abs[1]);
}

#[test]
fn double_n_hides_service_names_and_q_is_short() {
    let nn = ok_lines(&["-r", &fixture("lesson.pcap"), "-c", "1", "-nn"]);
    assert!(!nn[0].contains("(https)"), "{}", nn[0]);
    assert!(nn[0].contains("142.250.185.78:443 [SYN]"), "{}", nn[0]);
    let n = ok_lines(&["-r", &fixture("lesson.pcap"), "-c", "1", "-n"]);
    assert!(n[0].contains("(https)"), "-n keeps service names: {}", n[0]);
    let q = ok_lines(&["-r", &fixture("lesson.pcap"), "-c", "1", "-q"]);
    assert_eq!(strip_ts(&q[0]), "TCP 192.168.1.10:52341 → 142.250.185.78:443 len 0");
}

#[test]
fn timestamp_styles_follow_tcpdump() {
    let f = fixture("vlan.pcap");
    let t = ok_lines(&["-r", &f, "-c", "2", "-t"]);
    assert!(t[0].starts_with("TCP "), "-t: no timestamp: {}", t[0]);
    let tt = ok_lines(&["-r", &f, "-c", "2", "-tt"]);
    assert!(tt[0].starts_with("1795459097.686702 "), "-tt epoch: {}", tt[0]);
    let ttt = ok_lines(&["-r", &f, "-c", "2", "-ttt"]);
    assert!(ttt[0].starts_with("00:00:00.000000 "), "{}", ttt[0]);
    assert!(ttt[1].starts_with("00:00:00.001000 "), "-ttt delta: {}", ttt[1]);
    let tttt = ok_lines(&["-r", &f, "-c", "1", "-tttt"]);
    assert!(tttt[0].starts_with("2026-11-23 18:38:17.686702 "), "-tttt date: {}", tttt[0]);
    let t5 = ok_lines(&["-r", &f, "-c", "3", "-ttttt"]);
    assert!(t5[2].starts_with("00:00:00.002000 "), "-ttttt since first: {}", t5[2]);
    let def = ok_lines(&["-r", &f, "-c", "1"]);
    assert!(def[0].starts_with("18:38:17.686702 "), "default local time (TZ=UTC): {}", def[0]);
}

#[test]
fn nanosecond_captures_keep_their_digits() {
    let js = json_lines(&run(&["-r", &fixture("nanosecond.pcap"), "--json", "-c", "1"]).stdout);
    let ts = js[0]["@timestamp"].as_str().expect("ts");
    assert_eq!(ts.len(), "2026-11-23T18:38:17.686702123Z".len(), "{ts}");
    let nano = ok_lines(&["-r", &fixture("nanosecond.pcap"), "-c", "1", "--nano"]);
    assert!(nano[0].starts_with("18:38:17.686702123 "), "9 digits with --nano: {}", nano[0]);
    let micro = ok_lines(&["-r", &fixture("nanosecond.pcap"), "-c", "1"]);
    assert!(micro[0].starts_with("18:38:17.686702 "), "6 digits by default, as tcpdump: {}", micro[0]);
}

#[test]
fn link_header_with_e_and_vlan_tags() {
    let lines = ok_lines(&["-r", &fixture("vlan.pcap"), "-e"]);
    assert!(lines[0].contains("vlan 10"), "{}", lines[0]);
    let all = lines.join("\n");
    assert!(all.contains("vlan 100, vlan 200"), "QinQ tags in order:\n{all}");
    let js = json_lines(&run(&["-r", &fixture("vlan.pcap"), "--json"]).stdout);
    assert_eq!(js[0]["portlens"]["link"]["vlan"], serde_json::json!([10]));
    assert_eq!(js[0]["network"]["vlan"]["id"], "10");
    assert!(js.iter().any(|p| p["portlens"]["link"]["vlan"] == serde_json::json!([100, 200])));
    assert!(js.iter().any(|p| p["portlens"]["link"]["vlan"].as_array().is_some_and(|a| a.len() == 3)), "triple tag");
    for p in &js {
        assert!(p["source"]["port"].is_u64(), "every tagged packet decodes to ports: {p}");
    }
}

#[test]
fn every_link_type_decodes_to_ports() {
    for (file, min_ports) in [
        ("sll.pcap", 3),
        ("sll2.pcap", 3),
        ("null.pcap", 4),
        ("loop.pcap", 2),
        ("raw.pcap", 2),
        ("raw12.pcap", 2),
        ("raw14.pcap", 2),
        ("ipv4-228.pcap", 2),
        ("ipv6-229.pcap", 2),
        ("any-sll.pcap", 5),
        ("any-sll2.pcap", 5),
        ("mixed-linktypes.pcapng", 5),
        ("big-endian.pcap", 3),
    ] {
        let r = run(&["-r", &fixture(file), "--json"]);
        assert_eq!(r.code, Some(0), "{file}: {}", r.stderr);
        let js = json_lines(&r.stdout);
        let with_ports = js.iter().filter(|p| p["source"]["port"].is_u64()).count();
        assert!(with_ports >= min_ports, "{file}: {with_ports} packets with ports, want {min_ports}");
        for p in &js {
            assert!(p["portlens"]["warnings"].as_array().is_some_and(|w| w.is_empty()) || file == "mixed-linktypes.pcapng",
                "{file}: unexpected warnings {p}");
        }
    }
}

#[test]
fn sll_loopback_arphrd_772_is_decoded() {
    let js = json_lines(&run(&["-r", &fixture("sll.pcap"), "--json"]).stdout);
    let lo = js.iter().find(|p| p["portlens"]["link"]["arphrd"] == 772).expect("an ARPHRD 772 packet");
    assert_eq!(lo["source"]["ip"], "127.0.0.1");
    assert_eq!(lo["destination"]["port"], 8080);
}

#[test]
fn unknown_link_type_still_gets_a_line() {
    let lines = ok_lines(&["-r", &fixture("unknown-linktype.pcap")]);
    assert!(!lines.is_empty());
    for l in &lines {
        assert!(l.contains("link type 147"), "{l}");
        assert!(l.contains("not decoded"), "{l}");
    }
}

#[test]
fn fragments_first_has_ports_later_ones_say_why_not() {
    let lines = ok_lines(&["-r", &fixture("ipv4-options-frags.pcap")]);
    assert!(lines[1].contains("UDP 192.0.2.10:41802 → 198.51.100.20:5000"), "{}", lines[1]);
    assert!(lines[1].contains("IP fragment"), "{}", lines[1]);
    for l in &lines[2..] {
        assert!(l.contains("fragment") && l.contains("no ports"), "{l}");
    }
    let six = ok_lines(&["-r", &fixture("ipv6-ext.pcap")]);
    assert!(six[0].contains("TCP [2001:db8::10]:41901 → [2001:db8::20]:443"), "through the extension chain: {}", six[0]);
    assert!(six[0].contains("len 0"), "payload length excludes extension headers: {}", six[0]);
    assert!(six[2].contains("fragment") && six[2].contains("no ports"), "{}", six[2]);
}

#[test]
fn snaplen_cut_headers_show_ports_and_say_what_was_cut() {
    let lines = ok_lines(&["-r", &fixture("snaplen-cut.pcap")]);
    assert!(lines[0].contains("TCP 192.0.2.10:42101 → 198.51.100.20:80 (http)"), "ports from 4 bytes: {}", lines[0]);
    assert!(lines[0].contains("cut: TCP header has 4 of 20 bytes"), "{}", lines[0]);
    assert!(lines[0].contains("capture stopped at 38 of 54 bytes"), "{}", lines[0]);
    assert!(lines[2].contains("cut: TCP header has 30 of 40 bytes"), "{}", lines[2]);
    assert!(lines[3].contains("UDP 192.0.2.10:42104 → 198.51.100.20:53"), "{}", lines[3]);
    assert!(lines[4].contains("cut: IPv4 header has 10 of 20 bytes"), "{}", lines[4]);
    let js = json_lines(&run(&["-r", &fixture("snaplen-cut.pcap"), "--json"]).stdout);
    assert_eq!(js[0]["portlens"]["tcp"]["flags"], serde_json::Value::Null, "flags not captured");
    assert_eq!(js[0]["source"]["port"], 42101);
    assert!(js[0]["portlens"]["warnings"][0].as_str().is_some_and(|w| w.contains("cut")));
    // Header cut after the window: flags, seq, ack and window are still reported.
    assert_eq!(js[2]["portlens"]["tcp"]["flags_raw"], 2);
    assert_eq!(js[2]["portlens"]["tcp"]["window"], 64240);
}

#[test]
fn arp_icmp_and_other_protocols_get_readable_lines_without_ports() {
    let lines = ok_lines(&["-r", &fixture("arp-icmp.pcap")]);
    assert!(lines[0].contains("ARP who-has 192.0.2.1 tell 192.0.2.10 (no ports)"), "{}", lines[0]);
    assert!(lines[1].contains("ARP reply 192.0.2.1 is-at 02:00:00:00:00:14"), "{}", lines[1]);
    assert!(lines[2].contains("ICMP echo request id 4660 seq 1 (no ports)"), "{}", lines[2]);
    assert!(lines[4].contains("ICMP port unreachable (no ports) · about UDP 192.0.2.10:40001 → 198.51.100.20:53"), "{}", lines[4]);
    assert!(lines.iter().any(|l| l.contains("ICMPv6 neighbor solicitation")), "{lines:?}");
    for l in &lines {
        assert!(l.contains("(no ports)"), "{l}");
    }
}

#[test]
fn hex_dump_matches_tcpdump_layout() {
    let lines = ok_lines(&["-r", &fixture("lesson.pcap"), "-c", "1", "-X"]);
    assert!(lines[1].starts_with("\t0x0000:  4500 003c "), "from the IP header: {}", lines[1]);
    let xx = ok_lines(&["-r", &fixture("lesson.pcap"), "-c", "1", "-xx"]);
    assert!(xx[1].starts_with("\t0x0000:  0200 0000 014e 0200 0000 010a 0800 4500"), "whole frame: {}", xx[1]);
    assert!(!xx[1].contains("  E"), "no ASCII column with -x: {}", xx[1]);
    if common::have("tcpdump") {
        let ours: Vec<String> = ok_lines(&["-r", &fixture("lesson.pcap"), "-X"])
            .into_iter()
            .filter(|l| l.starts_with('\t'))
            .collect();
        let td = std::process::Command::new("tcpdump")
            .args(["-nn", "-X", "-r", &fixture("lesson.pcap")])
            .output()
            .expect("tcpdump");
        let theirs: Vec<String> = String::from_utf8_lossy(&td.stdout)
            .lines()
            .filter(|l| l.starts_with('\t'))
            .map(str::to_string)
            .collect();
        assert_eq!(ours, theirs, "hex dump lines identical to tcpdump -X");
    }
}

#[test]
fn count_stops_after_n_packets() {
    assert_eq!(ok_lines(&["-r", &fixture("tcp-scan.pcap"), "-c", "7"]).len(), 7);
}

#[test]
fn filter_applies_per_link_type_in_mixed_pcapng() {
    // Interface 0 is Ethernet, interface 1 Linux SLL: "udp" compiles differently for each.
    let udp = ok_lines(&["-r", &fixture("mixed-linktypes.pcapng"), "udp"]);
    assert_eq!(udp.len(), 2, "{udp:?}");
    assert!(udp.iter().all(|l| l.contains(" UDP ")));
    let tcp443 = ok_lines(&["-r", &fixture("mixed-linktypes.pcapng"), "tcp", "port", "443"]);
    assert_eq!(tcp443.len(), 1, "{tcp443:?}");
    assert!(tcp443[0].contains(":443"));
}

#[test]
fn filter_from_file_with_comments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("filter.txt");
    std::fs::write(&f, "# only the SYNs\ntcp[tcpflags] & tcp-syn != 0\n  and not tcp[tcpflags] & tcp-ack != 0\n")
        .expect("write");
    let lines = ok_lines(&["-r", &fixture("tcp-scan.pcap"), "-F", &f.display().to_string()]);
    assert_eq!(lines.len(), 200, "200 SYNs");
    assert!(lines.iter().all(|l| l.contains("[SYN]")));
}

#[test]
fn bad_filter_echoes_the_expression_and_libpcaps_reason() {
    let r = run(&["-r", &fixture("lesson.pcap"), "tcp", "prot", "80"]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.starts_with("portlens: bad filter expression 'tcp prot 80': "), "{}", r.stderr);
    assert!(r.stderr.contains("syntax error"), "libpcap's reason: {}", r.stderr);
    assert!(r.stdout.is_empty(), "nothing printed before the error");
}

#[test]
fn several_files_are_read_in_turn_and_stdin_works() {
    let a = ok_lines(&["-r", &fixture("raw.pcap")]);
    let b = ok_lines(&["-r", &fixture("null.pcap")]);
    let both = ok_lines(&["-r", &fixture("raw.pcap"), "-r", &fixture("null.pcap")]);
    assert_eq!(both.len(), a.len() + b.len());
    assert_eq!(&both[..a.len()], &a[..]);
    let bytes = std::fs::read(fixture("lesson.pcap")).expect("read fixture");
    let r = run_with_stdin(&["-r", "-"], Some(&bytes));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout, ok_lines(&["-r", &fixture("lesson.pcap")]).join("\n") + "\n");
}

#[test]
fn write_then_read_back_gives_the_same_packets() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["out.pcap", "out.pcapng"] {
        let out = dir.path().join(name).display().to_string();
        let r = run(&["-r", &fixture("lesson.pcap"), "-w", &out, "tcp", "port", "443"]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(r.stdout.is_empty(), "-w alone prints nothing");
        let back = ok_lines(&["-r", &out]);
        let direct = ok_lines(&["-r", &fixture("lesson.pcap"), "tcp", "port", "443"]);
        assert_eq!(back, direct, "{name}");
        if common::have("tshark") {
            let t = std::process::Command::new("tshark").args(["-r", &out]).output().expect("tshark");
            assert!(t.status.success(), "tshark reads {name}");
        }
    }
    // --print shows the lines as well; -w - streams the capture to stdout.
    let out = dir.path().join("p.pcap").display().to_string();
    let r = run(&["-r", &fixture("lesson.pcap"), "-w", &out, "--print", "-c", "3"]);
    assert_eq!(r.stdout.lines().count(), 3);
    let piped = std::process::Command::new(common::bin())
        .args(["-r", &fixture("lesson.pcap"), "-w", "-"])
        .output()
        .expect("run");
    let back = run_with_stdin(&["-r", "-"], Some(&piped.stdout));
    assert_eq!(back.stdout, ok_lines(&["-r", &fixture("lesson.pcap")]).join("\n") + "\n");
}

#[test]
fn write_file_is_left_untouched_when_the_input_or_filter_fails() {
    // The -w file is created only after every input and the filter have been checked, so a
    // typo in either never truncates a capture someone wanted to keep.
    let dir = tempfile::tempdir().expect("tempdir");
    let keep = dir.path().join("keep.pcap");
    let original = std::fs::read(fixture("lesson.pcap")).expect("fixture");
    std::fs::write(&keep, &original).expect("write");
    let keep_s = keep.display().to_string();
    let missing = dir.path().join("missing.pcap").display().to_string();
    for args in [
        vec!["-r", missing.as_str(), "-w", keep_s.as_str()],
        vec!["-r", "fixtures/lesson.pcap", "-w", keep_s.as_str(), "tcp", "port", "nonsense"],
        // Every input is opened before -w, not only the first.
        vec!["-r", "fixtures/lesson.pcap", "-r", missing.as_str(), "-w", keep_s.as_str()],
    ] {
        let args: Vec<String> = args.iter().map(|a| if *a == "fixtures/lesson.pcap" { fixture("lesson.pcap") } else { a.to_string() }).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run(&args);
        assert_eq!(r.code, Some(1), "{args:?}: {}", r.stderr);
        assert_eq!(std::fs::read(&keep).expect("read"), original, "{args:?} changed the -w file");
    }
}

#[test]
fn mixed_link_types_need_pcapng_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("mixed.pcap").display().to_string();
    let r = run(&["-r", &fixture("mixed-linktypes.pcapng"), "-w", &out]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("write a pcapng file instead"), "{}", r.stderr);
    let ng = dir.path().join("mixed.pcapng").display().to_string();
    let r = run(&["-r", &fixture("mixed-linktypes.pcapng"), "-w", &ng]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(ok_lines(&["-r", &ng]), ok_lines(&["-r", &fixture("mixed-linktypes.pcapng")]));
}

#[test]
fn truncated_file_prints_every_whole_packet_then_names_the_cut() {
    let r = run(&["-r", &fixture("truncated-file.pcap")]);
    assert_eq!(r.code, Some(1));
    assert_eq!(r.stdout.lines().count(), 4, "4 whole packets first:\n{}", r.stdout);
    assert!(r.stderr.starts_with("portlens: "), "{}", r.stderr);
    assert!(r.stderr.contains("truncated-file.pcap"), "names the file: {}", r.stderr);
    let size = std::fs::metadata(fixture("truncated-file.pcap")).expect("stat").len();
    assert!(r.stderr.contains("cut short at byte "), "{}", r.stderr);
    let at: u64 = r.stderr.split("at byte ").nth(1).and_then(|s| s.split(':').next()).and_then(|s| s.parse().ok())
        .expect("byte offset");
    assert!(at < size && at > 24, "offset {at} inside the file of {size} bytes");
    let h = run(&["-r", &fixture("truncated-header.pcap")]);
    assert_eq!(h.code, Some(1));
    assert_eq!(h.stdout.lines().count(), 2, "{}", h.stdout);
    assert!(h.stderr.contains("packet record header"), "{}", h.stderr);
}

#[test]
fn missing_and_non_capture_files_are_clear_errors() {
    let r = run(&["-r", "/nonexistent/x.pcap"]);
    assert_eq!(r.code, Some(1));
    assert_eq!(r.stderr.trim(), "portlens: /nonexistent/x.pcap: no such file; check the path (use -r - to read from stdin)");
    let dir = tempfile::tempdir().expect("tempdir");
    let txt = dir.path().join("notes.txt");
    std::fs::write(&txt, "hello, this is text\n").expect("write");
    let r = run(&["-r", &txt.display().to_string()]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("not a capture file") && r.stderr.contains("looks like text"), "{}", r.stderr);
    let empty = dir.path().join("empty.pcap");
    std::fs::write(&empty, b"").expect("write");
    let r = run(&["-r", &empty.display().to_string()]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("empty"), "{}", r.stderr);
    let r = run(&["-r", dir.path().to_str().expect("utf8")]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("directory"), "{}", r.stderr);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["-r", "x.pcap", "-i", "lo"],
        vec!["--bits", "--json", "-r", "x.pcap"],
        vec!["-c", "0", "-r", "x.pcap"],
        vec!["-c", "many", "-r", "x.pcap"],
        vec!["--no-such-flag"],
        vec!["-r", "x.pcap", "-w", "-", "--json"],
    ] {
        let r = run(&args);
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.is_empty());
    }
}

#[test]
fn closed_stdout_ends_quietly_with_success() {
    use std::process::Stdio;
    let mut child = common::command(&["-r", &fixture("tcp-scan.pcap"), "-l"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut out = child.stdout.take().expect("stdout");
    let mut first = [0u8; 10];
    std::io::Read::read_exact(&mut out, &mut first).expect("read some output");
    drop(out);
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stderr.is_empty(), "quiet: {}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn completions_and_man_page_come_from_the_cli_definitions() {
    let bash = run(&["--completions", "bash"]);
    assert_eq!(bash.code, Some(0));
    assert!(bash.stdout.contains("--ladder") && bash.stdout.contains("explain"));
    let man = run(&["--man"]);
    assert_eq!(man.code, Some(0));
    assert!(man.stdout.contains(".TH portlens") && man.stdout.contains("\\-\\-bits"), "{}", &man.stdout[..200.min(man.stdout.len())]);
}

/// `-r F` for every fixture that reads cleanly (exit 0), `times` times over: several thousand
/// frames, so that the printer thread's batches (2,048 frames) change hands many times.
fn many_fixture_args(times: usize) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path().display().to_string()))
        .filter(|p| p.ends_with(".pcap") || p.ends_with(".pcapng"))
        .filter(|p| run(&["-r", p, "-w", "/dev/null"]).code == Some(0))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "the fixtures: {files:?}");
    let mut args = Vec::new();
    for _ in 0..times {
        for f in &files {
            args.push("-r".to_string());
            args.push(f.clone());
        }
    }
    args
}

#[test]
fn printing_on_a_second_thread_changes_nothing() {
    // Reading files, the packets are printed by a second thread in batches (or, with only the
    // reports, tracked there); with -l the reading thread does everything at once. Both must
    // print the same bytes, for every view printed per packet, with -c stopping inside a batch,
    // and for the reports.
    let files = many_fixture_args(10);
    let views: [&[&str]; 12] = [
        &[],
        &["-v", "-S"],
        &["--json"],
        &["--bits"],
        &["--bits", "-v"],
        &["-X", "-e", "-tttt"],
        &["-c", "3001"],
        &["--flows", "--stats", "--print"],
        &["--json", "--flows", "tcp"],
        &["--flows"],
        &["--flows", "--stats", "--json"],
        &["--stats", "-c", "4000"],
    ];
    for view in views {
        let mut args: Vec<&str> = files.iter().map(String::as_str).collect();
        args.extend_from_slice(view);
        let threaded = run(&args);
        args.push("-l");
        let direct = run(&args);
        assert_eq!(threaded.code, Some(0), "{view:?}: {}", threaded.stderr);
        assert_eq!(direct.code, Some(0), "{view:?} -l: {}", direct.stderr);
        let reports_only = !view.contains(&"--print") && view.iter().any(|v| *v == "--flows" || *v == "--stats");
        if !reports_only {
            assert!(threaded.stdout.lines().count() > 3000, "{view:?}: enough output to cross batches");
        }
        assert!(threaded.stdout.len() > 1000, "{view:?}: {}", threaded.stdout);
        assert!(threaded.stdout == direct.stdout, "{view:?}: the outputs differ");
        assert_eq!(threaded.stderr, direct.stderr, "{view:?}");
    }
}

#[test]
fn closed_stdout_stops_the_printer_thread_quietly() {
    // Far more output than a pipe holds, printed by the second thread: closing the pipe makes
    // its write fail, the reading stops, and the run ends quietly with success.
    use std::process::Stdio;
    let files = many_fixture_args(20);
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let mut child = common::command(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let mut out = child.stdout.take().expect("stdout");
    let mut first = [0u8; 10];
    std::io::Read::read_exact(&mut out, &mut first).expect("read some output");
    drop(out);
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stderr.is_empty(), "quiet: {}", String::from_utf8_lossy(&o.stderr));
}
