//! The JSON streams load into the engines data engineers use, as they are (issue 13):
//!
//! - DuckDB's `read_json_auto`, with its defaults, on the connection log (`--flows --json`)
//!   and the packet records (`--json`) of a 100,000-packet capture made by
//!   `scripts/make-many-flows.py`: every value comes back, every column has the schema's type,
//!   and the README's DuckDB recipes run (`scripts/duckdb-check.py`);
//! - the README's `jq` recipes run and print what they say;
//! - `contrib/vector.toml` parses and wires its source to its sink.
//!
//! Each part skips with a message when its tool is missing (Python's `duckdb`, installed by
//! `scripts/deps.sh --test`; `jq`).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn python_has(module: &str) -> bool {
    Command::new("python3").args(["-c", &format!("import {module}")]).output().is_ok_and(|o| o.status.success())
}

#[test]
fn duckdb_loads_the_connection_log_and_the_packets_of_100k_packets_with_its_defaults() {
    if !python_has("duckdb") {
        eprintln!("SKIPPED: Python's duckdb is missing; scripts/deps.sh --test installs it (pip)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let pcap = dir.path().join("100k.pcap");
    // 10,000 connections, a quarter UDP, 30 % over IPv6, 20 open at a time: 100,159 packets
    // over about eight minutes, as a busy host's capture.
    let made = Command::new("python3")
        .arg(root().join("scripts/make-many-flows.py"))
        .arg(&pcap)
        .args(["--connections", "10000", "--concurrent", "20", "--udp", "0.25", "--ipv6", "0.3", "--seed", "13"])
        .output()
        .expect("make-many-flows.py");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let p = pcap.display().to_string();
    let flows = dir.path().join("flows.jsonl");
    let packets = dir.path().join("packets.jsonl");
    let r = common::run(&["-r", &p, "--flows", "--json"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 10_000);
    std::fs::write(&flows, &r.stdout).expect("write");
    let r = common::run(&["-r", &p, "--json"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 100_159);
    std::fs::write(&packets, &r.stdout).expect("write");
    let out = Command::new("python3")
        .arg(root().join("scripts/duckdb-check.py"))
        .arg("--recipes")
        .arg(root().join("README.md"))
        .arg(&flows)
        .arg(&packets)
        .output()
        .expect("duckdb-check.py");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("10000 rows") && text.contains("100159 rows"), "{text}");
    assert_eq!(text.matches("recipe (").count(), 4, "every recipe ran: {text}");
    eprintln!("{text}");
}

#[test]
fn the_readme_jq_recipes_run() {
    if !common::have("jq") {
        eprintln!("SKIPPED: jq is not installed");
        return;
    }
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let section = readme.split("## Pipelines").nth(1).expect("a Pipelines section").split("\n## ").next().unwrap_or("");
    let cmds: Vec<&str> = section.lines().filter(|l| l.starts_with("portlens -r capture.pcap") && l.contains("| jq")).collect();
    assert_eq!(cmds.len(), 2, "{cmds:?}");
    let scan = common::fixture("tcp-scan.pcap");
    let loss = common::fixture("kernel/k-loss.pcap");
    for (cmd, file, want) in [(cmds[0], &scan, "127.0.0.1 → 127.0.0.1:20000"), (cmds[1], &loss, "\"analysis\":[")] {
        let sh = cmd.replacen("portlens", common::bin(), 1).replace("capture.pcap", file);
        let out = Command::new("sh").args(["-c", &sh]).env("TZ", "UTC").output().expect("sh");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains(want), "{sh}:\n{text}{}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn the_vector_configuration_parses_and_ships_the_stream_to_elasticsearch() {
    let conf = root().join("contrib/vector.toml");
    let check = "import sys, tomllib\n\
                 c = tomllib.load(open(sys.argv[1], 'rb'))\n\
                 src, sink = c['sources']['portlens'], c['sinks']['elasticsearch']\n\
                 assert src['type'] == 'stdin' and src['decoding']['codec'] == 'json', src\n\
                 assert sink['type'] == 'elasticsearch' and sink['inputs'] == ['portlens'], sink\n\
                 assert sink['mode'] == 'data_stream' and sink['data_stream']['dataset'] == '{{ event.dataset }}', sink\n\
                 print('ok')";
    let out = Command::new("python3").args(["-c", check]).arg(&conf).output().expect("python3");
    if String::from_utf8_lossy(&out.stderr).contains("No module named 'tomllib'") {
        eprintln!("SKIPPED: this Python has no tomllib (3.11+)");
        return;
    }
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    if common::have("vector") {
        let v = Command::new("vector").args(["validate", "--no-environment"]).arg(&conf).output().expect("vector");
        assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    } else {
        eprintln!("note: vector is not installed; contrib/vector.toml was checked as TOML only");
    }
}

#[test]
fn fields_writes_the_rows_tshark_t_fields_writes() {
    // The same columns from both tools, on every packet of the lesson: addresses, ports, the
    // raw TCP flags and sequence number.
    let lesson = common::fixture("lesson.pcap");
    let ours = common::run(&["-r", &lesson, "--fields", "source.ip,destination.ip,source.port,destination.port,tcp.flags_raw,tcp.seq"]);
    assert_eq!(ours.code, Some(0), "{}", ours.stderr);
    let mut lines = ours.stdout.lines();
    assert_eq!(lines.next(), Some("source.ip\tdestination.ip\tsource.port\tdestination.port\ttcp.flags_raw\ttcp.seq"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 33);
    if common::have("tshark") {
        let t = Command::new("tshark")
            .args(["-n", "-r", &lesson, "-o", "tcp.relative_sequence_numbers:FALSE", "-T", "fields"])
            .args(["-e", "ip.src", "-e", "ip.dst", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.flags", "-e", "tcp.seq"])
            .output()
            .expect("tshark");
        let theirs = String::from_utf8_lossy(&t.stdout);
        for (a, b) in rows.iter().zip(theirs.lines()) {
            let b: Vec<String> = b
                .split('\t')
                .map(|c| match c.strip_prefix("0x") {
                    Some(h) => u64::from_str_radix(h, 16).map(|n| n.to_string()).unwrap_or_default(),
                    None => c.to_string(),
                })
                .collect();
            assert_eq!(*a, b.join("\t"));
        }
        assert_eq!(theirs.lines().count(), rows.len());
    } else {
        eprintln!("note: tshark is not installed; the rows were not compared with it");
    }
    // Flows with --flows, tshark's -E options, a missing field left empty, arrays joined.
    let flows = common::run(&["-r", &lesson, "--flows", "--fields", "client.port,server.port,event.action,nope,event.type", "-E", "header=n", "-E", "separator=,", "-E", "quote=d", "-E", "aggregator=/s"]);
    assert_eq!(flows.stdout.lines().next(), Some("52341,443,\"closed\",,\"connection\" \"end\""), "{}", flows.stdout);
    assert_eq!(flows.stdout.lines().count(), 3);
    // Usage errors say what is wrong (exit 2).
    for (args, want) in [
        (&["--fields", "a b"][..], "is not a field name"),
        (&["--fields", "a", "-E", "quote=x"][..], "quote=x"),
        (&["--fields", "a", "--json-nope"][..], ""),
        (&["-E", "header=n"][..], "--fields"),
    ] {
        let r = common::run(&[&["-r", &lesson][..], args].concat());
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(want), "{args:?}: {}", r.stderr);
    }
}
