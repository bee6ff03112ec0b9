//! Giving up root after the capture is open: `-Z USER`, or back to the person who ran `sudo`
//! (`SUDO_UID`/`SUDO_GID`), with their supplementary groups.

use nix::unistd::{Gid, Uid, User, geteuid, getuid, initgroups, setgid, setgroups, setuid};

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

/// Decides whom to drop to: `-Z USER` first; else, when running as root under sudo, the
/// invoking user; else nobody (the caller then says it keeps running as root).
pub fn target(user: Option<&str>, keep_root: bool) -> Result<Option<Target>, String> {
    if keep_root {
        return Ok(None);
    }
    if let Some(name) = user {
        let u = match User::from_name(name) {
            Ok(Some(u)) => u,
            Ok(None) => {
                // Accept a numeric uid too.
                match name.parse::<u32>().ok().and_then(|id| User::from_uid(Uid::from_raw(id)).ok().flatten()) {
                    Some(u) => u,
                    None => return Err(format!("-Z {name}: no such user on this system")),
                }
            }
            Err(e) => return Err(format!("-Z {name}: cannot look the user up: {e}")),
        };
        return Ok(Some(Target { name: u.name, uid: u.uid.as_raw(), gid: u.gid.as_raw(), reason: "-Z" }));
    }
    if !geteuid().is_root() {
        return Ok(None);
    }
    let uid = std::env::var("SUDO_UID").ok().and_then(|v| v.parse::<u32>().ok());
    let gid = std::env::var("SUDO_GID").ok().and_then(|v| v.parse::<u32>().ok());
    match (uid, gid) {
        (Some(0), _) | (None, _) => Ok(None),
        (Some(uid), gid) => {
            let user = User::from_uid(Uid::from_raw(uid)).ok().flatten();
            let name = user.as_ref().map(|u| u.name.clone()).unwrap_or_else(|| uid.to_string());
            let gid = gid.or(user.map(|u| u.gid.as_raw())).unwrap_or(uid);
            Ok(Some(Target { name, uid, gid, reason: "sudo" }))
        }
    }
}

/// Becomes `t`: supplementary groups, then group, then user. Fails if root could be regained.
pub fn drop_to(t: &Target) -> Result<(), String> {
    let gid = Gid::from_raw(t.gid);
    let cname = std::ffi::CString::new(t.name.clone()).map_err(|_| "user name contains a NUL byte".to_string())?;
    if initgroups(&cname, gid).is_err() {
        setgroups(&[gid]).map_err(|e| format!("cannot set groups for {}: {e}", t.name))?;
    }
    setgid(gid).map_err(|e| format!("cannot switch to group {}: {e}", t.gid))?;
    setuid(Uid::from_raw(t.uid)).map_err(|e| format!("cannot switch to user {}: {e}", t.name))?;
    if t.uid != 0 && (setuid(Uid::from_raw(0)).is_ok() || getuid().is_root()) {
        return Err("root privileges could be regained after dropping them; refusing to continue".into());
    }
    Ok(())
}

/// Whether the process runs as root.
pub fn is_root() -> bool {
    geteuid().is_root()
}
