//! The fuzz targets' own entry points (`fuzz/src/lib.rs`: `decode_render` and `file_reader`,
//! with their checks: no panic, JSON lines parse, text has no control characters) run on the
//! stable toolchain, in the normal test suite, over what the fuzzers start from and what they
//! found: the committed seeds (`fuzz/seeds/`), every capture in `../shared/pcaps*` (skipped
//! visibly when absent), and every crash the fuzzers ever found (`fuzz/regressions/`, which
//! must stay fixed). `scripts/fuzz.sh` runs the fuzzers themselves when a nightly toolchain
//! and cargo-fuzz are installed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "../fuzz/src/lib.rs"]
mod entry;

use std::path::{Path, PathBuf};

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn fuzz_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(sub)
}

/// Runs `f` on every file, naming the file when it panics.
fn run_all(files: &[PathBuf], f: fn(&[u8])) -> usize {
    for path in files {
        let data = std::fs::read(path).expect("read");
        if std::panic::catch_unwind(|| f(&data)).is_err() {
            panic!("{} fails the fuzz target's checks (replay: cargo +nightly fuzz run TARGET {})", path.display(), path.display());
        }
    }
    files.len()
}

#[test]
fn decode_render_holds_on_every_seed_and_every_crash_found() {
    let mut files = files_in(&fuzz_dir("seeds/decode_render"));
    files.extend(files_in(&fuzz_dir("regressions/decode_render")));
    assert!(files.len() > 100, "the committed seeds are there: {}", files.len());
    run_all(&files, entry::decode_render);
}

#[test]
fn file_reader_holds_on_every_seed_every_shared_capture_and_every_crash_found() {
    let mut files = files_in(&fuzz_dir("seeds/file_reader"));
    files.extend(files_in(&fuzz_dir("regressions/file_reader")));
    assert!(files.len() > 20, "the committed seeds are there: {}", files.len());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("shared");
    let mut shared = 0;
    for d in ["pcaps", "pcaps-extra"] {
        let found = files_in(&root.join(d));
        shared += found.len();
        files.extend(found);
    }
    if shared == 0 {
        eprintln!("skipped the shared captures: ../shared/pcaps* is not beside the checkout");
    }
    let n = run_all(&files, entry::file_reader);
    eprintln!("file_reader: {n} inputs, {shared} of them from ../shared");
}
