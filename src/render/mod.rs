//! Printers: one file per view, each writing to any `io::Write` (stdout in the binary, a
//! `Vec<u8>` in tests). Renderers read the decoded record (`model`) and the service registry
//! (`services`); they never touch capture or decoding.

pub mod bits;
pub mod color;
pub mod fields;
pub mod flows;
pub mod fmt;
pub mod hexdump;
pub mod json;
pub mod ladder;
pub mod line;
pub mod progress;
pub mod stats;
pub mod time;
pub mod words;

use std::io::{self, Write};

use crate::model::Packet;
use crate::model::flow::PacketNote;

/// A per-packet view other than the line and JSON hot paths (bits, ladder): it writes each
/// packet as it comes and may print more when the input ends.
pub trait PacketView {
    /// Writes what this view shows for one packet.
    fn packet(&mut self, w: &mut dyn Write, pkt: &Packet<'_>, note: &PacketNote) -> io::Result<()>;
    /// Writes whatever the view keeps for the end of the input.
    fn finish(&mut self, w: &mut dyn Write) -> io::Result<()> {
        let _ = w;
        Ok(())
    }
}
