//! The facts of this machine that a port card mentions: Linux's ephemeral port range
//! (`net.ipv4.ip_local_port_range`) and the first port an unprivileged user may bind
//! (`net.ipv4.ip_unprivileged_port_start`).
//!
//! They are read once, from `/proc/sys/net/ipv4/`, into a plain [`SystemFacts`] value that the
//! card renderer takes as an argument, so tests pass fixed facts and never depend on the
//! machine. The binary reads from `/proc` unless the environment variable `PORTLENS_PROC`
//! names another directory laid out like `/proc` (the integration tests use that; it also
//! lets a teacher explain another machine's settings from a copy of its files).

use std::path::{Path, PathBuf};

/// Linux's default ephemeral range, used when `/proc` cannot be read.
pub const LINUX_DEFAULT_EPHEMERAL: (u16, u16) = crate::services::LINUX_EPHEMERAL;

/// The environment variable that replaces `/proc` for [`SystemFacts::read`].
pub const PROC_ENV: &str = "PORTLENS_PROC";

/// What this machine says about ports; `None` where it could not be read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SystemFacts {
    /// `net.ipv4.ip_local_port_range`: the ports the kernel picks client ports from.
    pub ephemeral: Option<(u16, u16)>,
    /// `net.ipv4.ip_unprivileged_port_start`: ports below it need privileges to bind.
    pub unprivileged_port_start: Option<u32>,
}

impl SystemFacts {
    /// Reads the facts from `/proc` (or from `$PORTLENS_PROC` when set and not empty).
    #[must_use]
    pub fn read() -> SystemFacts {
        let root = std::env::var_os(PROC_ENV)
            .filter(|v| !v.is_empty())
            .map_or_else(|| PathBuf::from("/proc"), PathBuf::from);
        SystemFacts::read_from(&root)
    }

    /// Reads the facts from a directory laid out like `/proc`.
    #[must_use]
    pub fn read_from(proc_root: &Path) -> SystemFacts {
        let dir = proc_root.join("sys/net/ipv4");
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
        SystemFacts {
            ephemeral: read("ip_local_port_range").as_deref().and_then(parse_range),
            unprivileged_port_start: read("ip_unprivileged_port_start")
                .and_then(|s| s.trim().parse().ok()),
        }
    }
}

/// Parses `ip_local_port_range` (`"32768\t60999\n"`): two ports, low first.
///
/// ```
/// use portlens::teach::facts::parse_range;
/// assert_eq!(parse_range("32768\t60999\n"), Some((32768, 60999)));
/// assert_eq!(parse_range("60999 32768"), None);
/// assert_eq!(parse_range("1 70000"), None);
/// ```
#[must_use]
pub fn parse_range(s: &str) -> Option<(u16, u16)> {
    let mut it = s.split_whitespace().map(str::parse::<u16>);
    let lo = it.next()?.ok()?;
    let hi = it.next()?.ok()?;
    (it.next().is_none() && lo <= hi).then_some((lo, hi))
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_proc_copy_and_tolerates_missing_or_bad_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let net = dir.path().join("sys/net/ipv4");
        std::fs::create_dir_all(&net).expect("mkdir");
        assert_eq!(SystemFacts::read_from(dir.path()), SystemFacts::default());
        std::fs::write(net.join("ip_local_port_range"), "40000\t50000\n").expect("write");
        std::fs::write(net.join("ip_unprivileged_port_start"), "80\n").expect("write");
        let f = SystemFacts::read_from(dir.path());
        assert_eq!(f.ephemeral, Some((40000, 50000)));
        assert_eq!(f.unprivileged_port_start, Some(80));
        std::fs::write(net.join("ip_local_port_range"), "garbage").expect("write");
        std::fs::write(net.join("ip_unprivileged_port_start"), "-").expect("write");
        assert_eq!(SystemFacts::read_from(dir.path()), SystemFacts::default());
    }

    #[test]
    fn range_parsing() {
        assert_eq!(parse_range("0 65535"), Some((0, 65535)));
        assert_eq!(parse_range(""), None);
        assert_eq!(parse_range("1"), None);
        assert_eq!(parse_range("1 2 3"), None);
    }
}
