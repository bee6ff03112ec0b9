//! Criterion benches of flow tracking alone: the fixtures' frames are decoded once, outside
//! the timed loop, and the timed loop only runs `Tracker::observe` over the records — as the
//! views need it (notes only), as `--flows` needs it (a record per flow and the detections),
//! and as `--stats` needs it (port and socket counts).
//!
//! `cargo bench --bench flow`; see PERFORMANCE.md.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::hint::black_box;

use common::timed;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use portlens::decode::decode;
use portlens::flow::{Tracker, TrackerConfig};
use portlens::model::Packet;

fn bench_flow(c: &mut Criterion) {
    let corpus = common::Corpus::load();
    let frames = corpus.frames();
    let packets: Vec<Packet<'_>> = frames.iter().enumerate().map(|(i, fr)| decode(fr, i as u64 + 1)).collect();
    let mut g = c.benchmark_group("flow");
    g.throughput(Throughput::Elements(corpus.len()));
    let configs: [(&str, TrackerConfig); 3] = [
        ("notes", TrackerConfig::default()),
        ("records (--flows)", TrackerConfig { records: true, ..TrackerConfig::default() }),
        ("stats (--stats)", TrackerConfig { stats: true, ..TrackerConfig::default() }),
    ];
    for (name, cfg) in configs {
        // One tracker, emptied between runs outside the clock (see `common::timed`).
        let mut tracker = Tracker::new(cfg);
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                timed(
                    iters,
                    &mut tracker,
                    |t| {
                        for pkt in &packets {
                            black_box(t.observe(black_box(pkt)));
                        }
                    },
                    |t| {
                        black_box(t.finish());
                    },
                )
            });
        });
    }
    g.finish();
    eprintln!("flow: frames from {}", corpus.source);
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench_flow
}
criterion_main!(benches);
