//! What the fuzz targets run, as plain functions: so both targets share the checks, and a
//! crash file can be replayed with any toolchain (`cargo +stable run` of a small caller, or
//! `cargo fuzz run TARGET artifacts/TARGET/crash-…`).
//!
//! The checks are the product's promises for hostile input: no panic, JSON output lines parse
//! as objects, and text output is UTF-8 without control characters a terminal would act on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use portlens::capture::FileReader;
use portlens::decode::decode;
use portlens::flow::{Tracker, TrackerConfig};
use portlens::model::{Frame, LinkType, Packet, Timestamp, TsPrecision};
use portlens::render::bits::BitsView;
use portlens::render::json::JsonView;
use portlens::render::ladder::{LadderOptions, LadderView};
use portlens::render::line::{LineOptions, LineView};
use portlens::render::{PacketView, flows, stats};
use portlens::vocab::{HexMode, Language, TsStyle};

/// Text is UTF-8 without control characters other than `\n`, `\t` (and colour escapes when
/// colour is on).
pub fn check_text(buf: &[u8], color: bool) {
    let s = std::str::from_utf8(buf).expect("text output is UTF-8");
    for c in s.chars() {
        assert!(
            c == '\n' || c == '\t' || (color && c == '\u{1b}') || !c.is_control(),
            "control character {c:?} in {s:?}"
        );
    }
}

/// Every line is a JSON object.
pub fn check_json(buf: &[u8]) {
    let s = std::str::from_utf8(buf).expect("JSON output is UTF-8");
    for line in s.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v.is_object(), "not an object: {line}");
    }
}

/// The views of one run, fed packet by packet.
struct Views {
    tracker: Tracker,
    lines: Vec<LineView>,
    json: JsonView,
    other: Vec<(Box<dyn PacketView>, bool)>,
    buf: Vec<u8>,
    services: bool,
}

impl Views {
    /// `stats`: count ports too (`--stats`; its table is large, so only some inputs ask for it,
    /// or the fuzzer would spend its time clearing memory).
    fn new(flags: u8, flags2: u8, stats: bool) -> Views {
        let services = flags2 & 0x40 == 0;
        let lang = if flags2 & 16 != 0 { Language::Ko } else { Language::En };
        let opts = LineOptions {
            verbose: flags & 3,
            link: flags & 4 != 0,
            hex: if flags & 8 != 0 { HexMode::Hex { link: flags & 16 != 0, ascii: flags & 16 != 0 } } else { HexMode::None },
            ts: TsStyle::from_count(flags >> 5),
            nano: flags2 & 1 != 0,
            absolute_seq: flags2 & 0x20 != 0,
            services,
            quiet: flags2 & 0x80 != 0,
            number: flags2 & 2 != 0,
            lang,
        };
        let plain = LineOptions { services: true, ..LineOptions::default() };
        let loud = LineOptions {
            verbose: 3,
            link: true,
            hex: HexMode::Hex { link: true, ascii: true },
            number: true,
            ts: TsStyle::Delta,
            ..plain
        };
        let color = flags2 & 8 != 0;
        Views {
            tracker: Tracker::new(TrackerConfig {
                max_flows: 16,
                idle_timeout_secs: 60,
                records: true,
                stats,
            }),
            lines: vec![LineView::new(plain), LineView::new(loud), LineView::new(opts)],
            json: JsonView::new(),
            other: vec![
                (Box::new(BitsView::new(opts, color, lang)), color),
                (Box::new(BitsView::new(LineOptions { verbose: 1, ..opts }, false, Language::En)), false),
                (
                    Box::new(LadderView::new(LadderOptions {
                        services,
                        absolute_seq: opts.absolute_seq,
                        max_open: 4,
                        idle_timeout_secs: 30,
                        head_steps: 3,
                        tail_steps: 2,
                        max_steps: 8,
                        lang,
                    })),
                    false,
                ),
            ],
            buf: Vec::new(),
            services,
        }
    }

    fn packet(&mut self, pkt: &Packet<'_>) {
        let note = self.tracker.observe(pkt);
        for v in &mut self.lines {
            self.buf.clear();
            v.packet(&mut self.buf, pkt, &note).expect("write to Vec");
            check_text(&self.buf, false);
        }
        self.buf.clear();
        self.json.packet(&mut self.buf, pkt, &note).expect("write to Vec");
        check_json(&self.buf);
        for (v, color) in &mut self.other {
            self.buf.clear();
            v.packet(&mut self.buf, pkt, &note).expect("write to Vec");
            check_text(&self.buf, *color);
        }
    }

    fn finish(mut self) {
        for (v, color) in &mut self.other {
            self.buf.clear();
            v.finish(&mut self.buf).expect("write to Vec");
            check_text(&self.buf, *color);
        }
        let report = self.tracker.finish();
        let fo = flows::FlowsOptions { services: self.services, ..Default::default() };
        self.buf.clear();
        flows::write_text(&mut self.buf, &report, &fo).expect("write to Vec");
        check_text(&self.buf, false);
        self.buf.clear();
        flows::write_json(&mut self.buf, &report, &fo, true).expect("write to Vec");
        check_json(&self.buf);
        if let Some(st) = self.tracker.stats() {
            let so = stats::StatsOptions { services: self.services, ..Default::default() };
            self.buf.clear();
            stats::write_text(&mut self.buf, &st, &so).expect("write to Vec");
            check_text(&self.buf, false);
            self.buf.clear();
            stats::write_json(&mut self.buf, &st, &so).expect("write to Vec");
            check_json(&self.buf);
        }
    }
}

/// Target `decode_render`. Input: link type (2 bytes, big-endian; the top bit asks for the
/// `--stats` counters as well), view flags (1 byte: bits 0–1
/// `-v` count, bit 2 `-e`, bit 3 hex, bit 4 hex of the whole frame with ASCII, bits 5–7 the
/// `-t` count), more flags (1 byte: bit 0 ns precision, bit 1 `-#`, bit 2 wire length shorter
/// than captured, bit 3 colour, bit 4 Korean, bit 5 `-S`, bit 6 `-nn`, bit 7 `-q`), then
/// packets, each as length (2 bytes, big-endian; the last one takes what is left), time step
/// (1 byte: 10 ms units; 255 steps back a second, 254 jumps 400 s ahead) and the bytes.
pub fn decode_render(data: &[u8]) {
    let [lt0, lt1, flags, flags2, rest @ ..] = data else { return };
    let linktype = LinkType(u16::from_be_bytes([*lt0, *lt1]));
    // --stats when the link type's top bit is set (no link type number uses it).
    let linktype = LinkType(linktype.0 & 0x7fff);
    let mut views = Views::new(*flags, *flags2, *lt0 & 0x80 != 0);
    let mut clock = Timestamp::new(1_795_459_097, 0);
    let mut rest = rest;
    let mut number = 0u64;
    while let [l0, l1, step, tail @ ..] = rest {
        let n = usize::from(u16::from_be_bytes([*l0, *l1])).min(tail.len());
        let (bytes, next) = tail.split_at(n);
        rest = next;
        clock = match step {
            255 => Timestamp::new(clock.secs - 1, u64::from(clock.nanos)),
            254 => Timestamp::new(clock.secs + 400, u64::from(clock.nanos)),
            s => Timestamp::new(clock.secs, u64::from(clock.nanos) + u64::from(*s) * 10_000_000),
        };
        let len = if flags2 & 4 != 0 {
            (bytes.len() as u32).saturating_sub(u32::from(*step % 8))
        } else {
            bytes.len() as u32 + u32::from(*step) * 97
        };
        number += 1;
        let frame = Frame {
            ts: clock,
            len,
            linktype,
            data: bytes,
            interface: 0,
            precision: if flags2 & 1 != 0 { TsPrecision::Nano } else { TsPrecision::Micro },
        };
        let pkt = decode(&frame, number);
        views.packet(&pkt);
    }
    views.finish();
}

/// Target `file_reader`: the input is a capture file.
pub fn file_reader(data: &[u8]) {
    let Ok(mut r) = FileReader::new("fuzz.pcap", data) else { return };
    let mut views = Views::new(0b0001_1101, 0, false);
    let limit = data.len() as u64 / 12 + 2;
    let mut n = 0u64;
    loop {
        match r.next_frame() {
            Ok(Some(f)) => {
                n += 1;
                assert!(n <= limit, "{n} frames from {} bytes: the reader does not advance", data.len());
                let pkt = decode(&f, n);
                views.packet(&pkt);
            }
            Ok(None) => break,
            Err(e) => {
                assert!(!e.to_string().is_empty());
                let _ = r.next_frame();
                break;
            }
        }
    }
    views.finish();
}
