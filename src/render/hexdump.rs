//! `-x` / `-X`: a hex (and ASCII) dump of each packet under its line, in tcpdump's layout:
//! a tab, the offset, then 16 bytes in groups of two, then the printable characters.
//!
//! Each row is built in a stack buffer from a table of the 256 bytes' hex digits and written
//! with one `write_all` (rather than one per piece).

use std::io::{self, Write};

/// The two lower-case hex digits of every byte value. (Indexing in a constant is checked
/// when compiling.)
#[allow(clippy::indexing_slicing)]
const HEX: [[u8; 2]; 256] = {
    let digits = *b"0123456789abcdef";
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [digits[i >> 4], digits[i & 15]];
        i += 1;
    }
    t
};

/// What a byte looks like in the ASCII column: itself when printable, else `.`.
#[allow(clippy::indexing_slicing)]
const SHOWN: [u8; 256] = {
    let mut t = [b'.'; 256];
    let mut i = 0x21;
    while i < 0x7f {
        t[i] = i as u8;
        i += 1;
    }
    t
};

/// Longest row: tab, `0x`, up to 16 offset digits, `:  `, 39 hex columns, two spaces, 16
/// characters, newline.
const ROW_MAX: usize = 1 + 2 + 16 + 3 + 39 + 2 + 16 + 1;

/// Writes `bytes` as tcpdump does: `\t0x0010:  4500 003c …  E..<`.
pub fn dump<W: Write + ?Sized>(w: &mut W, bytes: &[u8], ascii: bool) -> io::Result<()> {
    let mut row = [0u8; ROW_MAX];
    for (i, chunk) in bytes.chunks(16).enumerate() {
        let n = write_row(&mut row, i * 16, chunk, ascii);
        w.write_all(row.get(..n).unwrap_or(&[]))?;
    }
    Ok(())
}

/// One row into `dst` (at least `ROW_MAX` bytes); returns its length.
#[inline]
fn write_row(dst: &mut [u8], offset: usize, chunk: &[u8], ascii: bool) -> usize {
    let mut n = 0;
    let mut put = |dst: &mut [u8], b: &[u8]| {
        if let Some(d) = dst.get_mut(n..n + b.len()) {
            d.copy_from_slice(b);
        }
        n += b.len();
    };
    put(dst, b"\t0x");
    // `%04x`: at least four digits, more for offsets past 0xffff.
    let digits = ((usize::BITS - offset.leading_zeros()).div_ceil(4) as usize).max(4);
    for i in (0..digits).rev() {
        let nibble = (offset >> (4 * i)) & 15;
        put(dst, &[HEX.get(nibble).map_or(b'0', |h| h[1])]);
    }
    put(dst, b":  ");
    // 8 groups of 4 hex digits separated by a space; missing bytes are spaces, so the ASCII
    // part lines up.
    let mut hex = [b' '; 39];
    for (j, &b) in chunk.iter().enumerate() {
        let at = (j / 2) * 5 + (j % 2) * 2;
        if let (Some(d), Some(h)) = (hex.get_mut(at..at + 2), HEX.get(usize::from(b))) {
            d.copy_from_slice(h);
        }
    }
    put(dst, &hex);
    if ascii {
        put(dst, b"  ");
        let mut text = [0u8; 16];
        for (t, &b) in text.iter_mut().zip(chunk) {
            *t = SHOWN.get(usize::from(b)).copied().unwrap_or(b'.');
        }
        put(dst, text.get(..chunk.len()).unwrap_or(&[]));
    }
    put(dst, b"\n");
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_tcpdump() {
        let bytes: Vec<u8> = (0x41..0x41 + 18).collect();
        let mut out = Vec::new();
        dump(&mut out, &bytes, true).expect("write");
        let s = String::from_utf8(out).expect("utf8");
        assert_eq!(
            s,
            "\t0x0000:  4142 4344 4546 4748 494a 4b4c 4d4e 4f50  ABCDEFGHIJKLMNOP\n\
             \t0x0010:  5152                                     QR\n"
        );
    }

    /// The layout written piece by piece, as `dump` did before it used a table.
    fn reference(bytes: &[u8], ascii: bool) -> String {
        let mut s = String::new();
        for (row, chunk) in bytes.chunks(16).enumerate() {
            s.push_str(&format!("\t0x{:04x}:  ", row * 16));
            for i in 0..8 {
                let pair: String = chunk.iter().skip(i * 2).take(2).map(|b| format!("{b:02x}")).collect();
                s.push_str(&format!("{pair:<4}"));
                if i < 7 {
                    s.push(' ');
                }
            }
            if ascii {
                s.push_str("  ");
                s.extend(chunk.iter().map(|&b| if b.is_ascii_graphic() { b as char } else { '.' }));
            }
            s.push('\n');
        }
        s
    }

    #[test]
    fn every_length_and_byte_value_matches_the_piecewise_layout() {
        // Every byte value, every length of the last row, offsets past 0xffff (5 digits) and
        // more rows than one buffer holds.
        let bytes: Vec<u8> = (0..70_000u32).map(|i| (i * 7 + i / 256) as u8).collect();
        for len in (0..=40).chain([255, 256, 4095, 65_535, 65_536, 65_537, 70_000]) {
            for ascii in [false, true] {
                let mut out = Vec::new();
                dump(&mut out, &bytes[..len], ascii).expect("write");
                assert_eq!(String::from_utf8(out).expect("utf8"), reference(&bytes[..len], ascii), "len {len} ascii {ascii}");
            }
        }
    }
}
