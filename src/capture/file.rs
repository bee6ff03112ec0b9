//! Reading capture files: classic pcap (µs and ns, either byte order, the modified
//! "Kuznetzov" variant) and pcapng (several sections, either byte order, any number of
//! interfaces with different link types, snap lengths and timestamp resolutions).
//!
//! libpcap 1.10 refuses pcapng files whose interfaces differ in link type or snap length, which
//! tshark reads; so files are read here, in plain Rust, from any `io::Read` (a file or stdin),
//! through one reusable buffer — no allocation per packet. Every length in the file is
//! untrusted: a record that claims more bytes than remain is reported as a cut at a byte offset,
//! after all whole packets before it have been returned.

use std::io::{self, Read};

use super::CaptureError;
use crate::model::{Frame, LinkType, Timestamp, TsPrecision};

/// The largest record portlens accepts (tshark's limit is 256 KiB for most link types; BIG TCP
/// captures hold larger frames, so allow more, but refuse absurd values from corrupt files).
pub const MAX_RECORD: usize = 16 * 1024 * 1024;
/// Read granularity.
const CHUNK: usize = 1 << 20;

/// Which format the file is in, with the state needed to read its records.
#[derive(Debug)]
enum Format {
    Pcap { swapped: bool, nano: bool, linktype: LinkType, modified: bool },
    Pcapng(Ng),
}

#[derive(Debug, Default)]
struct Ng {
    big_endian: bool,
    interfaces: Vec<Interface>,
    section: u32,
}

/// A pcapng interface description.
#[derive(Clone, Debug)]
pub struct Interface {
    /// Link type of the packets captured on it.
    pub linktype: LinkType,
    /// Snap length (0 = unlimited).
    pub snaplen: u32,
    /// Timestamp units per second.
    units_per_sec: u64,
    /// `if_tsoffset`: seconds to add.
    ts_offset: i64,
    /// Interface name option, if present.
    pub name: Option<String>,
}

/// A pcap or pcapng file being read.
pub struct FileReader<R> {
    name: String,
    r: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// File offset of `buf[start]`.
    offset: u64,
    eof: bool,
    format: Format,
    records: u64,
}

impl<R: Read> FileReader<R> {
    /// Opens a capture from `r`; `name` is how errors refer to it (a path, or "stdin").
    pub fn new(name: &str, r: R) -> Result<FileReader<R>, CaptureError> {
        let mut fr = FileReader {
            name: name.to_string(),
            r,
            buf: vec![0; CHUNK],
            start: 0,
            end: 0,
            offset: 0,
            eof: false,
            format: Format::Pcapng(Ng::default()),
            records: 0,
        };
        fr.fill(4)?;
        let have = fr.avail();
        if have == 0 {
            return Err(CaptureError::NotCapture { path: fr.name.clone(), detail: "the file is empty".into() });
        }
        let magic: [u8; 4] = match fr.peek(0, 4) {
            Some(&[a, b, c, d]) => [a, b, c, d],
            _ => return Err(fr.not_capture(&format!("it is only {have} bytes long"))),
        };
        match magic {
            [0x0a, 0x0d, 0x0d, 0x0a] => {
                // The first block must be a section header; read it like any other block.
                if !fr.read_ng_block_header_only()? {
                    return Err(fr.not_capture("the pcapng section header block is cut short"));
                }
            }
            _ => fr.read_pcap_header(magic)?,
        }
        Ok(fr)
    }

    /// How errors name this file.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The link type of a classic pcap file, or of the first pcapng interface seen so far.
    pub fn first_linktype(&self) -> Option<LinkType> {
        match &self.format {
            Format::Pcap { linktype, .. } => Some(*linktype),
            Format::Pcapng(ng) => ng.interfaces.first().map(|i| i.linktype),
        }
    }

    /// Timestamp precision of a classic pcap file (pcapng: per interface; reported as µs).
    pub fn precision(&self) -> TsPrecision {
        match self.format {
            Format::Pcap { nano: true, .. } => TsPrecision::Nano,
            _ => TsPrecision::Micro,
        }
    }

    /// Whether the file is pcapng.
    pub fn is_pcapng(&self) -> bool {
        matches!(self.format, Format::Pcapng(_))
    }

    /// Bytes of the file consumed so far (for a progress bar; the total is the file's size).
    pub fn bytes_read(&self) -> u64 {
        self.offset
    }

    fn avail(&self) -> usize {
        self.end - self.start
    }

    fn peek(&self, at: usize, n: usize) -> Option<&[u8]> {
        self.buf.get(self.start + at..self.start + at + n).filter(|_| at + n <= self.avail())
    }

    fn not_capture(&self, why: &str) -> CaptureError {
        CaptureError::NotCapture { path: self.name.clone(), detail: why.to_string() }
    }

    fn corrupt(&self, at: u64, why: String) -> CaptureError {
        CaptureError::Corrupt { path: self.name.clone(), offset: at, detail: why }
    }

    /// Makes at least `n` bytes available from `start`, unless the input ends first.
    /// Returns whether they are available.
    fn fill(&mut self, n: usize) -> Result<bool, CaptureError> {
        if self.avail() >= n {
            return Ok(true);
        }
        if self.start + n > self.buf.len() {
            // Move what is left to the front; grow only for records bigger than the buffer.
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if n > self.buf.len() {
                self.buf.resize(n.next_power_of_two().max(CHUNK), 0);
            }
        }
        while self.avail() < n && !self.eof {
            let end = self.end;
            let Some(space) = self.buf.get_mut(end..) else { break };
            match self.r.read(space) {
                Ok(0) => self.eof = true,
                Ok(k) => self.end += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(CaptureError::Io { path: self.name.clone(), error: e }),
            }
        }
        Ok(self.avail() >= n)
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        self.offset += n as u64;
    }

    fn read_pcap_header(&mut self, magic: [u8; 4]) -> Result<(), CaptureError> {
        let m = u32::from_le_bytes(magic);
        let (swapped, nano, modified) = match m {
            0xa1b2c3d4 => (false, false, false),
            0xd4c3b2a1 => (true, false, false),
            0xa1b23c4d => (false, true, false),
            0x4d3cb2a1 => (true, true, false),
            0xa1b2cd34 => (false, false, true),
            0x34cdb2a1 => (true, false, true),
            _ => {
                let hint = describe_magic(&magic);
                return Err(self.not_capture(&format!(
                    "it starts with bytes {:02x} {:02x} {:02x} {:02x}{hint}, not a pcap or pcapng magic number",
                    magic[0], magic[1], magic[2], magic[3]
                )));
            }
        };
        if !self.fill(24)? {
            return Err(self.corrupt(0, format!("the 24-byte pcap file header is cut short ({} bytes)", self.avail())));
        }
        let h: [u8; 24] = self.peek(0, 24).and_then(|b| b.try_into().ok()).unwrap_or([0; 24]);
        let u16_at = |i: usize| {
            let v = u16::from_le_bytes([h.get(i).copied().unwrap_or(0), h.get(i + 1).copied().unwrap_or(0)]);
            if swapped { v.swap_bytes() } else { v }
        };
        let u32_at = |i: usize| {
            let v = u32::from_le_bytes(h.get(i..i + 4).and_then(|b| b.try_into().ok()).unwrap_or([0; 4]));
            if swapped { v.swap_bytes() } else { v }
        };
        let (major, minor) = (u16_at(4), u16_at(6));
        if major != 2 {
            return Err(self.not_capture(&format!(
                "it is pcap version {major}.{minor}; only version 2 (2.4, the format every current tool writes) can be read"
            )));
        }
        let raw_link = u32_at(20);
        if raw_link & 0x03ff_0000 != 0 {
            return Err(self.not_capture(&format!(
                "its link-type field 0x{raw_link:08x} has reserved bits set (the file header is damaged)"
            )));
        }
        let linktype = LinkType((raw_link & 0xffff) as u16);
        self.consume(24);
        self.format = Format::Pcap { swapped, nano, linktype, modified };
        Ok(())
    }

    /// Returns the next frame, `None` at the end of the input.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        match self.format {
            Format::Pcap { swapped, nano, linktype, modified } => self.next_pcap(swapped, nano, linktype, modified),
            Format::Pcapng(_) => self.next_pcapng(),
        }
    }

    fn next_pcap(
        &mut self,
        swapped: bool,
        nano: bool,
        linktype: LinkType,
        modified: bool,
    ) -> Result<Option<Frame<'_>>, CaptureError> {
        let hlen = if modified { 24 } else { 16 };
        if !self.fill(hlen)? {
            if self.avail() == 0 {
                return Ok(None);
            }
            return Err(self.truncated(hlen, "packet record header"));
        }
        let h: [u8; 16] = self.peek(0, 16).and_then(|b| b.try_into().ok()).unwrap_or([0; 16]);
        let rd = |i: usize| {
            let v = u32::from_le_bytes(h.get(i..i + 4).and_then(|b| b.try_into().ok()).unwrap_or([0; 4]));
            if swapped { v.swap_bytes() } else { v }
        };
        let (secs, frac, caplen, len) = (rd(0), rd(4), rd(8) as usize, rd(12));
        if caplen > MAX_RECORD {
            return Err(self.corrupt(
                self.offset,
                format!("packet record {} claims {caplen} captured bytes (more than the {MAX_RECORD}-byte limit)", self.records + 1),
            ));
        }
        if !self.fill(hlen + caplen)? {
            return Err(self.truncated(hlen + caplen, "packet data"));
        }
        self.records += 1;
        let nanos = if nano { u64::from(frac) } else { u64::from(frac) * 1000 };
        let start = self.start + hlen;
        self.consume(hlen + caplen);
        let data = self.buf.get(start..start + caplen).unwrap_or(&[]);
        Ok(Some(Frame {
            ts: Timestamp::new(i64::from(secs), nanos),
            len,
            linktype,
            data,
            interface: 0,
            precision: if nano { TsPrecision::Nano } else { TsPrecision::Micro },
        }))
    }

    fn truncated(&self, needed: usize, what: &str) -> CaptureError {
        CaptureError::Truncated {
            path: self.name.clone(),
            offset: self.offset,
            record: self.records + 1,
            what: what.to_string(),
            needed: needed as u64,
            have: self.avail() as u64,
        }
    }

    fn ng(&self) -> Option<&Ng> {
        match &self.format {
            Format::Pcapng(ng) => Some(ng),
            Format::Pcap { .. } => None,
        }
    }

    fn ng_u32(&self, big: bool, at: usize) -> u32 {
        match self.peek(at, 4) {
            Some(&[a, b, c, d]) => {
                if big { u32::from_be_bytes([a, b, c, d]) } else { u32::from_le_bytes([a, b, c, d]) }
            }
            _ => 0,
        }
    }

    /// Reads the section header at the start of the file. Returns false if it is cut short.
    fn read_ng_block_header_only(&mut self) -> Result<bool, CaptureError> {
        if !self.fill(12)? {
            return Ok(false);
        }
        self.read_shb()?;
        Ok(true)
    }

    /// Reads a section header block at `start` (type already known) and consumes it.
    fn read_shb(&mut self) -> Result<(), CaptureError> {
        let at = self.offset;
        if !self.fill(28)? {
            return Err(self.truncated(28, "pcapng section header block"));
        }
        let big = match self.peek(8, 4) {
            Some(&[0x1a, 0x2b, 0x3c, 0x4d]) => true,
            Some(&[0x4d, 0x3c, 0x2b, 0x1a]) => false,
            _ => return Err(self.not_capture("its pcapng section header has no valid byte-order magic")),
        };
        let total = self.ng_u32(big, 4) as usize;
        let major = self.peek(12, 2).map(|b| rd16(b, 0, big));
        if major != Some(1) {
            return Err(self.not_capture(&format!(
                "its pcapng section header says version {}; only version 1 can be read",
                major.unwrap_or(0)
            )));
        }
        let body = self.take_block(total, at, "section header", big)?;
        check_options(body.get(16..).unwrap_or(&[]), big)
            .map_err(|e| self.corrupt(at, format!("pcapng section header: {e}")))?;
        let section = self.ng().map(|n| n.section + 1).unwrap_or(1);
        self.format = Format::Pcapng(Ng { big_endian: big, interfaces: Vec::new(), section });
        Ok(())
    }

    /// Validates a block's length fields and returns a copy-free view of its body (the bytes
    /// between the 8-byte header and the 4-byte trailer); consumes the block.
    fn take_block(&mut self, total: usize, at: u64, what: &str, big: bool) -> Result<Vec<u8>, CaptureError> {
        self.check_block_len(total, at, what)?;
        if !self.fill(total)? {
            return Err(self.truncated(total, &format!("pcapng {what} block")));
        }
        let trailer = self.ng_u32(big, total - 4);
        if trailer as usize != total {
            return Err(self.corrupt(at, format!("pcapng {what} block: its two length fields disagree ({total} and {trailer})")));
        }
        let body = self.peek(8, total - 12).unwrap_or(&[]).to_vec();
        self.consume(total);
        Ok(body)
    }

    /// Skips a block portlens does not use, after checking its length fields.
    fn skip_block(&mut self, total: usize, at: u64, big: bool) -> Result<(), CaptureError> {
        self.check_block_len(total, at, "non-packet")?;
        if !self.fill(total)? {
            return Err(self.truncated(total, "pcapng block"));
        }
        let trailer = self.ng_u32(big, total - 4);
        if trailer as usize != total {
            return Err(self.corrupt(at, format!("pcapng block: its two length fields disagree ({total} and {trailer})")));
        }
        self.consume(total);
        Ok(())
    }

    fn check_block_len(&self, total: usize, at: u64, what: &str) -> Result<(), CaptureError> {
        if total < 12 || total % 4 != 0 || total > MAX_RECORD + 64 {
            return Err(self.corrupt(at, format!("pcapng {what} block has an invalid length {total}")));
        }
        Ok(())
    }

    fn next_pcapng(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        loop {
            if !self.fill(8)? {
                if self.avail() == 0 {
                    return Ok(None);
                }
                return Err(self.truncated(8, "pcapng block header"));
            }
            let at = self.offset;
            let Some(ng) = self.ng() else { return Ok(None) };
            let big = ng.big_endian;
            // The section header's type reads the same in both byte orders.
            if self.peek(0, 4) == Some(&[0x0a, 0x0d, 0x0d, 0x0a]) {
                self.read_shb()?;
                continue;
            }
            let btype = self.ng_u32(big, 0);
            let total = self.ng_u32(big, 4) as usize;
            match btype {
                1 => {
                    let body = self.take_block(total, at, "interface description", big)?;
                    let iface = parse_idb(&body, big).map_err(|e| self.corrupt(at, format!("pcapng interface description block: {e}")))?;
                    if let Format::Pcapng(ng) = &mut self.format {
                        ng.interfaces.push(iface);
                    }
                }
                6 | 2 | 3 => {
                    self.check_block_len(total, at, "packet")?;
                    if !self.fill(total)? {
                        return Err(self.truncated(total, "pcapng packet block"));
                    }
                    if self.ng_u32(big, total - 4) as usize != total {
                        let trailer = self.ng_u32(big, total - 4);
                        return Err(self.corrupt(at, format!("pcapng packet block: its two length fields disagree ({total} and {trailer})")));
                    }
                    let (iface_id, ts_units, caplen, len, data_at) = match btype {
                        6 => {
                            if total < 32 {
                                return Err(self.corrupt(at, format!("enhanced packet block too short ({total} bytes)")));
                            }
                            let ts = (u64::from(self.ng_u32(big, 12)) << 32) | u64::from(self.ng_u32(big, 16));
                            (self.ng_u32(big, 8), Some(ts), self.ng_u32(big, 20) as usize, self.ng_u32(big, 24), 28)
                        }
                        2 => {
                            if total < 32 {
                                return Err(self.corrupt(at, format!("packet block too short ({total} bytes)")));
                            }
                            let id = self.peek(8, 2).map(|b| rd16(b, 0, big)).unwrap_or(0);
                            let ts = (u64::from(self.ng_u32(big, 12)) << 32) | u64::from(self.ng_u32(big, 16));
                            (u32::from(id), Some(ts), self.ng_u32(big, 20) as usize, self.ng_u32(big, 24), 28)
                        }
                        _ => {
                            if total < 16 {
                                return Err(self.corrupt(at, format!("simple packet block too short ({total} bytes)")));
                            }
                            let len = self.ng_u32(big, 8);
                            let room = total - 16;
                            let snap = self
                                .ng()
                                .and_then(|n| n.interfaces.first())
                                .map(|i| i.snaplen as usize)
                                .filter(|&s| s != 0)
                                .unwrap_or(usize::MAX);
                            (0, None, (len as usize).min(room).min(snap), len, 12)
                        }
                    };
                    if data_at + caplen + 4 > total {
                        return Err(self.corrupt(at, format!("pcapng packet block: {caplen} captured bytes do not fit in a {total}-byte block")));
                    }
                    let Some(iface) = self.ng().and_then(|n| n.interfaces.get(iface_id as usize)).cloned() else {
                        return Err(self.corrupt(at, format!("pcapng packet block names interface {iface_id}, which the section has not described")));
                    };
                    self.records += 1;
                    let ts = match ts_units {
                        Some(u) => iface_ts(&iface, u),
                        None => Timestamp::default(),
                    };
                    let start = self.start + data_at;
                    self.consume(total);
                    let data = self.buf.get(start..start + caplen).unwrap_or(&[]);
                    return Ok(Some(Frame {
                        ts,
                        len,
                        linktype: iface.linktype,
                        data,
                        interface: iface_id,
                        precision: if iface.units_per_sec > 1_000_000 { TsPrecision::Nano } else { TsPrecision::Micro },
                    }));
                }
                _ => {
                    // Statistics, name resolution, decryption secrets, custom and unknown blocks.
                    self.skip_block(total, at, big)?;
                }
            }
        }
    }
}

/// Converts a pcapng timestamp in interface units to seconds and nanoseconds.
fn iface_ts(iface: &Interface, units: u64) -> Timestamp {
    let per = iface.units_per_sec.max(1);
    let secs = (units / per) as i64;
    let frac = u128::from(units % per) * 1_000_000_000 / u128::from(per);
    Timestamp::new(secs.saturating_add(iface.ts_offset), frac as u64)
}

/// Walks a pcapng option list, checking that every option fits.
fn check_options(mut b: &[u8], big: bool) -> Result<(), String> {
    while b.len() >= 4 {
        let code = rd16(b, 0, big);
        let len = usize::from(rd16(b, 2, big));
        if code == 0 {
            return Ok(());
        }
        let padded = (len + 3) & !3;
        if 4 + padded > b.len() {
            return Err(format!("option {code} claims {len} bytes but only {} remain in the block", b.len() - 4));
        }
        b = b.get(4 + padded..).unwrap_or(&[]);
    }
    Ok(())
}

fn rd16(b: &[u8], at: usize, big: bool) -> u16 {
    match b.get(at..at + 2) {
        Some(&[x, y]) => if big { u16::from_be_bytes([x, y]) } else { u16::from_le_bytes([x, y]) },
        _ => 0,
    }
}

fn parse_idb(body: &[u8], big: bool) -> Result<Interface, String> {
    if body.len() < 8 {
        return Err(format!("body is {} bytes, needs 8", body.len()));
    }
    let linktype = LinkType(rd16(body, 0, big));
    let snaplen = match body.get(4..8) {
        Some(&[a, b, c, d]) => if big { u32::from_be_bytes([a, b, c, d]) } else { u32::from_le_bytes([a, b, c, d]) },
        _ => 0,
    };
    let mut iface = Interface { linktype, snaplen, units_per_sec: 1_000_000, ts_offset: 0, name: None };
    let mut opts = body.get(8..).unwrap_or(&[]);
    check_options(opts, big)?;
    while opts.len() >= 4 {
        let code = rd16(opts, 0, big);
        let len = usize::from(rd16(opts, 2, big));
        let val = opts.get(4..4 + len).unwrap_or(&[]);
        match code {
            0 => break,
            2 => iface.name = Some(String::from_utf8_lossy(val).into_owned()),
            9 => {
                if let Some(&r) = val.first() {
                    let exp = u32::from(r & 0x7f);
                    let units = if r & 0x80 != 0 { 2u64.checked_pow(exp) } else { 10u64.checked_pow(exp) };
                    iface.units_per_sec = units.ok_or_else(|| format!("if_tsresol {r:#04x} is too fine to represent"))?;
                }
            }
            14 => {
                if let Some(&[a, b, c, d, e, f, g, h]) = val.get(..8) {
                    let bytes = [a, b, c, d, e, f, g, h];
                    iface.ts_offset = if big { i64::from_be_bytes(bytes) } else { i64::from_le_bytes(bytes) };
                }
            }
            _ => {}
        }
        opts = opts.get(4 + ((len + 3) & !3)..).unwrap_or(&[]);
    }
    Ok(iface)
}

/// A hint for common non-capture files, by their first bytes.
fn describe_magic(m: &[u8; 4]) -> &'static str {
    match m {
        [0x1f, 0x8b, ..] => " (a gzip file: decompress it first)",
        [b'P', b'K', 3, 4] => " (a zip archive)",
        [0x7f, b'E', b'L', b'F'] => " (an executable)",
        [b'{', ..] | [b'[', ..] => " (looks like JSON text)",
        [b'%', b'P', b'D', b'F'] => " (a PDF document)",
        _ if m.iter().all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace()) => " (looks like text)",
        _ => "",
    }
}

#[cfg(test)]
mod tests;
