//! Which processes hold which sockets: every `/proc/PID/fd/N` that links to `socket:[INODE]`
//! (what `ss -p`, `lsof` and `fuser` read). A process whose descriptors may not be read (another
//! user's, without root) is counted, so that the caller can say "not permitted" instead of
//! guessing.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// One process holding a socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// Process id.
    pub pid: u32,
    /// The program's name (`/proc/PID/comm`, at most 15 bytes, as `ss` and `top` show it).
    pub name: String,
    /// The process's real user id (the owner of `/proc/PID`).
    pub uid: u32,
    /// The descriptor number.
    pub fd: u32,
}

/// Socket inode → the processes that hold it, and what could not be seen.
#[derive(Debug, Default)]
pub struct Owners {
    /// Every socket inode found, with its holders (a forked server's socket has several).
    pub by_inode: HashMap<u64, Vec<Owner>>,
    /// Processes looked at.
    pub processes: usize,
    /// Processes whose descriptors could not be read (another user's, without root).
    pub not_permitted: usize,
}

/// The inode in a descriptor link's text `socket:[12345]`.
///
/// ```
/// use portlens::sockets::owners::socket_inode;
/// assert_eq!(socket_inode("socket:[12345]"), Some(12345));
/// assert_eq!(socket_inode("pipe:[12345]"), None);
/// ```
#[must_use]
pub fn socket_inode(link: &str) -> Option<u64> {
    link.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
}

/// Scans every process under `proc_root`.
#[must_use]
pub fn scan(proc_root: &Path) -> Owners {
    let mut o = Owners::default();
    let Ok(dir) = std::fs::read_dir(proc_root) else { return o };
    for entry in dir.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        o.processes += 1;
        let path = entry.path();
        let fds = match std::fs::read_dir(path.join("fd")) {
            Ok(d) => d,
            Err(e) => {
                // A process that exited between the listing and now is not a permission problem.
                if e.kind() == std::io::ErrorKind::PermissionDenied {
                    o.not_permitted += 1;
                }
                continue;
            }
        };
        let mut found: Vec<(u64, u32)> = Vec::new();
        for fd in fds.flatten() {
            let Ok(link) = std::fs::read_link(fd.path()) else { continue };
            let Some(inode) = link.to_str().and_then(socket_inode) else { continue };
            let Some(n) = fd.file_name().to_str().and_then(|s| s.parse().ok()) else { continue };
            found.push((inode, n));
        }
        if found.is_empty() {
            continue;
        }
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let comm = comm.trim_end_matches('\n').to_string();
        let uid = std::fs::metadata(&path).map(|m| m.uid()).unwrap_or(u32::MAX);
        for (inode, fd) in found {
            o.by_inode.entry(inode).or_default().push(Owner { pid, name: comm.clone(), uid, fd });
        }
    }
    for v in o.by_inode.values_mut() {
        v.sort_by_key(|w| (w.pid, w.fd));
    }
    o
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn finds_this_process_socket() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let o = scan(Path::new("/proc"));
        let me = std::process::id();
        assert!(o.by_inode.values().flatten().any(|w| w.pid == me), "own socket not found");
        drop(l);
    }
}
