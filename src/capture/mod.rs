//! Where frames come from and where captured frames go: the only module that uses `pcap`.
//!
//! Sources are capture files (pcap and pcapng, read in plain Rust by [`file`], because libpcap
//! refuses pcapng files that mix link types) and live interfaces (libpcap through the `pcap`
//! crate, on a capture thread that hands batches of frames to the ordered decode loop through a
//! bounded channel: [`live`]). BPF filters are compiled by libpcap for each link type and applied
//! to each frame according to its own link type ([`filter`]). `-w` writes pcap or pcapng
//! ([`writer`]).

pub mod file;
pub mod filter;
pub mod live;
pub mod writer;

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;

use crate::model::Frame;
use crate::stop::{Guarded, Stopper};

pub use file::FileReader;
pub use filter::Filter;
pub use live::{LiveCapture, LiveOptions, LiveStats};
pub use writer::CaptureWriter;

/// Everything that can go wrong on the capture side, with enough context to say what failed
/// and what to do about it.
#[derive(Debug)]
pub enum CaptureError {
    /// A file could not be opened or read.
    Io {
        /// The file.
        path: String,
        /// The OS error.
        error: io::Error,
    },
    /// The input is not a capture file portlens can read.
    NotCapture {
        /// The file.
        path: String,
        /// Why not.
        detail: String,
    },
    /// The file's structure is damaged at a byte offset.
    Corrupt {
        /// The file.
        path: String,
        /// Byte offset of the damaged block or record.
        offset: u64,
        /// What is wrong.
        detail: String,
    },
    /// The file ends in the middle of a record.
    Truncated {
        /// The file.
        path: String,
        /// Byte offset where the incomplete record starts.
        offset: u64,
        /// 1-based number of the incomplete record.
        record: u64,
        /// What was being read.
        what: String,
        /// Bytes the record needs.
        needed: u64,
        /// Bytes that remained.
        have: u64,
    },
    /// libpcap could not compile the filter expression.
    BadFilter {
        /// The expression as given.
        expr: String,
        /// libpcap's reason.
        reason: String,
    },
    /// No interface of that name.
    NoSuchDevice {
        /// The name asked for.
        name: String,
        /// The interfaces that exist.
        available: Vec<String>,
    },
    /// Capturing needs privileges the process does not have.
    Permission {
        /// The interface.
        name: String,
        /// libpcap's message.
        reason: String,
    },
    /// The interface exists but is down.
    DeviceDown {
        /// The interface.
        name: String,
    },
    /// There is no interface to capture on.
    NoDevice {
        /// Why none could be chosen.
        reason: String,
    },
    /// Any other live-capture failure.
    Live {
        /// The interface.
        name: String,
        /// libpcap's message.
        reason: String,
    },
    /// Writing the `-w` file failed part-way (a full disk, a reader that went away, a second
    /// signal); what it holds is whole.
    WriteCut {
        /// The file.
        path: String,
        /// The error.
        error: io::Error,
        /// Packets wholly in the file.
        packets: u64,
        /// A record was only partly written and could not be cut off (not a regular file).
        partial_record: bool,
    },
    /// Writing the `-w` file failed.
    Write {
        /// The file.
        path: String,
        /// What went wrong.
        detail: String,
    },
}

impl CaptureError {
    /// True when the error is a cut at the end of a file (every whole packet was returned first).
    pub fn is_truncation(&self) -> bool {
        matches!(self, CaptureError::Truncated { .. })
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureError::Io { path, error } => match error.kind() {
                io::ErrorKind::NotFound => write!(f, "{path}: no such file; check the path (use -r - to read from stdin)"),
                io::ErrorKind::PermissionDenied => {
                    write!(f, "{path}: permission denied; check the file's permissions or run with sudo")
                }
                io::ErrorKind::IsADirectory => write!(f, "{path}: is a directory, not a capture file"),
                _ => write!(f, "{path}: cannot read: {error}"),
            },
            CaptureError::NotCapture { path, detail } => write!(
                f,
                "{path}: not a capture file portlens can read: {detail}. Give a pcap or pcapng file \
                 (as written by tcpdump -w, tshark/dumpcap -w or portlens -w)"
            ),
            CaptureError::Corrupt { path, offset, detail } => write!(
                f,
                "{path}: the capture is damaged at byte {offset}: {detail}; the packets before it were read"
            ),
            CaptureError::Truncated { path, offset, record, what, needed, have } => write!(
                f,
                "{path}: the file is cut short at byte {offset}: record {record} ({what}) needs {needed} bytes \
                 but only {have} remain; every whole packet before it was processed (the capture was \
                 probably still being written, or copied incompletely)"
            ),
            CaptureError::BadFilter { expr, reason } => {
                write!(f, "bad filter expression '{expr}': {reason}; see pcap-filter(7) for the syntax")
            }
            CaptureError::NoSuchDevice { name, available } => {
                write!(f, "no interface named '{name}'; ")?;
                if available.is_empty() {
                    write!(f, "no interfaces are available to capture on")
                } else {
                    write!(f, "available: {} (list them with portlens -D)", available.join(", "))
                }
            }
            CaptureError::Permission { name, reason } => {
                let (exe, args) = command_line();
                write!(
                    f,
                    "cannot capture on '{name}': permission denied ({reason}). Run it as root: sudo {exe} {args}, \
                     or let it capture without root: sudo setcap cap_net_raw,cap_net_admin=eip {exe}"
                )
            }
            CaptureError::DeviceDown { name } => {
                write!(f, "interface '{name}' is down; bring it up first (sudo ip link set {name} up) or pick another with -i")
            }
            CaptureError::NoDevice { reason } => {
                write!(f, "no interface to capture on ({reason}); name one with -i (list them with portlens -D)")
            }
            CaptureError::Live { name, reason } => write!(f, "capture on '{name}' failed: {reason}"),
            CaptureError::Write { path, detail } => write!(f, "cannot write '{path}': {detail}"),
            CaptureError::WriteCut { path, error, packets, partial_record } => {
                let s = if *packets == 1 { "" } else { "s" };
                write!(f, "cannot write '{path}': {error}; ")?;
                if *partial_record {
                    write!(f, "{packets} whole packet{s} went out before it, then part of the next")
                } else {
                    write!(f, "it holds the first {packets} packet{s}, each whole, and reads as a valid capture")
                }
            }
        }
    }
}

impl std::error::Error for CaptureError {}

/// This program's path and its arguments as they were typed, quoted for a shell, so that a
/// message can show the command to copy (`sudo PATH ARGS`).
pub fn command_line() -> (String, String) {
    let exe = std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_else(|_| "portlens".to_string());
    let args: Vec<String> = std::env::args().skip(1).map(|a| shell_quote(&a)).collect();
    (exe, args.join(" "))
}

/// Quotes an argument for a shell when it has characters a shell would interpret.
fn shell_quote(a: &str) -> String {
    if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c)) {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

/// A source of frames: a capture file (or stdin) or a live interface.
pub enum Source {
    /// A pcap/pcapng file or stdin.
    File(FileReader<Box<dyn Read + Send>>),
    /// A live interface.
    Live(LiveCapture),
}

/// Which file a descriptor is: device and inode numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileId {
    /// Device number.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
}

impl FileId {
    /// The identity of an open file.
    pub fn of(f: &File) -> Option<FileId> {
        f.metadata().ok().map(|m| FileId { dev: m.dev(), ino: m.ino() })
    }
}

/// An input file (or stdin), opened before anything is written and before root is given up,
/// so that a missing one fails first and every one can still be read as the user portlens
/// becomes. Reads wait on a pipe or FIFO so that a stop ends them (see `stop::Guarded`).
pub struct InputFile {
    name: String,
    reader: Guarded,
}

impl InputFile {
    /// Opens `path` (`-` is stdin).
    pub fn open(path: &str, stopper: &Stopper) -> Result<InputFile, CaptureError> {
        let io_err = |error| CaptureError::Io { path: path.to_string(), error };
        if path == "-" {
            return Ok(InputFile { name: "stdin".to_string(), reader: Guarded::stdin(stopper).map_err(io_err)? });
        }
        let f = File::open(path).map_err(io_err)?;
        if f.metadata().map(|m| m.is_dir()).unwrap_or(false) {
            return Err(io_err(io::Error::from(io::ErrorKind::IsADirectory)));
        }
        Ok(InputFile { name: path.to_string(), reader: Guarded::new(f, stopper) })
    }

    /// Which file it is.
    pub fn id(&self) -> Option<FileId> {
        FileId::of(self.reader.file())
    }

    /// How messages name it: the path, or "stdin".
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Source {
    /// Starts reading an input file: its header is read now.
    pub fn from_input(input: InputFile) -> Result<Source, CaptureError> {
        let reader: Box<dyn Read + Send> = Box::new(input.reader);
        Ok(Source::File(FileReader::new(&input.name, reader)?))
    }

    /// The next frame, `None` at the end (or when a live capture was stopped).
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        match self {
            Source::File(f) => f.next_frame(),
            Source::Live(l) => l.next_frame(),
        }
    }

    /// A name for messages: the file path or the interface.
    pub fn name(&self) -> &str {
        match self {
            Source::File(f) => f.name(),
            Source::Live(l) => l.name(),
        }
    }
}
