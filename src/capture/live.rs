//! Live capture through libpcap: opening an interface (with the errors a person can act on),
//! listing interfaces (`-D`), and a capture thread that hands batches of frames to the ordered
//! decode loop through a bounded channel.
//!
//! The capture thread only copies: each `pcap_dispatch` call drains what the kernel has ready
//! into one `bytes::BytesMut` batch, which is frozen and sent. Decoding, tracking and printing
//! happen on the main thread, in packet order. When the printer is slow the channel fills, the
//! capture thread waits, and the kernel ring absorbs the burst (drops are counted and reported).

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use bytes::{BufMut, Bytes, BytesMut};
use pcap::{Active, Capture, Device};

use super::CaptureError;
use crate::model::{Frame, LinkType, Timestamp, TsPrecision};
use crate::stop::Stopper;

/// How to open a live capture (tcpdump's flags).
#[derive(Clone, Debug)]
pub struct LiveOptions {
    /// Interface name; `None` picks the first up, non-loopback interface, as tcpdump does.
    pub device: Option<String>,
    /// Snap length in bytes (`-s`; 0 means the maximum, 262144).
    pub snaplen: u32,
    /// Promiscuous mode (off with `-p`).
    pub promisc: bool,
    /// Kernel buffer size in KiB (`-B`).
    pub buffer_kib: Option<u32>,
    /// Deliver packets as they arrive instead of in kernel-buffered blocks.
    pub immediate: bool,
    /// BPF filter, compiled by libpcap and attached to the socket.
    pub filter: Option<String>,
}

/// Counters libpcap keeps for a live capture.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiveStats {
    /// Packets the filter accepted (tcpdump's "received by filter").
    pub received: u64,
    /// Packets the kernel dropped because the buffer was full.
    pub dropped: u64,
    /// Packets the interface or driver dropped.
    pub if_dropped: u64,
}

struct Record {
    ts: Timestamp,
    len: u32,
    start: u32,
    caplen: u32,
}

enum Msg {
    Batch(Bytes, Vec<Record>),
    Error(CaptureError),
}

/// An open live capture. Call [`LiveCapture::start`] (after dropping privileges) and then read
/// frames with [`LiveCapture::next_frame`].
pub struct LiveCapture {
    name: String,
    linktype: LinkType,
    /// The packet socket's descriptor (for the sandbox: nothing may be sent through it).
    fd: i32,
    cap: Option<Capture<Active>>,
    rx: Option<Receiver<Msg>>,
    thread: Option<JoinHandle<Option<LiveStats>>>,
    batch: Bytes,
    records: Vec<Record>,
    next: usize,
    stats: Option<LiveStats>,
    stopper: Stopper,
}

/// Names of all interfaces libpcap can capture on.
pub fn device_names() -> Vec<String> {
    Device::list().map(|l| l.into_iter().map(|d| d.name).collect()).unwrap_or_default()
}

/// `-D`: one line per interface, numbered, with flags and addresses (tcpdump's layout).
pub fn list_devices(out: &mut dyn std::io::Write) -> Result<(), CaptureError> {
    let devices = Device::list().map_err(|e| CaptureError::NoDevice { reason: e.to_string() })?;
    if devices.is_empty() {
        return Err(CaptureError::NoDevice { reason: "libpcap found no interfaces".into() });
    }
    let w = |e: std::io::Error| CaptureError::Write { path: "stdout".into(), detail: e.to_string() };
    for (i, d) in devices.iter().enumerate() {
        let mut flags = Vec::new();
        if d.flags.is_loopback() {
            flags.push("Loopback");
        }
        if d.flags.is_up() {
            flags.push("Up");
        }
        if d.flags.is_running() {
            flags.push("Running");
        }
        if d.flags.is_wireless() {
            flags.push("Wireless");
        }
        match d.flags.connection_status {
            pcap::ConnectionStatus::Connected => flags.push("Connected"),
            pcap::ConnectionStatus::Disconnected => flags.push("Disconnected"),
            _ => {}
        }
        write!(out, "{}.{}", i + 1, d.name).map_err(w)?;
        if let Some(desc) = &d.desc {
            write!(out, " ({desc})").map_err(w)?;
        }
        writeln!(out, " [{}]", flags.join(", ")).map_err(w)?;
        for a in &d.addresses {
            write!(out, "    {}", a.addr).map_err(w)?;
            if let Some(m) = a.netmask {
                write!(out, " netmask {m}").map_err(w)?;
            }
            writeln!(out).map_err(w)?;
        }
    }
    Ok(())
}

fn classify(name: &str, err: pcap::Error) -> CaptureError {
    let reason = err.to_string().trim_start_matches("libpcap error: ").to_string();
    let lower = reason.to_lowercase();
    if lower.contains("permission") || lower.contains("operation not permitted") {
        CaptureError::Permission { name: name.to_string(), reason }
    } else if lower.contains("no such device") || lower.contains("doesn't exist") || lower.contains("does not exist") {
        CaptureError::NoSuchDevice { name: name.to_string(), available: device_names() }
    } else if lower.contains("not up") {
        CaptureError::DeviceDown { name: name.to_string() }
    } else {
        CaptureError::Live { name: name.to_string(), reason }
    }
}

impl LiveCapture {
    /// Opens the interface and attaches the filter. Nothing is read until [`LiveCapture::start`].
    pub fn open(opts: &LiveOptions, stopper: Stopper) -> Result<LiveCapture, CaptureError> {
        let name = match &opts.device {
            Some(n) => n.clone(),
            None => default_device()?,
        };
        if name != "any" && !device_names().contains(&name) {
            return Err(CaptureError::NoSuchDevice { name, available: device_names() });
        }
        let snaplen = if opts.snaplen == 0 { 262_144 } else { opts.snaplen.min(262_144) };
        let mut inactive = Capture::from_device(name.as_str())
            .map_err(|e| classify(&name, e))?
            .snaplen(snaplen as i32)
            .promisc(opts.promisc)
            .immediate_mode(opts.immediate)
            .timeout(100);
        if let Some(kib) = opts.buffer_kib {
            inactive = inactive.buffer_size(kib.saturating_mul(1024).min(i32::MAX as u32) as i32);
        }
        let mut cap = inactive.open().map_err(|e| classify(&name, e))?;
        if let Some(expr) = &opts.filter {
            cap.filter(expr, true).map_err(|e| CaptureError::BadFilter {
                expr: expr.clone(),
                reason: e.to_string().trim_start_matches("libpcap error: ").to_string(),
            })?;
        }
        let linktype = LinkType((cap.get_datalink().0 & 0xffff) as u16);
        let breaker = cap.breakloop_handle();
        stopper.on_stop(Box::new(move || breaker.breakloop()));
        let fd = std::os::fd::AsRawFd::as_raw_fd(&cap);
        Ok(LiveCapture {
            name,
            linktype,
            fd,
            cap: Some(cap),
            rx: None,
            thread: None,
            batch: Bytes::new(),
            records: Vec::new(),
            next: 0,
            stats: None,
            stopper,
        })
    }

    /// The interface name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The interface's link type.
    pub fn linktype(&self) -> LinkType {
        self.linktype
    }

    /// The packet socket's descriptor: the capture only ever receives on it.
    pub fn socket_fd(&self) -> i32 {
        self.fd
    }

    /// What libpcap reads while capturing, after the capture is open: the interface's drop
    /// counters, for the statistics at the end (`/sys/class/net/IF/statistics`).
    pub fn files_read_later(&self) -> Vec<std::path::PathBuf> {
        vec![std::path::Path::new("/sys/class/net").join(&self.name).join("statistics")]
    }

    /// Starts the capture thread. `queue` is the number of batches that may wait for the printer.
    pub fn start(&mut self, queue: usize) -> Result<(), CaptureError> {
        let Some(cap) = self.cap.take() else { return Ok(()) };
        let (tx, rx) = sync_channel(queue.max(1));
        let stopper = self.stopper.clone();
        self.rx = Some(rx);
        let thread = std::thread::Builder::new().name("portlens-capture".into()).spawn(move || capture_loop(cap, tx, stopper));
        self.thread = Some(thread.map_err(|e| CaptureError::Live { name: self.name.clone(), reason: format!("cannot start the capture thread: {e}") })?);
        Ok(())
    }

    /// The next captured frame; `None` once the capture has stopped and every frame was read.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        if self.cap.is_some() {
            self.start(64)?;
        }
        while self.next >= self.records.len() {
            let msg = match self.rx.as_ref().map(|rx| rx.recv()) {
                Some(Ok(m)) => m,
                _ => {
                    self.finish();
                    return Ok(None);
                }
            };
            match msg {
                Msg::Batch(b, r) => {
                    self.batch = b;
                    self.records = r;
                    self.next = 0;
                }
                Msg::Error(e) => {
                    self.finish();
                    return Err(e);
                }
            }
        }
        let Some(r) = self.records.get(self.next) else { return Ok(None) };
        self.next += 1;
        let data = self.batch.get(r.start as usize..(r.start + r.caplen) as usize).unwrap_or(&[]);
        Ok(Some(Frame {
            ts: r.ts,
            len: r.len,
            linktype: self.linktype,
            data,
            interface: 0,
            precision: TsPrecision::Micro,
        }))
    }

    /// Stops the capture thread and collects libpcap's counters. Frames still queued are lost,
    /// so call it after `next_frame` returned `None` or when no more output is wanted (`-c`).
    pub fn finish(&mut self) -> Option<LiveStats> {
        self.stopper.stop();
        // Unblock a capture thread waiting on a full channel.
        self.rx = None;
        if let Some(t) = self.thread.take() {
            self.stats = t.join().ok().flatten();
        }
        self.stats
    }
}

fn default_device() -> Result<String, CaptureError> {
    let devices = Device::list().map_err(|e| CaptureError::NoDevice { reason: e.to_string() })?;
    devices
        .iter()
        .find(|d| d.flags.is_up() && !d.flags.is_loopback() && d.name != "any")
        .or_else(|| devices.iter().find(|d| d.flags.is_up() && d.name != "any"))
        .map(|d| d.name.clone())
        .ok_or_else(|| CaptureError::NoDevice { reason: "no interface is up".into() })
}

fn capture_loop(mut cap: Capture<Active>, tx: SyncSender<Msg>, stopper: Stopper) -> Option<LiveStats> {
    let mut buf = BytesMut::with_capacity(1 << 18);
    while !stopper.stopped() {
        let mut records = Vec::new();
        let res = cap.dispatch(None, |p| {
            let start = buf.len() as u32;
            buf.put_slice(p.data);
            records.push(Record {
                ts: Timestamp::new(p.header.ts.tv_sec, (p.header.ts.tv_usec.max(0) as u64) * 1000),
                len: p.header.len,
                start,
                caplen: p.data.len() as u32,
            });
        });
        match res {
            Ok(_) | Err(pcap::Error::TimeoutExpired) => {
                if !records.is_empty() {
                    let batch = buf.split().freeze();
                    if tx.send(Msg::Batch(batch, records)).is_err() {
                        break;
                    }
                    if buf.capacity() < 1 << 16 {
                        buf.reserve(1 << 18);
                    }
                }
            }
            Err(e) => {
                if stopper.stopped() {
                    break;
                }
                let _ = tx.send(Msg::Error(CaptureError::Live { name: "capture".into(), reason: e.to_string() }));
                break;
            }
        }
    }
    cap.stats().ok().map(|s| LiveStats {
        received: u64::from(s.received),
        dropped: u64::from(s.dropped),
        if_dropped: u64::from(s.if_dropped),
    })
}
