//! The differential test of the TCP sequence analysis: for every TCP segment of every fixture
//! (the kernel-made ones of `fixtures/kernel/` included) and every capture in `../shared/pcaps`
//! and `../shared/pcaps-extra`, the verdicts portlens gives (`tcp.analysis` in `--json`) must
//! be the ones tshark gives (`tcp.analysis.*` fields), packet by packet, with tshark's names.
//!
//! Where portlens decides differently on purpose, the frame must match one of [`EXCEPTIONS`],
//! each with its reason and the kernel capture that shows who is right; anything else fails.
//! tshark runs once per file that has TCP segments, the files two at a time. Skipped, with a message, without tshark;
//! the shared corpus part is skipped, with a message, when `../shared` is not beside the checkout.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use serde_json::Value;

/// tshark's field names after `tcp.analysis.`, as portlens names them too.
const NAMES: [&str; 14] = [
    "retransmission",
    "fast_retransmission",
    "spurious_retransmission",
    "out_of_order",
    "lost_segment",
    "ack_lost_segment",
    "duplicate_ack",
    "zero_window",
    "zero_window_probe",
    "zero_window_probe_ack",
    "window_full",
    "window_update",
    "keep_alive",
    "keep_alive_ack",
];

/// One TCP segment as both tools judged it.
struct Frame<'a> {
    tshark: BTreeSet<String>,
    ours: BTreeSet<String>,
    json: &'a Value,
    /// portlens' JSON records of the whole file, by frame number (for context).
    all: &'a BTreeMap<u64, Value>,
}

/// A deliberate difference: its name, why portlens differs, the kernel capture that proves it,
/// and which frames it covers.
struct Exception {
    name: &'static str,
    reason: &'static str,
    proof: &'static str,
    applies: fn(&Frame<'_>) -> bool,
}

fn has(s: &BTreeSet<String>, n: &str) -> bool {
    s.contains(n)
}

fn any_retransmission(s: &BTreeSet<String>) -> bool {
    ["retransmission", "fast_retransmission", "spurious_retransmission"].iter().any(|n| s.contains(*n))
}

fn flags(f: &Frame<'_>) -> u64 {
    f.json["portlens"]["tcp"]["flags_raw"].as_u64().unwrap_or(0)
}

const EXCEPTIONS: &[Exception] = &[
    Exception {
        name: "resent bytes are a retransmission, not out-of-order",
        reason: "tshark calls a segment below the highest sequence number seen \"out-of-order\" when it comes \
                 within one handshake RTT (or 3 ms) of that highest segment, even when the same bytes were \
                 captured before; a sender streaming new data sends its retransmissions right between new \
                 segments, so on a fast path most real retransmissions look out-of-order to tshark. portlens \
                 calls bytes seen before and sent again a retransmission, and keeps out-of-order for bytes that \
                 fill a hole.",
        proof: "fixtures/kernel/k-loss: the server's retransmissions in the capture equal the kernel's \
                TcpRetransSegs (tests/kernel_truth.rs)",
        applies: |f| has(&f.tshark, "out_of_order") && !has(&f.ours, "out_of_order") && any_retransmission(&f.ours),
    },
    Exception {
        name: "the SYN,ACK of a simultaneous open is not a retransmission",
        reason: "in a simultaneous open each side sends a SYN and then a SYN,ACK with the same sequence number; \
                 tshark flags that SYN,ACK as a retransmission of the SYN, but it is the handshake's second \
                 step, sent once",
        proof: "fixtures/kernel/k-simultaneous-open: both connect() calls succeed, each side sent one SYN,ACK",
        applies: |f| {
            flags(f) & 0x12 == 0x12
                && any_retransmission(&f.tshark)
                && !any_retransmission(&f.ours)
                && f.all.values().any(|v| {
                    let sock = |v: &Value, k: &str| format!("{}|{}", v[k]["ip"], v[k]["port"]);
                    let pair = |v: &Value| {
                        let (a, b) = (sock(v, "source"), sock(v, "destination"));
                        if a <= b { (a, b) } else { (b, a) }
                    };
                    v["event"]["action"] == "simultaneous-open"
                        && pair(v) == pair(f.json)
                })
        },
    },
    Exception {
        name: "a RST outside the window does not move the sequence numbers",
        reason: "tshark takes every segment's sequence number as the sender's new highest one, a RST's too; \
                 a RST far outside the receiver's window is dropped by the receiver (RFC 5961), so the sender's \
                 next segments are new data, not retransmissions below a bogus highest sequence number",
        proof: "fixtures/kernel/k-rst-out-of-window: the client ignored the forged RST and the connection went on",
        applies: |f| {
            any_retransmission(&f.tshark)
                && !any_retransmission(&f.ours)
                && f.all.range(..f.json["portlens"]["frame"].as_u64().unwrap_or(0)).any(|(_, v)| {
                    v["event"]["action"] == "rst-ignored"
                        && v["source"]["port"] == f.json["source"]["port"]
                        && v["source"]["ip"] == f.json["source"]["ip"]
                })
        },
    },
];

/// tshark's verdicts per frame (frames with exactly one TCP header).
fn tshark_verdicts(path: &Path) -> BTreeMap<u64, BTreeSet<String>> {
    let mut cmd = Command::new("tshark");
    cmd.args(["-n", "-r"]).arg(path);
    cmd.args(["-o", "tcp.desegment_tcp_streams:FALSE", "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE"]);
    cmd.args(["-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-e", "frame.number", "-e", "tcp.srcport"]);
    for n in NAMES {
        cmd.args(["-e", &format!("tcp.analysis.{n}")]);
    }
    let out = cmd.output().expect("run tshark");
    let mut v = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let c: Vec<&str> = line.split('\t').collect();
        if c.len() < 2 + NAMES.len() || c[1].is_empty() || c[1].contains(',') {
            continue;
        }
        let Ok(frame) = c[0].parse::<u64>() else { continue };
        let set = NAMES.iter().zip(&c[2..]).filter(|(_, x)| !x.is_empty()).map(|(n, _)| n.to_string()).collect();
        v.insert(frame, set);
    }
    v
}

/// portlens' JSON records by frame (packets only).
fn portlens_records(path: &Path) -> BTreeMap<u64, Value> {
    // tshark follows a connection however long it stays idle; so does portlens here (its own
    // bound, --flow-timeout, forgets idle connections after 300 s by default).
    let out = common::command(&["-r", &path.display().to_string(), "--json", "--flow-timeout", "100000000"])
        .output()
        .expect("run portlens");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v["portlens"]["frame"].as_u64().map(|f| (f, v)))
        .collect()
}

fn ours_of(v: &Value) -> BTreeSet<String> {
    v["portlens"]["tcp"]["analysis"].as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

#[derive(Default)]
struct Tally {
    files: usize,
    segments: usize,
    with_verdict: usize,
    excepted: BTreeMap<&'static str, usize>,
    failures: Vec<String>,
}

fn check_file(path: &Path, tally: &Mutex<Tally>) {
    let recs = portlens_records(path);
    // Only segments both tools see as TCP are compared: without one, tshark need not run.
    if !recs.values().any(|v| v["network"]["transport"] == "tcp" && !v["portlens"]["tcp"]["flags_raw"].is_null()) {
        tally.lock().unwrap().files += 1;
        return;
    }
    let tshark = tshark_verdicts(path);
    let mut local = Tally { files: 1, ..Tally::default() };
    for (frame, t) in &tshark {
        let Some(json) = recs.get(frame) else { continue };
        if json["network"]["transport"] != "tcp" || json["portlens"]["tcp"]["flags_raw"].is_null() {
            continue;
        }
        local.segments += 1;
        let f = Frame { tshark: t.clone(), ours: ours_of(json), json, all: &recs };
        if !f.tshark.is_empty() || !f.ours.is_empty() {
            local.with_verdict += 1;
        }
        if f.tshark == f.ours {
            continue;
        }
        match EXCEPTIONS.iter().find(|e| (e.applies)(&f)) {
            Some(e) => *local.excepted.entry(e.name).or_default() += 1,
            None => local.failures.push(format!(
                "{} frame {frame}: tshark {:?}, portlens {:?}",
                path.display(),
                f.tshark,
                f.ours
            )),
        }
    }
    let mut t = tally.lock().unwrap();
    t.files += local.files;
    t.segments += local.segments;
    t.with_verdict += local.with_verdict;
    for (k, n) in local.excepted {
        *t.excepted.entry(k).or_default() += n;
    }
    t.failures.extend(local.failures);
}

fn captures_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        name.ends_with(".pcap") || name.ends_with(".pcapng") || name.ends_with(".cap")
    });
    v.sort();
    v
}

fn check_all(files: Vec<PathBuf>, what: &str) {
    let tally = Mutex::new(Tally::default());
    let queue = Mutex::new(files);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while let Some(p) = queue.lock().unwrap().pop() {
                    check_file(&p, &tally);
                }
            });
        }
    });
    let t = tally.into_inner().unwrap();
    eprintln!(
        "{what}: {} files, {} TCP segments compared, {} with a verdict from either tool, {} mismatches",
        t.files,
        t.segments,
        t.with_verdict,
        t.failures.len()
    );
    for e in EXCEPTIONS {
        if let Some(n) = t.excepted.get(e.name) {
            eprintln!("  {n} frames differ on purpose: {} ({}; proof: {})", e.name, e.reason, e.proof);
        }
    }
    if let Ok(path) = std::env::var("PORTLENS_ANALYSIS_REPORT") {
        std::fs::write(path, t.failures.join("\n")).unwrap();
    }
    assert!(
        t.failures.is_empty(),
        "{} segments where portlens and tshark disagree:\n{}",
        t.failures.len(),
        t.failures.iter().take(30).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn agrees_with_tshark_on_the_fixtures() {
    if !common::have("tshark") {
        eprintln!("skipped: tshark is not installed (CI installs it; apt-get install tshark)");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files = captures_in(&root);
    files.extend(captures_in(&root.join("kernel")));
    assert!(files.len() > 30, "fixtures not found in {}", root.display());
    check_all(files, "fixtures");
}

#[test]
fn agrees_with_tshark_on_the_shared_corpus() {
    if !common::have("tshark") {
        eprintln!("skipped: tshark is not installed (CI installs it; apt-get install tshark)");
        return;
    }
    let Some(pcaps) = common::shared_pcaps() else {
        eprintln!("skipped: ../shared/pcaps is not beside this checkout");
        return;
    };
    let mut files = captures_in(&pcaps);
    match pcaps.parent().map(|p| p.join("pcaps-extra")).filter(|p| p.is_dir()) {
        Some(extra) => files.extend(captures_in(&extra)),
        None => eprintln!("note: ../shared/pcaps-extra is not beside this checkout; only ../shared/pcaps is compared"),
    }
    check_all(files, "../shared/pcaps and pcaps-extra");
}

#[test]
fn every_exception_is_explained_and_proven_by_a_kernel_fixture() {
    for e in EXCEPTIONS {
        assert!(e.reason.len() > 40, "{}: say why", e.name);
        let fixture = e.proof.split(':').next().unwrap_or("");
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture).with_extension("pcap");
        assert!(path.exists(), "{}: the proof {} is not a committed capture", e.name, path.display());
    }
}
