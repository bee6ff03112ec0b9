//! Ground truth: each capture in `fixtures/kernel/` was made by the Linux kernel doing one
//! connection scenario between two network namespaces (`fixtures/make-kernel-fixtures.py`),
//! and beside it, `NAME.kernel.txt` says what the kernel itself reported (errno, `ss`, `nstat`).
//! portlens' verdict on the capture must be the kernel's: this test reads the kernel's lines
//! (`kernel: …`) and checks the `--flows` records, the line view and the ladder against them.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::PathBuf;

use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/kernel")
}

/// The `kernel:` lines of a scenario, without the prefix.
fn kernel_says(name: &str) -> Vec<String> {
    let path = dir().join(format!("{name}.kernel.txt"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let lines: Vec<String> =
        text.lines().filter_map(|l| l.strip_prefix("kernel: ")).map(str::to_string).collect();
    assert!(!lines.is_empty(), "{}: no kernel: line", path.display());
    lines
}

fn pcap(name: &str) -> String {
    dir().join(format!("{name}.pcap")).display().to_string()
}

/// The `{"type":"flow"}` records and detections of `--flows --json`.
fn flows(name: &str) -> (Vec<Value>, Vec<Value>) {
    let run = common::run(&["-r", &pcap(name), "--flows", "--json", "-v"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let all = common::json_lines(&run.stdout);
    let f = all.iter().filter(|v| v["event"]["dataset"] == "portlens.flow").cloned().collect();
    let d = all.iter().filter(|v| v["event"]["dataset"] == "portlens.detection").cloned().collect();
    (f, d)
}

fn only_flow(name: &str) -> Value {
    let (f, _) = flows(name);
    assert_eq!(f.len(), 1, "{name}: {f:?}");
    f[0].clone()
}

/// `ss` state names as portlens writes them (RFC 9293 with `_`).
fn state(ss: &str) -> &'static str {
    match ss {
        "ESTAB" => "ESTABLISHED",
        "SYN-RECV" => "SYN_RCVD",
        "SYN-SENT" => "SYN_SENT",
        "TIME-WAIT" => "TIME_WAIT",
        "CLOSE-WAIT" => "CLOSE_WAIT",
        "FIN-WAIT-1" => "FIN_WAIT_1",
        "FIN-WAIT-2" => "FIN_WAIT_2",
        "LAST-ACK" => "LAST_ACK",
        "CLOSING" => "CLOSING",
        other => panic!("unknown ss state {other}"),
    }
}

/// "client X, server Y" → (X, Y) in portlens' names.
fn client_server(line: &str) -> (&'static str, &'static str) {
    let w: Vec<&str> = line.split([' ', ',']).filter(|s| !s.is_empty()).collect();
    assert_eq!((w[0], w[2]), ("client", "server"), "{line}");
    (state(w[1]), state(w[3]))
}

#[test]
fn retransmissions_are_the_kernels_own_count() {
    let k = kernel_says("k-loss");
    let n: u64 = k.iter().find_map(|l| l.strip_prefix("TcpRetransSegs ")).unwrap().parse().unwrap();
    assert!(n > 10, "the scenario lost too little to test: {n}");
    let f = only_flow("k-loss");
    let server = &f["portlens"]["flow"]["analysis"]["server"];
    // tshark's names: the plain flag is on every kind of retransmission.
    let ours = server["retransmission"].as_u64().unwrap();
    assert_eq!(ours, n, "kernel TcpRetransSegs {n}, portlens {server}");
    assert_eq!(f["portlens"]["flow"]["outcome"], "closed");
    let text = common::run(&["-r", &pcap("k-loss"), "--flows"]).stdout;
    assert!(text.contains(&format!("{n} segments retransmitted by the server")), "{text}");
    assert!(text.contains("packet loss on the path"), "{text}");
    // Karn's rule leaves samples besides the handshake's.
    assert!(f["portlens"]["flow"]["rtt_samples"]["count"].as_u64().unwrap() > 1, "{f}");
}

#[test]
fn a_rst_outside_the_window_is_ignored_and_tracking_goes_on() {
    assert!(kernel_says("k-rst-out-of-window").iter().any(|l| l.contains("the connection went on")));
    let f = only_flow("k-rst-out-of-window");
    assert_eq!(f["portlens"]["flow"]["outcome"], "closed", "{f}");
    assert_eq!(f["portlens"]["flow"]["rst_ignored"], 1);
    assert_eq!(f["portlens"]["flow"]["errno"], Value::Null);
    let lines = common::run(&["-r", &pcap("k-rst-out-of-window")]).stdout;
    assert!(lines.contains("[RST] seq 1073741825 win 0 len 0 · RST ignored (out of window)"), "{lines}");
    // The segments after it are new data, not retransmissions.
    assert!(!lines.contains("retransmission"), "{lines}");
}

#[test]
fn one_sided_captures_are_named_and_are_no_scan() {
    assert!(kernel_says("k-one-sided")[0].contains("every connect() succeeded"));
    let (f, d) = flows("k-one-sided");
    assert_eq!(f.len(), 12);
    for r in &f {
        assert_eq!(r["portlens"]["flow"]["outcome"], "one-sided", "{r}");
        assert_eq!(r["portlens"]["flow"]["errno"], Value::Null, "{r}");
        assert_eq!(r["portlens"]["flow"]["one_sided"], true);
    }
    assert!(d.iter().all(|x| x["event"]["action"] != "port-scan"), "{d:?}");
}

#[test]
fn a_lone_rst_is_a_reset_without_a_certain_errno() {
    assert!(kernel_says("k-lone-rst")[0].contains("ECONNREFUSED"));
    let f = only_flow("k-lone-rst");
    assert_eq!(f["portlens"]["flow"]["outcome"], "reset");
    assert_eq!(f["portlens"]["flow"]["errno"], Value::Null, "{f}");
    assert!(f["portlens"]["flow"]["detail"].as_str().unwrap().contains("no handshake seen"), "{f}");
}

#[test]
fn icmp_errors_give_the_kernels_errno_in_flows_and_ladder() {
    let (f, _) = flows("k-icmp-reject");
    let ladder = common::run(&["-r", &pcap("k-icmp-reject"), "--ladder"]).stdout;
    let said = kernel_says("k-icmp-reject");
    assert_eq!(said.len(), 5);
    for line in said {
        let w: Vec<&str> = line.split_whitespace().collect();
        let (port, errno) = (w[1].parse::<u64>().unwrap(), w[2]);
        let r = f.iter().find(|r| r["destination"]["port"] == port).unwrap_or_else(|| panic!("no flow to {port}"));
        assert_eq!(r["portlens"]["flow"]["errno"], errno, "port {port}: {r}");
        let block = ladder.split("\n\n").find(|b| b.lines().next().unwrap_or("").contains(&format!(":{port} "))).unwrap();
        assert!(block.contains(&format!("connect() fails with {errno}")), "port {port}:\n{block}");
        assert!(!block.contains("ETIMEDOUT"), "{block}");
    }
}

#[test]
fn simultaneous_close_leaves_both_sides_in_time_wait() {
    let (c, s) = client_server(&kernel_says("k-simultaneous-close")[0]);
    let f = only_flow("k-simultaneous-close");
    assert_eq!((f["portlens"]["flow"]["client_state"].as_str().unwrap(), f["portlens"]["flow"]["server_state"].as_str().unwrap()), (c, s));
    assert_eq!(f["portlens"]["flow"]["time_wait"], "both");
}

#[test]
fn a_lost_final_ack_leaves_the_client_established_and_the_server_in_syn_rcvd() {
    let (c, s) = client_server(&kernel_says("k-half-open")[0]);
    let f = only_flow("k-half-open");
    assert_eq!((f["portlens"]["flow"]["client_state"].as_str().unwrap(), f["portlens"]["flow"]["server_state"].as_str().unwrap()), (c, s), "{f}");
    assert_eq!(f["portlens"]["flow"]["outcome"], "half-open");
    assert!(f["portlens"]["flow"]["detail"].as_str().unwrap().contains("final ACK lost"), "{f}");
}

#[test]
fn syn_retries_follow_the_linear_then_exponential_timing() {
    assert_eq!(kernel_says("k-syn-retry"), vec!["ETIMEDOUT".to_string()]);
    let f = only_flow("k-syn-retry");
    assert_eq!(f["portlens"]["flow"]["errno"], "ETIMEDOUT");
    let gaps: Vec<u64> = f["portlens"]["flow"]["syn_gaps_us"].as_array().unwrap().iter().map(|g| g.as_u64().unwrap()).collect();
    // Five waits of about 1 s, then 2 s: what the explanation of "no answer" says.
    assert_eq!(gaps.len(), 6, "{gaps:?}");
    for g in &gaps[..5] {
        assert!((900_000..1_200_000).contains(g), "{gaps:?}");
    }
    assert!((1_900_000..2_200_000).contains(&gaps[5]), "{gaps:?}");
    let text = common::run(&["-r", &pcap("k-syn-retry"), "--flows"]).stdout;
    assert!(text.contains("resends the SYN every second at first, five times, then doubles the wait"), "{text}");
}

#[test]
fn a_simultaneous_open_is_one_connection_whose_syn_acks_are_no_retransmissions() {
    assert!(kernel_says("k-simultaneous-open")[0].contains("ESTAB"));
    let f = only_flow("k-simultaneous-open");
    assert_eq!(f["portlens"]["flow"]["simultaneous_open"], true);
    assert_ne!(f["portlens"]["flow"]["outcome"], "refused");
    let run = common::run(&["-r", &pcap("k-simultaneous-open"), "--json"]);
    for v in common::json_lines(&run.stdout) {
        if v["portlens"]["tcp"]["flags_raw"] == 0x12 {
            assert!(v["portlens"]["tcp"]["analysis"].is_null(), "{v}");
        }
    }
}
