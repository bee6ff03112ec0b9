//! The steps between making the stages and starting them, in the order `run_stages` takes
//! them: decide what to give up ([`Privileges::plan`]), give up root before the `-w` file is
//! created ([`Privileges::become_user`]), give up every capability after it
//! ([`Privileges::give_up_capabilities`]), then enter the sandbox ([`sandbox`]). Every run
//! takes them, live or reading files; `--keep-root` skips them all, `--no-sandbox` the last.

use super::AppError;
use super::frames::Frames;
use crate::i18n::Tr;
use crate::privs::{self, Plan};
use crate::settings::Settings;
use crate::vocab::Language;

/// What the run gives up, decided before anything is written.
pub struct Privileges {
    plan: Plan,
    live: bool,
    verbose: bool,
    lang: Language,
}

impl Privileges {
    /// Decides whom to become (`-Z`, the sudo caller) and checks it: a user that does not
    /// exist, or a `SUDO_GID` that is not the caller's, fails here.
    pub fn plan(s: &Settings, live: bool) -> Result<Privileges, AppError> {
        let plan = privs::plan(s.user.as_deref(), s.keep_root).map_err(AppError::Other)?;
        // Said with -v for a live capture (reading files, -v is about the packets).
        Ok(Privileges { plan, live, verbose: s.verbose > 0 && live, lang: s.lang })
    }

    /// Gives up root (to the planned user), before the `-w` file is created, so that the file
    /// is created by, and belongs to, that user. Returns the user's name when root was given up.
    pub fn become_user(&self) -> Result<Option<String>, AppError> {
        match &self.plan {
            Plan::Become(t) => {
                privs::become_user(t).map_err(|e| AppError::Other(format!("{}: {e}", Tr(self.lang).s("cannot drop privileges"))))?;
                Ok(Some(t.name.clone()))
            }
            Plan::StayRoot { asked: true } => {
                let t = Tr(self.lang).s("-Z root keeps running as root (every capability is still given up); name another user to give root up");
                eprintln!("portlens: {t}");
                Ok(None)
            }
            Plan::StayRoot { asked: false } if self.live => {
                eprintln!("portlens: {}", Tr(self.lang).s("running as root without capabilities (use -Z USER to give root up too)"));
                Ok(None)
            }
            Plan::StayRoot { .. } | Plan::NotRoot | Plan::KeepAll => Ok(None),
        }
    }

    /// Gives up every capability (after the `-w` file is open), and says so with `-v`.
    pub fn give_up_capabilities(&self) -> Result<(), AppError> {
        if self.plan == Plan::KeepAll {
            return Ok(());
        }
        let left = privs::give_up_capabilities()
            .map_err(|e| AppError::Other(format!("{}: {e}", Tr(self.lang).s("cannot drop privileges"))))?;
        if self.verbose {
            let given_up = match &self.plan {
                Plan::Become(t) => {
                    format!("running as {} (uid {}, gid {}, from {}): root and every capability given up", t.name, t.uid, t.gid, t.reason)
                }
                Plan::StayRoot { .. } => "running as root: every capability given up".into(),
                _ => "every capability given up".into(),
            };
            let bounding = if left.bounding_kept {
                " (the bounding set stays: emptying it needs CAP_SETPCAP; it gives nothing back once no program can be run)"
            } else {
                ""
            };
            eprintln!("portlens: {given_up}{bounding}");
        }
        Ok(())
    }
}

/// Enters the sandbox (unless `--no-sandbox`): only what the run still reads stays readable
/// (the time zone data; a live interface's counters), nothing can be sent on the packet
/// socket. Says with `-v` what is in force, for a live capture.
pub fn sandbox(s: &Settings, frames: &Frames) {
    if !s.sandbox {
        return;
    }
    let (mut read, packet_sockets) = frames.sandbox_needs();
    read.extend(crate::render::time::files_read_later());
    let report = crate::sandbox::restrict(&crate::sandbox::Needs { read, packet_sockets });
    if s.verbose > 0 && frames.live_capture().is_some() {
        eprintln!("portlens: {}", report.describe());
    }
}
