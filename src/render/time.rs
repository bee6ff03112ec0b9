//! Timestamps as tcpdump prints them (`-t` … `-ttttt`) and as RFC 3339 UTC for JSON.
//!
//! Calendar arithmetic is done here (days → civil date), so years past 2038 and 2106 print
//! correctly; the local-time offset comes from the system time zone (honouring `TZ`) and is
//! cached per hour, so printing a timestamp costs no system call per packet.

use std::io::{self, Write};

use chrono::{Local, Offset, TimeZone};

use crate::model::{Timestamp, TsPrecision};
use crate::vocab::TsStyle;

/// What the local-time offset is read from, when it is first needed (after the sandbox, which
/// must leave these readable): the time zone database (`TZDIR`, else `/usr/share/zoneinfo`),
/// `/etc/localtime`, and a file named by `TZ`.
pub fn files_read_later() -> Vec<std::path::PathBuf> {
    let mut v: Vec<std::path::PathBuf> = vec![
        std::env::var_os("TZDIR").map(Into::into).unwrap_or_else(|| "/usr/share/zoneinfo".into()),
        "/etc/localtime".into(),
    ];
    if let Some(tz) = std::env::var_os("TZ") {
        let tz = std::path::PathBuf::from(tz);
        let path = tz.to_str().and_then(|t| t.strip_prefix(':')).map(std::path::PathBuf::from).unwrap_or(tz);
        if path.is_absolute() {
            v.push(path);
        }
    }
    v
}

/// Prints timestamps in one style; remembers the first and previous packet for deltas.
#[derive(Debug, Default)]
pub struct Clock {
    style: TsStyle,
    first: Option<Timestamp>,
    prev: Option<Timestamp>,
    /// (start of the cached hour, UTC offset in seconds during it)
    offset_cache: Option<(i64, i64)>,
    /// Print nanoseconds (the source has them and the user asked with `--nano`).
    nano: bool,
    /// Text of the current second in the local-time styles.
    second: SecondCache,
}

impl Clock {
    /// A clock printing `style`; `nano` prints 9 fraction digits where the source has them.
    pub fn new(style: TsStyle, nano: bool) -> Clock {
        Clock { style, nano, ..Clock::default() }
    }

    /// The style.
    pub fn style(&self) -> TsStyle {
        self.style
    }

    fn local_offset(&mut self, secs: i64) -> i64 {
        let hour = secs.div_euclid(3600).saturating_mul(3600);
        if let Some((h, off)) = self.offset_cache {
            if h == hour {
                return off;
            }
        }
        let off = Local
            .timestamp_opt(secs, 0)
            .single()
            .map(|dt| i64::from(dt.offset().fix().local_minus_utc()))
            .unwrap_or(0);
        self.offset_cache = Some((hour, off));
        off
    }

    /// Writes the timestamp for a packet, followed by a space (nothing for `-t`).
    pub fn write<W: Write + ?Sized>(&mut self, w: &mut W, ts: Timestamp, p: TsPrecision) -> io::Result<()> {
        let digits = if self.nano && p == TsPrecision::Nano { 9 } else { 6 };
        match self.style {
            TsStyle::None => return Ok(()),
            TsStyle::Time | TsStyle::Date => {
                let with_date = self.style == TsStyle::Date;
                let offset = if self.second.secs == Some(ts.secs) { 0 } else { self.local_offset(ts.secs) };
                let local = ts.secs.saturating_add(offset);
                let head = self.second.get(ts.secs, |v| {
                    if with_date {
                        date(v, local.div_euclid(86_400))?;
                        v.write_all(b" ")?;
                    }
                    hms(v, local.rem_euclid(86_400))
                })?;
                // The second's text, the fraction and the space in one piece.
                let mut line = [0u8; 48];
                let mut f = [0u8; 10];
                let f = frac_text(&mut f, ts.nanos, digits);
                let n = head.len() + f.len();
                match line.get_mut(..n + 1) {
                    Some(dst) => {
                        dst.get_mut(..head.len()).unwrap_or(&mut []).copy_from_slice(head);
                        dst.get_mut(head.len()..n).unwrap_or(&mut []).copy_from_slice(f);
                        if let Some(sp) = dst.get_mut(n) {
                            *sp = b' ';
                        }
                        w.write_all(dst)?;
                    }
                    None => {
                        w.write_all(head)?;
                        w.write_all(f)?;
                        w.write_all(b" ")?;
                    }
                }
                if self.first.is_none() {
                    self.first = Some(ts);
                }
                self.prev = Some(ts);
                return Ok(());
            }
            TsStyle::Epoch => {
                write!(w, "{}", ts.secs)?;
                frac(w, ts.nanos, digits)?;
            }
            TsStyle::Delta | TsStyle::SinceFirst => {
                let base = if self.style == TsStyle::Delta { self.prev } else { self.first };
                let d = base.map(|b| ts.nanos_since(b)).unwrap_or(0);
                duration(w, d, digits)?;
            }
        }
        if self.first.is_none() {
            self.first = Some(ts);
        }
        self.prev = Some(ts);
        w.write_all(b" ")
    }
}

/// `HH:MM:SS` of a second-of-day.
fn hms<W: Write + ?Sized>(w: &mut W, sod: i64) -> io::Result<()> {
    let (h, m, s) = (sod / 3600, (sod / 60) % 60, sod % 60);
    two(w, h as u32)?;
    w.write_all(b":")?;
    two(w, m as u32)?;
    w.write_all(b":")?;
    two(w, s as u32)
}

#[inline]
fn two<W: Write + ?Sized>(w: &mut W, n: u32) -> io::Result<()> {
    w.write_all(&[b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8])
}

/// `.ffffff` or `.fffffffff`.
#[inline]
fn frac<W: Write + ?Sized>(w: &mut W, nanos: u32, digits: u32) -> io::Result<()> {
    let mut buf = [0u8; 10];
    w.write_all(frac_text(&mut buf, nanos, digits))
}

/// The two digits of 0–99.
#[allow(clippy::indexing_slicing)] // constant evaluation: checked when compiling
const PAIRS: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    t
};

/// `.ffffff` (`digits` 6: microseconds) or `.fffffffff` (9), written into `buf`, two digits
/// at a time.
#[inline]
fn frac_text(buf: &mut [u8; 10], nanos: u32, digits: u32) -> &[u8] {
    let pair = |n: u32| PAIRS.get((n % 100) as usize).copied().unwrap_or([b'0'; 2]);
    buf[0] = b'.';
    let v = if digits == 9 { nanos % 1_000_000_000 } else { nanos / 1000 % 1_000_000 };
    let (rest, at) = if digits == 9 {
        buf[1] = b'0' + (v / 100_000_000) as u8;
        (v % 100_000_000, 2)
    } else {
        (v, 1)
    };
    // The remaining 6 or 8 digits, most significant pair first.
    let pairs = if digits == 9 { 4 } else { 3 };
    let mut div = if digits == 9 { 1_000_000 } else { 10_000 };
    for k in 0..pairs {
        if let Some(d) = buf.get_mut(at + 2 * k..at + 2 * k + 2) {
            d.copy_from_slice(&pair(rest / div));
        }
        div /= 100;
    }
    buf.get(..=digits as usize).unwrap_or(&[])
}

/// A signed duration as `HH:MM:SS.ffffff` (tcpdump's delta format).
fn duration<W: Write + ?Sized>(w: &mut W, nanos: i128, digits: u32) -> io::Result<()> {
    if nanos < 0 {
        w.write_all(b"-")?;
    }
    let n = nanos.unsigned_abs();
    let secs = (n / 1_000_000_000) as u64;
    let sub = (n % 1_000_000_000) as u32;
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    if h < 100 {
        two(w, h as u32)?;
    } else {
        write!(w, "{h}")?;
    }
    w.write_all(b":")?;
    two(w, m as u32)?;
    w.write_all(b":")?;
    two(w, s as u32)?;
    frac(w, sub, digits)
}

/// Converts days since 1970-01-01 to (year, month, day) — Howard Hinnant's algorithm.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn date<W: Write + ?Sized>(w: &mut W, days: i64) -> io::Result<()> {
    let (y, m, d) = civil_from_days(days);
    if (0..10_000).contains(&y) {
        let y = y as u32;
        two(w, y / 100)?;
        two(w, y % 100)?;
    } else {
        write!(w, "{y}")?;
    }
    w.write_all(b"-")?;
    two(w, m)?;
    w.write_all(b"-")?;
    two(w, d)
}

/// Writes `2026-11-23T18:38:17.686702Z` (6 or 9 fraction digits by the source's precision).
pub fn rfc3339<W: Write + ?Sized>(w: &mut W, ts: Timestamp, p: TsPrecision) -> io::Result<()> {
    date(w, ts.secs.div_euclid(86_400))?;
    w.write_all(b"T")?;
    hms(w, ts.secs.rem_euclid(86_400))?;
    frac(w, ts.nanos, if p == TsPrecision::Nano { 9 } else { 6 })?;
    w.write_all(b"Z")
}

/// The first second RFC 3339 can write (0000-01-01T00:00:00Z) …
const RFC3339_MIN_SECS: i64 = -62_167_219_200;
/// … and the last (9999-12-31T23:59:59Z): RFC 3339 years have four digits.
const RFC3339_MAX_SECS: i64 = 253_402_300_799;

/// `ts` brought into the years RFC 3339 can write (0000–9999), and whether it had to be: a
/// capture's clock can say anything (a pcapng with a bad `if_tsoffset` reaches year 586524),
/// but an ISO date outside these years is refused by Elasticsearch, DuckDB and most parsers.
pub fn rfc3339_clamp(ts: Timestamp) -> (Timestamp, bool) {
    if ts.secs < RFC3339_MIN_SECS {
        (Timestamp { secs: RFC3339_MIN_SECS, nanos: 0 }, true)
    } else if ts.secs > RFC3339_MAX_SECS {
        (Timestamp { secs: RFC3339_MAX_SECS, nanos: 999_999_999 }, true)
    } else {
        (ts, false)
    }
}

/// Remembers the text of the last whole second, so that consecutive packets (a capture holds
/// thousands per second) only format their fraction.
#[derive(Debug, Default)]
pub struct SecondCache {
    secs: Option<i64>,
    text: Vec<u8>,
}

impl SecondCache {
    /// The cached text for `secs`, formatted by `make` when the second changes.
    #[inline]
    fn get(&mut self, secs: i64, make: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> io::Result<&[u8]> {
        if self.secs != Some(secs) {
            self.text.clear();
            make(&mut self.text)?;
            self.secs = Some(secs);
        }
        Ok(&self.text)
    }

    /// Writes an RFC 3339 UTC timestamp like [`rfc3339`], reusing the date and time text.
    pub fn rfc3339<W: Write + ?Sized>(&mut self, w: &mut W, ts: Timestamp, p: TsPrecision) -> io::Result<()> {
        let head = self.get(ts.secs, |v| {
            date(v, ts.secs.div_euclid(86_400))?;
            v.write_all(b"T")?;
            hms(v, ts.secs.rem_euclid(86_400))
        })?;
        w.write_all(head)?;
        frac(w, ts.nanos, if p == TsPrecision::Nano { 9 } else { 6 })?;
        w.write_all(b"Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut v = Vec::new();
        f(&mut v).expect("write to Vec");
        String::from_utf8(v).expect("utf8")
    }

    #[test]
    fn rfc3339_micro_and_nano() {
        let ts = Timestamp { secs: 1_795_459_097, nanos: 686_702_123 };
        assert_eq!(s(|w| rfc3339(w, ts, TsPrecision::Micro)), "2026-11-23T18:38:17.686702Z");
        assert_eq!(s(|w| rfc3339(w, ts, TsPrecision::Nano)), "2026-11-23T18:38:17.686702123Z");
    }

    #[test]
    fn dates_past_2038_and_2106_and_before_1970() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(24_855), (2038, 1, 19));
        // 2^32 seconds after the epoch: 2106-02-07.
        assert_eq!(civil_from_days(4_294_967_296 / 86_400), (2106, 2, 7));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn delta_style_counts_from_previous_packet() {
        let mut c = Clock::new(TsStyle::Delta, false);
        let a = Timestamp { secs: 100, nanos: 0 };
        let b = Timestamp { secs: 101, nanos: 22_000 };
        assert_eq!(s(|w| c.write(w, a, TsPrecision::Micro)), "00:00:00.000000 ");
        assert_eq!(s(|w| c.write(w, b, TsPrecision::Micro)), "00:00:01.000022 ");
    }

    #[test]
    fn fractions_match_digit_by_digit() {
        let reference = |nanos: u32, digits: u32| {
            let v = if digits == 9 { nanos } else { nanos / 1000 };
            let text = format!("{v:0width$}", width = digits as usize);
            format!(".{}", &text[text.len() - digits as usize..])
        };
        for nanos in [0, 1, 9, 999, 1_000, 123_456_789, 686_702_123, 999_999_999, 1_000_000_000, u32::MAX] {
            for digits in [6, 9] {
                assert_eq!(s(|w| frac(w, nanos, digits)), reference(nanos, digits), "{nanos} {digits}");
            }
        }
    }

    #[test]
    fn time_style_writes_the_fraction_and_a_space() {
        // The hour depends on the local time zone; the fraction and what follows do not.
        let ts = Timestamp { secs: 1_795_459_097, nanos: 686_702_123 };
        let mut c = Clock::new(TsStyle::Time, true);
        assert!(s(|w| c.write(w, ts, TsPrecision::Nano)).ends_with(":17.686702123 "));
        assert!(s(|w| c.write(w, ts, TsPrecision::Micro)).ends_with(":17.686702 "));
        let mut c = Clock::new(TsStyle::Date, false);
        let text = s(|w| c.write(w, ts, TsPrecision::Micro));
        assert_eq!(text.len(), "2026-11-23 18:38:17.686702 ".len(), "{text}");
    }

    #[test]
    fn epoch_style() {
        let mut c = Clock::new(TsStyle::Epoch, false);
        let a = Timestamp { secs: 1_795_459_097, nanos: 686_702_000 };
        assert_eq!(s(|w| c.write(w, a, TsPrecision::Micro)), "1795459097.686702 ");
    }
}
