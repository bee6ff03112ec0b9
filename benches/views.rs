//! Criterion benches of decode + each view, as the binary's packet loop runs them: decode →
//! tracker (for the notes the views print) → render into a reused `Vec<u8>` (standing in for the
//! binary's 64 KiB stdout buffer), over the frames of the committed fixtures held in memory.
//! Per-packet views: line, line -v, JSON, bits, bits -v, ladder. End-of-run reports: `--flows`
//! (text and JSON) and `--stats` (text), each timed with the decoding and tracking that feed them.
//!
//! `cargo bench --bench views`; `cargo bench --bench views -- json` for one; see PERFORMANCE.md.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::hint::black_box;
use std::io;

use common::timed;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use portlens::decode::decode;
use portlens::flow::{Tracker, TrackerConfig};
use portlens::model::flow::PacketNote;
use portlens::model::{Frame, Packet};
use portlens::render::bits::BitsView;
use portlens::render::json::JsonView;
use portlens::render::ladder::{LadderOptions, LadderView};
use portlens::render::line::{LineOptions, LineView};
use portlens::render::{PacketView, flows, stats};
use portlens::vocab::Language;

/// The binary's defaults: local-time timestamps, service names.
fn line_opts() -> LineOptions {
    LineOptions { services: true, ..LineOptions::default() }
}

/// What one bench keeps between runs: the tracker (emptied between runs) and the output.
struct State {
    tracker: Tracker,
    buf: Vec<u8>,
}

impl State {
    fn new(cfg: TrackerConfig) -> State {
        State { tracker: Tracker::new(cfg), buf: Vec::with_capacity(1 << 20) }
    }

    /// Between runs, outside the clock.
    fn reset(&mut self) {
        black_box(self.tracker.finish());
        self.buf.clear();
    }
}

/// Times decode → tracker → `print` over every frame, with a view made by `make` for each run
/// and `finish` after the last frame.
fn per_packet<V>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    frames: &[Frame<'_>],
    name: &str,
    make: impl Fn() -> V,
    print: impl Fn(&mut V, &mut Vec<u8>, &Packet<'_>, &PacketNote) -> io::Result<()>,
    finish: impl Fn(&mut V, &mut Vec<u8>),
) {
    let mut st = State::new(TrackerConfig::default());
    g.bench_function(name, |b| {
        b.iter_custom(|iters| {
            timed(
                iters,
                &mut st,
                |st| {
                    let mut view = make();
                    for (i, fr) in frames.iter().enumerate() {
                        let pkt = decode(fr, i as u64 + 1);
                        let note = st.tracker.observe(&pkt);
                        print(&mut view, &mut st.buf, &pkt, &note).unwrap();
                    }
                    finish(&mut view, &mut st.buf);
                    black_box(st.buf.len());
                },
                State::reset,
            )
        });
    });
}

fn bench_views(c: &mut Criterion) {
    let corpus = common::Corpus::load();
    let frames = corpus.frames();
    let mut g = c.benchmark_group("views");
    g.throughput(Throughput::Elements(corpus.len()));

    // Line, JSON and bits are called directly (generic over the writer), as app.rs does; the
    // ladder goes through `PacketView`, and its `finish` prints what it kept.
    let verbose = LineOptions { verbose: 1, ..line_opts() };
    per_packet(&mut g, &frames, "line", || LineView::new(line_opts()), |v, w, p, n| v.packet(w, p, n), |_, _| {});
    per_packet(&mut g, &frames, "line -v", || LineView::new(verbose), |v, w, p, n| v.packet(w, p, n), |_, _| {});
    per_packet(&mut g, &frames, "json", JsonView::new, |v, w, p, n| v.packet(w, p, n), |_, _| {});
    let bits = |o: LineOptions| move || BitsView::new(o, false, Language::En);
    per_packet(&mut g, &frames, "bits", bits(line_opts()), |v, w, p, n| v.packet(w, p, n), |_, _| {});
    per_packet(&mut g, &frames, "bits -v", bits(verbose), |v, w, p, n| v.packet(w, p, n), |_, _| {});
    per_packet(
        &mut g,
        &frames,
        "ladder",
        || LadderView::new(LadderOptions::default()),
        |v, w, p, n| PacketView::packet(v, w, p, n),
        |v, w| v.finish(w).unwrap(),
    );

    // End-of-run reports: decode + track every packet with records (or counts) kept, then the
    // report. `--flows` alone prints nothing per packet.
    let fo = flows::FlowsOptions { services: true, ..Default::default() };
    let so = stats::StatsOptions { services: true, ..Default::default() };
    let reports: [(&str, TrackerConfig); 3] = [
        ("flows", TrackerConfig { records: true, ..TrackerConfig::default() }),
        ("flows --json", TrackerConfig { records: true, ..TrackerConfig::default() }),
        ("stats", TrackerConfig { stats: true, ..TrackerConfig::default() }),
    ];
    for (name, cfg) in reports {
        let mut st = State::new(cfg);
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                timed(
                    iters,
                    &mut st,
                    |st| {
                        for (i, fr) in frames.iter().enumerate() {
                            let pkt = decode(fr, i as u64 + 1);
                            black_box(st.tracker.observe(&pkt));
                        }
                        match name {
                            "flows" => flows::write_text(&mut st.buf, &st.tracker.finish(), &fo).unwrap(),
                            "flows --json" => flows::write_json(&mut st.buf, &st.tracker.finish(), &fo, true).unwrap(),
                            _ => {
                                if let Some(report) = st.tracker.stats() {
                                    stats::write_text(&mut st.buf, &report, &so).unwrap();
                                }
                            }
                        }
                        black_box(st.buf.len());
                    },
                    State::reset,
                )
            });
        });
    }
    g.finish();
    eprintln!("views: frames from {}", corpus.source);
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench_views
}
criterion_main!(benches);
