//! `-w`: writes frames, unmodified, to a pcap file (or pcapng when the name ends in `.pcapng`,
//! which can hold several link types) or to stdout (`-`).
//!
//! Frames are written before they are printed, and the writer is flushed when the run ends —
//! also on Ctrl-C — so the file always holds every packet that was printed. With `-U` (packet
//! buffered) it is flushed after every packet.

use std::fs::File;
use std::io::{self, BufWriter, Write};

use super::CaptureError;
use crate::model::{Frame, LinkType, TsPrecision};

/// Output container format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteFormat {
    /// Classic pcap: one link type per file.
    Pcap,
    /// pcapng: one interface block per link type seen.
    Pcapng,
}

/// A capture file being written.
pub struct CaptureWriter {
    path: String,
    out: BufWriter<Box<dyn Write + Send>>,
    format: WriteFormat,
    /// pcap: the file's link type and precision, once the header is written.
    header: Option<(LinkType, TsPrecision)>,
    /// pcapng: interfaces written so far (link type per interface id).
    interfaces: Vec<LinkType>,
    per_packet_flush: bool,
    written: u64,
}

impl CaptureWriter {
    /// Creates (truncates) `path`; `-` is stdout. The format follows the extension.
    pub fn create(path: &str, per_packet_flush: bool) -> Result<CaptureWriter, CaptureError> {
        let out: Box<dyn Write + Send> = if path == "-" {
            Box::new(io::stdout())
        } else {
            Box::new(File::create(path).map_err(|e| CaptureError::Write { path: path.to_string(), detail: e.to_string() })?)
        };
        let format = if path.ends_with(".pcapng") { WriteFormat::Pcapng } else { WriteFormat::Pcap };
        Ok(CaptureWriter {
            path: path.to_string(),
            out: BufWriter::with_capacity(1 << 16, out),
            format,
            header: None,
            interfaces: Vec::new(),
            per_packet_flush,
            written: 0,
        })
    }

    /// The path written to.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn err(&self, e: io::Error) -> CaptureError {
        CaptureError::Write { path: self.path.clone(), detail: e.to_string() }
    }

    /// Writes the file header now (so that a capture with no packets is still a valid file).
    pub fn begin(&mut self, linktype: LinkType, precision: TsPrecision) -> Result<(), CaptureError> {
        match self.format {
            WriteFormat::Pcap if self.header.is_none() => self.pcap_header(linktype, precision),
            WriteFormat::Pcapng if self.interfaces.is_empty() => {
                self.shb()?;
                self.idb(linktype).map(|_| ())
            }
            _ => Ok(()),
        }
    }

    fn pcap_header(&mut self, linktype: LinkType, precision: TsPrecision) -> Result<(), CaptureError> {
        let magic: u32 = if precision == TsPrecision::Nano { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        let mut h = Vec::with_capacity(24);
        h.extend_from_slice(&magic.to_le_bytes());
        h.extend_from_slice(&2u16.to_le_bytes());
        h.extend_from_slice(&4u16.to_le_bytes());
        h.extend_from_slice(&0i32.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&262_144u32.to_le_bytes());
        h.extend_from_slice(&u32::from(linktype.0).to_le_bytes());
        self.out.write_all(&h).map_err(|e| self.err(e))?;
        self.header = Some((linktype, precision));
        Ok(())
    }

    fn shb(&mut self) -> Result<(), CaptureError> {
        let mut b = Vec::with_capacity(28);
        b.extend_from_slice(&0x0a0d_0d0au32.to_le_bytes());
        b.extend_from_slice(&28u32.to_le_bytes());
        b.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&(-1i64).to_le_bytes());
        b.extend_from_slice(&28u32.to_le_bytes());
        self.out.write_all(&b).map_err(|e| self.err(e))
    }

    /// Writes an interface block (nanosecond timestamps) and returns its id.
    fn idb(&mut self, linktype: LinkType) -> Result<u32, CaptureError> {
        let mut b = Vec::with_capacity(32);
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&32u32.to_le_bytes());
        b.extend_from_slice(&linktype.0.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&262_144u32.to_le_bytes());
        // if_tsresol = 9 (nanoseconds), padded; then opt_endofopt.
        b.extend_from_slice(&9u16.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&[9, 0, 0, 0]);
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&32u32.to_le_bytes());
        self.out.write_all(&b).map_err(|e| self.err(e))?;
        self.interfaces.push(linktype);
        Ok(self.interfaces.len() as u32 - 1)
    }

    /// Writes one frame exactly as captured.
    pub fn write(&mut self, frame: &Frame<'_>) -> Result<(), CaptureError> {
        match self.format {
            WriteFormat::Pcap => self.write_pcap(frame)?,
            WriteFormat::Pcapng => self.write_pcapng(frame)?,
        }
        self.written += 1;
        if self.per_packet_flush {
            self.out.flush().map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    fn write_pcap(&mut self, frame: &Frame<'_>) -> Result<(), CaptureError> {
        let (lt, precision) = match self.header {
            Some(h) => h,
            None => {
                self.pcap_header(frame.linktype, frame.precision)?;
                (frame.linktype, frame.precision)
            }
        };
        if lt != frame.linktype {
            return Err(CaptureError::Write {
                path: self.path.clone(),
                detail: format!(
                    "a pcap file holds one link type, and this capture mixes {} and {}; \
                     write a pcapng file instead (-w name.pcapng)",
                    lt.0, frame.linktype.0
                ),
            });
        }
        let secs = frame.ts.secs.clamp(0, i64::from(u32::MAX)) as u32;
        let frac = if precision == TsPrecision::Nano { frame.ts.nanos } else { frame.ts.nanos / 1000 };
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&secs.to_le_bytes());
        h[4..8].copy_from_slice(&frac.to_le_bytes());
        h[8..12].copy_from_slice(&(frame.data.len() as u32).to_le_bytes());
        h[12..16].copy_from_slice(&frame.len.max(frame.data.len() as u32).to_le_bytes());
        self.out.write_all(&h).map_err(|e| self.err(e))?;
        self.out.write_all(frame.data).map_err(|e| self.err(e))
    }

    fn write_pcapng(&mut self, frame: &Frame<'_>) -> Result<(), CaptureError> {
        if self.interfaces.is_empty() {
            self.shb()?;
        }
        let id = match self.interfaces.iter().position(|l| *l == frame.linktype) {
            Some(i) => i as u32,
            None => self.idb(frame.linktype)?,
        };
        let caplen = frame.data.len();
        let padded = (caplen + 3) & !3;
        let total = (32 + padded) as u32;
        let ns = frame.ts.as_nanos().max(0) as u64;
        let mut h = [0u8; 28];
        h[0..4].copy_from_slice(&6u32.to_le_bytes());
        h[4..8].copy_from_slice(&total.to_le_bytes());
        h[8..12].copy_from_slice(&id.to_le_bytes());
        h[12..16].copy_from_slice(&((ns >> 32) as u32).to_le_bytes());
        h[16..20].copy_from_slice(&(ns as u32).to_le_bytes());
        h[20..24].copy_from_slice(&(caplen as u32).to_le_bytes());
        h[24..28].copy_from_slice(&frame.len.max(caplen as u32).to_le_bytes());
        self.out.write_all(&h).map_err(|e| self.err(e))?;
        self.out.write_all(frame.data).map_err(|e| self.err(e))?;
        self.out.write_all([0u8; 3].get(..padded - caplen).unwrap_or(&[])).map_err(|e| self.err(e))?;
        self.out.write_all(&total.to_le_bytes()).map_err(|e| self.err(e))
    }

    /// Flushes everything to the file. Returns the number of frames written.
    pub fn finish(&mut self) -> Result<u64, CaptureError> {
        if self.header.is_none() && self.interfaces.is_empty() {
            // Nothing was captured: still leave a valid, empty file.
            self.begin(LinkType::ETHERNET, TsPrecision::Micro)?;
        }
        self.out.flush().map_err(|e| self.err(e))?;
        Ok(self.written)
    }
}
