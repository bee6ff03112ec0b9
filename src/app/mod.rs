//! The run: the packet loop as a chain of stages, composed in [`run_stages`] and read top to
//! bottom: a source of frames (files in turn, stdin, a live interface: [`frames`]) → the BPF
//! filter → `-w` → decode → track → the view ([`stages`]), then the reports. Frames pass in
//! packet order. Which thread runs decode → track → view is a property of how the stages are
//! connected ([`stages::Downstream`]), not a second loop. Owns stdout ([`out`]; flushed per
//! packet when line-buffered) and turns a closed stdout into a quiet, successful stop.

mod frames;
mod out;
mod stages;

use std::io::{self, Write};
use std::thread;

use crate::capture::{CaptureError, Stopper, live};
use crate::privs;
use crate::settings::Settings;

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

/// Runs a capture or file read to the end. Errors after some output (a truncated file) come
/// back as `Err` after everything before them was printed and the reports were written.
pub fn run(s: &Settings) -> Result<(), AppError> {
    let stopper = Stopper::new();
    install_signals(&stopper);

    // Unlocked: the printer thread writes to it (a lock is taken per 64 KiB buffer).
    let mut out = Out::new(io::stdout());
    let result = run_stages(s, &stopper, &mut out);
    let flushed = out.flush();
    match (result, flushed) {
        (Err(AppError::Output(e)), _) if is_closed_pipe(&e) => Ok(()),
        (Err(e), _) => Err(e),
        (Ok(()), Err(e)) if is_closed_pipe(&e) => Ok(()),
        (Ok(()), Err(e)) => Err(AppError::Output(e)),
        (Ok(()), Ok(())) => Ok(()),
    }
}

fn run_stages<W: Write + Send>(s: &Settings, stopper: &Stopper, out: &mut W) -> Result<(), AppError> {
    // The stages, made in the order that checks every input before anything is written: the
    // first file (or the interface), the filter against its link type, then the -w file.
    let mut frames = Frames::open(s, stopper)?;
    let mut filter = FilterStage::new(s, frames.peek_start())?;
    let mut write = WriteStage::create(s)?;
    if let Some(cap) = frames.live_capture() {
        let (name, linktype) = (cap.name().to_string(), cap.linktype());
        drop_privileges(s)?;
        eprintln!(
            "portlens: listening on {name}, link type {}{}, snapshot length {} bytes",
            linktype.0,
            linktype.name().map(|n| format!(" ({n})")).unwrap_or_default(),
            live_snaplen(s)
        );
        frames.start();
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
