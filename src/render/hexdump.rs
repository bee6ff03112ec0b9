//! `-x` / `-X`: a hex (and ASCII) dump of each packet under its line, in tcpdump's layout:
//! a tab, the offset, then 16 bytes in groups of two, then the printable characters.

use std::io::{self, Write};

/// Writes `bytes` as tcpdump does: `\t0x0010:  4500 003c …  E..<`.
pub fn dump<W: Write + ?Sized>(w: &mut W, bytes: &[u8], ascii: bool) -> io::Result<()> {
    for (row, chunk) in bytes.chunks(16).enumerate() {
        write!(w, "\t0x{:04x}:  ", row * 16)?;
        let mut hexbuf = [0u8; 32];
        let hex_len = chunk.len() * 2;
        if let Some(dst) = hexbuf.get_mut(..hex_len) {
            hex::encode_to_slice(chunk, dst).map_err(io::Error::other)?;
        }
        for i in 0..8 {
            let pair = hexbuf.get(i * 4..(i * 4 + 4).min(hex_len)).unwrap_or(&[]);
            w.write_all(pair)?;
            // Pad missing columns so the ASCII part lines up.
            for _ in pair.len()..4 {
                w.write_all(b" ")?;
            }
            if i < 7 {
                w.write_all(b" ")?;
            }
        }
        if ascii {
            w.write_all(b"  ")?;
            for &b in chunk {
                let c = if b.is_ascii_graphic() { b } else { b'.' };
                w.write_all(&[c])?;
            }
        }
        w.write_all(b"\n")?;
    }
    Ok(())
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
}
