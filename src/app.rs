//! The ordered loop: next frame → filter → `-w` → decode → track → render, in packet order,
//! then the end-of-run reports. Owns stdout (buffered; flushed per packet when line-buffered)
//! and turns a closed stdout into a quiet, successful stop.

use std::io::{self, Write};
use std::thread;

use crate::capture::{CaptureError, CaptureWriter, Filter, LiveCapture, LiveStats, Source, Stopper, live};
use crate::decode::decode;
use crate::flow::{Tracker, TrackerConfig};
use crate::model::flow::PacketNote;
use crate::model::{Packet, TsPrecision};
use crate::pipeline;
use crate::privs;
use crate::render::json::JsonView;
use crate::render::PacketView;
use crate::render::line::LineView;
use crate::render::progress::Progress;
use crate::render::{flows, ladder, stats};
use crate::settings::{Input, Settings, View};

/// Why a run ended badly.
#[derive(Debug)]
pub enum AppError {
    /// Capture side: file, interface, filter, `-w`.
    Capture(CaptureError),
    /// Writing to stdout failed (other than a closed pipe).
    Output(io::Error),
    /// Anything else, already in words.
    Other(String),
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Capture(e) => write!(f, "{e}"),
            AppError::Output(e) => write!(f, "cannot write the output: {e}"),
            AppError::Other(s) => f.write_str(s),
        }
    }
}

impl From<CaptureError> for AppError {
    fn from(e: CaptureError) -> Self {
        AppError::Capture(e)
    }
}

/// Buffered stdout. Like `BufWriter`, but its `write_all` is small enough to inline, so the
/// many short, often constant pieces a line is made of are copied with plain moves rather than
/// a call each (this is most of what printing a line costs).
struct Out<W: Write> {
    inner: W,
    buf: Box<[u8]>,
    len: usize,
}

impl<W: Write> Out<W> {
    fn new(inner: W) -> Out<W> {
        Out { inner, buf: vec![0; 1 << 16].into_boxed_slice(), len: 0 }
    }

    /// Writes out the buffer.
    fn drain(&mut self) -> io::Result<()> {
        let pending = self.buf.get(..self.len).unwrap_or(&[]);
        let r = self.inner.write_all(pending);
        self.len = 0;
        r
    }

    /// The slow path of `write_all`: the piece does not fit in what is left of the buffer.
    #[cold]
    fn spill(&mut self, b: &[u8]) -> io::Result<()> {
        self.drain()?;
        match self.buf.get_mut(..b.len()) {
            Some(dst) => {
                dst.copy_from_slice(b);
                self.len = b.len();
                Ok(())
            }
            None => self.inner.write_all(b),
        }
    }
}

impl<W: Write> Write for Out<W> {
    #[inline]
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.write_all(b)?;
        Ok(b.len())
    }

    #[inline(always)]
    fn write_all(&mut self, b: &[u8]) -> io::Result<()> {
        let end = self.len + b.len();
        match self.buf.get_mut(self.len..end) {
            Some(dst) => {
                dst.copy_from_slice(b);
                self.len = end;
                Ok(())
            }
            None => self.spill(b),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain()?;
        self.inner.flush()
    }
}

/// Whether an output error only means the reader went away (`| head`): stop quietly.
pub fn is_closed_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}

/// Installs SIGINT/SIGTERM handling: the first signal stops the capture (output is flushed and
/// reports are printed); a second one exits at once.
pub fn install_signals(stopper: &Stopper) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else { return };
    let st = stopper.clone();
    thread::spawn(move || {
        let mut n = 0;
        for _ in signals.forever() {
            n += 1;
            if n == 1 {
                st.stop();
            } else {
                std::process::exit(130);
            }
        }
    });
}

/// What one packet is printed with. The line, JSON and bits views are called directly (generic
/// over the writer, so the stdout buffer's writes inline); the ladder goes through [`PacketView`].
enum Printer {
    Line(LineView),
    Json(JsonView),
    Bits(Box<crate::render::bits::BitsView>),
    Other(Box<dyn PacketView + Send>),
    None,
}

impl Printer {
    /// Writes one packet with the chosen view.
    fn packet<W: Write>(&mut self, w: &mut W, pkt: &Packet<'_>, note: &PacketNote) -> io::Result<()> {
        match self {
            Printer::Line(v) => v.packet(w, pkt, note),
            Printer::Json(v) => v.packet(w, pkt, note),
            Printer::Bits(v) => v.packet(w, pkt, note),
            Printer::Other(v) => v.packet(w, pkt, note),
            Printer::None => Ok(()),
        }
    }
}

/// What the packet loop does with a frame: decode, track (when `tracker` is set) and print it
/// here, or hand it to the other thread (`pipeline`), tracking it here first when `tracker`
/// is set (the other thread prints) or not at all (the other thread tracks).
enum Sink<'a, W: Write> {
    Direct { printer: &'a mut Printer, out: &'a mut W, tracker: Option<&'a mut Tracker> },
    Piped { feeder: pipeline::Feeder, tracker: Option<&'a mut Tracker> },
}

/// Starts the file loop's second thread (see `run_inner`).
fn spawn_second<'scope, F>(
    scope: &'scope thread::Scope<'scope, '_>,
    f: F,
) -> Result<thread::ScopedJoinHandle<'scope, io::Result<()>>, AppError>
where
    F: FnOnce() -> io::Result<()> + Send + 'scope,
{
    thread::Builder::new()
        .name("portlens-2".into())
        .spawn_scoped(scope, f)
        .map_err(|e| AppError::Other(format!("cannot start a second thread: {e}")))
}

/// Builds the per-packet printer for the chosen view.
fn make_printer(s: &Settings) -> Printer {
    match s.view {
        View::Json => Printer::Json(JsonView::new()),
        View::None => Printer::None,
        View::Line => Printer::Line(LineView::new(s.line)),
        View::Bits => Printer::Bits(Box::new(crate::render::bits::BitsView::new(s.line, s.color, s.lang))),
        View::Ladder => Printer::Other(Box::new(ladder::LadderView::new(ladder::LadderOptions {
            services: s.line.services,
            absolute_seq: s.line.absolute_seq,
            max_open: s.max_flows,
            idle_timeout_secs: s.flow_timeout_secs,
            ..ladder::LadderOptions::default()
        }))),
    }
}

/// The reports printed after the last packet (or on Ctrl-C): the connection table
/// (`--flows`), the counts (`--stats`), and whatever a view prints at the end.
fn end_reports<W: Write>(out: &mut W, s: &Settings, tracker: &mut Tracker, printer: &mut Printer) -> Result<(), AppError> {
    if let Printer::Other(v) = printer {
        v.finish(out).map_err(AppError::Output)?;
    }
    let json = s.view == View::Json;
    let gap = if json || s.view == View::None { "" } else { "\n" };
    if s.flows {
        let report = tracker.finish();
        let o = flows::FlowsOptions { services: s.line.services };
        let res = if json {
            flows::write_json(out, &report, &o)
        } else {
            out.write_all(gap.as_bytes()).and_then(|()| flows::write_text(out, &report, &o))
        };
        res.map_err(AppError::Output)?;
    }
    if let Some(report) = tracker.stats() {
        let o = stats::StatsOptions { services: s.line.services };
        let res = if json {
            stats::write_json(out, &report, &o)
        } else {
            let gap = if s.flows { "\n" } else { gap };
            out.write_all(gap.as_bytes()).and_then(|()| stats::write_text(out, &report, &o))
        };
        res.map_err(AppError::Output)?;
    }
    Ok(())
}

/// Runs a capture or file read to the end. Errors after some output (a truncated file) come
/// back as `Err` after everything before them was printed and the reports were written.
pub fn run(s: &Settings) -> Result<(), AppError> {
    let stopper = Stopper::new();
    install_signals(&stopper);

    // Unlocked: the printer thread writes to it (a lock is taken per 64 KiB buffer).
    let mut out = Out::new(io::stdout());
    let result = run_inner(s, &stopper, &mut out);
    let flushed = out.flush();
    match (result, flushed) {
        (Err(AppError::Output(e)), _) if is_closed_pipe(&e) => Ok(()),
        (Err(e), _) => Err(e),
        (Ok(()), Err(e)) if is_closed_pipe(&e) => Ok(()),
        (Ok(()), Err(e)) => Err(AppError::Output(e)),
        (Ok(()), Ok(())) => Ok(()),
    }
}

fn run_inner<W: Write + Send>(s: &Settings, stopper: &Stopper, out: &mut W) -> Result<(), AppError> {
    let mut printer = make_printer(s);
    let track = !matches!(s.view, View::None) || s.flows || s.stats;
    let mut tracker = Tracker::new(TrackerConfig {
        max_flows: s.max_flows,
        idle_timeout_secs: s.flow_timeout_secs,
        records: s.flows,
        stats: s.stats,
    });
    let mut writer = match &s.write {
        Some(p) => Some(CaptureWriter::create(p, s.write_flush)?),
        None => None,
    };
    let mut filter = match (&s.input, &s.filter) {
        (Input::Files(_), Some(expr)) => Some(Filter::new(expr)),
        _ => None,
    };

    let mut sources: Vec<Source> = Vec::new();
    let mut live_stats: Option<LiveStats> = None;
    match &s.input {
        Input::Live(opts) => {
            let mut cap = LiveCapture::open(opts, stopper.clone())?;
            if let Some(w) = writer.as_mut() {
                w.begin(cap.linktype(), TsPrecision::Micro)?;
            }
            drop_privileges(s)?;
            eprintln!(
                "portlens: listening on {}, link type {}{}, snapshot length {} bytes",
                cap.name(),
                cap.linktype().0,
                cap.linktype().name().map(|n| format!(" ({n})")).unwrap_or_default(),
                if opts.snaplen == 0 { 262_144 } else { opts.snaplen }
            );
            cap.start(64);
            sources.push(Source::Live(cap));
        }
        Input::Files(paths) => {
            // Open the first file now so that a missing file fails before any output; the
            // rest are opened in turn.
            if let Some(first) = paths.first() {
                sources.push(Source::open_file(first)?);
            }
        }
    }

    let paths: Vec<String> = match &s.input {
        Input::Files(p) => p.clone(),
        Input::Live(_) => Vec::new(),
    };
    let mut progress = Progress::for_files(&paths, s.progress, s.view != View::None);
    let mut frame_no: u64 = 0;
    let mut printed: u64 = 0;
    let mut error: Option<AppError> = None;
    let mut next_path = 1;
    // Reading files, a second thread (see `pipeline`) prints the packets, or, when only the
    // reports are wanted (`--flows`, `--stats`), tracks the connections. Not with -l (each
    // packet must reach the screen at once), the ladder (its state reaches past the last
    // packet) or live captures (a packet would wait for its batch to fill).
    let files = matches!(s.input, Input::Files(_)) && !s.line_buffered;
    let print_there = files && matches!(printer, Printer::Line(_) | Printer::Json(_) | Printer::Bits(_));
    let track_there = files && track && matches!(printer, Printer::None);
    thread::scope(|scope| -> Result<(), AppError> {
        let (mut sink, drain) = if print_there {
            let (feeder, drain) = pipeline::channel();
            let (printer, out) = (&mut printer, &mut *out);
            let h = spawn_second(scope, move || drain.run(out, |w, pkt, note| printer.packet(w, pkt, note)))?;
            let tracker = if track { Some(&mut tracker) } else { None };
            (Sink::Piped { feeder, tracker }, Some(h))
        } else if track_there {
            let (feeder, drain) = pipeline::channel();
            let tracker = &mut tracker;
            let h = spawn_second(scope, move || {
                drain.run(&mut io::sink(), |_, pkt, _| {
                    tracker.observe(pkt);
                    Ok(())
                })
            })?;
            (Sink::Piped { feeder, tracker: None }, Some(h))
        } else {
            let tracker = if track { Some(&mut tracker) } else { None };
            (Sink::Direct { printer: &mut printer, out: &mut *out, tracker }, None)
        };
        let mut src = sources.pop();
        'sources: while let Some(mut source) = src.take() {
            if let (Source::File(f), Some(flt)) = (&source, filter.as_mut()) {
                if let Some(lt) = f.first_linktype() {
                    flt.prepare(lt)?;
                }
            }
            if let (Source::File(f), Some(w)) = (&source, writer.as_mut()) {
                // A classic pcap names its link type up front: write the header now, so that a
                // filter matching nothing still leaves a valid file of the same link type.
                if let (false, Some(lt)) = (f.is_pcapng(), f.first_linktype()) {
                    w.begin(lt, f.precision())?;
                }
            }
            // Whether the whole run ends here (signal, -c, error) rather than this source.
            let mut done = false;
            loop {
                if stopper.stopped() {
                    done = true;
                    break;
                }
                if let (Some(p), Source::File(f)) = (progress.as_mut(), &source) {
                    p.tick(f.bytes_read());
                }
                let frame = match source.next_frame() {
                    Ok(Some(fr)) => fr,
                    Ok(None) => break,
                    Err(e) => {
                        error = Some(e.into());
                        done = true;
                        break;
                    }
                };
                frame_no += 1;
                if let Some(flt) = filter.as_mut() {
                    if !flt.matches(&frame)? {
                        continue;
                    }
                }
                if let Some(w) = writer.as_mut() {
                    w.write(&frame)?;
                }
                match &mut sink {
                    Sink::Direct { printer, out, tracker } => {
                        let pkt = decode(&frame, frame_no);
                        let note = tracker.as_mut().map_or_else(PacketNote::default, |t| t.observe(&pkt));
                        printer.packet(*out, &pkt, &note).map_err(AppError::Output)?;
                        if s.line_buffered {
                            out.flush().map_err(AppError::Output)?;
                        }
                    }
                    Sink::Piped { feeder, tracker } => {
                        // Without a tracker here, the other thread decodes and tracks.
                        let note = tracker
                            .as_mut()
                            .map_or_else(PacketNote::default, |t| t.observe(&decode(&frame, frame_no)));
                        if !feeder.push(&frame, frame_no, note) {
                            // The printer thread stopped on an output error; it is collected below.
                            done = true;
                            break;
                        }
                    }
                }
                printed += 1;
                if s.count.is_some_and(|c| printed >= c) {
                    done = true;
                    break;
                }
            }
            // A live capture is stopped here, while its counters can still be read.
            if let Source::Live(l) = &mut source {
                live_stats = l.finish();
            }
            if done {
                break 'sources;
            }
            if let Some(p) = paths.get(next_path) {
                next_path += 1;
                match Source::open_file(p) {
                    Ok(next) => src = Some(next),
                    Err(e) => {
                        error = Some(e.into());
                        break 'sources;
                    }
                }
            }
        }
        // (An early return above drops the feeder, and the scope waits for the second thread.)
        if let Sink::Piped { feeder, .. } = sink {
            feeder.finish();
        }
        // Everything read has been printed once the second thread ends; its output error (a
        // closed pipe, say) is what stopped the reading.
        if let Some(h) = drain {
            match h.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(AppError::Output(e)),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        Ok(())
    })?;
    if let Some(flt) = &filter {
        for (lt, why) in &flt.skipped_linktypes {
            eprintln!(
                "portlens: the filter '{}' does not apply to link type {} ({why}); those packets were skipped",
                flt.expr(),
                lt.0
            );
        }
    }
    if let Some(w) = writer.as_mut() {
        w.finish()?;
    }
    if let Some(p) = progress.as_mut() {
        p.finish();
    }
    end_reports(out, s, &mut tracker, &mut printer)?;
    out.flush().map_err(AppError::Output)?;
    if let Some(st) = live_stats.or(if matches!(s.input, Input::Live(_)) { Some(LiveStats::default()) } else { None }) {
        eprintln!("{printed} packets captured");
        eprintln!("{} packets received by filter", st.received);
        eprintln!("{} packets dropped by kernel", st.dropped + st.if_dropped);
    }
    match error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Drops root after the capture and `-w` file are open (or says it keeps running as root),
/// then sandboxes the process (see `sandbox.rs`) unless `--no-sandbox`/`--keep-root`.
fn drop_privileges(s: &Settings) -> Result<(), AppError> {
    match privs::target(s.user.as_deref(), s.keep_root).map_err(AppError::Other)? {
        Some(t) => {
            if let Some(p) = s.write.as_deref().filter(|p| *p != "-") {
                let _ = std::os::unix::fs::chown(p, Some(t.uid), Some(t.gid));
            }
            privs::drop_to(&t).map_err(|e| AppError::Other(format!("cannot drop privileges: {e}")))?;
        }
        None => {
            if privs::is_root() {
                eprintln!("portlens: running as root (use -Z USER to drop privileges after opening the capture)");
            }
        }
    }
    if s.sandbox {
        let report = crate::sandbox::restrict();
        if s.verbose > 0 {
            eprintln!("portlens: {}", report.describe());
        }
    }
    Ok(())
}

/// `-D`.
pub fn list_interfaces() -> Result<(), AppError> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    live::list_devices(&mut out)?;
    Ok(())
}
