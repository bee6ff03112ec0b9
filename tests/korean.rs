//! Korean everywhere `--lang ko` is asked for: every English key the views, reports and error
//! messages hand to `i18n::Tr` (`tr.s("…")`, `tr.f("…", …)`) has a Korean entry, its
//! placeholders survive the translation, and the Korean views are pinned by snapshots
//! (`tests/snapshots/korean__NAME.txt`, reviewed for language; accept changes with
//! `PORTLENS_BLESS=1 cargo test --test korean` and read the diff).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::fs;
use std::path::Path;

use common::rust_files;

use portlens::i18n::korean;

/// The string literal starting at `s` (just after its opening quote), unescaped, and the
/// bytes it took with the closing quote; `None` when it is not a plain one-line literal.
fn literal(s: &str) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut it = s.char_indices();
    while let Some((i, c)) = it.next() {
        match c {
            '"' => return Some((out, i + 1)),
            '\\' => match it.next()?.1 {
                'n' => out.push('\n'),
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                '\'' => out.push('\''),
                _ => return None,
            },
            '\n' => return None,
            c => out.push(c),
        }
    }
    None
}

/// The string literals in the first argument of the call whose `(` ends just before `s`
/// (up to a `,` or `)` outside brackets): `tr.s("x")`, `tr.s(if a { "x" } else { "y" })`.
fn first_argument_literals(s: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let b = s.as_bytes();
    while i < b.len() {
        match b[i] {
            b'"' => match literal(&s[i + 1..]) {
                Some((l, n)) => {
                    out.push(Some(l));
                    i += n;
                }
                None => {
                    out.push(None);
                    return out;
                }
            },
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth == 0 => return out,
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => return out,
            _ => {}
        }
        i += 1;
    }
    out
}

/// Every literal handed to `tr.s(` or `tr.f(` in the crate's sources, with where it is.
fn keys() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut out = Vec::new();
    for f in files {
        let text = fs::read_to_string(&f).expect("read source");
        for pat in ["tr.s(", "tr.f("] {
            for (i, _) in text.match_indices(pat) {
                let at = i + pat.len();
                let line = text[..at].lines().count();
                for l in first_argument_literals(&text[at..]) {
                    let l = l.unwrap_or_else(|| String::from("<not a one-line literal>"));
                    out.push((l, format!("{}:{line}", f.display())));
                }
            }
        }
    }
    out
}

fn placeholders(s: &str) -> Vec<String> {
    let mut v = Vec::new();
    let mut rest = s;
    while let Some(o) = rest.find('{') {
        let after = &rest[o + 1..];
        match after.find('}') {
            Some(e) if after[..e].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && e > 0 => {
                v.push(after[..e].to_string());
                rest = &after[e + 1..];
            }
            _ => rest = after,
        }
    }
    v.sort();
    v.dedup();
    v
}

#[test]
fn every_key_has_korean_with_its_placeholders() {
    let keys = keys();
    assert!(keys.len() > 100, "the scanner found only {} keys", keys.len());
    let mut missing = Vec::new();
    for (k, at) in &keys {
        match korean(k) {
            None => missing.push(format!("{at}: {k:?}")),
            Some(ko) => {
                // Plural endings (`{s}`) have no Korean; every other value must appear.
                let want: Vec<String> = placeholders(k).into_iter().filter(|p| !matches!(p.as_str(), "s" | "ies" | "ts" | "us" | "ls" | "ps")).collect();
                let have = placeholders(ko);
                for p in want {
                    assert!(have.contains(&p), "{at}: the Korean of {k:?} lost {{{p}}}: {ko:?}");
                }
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "{} keys without Korean:\n{}", missing.len(), missing.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// The views in Korean, pinned. Each snapshot was read for language, not only for bytes.

fn ko(args: &[&str]) -> String {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--lang", "ko"]);
    let r = common::run(&all);
    assert_eq!(r.code, Some(0), "portlens {args:?}: {}", r.stderr);
    r.stdout
}

fn snapshot(name: &str, actual: &str) {
    common::snapshot("korean", name, actual);
}

#[test]
fn line_view_annotations_in_korean() {
    let lesson = common::fixture("lesson.pcap");
    let mut out = ko(&["-r", &lesson, "-c", "11"]);
    for f in ["kernel/k-icmp-reject.pcap", "arp-icmp.pcap", "snaplen-cut.pcap"] {
        out.push_str(&ko(&["-r", &common::fixture(f), "-c", "8"]));
    }
    // The sequence analysis, one line of each verdict the capture has.
    let loss = ko(&["-r", &common::fixture("kernel/k-loss.pcap")]);
    let mut seen: Vec<&str> = Vec::new();
    for line in loss.lines() {
        let verdict = line.rsplit(" · ").next().unwrap_or("");
        let kind = verdict.split(" #").next().unwrap_or("");
        if line.contains(" · ") && !seen.contains(&kind) {
            seen.push(kind);
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(out.contains("· 재전송, 빠른 재전송") && out.contains("· 중복 ACK #1"), "{out}");
    assert!(out.contains("· 3-way 핸드셰이크 1/3"), "{out}");
    assert!(out.contains("· 4-way 종료 4/4"), "{out}");
    assert!(out.contains("(포트 없음)"), "{out}");
    snapshot("line", &out);
}

#[test]
fn flows_report_in_korean_with_columns_aligned_by_display_width() {
    let files = [
        "lesson.pcap",
        "tcp-refused.pcap",
        "tcp-no-answer.pcap",
        "udp-closed-port.pcap",
        "udp-request-response.pcap",
        "tcp-reset.pcap",
        "tcp-close-server-first.pcap",
        "kernel/k-half-open.pcap",
        "kernel/k-one-sided.pcap",
        "kernel/k-lone-rst.pcap",
        "kernel/k-icmp-reject.pcap",
        "kernel/k-loss.pcap",
    ];
    let mut args: Vec<String> = Vec::new();
    for f in files {
        args.push("-r".into());
        args.push(common::fixture(f));
    }
    args.extend(["--flows".into(), "-q".into()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = ko(&refs);
    // The table: every row's outcome column starts at the same display column.
    let table: Vec<&str> = out.lines().skip(1).take_while(|l| !l.is_empty()).collect();
    let head = table[0];
    let col = portlens::i18n::width(&head[..head.find("결과").expect("heading")]);
    for row in &table[1..] {
        let mut w = 0;
        let mut at = None;
        for (i, c) in row.char_indices() {
            if w == col {
                at = Some(i);
                break;
            }
            w += portlens::i18n::width(c.encode_utf8(&mut [0u8; 4]));
        }
        let at = at.expect("row reaches the outcome column");
        assert!(!row[..at].ends_with(|c: char| !c.is_whitespace()), "outcome column off in {row:?}");
        assert!(!row[at..].starts_with(' '), "outcome column off in {row:?}");
    }
    assert!(out.contains("결과의 뜻:"), "{out}");
    assert!(!out.contains("What the outcomes mean"), "{out}");
    // A port scan's detection (its 200 rows of refusals left out).
    let scan = ko(&["-r", &common::fixture("tcp-scan.pcap"), "--flows", "-q"]);
    let detected = &scan[scan.find("\n탐지됨:").expect("detections")..];
    // -v: Zeek's view of each connection.
    let verbose = ko(&["-r", &common::fixture("lesson.pcap"), "-r", &common::fixture("tcp-refused.pcap"), "--flows", "-q", "-v"]);
    assert!(verbose.contains("TCP 연결별 Zeek 관점"), "{verbose}");
    snapshot("flows", &format!("{out}{detected}\n$ --flows -v\n{verbose}"));
}

#[test]
fn ladder_in_korean() {
    let mut out = String::new();
    for f in ["lesson.pcap", "tcp-no-answer.pcap", "tcp-refused.pcap", "kernel/k-icmp-reject.pcap", "udp-request-response.pcap"] {
        out.push_str(&ko(&["-r", &common::fixture(f), "--ladder"]));
        out.push_str("----\n");
    }
    assert!(out.contains("연결 수립 (RTT"), "{out}");
    snapshot("ladder", &out);
}

#[test]
fn stats_in_korean() {
    let out = ko(&["-r", &common::fixture("lesson.pcap"), "-r", &common::fixture("udp-request-response.pcap"), "--stats", "-q"]);
    assert!(out.contains("잘 알려진 포트") && out.contains("임시 포트 범위별 클라이언트 포트"), "{out}");
    snapshot("stats", &out);
}

#[test]
fn json_stays_english_under_korean() {
    let f = common::fixture("lesson.pcap");
    let en = common::run(&["-r", &f, "--json", "--flows", "--stats"]);
    let k = common::run(&["-r", &f, "--json", "--flows", "--stats", "--lang", "ko"]);
    assert_eq!(en.code, Some(0));
    assert_eq!(en.stdout, k.stdout, "JSON is a contract for programs: the same in every language");
}

#[test]
fn error_messages_in_korean() {
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--lang", "ko"]);
        common::run(&all)
    };
    let mut out = String::new();
    for (args, code) in [
        (vec!["-r", "/nonexistent/capture.pcap"], 1),
        (vec!["-r", &common::fixture("README.md")], 1),
        (vec!["-r", &common::fixture("truncated-file.pcap")], 1),
        (vec!["-r", &common::fixture("lesson.pcap"), "tcp port"], 1),
        (vec!["-r", "x.pcap", "-i", "lo"], 2),
        (vec!["-r", &common::fixture("lesson.pcap"), "-c", "0"], 2),
        (vec!["-F", "/nonexistent/filter", "-r", &common::fixture("lesson.pcap")], 1),
        (vec!["explain", "70000", "0x1g", "10.0.0.1", "[::1"], 2),
        (vec!["explain"], 2),
        (vec!["services", "99999"], 2),
        (vec!["services", "zzzz-no-such-service"], 1),
    ] {
        let r = run(&args);
        assert_eq!(r.code, Some(code), "{args:?}: {}", r.stderr);
        let stderr: Vec<&str> = r.stderr.lines().filter(|l| !l.contains("packets")).collect();
        assert!(!stderr.is_empty(), "{args:?} said nothing");
        // clap's own details (after our first line) stay English.
        let ours = if args == ["explain"] { &stderr[..1] } else { &stderr[..] };
        for l in ours {
            assert!(l.chars().any(|c| ('\u{ac00}'..='\u{d7a3}').contains(&c)), "not Korean: {l}");
        }
        out.push_str(&format!("$ portlens {} --lang ko\n", args.join(" ").replace(env!("CARGO_MANIFEST_DIR"), ".")));
        out.push_str(&stderr.join("\n").replace(env!("CARGO_MANIFEST_DIR"), "."));
        out.push('\n');
    }
    snapshot("errors", &out);
}
