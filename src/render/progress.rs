//! The progress bar on stderr while a large capture file is summarised (`--flows`, `--stats`,
//! or any view whose output does not go to the terminal).
//!
//! Shown only when stderr is a terminal, the per-packet output does not go to that terminal,
//! the input is regular files (not stdin) and the read takes long enough to need it (the bar
//! appears after [`DELAY_MS`]); `--no-progress` turns it off. The loop reports the reader's byte
//! offset; the bar advances over the total size of all files, read in turn. This is the only
//! user of `indicatif`.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bar appears only when reading takes longer than this.
pub const DELAY_MS: u64 = 400;
/// Packets between two looks at the clock.
const EVERY: u32 = 4096;

/// Progress over a list of files read in turn.
#[derive(Debug)]
pub struct Progress {
    sizes: Vec<u64>,
    total: u64,
    /// Index of the file being read and the bytes of the files before it.
    file: usize,
    base: u64,
    last_offset: u64,
    start: Instant,
    ticks: u32,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Progress for these file sizes, or `None` when no bar may be shown: `enabled` is false
    /// (`--no-progress`), stderr is not a terminal, per-packet output goes to the terminal
    /// (`prints_to_stdout` and stdout is a terminal), or a size is unknown (stdin).
    pub fn for_files(paths: &[String], enabled: bool, prints_to_stdout: bool) -> Option<Progress> {
        if !enabled || !std::io::stderr().is_terminal() || (prints_to_stdout && std::io::stdout().is_terminal()) {
            return None;
        }
        let mut sizes = Vec::with_capacity(paths.len());
        for p in paths {
            if p == "-" {
                return None;
            }
            let m = std::fs::metadata(p).ok().filter(|m| m.is_file())?;
            sizes.push(m.len());
        }
        Some(Progress::with_sizes(sizes))
    }

    /// Progress over files of these sizes, drawing on stderr once the delay has passed.
    pub fn with_sizes(sizes: Vec<u64>) -> Progress {
        let total = sizes.iter().sum();
        Progress { sizes, total, file: 0, base: 0, last_offset: 0, start: Instant::now(), ticks: 0, bar: None }
    }

    /// Bytes read so far across all files, given the current file's byte offset. An offset
    /// smaller than the previous one means the next file has started.
    pub fn position(&mut self, offset: u64) -> u64 {
        if offset < self.last_offset {
            self.base = self.base.saturating_add(self.sizes.get(self.file).copied().unwrap_or(self.last_offset));
            self.file += 1;
        }
        self.last_offset = offset;
        self.base.saturating_add(offset).min(self.total)
    }

    /// Called once per packet with the current file's byte offset; cheap except every
    /// few thousand packets.
    #[inline]
    pub fn tick(&mut self, offset: u64) {
        if offset < self.last_offset {
            self.position(offset);
        }
        self.ticks += 1;
        if self.ticks < EVERY {
            return;
        }
        self.ticks = 0;
        let pos = self.position(offset);
        match &self.bar {
            Some(b) => b.set_position(pos),
            None if self.start.elapsed() >= Duration::from_millis(DELAY_MS) => {
                let style = ProgressStyle::with_template(
                    "portlens: {wide_bar} {percent:>3}% of {decimal_total_bytes}, {eta} left",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar());
                let b = ProgressBar::with_draw_target(Some(self.total), ProgressDrawTarget::stderr_with_hz(4))
                    .with_style(style);
                b.set_position(pos);
                self.bar = Some(b);
            }
            None => {}
        }
    }

    /// Removes the bar (before the end reports are printed).
    pub fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn position_runs_over_files_in_turn() {
        let mut p = Progress::with_sizes(vec![100, 50]);
        assert_eq!(p.position(40), 40);
        assert_eq!(p.position(100), 100);
        assert_eq!(p.position(24), 124, "a smaller offset starts the second file");
        assert_eq!(p.position(50), 150);
        assert_eq!(p.position(500), 150, "never beyond the total");
    }
}
