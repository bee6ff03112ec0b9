//! The first stage: where frames come from. The files named by `-r`, read in turn (`-` is
//! stdin), or one live interface. The first file (or the interface) is opened when the stage is
//! made, so that a missing file or interface fails before anything else is opened or written;
//! the other files are opened when the one before them ends. A stop (signal, `-c`) ends the
//! input at the next frame.

use crate::capture::{CaptureError, LiveCapture, LiveStats, Source, Stopper};
use crate::model::{Frame, LinkType, TsPrecision};
use crate::render::progress::Progress;
use crate::settings::{Input, Settings};

/// What the later stages need to know when a source starts (its file header, for a file).
#[derive(Clone, Copy, Debug)]
pub struct SourceStart {
    /// The link type the source announces before its first frame: a classic pcap file's and a
    /// live interface's single link type, a pcapng file's first interface (`None` when the
    /// file has none before its first packet).
    pub linktype: Option<LinkType>,
    /// Every frame has that link type (classic pcap, live), so a `-w` file's header can be
    /// written now, before any frame passes the filter.
    pub single_linktype: bool,
    /// Timestamp resolution of the source.
    pub precision: TsPrecision,
}

/// The source stage.
pub struct Frames {
    /// The source being read.
    current: Option<Source>,
    /// Whether `next_source` has handed out `current` yet.
    current_started: bool,
    /// Files still to open, in order.
    rest: std::vec::IntoIter<String>,
    progress: Option<Progress>,
    stopper: Stopper,
    /// A live capture's counters, read when it stops.
    live_stats: Option<LiveStats>,
    live: bool,
}

impl Frames {
    /// Opens the run's input: the interface, or the first file (the rest are opened in turn).
    pub fn open(s: &Settings, stopper: &Stopper) -> Result<Frames, CaptureError> {
        let (current, rest, progress, live) = match &s.input {
            Input::Live(opts) => (Some(Source::Live(LiveCapture::open(opts, stopper.clone())?)), Vec::new(), None, true),
            Input::Files(paths) => {
                let first = match paths.first() {
                    Some(p) => Some(Source::open_file(p)?),
                    None => None,
                };
                let progress = Progress::for_files(paths, s.progress, s.view != crate::settings::View::None);
                (first, paths.iter().skip(1).cloned().collect(), progress, false)
            }
        };
        Ok(Frames {
            current,
            current_started: false,
            rest: rest.into_iter(),
            progress,
            stopper: stopper.clone(),
            live_stats: None,
            live,
        })
    }

    /// The live capture, before it starts (to write `-w`'s header and to announce it).
    pub fn live_capture(&self) -> Option<&LiveCapture> {
        match &self.current {
            Some(Source::Live(l)) => Some(l),
            _ => None,
        }
    }

    /// Starts the live capture's thread (after privileges are given up); nothing for files.
    pub fn start(&mut self) {
        if let Some(Source::Live(l)) = &mut self.current {
            l.start(64);
        }
    }

    /// The next source: the one opened first, then each following file in turn. `None` when
    /// there is none left or the run was stopped.
    pub fn next_source(&mut self) -> Result<Option<SourceStart>, CaptureError> {
        if self.current_started || self.current.is_none() {
            self.end_live();
            self.current = None;
            if self.stopper.stopped() {
                return Ok(None);
            }
            match self.rest.next() {
                Some(path) => self.current = Some(Source::open_file(&path)?),
                None => return Ok(None),
            }
        }
        self.current_started = true;
        Ok(self.peek_start())
    }

    /// What the source opened last announces, before its frames are read.
    pub fn peek_start(&self) -> Option<SourceStart> {
        self.current.as_ref().map(|src| match src {
            Source::File(f) => SourceStart {
                linktype: f.first_linktype(),
                single_linktype: !f.is_pcapng(),
                precision: f.precision(),
            },
            Source::Live(l) => {
                SourceStart { linktype: Some(l.linktype()), single_linktype: true, precision: TsPrecision::Micro }
            }
        })
    }

    /// The next frame of the current source; `None` at its end, or once the run is stopped.
    #[inline]
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        if self.stopper.stopped() {
            self.end_live();
            return Ok(None);
        }
        match &mut self.current {
            Some(Source::File(f)) => {
                if let Some(p) = self.progress.as_mut() {
                    p.tick(f.bytes_read());
                }
                f.next_frame()
            }
            Some(Source::Live(l)) => l.next_frame(),
            None => Ok(None),
        }
    }

    /// Ends the run's input early (`-c` reached, an error): no further source is opened.
    pub fn stop(&mut self) {
        self.end_live();
        self.rest = Vec::new().into_iter();
    }

    /// Stops a live capture while its counters can still be read.
    fn end_live(&mut self) {
        if let Some(Source::Live(l)) = &mut self.current {
            if self.live_stats.is_none() {
                self.live_stats = l.finish();
            }
        }
    }

    /// Clears the progress bar and returns a live capture's counters (zeros when libpcap gave
    /// none); `None` for files.
    pub fn finish(&mut self) -> Option<LiveStats> {
        self.end_live();
        if let Some(p) = self.progress.as_mut() {
            p.finish();
        }
        self.live.then(|| self.live_stats.unwrap_or_default())
    }
}
