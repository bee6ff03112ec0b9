//! The words people read for measured values and the tracker's events: durations (`41µs`,
//! `1.52ms`), byte counts (`3.1 kB`), `handshake 1/3`, `established, rtt 41µs`. Formatting
//! for people belongs to `render`; the model keeps only the values and short identifiers.

use std::fmt;

use crate::i18n::Tr;
use crate::model::flow::{Analysis, TcpEvent};
use crate::vocab::Language;

/// The text of the common events without formatting (they are printed on most TCP lines);
/// `None` for the ones that carry a measured value.
pub fn event_static_text(ev: TcpEvent) -> Option<&'static str> {
    Some(match ev {
        TcpEvent::Handshake { step: 1 } => "handshake 1/3",
        TcpEvent::Handshake { step: 2 } => "handshake 2/3",
        TcpEvent::Close { first: 1, last: 1 } => "close 1/4",
        TcpEvent::Close { first: 2, last: 2 } => "close 2/4",
        TcpEvent::Close { first: 2, last: 3 } => "close 2+3/4",
        TcpEvent::Close { first: 3, last: 3 } => "close 3/4",
        TcpEvent::Close { first: 4, last: 4 } => "close 4/4",
        TcpEvent::Reset => "reset",
        TcpEvent::Refused => "refused",
        TcpEvent::RstIgnored => "RST ignored (out of window)",
        TcpEvent::Established { rtt_nanos: None } => "established",
        _ => return None,
    })
}

/// A tracker event as people read it: `handshake 1/3`, `established, rtt 41µs`, `close 2+3/4`.
#[derive(Clone, Copy, Debug)]
pub struct EventText(pub TcpEvent);

impl fmt::Display for EventText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(t) = event_static_text(self.0) {
            return f.write_str(t);
        }
        match self.0 {
            TcpEvent::Handshake { step } => write!(f, "handshake {step}/3"),
            TcpEvent::SynRetry { n, after_nanos } => {
                write!(f, "handshake 1/3, SYN retry {n} after ")?;
                fmt_duration(f, after_nanos)
            }
            TcpEvent::PortReuse => f.write_str("handshake 1/3, port reuse: 4-tuple still in TIME_WAIT"),
            TcpEvent::SimultaneousOpen => f.write_str("handshake 1/3, simultaneous open"),
            TcpEvent::Established { rtt_nanos: Some(n) } => {
                f.write_str("established, rtt ")?;
                fmt_duration(f, n)
            }
            TcpEvent::Established { rtt_nanos: None } => f.write_str("established"),
            TcpEvent::Close { first, last } if last > first => write!(f, "close {first}+{last}/4"),
            TcpEvent::Close { first, .. } => write!(f, "close {first}/4"),
            TcpEvent::Reset => f.write_str("reset"),
            TcpEvent::Refused => f.write_str("refused"),
            TcpEvent::RstIgnored => f.write_str("RST ignored (out of window)"),
        }
    }
}

/// A tracker event in the reader's language: [`EventText`] in English, the lesson's terms in
/// Korean (`3-way 핸드셰이크 1/3`, `4-way 종료 2+3/4`).
#[derive(Clone, Copy, Debug)]
pub struct EventIn(pub TcpEvent, pub Tr);

impl fmt::Display for EventIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tr = self.1;
        if tr.0 == Language::En {
            return EventText(self.0).fmt(f);
        }
        if let Some(t) = event_static_text(self.0) {
            return f.write_str(tr.s(t));
        }
        match self.0 {
            TcpEvent::Handshake { step } => f.write_str(&tr.f("handshake {step}/3", &[("step", &step)])),
            TcpEvent::SynRetry { n, after_nanos } => f.write_str(&tr.f(
                "handshake 1/3, SYN retry {n} after {after}",
                &[("n", &n), ("after", &duration_string(after_nanos))],
            )),
            TcpEvent::PortReuse => f.write_str(tr.s("handshake 1/3, port reuse: 4-tuple still in TIME_WAIT")),
            TcpEvent::SimultaneousOpen => f.write_str(tr.s("handshake 1/3, simultaneous open")),
            TcpEvent::Established { rtt_nanos: Some(n) } => {
                f.write_str(&tr.f("established, rtt {rtt}", &[("rtt", &duration_string(n))]))
            }
            TcpEvent::Close { first, last } if last > first => {
                f.write_str(&tr.f("close {first}+{last}/4", &[("first", &first), ("last", &last)]))
            }
            TcpEvent::Close { first, .. } => f.write_str(&tr.f("close {first}/4", &[("first", &first)])),
            other => EventText(other).fmt(f),
        }
    }
}

/// tshark's sequence-analysis verdicts in the words the line view and the ladder print, in
/// the order of [`Analysis::NAMES`] (tshark's `[TCP Retransmission]` … in lower case).
pub const ANALYSIS_WORDS: [&str; 14] = [
    "retransmission",
    "fast retransmission",
    "spurious retransmission",
    "out-of-order",
    "previous segment not captured",
    "ACKed unseen segment",
    "dup ACK",
    "zero window",
    "zero-window probe",
    "zero-window probe ACK",
    "window full",
    "window update",
    "keep-alive",
    "keep-alive ACK",
];

/// Writes a segment's verdicts as people read them, joined by `, ` (`dup ACK #3`,
/// `retransmission, window full`); nothing when there are none.
pub fn fmt_analysis(f: &mut dyn fmt::Write, a: Analysis, dup_ack: u32) -> fmt::Result {
    fmt_analysis_in(f, a, dup_ack, Tr(Language::En))
}

/// [`fmt_analysis`] in the reader's language (`중복 ACK #3`).
pub fn fmt_analysis_in(f: &mut dyn fmt::Write, a: Analysis, dup_ack: u32, tr: Tr) -> fmt::Result {
    let mut first = true;
    for (i, word) in ANALYSIS_WORDS.iter().enumerate() {
        if a.0 & (1 << i) == 0 {
            continue;
        }
        if !first {
            f.write_str(", ")?;
        }
        first = false;
        f.write_str(tr.s(word))?;
        if a.0 & (1 << i) == Analysis::DUPLICATE_ACK && dup_ack > 0 {
            f.write_str(" #")?;
            f.write_str(itoa::Buffer::new().format(dup_ack))?;
        }
    }
    Ok(())
}

/// Writes a duration the way people read it: `41µs`, `1.52ms`, `2.003s`.
pub fn fmt_duration(f: &mut dyn fmt::Write, nanos: u64) -> fmt::Result {
    // (whole units, fraction, digits of the fraction, unit); written without the `fmt`
    // machinery, since a connection table formats two durations per row.
    let (whole, frac, digits, unit) = if nanos < 1_000 {
        (nanos, 0, 0, "ns")
    } else if nanos < 1_000_000 {
        (nanos / 1_000, 0, 0, "µs")
    } else if nanos < 1_000_000_000 {
        let us = nanos / 1_000;
        (us / 1_000, (us % 1_000) / 10, 2, "ms")
    } else {
        let ms = nanos / 1_000_000;
        (ms / 1_000, ms % 1_000, 3, "s")
    };
    decimal(f, whole, frac, digits)?;
    f.write_str(unit)
}

/// Writes `whole`, and when `digits` > 0 a point and `frac` zero-padded to `digits` digits.
fn decimal(f: &mut dyn fmt::Write, whole: u64, frac: u64, digits: usize) -> fmt::Result {
    let mut b = itoa::Buffer::new();
    f.write_str(b.format(whole))?;
    if digits > 0 {
        let t = b.format(frac);
        f.write_str(".")?;
        for _ in t.len()..digits {
            f.write_str("0")?;
        }
        f.write_str(t)?;
    }
    Ok(())
}

/// A duration as a `String` (tables, not the hot path).
pub fn duration_string(nanos: u64) -> String {
    let mut s = String::new();
    let _ = fmt_duration(&mut s, nanos);
    s
}

/// Writes a byte count the way people read it: `640 B`, `3.1 kB`, `12.4 MB` (powers of 1000).
pub fn fmt_bytes(f: &mut dyn fmt::Write, n: u64) -> fmt::Result {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if n < 1_000 {
        decimal(f, n, 0, 0)?;
        return f.write_str(" B");
    }
    let mut scaled = n;
    let mut unit = 0;
    // Keep one decimal: work in tenths of the unit.
    while scaled >= 1_000_000 && unit + 1 < UNITS.len() {
        scaled /= 1_000;
        unit += 1;
    }
    let tenths = (scaled + 50) / 100;
    decimal(f, tenths / 10, tenths % 10, 1)?;
    f.write_str(" ")?;
    f.write_str(UNITS.get(unit).copied().unwrap_or("PB"))
}

/// A byte count as a `String`.
pub fn bytes_string(n: u64) -> String {
    let mut s = String::new();
    let _ = fmt_bytes(&mut s, n);
    s
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    #[test]
    fn every_event_and_verdict_has_korean() {
        for w in ANALYSIS_WORDS {
            assert!(crate::i18n::korean(w).is_some(), "{w}");
        }
        let tr = Tr(Language::Ko);
        for e in [
            TcpEvent::Handshake { step: 1 },
            TcpEvent::Handshake { step: 2 },
            TcpEvent::Close { first: 1, last: 1 },
            TcpEvent::Close { first: 2, last: 3 },
            TcpEvent::Close { first: 4, last: 4 },
            TcpEvent::Reset,
            TcpEvent::Refused,
            TcpEvent::RstIgnored,
            TcpEvent::Established { rtt_nanos: None },
            TcpEvent::Established { rtt_nanos: Some(41_000) },
            TcpEvent::SynRetry { n: 2, after_nanos: 2_016_000_000 },
            TcpEvent::PortReuse,
            TcpEvent::SimultaneousOpen,
        ] {
            if let Some(t) = event_static_text(e) {
                assert!(crate::i18n::korean(t).is_some(), "{t}");
            }
            let k = EventIn(e, tr).to_string();
            assert!(!k.is_empty() && k != EventText(e).to_string(), "{e:?}: {k}");
        }
        assert_eq!(EventIn(TcpEvent::Close { first: 2, last: 3 }, tr).to_string(), "4-way 종료 2+3/4");
        assert_eq!(EventIn(TcpEvent::Handshake { step: 1 }, tr).to_string(), "3-way 핸드셰이크 1/3");
        let mut s = String::new();
        fmt_analysis_in(&mut s, Analysis(Analysis::DUPLICATE_ACK), 3, tr).unwrap();
        assert_eq!(s, "중복 ACK #3");
    }

    use super::*;

    #[test]
    fn events_read_as_the_spec_writes_them() {
        let t = |e| EventText(e).to_string();
        assert_eq!(t(TcpEvent::Handshake { step: 1 }), "handshake 1/3");
        assert_eq!(t(TcpEvent::Established { rtt_nanos: Some(41_000) }), "established, rtt 41µs");
        assert_eq!(t(TcpEvent::Close { first: 1, last: 1 }), "close 1/4");
        assert_eq!(t(TcpEvent::Close { first: 2, last: 3 }), "close 2+3/4");
        assert_eq!(t(TcpEvent::Refused), "refused");
        assert_eq!(t(TcpEvent::SynRetry { n: 2, after_nanos: 2_016_000_000 }), "handshake 1/3, SYN retry 2 after 2.016s");
    }

    #[test]
    fn static_text_is_what_display_would_print() {
        let events = [
            TcpEvent::Handshake { step: 1 },
            TcpEvent::Handshake { step: 2 },
            TcpEvent::Close { first: 1, last: 1 },
            TcpEvent::Close { first: 2, last: 2 },
            TcpEvent::Close { first: 2, last: 3 },
            TcpEvent::Close { first: 3, last: 3 },
            TcpEvent::Close { first: 4, last: 4 },
            TcpEvent::Reset,
            TcpEvent::Refused,
            TcpEvent::Established { rtt_nanos: None },
        ];
        for e in events {
            let general = match e {
                TcpEvent::Handshake { step } => format!("handshake {step}/3"),
                TcpEvent::Close { first, last } if last > first => format!("close {first}+{last}/4"),
                TcpEvent::Close { first, .. } => format!("close {first}/4"),
                TcpEvent::Reset => "reset".into(),
                TcpEvent::Refused => "refused".into(),
                _ => "established".into(),
            };
            assert_eq!(event_static_text(e), Some(general.as_str()));
            assert_eq!(EventText(e).to_string(), general);
        }
    }

    #[test]
    fn analysis_words_follow_the_bit_order_of_the_names() {
        let mut s = String::new();
        fmt_analysis(&mut s, Analysis(Analysis::RETRANSMISSION | Analysis::WINDOW_FULL), 0).unwrap();
        assert_eq!(s, "retransmission, window full");
        s.clear();
        fmt_analysis(&mut s, Analysis(Analysis::DUPLICATE_ACK), 3).unwrap();
        assert_eq!(s, "dup ACK #3");
        assert_eq!(ANALYSIS_WORDS.len(), Analysis::NAMES.len());
        for (i, (bit, _)) in Analysis::NAMES.iter().enumerate() {
            assert_eq!(*bit, 1 << i);
        }
    }

    #[test]
    fn bytes_are_rounded_to_one_decimal() {
        assert_eq!(bytes_string(999), "999 B");
        assert_eq!(bytes_string(3_140), "3.1 kB");
        assert_eq!(bytes_string(3_160), "3.2 kB");
        assert_eq!(bytes_string(1_000), "1.0 kB");
        assert_eq!(bytes_string(0), "0 B");
        assert_eq!(bytes_string(999_949), "999.9 kB");
        assert_eq!(bytes_string(12_400_000), "12.4 MB");
        assert_eq!(bytes_string(u64::MAX), "18446.7 PB");
    }

    #[test]
    fn durations() {
        assert_eq!(duration_string(999), "999ns");
        assert_eq!(duration_string(41_999), "41µs");
        assert_eq!(duration_string(1_520_000), "1.52ms");
        assert_eq!(duration_string(2_003_000_000), "2.003s");
        // Fractions keep their leading zeros.
        assert_eq!(duration_string(1_000), "1µs");
        assert_eq!(duration_string(1_009_000), "1.00ms");
        assert_eq!(duration_string(1_050_000), "1.05ms");
        assert_eq!(duration_string(2_000_000_000), "2.000s");
        assert_eq!(duration_string(3_070_000_000), "3.070s");
        assert_eq!(duration_string(3_007_999_999), "3.007s");
    }
}
