//! The first stage: where frames come from. The files named by `-r`, read in turn (`-` is
//! stdin), or one live interface. Every file (or the interface) is opened when the stage is
//! made, so that a missing file or interface fails before anything else is opened or written,
//! and so that every file can still be read once root is given up; each file's header is read
//! when its turn comes. A stop (signal, `-c`) ends the input at the next frame, and also a
//! read that waits on a stalled pipe or FIFO.

use crate::capture::{CaptureError, FileId, InputFile, LiveCapture, LiveStats, Source};
use crate::model::{Frame, LinkType, TsPrecision};
use crate::render::progress::Progress;
use crate::settings::{Input, Settings};
use crate::stop::{self, Stopper};

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
    /// Files still to read, in order (open already).
    rest: std::vec::IntoIter<InputFile>,
    /// Which files the inputs are (none of them may be the `-w` file).
    ids: Vec<FileId>,
    progress: Option<Progress>,
    stopper: Stopper,
    /// A live capture's counters, read when it stops.
    live_stats: Option<LiveStats>,
    live: bool,
}

impl Frames {
    /// Opens the run's input: the interface, or every file (the first one's header is read
    /// now, the others' in turn). A stop while a read waits (a stalled pipe) is no error: the
    /// input is then empty.
    pub fn open(s: &Settings, stopper: &Stopper) -> Result<Frames, CaptureError> {
        let (current, rest, progress, live) = match &s.input {
            Input::Live(opts) => (Some(Source::Live(LiveCapture::open(opts, stopper.clone())?)), Vec::new(), None, true),
            Input::Files(paths) => {
                crate::privs::room_for_files(paths.len());
                let files = paths.iter().map(|p| InputFile::open(p, stopper)).collect::<Result<Vec<_>, _>>()?;
                let progress = Progress::for_files(paths, s.progress, s.view != crate::settings::View::None);
                (None, files, progress, false)
            }
        };
        let ids = rest.iter().filter_map(InputFile::id).collect();
        let mut frames = Frames {
            current,
            current_started: false,
            ids,
            rest: rest.into_iter(),
            progress,
            stopper: stopper.clone(),
            live_stats: None,
            live,
        };
        if !live {
            // The first file, so that the filter can be checked against its link type.
            if let Some(first) = frames.rest.next() {
                match Source::from_input(first) {
                    Ok(src) => frames.current = Some(src),
                    Err(e) if stopped(&e) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(frames)
    }

    /// Which files the inputs are.
    pub fn input_ids(&self) -> &[FileId] {
        &self.ids
    }

    /// The live capture, before it starts (to write `-w`'s header and to announce it).
    pub fn live_capture(&self) -> Option<&LiveCapture> {
        match &self.current {
            Some(Source::Live(l)) => Some(l),
            _ => None,
        }
    }

    /// What the source still needs once sandboxed: the files a live capture reads later, and
    /// its packet socket (files are open already).
    pub fn sandbox_needs(&self) -> (Vec<std::path::PathBuf>, Vec<i32>) {
        match self.live_capture() {
            Some(l) => (l.files_read_later(), vec![l.socket_fd()]),
            None => (Vec::new(), Vec::new()),
        }
    }

    /// Starts the live capture's thread (after privileges are given up); nothing for files.
    pub fn start(&mut self) -> Result<(), CaptureError> {
        match &mut self.current {
            Some(Source::Live(l)) => l.start(64),
            _ => Ok(()),
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
                Some(file) => match Source::from_input(file) {
                    Ok(src) => self.current = Some(src),
                    Err(e) if stopped(&e) => return Ok(None),
                    Err(e) => return Err(e),
                },
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
                match f.next_frame() {
                    // A stop while waiting on a stalled pipe ends the input, like a stop anywhere.
                    Err(e) if stopped(&e) => Ok(None),
                    r => r,
                }
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

/// Whether a source's error only says that the run was stopped while a read waited.
fn stopped(e: &CaptureError) -> bool {
    matches!(e, CaptureError::Io { error, .. } if stop::halted(error).is_some())
}
