//! Giving up privileges once the capture is open: root (to `-Z USER`, or back to the person who
//! ran `sudo`, `SUDO_UID`/`SUDO_GID`, with their supplementary groups), then every capability
//! in every set (effective, permitted, inheritable, ambient and, where the process may, the
//! bounding set). Capabilities belong to each thread, so this runs before any thread exists
//! ([`threads`] checks it).
//!
//! Two steps, because the `-w` file is created between them, as the user the run becomes:
//! [`become_user`] (the bounding set, while `CAP_SETPCAP` is still there, then groups, group
//! and user), then [`give_up_capabilities`].

use std::ffi::CString;

use caps::CapSet;
use nix::unistd::{Gid, Uid, User, getegid, geteuid, getgrouplist, getresgid, getresuid, initgroups, setgid, setgroups, setuid};

/// Who to become.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// User name (for messages and supplementary groups).
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Why this user: `-Z` or `sudo`.
    pub reason: &'static str,
}

/// What the run does with its privileges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Become this user, then give up every capability.
    Become(Target),
    /// Stay uid 0 but give up every capability: run as root without sudo or `-Z`, or `-Z root`
    /// (`asked`). Said on stderr.
    StayRoot {
        /// `-Z root` (or `-Z 0`) asked for it.
        asked: bool,
    },
    /// Not root: give up the capabilities it has (file capabilities).
    NotRoot,
    /// `--keep-root`: give up nothing.
    KeepAll,
}

/// Decides what to give up: `-Z USER` first; else, when running as root under sudo, the
/// invoking user (whose `SUDO_GID` must be one of their own groups); else stay root without
/// capabilities (root) or only give up capabilities (not root).
pub fn plan(user: Option<&str>, keep_root: bool) -> Result<Plan, String> {
    if keep_root {
        return Ok(Plan::KeepAll);
    }
    if let Some(name) = user {
        let u = match User::from_name(name) {
            Ok(Some(u)) => u,
            Ok(None) => match name.parse::<u32>().ok().and_then(|id| User::from_uid(Uid::from_raw(id)).ok().flatten()) {
                // Accept a numeric uid too.
                Some(u) => u,
                None => return Err(format!("-Z {name}: no such user on this system")),
            },
            Err(e) => return Err(format!("-Z {name}: cannot look the user up: {e}")),
        };
        if u.uid.is_root() {
            return Ok(if geteuid().is_root() { Plan::StayRoot { asked: true } } else { Plan::NotRoot });
        }
        if !geteuid().is_root() {
            return Err(format!("-Z {name}: only root can become another user; run portlens with sudo, or leave -Z out"));
        }
        return Ok(Plan::Become(Target { name: u.name, uid: u.uid.as_raw(), gid: u.gid.as_raw(), reason: "-Z" }));
    }
    if !geteuid().is_root() {
        return Ok(Plan::NotRoot);
    }
    match sudo_caller()? {
        Some(t) => Ok(Plan::Become(t)),
        None => Ok(Plan::StayRoot { asked: false }),
    }
}

/// The person who ran sudo, from `SUDO_UID`/`SUDO_GID`; `None` when not run through sudo (or
/// by root through sudo). The group must be one of that user's groups: a `SUDO_GID` set to
/// another group (root's, say) is refused rather than kept.
fn sudo_caller() -> Result<Option<Target>, String> {
    let Ok(uid_text) = std::env::var("SUDO_UID") else { return Ok(None) };
    let uid: u32 = uid_text.trim().parse().map_err(|_| format!("SUDO_UID={uid_text} is not a user id"))?;
    if uid == 0 {
        return Ok(None);
    }
    let user = User::from_uid(Uid::from_raw(uid)).ok().flatten().ok_or_else(|| {
        format!("SUDO_UID={uid} names no user on this system, so portlens cannot give root up to it; use -Z USER")
    })?;
    let gid = match std::env::var("SUDO_GID") {
        Err(_) => user.gid.as_raw(),
        Ok(text) => {
            let gid: u32 = text.trim().parse().map_err(|_| format!("SUDO_GID={text} is not a group id"))?;
            let cname = CString::new(user.name.clone()).map_err(|_| "user name contains a NUL byte".to_string())?;
            let groups = getgrouplist(&cname, user.gid).unwrap_or_else(|_| vec![user.gid]);
            if gid != user.gid.as_raw() && !groups.contains(&Gid::from_raw(gid)) {
                return Err(format!(
                    "SUDO_GID={gid} is not a group of the sudo caller {} (uid {uid}); refusing to run with it \
                     (unset SUDO_GID, or name the user with -Z {})",
                    user.name, user.name
                ));
            }
            gid
        }
    };
    Ok(Some(Target { name: user.name, uid, gid, reason: "sudo" }))
}

/// Becomes `t`: first the bounding set is emptied (while `CAP_SETPCAP` is still held), then
/// supplementary groups, group and user. Fails if any id is not the new one, or if root could
/// be regained.
pub fn become_user(t: &Target) -> Result<(), String> {
    only_thread()?;
    let _ = caps::clear(None, CapSet::Bounding);
    let gid = Gid::from_raw(t.gid);
    let cname = CString::new(t.name.clone()).map_err(|_| "user name contains a NUL byte".to_string())?;
    if initgroups(&cname, gid).is_err() {
        setgroups(&[gid]).map_err(|e| format!("cannot set groups for {}: {e}", t.name))?;
    }
    setgid(gid).map_err(|e| format!("cannot switch to group {}: {e}", t.gid))?;
    setuid(Uid::from_raw(t.uid)).map_err(|e| format!("cannot switch to user {}: {e}", t.name))?;
    let (u, g) = (getresuid().map_err(|e| e.to_string())?, getresgid().map_err(|e| e.to_string())?);
    let all_uids = [u.real, u.effective, u.saved].iter().all(|x| x.as_raw() == t.uid);
    let all_gids = [g.real, g.effective, g.saved].iter().all(|x| x.as_raw() == t.gid);
    if !all_uids || !all_gids || setuid(Uid::from_raw(0)).is_ok() || geteuid().is_root() || (getegid().as_raw() == 0 && t.gid != 0) {
        return Err("root privileges could be regained after dropping them; refusing to continue".into());
    }
    Ok(())
}

/// What [`give_up_capabilities`] left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// The bounding set could not be emptied (that needs `CAP_SETPCAP`, which a process with
    /// only file capabilities lacks). Harmless once nothing can be executed and no new
    /// privileges can be gained, but said.
    pub bounding_kept: bool,
}

/// Empties every capability set of this (the only) thread and checks that they are empty.
pub fn give_up_capabilities() -> Result<Capabilities, String> {
    only_thread()?;
    // The bounding set first: emptying it needs CAP_SETPCAP in the effective set.
    let _ = caps::clear(None, CapSet::Bounding);
    for set in [CapSet::Ambient, CapSet::Inheritable, CapSet::Effective, CapSet::Permitted] {
        caps::clear(None, set).map_err(|e| format!("cannot give up the {set:?} capabilities: {e}"))?;
    }
    for set in [CapSet::Ambient, CapSet::Inheritable, CapSet::Effective, CapSet::Permitted] {
        let left = caps::read(None, set).map_err(|e| format!("cannot read the {set:?} capabilities: {e}"))?;
        if !left.is_empty() {
            return Err(format!("{} {set:?} capabilities are left after giving them up; refusing to continue", left.len()));
        }
    }
    let bounding_kept = caps::read(None, CapSet::Bounding).map(|b| !b.is_empty()).unwrap_or(true);
    Ok(Capabilities { bounding_kept })
}

/// Fails when another thread exists: capabilities are per thread, so one started earlier would
/// keep them.
fn only_thread() -> Result<(), String> {
    match threads() {
        Some(n) if n > 1 => Err(format!("{n} threads exist before privileges are given up; refusing to continue")),
        _ => Ok(()),
    }
}

/// How many threads this process has (`/proc/self/task`), when `/proc` can be read.
pub fn threads() -> Option<usize> {
    std::fs::read_dir("/proc/self/task").ok().map(|d| d.count())
}

/// Whether the process runs as root.
pub fn is_root() -> bool {
    geteuid().is_root()
}

/// Makes room for `n` more open files (every `-r` input is opened at the start): raises the
/// soft limit on open descriptors towards the hard limit when it is too low.
pub fn room_for_files(n: usize) {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let want = n as u64 + 64;
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        if soft < want {
            let _ = setrlimit(Resource::RLIMIT_NOFILE, want.min(hard), hard);
        }
    }
}
