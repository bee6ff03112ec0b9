//! `-w`: writes frames, unmodified, to a pcap file (or pcapng when the name ends in `.pcapng`,
//! which can hold several link types) or to stdout (`-`).
//!
//! Frames are written before they are printed, and the writer is flushed when the run ends —
//! also on Ctrl-C — so the file always holds every packet that was printed. With `-U` (packet
//! buffered) it is flushed after every packet.
//!
//! A user's file is never destroyed by accident: the name is opened without following a
//! symbolic link (`O_NOFOLLOW`), a block device, directory or socket is refused, a file that
//! is also an input (same device and inode, however it is named) is refused before a byte is
//! written, and an existing file is truncated only after those checks, through the descriptor.
//! A FIFO is waited on until a reader opens it (a stop ends the wait). When the disk fills, the
//! file is cut back to its last whole record, so that it stays readable, and the error says
//! how many packets it holds. Frames longer than the snap length the file announces (262,144
//! bytes) are cut to it, as a capture with that snap length would have cut them, so that
//! tcpdump and Wireshark read the whole file.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::time::Duration;

use super::{CaptureError, FileId};
use crate::model::{Frame, LinkType, TsPrecision};
use crate::stop::{Guarded, Halt, Stopper, halt_error};

/// The snap length written in every header: frames longer than this are cut to it.
pub const SNAPLEN: u32 = 262_144;

/// How much is gathered before it is written.
const BUF: usize = 1 << 16;

/// Output container format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteFormat {
    /// Classic pcap: one link type per file.
    Pcap,
    /// pcapng: one interface block per link type seen.
    Pcapng,
}

/// How to open a `-w` file.
#[derive(Clone, Copy, Debug, Default)]
pub struct WriteOptions<'a> {
    /// Flush after every packet (`-U`).
    pub per_packet_flush: bool,
    /// The run's inputs: none of them may be the `-w` file.
    pub inputs: &'a [FileId],
    /// The user the file is created as, when root was given up first (for messages).
    pub created_as: Option<&'a str>,
}

/// What a finished `-w` file holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// Packets written.
    pub packets: u64,
    /// Of those, how many were longer than [`SNAPLEN`] and cut to it.
    pub cut_to_snaplen: u64,
}

/// A capture file being written.
pub struct CaptureWriter {
    path: String,
    out: Guarded,
    /// A regular file: it can be cut back to its last whole record.
    regular: bool,
    /// Bytes not yet written, and where each whole record in them ends (and whether it is a
    /// packet, not a file or interface header).
    buf: Vec<u8>,
    ends: Vec<(usize, bool)>,
    /// Bytes and packets wholly in the file.
    file_len: u64,
    in_file: u64,
    /// A write failed: nothing more is written.
    failed: bool,
    format: WriteFormat,
    /// pcap: the file's link type and precision, once the header is written.
    header: Option<(LinkType, TsPrecision)>,
    /// pcapng: interfaces written so far (link type per interface id).
    interfaces: Vec<LinkType>,
    per_packet_flush: bool,
    written: Written,
}

impl CaptureWriter {
    /// Opens `path` for writing (`-` is stdout), after the checks described above. The format
    /// follows the extension.
    pub fn create(path: &str, opts: WriteOptions<'_>, stopper: &Stopper) -> Result<CaptureWriter, CaptureError> {
        let (out, regular) = if path == "-" {
            let out = Guarded::stdout(stopper).map_err(|e| CaptureError::Write { path: path.into(), detail: e.to_string() })?;
            (out, false)
        } else {
            let file = open_for_writing(path, &opts, stopper)?;
            let regular = file.metadata().map(|m| m.is_file()).unwrap_or(false);
            (Guarded::new(file, stopper), regular)
        };
        let format = if path.ends_with(".pcapng") { WriteFormat::Pcapng } else { WriteFormat::Pcap };
        Ok(CaptureWriter {
            path: path.to_string(),
            out,
            regular,
            buf: Vec::with_capacity(BUF + SNAPLEN as usize + 64),
            ends: Vec::new(),
            file_len: 0,
            in_file: 0,
            failed: false,
            format,
            header: None,
            interfaces: Vec::new(),
            per_packet_flush: opts.per_packet_flush,
            written: Written::default(),
        })
    }

    /// The path written to.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Writes the file header now (so that a capture with no packets is still a valid file).
    pub fn begin(&mut self, linktype: LinkType, precision: TsPrecision) -> Result<(), CaptureError> {
        match self.format {
            WriteFormat::Pcap if self.header.is_none() => self.pcap_header(linktype, precision),
            WriteFormat::Pcapng if self.interfaces.is_empty() => {
                self.shb();
                self.idb(linktype);
            }
            _ => {}
        }
        Ok(())
    }

    /// Ends a record of the file (a header, or a packet).
    fn end_record(&mut self, packet: bool) {
        self.ends.push((self.buf.len(), packet));
    }

    fn pcap_header(&mut self, linktype: LinkType, precision: TsPrecision) {
        let magic: u32 = if precision == TsPrecision::Nano { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        let b = &mut self.buf;
        b.extend_from_slice(&magic.to_le_bytes());
        b.extend_from_slice(&2u16.to_le_bytes());
        b.extend_from_slice(&4u16.to_le_bytes());
        b.extend_from_slice(&0i32.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&SNAPLEN.to_le_bytes());
        b.extend_from_slice(&u32::from(linktype.0).to_le_bytes());
        self.end_record(false);
        self.header = Some((linktype, precision));
    }

    fn shb(&mut self) {
        let b = &mut self.buf;
        b.extend_from_slice(&0x0a0d_0d0au32.to_le_bytes());
        b.extend_from_slice(&28u32.to_le_bytes());
        b.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&(-1i64).to_le_bytes());
        b.extend_from_slice(&28u32.to_le_bytes());
        self.end_record(false);
    }

    /// Writes an interface block (nanosecond timestamps) and returns its id.
    fn idb(&mut self, linktype: LinkType) -> u32 {
        let b = &mut self.buf;
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&32u32.to_le_bytes());
        b.extend_from_slice(&linktype.0.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&SNAPLEN.to_le_bytes());
        // if_tsresol = 9 (nanoseconds), padded; then opt_endofopt.
        b.extend_from_slice(&9u16.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&[9, 0, 0, 0]);
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&32u32.to_le_bytes());
        self.end_record(false);
        self.interfaces.push(linktype);
        self.interfaces.len() as u32 - 1
    }

    /// Writes one frame as captured (cut to [`SNAPLEN`] when longer).
    pub fn write(&mut self, frame: &Frame<'_>) -> Result<(), CaptureError> {
        if self.failed {
            return Err(CaptureError::Write { path: self.path.clone(), detail: "an earlier write failed".into() });
        }
        let data = match frame.data.get(..SNAPLEN as usize) {
            Some(cut) if cut.len() < frame.data.len() => {
                self.written.cut_to_snaplen += 1;
                cut
            }
            _ => frame.data,
        };
        match self.format {
            WriteFormat::Pcap => self.write_pcap(frame, data)?,
            WriteFormat::Pcapng => self.write_pcapng(frame, data),
        }
        self.end_record(true);
        self.written.packets += 1;
        if self.per_packet_flush || self.buf.len() >= BUF {
            self.write_out()?;
        }
        Ok(())
    }

    fn write_pcap(&mut self, frame: &Frame<'_>, data: &[u8]) -> Result<(), CaptureError> {
        let (lt, precision) = match self.header {
            Some(h) => h,
            None => {
                self.pcap_header(frame.linktype, frame.precision);
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
        let b = &mut self.buf;
        b.extend_from_slice(&secs.to_le_bytes());
        b.extend_from_slice(&frac.to_le_bytes());
        b.extend_from_slice(&(data.len() as u32).to_le_bytes());
        b.extend_from_slice(&frame.len.max(frame.data.len() as u32).to_le_bytes());
        b.extend_from_slice(data);
        Ok(())
    }

    fn write_pcapng(&mut self, frame: &Frame<'_>, data: &[u8]) {
        if self.interfaces.is_empty() {
            self.shb();
        }
        let id = match self.interfaces.iter().position(|l| *l == frame.linktype) {
            Some(i) => i as u32,
            None => self.idb(frame.linktype),
        };
        let caplen = data.len();
        let padded = (caplen + 3) & !3;
        let total = (32 + padded) as u32;
        let ns = frame.ts.as_nanos().max(0) as u64;
        let b = &mut self.buf;
        b.extend_from_slice(&6u32.to_le_bytes());
        b.extend_from_slice(&total.to_le_bytes());
        b.extend_from_slice(&id.to_le_bytes());
        b.extend_from_slice(&((ns >> 32) as u32).to_le_bytes());
        b.extend_from_slice(&(ns as u32).to_le_bytes());
        b.extend_from_slice(&(caplen as u32).to_le_bytes());
        b.extend_from_slice(&frame.len.max(frame.data.len() as u32).to_le_bytes());
        b.extend_from_slice(data);
        b.extend_from_slice([0u8; 3].get(..padded - caplen).unwrap_or(&[]));
        b.extend_from_slice(&total.to_le_bytes());
    }

    /// Writes out what is gathered. When the write fails part-way (a full disk, a reader that
    /// went away, a second signal), a regular file is cut back to its last whole record and
    /// the error says how many packets it holds.
    fn write_out(&mut self) -> Result<(), CaptureError> {
        let mut done = 0;
        let result = loop {
            let Some(rest) = self.buf.get(done..).filter(|r| !r.is_empty()) else { break Ok(()) };
            match self.out.write(rest) {
                Ok(0) => break Err(io::Error::from(io::ErrorKind::WriteZero)),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        let whole = self.ends.iter().take_while(|(end, _)| *end <= done).count();
        let whole_len = whole.checked_sub(1).and_then(|i| self.ends.get(i)).map(|(end, _)| *end).unwrap_or(0);
        self.in_file += self.ends.iter().take(whole).filter(|(_, packet)| *packet).count() as u64;
        let error = match result {
            Ok(()) => {
                self.file_len += done as u64;
                self.buf.clear();
                self.ends.clear();
                return Ok(());
            }
            Err(e) => e,
        };
        self.failed = true;
        let mut partial = done > whole_len;
        if partial && self.regular && self.out.file().set_len(self.file_len + whole_len as u64).is_ok() {
            partial = false;
        }
        self.file_len += whole_len as u64;
        Err(CaptureError::WriteCut {
            path: self.path.clone(),
            error,
            packets: self.in_file,
            partial_record: partial,
        })
    }

    /// Flushes everything to the file and says what it holds.
    pub fn finish(&mut self) -> Result<Written, CaptureError> {
        if self.header.is_none() && self.interfaces.is_empty() {
            // Nothing was captured: still leave a valid, empty file.
            self.begin(LinkType::ETHERNET, TsPrecision::Micro)?;
        }
        if !self.failed {
            self.write_out()?;
        }
        self.out.flush().map_err(|e| CaptureError::Write { path: self.path.clone(), detail: e.to_string() })?;
        Ok(self.written)
    }
}

/// Opens a `-w` name with the checks described at the top of this file. Nothing is truncated
/// before every check has passed.
fn open_for_writing(path: &str, opts: &WriteOptions<'_>, stopper: &Stopper) -> Result<File, CaptureError> {
    let refuse = |detail: String| CaptureError::Write { path: path.to_string(), detail };
    let check = |t: std::fs::FileType, id: Option<FileId>| -> Result<(), CaptureError> {
        if t.is_symlink() {
            return Err(refuse(
                "it is a symbolic link, and -w never follows one: name the file itself (-w - writes to stdout)".into(),
            ));
        }
        if t.is_block_device() {
            return Err(refuse("it is a block device (a disk); -w writes capture files, FIFOs and character devices".into()));
        }
        if t.is_dir() {
            return Err(refuse("it is a directory; name a file in it".into()));
        }
        if t.is_socket() {
            return Err(refuse("it is a socket; -w writes capture files, FIFOs and character devices".into()));
        }
        if t.is_file() && id.is_some_and(|id| opts.inputs.contains(&id)) {
            return Err(refuse(
                "it is also an input of this run (the same file, however named): writing it would destroy what is \
                 being read; choose another name"
                    .into(),
            ));
        }
        Ok(())
    };
    // Before opening: nothing about a refused name is touched, not even its access time.
    if let Ok(m) = std::fs::symlink_metadata(path) {
        use std::os::unix::fs::MetadataExt;
        check(m.file_type(), Some(FileId { dev: m.dev(), ino: m.ino() }))?;
    }
    let mut waited = false;
    let file = loop {
        let opened = OpenOptions::new()
            .write(true)
            .create(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(path);
        match opened {
            Ok(f) => break f,
            // A FIFO that nobody reads yet: wait for a reader, as tcpdump does (a stop ends the wait).
            Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
                if !waited {
                    eprintln!("portlens: waiting for a program to read the FIFO '{path}'");
                    waited = true;
                }
                if stopper.wait_for_stop(Duration::from_millis(100)) {
                    return Err(CaptureError::WriteCut { path: path.into(), error: halt_error(Halt::Stop), packets: 0, partial_record: false });
                }
            }
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                return Err(refuse("it is a symbolic link, and -w never follows one: name the file itself".into()));
            }
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                let who = match opts.created_as {
                    Some(user) => format!(
                        "{user} may not create or write it (portlens gives root up before it creates the -w file); \
                         write it where {user} may, or keep root with -Z root"
                    ),
                    None => "permission denied".into(),
                };
                return Err(refuse(who));
            }
            Err(e) => return Err(refuse(e.to_string())),
        }
    };
    // The same checks on what was opened (the name may have changed in between), then truncate.
    let m = file.metadata().map_err(|e| refuse(e.to_string()))?;
    check(m.file_type(), FileId::of(&file))?;
    if m.is_file() {
        file.set_len(0).map_err(|e| refuse(e.to_string()))?;
    }
    Ok(file)
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::model::Timestamp;

    fn frame(data: &[u8], len: u32) -> Frame<'_> {
        Frame { ts: Timestamp::new(1, 0), len, linktype: LinkType::RAW, data, interface: 0, precision: TsPrecision::Micro }
    }

    #[test]
    fn a_frame_longer_than_the_snap_length_is_cut_to_it_and_keeps_its_wire_length() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("big.pcap").display().to_string();
        let stopper = Stopper::new().expect("stopper");
        let mut w = CaptureWriter::create(&path, WriteOptions::default(), &stopper).expect("create");
        let big = vec![0x45u8; 300_000];
        w.write(&frame(&big, 300_000)).expect("write");
        w.write(&frame(&big[..100], 100)).expect("write");
        assert_eq!(w.finish().expect("finish"), Written { packets: 2, cut_to_snaplen: 1 });
        let bytes = std::fs::read(&path).expect("read");
        assert_eq!(bytes.len(), 24 + 16 + SNAPLEN as usize + 16 + 100);
        let rec = &bytes[24..40];
        assert_eq!(u32::from_le_bytes(rec[8..12].try_into().unwrap()), SNAPLEN, "caplen");
        assert_eq!(u32::from_le_bytes(rec[12..16].try_into().unwrap()), 300_000, "wire length");
    }
}
