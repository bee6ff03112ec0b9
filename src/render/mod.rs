//! Printers: one file per view, each writing to any `io::Write` (stdout in the binary, a
//! `Vec<u8>` in tests). Renderers read the decoded record (`model`) and the service registry
//! (`services`); they never touch capture or decoding.

pub mod fmt;
pub mod hexdump;
pub mod json;
pub mod line;
pub mod time;
