//! What every bench shares: the frames of the committed fixtures, read into memory once with
//! `portlens::capture::FileReader`, so that the timed loops decode, track and render from
//! memory and measure portlens, not the disk.
//!
//! `PORTLENS_BENCH_PCAP=/path/to/big.pcap` benches that file's first `PORTLENS_BENCH_MAX`
//! frames (default 100,000) instead, e.g. the capture `scripts/bench.sh` makes.
#![allow(dead_code)]

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use portlens::capture::FileReader;
use portlens::model::{Frame, LinkType, Timestamp, TsPrecision};

/// One frame copied out of the reader's buffer.
pub struct OwnedFrame {
    ts: Timestamp,
    len: u32,
    linktype: LinkType,
    data: Vec<u8>,
    interface: u32,
    precision: TsPrecision,
}

impl OwnedFrame {
    /// The frame as the capture layer hands it to `decode`.
    pub fn frame(&self) -> Frame<'_> {
        Frame {
            ts: self.ts,
            len: self.len,
            linktype: self.linktype,
            data: &self.data,
            interface: self.interface,
            precision: self.precision,
        }
    }
}

/// Frames in file order, and where they came from.
pub struct Corpus {
    /// Every frame, file after file.
    pub frames: Vec<OwnedFrame>,
    /// What was read, for the bench's header line.
    pub source: String,
}

impl Corpus {
    /// The fixtures (or `PORTLENS_BENCH_PCAP`).
    pub fn load() -> Corpus {
        if let Some(path) = std::env::var_os("PORTLENS_BENCH_PCAP") {
            let max = std::env::var("PORTLENS_BENCH_MAX").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000);
            let mut frames = Vec::new();
            read_file(Path::new(&path), max, &mut frames);
            let source = format!("{} ({} frames)", Path::new(&path).display(), frames.len());
            return Corpus { frames, source };
        }
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
            .collect();
        paths.sort();
        let mut frames = Vec::new();
        for p in &paths {
            read_file(p, usize::MAX, &mut frames);
        }
        let source = format!("fixtures/*.pcap{{,ng}} ({} files, {} frames)", paths.len(), frames.len());
        Corpus { frames, source }
    }

    /// The frames as `decode` takes them (borrowing this corpus).
    pub fn frames(&self) -> Vec<Frame<'_>> {
        self.frames.iter().map(OwnedFrame::frame).collect()
    }

    /// How many frames, for `Throughput::Elements`.
    pub fn len(&self) -> u64 {
        self.frames.len() as u64
    }
}

/// Appends up to `max` frames of one capture; a file cut short (the truncation fixtures) gives
/// the frames before the cut, as portlens itself does.
fn read_file(path: &Path, max: usize, out: &mut Vec<OwnedFrame>) {
    let name = path.display().to_string();
    let f = File::open(path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let Ok(mut r) = FileReader::new(&name, BufReader::new(f)) else {
        return; // not a capture portlens reads: nothing to bench in it
    };
    let mut n = 0;
    while n < max {
        match r.next_frame() {
            Ok(Some(fr)) => out.push(OwnedFrame {
                ts: fr.ts,
                len: fr.len,
                linktype: fr.linktype,
                data: fr.data.to_vec(),
                interface: fr.interface,
                precision: fr.precision,
            }),
            Ok(None) | Err(_) => break,
        }
        n += 1;
    }
}

/// Times `iters` runs of `run` on one long-lived state, calling `reset` between runs outside
/// the clock. The binary builds its tracker once per run and its tables warm up over the
/// first packets; a fresh tracker per iteration would time the kernel zeroing fresh pages for
/// its tables instead (most of a 589-frame run), so the benches reuse one, emptied by
/// `Tracker::finish` between runs, as the binary's end of input does.
pub fn timed<S>(
    iters: u64,
    state: &mut S,
    mut run: impl FnMut(&mut S),
    mut reset: impl FnMut(&mut S),
) -> std::time::Duration {
    let mut total = std::time::Duration::ZERO;
    for _ in 0..iters {
        let t0 = std::time::Instant::now();
        run(state);
        total += t0.elapsed();
        reset(state);
    }
    total
}

/// The criterion settings every bench uses: short runs, so that all three benches together
/// take a few minutes.
pub fn config() -> criterion::Criterion {
    criterion::Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2))
}
