//! The house as ARCHITECTURE.md draws it: every module may use only the modules below it, each
//! external crate lives in the one module named for it, and the diagram names every module.
//! Reads the sources (no build of anything): a new `use crate::…` that points up or sideways
//! fails here with the file and the arrow that is not allowed.
//!
//! Test code is exempt (a `tests.rs` file, and everything after a file's `#[cfg(test)]`):
//! tests may build what they need from any layer.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use common::rust_files;

/// Which modules each module may use (besides itself). Leaves come last. Keep in step with
/// the table in ARCHITECTURE.md ("Modules and which way the arrows point").
const ALLOWED: &[(&str, &[&str])] = &[
    ("main", &["cli", "settings", "app", "teach", "sockets", "vocab"]),
    ("app", &[
        "settings", "pipeline", "capture", "decode", "flow", "render", "privs", "sandbox", "stop", "i18n", "model",
        "services", "vocab",
    ]),
    ("settings", &["cli", "capture", "render", "i18n", "model", "services", "vocab"]),
    ("teach", &["render", "sockets", "i18n", "model", "services", "vocab"]),
    ("pipeline", &["decode", "model"]),
    ("render", &["i18n", "model", "recency", "services", "vocab"]),
    ("i18n", &["model", "services", "vocab"]),
    ("capture", &["model", "stop"]),
    ("decode", &["model"]),
    ("flow", &["model", "recency", "services"]),
    ("sockets", &[]),
    ("privs", &[]),
    ("sandbox", &[]),
    ("stop", &[]),
    ("cli", &[]),
    ("model", &[]),
    ("recency", &[]),
    ("services", &[]),
    ("vocab", &[]),
];

/// External crates and the only modules that may name them.
const CRATES: &[(&str, &[&str])] = &[
    ("pcap", &["capture"]),
    ("etherparse", &["decode"]),
    ("clap", &["cli", "main"]),
    ("clap_complete", &["main"]),
    ("clap_mangen", &["main"]),
    ("chrono", &["render"]),
    ("nix", &["privs", "stop", "sockets"]),
    ("caps", &["privs"]),
    ("signal_hook", &["stop"]),
    ("landlock", &["sandbox"]),
    ("seccompiler", &["sandbox"]),
    ("indicatif", &["render"]),
];

/// Inside `decode`, the layers never call each other: `mod.rs` hands each one's result to the next.
const DECODE_LAYERS: &[&str] = &["link", "ip", "transport"];

/// The top-level module a source file belongs to (`src/render/line.rs` → `render`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let first = rel.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_default();
    first.trim_end_matches(".rs").to_string()
}

/// The file's code without its tests.
fn non_test_code(text: &str) -> &str {
    match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// Every `crate::NAME` (or `portlens::NAME` in the binary) the code names, with line numbers;
/// comments are skipped.
fn references(code: &str, root: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let pat = format!("{root}::");
    for (no, line) in code.lines().enumerate() {
        let code_part = line.split("//").next().unwrap_or("");
        let mut rest = code_part;
        while let Some(i) = rest.find(&pat) {
            let before = rest[..i].chars().next_back();
            let after = &rest[i + pat.len()..];
            rest = after;
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let name: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                out.push((no + 1, name));
            }
        }
        // `use crate::{a, b}` groups.
        if let Some(i) = code_part.find(&format!("{root}::{{")) {
            let group = &code_part[i + pat.len() + 1..];
            for part in group.split(',') {
                let name: String =
                    part.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    out.push((no + 1, name));
                }
            }
        }
    }
    out
}

/// Whether the code names external crate `krate` (`krate::…`, `use krate`).
fn names_crate(code: &str, krate: &str) -> Option<usize> {
    for (no, line) in code.lines().enumerate() {
        let code_part = line.split("//").next().unwrap_or("");
        for (i, _) in code_part.match_indices(krate) {
            let before = code_part[..i].chars().next_back();
            let after = &code_part[i + krate.len()..];
            let boundary_before = before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':'));
            if boundary_before && (after.starts_with("::") || (code_part[..i].trim_end().ends_with("use") && after.starts_with(';'))) {
                return Some(no + 1);
            }
        }
    }
    None
}

#[test]
fn every_module_uses_only_the_modules_below_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let allowed: BTreeMap<&str, BTreeSet<&str>> =
        ALLOWED.iter().map(|(m, deps)| (*m, deps.iter().copied().collect())).collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 20, "found only {} source files under {}", files.len(), src.display());
    let mut wrong = Vec::new();
    for file in &files {
        if file.file_name().is_some_and(|n| n == "tests.rs") || file.ends_with("lib.rs") {
            continue;
        }
        let module = module_of(&src, file);
        let text = fs::read_to_string(file).unwrap_or_default();
        let code = non_test_code(&text);
        let Some(ok) = allowed.get(module.as_str()) else {
            wrong.push(format!("{}: module `{module}` is not in the table of allowed arrows", file.display()));
            continue;
        };
        let root_name = if module == "main" { "portlens" } else { "crate" };
        for (line, used) in references(code, root_name) {
            if used == module || !allowed.contains_key(used.as_str()) {
                continue;
            }
            if !ok.contains(used.as_str()) {
                wrong.push(format!("{}:{line}: `{module}` may not use `{used}`", file.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "arrows that ARCHITECTURE.md does not allow:\n{}", wrong.join("\n"));
}

#[test]
fn the_decode_layers_never_call_each_other() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/decode");
    let mut wrong = Vec::new();
    for layer in DECODE_LAYERS {
        let file = dir.join(format!("{layer}.rs"));
        let text = fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let code = non_test_code(&text);
        for other in DECODE_LAYERS.iter().filter(|o| *o != layer) {
            for pat in [format!("super::{other}"), format!("crate::decode::{other}"), format!("{other}::")] {
                for (no, line) in code.lines().enumerate() {
                    let code_part = line.split("//").next().unwrap_or("");
                    let hit = code_part.match_indices(&pat).any(|(i, _)| {
                        code_part[..i].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
                    });
                    let grouped = code_part.contains("use super::{") && code_part.split(['{', ',', '}']).any(|p| p.trim() == *other);
                    if hit || grouped {
                        wrong.push(format!("{}:{}: decode layer `{layer}` names `{other}`", file.display(), no + 1));
                    }
                }
            }
        }
    }
    wrong.dedup();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn each_external_crate_lives_in_its_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        let text = fs::read_to_string(file).unwrap_or_default();
        let code = non_test_code(&text);
        for (krate, homes) in CRATES {
            if homes.contains(&module.as_str()) {
                continue;
            }
            if let Some(line) = names_crate(code, krate) {
                wrong.push(format!("{}:{line}: `{krate}` is used outside {homes:?}", file.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn architecture_md_names_every_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap_or_default();
    let mut missing = Vec::new();
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .map(|f| module_of(&root.join("src"), f))
        .filter(|m| m != "lib")
        .collect();
    for m in &modules {
        let as_file = format!("{m}.rs");
        let as_dir = format!("{m}/");
        if !doc.contains(&as_file) && !doc.contains(&as_dir) {
            missing.push(m.clone());
        }
        if !ALLOWED.iter().any(|(a, _)| a == m) {
            missing.push(format!("{m} (not in this test's table either)"));
        }
    }
    // The rule table in ARCHITECTURE.md lists the same arrows as this test.
    for (m, deps) in ALLOWED {
        let row = doc.lines().find(|l| l.starts_with(&format!("| `{m}` |")));
        match row {
            None => missing.push(format!("rule row for `{m}`")),
            Some(row) => {
                for d in *deps {
                    if !row.contains(&format!("`{d}`")) {
                        missing.push(format!("`{m} → {d}` in the rule table"));
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "ARCHITECTURE.md does not show: {}", missing.join(", "));
}

#[test]
fn the_checker_sees_a_forbidden_arrow() {
    // The references finder must see the forms the code uses, or the tests above pass vacuously.
    let code = "use crate::render::line::LineOptions;\nuse crate::{model, vocab::Language};\nlet x = crate::settings::resolve(); // crate::app::run\n";
    let names: Vec<String> = references(code, "crate").into_iter().map(|(_, n)| n).collect();
    assert!(names.contains(&"render".to_string()));
    assert!(names.contains(&"model".to_string()));
    assert!(names.contains(&"vocab".to_string()));
    assert!(names.contains(&"settings".to_string()));
    assert!(!names.contains(&"app".to_string()), "comments are not code");
    assert_eq!(names_crate("use pcap::Capture;", "pcap"), Some(1));
    assert_eq!(names_crate("let c = clap::Command::new();", "clap"), Some(1));
    assert_eq!(names_crate("let pcap_file = 1; // pcap::x", "pcap"), None);
}
