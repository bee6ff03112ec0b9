//! A small harness shared by the integration tests: run the real `portlens` binary with
//! arguments (and optional stdin) in a fixed environment, and get its stdout, stderr and exit
//! code back. Times print in UTC so expected outputs do not depend on the machine.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a run printed and how it ended.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: Option<i32>,
}

impl Run {
    /// Stdout lines.
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
}

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_portlens")
}

/// The project's own fixtures.
pub fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name).display().to_string()
}

/// `../shared/pcaps` beside the checkout, when present (CI has it; a user's clone may not).
pub fn shared_pcaps() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/pcaps");
    p.is_dir().then_some(p)
}

/// A command for the binary with the test environment (UTC, no colour, English).
pub fn command(args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.args(args)
        .env("TZ", "UTC")
        .env("LANG", "C")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("NO_COLOR")
        .env_remove("SUDO_UID")
        .env_remove("SUDO_GID");
    c
}

/// Runs the binary to completion.
pub fn run(args: &[&str]) -> Run {
    run_with_stdin(args, None)
}

/// Runs the binary with bytes on stdin.
pub fn run_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut c = command(args);
    c.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn portlens");
    if let Some(data) = stdin {
        let mut sin = child.stdin.take().expect("stdin");
        sin.write_all(data).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait portlens");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
    }
}

/// Parses JSON Lines output; panics (fails the test) on any line that is not a JSON object.
pub fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
            assert!(v.is_object(), "not an object: {l}");
            v
        })
        .collect()
}

/// Whether a program is on PATH.
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null 2>&1")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Whether the tests run as root (live capture, privilege tests).
pub fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// Compares `actual` with the stored snapshot `tests/snapshots/{suite}__{name}.txt`, showing
/// the first differing lines; with `PORTLENS_BLESS=1` it writes the snapshot instead.
pub fn snapshot(suite: &str, name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(format!("{suite}__{name}.txt"));
    if std::env::var_os("PORTLENS_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("no snapshot {}: run PORTLENS_BLESS=1 cargo test --test {suite}", path.display()));
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (e, a))| e != a)
            .take(5)
            .map(|(i, (e, a))| format!("line {}:\n  expected: {e}\n  actual:   {a}", i + 1))
            .collect();
        panic!(
            "snapshot {name} differs ({} vs {} lines)\n{}\n--- actual ---\n{actual}",
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}

/// A `/proc/.../status` file as (field, value) pairs (values joined by single spaces).
pub fn proc_status(path: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.split_whitespace().collect::<Vec<_>>().join(" ")))
        .collect()
}

/// `/proc/PID/task/*/status` of every thread of a process.
pub fn threads_status(pid: u32) -> Vec<Vec<(String, String)>> {
    let mut out = Vec::new();
    for t in std::fs::read_dir(format!("/proc/{pid}/task")).expect("read /proc/PID/task").flatten() {
        out.push(proc_status(&t.path().join("status").display().to_string()));
    }
    out
}

/// A temporary directory that user `uid` owns (so that portlens, having become that user,
/// can create its -w file there).
pub fn dir_owned_by(uid: u32) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::chown(dir.path(), Some(uid), None).expect("chown the test directory");
    dir
}

/// Whether `s` is an RFC 3339 UTC time as portlens writes it: four-digit year, 6 or 9
/// fraction digits, `Z`.
pub fn is_rfc3339_utc(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() == 27 || b.len() == 30)
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[b.len() - 1] == b'Z'
}

/// Every `.rs` file below `dir` (the tests that read the crate's own sources).
pub fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}
