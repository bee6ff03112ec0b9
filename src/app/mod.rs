//! The run: the packet loop as a chain of stages, composed in [`run_stages`] and read top to
//! bottom: a source of frames (files in turn, stdin, a live interface: [`frames`]) → the BPF
//! filter → `-w` → decode → track → the view ([`stages`]), then the reports. Frames pass in
//! packet order. Which thread runs decode → track → view is a property of how the stages are
//! connected ([`stages::Downstream`]), not a second loop. Between making the stages and
//! starting them, the run gives up root and capabilities and enters the sandbox
//! ([`confine`]); no thread exists before that. Owns stdout ([`out`]; flushed per packet when
//! line-buffered) and turns a closed stdout into a quiet, successful stop.

mod confine;
mod frames;
mod out;
mod stages;

use std::io::{self, Write};
use std::thread;

use crate::capture::{CaptureError, live};
use crate::i18n::Tr;
use crate::render::fields::FieldsWriter;
use crate::vocab::Language;
use crate::settings::Settings;
use crate::stop::{Guarded, Signals, Stopper};

use confine::Privileges;
use frames::Frames;
use out::Out;
use stages::{Downstream, FilterStage, Printer, WriteStage};

/// Why a run ended badly.
#[derive(Debug)]
pub enum AppError {
    /// Capture side: file, interface, filter, `-w`.
    Capture(CaptureError),
    /// Writing to stdout failed (other than a closed pipe).
    Output(io::Error),
    /// Anything else, already in words.
    Other(String),
    /// A step of the run that failed: what (a key of `i18n::Tr`) and the system's error.
    Failed(&'static str, io::Error),
    /// A second signal gave up output that was blocked (a stalled pipe or terminal); what
    /// could be written was. Exits with 128 + the signal's number.
    GivenUp {
        /// The signal.
        signal: i32,
        /// What the run was doing when it gave up.
        error: Option<Box<AppError>>,
    },
}

impl AppError {
    /// Whether the error only says that a stop ended a wait.
    fn only_stopped(&self) -> bool {
        let e = match self {
            AppError::Capture(CaptureError::Io { error, .. } | CaptureError::WriteCut { error, .. }) | AppError::Output(error) => error,
            _ => return false,
        };
        crate::stop::halted(e) == Some(crate::stop::Halt::Stop)
    }

    /// The exit code: 128 + the signal for a run given up by a second signal, else 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            AppError::GivenUp { signal, .. } => u8::try_from(128 + signal).unwrap_or(1),
            _ => 1,
        }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Capture(e) => write!(f, "{e}"),
            AppError::Output(e) => write!(f, "cannot write the output: {e}"),
            AppError::Other(s) => f.write_str(s),
            AppError::Failed(what, e) => write!(f, "{what}: {e}"),
            AppError::GivenUp { signal, error } => {
                write!(f, "stopped by a second {}", crate::stop::signal_name(*signal))?;
                match error.as_deref() {
                    None => Ok(()),
                    Some(AppError::Output(e)) if crate::stop::halted(e).is_some() => {
                        f.write_str(" while stdout was blocked (a stalled pipe or terminal); what it had not taken was dropped")
                    }
                    Some(e) => write!(f, ": {e}"),
                }
            }
        }
    }
}

impl AppError {
    /// The message in the reader's language (`--lang`); the system's own error texts
    /// (`No space left on device`) stay as the system wrote them.
    pub fn message(&self, lang: Language) -> String {
        let tr = Tr(lang);
        if lang == Language::En {
            return self.to_string();
        }
        match self {
            AppError::Capture(e) => capture_message(e, tr),
            AppError::Output(e) => tr.f("cannot write the output: {error}", &[("error", e)]),
            AppError::Other(s) => s.clone(),
            AppError::Failed(what, e) => format!("{}: {e}", tr.s(what)),
            AppError::GivenUp { signal, error } => {
                let mut s = tr.f("stopped by a second {signal}", &[("signal", &crate::stop::signal_name(*signal))]);
                match error.as_deref() {
                    None => {}
                    Some(AppError::Output(e)) if crate::stop::halted(e).is_some() => s.push_str(tr.s(
                        " while stdout was blocked (a stalled pipe or terminal); what it had not taken was dropped",
                    )),
                    Some(e) => {
                        s.push_str(": ");
                        s.push_str(&e.message(lang));
                    }
                }
                s
            }
        }
    }
}

/// A capture error in the language of `tr` (its `Display` is the English).
fn capture_message(e: &CaptureError, tr: Tr) -> String {
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    match e {
        CaptureError::Io { path, error } => match error.kind() {
            io::ErrorKind::NotFound => {
                tr.f("{path}: no such file; check the path (use -r - to read from stdin)", &[("path", path)])
            }
            io::ErrorKind::PermissionDenied => {
                tr.f("{path}: permission denied; check the file's permissions or run with sudo", &[("path", path)])
            }
            io::ErrorKind::IsADirectory => tr.f("{path}: is a directory, not a capture file", &[("path", path)]),
            _ => tr.f("{path}: cannot read: {error}", &[("path", path), ("error", error)]),
        },
        CaptureError::NotCapture { path, detail } => tr.f(
            "{path}: not a capture file portlens can read: {detail}. Give a pcap or pcapng file (as written by tcpdump -w, tshark/dumpcap -w or portlens -w)",
            &[("path", path), ("detail", detail)],
        ),
        CaptureError::Corrupt { path, offset, detail } => tr.f(
            "{path}: the capture is damaged at byte {offset}: {detail}; the packets before it were read",
            &[("path", path), ("offset", offset), ("detail", detail)],
        ),
        CaptureError::Truncated { path, offset, record, what, needed, have } => tr.f(
            "{path}: the file is cut short at byte {offset}: record {record} ({what}) needs {needed} bytes but only {have} remain; every whole packet before it was processed (the capture was probably still being written, or copied incompletely)",
            &[
                ("path", path),
                ("offset", offset),
                ("record", record),
                ("what", what),
                ("needed", needed),
                ("have", have),
            ],
        ),
        CaptureError::BadFilter { expr, reason } => tr.f(
            "bad filter expression '{expr}': {reason}; see pcap-filter(7) for the syntax",
            &[("expr", expr), ("reason", reason)],
        ),
        CaptureError::NoSuchDevice { name, available } => {
            let mut s = tr.f("no interface named '{name}'; ", &[("name", name)]);
            if available.is_empty() {
                s.push_str(tr.s("no interfaces are available to capture on"));
            } else {
                s.push_str(&tr.f("available: {list} (list them with portlens -D)", &[("list", &available.join(", "))]));
            }
            s
        }
        CaptureError::Permission { name, reason } => {
            let (exe, args) = crate::capture::command_line();
            tr.f(
                "cannot capture on '{name}': permission denied ({reason}). Run it as root: sudo {exe} {args}, or let it capture without root: sudo setcap cap_net_raw,cap_net_admin=eip {exe}",
                &[("name", name), ("reason", reason), ("exe", &exe), ("args", &args)],
            )
        }
        CaptureError::DeviceDown { name } => tr.f(
            "interface '{name}' is down; bring it up first (sudo ip link set {name} up) or pick another with -i",
            &[("name", name)],
        ),
        CaptureError::NoDevice { reason } => tr.f(
            "no interface to capture on ({reason}); name one with -i (list them with portlens -D)",
            &[("reason", reason)],
        ),
        CaptureError::Live { name, reason } => {
            tr.f("capture on '{name}' failed: {reason}", &[("name", name), ("reason", reason)])
        }
        CaptureError::Write { path, detail } => {
            tr.f("cannot write '{path}': {detail}", &[("path", path), ("detail", detail)])
        }
        CaptureError::WriteCut { path, error, packets, partial_record } => {
            let mut s = tr.f("cannot write '{path}': {error}; ", &[("path", path), ("error", error)]);
            let args: [(&str, &dyn std::fmt::Display); 2] = [("packets", packets), ("s", &plural(*packets))];
            if *partial_record {
                s.push_str(&tr.f("{packets} whole packet{s} went out before it, then part of the next", &args));
            } else {
                s.push_str(&tr.f("it holds the first {packets} packet{s}, each whole, and reads as a valid capture", &args));
            }
            s
        }
    }
}

impl From<CaptureError> for AppError {
    fn from(e: CaptureError) -> Self {
        AppError::Capture(e)
    }
}

/// Whether an output error only means the reader went away (`| head`): stop quietly.
pub fn is_closed_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}

/// Runs a capture or file read to the end. Errors after some output (a truncated file) come
/// back as `Err` after everything before them was printed and the reports were written.
pub fn run(s: &Settings) -> Result<(), AppError> {
    let setup = |e: io::Error| AppError::Failed("cannot set up signal handling", e);
    let stopper = Stopper::new().map_err(setup)?;
    // From here on a signal is never lost; the thread that acts on it starts after the sandbox.
    let signals = Signals::install(&stopper).map_err(setup)?;

    // Unlocked: the printer thread writes to it (a lock is taken per 64 KiB buffer). A write
    // blocked on a stalled pipe or terminal gives up on a second signal.
    let mut out = Out::new(Guarded::stdout(&stopper).map_err(AppError::Output)?);
    let result = match &s.fields {
        // --fields: the JSON records become rows on their way to stdout.
        Some(f) => run_stages(s, &stopper, signals, &mut FieldsWriter::new(&mut out, f.clone())),
        None => run_stages(s, &stopper, signals, &mut out),
    };
    let flushed = out.flush();
    let result = match (result, flushed) {
        (Err(AppError::Output(e)), _) if is_closed_pipe(&e) => Ok(()),
        // Stopped before anything was read (a signal while waiting for a FIFO's reader).
        (Err(e), _) if e.only_stopped() => Ok(()),
        (Err(e), _) => Err(e),
        (Ok(()), Err(e)) if is_closed_pipe(&e) => Ok(()),
        (Ok(()), Err(e)) => Err(AppError::Output(e)),
        (Ok(()), Ok(())) => Ok(()),
    };
    match stopper.cut_short_by() {
        Some(signal) => Err(AppError::GivenUp { signal, error: result.err().map(Box::new) }),
        None => result,
    }
}

fn run_stages<W: Write + Send>(s: &Settings, stopper: &Stopper, signals: Signals, out: &mut W) -> Result<(), AppError> {
    // The stages, made in the order that checks every input before anything is written: every
    // input file (or the interface), the filter against the first one's link type; then root
    // is given up and the -w file is created as the user the run now is (never an input).
    let mut frames = Frames::open(s, stopper)?;
    let mut filter = FilterStage::new(s, frames.peek_start())?;
    let privileges = Privileges::plan(s, frames.live_capture().is_some())?;
    let user = privileges.become_user()?;
    let mut write = WriteStage::create(s, frames.input_ids(), user.as_deref(), stopper)?;

    // Confined before any thread exists: capabilities (per thread) and Landlock (for this
    // thread and those it starts) then hold for every thread of the run, the signal thread,
    // the capture thread and the printer thread alike.
    privileges.give_up_capabilities()?;
    confine::sandbox(s, &frames);
    signals.listen().map_err(|e| AppError::Failed("cannot start the signal thread", e))?;
    if let Some(cap) = frames.live_capture() {
        let (name, linktype) = (cap.name().to_string(), cap.linktype());
        let lt = format!("{}{}", linktype.0, linktype.name().map(|n| format!(" ({n})")).unwrap_or_default());
        let t = Tr(s.lang).f(
            "listening on {name}, link type {lt}, snapshot length {snaplen} bytes",
            &[("name", &name), ("lt", &lt), ("snaplen", &live_snaplen(s))],
        );
        eprintln!("portlens: {t}");
        frames.start()?;
    }
    let mut tracker = stages::tracker(s);
    let mut printer = Printer::new(s);

    // Frames flow through filter → -w → decode → track → view until the input ends, -c is
    // reached, a signal stops the run or something fails.
    let mut passed: u64 = 0;
    let ended = thread::scope(|scope| -> Result<(), AppError> {
        let mut downstream = Downstream::connect(scope, s, tracker.as_mut(), &mut printer, &mut *out)?;
        let pumped = pump(&mut frames, &mut filter, &mut write, &mut downstream, s.count, &mut passed);
        // The second thread has printed everything it was given once this returns; its error
        // (a closed pipe) is what stopped the reading, so it comes first.
        downstream.finish()?;
        pumped
    });

    // Everything read has been printed: close the stages, then the reports (unless the output
    // itself failed: a closed pipe ends the run quietly, with the -w file complete).
    filter.report_skipped();
    let written = write.finish();
    let live_stats = frames.finish();
    if let Err(AppError::Output(e)) = ended {
        return Err(AppError::Output(e));
    }
    written?;
    stages::reports(out, s, tracker.as_mut(), &mut printer)?;
    out.flush().map_err(AppError::Output)?;
    if let Some(st) = live_stats {
        eprintln!("{passed} packets captured");
        eprintln!("{} packets received by filter", st.received);
        eprintln!("{} packets dropped by kernel", st.dropped + st.if_dropped);
    }
    ended
}

/// Moves frames from the source through the stages: for each source, for each frame, filter →
/// `-w` → the rest. Counts the frames that passed in `passed`; stops after `count` of them. An
/// error ends the pump (a truncated file's error comes after every whole packet before it).
fn pump<W: Write + Send>(
    frames: &mut Frames,
    filter: &mut FilterStage,
    write: &mut WriteStage,
    downstream: &mut Downstream<'_, W>,
    count: Option<u64>,
    passed: &mut u64,
) -> Result<(), AppError> {
    let mut frame_no: u64 = 0;
    while let Some(start) = frames.next_source()? {
        filter.begin(&start)?;
        write.begin(&start)?;
        while let Some(frame) = frames.next_frame()? {
            frame_no += 1;
            if !filter.keep(&frame)? {
                continue;
            }
            write.frame(&frame)?;
            if !downstream.frame(&frame, frame_no)? {
                // The second thread stopped on an output error; `finish` returns it.
                frames.stop();
                return Ok(());
            }
            *passed += 1;
            if count.is_some_and(|c| *passed >= c) {
                frames.stop();
                return Ok(());
            }
        }
    }
    Ok(())
}

/// The snapshot length a live capture asked for (0 means libpcap's default).
fn live_snaplen(s: &Settings) -> u32 {
    match &s.input {
        crate::settings::Input::Live(o) if o.snaplen != 0 => o.snaplen,
        _ => 262_144,
    }
}

/// `-D`.
pub fn list_interfaces() -> Result<(), AppError> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    live::list_devices(&mut out)?;
    Ok(())
}
