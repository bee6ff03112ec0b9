//! The stages a frame passes after the source, each a small type with one job: the BPF filter,
//! `-w`, and the rest (decode → track → view), which runs on this thread or is split across
//! two (see [`Downstream`]); and the reports written after the last frame.

use std::io::{self, Write};
use std::thread::{self, Scope, ScopedJoinHandle};

use super::AppError;
use super::frames::SourceStart;
use crate::capture::writer::WriteOptions;
use crate::capture::{CaptureError, CaptureWriter, FileId, Filter};
use crate::i18n::Tr;
use crate::decode::decode;
use crate::flow::{Tracker, TrackerConfig};
use crate::model::flow::PacketNote;
use crate::model::{Frame, Packet};
use crate::pipeline::{self, Feeder};
use crate::render::PacketView;
use crate::render::bits::BitsView;
use crate::render::json::JsonView;
use crate::render::ladder::{LadderOptions, LadderView};
use crate::render::line::LineView;
use crate::render::flows::FlowsOptions;
use crate::render::{flows, stats};
use crate::settings::{Input, Settings, View};
use crate::vocab::Language;
use crate::stop::Stopper;

/// The BPF filter for files (a live capture's filter runs in the kernel). Compiled per link
/// type; the first source's is compiled when the stage is made, so a bad expression fails
/// before anything is written.
pub struct FilterStage(Option<Filter>, Language);

impl FilterStage {
    /// The filter of a run, checked against the link type its input starts with.
    pub fn new(s: &Settings, first: Option<SourceStart>) -> Result<FilterStage, CaptureError> {
        let mut filter = match (&s.input, &s.filter) {
            (Input::Files(_), Some(expr)) => Some(Filter::new(expr)),
            _ => None,
        };
        if let (Some(f), Some(lt)) = (filter.as_mut(), first.and_then(|st| st.linktype)) {
            f.prepare(lt)?;
        }
        Ok(FilterStage(filter, s.lang))
    }

    /// A new source starts: compile the filter for the link type it announces.
    pub fn begin(&mut self, start: &SourceStart) -> Result<(), CaptureError> {
        match (self.0.as_mut(), start.linktype) {
            (Some(f), Some(lt)) => f.prepare(lt),
            _ => Ok(()),
        }
    }

    /// Whether the frame passes.
    #[inline]
    pub fn keep(&mut self, frame: &Frame<'_>) -> Result<bool, CaptureError> {
        match self.0.as_mut() {
            Some(f) => f.matches(frame),
            None => Ok(true),
        }
    }

    /// Says on stderr which link types the expression could not apply to.
    pub fn report_skipped(&self) {
        if let Some(flt) = &self.0 {
            for (lt, why) in &flt.skipped_linktypes {
                let t = Tr(self.1).f(
                    "the filter '{expr}' does not apply to link type {lt} ({why}); those packets were skipped",
                    &[("expr", &flt.expr()), ("lt", &lt.0), ("why", why)],
                );
                eprintln!("portlens: {t}");
            }
        }
    }
}

/// `-w`: the frames that passed the filter, unmodified (cut to the snap length when longer).
///
/// When a write fails (a full disk), the frame being handled still goes on to be printed; the
/// error ends the run at the next frame, or at the end: every packet read before the error
/// is printed, and the file holds every whole record that fitted.
pub struct WriteStage {
    writer: Option<CaptureWriter>,
    failed: Option<CaptureError>,
    stopper: Stopper,
    lang: Language,
}

impl WriteStage {
    /// Creates the `-w` file (when asked for): made after the inputs and the filter are
    /// checked and root is given up, as the user the run now is (`created_as`); never one of
    /// the `inputs`.
    pub fn create(s: &Settings, inputs: &[FileId], created_as: Option<&str>, stopper: &Stopper) -> Result<WriteStage, CaptureError> {
        let opts = WriteOptions { per_packet_flush: s.write_flush, inputs, created_as };
        let writer = match &s.write {
            Some(p) => Some(CaptureWriter::create(p, opts, stopper)?),
            None => None,
        };
        Ok(WriteStage { writer, failed: None, stopper: stopper.clone(), lang: s.lang })
    }

    /// A new source starts: a source with a single link type (classic pcap, live) has its
    /// header written now, so that a filter matching nothing still leaves a valid file of the
    /// same link type.
    pub fn begin(&mut self, start: &SourceStart) -> Result<(), CaptureError> {
        match (self.writer.as_mut(), start.linktype) {
            (Some(w), Some(lt)) if start.single_linktype => w.begin(lt, start.precision),
            _ => Ok(()),
        }
    }

    /// Writes one frame. A failed write is returned with the next frame (this one is printed).
    #[inline]
    pub fn frame(&mut self, frame: &Frame<'_>) -> Result<(), CaptureError> {
        let Some(w) = self.writer.as_mut() else { return Ok(()) };
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        if let Err(e) = w.write(frame) {
            self.failed = Some(e);
        }
        Ok(())
    }

    /// Flushes the file (or returns the error that stopped it) and says on stderr which frames
    /// were cut to the snap length.
    pub fn finish(&mut self) -> Result<(), CaptureError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let Some(w) = self.writer.as_mut() else { return Ok(()) };
        let written = w.finish()?;
        if self.stopper.cut_short_by().is_some() {
            // The run ends on an error about stdout: say that the file is whole.
            let t = Tr(self.lang).f(
                "'{path}' is complete: it holds the {n} packets read before the stop",
                &[("path", &w.path()), ("n", &written.packets)],
            );
            eprintln!("portlens: {t}");
        }
        if written.cut_to_snaplen > 0 {
            let t = Tr(self.lang).f(
                "{cut} of the {n} packets written to '{path}' were longer than its snap length ({snaplen} bytes) and were cut to it",
                &[
                    ("cut", &written.cut_to_snaplen),
                    ("n", &written.packets),
                    ("path", &w.path()),
                    ("snaplen", &crate::capture::writer::SNAPLEN),
                ],
            );
            eprintln!("portlens: {t}");
        }
        Ok(())
    }
}

/// The tracker of a run, when anything needs it (a per-packet view's annotations, `--flows`,
/// `--stats`).
pub fn tracker(s: &Settings) -> Option<Tracker> {
    let wanted = s.view != View::None || s.flows || s.stats;
    wanted.then(|| {
        Tracker::new(TrackerConfig {
            max_flows: s.max_flows,
            idle_timeout_secs: s.flow_timeout_secs,
            records: s.flows,
            stats: s.stats,
        })
    })
}

/// The per-packet view. The line, JSON and bits views are called directly (generic over the
/// writer, so the stdout buffer's writes inline); the ladder through [`PacketView`].
pub enum Printer {
    /// One line per packet.
    Line(LineView),
    /// JSON Lines.
    Json(JsonView),
    /// Port bit diagrams.
    Bits(Box<BitsView>),
    /// Ladder diagrams, printed as connections end.
    Ladder(Box<LadderView>),
    /// Nothing per packet.
    Nothing,
}

impl Printer {
    /// The view the settings chose.
    pub fn new(s: &Settings) -> Printer {
        match s.view {
            View::Json => Printer::Json(JsonView::new()),
            View::None => Printer::Nothing,
            View::Line => Printer::Line(LineView::new(s.line)),
            View::Bits => Printer::Bits(Box::new(BitsView::new(s.line, s.color, s.lang))),
            View::Ladder => Printer::Ladder(Box::new(LadderView::new(LadderOptions {
                services: s.line.services,
                absolute_seq: s.line.absolute_seq,
                max_open: s.max_flows,
                idle_timeout_secs: s.flow_timeout_secs,
                lang: s.lang,
                ..LadderOptions::default()
            }))),
        }
    }

    /// Writes one packet.
    #[inline]
    pub fn packet<W: Write>(&mut self, w: &mut W, pkt: &Packet<'_>, note: &PacketNote) -> io::Result<()> {
        match self {
            Printer::Line(v) => v.packet(w, pkt, note),
            Printer::Json(v) => v.packet(w, pkt, note),
            Printer::Bits(v) => v.packet(w, pkt, note),
            Printer::Ladder(v) => v.packet(w, pkt, note),
            Printer::Nothing => Ok(()),
        }
    }

    /// Writes what the view keeps for the end of the input (the ladders still open).
    pub fn finish<W: Write>(&mut self, w: &mut W) -> io::Result<()> {
        match self {
            Printer::Ladder(v) => v.finish(w),
            _ => Ok(()),
        }
    }

    /// Whether the view's state is all in the packet and its note, so that a second thread may
    /// print it from a copy of the frame (the ladder keeps state past the last packet).
    fn printable_elsewhere(&self) -> bool {
        matches!(self, Printer::Line(_) | Printer::Json(_) | Printer::Bits(_))
    }
}

/// Where the stages after `-w` (decode → track → view) run.
///
/// Reading files, a second thread takes part of the work: the view when there is one that can
/// be printed from a copy of the frame, else the tracking when only the reports are wanted. Not
/// with `-l` (each packet must reach the screen at once), the ladder (its state reaches past
/// the last packet) or live input (a packet would wait for its batch to fill).
pub enum Downstream<'scope, W: Write> {
    /// Decode → track → view, all on this thread.
    Here {
        /// The tracker, when tracking.
        tracker: Option<&'scope mut Tracker>,
        /// The view.
        printer: &'scope mut Printer,
        /// Where the view writes.
        out: &'scope mut W,
        /// Flush after every packet (`-l`, a terminal).
        flush_each: bool,
        /// `--flows --json`: write each connection's record when it ends.
        flow_log: Option<FlowsOptions>,
    },
    /// Decode → track here; each frame, with the tracker's note (and the records of the
    /// connections it ended, with `--flows --json`), goes to the printer thread, which decodes
    /// it again and prints it in order (see `pipeline`).
    ViewOnPrinterThread {
        /// The tracker, when tracking.
        tracker: Option<&'scope mut Tracker>,
        /// Hand the records of connections that ended to the printer thread.
        flow_log: bool,
        /// This end of the hand-over.
        feeder: Feeder,
        /// The printer thread.
        thread: ScopedJoinHandle<'scope, io::Result<()>>,
    },
    /// Only the reports (and the connection log) are wanted: each frame goes to the second
    /// thread, which decodes and tracks it, and writes each connection's record as it ends
    /// with `--flows --json`.
    TrackOnSecondThread {
        /// This end of the hand-over.
        feeder: Feeder,
        /// The tracking thread.
        thread: ScopedJoinHandle<'scope, io::Result<()>>,
    },
}

impl<'scope, W: Write + Send> Downstream<'scope, W> {
    /// Lays the stages out on threads as the run allows (see the type's description).
    pub fn connect<'env>(
        scope: &'scope Scope<'scope, 'env>,
        s: &Settings,
        tracker: Option<&'scope mut Tracker>,
        printer: &'scope mut Printer,
        out: &'scope mut W,
    ) -> Result<Downstream<'scope, W>, AppError> {
        let flush_each = s.line_buffered;
        let second_thread = matches!(s.input, Input::Files(_)) && !flush_each;
        let fo = flows::FlowsOptions { services: s.line.services, lang: s.lang };
        let flow_log = (s.flow_log && tracker.is_some()).then_some(fo);
        if second_thread && printer.printable_elsewhere() {
            let (feeder, drain) = pipeline::channel();
            let thread = spawn(scope, move || {
                drain.run_with_records(out, |w, pkt, note| printer.packet(w, pkt, note), |w, r| flows::write_json_flow(w, r, &fo))
            })?;
            return Ok(Downstream::ViewOnPrinterThread { tracker, flow_log: flow_log.is_some(), feeder, thread });
        }
        if second_thread && matches!(printer, Printer::Nothing) {
            if let Some(tracker) = tracker {
                let (feeder, drain) = pipeline::channel();
                let thread = spawn(scope, move || {
                    drain.run(out, |w, pkt, _| {
                        tracker.observe(pkt);
                        write_ended(w, tracker, flow_log.as_ref())
                    })
                })?;
                return Ok(Downstream::TrackOnSecondThread { feeder, thread });
            }
        }
        Ok(Downstream::Here { tracker, printer, out, flush_each, flow_log })
    }

    /// Takes one frame (number `no` in the input). `Ok(false)` when the second thread has
    /// stopped (its output failed): stop reading; [`Downstream::finish`] returns its error.
    #[inline]
    pub fn frame(&mut self, frame: &Frame<'_>, no: u64) -> Result<bool, AppError> {
        match self {
            Downstream::Here { tracker, printer, out, flush_each, flow_log } => {
                let pkt = decode(frame, no);
                let note = track(tracker, &pkt);
                printer.packet(*out, &pkt, &note).map_err(AppError::Output)?;
                if let Some(t) = tracker {
                    write_ended(*out, t, flow_log.as_ref()).map_err(AppError::Output)?;
                }
                if *flush_each {
                    out.flush().map_err(AppError::Output)?;
                }
                Ok(true)
            }
            Downstream::ViewOnPrinterThread { tracker, flow_log, feeder, .. } => {
                let Some(t) = tracker else { return Ok(feeder.push(frame, no, PacketNote::default())) };
                let note = t.observe(&decode(frame, no));
                let more = feeder.push(frame, no, note);
                if *flow_log {
                    for r in t.take_ended() {
                        feeder.push_record(r);
                    }
                }
                Ok(more)
            }
            Downstream::TrackOnSecondThread { feeder, .. } => Ok(feeder.push(frame, no, PacketNote::default())),
        }
    }

    /// Hands over what is left and waits for the second thread: everything taken has been
    /// printed (or tracked) when this returns. Its output error (a closed pipe, say) is what
    /// stopped the reading.
    pub fn finish(self) -> Result<(), AppError> {
        let thread = match self {
            Downstream::Here { .. } => return Ok(()),
            Downstream::ViewOnPrinterThread { feeder, thread, .. } | Downstream::TrackOnSecondThread { feeder, thread } => {
                feeder.finish();
                thread
            }
        };
        match thread.join() {
            Ok(r) => r.map_err(AppError::Output),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// The tracker's note on a packet (empty when not tracking).
#[inline]
fn track(tracker: &mut Option<&mut Tracker>, pkt: &Packet<'_>) -> PacketNote {
    match tracker {
        Some(t) => t.observe(pkt),
        None => PacketNote::default(),
    }
}

/// With `--flows --json`, writes the records of the connections that ended since the last
/// packet.
#[inline]
fn write_ended<W: Write + ?Sized>(w: &mut W, tracker: &mut Tracker, flow_log: Option<&FlowsOptions>) -> io::Result<()> {
    if let Some(o) = flow_log {
        for r in tracker.take_ended() {
            flows::write_json_flow(w, &r, o)?;
        }
    }
    Ok(())
}

/// Starts the second thread.
fn spawn<'scope, 'env, F>(scope: &'scope Scope<'scope, 'env>, f: F) -> Result<ScopedJoinHandle<'scope, io::Result<()>>, AppError>
where
    F: FnOnce() -> io::Result<()> + Send + 'scope,
{
    thread::Builder::new()
        .name("portlens-2".into())
        .spawn_scoped(scope, f)
        .map_err(|e| AppError::Failed("cannot start a second thread", e))
}

/// The reports written after the last frame (or on Ctrl-C): what the view keeps for the end
/// (open ladders), the connection table (`--flows`) and the counts (`--stats`).
pub fn reports<W: Write>(out: &mut W, s: &Settings, tracker: Option<&mut Tracker>, printer: &mut Printer) -> Result<(), AppError> {
    printer.finish(out).map_err(AppError::Output)?;
    let Some(tracker) = tracker else { return Ok(()) };
    let json = s.json;
    let gap = if json || s.view == View::None { "" } else { "\n" };
    if s.flows {
        let report = tracker.finish();
        let o = flows::FlowsOptions { services: s.line.services, lang: s.lang };
        let res = if json {
            // The connection log alone (`--flows --json`) holds flow records only; with the
            // packet records (`--print`) or `-v` come the detections and the summary.
            let tail = s.view == View::Json || s.verbose > 0;
            flows::write_json(out, &report, &o, tail)
        } else {
            out.write_all(gap.as_bytes()).and_then(|()| {
                if s.verbose > 0 { flows::write_text_detailed(out, &report, &o) } else { flows::write_text(out, &report, &o) }
            })
        };
        res.map_err(AppError::Output)?;
    }
    if let Some(report) = tracker.stats() {
        let o = stats::StatsOptions { services: s.line.services, lang: s.lang };
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
