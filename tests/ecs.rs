//! `--json` records are valid Elastic Common Schema documents, and match the published JSON
//! Schemas (`schemas/*.schema.json`), over every capture we have: every fixture and both
//! corpora (`../shared/pcaps`, `../shared/pcaps-extra`), each read with `--json --flows
//! --stats --print`, so every record type is written.
//!
//! The ECS check reads ECS's own field list (`../shared/ecs/ecs_flat.yml`): every key path of
//! every record is either an ECS field whose type fits the JSON value (keyword → string, long →
//! integer, ip → an address, date → RFC 3339 …; arrays only where ECS normalises to an array;
//! values from ECS's allowed list where it has one; never null), or lives under `portlens.`.
//! Every record has `@timestamp`, `ecs.version`, `event.kind`, `event.category`, `event.type`
//! and `event.dataset`. And no key path has two JSON types across all records of all types
//! (Elasticsearch's dynamic mapping of a shared index would refuse the second).
//!
//! Skipped with a message when `../shared` is not beside the checkout (the fixtures are still
//! checked against the schemas); the schema check is skipped with a message when Python's
//! `jsonschema` is missing (`scripts/deps.sh --test` installs it).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

/// One ECS field: its type, whether ECS normalises it to an array, its allowed values.
#[derive(Debug, Default)]
struct EcsField {
    ty: String,
    array: bool,
    allowed: Vec<String>,
}

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// Reads `ecs_flat.yml`: top-level keys are field names; `  type:`, `  normalize:` (with
/// `  - array`) and the `    name:` entries of `  allowed_values:` are what we need.
fn load_ecs(path: &Path) -> HashMap<String, EcsField> {
    let text = std::fs::read_to_string(path).expect("read ecs_flat.yml");
    let mut fields: HashMap<String, EcsField> = HashMap::new();
    let mut cur: Option<String> = None;
    let mut block = "";
    for line in text.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            let name = line.trim_end_matches(':').trim_matches('\'').to_string();
            fields.insert(name.clone(), EcsField::default());
            cur = Some(name);
            block = "";
            continue;
        }
        let Some(f) = cur.as_ref().and_then(|c| fields.get_mut(c)) else { continue };
        if let Some(rest) = line.strip_prefix("  ").filter(|r| !r.starts_with(' ')) {
            if let Some(t) = rest.strip_prefix("type: ") {
                f.ty = t.trim().to_string();
            }
            block = if rest.starts_with("normalize:") {
                "normalize"
            } else if rest.starts_with("allowed_values:") {
                "allowed"
            } else if rest.starts_with("- ") && (block == "normalize" || block == "allowed") {
                if block == "normalize" && rest == "- array" {
                    f.array = true;
                }
                block
            } else {
                ""
            };
            if block == "allowed" {
                if let Some(n) = rest.strip_prefix("- name: ") {
                    f.allowed.push(n.trim().to_string());
                }
            }
        } else if block == "allowed" {
            if let Some(n) = line.strip_prefix("    name: ") {
                f.allowed.push(n.trim().to_string());
            }
        }
    }
    assert!(fields.len() > 1000, "ecs_flat.yml read as {} fields", fields.len());
    fields
}

/// Every capture: the fixtures (with their sub-directories), and the corpora when present.
fn captures() -> (Vec<PathBuf>, bool) {
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
    let mut sub: Vec<PathBuf> = std::fs::read_dir(&dirs[0])
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.append(&mut sub);
    let corpora = shared().join("pcaps").is_dir();
    if corpora {
        dirs.push(shared().join("pcaps"));
        if shared().join("pcaps-extra").is_dir() {
            dirs.push(shared().join("pcaps-extra"));
        }
    }
    let mut files = Vec::new();
    for d in dirs {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&d)
            .expect("read dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| ["pcap", "pcapng", "cap", "snoop"].iter().any(|e| x == *e)))
            .collect();
        v.sort();
        files.extend(v);
    }
    (files, corpora)
}

/// `--json --flows --stats` of every capture (and `--flows --json` alone of the fixtures),
/// made once for all the tests here.
fn outputs() -> &'static (Vec<(String, String)>, bool) {
    static OUT: OnceLock<(Vec<(String, String)>, bool)> = OnceLock::new();
    OUT.get_or_init(|| {
        let (files, corpora) = captures();
        let mut out = Vec::new();
        for f in &files {
            let p = f.display().to_string();
            let r = common::run(&["-r", &p, "--json", "--flows", "--stats", "--print", "--no-progress"]);
            assert!(matches!(r.code, Some(0) | Some(1)), "{p}: {}", r.stderr);
            out.push((p.clone(), r.stdout));
            if p.contains("/fixtures/") {
                let r = common::run(&["-r", &p, "--json", "--flows", "--no-progress"]);
                out.push((format!("{p} (--flows --json)"), r.stdout));
            }
        }
        (out, corpora)
    })
}

/// Each leaf key path with its value; array elements get `[]` after their key.
fn leaves<'a>(v: &'a Value, prefix: &str, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                leaves(x, &p, out);
            }
        }
        _ => out.push((prefix.to_string(), v)),
    }
}

/// Whether a JSON scalar fits an ECS type.
fn fits(ty: &str, v: &Value) -> bool {
    match ty {
        "keyword" | "constant_keyword" | "wildcard" | "match_only_text" | "text" => v.is_string(),
        "long" | "integer" | "short" | "byte" | "unsigned_long" => v.is_i64() || v.is_u64(),
        "float" | "double" | "scaled_float" | "half_float" => v.is_number(),
        "boolean" => v.is_boolean(),
        "ip" => v.as_str().is_some_and(|s| s.parse::<std::net::IpAddr>().is_ok()),
        "date" => v.as_str().is_some_and(common::is_rfc3339_utc),
        _ => false,
    }
}

/// What is wrong with one record under ECS, if anything.
fn ecs_problems(rec: &Value, ecs: &HashMap<String, EcsField>) -> Vec<String> {
    let mut bad = Vec::new();
    for k in ["@timestamp", "ecs.version", "event.kind", "event.category", "event.type", "event.dataset"] {
        let mut v = rec;
        for part in k.split('.') {
            v = &v[part];
        }
        if v.is_null() {
            bad.push(format!("no {k}"));
        }
    }
    let mut ls = Vec::new();
    leaves(rec, "", &mut ls);
    for (path, v) in ls {
        if path.starts_with("portlens.") {
            continue;
        }
        let Some(f) = ecs.get(&path) else {
            bad.push(format!("{path} is neither an ECS field nor under portlens."));
            continue;
        };
        let items: Vec<&Value> = match v {
            Value::Array(a) if f.array => a.iter().collect(),
            Value::Array(_) => {
                bad.push(format!("{path} is an array; ECS's {} field is not", f.ty));
                continue;
            }
            _ => vec![v],
        };
        for x in items {
            if !fits(&f.ty, x) {
                bad.push(format!("{path} = {x}: not an ECS {}", f.ty));
            } else if !f.allowed.is_empty() && !f.allowed.iter().any(|a| x.as_str() == Some(a)) {
                bad.push(format!("{path} = {x}: not among ECS's allowed values"));
            }
        }
    }
    bad
}

/// The JSON type of a value, as a mapping sees it (null has none).
fn json_type(v: &Value) -> Option<&'static str> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    })
}

/// Each key path's JSON types; arrays are looked into (`path[]`).
fn types(v: &Value, prefix: &str, out: &mut BTreeMap<String, BTreeSet<&'static str>>) {
    if let Some(t) = json_type(v) {
        out.entry(prefix.to_string()).or_default().insert(t);
    }
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                types(x, &p, out);
            }
        }
        Value::Array(a) => {
            for x in a {
                types(x, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_record_of_every_capture_is_ecs_valid() {
    let ecs_path = shared().join("ecs/ecs_flat.yml");
    if !ecs_path.is_file() {
        eprintln!("SKIPPED: {} is not beside this checkout; the ECS check needs it", ecs_path.display());
        return;
    }
    let ecs = load_ecs(&ecs_path);
    let (outs, corpora) = outputs();
    if !corpora {
        eprintln!("note: ../shared/pcaps is not beside this checkout; only the fixtures are checked");
    }
    let mut datasets: BTreeMap<String, u64> = BTreeMap::new();
    let mut problems: BTreeMap<String, String> = BTreeMap::new();
    for (file, out) in outs {
        for (i, line) in out.lines().enumerate() {
            let rec: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{file} line {}: {e}", i + 1));
            *datasets.entry(rec["event"]["dataset"].as_str().unwrap_or("(none)").to_string()).or_default() += 1;
            for p in ecs_problems(&rec, &ecs) {
                problems.entry(p).or_insert_with(|| format!("{file} line {}", i + 1));
            }
        }
    }
    let all: Vec<String> = problems.iter().map(|(p, at)| format!("{p} (first at {at})")).collect();
    assert!(all.is_empty(), "{} ECS problems:\n{}", all.len(), all.join("\n"));
    for ds in ["portlens.packet", "portlens.flow", "portlens.detection", "portlens.flow_summary", "portlens.stats"] {
        assert!(datasets.get(ds).is_some_and(|n| *n > 0), "no {ds} record was checked: {datasets:?}");
    }
    eprintln!("ECS-checked records by dataset: {datasets:?}");
}

#[test]
fn no_key_path_has_two_json_types_across_record_types() {
    let (outs, _) = outputs();
    let mut seen: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    let mut first: BTreeMap<String, String> = BTreeMap::new();
    for (file, out) in outs {
        for line in out.lines() {
            let rec: Value = serde_json::from_str(line).expect("JSON");
            let mut t = BTreeMap::new();
            types(&rec, "", &mut t);
            for (k, v) in t {
                first.entry(k.clone()).or_insert_with(|| file.clone());
                seen.entry(k).or_default().extend(v);
            }
        }
    }
    let clashes: Vec<String> =
        seen.iter().filter(|(_, t)| t.len() > 1).map(|(k, t)| format!("{k}: {t:?} (first in {})", first[k])).collect();
    assert!(clashes.is_empty(), "key paths with two JSON types:\n{}", clashes.join("\n"));
}

/// Runs `scripts/check-json.py` on `input`; `None` when Python's jsonschema is missing.
fn check_json(args: &[&str], input: &str) -> Option<(bool, String)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check-json.py");
    let mut child = match Command::new("python3")
        .arg(&script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(_) => return None,
    };
    let mut sin = child.stdin.take().expect("stdin");
    let data = input.to_string();
    let feeder = std::thread::spawn(move || sin.write_all(data.as_bytes()));
    let out = child.wait_with_output().expect("wait");
    feeder.join().expect("feeder").expect("write to check-json.py");
    if out.status.code() == Some(3) {
        return None;
    }
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    Some((out.status.success(), text))
}

#[test]
fn every_record_matches_the_published_json_schema_of_its_type() {
    let (outs, corpora) = outputs();
    let fixtures: String = outs.iter().filter(|(f, _)| f.contains("/fixtures/")).map(|(_, o)| o.as_str()).collect();
    let Some((ok, text)) = check_json(&[], &fixtures) else {
        eprintln!("SKIPPED: Python's jsonschema (>= 4.18) is missing; scripts/deps.sh --test installs it");
        return;
    };
    assert!(ok, "fixtures against schemas/:\n{text}");
    eprintln!("fixtures: {text}");
    for ds in ["packet", "flow", "detection", "flow_summary", "stats"] {
        assert!(text.contains(&format!("portlens.{ds} ")), "no portlens.{ds} record checked: {text}");
    }
    if *corpora {
        // Every flow summary, detection and stats record; of packets and flows the first five
        // of each shape (Python's validator is slow, and the shapes repeat).
        let corpus: String = outs.iter().filter(|(f, _)| !f.contains("/fixtures/")).map(|(_, o)| o.as_str()).collect();
        let (ok, text) = check_json(&["--shapes", "5"], &corpus).expect("jsonschema");
        assert!(ok, "corpora against schemas/:\n{text}");
        eprintln!("corpora: {text}");
    } else {
        eprintln!("note: ../shared/pcaps is not beside this checkout; only the fixtures are checked against the schemas");
    }
}

#[test]
fn the_checks_catch_what_ecs_and_a_mapping_refuse() {
    let ecs_path = shared().join("ecs/ecs_flat.yml");
    if !ecs_path.is_file() {
        eprintln!("SKIPPED: {} is not beside this checkout", ecs_path.display());
        return;
    }
    let ecs = load_ecs(&ecs_path);
    assert_eq!(ecs["network.iana_number"].ty, "keyword");
    assert!(ecs["event.category"].array && ecs["event.category"].allowed.iter().any(|a| a == "network"));
    assert!(ecs["event.kind"].allowed.iter().any(|a| a == "alert") && !ecs["event.kind"].array);
    // The old layout: a custom top-level key, a number where ECS says keyword, changing text
    // is fine for event.action (a keyword) but an unknown kind is not, no @timestamp.
    let old: Value = serde_json::from_str(
        r#"{"ts":"2026-11-23T18:38:17.686702Z","ecs":{"version":"8.17.0"},"event":{"kind":"packet","category":"network","type":["info"],"dataset":"portlens.packet"},"network":{"iana_number":6,"vlan":{"id":10}},"source":{"ip":"10.0.0.300","port_class":"dynamic"}}"#,
    )
    .unwrap();
    let p = ecs_problems(&old, &ecs).join("\n");
    for want in [
        "no @timestamp",
        "ts is neither",
        "event.kind = \"packet\": not among",
        "network.iana_number = 6: not an ECS keyword",
        "network.vlan.id = 10",
        "source.ip = \"10.0.0.300\"",
        "source.port_class is neither",
    ] {
        assert!(p.contains(want), "{want} not flagged in:\n{p}");
    }
    // `ports` as an array of objects in one record type and a number in another.
    let mut t = BTreeMap::new();
    types(&serde_json::json!({"ports": [{"port": 1}]}), "", &mut t);
    types(&serde_json::json!({"ports": 3}), "", &mut t);
    assert_eq!(t["ports"].len(), 2);
}
