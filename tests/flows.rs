//! Connections end to end: the real binary on the project's loopback captures — handshake and
//! close annotations in the line view (PRODUCT.md's example lines exactly), outcomes, roles,
//! states and counts in `--flows --json`, the port scan, UDP with the ICMP error tied to its
//! flow, eviction under a tiny `--max-flows`, `--stats`, and snapshots of the ladder, the
//! connection table and the stats report.
//!
//! Snapshots live in `tests/snapshots/flows__NAME.txt`. To accept changed output, run
//! `PORTLENS_BLESS=1 cargo test --test flows` and review the diff.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;


use common::{fixture, json_lines, run};
use serde_json::Value;

fn snapshot(name: &str, actual: &str) {
    common::snapshot("flows", name, actual);
}

fn ok(args: &[&str]) -> String {
    let r = run(args);
    assert_eq!(r.code, Some(0), "exit code for {args:?}; stderr: {}", r.stderr);
    r.stdout
}

/// `--flows --json` records of one type.
fn records(args: &[&str], ty: &str) -> Vec<Value> {
    let mut a = args.to_vec();
    a.extend(["--flows", "--json"]);
    json_lines(&ok(&a)).into_iter().filter(|v| v["event"]["dataset"] == format!("portlens.{ty}")).collect()
}

fn flows_of(file: &str) -> Vec<Value> {
    records(&["-r", &fixture(file)], "flow")
}

// ---- a hand-made capture reproducing PRODUCT.md's line-view example -------------------------

fn push_u16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_be_bytes());
}

fn push_u32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_be_bytes());
}

/// An Ethernet + IPv4 frame carrying `l4` (protocol `proto`).
fn eth_ipv4(src: [u8; 4], dst: [u8; 4], proto: u8, l4: &[u8]) -> Vec<u8> {
    let mut v = vec![2, 0, 0, 0, 0, 0x4e, 2, 0, 0, 0, 0, 0x0a, 0x08, 0x00];
    let total = 20 + l4.len() as u16;
    v.extend_from_slice(&[0x45, 0]);
    push_u16(&mut v, total);
    v.extend_from_slice(&[0, 1, 0x40, 0, 64, proto, 0, 0]);
    v.extend_from_slice(&src);
    v.extend_from_slice(&dst);
    v.extend_from_slice(l4);
    v
}

fn tcp(sp: u16, dp: u16, seq: u32, ack: u32, flags: u8, win: u16) -> Vec<u8> {
    let mut v = Vec::new();
    push_u16(&mut v, sp);
    push_u16(&mut v, dp);
    push_u32(&mut v, seq);
    push_u32(&mut v, ack);
    v.extend_from_slice(&[0x50, flags]);
    push_u16(&mut v, win);
    v.extend_from_slice(&[0, 0, 0, 0]);
    v
}

fn udp(sp: u16, dp: u16, payload: usize) -> Vec<u8> {
    let mut v = Vec::new();
    push_u16(&mut v, sp);
    push_u16(&mut v, dp);
    push_u16(&mut v, 8 + payload as u16);
    v.extend_from_slice(&[0, 0]);
    v.resize(8 + payload, 0);
    v
}

/// A classic microsecond pcap (Ethernet) of `(secs, usecs, frame)` records.
fn pcap(records: &[(u32, u32, Vec<u8>)]) -> Vec<u8> {
    let mut v = Vec::new();
    for x in [0xa1b2_c3d4u32.to_le_bytes(), [2, 0, 4, 0]] {
        v.extend_from_slice(&x);
    }
    v.extend_from_slice(&[0; 8]);
    v.extend_from_slice(&65535u32.to_le_bytes());
    v.extend_from_slice(&1u32.to_le_bytes());
    for (s, us, f) in records {
        for x in [*s, *us, f.len() as u32, f.len() as u32] {
            v.extend_from_slice(&x.to_le_bytes());
        }
        v.extend_from_slice(f);
    }
    v
}

#[test]
fn line_view_prints_the_product_md_example_lines_exactly() {
    const T: u32 = 1_795_459_097; // 2026-11-23T18:38:17Z
    let c = [192, 168, 1, 10];
    let s = [142, 250, 185, 78];
    let isn_c = 3_108_145_272u32;
    let isn_s = 2_000_000_000u32;
    let file = pcap(&[
        (T, 686_702, eth_ipv4(c, s, 6, &tcp(52341, 443, isn_c, 0, 0x02, 64240))),
        (T, 686_724, eth_ipv4(s, c, 6, &tcp(443, 52341, isn_s, isn_c + 1, 0x12, 65160))),
        (T, 686_743, eth_ipv4(c, s, 6, &tcp(52341, 443, isn_c + 1, isn_s + 1, 0x10, 502))),
        (T, 690_001, eth_ipv4(c, [224, 0, 0, 251], 17, &udp(5353, 5353, 27))),
    ]);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("product.pcap");
    std::fs::write(&path, file).expect("write pcap");
    let out = ok(&["-r", &path.display().to_string(), "--color", "never"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "18:38:17.686702 TCP 192.168.1.10:52341 → 142.250.185.78:443 (https) [SYN] seq 0 win 64240 len 0 · handshake 1/3",
            "18:38:17.686724 TCP 142.250.185.78:443 (https) → 192.168.1.10:52341 [SYN,ACK] seq 0 ack 1 win 65160 len 0 · handshake 2/3",
            "18:38:17.686743 TCP 192.168.1.10:52341 → 142.250.185.78:443 (https) [ACK] ack 1 win 502 len 0 · established, rtt 41µs",
            "18:38:17.690001 UDP 192.168.1.10:5353 → 224.0.0.251:5353 (mdns) len 27",
        ]
    );
    // The ladder of the same handshake, as PRODUCT.md draws it.
    let ladder = ok(&["-r", &path.display().to_string(), "--ladder", "--color", "never"]);
    let want = "TCP 192.168.1.10:52341 (client, ephemeral) ⇄ 142.250.185.78:443 (server, https)\n\
                \x20 +0.000000  ──SYN seq 0──────────────────▶   client SYN_SENT\n\
                \x20 +0.000022  ◀──SYN,ACK seq 0 ack 1────────   server SYN_RCVD\n\
                \x20 +0.000041  ──ACK ack 1──────────────────▶   established (rtt 41µs)\n\
                \x20 (end of capture: still established (3 packets, 162 B))\n";
    assert!(ladder.starts_with(want), "{ladder}");
}

#[test]
fn line_view_annotates_the_close_reset_and_refusal() {
    let out = ok(&["-r", &fixture("tcp-close-server-first.pcap"), "-t"]);
    let ev: Vec<&str> = out.lines().filter_map(|l| l.split_once(" · ").map(|(_, e)| e)).collect();
    assert_eq!(ev.first(), Some(&"handshake 1/3"));
    assert_eq!(ev.get(1), Some(&"handshake 2/3"));
    assert!(ev.get(2).is_some_and(|e| e.starts_with("established, rtt ") && e.ends_with("µs")), "{ev:?}");
    assert_eq!(ev.get(3..), Some(&["close 1/4", "close 2/4", "close 3/4", "close 4/4"][..]));
    let lines = ok(&["-r", &fixture("tcp-close-server-first.pcap"), "-t"]);
    let fin = lines.lines().find(|l| l.ends_with("· close 1/4")).unwrap_or_default();
    assert!(fin.starts_with("TCP 127.0.0.1:8082"), "the server sends the first FIN: {fin}");

    let out = ok(&["-r", &fixture("tcp-refused.pcap"), "-t"]);
    assert!(out.lines().nth(1).is_some_and(|l| l.contains("[RST,ACK]") && l.ends_with(" · refused")), "{out}");
    let out = ok(&["-r", &fixture("tcp-reset.pcap"), "-t"]);
    assert!(out.lines().last().is_some_and(|l| l.contains("[RST,ACK]") && l.ends_with(" · reset")), "{out}");
    let out = ok(&["-r", &fixture("tcp-no-answer.pcap"), "-t"]);
    let ev: Vec<&str> = out.lines().filter_map(|l| l.split_once(" · ").map(|(_, e)| e)).collect();
    assert_eq!(ev.first(), Some(&"handshake 1/3"));
    assert!(ev.get(1).is_some_and(|e| e.starts_with("handshake 1/3, SYN retry 1 after 1.0")), "{ev:?}");
    assert!(ev.get(2).is_some_and(|e| e.starts_with("handshake 1/3, SYN retry 2 after 2.0")), "{ev:?}");
}

// ---- outcomes, roles, states, counts --------------------------------------------------------

#[test]
fn client_closes_first_so_the_client_holds_time_wait() {
    let f = flows_of("tcp-close-client-first.pcap");
    assert_eq!(f.len(), 1);
    let r = &f[0];
    assert_eq!(r["source"]["ip"], "127.0.0.1");
    assert_eq!(r["source"]["port"], 40101);
    assert_eq!(r["destination"]["port"], 8081);
    assert_eq!(r["network"]["transport"], "tcp");
    assert_eq!(r["portlens"]["flow"]["roles"], "syn");
    assert_eq!(r["portlens"]["flow"]["outcome"], "closed");
    assert_eq!(r["portlens"]["flow"]["first_fin"], "client");
    assert_eq!(r["portlens"]["flow"]["time_wait"], "client");
    assert_eq!(r["portlens"]["flow"]["client_state"], "TIME_WAIT");
    assert_eq!(r["portlens"]["flow"]["server_state"], "CLOSED");
    assert_eq!(r["network"]["packets"], 11);
    assert_eq!((r["source"]["packets"].as_u64(), r["destination"]["packets"].as_u64()), (Some(6), Some(5)));
    assert_eq!(
        (r["portlens"]["flow"]["client_payload_bytes"].as_u64(), r["portlens"]["flow"]["server_payload_bytes"].as_u64()),
        (Some(24), Some(17))
    );
    assert!(r["portlens"]["flow"]["rtt_ns"].as_u64().is_some_and(|n| n > 0 && n < 10_000_000), "{r}");
    assert!(r["event"]["duration"].as_u64().is_some_and(|n| n > 300_000_000), "{r}");
}

#[test]
fn server_closes_first_so_the_server_holds_time_wait() {
    let f = flows_of("tcp-close-server-first.pcap");
    let r = &f[0];
    assert_eq!(r["source"]["port"], 40102, "the SYN sender is the client");
    assert_eq!(r["portlens"]["flow"]["outcome"], "closed");
    assert_eq!(r["portlens"]["flow"]["first_fin"], "server");
    assert_eq!(r["portlens"]["flow"]["time_wait"], "server");
    assert_eq!(r["portlens"]["flow"]["client_state"], "CLOSED");
    assert_eq!(r["portlens"]["flow"]["server_state"], "TIME_WAIT");
    assert!(r["portlens"]["flow"]["explanation"].as_str().is_some_and(|s| s.contains("Address already in use")), "{r}");
}

#[test]
fn refused_reset_and_no_answer_with_their_errno() {
    let r = &flows_of("tcp-refused.pcap")[0];
    assert_eq!(r["portlens"]["flow"]["outcome"], "refused");
    assert_eq!(r["portlens"]["flow"]["errno"], "ECONNREFUSED");
    assert_eq!(r["network"]["packets"], 2);
    assert_eq!(
        (r["portlens"]["flow"]["client_state"].as_str(), r["portlens"]["flow"]["server_state"].as_str()),
        (Some("CLOSED"), Some("CLOSED"))
    );

    let r = &flows_of("tcp-reset.pcap")[0];
    assert_eq!(r["portlens"]["flow"]["outcome"], "reset");
    assert_eq!(r["portlens"]["flow"]["reset_by"], "client");
    assert_eq!(r["portlens"]["flow"]["errno"], "ECONNRESET");
    assert_eq!(r["network"]["packets"], 8);

    let all = json_lines(&ok(&["-r", &fixture("tcp-no-answer.pcap"), "--flows", "--json", "-v"]));
    let r = all.iter().find(|v| v["event"]["dataset"] == "portlens.flow").expect("flow record");
    assert_eq!(r["portlens"]["flow"]["outcome"], "no answer");
    assert_eq!(r["portlens"]["flow"]["errno"], "ETIMEDOUT");
    assert_eq!(r["portlens"]["flow"]["syn_retries"], 2);
    assert_eq!(r["destination"]["packets"], 0);
    assert_eq!(r["portlens"]["flow"]["client_state"], "SYN_SENT");
    let gaps: Vec<u64> = r["portlens"]["flow"]["syn_gaps_us"].as_array().expect("gaps").iter().filter_map(Value::as_u64).collect();
    assert_eq!(gaps.len(), 2);
    assert!((900_000..1_200_000).contains(&gaps[0]), "first retry after ~1 s: {gaps:?}");
    assert!((1_800_000..2_300_000).contains(&gaps[1]), "second retry after ~2 s more: {gaps:?}");
    let d = all.iter().find(|v| v["event"]["dataset"] == "portlens.detection").expect("detection");
    assert_eq!(d["event"]["action"], "syn-retransmission");
    assert_eq!(d["portlens"]["detection"]["answered"], false);
}

#[test]
fn a_scan_of_200_closed_ports_is_reported_with_source_count_and_range() {
    let all = json_lines(&ok(&["-r", &fixture("tcp-scan.pcap"), "--flows", "--json", "-v"]));
    let flows: Vec<&Value> = all.iter().filter(|v| v["event"]["dataset"] == "portlens.flow").collect();
    assert_eq!(flows.len(), 200);
    assert!(flows.iter().all(|f| f["portlens"]["flow"]["outcome"] == "refused"));
    let scans: Vec<&Value> = all.iter().filter(|v| v["event"]["dataset"] == "portlens.detection" && v["event"]["action"] == "port-scan").collect();
    assert_eq!(scans.len(), 1);
    let s = scans[0];
    assert_eq!(s["source"]["ip"], "127.0.0.1");
    assert_eq!(s["destination"]["ip"], "127.0.0.1");
    assert_eq!(s["portlens"]["detection"]["ports"], 200);
    assert_eq!(s["portlens"]["detection"]["ports_at_least"], false, "an exact count");
    assert_eq!(s["portlens"]["detection"]["port_range"], serde_json::json!([20000, 20199]));
    assert_eq!(s["portlens"]["detection"]["refused"], 200);
    assert_eq!(s["portlens"]["detection"]["open"], 0);

    let text = ok(&["-r", &fixture("tcp-scan.pcap"), "--flows", "-w", "/dev/null"]);
    assert!(
        text.contains("port scan: 127.0.0.1 probed 200 ports of 127.0.0.1 (20000–20199) in 200 attempts: 200 refused"),
        "{text}"
    );
}

#[test]
fn ipv6_connections_are_tracked_like_ipv4() {
    let r = &flows_of("tcp-ipv6.pcap")[0];
    assert_eq!(r["network"]["type"], "ipv6");
    assert_eq!(r["source"]["ip"], "::1");
    assert_eq!(r["source"]["port"], 40107);
    assert_eq!(r["destination"]["port"], 8087);
    assert_eq!(r["portlens"]["flow"]["outcome"], "closed");
    assert_eq!(r["portlens"]["flow"]["time_wait"], "client");
    let table = ok(&["-r", &fixture("tcp-ipv6.pcap"), "--flows", "-w", "/dev/null"]);
    assert!(table.contains("TCP    [::1]:40107  [::1]:8087  "), "{table}");
}

#[test]
fn udp_request_response_pairs() {
    let f = flows_of("udp-request-response.pcap");
    assert_eq!(f.len(), 2);
    for (r, port, pairs, net) in [(&f[0], 40108, 3, "ipv4"), (&f[1], 40118, 2, "ipv6")] {
        assert_eq!(r["network"]["transport"], "udp");
        assert_eq!(r["network"]["type"], net);
        assert_eq!(r["source"]["port"], port, "the ephemeral side is the client");
        assert_eq!(r["destination"]["port"], 8088);
        assert_eq!(r["portlens"]["flow"]["outcome"], "answered");
        assert_eq!(r["portlens"]["flow"]["udp_pairs"], pairs);
        assert_eq!(r["source"]["packets"], pairs);
        assert_eq!(r["destination"]["packets"], pairs);
        assert_eq!(r["portlens"]["flow"]["client_payload_bytes"], 15 * pairs);
        assert_eq!(r["portlens"]["flow"]["server_payload_bytes"], 27 * pairs);
    }
}

#[test]
fn udp_to_a_closed_port_is_tied_to_its_icmp_port_unreachable() {
    let f = flows_of("udp-closed-port.pcap");
    assert_eq!(f.len(), 1, "the ICMP errors are not flows of their own");
    let r = &f[0];
    assert_eq!(r["source"]["port"], 40109);
    assert_eq!(r["destination"]["port"], 8089);
    assert_eq!(r["portlens"]["flow"]["outcome"], "port unreachable");
    assert_eq!(r["portlens"]["flow"]["errno"], "ECONNREFUSED");
    assert_eq!(r["portlens"]["flow"]["icmp_errors"], 2);
    assert_eq!(r["source"]["packets"], 2);
}

// ---- bounded memory ------------------------------------------------------------------------

#[test]
fn a_tiny_max_flows_evicts_and_counts_but_keeps_every_record() {
    // Open flows pushed out of a one-flow table: the unanswered SYN by the first UDP
    // conversation, that by the second, that by the first lesson connection.
    let files = ["tcp-no-answer.pcap", "udp-request-response.pcap", "lesson.pcap"].map(fixture);
    let mut args = vec!["--flows", "--max-flows", "1", "-w", "/dev/null"];
    for f in &files {
        args.extend(["-r", f.as_str()]);
    }
    let text = ok(&args);
    assert!(text.contains("no answer, 3 SYNs (ETIMEDOUT) [evicted]"), "{text}");
    assert!(text.contains("answered (3 pairs) [evicted]"), "{text}");
    assert!(text.contains("3 evicted because the table was full (3 of them still open)"), "{text}");
    assert!(text.contains("at most 1 open at once (cap --max-flows 1)"), "{text}");
    let closed_rows = text.lines().filter(|l| l.starts_with("TCP ") && l.contains(" closed (client first) ")).count();
    assert_eq!(closed_rows, 3, "{text}");
    args.extend(["--json", "-v"]);
    let all = json_lines(&ok(&args));
    let sum = all.iter().find(|v| v["event"]["dataset"] == "portlens.flow_summary").expect("summary");
    assert_eq!((sum["portlens"]["flow_summary"]["evicted"].as_u64(), sum["portlens"]["flow_summary"]["peak_flows"].as_u64()), (Some(3), Some(1)), "{sum}");
    assert_eq!(all.iter().filter(|v| v["event"]["dataset"] == "portlens.flow").count(), 6, "every flow keeps its record");

    // Finished connections leave the table at once: 200 refused connections never fill a
    // ten-flow table, and the scan is still seen.
    let all = json_lines(&ok(&["-r", &fixture("tcp-scan.pcap"), "--flows", "--json", "-v", "--max-flows", "10"]));
    let sum = all.iter().find(|v| v["event"]["dataset"] == "portlens.flow_summary").expect("summary");
    assert_eq!((sum["portlens"]["flow_summary"]["evicted"].as_u64(), sum["portlens"]["flow_summary"]["peak_flows"].as_u64()), (Some(0), Some(1)), "{sum}");
    assert_eq!(all.iter().filter(|v| v["event"]["dataset"] == "portlens.flow").count(), 200);
    assert!(all.iter().any(|v| v["event"]["action"] == "port-scan"), "the scan is still seen");
}

#[test]
fn an_idle_timeout_forgets_quiet_connections() {
    // The SYNs of tcp-no-answer.pcap are 1 s and 2 s apart: with --flow-timeout 1 the attempt is
    // forgotten between retries (each retry then starts a new entry), and the last one expires
    // when lesson.pcap's packets arrive 7 s later.
    let args = ["-r", &fixture("tcp-no-answer.pcap"), "-r", &fixture("lesson.pcap"), "--flows", "--json", "-v"];
    let all = json_lines(&ok(&[&args[..], &["--flow-timeout", "1"]].concat()));
    let sum = all.iter().find(|v| v["event"]["dataset"] == "portlens.flow_summary").expect("summary");
    assert_eq!(sum["portlens"]["flow_summary"]["expired"], 3, "{sum}");
    assert_eq!(sum["portlens"]["flow_summary"]["tcp_connections"], 6, "{sum}");
    let first = all.iter().find(|v| v["event"]["dataset"] == "portlens.flow").expect("flow");
    assert_eq!(first["portlens"]["flow"]["tracking_end"], "idle-timeout");
    let all = json_lines(&ok(&args));
    let sum = all.iter().find(|v| v["event"]["dataset"] == "portlens.flow_summary").expect("summary");
    assert_eq!((sum["portlens"]["flow_summary"]["expired"].as_u64(), sum["portlens"]["flow_summary"]["tcp_connections"].as_u64()), (Some(0), Some(4)), "{sum}");
}

// ---- stats ---------------------------------------------------------------------------------

#[test]
fn stats_count_server_ports_services_and_classes() {
    let all = json_lines(&ok(&["-r", &fixture("lesson.pcap"), "--stats", "--json"]));
    let s = &all.iter().find(|v| v["event"]["dataset"] == "portlens.stats").expect("stats record")["portlens"]["stats"];
    assert_eq!(s["packets"], 33);
    assert_eq!(s["network"]["tcp"]["packets"], 33);
    let ports = s["ports"].as_array().expect("ports");
    let https = ports.iter().find(|p| p["port"] == 443).expect("443");
    assert_eq!(https["service"], "https");
    assert_eq!(https["port_class"], "well-known");
    assert_eq!(https["as_server"]["packets"], 11);
    let classes = s["port_classes"].as_array().expect("classes");
    assert_eq!(classes[0]["class"], "well-known");
    assert_eq!(classes[0]["as_server"]["packets"], 22);
    assert_eq!(classes[1]["as_server"]["packets"], 11, "3306 is registered");
    assert_eq!(classes[2]["as_client"]["packets"], 33, "the client ports are dynamic");
    assert_eq!(s["sockets"].as_array().map(Vec::len), Some(6));
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let r = run(&["-r", &fixture("tcp-scan.pcap"), "--flows", "--stats", "-w", "/dev/null"]);
    assert_eq!(r.code, Some(0));
    assert_eq!(r.stderr, "", "nothing on stderr when it is a pipe");
}

// ---- snapshots -----------------------------------------------------------------------------

#[test]
fn ladder_snapshots() {
    for (name, file) in [
        ("ladder_lesson", "lesson.pcap"),
        ("ladder_close_server_first", "tcp-close-server-first.pcap"),
        ("ladder_refused", "tcp-refused.pcap"),
        ("ladder_reset", "tcp-reset.pcap"),
        ("ladder_no_answer", "tcp-no-answer.pcap"),
        ("ladder_udp", "udp-closed-port.pcap"),
    ] {
        snapshot(name, &ok(&["-r", &fixture(file), "--ladder", "--color", "never"]));
    }
}

#[test]
fn flows_table_snapshots() {
    let mut args = vec!["--flows".to_string(), "-w".to_string(), "/dev/null".to_string()];
    for f in [
        "lesson.pcap",
        "tcp-close-client-first.pcap",
        "tcp-close-server-first.pcap",
        "tcp-refused.pcap",
        "tcp-reset.pcap",
        "tcp-no-answer.pcap",
        "tcp-ipv6.pcap",
        "udp-request-response.pcap",
        "udp-closed-port.pcap",
    ] {
        args.push("-r".into());
        args.push(fixture(f));
    }
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    snapshot("table_fixtures", &ok(&a));
}

#[test]
fn stats_snapshot() {
    snapshot(
        "stats_lesson_udp",
        &ok(&[
            "-r",
            &fixture("lesson.pcap"),
            "-r",
            &fixture("udp-request-response.pcap"),
            "--stats",
            "-w",
            "/dev/null",
        ]),
    );
}

#[test]
fn flows_v_adds_zeek_state_history_rtt_and_community_id() {
    // Without -v the table stays as it was.
    let plain = ok(&["-r", &fixture("tcp-refused.pcap"), "--flows", "-q"]);
    assert!(!plain.contains("conn_state"), "{plain}");

    let out = ok(&["-r", &fixture("tcp-refused.pcap"), "--flows", "-q", "-v"]);
    let id = json_lines(&ok(&["-r", &fixture("tcp-refused.pcap"), "--json", "-q"]))
        .iter()
        .find_map(|v| v["network"]["community_id"].as_str().map(str::to_string))
        .expect("a community id in the packet records");
    let row = out
        .lines()
        .find(|l| l.contains("127.0.0.1:40103 → 127.0.0.1:8083") && l.contains("REJ"))
        .unwrap_or_else(|| panic!("no REJ row: {out}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells.get(4), Some(&"Sr"), "history of a refused attempt: {row}");
    assert_eq!(cells.last(), Some(&id.as_str()), "the flow's Community ID is its packets' one: {row}");
    assert!(out.contains("REJ: connection attempt rejected"), "{out}");
    assert!(out.contains("S SYN; R RST"), "{out}");

    // Three ordinary connections: one row each, SF with the full history, RTT samples, and the
    // state column aligned under its heading.
    let out = ok(&["-r", &fixture("lesson.pcap"), "--flows", "-q", "-v"]);
    let head = out.lines().find(|l| l.trim_start().starts_with("connection ")).expect("heading row");
    let col = head.find("state").map(|b| head[..b].chars().count()).expect("state heading");
    let rows: Vec<&str> = out.lines().filter(|l| l.contains(" → ") && l.contains("ShADadFf")).collect();
    assert_eq!(rows.len(), 3, "{out}");
    for r in rows {
        assert_eq!(r.chars().skip(col).take(2).collect::<String>(), "SF", "state column aligned: {r}");
        assert!(r.contains("(6)"), "six RTT samples (Karn's rule) in {r}");
    }
    assert!(out.contains("SF: normal establishment and termination"), "{out}");
}

/// `--flows --json` is a connection log: flow records only, each written when its connection
/// ended, the open ones at the end; `--print` adds the packet records, each flow record right
/// after the packet that ended it. The same bytes on one thread (`-l`) and on two.
#[test]
fn flows_json_is_a_connection_log_written_as_connections_end() {
    let log = ok(&["-r", &fixture("lesson.pcap"), "--flows", "--json"]);
    let recs = json_lines(&log);
    assert_eq!(recs.len(), 3, "{log}");
    assert!(recs.iter().all(|v| v["event"]["dataset"] == "portlens.flow"), "only flow records: {log}");
    assert!(recs.iter().all(|v| v["portlens"]["flow"]["tracking_end"] == "finished"), "{log}");
    assert_eq!(ok(&["-r", &fixture("lesson.pcap"), "--flows", "--json", "-l"]), log, "one thread or two");

    let mixed = ok(&["-r", &fixture("lesson.pcap"), "--flows", "--json", "--print"]);
    assert_eq!(ok(&["-r", &fixture("lesson.pcap"), "--flows", "--json", "--print", "-l"]), mixed, "one thread or two");
    let all = json_lines(&mixed);
    // Each connection's record follows the packet that ended it (its `close-4`), before the
    // next connection's first packet.
    let mut ended = 0;
    for (i, v) in all.iter().enumerate() {
        if v["event"]["dataset"] == "portlens.flow" {
            assert_eq!(all[i - 1]["event"]["action"], "close-4", "{}", all[i - 1]);
            assert_eq!(all[i - 1]["network"]["community_id"], v["network"]["community_id"]);
            ended += 1;
        }
    }
    assert_eq!(ended, 3);
    assert_eq!(all.last().unwrap()["event"]["dataset"], "portlens.flow_summary", "the summary comes with the packet records");
    // -v brings the detections and the summary to the connection log too.
    let v = json_lines(&ok(&["-r", &fixture("tcp-scan.pcap"), "--flows", "--json", "-v"]));
    assert!(v.iter().any(|r| r["event"]["action"] == "port-scan"));
}

/// Connections that end by idle timeout or eviction are written then, the still-open ones at
/// the end of the input (`event.type` `info` for those).
#[test]
fn timed_out_and_evicted_connections_are_written_when_they_leave_the_table() {
    let files = ["tcp-no-answer.pcap", "udp-request-response.pcap", "lesson.pcap"].map(fixture);
    let mut args = vec!["--flows", "--json", "--max-flows", "1"];
    for f in &files {
        args.extend(["-r", f.as_str()]);
    }
    let recs = json_lines(&ok(&args));
    let ends: Vec<&str> = recs.iter().filter_map(|v| v["portlens"]["flow"]["tracking_end"].as_str()).collect();
    assert!(ends.contains(&"evicted"), "{ends:?}");
    let first_open = ends.iter().position(|e| *e == "end-of-input").unwrap_or(ends.len());
    assert!(ends[first_open..].iter().all(|e| *e == "end-of-input"), "the open ones come last: {ends:?}");
    for v in &recs {
        let open = v["portlens"]["flow"]["tracking_end"] == "end-of-input";
        let want = if open { serde_json::json!(["connection", "info"]) } else { serde_json::json!(["connection", "end"]) };
        assert_eq!(v["event"]["type"], want, "{v}");
    }
}
