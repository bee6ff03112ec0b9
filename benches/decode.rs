//! Criterion bench of decoding alone: frames already in memory → `portlens::decode::decode`,
//! nothing tracked or printed. This is the floor every view is measured against (the binary's
//! `-w /dev/null` run does this plus reading the file and writing it back out).
//!
//! `cargo bench --bench decode`; see PERFORMANCE.md.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use portlens::decode::decode;

fn bench_decode(c: &mut Criterion) {
    let corpus = common::Corpus::load();
    let frames = corpus.frames();
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(corpus.len()));
    g.bench_function("decode", |b| {
        b.iter(|| {
            for (i, fr) in frames.iter().enumerate() {
                black_box(decode(black_box(fr), i as u64 + 1));
            }
        });
    });
    g.finish();
    eprintln!("decode: frames from {}", corpus.source);
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench_decode
}
criterion_main!(benches);
