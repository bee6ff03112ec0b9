//! The differential test: portlens `--json` against tshark, packet by packet, over every capture
//! in `../shared/pcaps` (real public captures, hostile and truncated ones included) and every
//! fixture of the project.
//!
//! For each frame tshark decodes as exactly one IPv4/IPv6 header carrying one TCP or UDP header
//! (no tunnels, no ICMP-quoted headers), the addresses, ports, TCP flags (12 bits), raw
//! sequence and acknowledgment numbers, unscaled window, TCP header and payload length, and the
//! UDP length must match. portlens must exit 0 or 1 and print only JSON.
//!
//! Skipped, with a message, when tshark is not installed; the shared corpus part is skipped
//! when `../shared` is not beside the checkout. CI has both.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const FIELDS: [&str; 16] = [
    "frame.number",
    "ip.src",
    "ip.dst",
    "ipv6.src",
    "ipv6.dst",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.flags",
    "tcp.seq_raw",
    "tcp.ack_raw",
    "tcp.window_size_value",
    "udp.srcport",
    "udp.dstport",
    "udp.length",
    "tcp.hdr_len",
    "tcp.len",
];

#[derive(Debug, PartialEq, Eq, Clone)]
enum Rec {
    Tcp { src: IpAddr, dst: IpAddr, sp: u64, dp: u64, flags: u64, seq: u64, ack: u64, win: u64, hdr: Option<u64>, len: Option<u64> },
    Udp { src: IpAddr, dst: IpAddr, sp: u64, dp: u64, length: u64 },
}

fn tshark_truth(path: &Path) -> BTreeMap<u64, Rec> {
    let mut cmd = Command::new("tshark");
    cmd.args(["-n", "-r"]).arg(path);
    for o in [
        "ip.defragment:FALSE",
        "ipv6.defragment:FALSE",
        "tcp.desegment_tcp_streams:FALSE",
        "tcp.analyze_sequence_numbers:FALSE",
    ] {
        cmd.args(["-o", o]);
    }
    cmd.args(["-T", "fields", "-E", "separator=/t", "-E", "occurrence=a"]);
    for f in FIELDS {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    let mut truth = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let c: Vec<&str> = line.split('\t').collect();
        if c.len() < FIELDS.len() {
            continue;
        }
        let d: BTreeMap<&str, &str> = FIELDS.iter().copied().zip(c.iter().copied()).collect();
        let ips: Vec<&str> = [d["ip.src"], d["ipv6.src"]].into_iter().filter(|s| !s.is_empty()).collect();
        if ips.len() != 1 || ips[0].contains(',') {
            continue;
        }
        let v6 = !d["ipv6.src"].is_empty();
        let (src, dst) = if v6 { (d["ipv6.src"], d["ipv6.dst"]) } else { (d["ip.src"], d["ip.dst"]) };
        let (Ok(src), Ok(dst)) = (src.parse::<IpAddr>(), dst.parse::<IpAddr>()) else { continue };
        let (tcp, udp) = (d["tcp.srcport"], d["udp.srcport"]);
        if tcp.is_empty() == udp.is_empty() || tcp.contains(',') || udp.contains(',') {
            continue;
        }
        let num = |s: &str| -> Option<u64> {
            if s.is_empty() || s.contains(',') {
                None
            } else if let Some(h) = s.strip_prefix("0x") {
                u64::from_str_radix(h, 16).ok()
            } else {
                s.parse().ok()
            }
        };
        let Some(frame) = num(d["frame.number"]) else { continue };
        if !tcp.is_empty() {
            let (Some(flags), Some(seq), Some(win)) = (num(d["tcp.flags"]), num(d["tcp.seq_raw"]), num(d["tcp.window_size_value"]))
            else {
                continue; // header cut short: tshark gives partial fields
            };
            truth.insert(
                frame,
                Rec::Tcp {
                    src,
                    dst,
                    sp: num(tcp).unwrap_or(0),
                    dp: num(d["tcp.dstport"]).unwrap_or(0),
                    flags,
                    seq,
                    ack: num(d["tcp.ack_raw"]).unwrap_or(0),
                    win,
                    hdr: num(d["tcp.hdr_len"]),
                    len: num(d["tcp.len"]),
                },
            );
        } else if let Some(length) = num(d["udp.length"]) {
            truth.insert(
                frame,
                Rec::Udp { src, dst, sp: num(udp).unwrap_or(0), dp: num(d["udp.dstport"]).unwrap_or(0), length },
            );
        }
    }
    truth
}

fn ours(path: &Path) -> (Option<i32>, BTreeMap<u64, (Rec, Value)>, usize) {
    let out = common::command(&["-r", &path.display().to_string(), "--json"]).output().expect("run portlens");
    let mut got = BTreeMap::new();
    let mut bad_lines = 0;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            bad_lines += 1;
            continue;
        };
        let Some(frame) = v["portlens"]["frame"].as_u64() else { continue };
        let ip = |k: &str| v[k]["ip"].as_str().and_then(|s| s.parse::<IpAddr>().ok());
        let (Some(src), Some(dst)) = (ip("source"), ip("destination")) else { continue };
        let n = |x: &Value| x.as_u64().unwrap_or(u64::MAX);
        let rec = match v["network"]["transport"].as_str() {
            Some("tcp") => Rec::Tcp {
                src,
                dst,
                sp: n(&v["source"]["port"]),
                dp: n(&v["destination"]["port"]),
                flags: n(&v["portlens"]["tcp"]["flags_raw"]),
                seq: n(&v["portlens"]["tcp"]["seq"]),
                ack: n(&v["portlens"]["tcp"]["ack"]),
                win: n(&v["portlens"]["tcp"]["window"]),
                hdr: v["portlens"]["tcp"]["header_len"].as_u64(),
                len: v["portlens"]["tcp"]["payload_len"].as_u64(),
            },
            Some("udp") => Rec::Udp {
                src,
                dst,
                sp: n(&v["source"]["port"]),
                dp: n(&v["destination"]["port"]),
                length: n(&v["portlens"]["udp"]["length"]),
            },
            _ => continue,
        };
        got.insert(frame, (rec, v));
    }
    (out.status.code(), got, bad_lines)
}

/// Compares the fields tshark gives; header and payload lengths only where tshark has them.
fn matches(truth: &Rec, got: &Rec) -> bool {
    match (truth, got) {
        (
            Rec::Tcp { src, dst, sp, dp, flags, seq, ack, win, hdr, len },
            Rec::Tcp { src: s2, dst: d2, sp: sp2, dp: dp2, flags: f2, seq: q2, ack: a2, win: w2, hdr: h2, len: l2 },
        ) => {
            src == s2
                && dst == d2
                && sp == sp2
                && dp == dp2
                && flags == f2
                && seq == q2
                && ack == a2
                && win == w2
                && (hdr.is_none() || hdr == h2)
                && (len.is_none() || len == l2)
        }
        (a, b) => a == b,
    }
}

fn skipped_by_manifest(path: &Path) -> bool {
    let Some(dir) = path.parent() else { return false };
    let Ok(m) = std::fs::read_to_string(dir.join("MANIFEST.tsv")) else { return false };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    m.lines().any(|l| l.split('\t').next() == Some(name) && l.contains("tshark-frames-include-custom-blocks"))
}

fn captures_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"));
    v.sort();
    v
}

fn check_dir(dir: &Path) {
    let mut failures = Vec::new();
    let (mut files, mut compared) = (0, 0);
    for path in captures_in(dir) {
        if skipped_by_manifest(&path) {
            eprintln!("skip {}: tshark numbers pcapng custom blocks as frames", path.display());
            continue;
        }
        files += 1;
        let truth = tshark_truth(&path);
        let (code, got, bad) = ours(&path);
        if !matches!(code, Some(0) | Some(1)) {
            failures.push(format!("{}: exit {:?} (crash or signal)", path.display(), code));
        }
        if bad > 0 {
            failures.push(format!("{}: {bad} output lines are not JSON", path.display()));
        }
        for (frame, t) in &truth {
            compared += 1;
            match got.get(frame) {
                Some((g, _)) if matches(t, g) => {}
                Some((g, v)) => failures.push(format!("{} frame {frame}:\n  tshark   {t:?}\n  portlens {g:?}\n  json {v}", path.display())),
                None => failures.push(format!("{} frame {frame}: tshark {t:?}, portlens has no TCP/UDP record", path.display())),
            }
        }
    }
    eprintln!("{}: {files} files, {compared} TCP/UDP packets compared, {} mismatches", dir.display(), failures.len());
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.iter().take(20).cloned().collect::<Vec<_>>().join("\n"));
}

#[test]
fn matches_tshark_on_the_shared_corpus() {
    if !common::have("tshark") {
        eprintln!("skipped: tshark is not installed (CI installs it; apt-get install tshark)");
        return;
    }
    let Some(dir) = common::shared_pcaps() else {
        eprintln!("skipped: ../shared/pcaps is not beside this checkout");
        return;
    };
    check_dir(&dir);
}

#[test]
fn matches_tshark_on_the_project_fixtures() {
    if !common::have("tshark") {
        eprintln!("skipped: tshark is not installed (CI installs it; apt-get install tshark)");
        return;
    }
    check_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"));
    check_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/encap"));
}
