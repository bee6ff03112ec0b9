//! Every capture in `../shared/pcaps` (real-world and deliberately hostile files collected from
//! other tools' test suites) and in `fixtures/` through every view of the real binary: it must
//! end by itself within a time limit, exit 0 or 1 (1 only with a `portlens:` message, e.g. a
//! truncated file), never die of a signal or a panic, and `--json` output must parse.
//!
//! Skipped (with a message) for `../shared/pcaps` when it is not beside the checkout.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Longest one run may take.
const LIMIT: Duration = Duration::from_secs(20);

/// The views, as a user types them.
const VIEWS: [&[&str]; 9] = [
    &[],
    &["--bits"],
    &["--bits", "-v"],
    &["--ladder"],
    &["--json"],
    &["--flows"],
    &["--stats"],
    &["-X", "-v"],
    &["-e", "-v", "-ttt"],
];

fn captures(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng" || x == "cap"))
        .collect();
    v.sort();
    v
}

/// Runs one file through one view; returns a description of what went wrong, if anything.
fn check(file: &Path, view: &[&str]) -> Option<String> {
    let path = file.display().to_string();
    let mut args: Vec<&str> = vec!["-r", &path, "--no-progress"];
    args.extend_from_slice(view);
    let shown = format!("portlens {}", args.join(" "));
    let mut child = common::command(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn portlens");
    // Drain both pipes on threads so that a large output cannot block the child.
    let mut so = child.stdout.take().expect("stdout");
    let mut se = child.stderr.take().expect("stderr");
    let json = view.contains(&"--json");
    let out_t = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = so.read_to_end(&mut buf);
        if json { buf } else { Vec::new() }
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = se.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Ok(Some(s)) = child.try_wait() {
            break Some(s);
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let out = out_t.join().unwrap_or_default();
    let err = err_t.join().unwrap_or_default();
    let Some(status) = status else {
        return Some(format!("{shown}: still running after {LIMIT:?}"));
    };
    if err.contains("panicked") {
        return Some(format!("{shown}: panicked: {err}"));
    }
    match status.code() {
        Some(0) => {}
        Some(1) => {
            if !err.starts_with("portlens: ") {
                return Some(format!("{shown}: exit 1 without a portlens: message: {err:?}"));
            }
        }
        Some(c) => return Some(format!("{shown}: exit code {c}: {err}")),
        None => return Some(format!("{shown}: killed by a signal ({status:?}): {err}")),
    }
    if json {
        for line in String::from_utf8_lossy(&out).lines() {
            match serde_json::from_str::<serde_json::Value>(line) {
                Ok(v) if v.is_object() => {}
                _ => return Some(format!("{shown}: a --json line is not a JSON object: {line}")),
            }
        }
    }
    None
}

/// Runs every file through every view on a few worker threads; fails listing every problem.
fn run_all(files: Vec<PathBuf>) {
    let jobs: Vec<(PathBuf, &'static [&'static str])> =
        files.iter().flat_map(|f| VIEWS.iter().map(move |v| (f.clone(), *v))).collect();
    let total = jobs.len();
    let jobs = Arc::new(Mutex::new(jobs));
    let problems = Arc::new(Mutex::new(Vec::new()));
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(2, 8);
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let jobs = Arc::clone(&jobs);
            let problems = Arc::clone(&problems);
            std::thread::spawn(move || {
                loop {
                    let Some((file, view)) = jobs.lock().expect("jobs").pop() else { break };
                    if let Some(p) = check(&file, view) {
                        problems.lock().expect("problems").push(p);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("worker");
    }
    let problems = problems.lock().expect("problems");
    assert!(problems.is_empty(), "{} of {total} runs failed:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn every_shared_capture_through_every_view() {
    let Some(dir) = common::shared_pcaps() else {
        eprintln!("skipped: ../shared/pcaps is not beside the checkout");
        return;
    };
    let files = captures(&dir);
    assert!(!files.is_empty(), "{} holds captures", dir.display());
    run_all(files);
}

#[test]
fn every_fixture_through_every_view() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let files = captures(&dir);
    assert!(files.len() >= 10, "fixtures/ holds captures");
    run_all(files);
}
