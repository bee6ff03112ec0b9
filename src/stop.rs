//! How a run stops without losing what it has read: the stop that the first signal (or `-c`,
//! or a closed output) asks for, the giving up that a second signal asks for, and reads and
//! writes that wait on their descriptor and on those two at once.
//!
//! - **Signals** (SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2; SIGHUP stays ignored when the run
//!   started with it ignored, as under `nohup`, like tcpdump): their handlers are installed
//!   when the run starts ([`Signals::install`]), before anything is opened. From then on the
//!   first signal sets the stop flag and wakes a read that waits on a stalled pipe, in the
//!   handler itself, so it works before any thread exists. The thread that counts signals is
//!   started only after the sandbox ([`Signals::listen`]), so that it is confined like every
//!   other thread: the first signal also wakes a live capture, the second gives up writes that
//!   are blocked on a stalled pipe or terminal (the run still finishes the `-w` file with what
//!   it has and exits with 128 + the signal's number), a third exits at once.
//! - **Reads and writes** ([`Guarded`]): on a pipe, FIFO, socket or terminal, a read first
//!   waits (`poll`) for data or a stop, and a write for room or a give-up, writing at most
//!   `PIPE_BUF` bytes at a time so that it cannot block once the descriptor said it had room.
//!   Regular files and other devices are read and written directly (they never stall).

use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::fcntl::OFlag;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

/// The signals that end a run cleanly.
pub const SIGNALS: [i32; 5] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGUSR1, libc::SIGUSR2];

/// The most a guarded write hands to a pipe at once: a write of at most this many bytes to a
/// pipe that has room never blocks.
const PIPE_BUF: usize = libc::PIPE_BUF;

/// Why a guarded read or write ended early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Halt {
    /// The run was asked to stop (a read gives up).
    Stop,
    /// A second signal: blocked writes give up too.
    GiveUp,
}

impl std::fmt::Display for Halt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Halt::Stop => f.write_str("stopped by a signal"),
            Halt::GiveUp => f.write_str("given up after a second signal while the output was blocked"),
        }
    }
}

impl std::error::Error for Halt {}

/// What a guarded read or write that ended early returns (see [`halted`]).
pub fn halt_error(h: Halt) -> io::Error {
    io::Error::other(h)
}

/// Whether an I/O error only says that the run was stopped or given up, and which.
pub fn halted(e: &io::Error) -> Option<Halt> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<Halt>()).copied()
}

struct Inner {
    stop: Arc<AtomicBool>,
    give_up: AtomicBool,
    /// A write was actually given up (something was cut short).
    cut: AtomicBool,
    /// The signal that stopped the run (0: none) and the one that gave it up.
    stop_signal: AtomicI32,
    give_up_signal: AtomicI32,
    /// Readable once stopped (written by the signal handler itself, or by `stop`); never drained.
    stop_read: OwnedFd,
    stop_write: OwnedFd,
    /// Readable once given up.
    give_up_read: OwnedFd,
    give_up_write: OwnedFd,
    /// Called on a stop (a live capture's `pcap_breakloop`).
    on_stop: Mutex<Vec<Box<dyn Fn() + Send + Sync>>>,
}

/// The run's stop and give-up state, shared by every stage and thread.
#[derive(Clone)]
pub struct Stopper(Arc<Inner>);

impl Stopper {
    /// A new, unset stopper (two pipes).
    pub fn new() -> io::Result<Stopper> {
        let flags = OFlag::O_CLOEXEC | OFlag::O_NONBLOCK;
        let (stop_read, stop_write) = nix::unistd::pipe2(flags).map_err(io::Error::from)?;
        let (give_up_read, give_up_write) = nix::unistd::pipe2(flags).map_err(io::Error::from)?;
        Ok(Stopper(Arc::new(Inner {
            stop: Arc::new(AtomicBool::new(false)),
            give_up: AtomicBool::new(false),
            cut: AtomicBool::new(false),
            stop_signal: AtomicI32::new(0),
            give_up_signal: AtomicI32::new(0),
            stop_read,
            stop_write,
            give_up_read,
            give_up_write,
            on_stop: Mutex::new(Vec::new()),
        })))
    }

    /// Asks every stage to stop: reads waiting on a pipe return, a live capture wakes.
    pub fn stop(&self) {
        self.0.stop.store(true, Ordering::SeqCst);
        let _ = nix::unistd::write(&self.0.stop_write, b"s");
        if let Ok(calls) = self.0.on_stop.lock() {
            for f in calls.iter() {
                f();
            }
        }
    }

    /// Whether a stop was asked for.
    #[inline]
    pub fn stopped(&self) -> bool {
        self.0.stop.load(Ordering::Relaxed)
    }

    /// Gives up: writes blocked on a stalled descriptor return (see [`Halt::GiveUp`]).
    pub fn give_up(&self, signal: i32) {
        self.0.give_up_signal.store(signal, Ordering::SeqCst);
        self.0.give_up.store(true, Ordering::SeqCst);
        let _ = nix::unistd::write(&self.0.give_up_write, b"g");
        self.stop();
    }

    /// The signal that gave the run up, if one did.
    pub fn given_up_by(&self) -> Option<i32> {
        self.0.give_up.load(Ordering::SeqCst).then(|| self.0.give_up_signal.load(Ordering::SeqCst))
    }

    /// The signal that gave a blocked write up, if one was (a second signal while nothing was
    /// blocked, as `timeout` sends one to the process and one to its group, cuts nothing).
    pub fn cut_short_by(&self) -> Option<i32> {
        self.given_up_by().filter(|_| self.0.cut.load(Ordering::SeqCst))
    }

    fn gave_up_a_write(&self) -> io::Error {
        self.0.cut.store(true, Ordering::SeqCst);
        halt_error(Halt::GiveUp)
    }

    /// The signal that stopped the run, if one did.
    pub fn stopped_by(&self) -> Option<i32> {
        Some(self.0.stop_signal.load(Ordering::SeqCst)).filter(|s| *s != 0)
    }

    /// Runs `f` on every later stop (from the signal thread, or the thread that stops).
    pub fn on_stop(&self, f: Box<dyn Fn() + Send + Sync>) {
        if let Ok(mut calls) = self.0.on_stop.lock() {
            calls.push(f);
        }
    }

    /// Waits up to `d` for a stop; whether one came.
    pub fn wait_for_stop(&self, d: Duration) -> bool {
        if self.stopped() {
            return true;
        }
        let ms = u16::try_from(d.as_millis()).unwrap_or(u16::MAX);
        let mut fds = [PollFd::new(self.0.stop_read.as_fd(), PollFlags::POLLIN)];
        let _ = poll(&mut fds, PollTimeout::from(ms));
        self.stopped()
    }
}

/// The run's signal handlers. Installed before anything is opened; the thread that counts
/// the signals is started after the sandbox, by [`Signals::listen`].
pub struct Signals {
    signals: signal_hook::iterator::Signals,
    stopper: Stopper,
}

impl Signals {
    /// Installs the handlers: from now on a signal is never lost, and the first one stops the
    /// run at once (a stop flag and a byte in a pipe, both from the handler).
    pub fn install(stopper: &Stopper) -> io::Result<Signals> {
        let ignored = ignored_signals();
        let wanted: Vec<i32> = SIGNALS.into_iter().filter(|s| !(*s == libc::SIGHUP && ignored & (1 << (s - 1)) != 0)).collect();
        let signals = signal_hook::iterator::Signals::new(&wanted)?;
        for &sig in &wanted {
            signal_hook::flag::register(sig, stopper.0.stop.clone())?;
            let pipe = stopper.0.stop_write.try_clone()?;
            signal_hook::low_level::pipe::register(sig, pipe)?;
        }
        Ok(Signals { signals, stopper: stopper.clone() })
    }

    /// Starts the thread that acts on the signals: the first stops the run (and wakes a live
    /// capture), the second gives blocked writes up, a third exits at once with 128 + its
    /// number. Signals that came before it started are acted on now.
    pub fn listen(self) -> io::Result<()> {
        let Signals { mut signals, stopper } = self;
        std::thread::Builder::new().name("portlens-signals".into()).spawn(move || {
            let mut seen = 0;
            for sig in signals.forever() {
                seen += 1;
                match seen {
                    1 => {
                        let _ = stopper.0.stop_signal.compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst);
                        stopper.stop();
                    }
                    2 => stopper.give_up(sig),
                    _ => std::process::exit(128 + sig),
                }
            }
        })?;
        Ok(())
    }
}

/// A signal's name (`SIGINT`), or its number.
pub fn signal_name(sig: i32) -> String {
    nix::sys::signal::Signal::try_from(sig).map(|s| s.as_str().to_string()).unwrap_or_else(|_| format!("signal {sig}"))
}

/// The signals this process started with ignored (`SigIgn` in `/proc/self/status`), as a mask
/// with bit N-1 for signal N; none when it cannot be read.
fn ignored_signals() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("SigIgn:"))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        })
        .unwrap_or(0)
}

/// A file, pipe, FIFO, socket or terminal read or written so that a stop (for reads) or a
/// give-up (for writes) ends a wait on it.
pub struct Guarded {
    file: File,
    stopper: Stopper,
    /// Not a regular file or a device that never stalls: wait with `poll` first.
    waits: bool,
}

impl Guarded {
    /// Wraps an open file.
    pub fn new(file: File, stopper: &Stopper) -> Guarded {
        let waits = match file.metadata() {
            Ok(m) => {
                use std::os::unix::fs::FileTypeExt;
                let t = m.file_type();
                t.is_fifo() || t.is_socket() || (t.is_char_device() && file.is_terminal())
            }
            Err(_) => true,
        };
        Guarded { file, stopper: stopper.clone(), waits }
    }

    /// Standard input (a copy of the descriptor, read without a buffer of its own).
    pub fn stdin(stopper: &Stopper) -> io::Result<Guarded> {
        Ok(Guarded::new(File::from(io::stdin().as_fd().try_clone_to_owned()?), stopper))
    }

    /// Standard output (a copy of the descriptor).
    pub fn stdout(stopper: &Stopper) -> io::Result<Guarded> {
        Ok(Guarded::new(File::from(io::stdout().as_fd().try_clone_to_owned()?), stopper))
    }

    /// The file underneath.
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Waits until `events` are ready on the file or `wake` is readable; `Err` with `halt`
    /// when woken by `wake`.
    fn wait(&self, events: PollFlags, wake: BorrowedFd<'_>, halt: Halt) -> io::Result<()> {
        loop {
            let mut fds = [PollFd::new(self.file.as_fd(), events), PollFd::new(wake, PollFlags::POLLIN)];
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(e.into()),
            }
            let [file, woke] = fds;
            if woke.any().unwrap_or(false) {
                return Err(halt_error(halt));
            }
            if file.any().unwrap_or(true) {
                return Ok(());
            }
        }
    }
}

impl Read for Guarded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.waits {
            if self.stopper.stopped() {
                return Err(halt_error(Halt::Stop));
            }
            self.wait(PollFlags::POLLIN, self.stopper.0.stop_read.as_fd(), Halt::Stop)?;
        }
        self.file.read(buf)
    }
}

impl Write for Guarded {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.waits {
            return self.file.write(buf);
        }
        loop {
            if self.stopper.given_up_by().is_some() {
                return Err(self.stopper.gave_up_a_write());
            }
            match self.wait(PollFlags::POLLOUT, self.stopper.0.give_up_read.as_fd(), Halt::GiveUp) {
                Err(e) if halted(&e).is_some() => return Err(self.stopper.gave_up_a_write()),
                r => r?,
            }
            match self.file.write(buf.get(..PIPE_BUF).unwrap_or(buf)) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                r => return r,
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn pipe() -> (File, File) {
        let (r, w) = nix::unistd::pipe2(OFlag::O_CLOEXEC).expect("pipe");
        (File::from(r), File::from(w))
    }

    #[test]
    fn a_read_waiting_on_a_silent_pipe_returns_when_the_run_is_stopped() {
        let stopper = Stopper::new().expect("stopper");
        let (r, _w) = pipe();
        let mut g = Guarded::new(r, &stopper);
        let s = stopper.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            s.stop();
        });
        let mut buf = [0u8; 16];
        let e = g.read(&mut buf).expect_err("stopped");
        assert_eq!(halted(&e), Some(Halt::Stop));
        t.join().expect("join");
    }

    #[test]
    fn a_read_gets_what_the_pipe_holds() {
        let stopper = Stopper::new().expect("stopper");
        let (r, mut w) = pipe();
        w.write_all(b"abc").expect("write");
        drop(w);
        let mut g = Guarded::new(r, &stopper);
        let mut s = String::new();
        g.read_to_string(&mut s).expect("read");
        assert_eq!(s, "abc");
    }

    #[test]
    fn a_write_blocked_on_a_full_pipe_gives_up_on_the_second_signal_only() {
        let stopper = Stopper::new().expect("stopper");
        let (_r, w) = pipe();
        let mut g = Guarded::new(w, &stopper);
        let s = stopper.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            s.stop();
            std::thread::sleep(Duration::from_millis(100));
            s.give_up(libc::SIGINT);
        });
        // Far more than a pipe holds: blocks until given up (a stop alone does not end it).
        let e = g.write_all(&vec![0u8; 1 << 20]).expect_err("given up");
        assert_eq!(halted(&e), Some(Halt::GiveUp));
        assert_eq!(stopper.cut_short_by(), Some(libc::SIGINT));
        t.join().expect("join");
    }

    #[test]
    fn other_errors_are_not_halts() {
        assert_eq!(halted(&io::Error::other("disk full")), None);
        assert_eq!(halted(&halt_error(Halt::Stop)), Some(Halt::Stop));
    }
}
