//! "Must not crash": hostile bytes through every stage a user's packets go through, on stable
//! Rust, in the normal test suite (the cargo-fuzz targets in `fuzz/` explore further).
//!
//! - 100,000 mutated packets (seeded, reproducible: a xorshift generator, no outside
//!   randomness), starting from every packet of the project's fixtures, with mutated link types,
//!   lengths and timestamps, through `decode` and every view: the line view in several option
//!   sets, JSON Lines (each line must parse as an object with the right frame number), bits and
//!   bits -v (also coloured and in Korean), the ladder, and the `--flows` and `--stats` reports
//!   (text and JSON) at the end of each round. Text output must be valid UTF-8 without control
//!   characters a terminal would act on (a packet must not be able to drive the terminal).
//! - Mutated capture files (cut short, header bytes flipped, huge and zero lengths, other block
//!   types, interface ids out of range, option lengths, timestamp resolutions) through
//!   `FileReader`, read through a reader that returns a few bytes at a time: no panic, no hang
//!   (each file must make progress and the whole test runs under a watchdog), and every error
//!   is a `CaptureError` that names the file.
//!
//! A failure prints the seed, round and case, and the bytes, so it can be replayed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{self, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use portlens::capture::{CaptureError, FileReader};
use portlens::decode::decode;
use portlens::flow::{Tracker, TrackerConfig};
use portlens::model::{LinkType, Timestamp, TsPrecision};
use portlens::model::{Frame, Packet};
use portlens::render::bits::BitsView;
use portlens::render::json::JsonView;
use portlens::render::ladder::{LadderOptions, LadderView};
use portlens::render::line::{LineOptions, LineView};
use portlens::render::{PacketView, flows, stats};
use portlens::vocab::{HexMode, Language, TsStyle};

/// Packets in the mutation test (CI runs the optimised `ci` profile, which does them all).
#[cfg(not(debug_assertions))]
const PACKETS: usize = 100_000;
#[cfg(debug_assertions)]
const PACKETS: usize = 10_000;
/// Mutated files per fixture file.
#[cfg(not(debug_assertions))]
const FILE_MUTATIONS: usize = 400;
#[cfg(debug_assertions)]
const FILE_MUTATIONS: usize = 60;
/// `ROBUSTNESS_SCALE=N` multiplies both counts for a longer local run (same seed, same start).
fn scale() -> usize {
    std::env::var("ROBUSTNESS_SCALE").ok().and_then(|v| v.parse().ok()).unwrap_or(1).max(1)
}
/// Rounds: every round starts fresh trackers and views and ends with the end-of-input reports.
const ROUNDS: usize = 20;
const SEED: u64 = 0x0005_eed0_fb07_1e45;
/// No test may take longer than this, even in a debug build.
const WATCHDOG: Duration = Duration::from_secs(300);

/// xorshift64*: tiny, seeded, the same on every machine.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// Runs `f` on a thread and fails if it does not finish within the watchdog time.
fn with_watchdog(name: &'static str, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    let h = std::thread::Builder::new()
        .name(name.into())
        .stack_size(64 << 20)
        .spawn(move || {
            f();
            let _ = tx.send(());
        })
        .expect("spawn");
    match rx.recv_timeout(WATCHDOG) {
        Ok(()) => h.join().expect("worker"),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(e) = h.join() {
                std::panic::resume_unwind(e);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{name}: still running after {WATCHDOG:?} (a hang?)"),
    }
}

fn fixture_files() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("fixtures/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).expect("read fixture")))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the fixtures are there: {}", files.len());
    files
}

/// One captured packet to start mutations from.
#[derive(Clone)]
struct Seed {
    linktype: LinkType,
    len: u32,
    data: Vec<u8>,
}

fn seed_packets() -> Vec<Seed> {
    let mut seeds = Vec::new();
    for (name, bytes) in fixture_files() {
        let Ok(mut r) = FileReader::new(&name, bytes.as_slice()) else { continue };
        while let Ok(Some(f)) = r.next_frame() {
            seeds.push(Seed { linktype: f.linktype, len: f.len, data: f.data.to_vec() });
        }
    }
    assert!(seeds.len() >= 100, "the fixtures hold packets: {}", seeds.len());
    seeds
}

const LINKTYPES: [u16; 17] = [0, 1, 9, 12, 14, 50, 51, 101, 104, 105, 108, 113, 127, 228, 229, 276, 147];
const BYTES: [u8; 16] = [0, 1, 2, 4, 5, 6, 0x11, 0x2b, 0x2c, 0x3a, 0x40, 0x45, 0x60, 0x7f, 0x80, 0xff];
const WORDS: [u16; 16] = [
    0, 1, 0xffff, 0x7fff, 0x8000, 0x0800, 0x86dd, 0x8100, 0x88a8, 0x8847, 0x8864, 0x0806, 20, 40, 60, 0x05dc,
];

/// Where to mutate: mostly in the headers (the first 96 bytes), sometimes anywhere.
fn position(rng: &mut Rng, len: usize) -> usize {
    if len == 0 {
        0
    } else if rng.chance(75) {
        rng.below(len.min(96))
    } else {
        rng.below(len)
    }
}

fn mutate(rng: &mut Rng, seeds: &[Seed], out: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        let len = out.len();
        match rng.below(10) {
            0 if len > 0 => {
                let p = position(rng, len);
                out[p] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let p = position(rng, len);
                out[p] = rng.pick(&BYTES);
            }
            2 => out.truncate(rng.below(len + 1)),
            3 => {
                for _ in 0..rng.below(64) {
                    out.push(rng.next() as u8);
                }
            }
            4 => {
                let p = position(rng, len + 1).min(len);
                let n = 1 + rng.below(16);
                let fill = rng.next() as u8;
                out.splice(p..p, std::iter::repeat_n(fill, n));
            }
            5 if len > 0 => {
                let p = position(rng, len);
                let n = rng.below(len - p + 1).min(24);
                out.drain(p..p + n);
            }
            6 if len >= 2 => {
                let p = position(rng, len - 1);
                out[p..p + 2].copy_from_slice(&rng.pick(&WORDS).to_be_bytes());
            }
            7 => {
                // Splice the tail of another packet in.
                let other = &seeds[rng.below(seeds.len())].data;
                let p = position(rng, len + 1).min(len);
                let q = rng.below(other.len() + 1);
                out.truncate(p);
                out.extend_from_slice(&other[q..]);
            }
            _ if len > 0 => {
                let p = rng.below(len);
                out[p] = rng.next() as u8;
            }
            _ => out.push(rng.next() as u8),
        }
    }
}

fn line_options() -> Vec<LineOptions> {
    let base = LineOptions { services: true, ..LineOptions::default() };
    vec![
        base,
        LineOptions { verbose: 1, link: true, hex: HexMode::Hex { link: true, ascii: true }, ..base },
        LineOptions { verbose: 3, ts: TsStyle::Delta, number: true, absolute_seq: true, services: false, ..base },
        LineOptions { quiet: true, ts: TsStyle::Date, nano: true, hex: HexMode::Hex { link: false, ascii: false }, ..base },
        LineOptions { verbose: 2, link: true, ts: TsStyle::SinceFirst, hex: HexMode::Hex { link: false, ascii: true }, ..base },
        LineOptions { ts: TsStyle::Epoch, ..base },
        LineOptions { verbose: 1, lang: Language::Ko, ..base },
    ]
}

/// Every per-packet view, with the trackers that feed them.
struct Views {
    tracker: Tracker,
    small: Tracker,
    lines: Vec<LineView>,
    json: JsonView,
    other: Vec<(Box<dyn PacketView>, bool)>,
}

impl Views {
    fn new() -> Views {
        let bits = line_options()[0];
        Views {
            tracker: Tracker::new(TrackerConfig { records: true, stats: true, ..TrackerConfig::default() }),
            small: Tracker::new(TrackerConfig { max_flows: 8, idle_timeout_secs: 1, records: true, stats: true }),
            lines: line_options().into_iter().map(LineView::new).collect(),
            json: JsonView::new(),
            other: vec![
                (Box::new(BitsView::new(bits, false, Language::En)), false),
                (Box::new(BitsView::new(LineOptions { verbose: 1, ..bits }, false, Language::En)), false),
                (Box::new(BitsView::new(LineOptions { verbose: 2, link: true, ..bits }, true, Language::Ko)), true),
                (Box::new(LadderView::new(LadderOptions::default())), false),
                (
                    Box::new(LadderView::new(LadderOptions {
                        max_open: 4,
                        idle_timeout_secs: 1,
                        head_steps: 2,
                        tail_steps: 1,
                        max_steps: 5,
                        absolute_seq: true,
                        services: false,
                        lang: Language::Ko,
                    })),
                    false,
                ),
            ],
        }
    }

    fn packet(&mut self, pkt: &Packet<'_>, buf: &mut Vec<u8>) {
        let note = self.tracker.observe(pkt);
        let _ = self.small.observe(pkt);
        for v in &mut self.lines {
            buf.clear();
            v.packet(buf, pkt, &note).expect("line view writes to a Vec");
            check_text(buf, false, "line view");
        }
        buf.clear();
        self.json.packet(buf, pkt, &note).expect("json writes to a Vec");
        check_json(buf, Some(pkt.frame));
        self.others(|v, b| v.packet(b, pkt, &note), buf);
    }

    fn others(&mut self, mut f: impl FnMut(&mut dyn PacketView, &mut Vec<u8>) -> io::Result<()>, buf: &mut Vec<u8>) {
        for (v, color) in &mut self.other {
            buf.clear();
            f(v.as_mut(), buf).expect("view writes to a Vec");
            check_text(buf, *color, "bits/ladder view");
        }
    }

    /// The end of the input: what each view keeps, the flow tables and the counts.
    fn finish(mut self, buf: &mut Vec<u8>) {
        self.others(|v, b| v.finish(b), buf);
        for t in [&mut self.tracker, &mut self.small] {
            let report = t.finish();
            for (services, lang) in [(true, Language::En), (false, Language::En), (true, Language::Ko)] {
                let o = flows::FlowsOptions { services, lang };
                buf.clear();
                flows::write_text(buf, &report, &o).expect("flows text");
                check_text(buf, false, "flows table");
                buf.clear();
                flows::write_json(buf, &report, &o, true).expect("flows json");
                check_json(buf, None);
            }
            let st = t.stats().expect("stats were asked for");
            for (services, lang) in [(true, Language::En), (false, Language::En), (true, Language::Ko)] {
                let o = stats::StatsOptions { services, lang };
                buf.clear();
                stats::write_text(buf, &st, &o).expect("stats text");
                check_text(buf, false, "stats report");
                buf.clear();
                stats::write_json(buf, &st, &o).expect("stats json");
                check_json(buf, None);
            }
        }
    }
}

/// Text output is UTF-8 and holds no control character a terminal would act on (only `\n`, `\t`
/// and the colour escapes when colour was asked for).
fn check_text(buf: &[u8], color: bool, what: &str) {
    let s = std::str::from_utf8(buf).unwrap_or_else(|e| panic!("{what} wrote invalid UTF-8 ({e}): {buf:?}"));
    for c in s.chars() {
        let ok = c == '\n' || c == '\t' || (color && c == '\u{1b}') || !(c.is_control());
        assert!(ok, "{what} wrote the control character {c:?}: {s:?}");
    }
    if color {
        // Every escape is a colour (SGR) sequence: ESC [ digits/; m.
        for part in s.split('\u{1b}').skip(1) {
            let sgr = part.strip_prefix('[').and_then(|p| p.find('m').map(|i| &p[..i]));
            assert!(
                sgr.is_some_and(|x| x.chars().all(|c| c.is_ascii_digit() || c == ';')),
                "{what} wrote an escape that is not a colour: {part:?}"
            );
        }
    }
}

/// Every line is a JSON object; packet records carry their frame number.
fn check_json(buf: &[u8], frame: Option<u64>) {
    let s = std::str::from_utf8(buf).unwrap_or_else(|e| panic!("JSON output is not UTF-8 ({e}): {buf:?}"));
    assert!(s.is_empty() || s.ends_with('\n'), "JSON Lines end with a newline: {s:?}");
    for line in s.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v.is_object(), "not an object: {line}");
        if let Some(n) = frame {
            assert_eq!(v["portlens"]["frame"].as_u64(), Some(n), "frame number: {line}");
        }
    }
    if frame.is_some() {
        assert_eq!(s.lines().count(), 1, "one line per packet: {s:?}");
    }
}

fn timestamp(rng: &mut Rng, clock: &mut Timestamp) -> Timestamp {
    match rng.below(40) {
        0 => Timestamp::new(i64::MAX, 999_999_999),
        1 => Timestamp::new(i64::MIN, 0),
        2 => Timestamp::new(-(rng.below(1 << 40) as i64), rng.next() % 1_000_000_000),
        3 => Timestamp::new((rng.next() >> 1) as i64, rng.next() % 1_000_000_000),
        4 => Timestamp::new(clock.secs.saturating_sub(rng.below(100) as i64), 0), // backwards
        _ => {
            // Forwards, by up to a few seconds (so idle timeouts fire now and then).
            let step = if rng.chance(3) { 2_000_000_000 + rng.below(400_000_000_000) } else { rng.below(5_000_000) };
            *clock = Timestamp::new(clock.secs.saturating_add((step / 1_000_000_000) as i64), u64::from(clock.nanos) + (step % 1_000_000_000) as u64);
            *clock
        }
    }
}

#[test]
fn mutated_packets_through_decode_and_every_view() {
    with_watchdog("packets", || {
        let seeds = seed_packets();
        let mut rng = Rng::new(SEED);
        let mut data = Vec::with_capacity(1 << 16);
        let mut buf = Vec::with_capacity(1 << 16);
        let packets = PACKETS * scale();
        let per_round = packets / ROUNDS;
        let mut done = 0usize;
        for round in 0..ROUNDS {
            let mut views = Views::new();
            let mut clock = Timestamp::new(1_795_459_097, 0);
            for case in 0..per_round {
                let seed = &seeds[rng.below(seeds.len())];
                data.clear();
                data.extend_from_slice(&seed.data);
                if !rng.chance(5) {
                    mutate(&mut rng, &seeds, &mut data);
                }
                let linktype = if rng.chance(15) {
                    LinkType(if rng.chance(80) { rng.pick(&LINKTYPES) } else { rng.next() as u16 })
                } else {
                    seed.linktype
                };
                let len = match rng.below(20) {
                    0 => 0,
                    1 => u32::MAX,
                    2 => (data.len() as u32).saturating_sub(1 + rng.below(40) as u32),
                    3 => rng.next() as u32,
                    _ => (data.len() as u32).max(seed.len.saturating_add(data.len() as u32).saturating_sub(seed.data.len() as u32)),
                };
                let frame = Frame {
                    ts: timestamp(&mut rng, &mut clock),
                    len,
                    linktype,
                    data: &data,
                    interface: rng.below(3) as u32,
                    precision: if rng.chance(50) { TsPrecision::Micro } else { TsPrecision::Nano },
                };
                let number = (case + 1) as u64;
                let res = catch_unwind(AssertUnwindSafe(|| {
                    let pkt = decode(&frame, number);
                    views.packet(&pkt, &mut buf);
                }));
                if let Err(e) = res {
                    eprintln!(
                        "REPRODUCER: seed {SEED:#x} round {round} case {case}: linktype {} len {} ts {:?} data {}",
                        linktype.0,
                        len,
                        frame.ts,
                        hex(&data)
                    );
                    std::panic::resume_unwind(e);
                }
                done += 1;
            }
            let res = catch_unwind(AssertUnwindSafe(|| views.finish(&mut buf)));
            if let Err(e) = res {
                eprintln!("REPRODUCER: seed {SEED:#x} round {round}: the end-of-input reports panicked");
                std::panic::resume_unwind(e);
            }
        }
        assert_eq!(done, packets);
    });
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Hands out the bytes a few at a time (as a pipe would), and optionally fails after `fail_at`.
struct Chunky<'a> {
    data: &'a [u8],
    pos: usize,
    rng: Rng,
    fail_at: Option<usize>,
}

impl Read for Chunky<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.fail_at.is_some_and(|f| self.pos >= f) {
            return Err(io::Error::other("the disk went away"));
        }
        let limit = self.fail_at.unwrap_or(self.data.len()).min(self.data.len());
        let n = (1 + self.rng.below(4096)).min(out.len()).min(limit - self.pos);
        out[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn rd32(b: &[u8], at: usize, big: bool) -> Option<u32> {
    let x: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(if big { u32::from_be_bytes(x) } else { u32::from_le_bytes(x) })
}

fn wr32(b: &mut [u8], at: usize, v: u32, big: bool) {
    if let Some(s) = b.get_mut(at..at + 4) {
        s.copy_from_slice(&if big { v.to_be_bytes() } else { v.to_le_bytes() });
    }
}

/// Offsets of the records (pcap) or blocks (pcapng) of a well-formed file, and its byte order.
fn structure(b: &[u8]) -> (bool, bool, Vec<usize>) {
    let mut at = Vec::new();
    if b.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]) {
        let big = b.get(8..12) == Some(&[0x1a, 0x2b, 0x3c, 0x4d]);
        let mut p = 0;
        while let Some(total) = rd32(b, p + 4, big) {
            at.push(p);
            if total < 12 {
                break;
            }
            p += total as usize;
        }
        (true, big, at)
    } else {
        let big = b.starts_with(&[0xa1, 0xb2]);
        let mut p = 24;
        while let Some(caplen) = rd32(b, p + 8, big) {
            at.push(p);
            p += 16 + caplen as usize;
        }
        (false, big, at)
    }
}

const U32S: [u32; 14] = [0, 1, 4, 8, 12, 13, 16, 28, 32, 0x7fff_ffff, 0xffff_ffff, 16 * 1024 * 1024 + 1, 0x0a0d0d0a, 0x8000_0001];

fn mutate_file(rng: &mut Rng, b: &mut Vec<u8>) {
    let (ng, big, blocks) = structure(b);
    for _ in 0..1 + rng.below(3) {
        let block = if blocks.is_empty() { 0 } else { blocks[rng.below(blocks.len())] };
        let v = if rng.chance(70) { rng.pick(&U32S) } else { rng.next() as u32 };
        match rng.below(12) {
            0 => b.truncate(rng.below(b.len() + 1)),
            1 => {
                // Flip a byte in the file header.
                let p = rng.below(b.len().clamp(1, 64));
                if let Some(x) = b.get_mut(p) {
                    *x ^= 1 << rng.below(8);
                }
            }
            2 => {
                let p = rng.below(b.len().max(1)) & !3;
                wr32(b, p, v, rng.chance(50));
            }
            // pcapng: block type, total length, trailing length, interface id / caplen.
            3 if ng => wr32(b, block, if rng.chance(50) { rng.pick(&[1, 2, 3, 4, 5, 6, 0x0a0d0d0a, 0xbad, 0x40000bad]) } else { v }, big),
            4 if ng => wr32(b, block + 4, v, big),
            5 if ng => {
                if let Some(total) = rd32(b, block + 4, big) {
                    wr32(b, block + (total as usize).saturating_sub(4), v, big);
                }
            }
            6 if ng => wr32(b, block + 8, if rng.chance(60) { rng.below(6) as u32 } else { v }, big),
            7 if ng => wr32(b, block + 20, v, big),
            8 if ng => {
                // An option inside the block: code, length, or an if_tsresol/if_tsoffset value.
                let p = block + 8 + (rng.below(40) & !3);
                match rng.below(3) {
                    0 => wr32(b, p, (v & 0xffff) | (9 << if big { 16 } else { 0 }), big),
                    1 => wr32(b, p, rng.pick(&[0x0009_0001u32, 0x000e_0008, 0x0002_ffff, 0xffff_0000]), big),
                    _ => {
                        if let Some(x) = b.get_mut(p) {
                            *x = rng.pick(&[0x00, 0x06, 0x09, 0x13, 0x14, 0x3f, 0x40, 0x7f, 0x80, 0x8a, 0xbf, 0xff]);
                        }
                    }
                }
            }
            // pcap: caplen, len, timestamps, header fields.
            3 | 4 => wr32(b, block + 8, v, big),
            5 => wr32(b, block + 12, v, big),
            6 => wr32(b, block + 4, v, big),
            7 => wr32(b, 20, v, big),
            8 => wr32(b, 4, v, big),
            9 => {
                // Duplicate or drop a record/block.
                if let Some(&s) = blocks.get(rng.below(blocks.len().max(1))) {
                    let e = blocks.iter().copied().find(|&x| x > s).unwrap_or(b.len()).min(b.len());
                    let s = s.min(e);
                    let chunk = b[s..e].to_vec();
                    if rng.chance(50) {
                        b.splice(s..s, chunk);
                    } else {
                        b.drain(s..e);
                    }
                }
            }
            _ => {
                let p = rng.below(b.len().max(1));
                if let Some(x) = b.get_mut(p) {
                    *x = rng.next() as u8;
                }
            }
        }
    }
}

/// Reads a whole (mutated) file the way `-r` does, decoding and printing every frame.
/// Returns the frames read and the error that ended the read, if any.
fn read_all(name: &str, bytes: &[u8], rng: &mut Rng, fail_at: Option<usize>) -> (u64, Option<CaptureError>) {
    let reader = Chunky { data: bytes, pos: 0, rng: Rng::new(rng.next()), fail_at };
    let mut fr = match FileReader::new(name, reader) {
        Ok(f) => f,
        Err(e) => return (0, Some(e)),
    };
    let mut line = LineView::new(LineOptions { verbose: 1, link: true, ..LineOptions::default() });
    let mut json = JsonView::new();
    let mut tracker = Tracker::new(TrackerConfig { records: true, stats: true, ..TrackerConfig::default() });
    let mut buf = Vec::new();
    let mut frames = 0u64;
    // A reader that makes no progress would loop; every record takes at least 12 bytes.
    let limit = bytes.len() as u64 / 12 + 2;
    let err = loop {
        match fr.next_frame() {
            Ok(Some(f)) => {
                frames += 1;
                assert!(frames <= limit, "{name}: {frames} frames out of {} bytes: the reader does not advance", bytes.len());
                assert!(f.data.len() <= portlens::capture::file::MAX_RECORD, "{name}: a frame beyond the record limit");
                let pkt = decode(&f, frames);
                let note = tracker.observe(&pkt);
                buf.clear();
                line.packet(&mut buf, &pkt, &note).expect("line");
                check_text(&buf, false, "line view of a file");
                buf.clear();
                json.packet(&mut buf, &pkt, &note).expect("json");
                check_json(&buf, Some(frames));
            }
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    if err.is_some() {
        // Asking again after an error must not panic either.
        let _ = fr.next_frame();
    }
    let _ = tracker.finish();
    (frames, err)
}

fn check_error(name: &str, e: &CaptureError) {
    let text = e.to_string();
    assert!(text.contains(name), "the message names the file: {text}");
    assert!(
        matches!(
            e,
            CaptureError::Io { .. }
                | CaptureError::NotCapture { .. }
                | CaptureError::Corrupt { .. }
                | CaptureError::Truncated { .. }
        ),
        "a file read fails with a file error: {e:?}"
    );
}

#[test]
fn mutated_files_through_the_reader() {
    with_watchdog("files", || {
        let files = fixture_files();
        let mut rng = Rng::new(SEED ^ 0xf11e);
        let mut errors = 0u64;
        let mut frames = 0u64;
        let mut kinds = std::collections::BTreeMap::new();
        for (name, original) in &files {
            // The fixture itself reads (a truncated fixture ends with a truncation error).
            let (n, err) = read_all(name, original, &mut rng, None);
            if let Some(e) = &err {
                check_error(name, e);
                assert!(name.contains("trunc") || name.contains("unknown"), "{name} should read cleanly: {e}");
            }
            frames += n;
            // A read error part-way through is an I/O error (unless the file broke first).
            if original.len() > 40 {
                let at = 24 + rng.below(original.len() - 24);
                let (_, err) = read_all(name, original, &mut rng, Some(at));
                let e = err.unwrap_or_else(|| panic!("{name}: a failing reader at byte {at} must be an error"));
                check_error(name, &e);
                if !name.contains("trunc") {
                    assert!(matches!(e, CaptureError::Io { .. }), "{name}: a read error is an I/O error: {e:?}");
                }
            }
            let mut bytes = Vec::new();
            for case in 0..FILE_MUTATIONS * scale() {
                bytes.clear();
                bytes.extend_from_slice(original);
                mutate_file(&mut rng, &mut bytes);
                let res = catch_unwind(AssertUnwindSafe(|| read_all(name, &bytes, &mut rng, None)));
                match res {
                    Ok((n, err)) => {
                        frames += n;
                        if let Some(e) = err {
                            check_error(name, &e);
                            errors += 1;
                            *kinds.entry(format!("{e:?}").split([' ', '{']).next().unwrap_or("").to_string()).or_insert(0u64) += 1;
                        }
                    }
                    Err(p) => {
                        eprintln!("REPRODUCER: seed {:#x} file {name} case {case}: {}", SEED ^ 0xf11e, hex(&bytes));
                        std::panic::resume_unwind(p);
                    }
                }
            }
        }
        // The mutations reach both the error paths and the packets.
        eprintln!("mutated files: {frames} frames read; errors by kind: {kinds:?}");
        for kind in ["NotCapture", "Corrupt", "Truncated"] {
            assert!(kinds.get(kind).is_some_and(|&n| n > 10), "mutations reach {kind} errors: {kinds:?}");
        }
        assert!(errors > 100, "mutations found errors: {errors}");
        assert!(frames > 1000, "mutated files still yield packets: {frames}");
    });
}

#[test]
fn empty_and_tiny_inputs_are_not_captures() {
    for bytes in [&b""[..], b"\xd4", b"\xd4\xc3\xb2", b"\xd4\xc3\xb2\xa1", b"\x0a\x0d\x0d\x0a", b"hello world\n"] {
        let mut rng = Rng::new(7);
        let (n, err) = read_all("tiny", bytes, &mut rng, None);
        assert_eq!(n, 0);
        let e = err.unwrap_or_else(|| panic!("{bytes:?} is not a capture"));
        check_error("tiny", &e);
        assert!(!matches!(e, CaptureError::Io { .. }), "{e:?}");
    }
    // A valid header with no packets is a valid, empty capture.
    let mut hdr = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
    hdr.extend_from_slice(&[0; 8]);
    hdr.extend_from_slice(&65535u32.to_le_bytes());
    hdr.extend_from_slice(&1u32.to_le_bytes());
    let (n, err) = read_all("empty", &hdr, &mut Rng::new(3), None);
    assert_eq!((n, err.map(|e| e.to_string())), (0, None));
}

/// Sanity for the generator itself: the same seed gives the same stream.
#[test]
fn the_generator_is_reproducible() {
    let a: Vec<u64> = { let mut r = Rng::new(SEED); (0..5).map(|_| r.next()).collect() };
    let b: Vec<u64> = { let mut r = Rng::new(SEED); (0..5).map(|_| r.next()).collect() };
    assert_eq!(a, b);
    assert_ne!(a[0], a[1]);
}
