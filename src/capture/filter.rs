//! BPF filters for files: libpcap compiles the expression once per link type, and each frame is
//! matched by the program for its own link type (a pcapng file may mix Ethernet and Linux cooked
//! interfaces, where `tcp port 80` compiles to different programs).

use pcap::{BpfProgram, Capture, Linktype};

use super::CaptureError;
use crate::model::{Frame, LinkType};

/// A filter expression and its compiled programs, one per link type seen.
pub struct Filter {
    expr: String,
    programs: Vec<(LinkType, Option<BpfProgram>)>,
    /// Link types the expression does not apply to (reported once each).
    pub skipped_linktypes: Vec<(LinkType, String)>,
}

impl Filter {
    /// A filter for `expr` (pcap-filter(7) syntax). Nothing is compiled until a link type is seen.
    pub fn new(expr: &str) -> Filter {
        Filter { expr: expr.to_string(), programs: Vec::new(), skipped_linktypes: Vec::new() }
    }

    /// The expression as given.
    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// Compiles the expression for `lt`, the first time it is seen. The first link type that
    /// fails to compile is an error (a bad expression); later ones only mean "this interface's
    /// packets cannot match" and are recorded in `skipped_linktypes`.
    pub fn prepare(&mut self, lt: LinkType) -> Result<(), CaptureError> {
        if self.programs.iter().any(|(l, _)| *l == lt) {
            return Ok(());
        }
        let compiled = Capture::dead(Linktype(i32::from(lt.0)))
            .map_err(|e| e.to_string())
            .and_then(|dead| dead.compile(&self.expr, true).map_err(|e| e.to_string()));
        match compiled {
            Ok(p) => self.programs.push((lt, Some(p))),
            Err(reason) => {
                if !self.programs.iter().any(|(_, p)| p.is_some()) {
                    return Err(CaptureError::BadFilter { expr: self.expr.clone(), reason: clean(&reason) });
                }
                self.skipped_linktypes.push((lt, clean(&reason)));
                self.programs.push((lt, None));
            }
        }
        Ok(())
    }

    /// Whether `frame` passes the filter. Call [`Filter::prepare`] for its link type first.
    pub fn matches(&mut self, frame: &Frame<'_>) -> Result<bool, CaptureError> {
        let idx = match self.programs.iter().position(|(l, _)| *l == frame.linktype) {
            Some(i) => i,
            None => {
                self.prepare(frame.linktype)?;
                self.programs.len() - 1
            }
        };
        Ok(match self.programs.get(idx) {
            Some((_, Some(p))) => p.filter(frame.data),
            _ => false,
        })
    }
}

/// libpcap's messages come wrapped by the crate ("libpcap error: …"); keep libpcap's words.
fn clean(reason: &str) -> String {
    reason.trim_start_matches("libpcap error: ").to_string()
}
