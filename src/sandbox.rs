//! The second stage of the sandbox: once a live capture (and any `-w` file) is open and root
//! has been given up, the process loses what a sniffer never needs again, so that a bug in the
//! decoder, reached by a hostile packet, cannot be turned into much.
//!
//! Two independent layers, each applied where the kernel supports it:
//!
//! - **Landlock** (Linux ≥ 5.13): the whole filesystem becomes read-only — files and
//!   directories can be read (time zone data, `/sys` interface counters that libpcap reads for
//!   its statistics), but nothing can be created, written, truncated, removed, renamed, linked
//!   or executed; files opened before (the capture socket, the `-w` file, stdout) keep working.
//!   From ABI 4 on, TCP `bind`/`connect` are denied; from ABI 6 on, signals to processes outside
//!   the sandbox and connections to abstract UNIX sockets are denied.
//! - **seccomp** (a deny list; everything else is allowed): no `execve`, no new processes (only
//!   threads), no new sockets, no `ptrace` or reading other processes' memory, no mounts or
//!   namespaces, no module or kexec loading, no `bpf`/`perf_event_open`/`userfaultfd`/`io_uring`,
//!   no changing ownership, modes or extended attributes, no changing uid/gid/capabilities, no
//!   injecting keystrokes into the terminal (`TIOCSTI`). Denied calls fail with `EPERM`
//!   (`clone3` with `ENOSYS`, so that the C library creates threads with `clone`, whose flags the
//!   filter can see). The filter is synchronised to every thread of the process.
//!
//! A kernel without one of them degrades to the other (or to none): the capture goes on, and
//! with `-v` portlens says once what was and was not applied. `--no-sandbox` skips both.
//!
//! The capture thread keeps working because it only uses what it already has: `poll`,
//! `recvfrom`, `ioctl`, `getsockopt` and the `mmap`ed ring of its packet socket, and `read`/
//! `write` on descriptors that are already open. The layers are applied from the main thread
//! before the capture thread starts, so that thread inherits both.

use landlock::{
    ABI, Access, AccessFs, AccessNet, LandlockStatus, PathBeneath, PathFd, RestrictSelfAttr, Ruleset, RulesetAttr,
    RulesetCreatedAttr, RulesetStatus, Scope,
};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule,
    TargetArch,
};

/// The newest Landlock ABI these rules were written and tested for. Newer kernels enforce
/// exactly this; older ones enforce what they can (best effort).
const LANDLOCK_ABI: ABI = ABI::V7;

/// What happened to one layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layer {
    /// Fully in force.
    Enforced,
    /// In force, but the kernel supports only part of it: what is missing.
    Partial(String),
    /// Not applied: why.
    Unavailable(String),
}

impl Layer {
    /// Whether the layer restricts anything.
    pub fn applied(&self) -> bool {
        !matches!(self, Layer::Unavailable(_))
    }
}

/// What [`restrict`] did, layer by layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The Landlock filesystem/network/scope rules.
    pub landlock: Layer,
    /// The seccomp system-call filter.
    pub seccomp: Layer,
}

impl Report {
    /// One line for stderr (`-v`), without the `portlens:` prefix, saying what is in force and
    /// what is not and why.
    pub fn describe(&self) -> String {
        let ll = match &self.landlock {
            Layer::Enforced => "Landlock: filesystem read-only, no exec, no TCP bind/connect".to_string(),
            Layer::Partial(why) => format!("Landlock: filesystem read-only, no exec ({why})"),
            Layer::Unavailable(why) => format!("no Landlock ({why}; the filesystem stays writable)"),
        };
        let sc = match &self.seccomp {
            Layer::Enforced | Layer::Partial(_) => {
                "seccomp: no exec, no new processes or sockets, no ptrace, mounts, modules or uid changes".to_string()
            }
            Layer::Unavailable(why) => format!("no seccomp filter ({why})"),
        };
        format!("sandbox after opening the capture: {ll}; {sc}; --no-sandbox turns it off")
    }
}

/// Applies both layers to the whole process and says what came of it. Never fails: a layer the
/// kernel does not support is reported and skipped. Irreversible; call it once, after every
/// file the run will write is open.
pub fn restrict() -> Report {
    Report { landlock: landlock(), seccomp: seccomp() }
}

fn landlock() -> Layer {
    let abi = LANDLOCK_ABI;
    let attempt = || -> Result<landlock::RestrictionStatus, String> {
        let root = PathFd::new("/").map_err(|e| e.to_string())?;
        Ruleset::default()
            .handle_access(AccessFs::from_all(abi))
            .and_then(|r| r.handle_access(AccessNet::from_all(abi)))
            .and_then(|r| r.scope(Scope::from_all(abi)))
            .and_then(|r| r.create())
            // Reading stays allowed everywhere (not executing: `from_read` would include it).
            .and_then(|r| r.add_rule(PathBeneath::new(root, AccessFs::ReadFile | AccessFs::ReadDir)))
            // Every thread, where the kernel can (ABI 8); else this thread and those it starts.
            .and_then(|r| r.all_threads(true))
            .and_then(|r| r.restrict_self())
            .map_err(|e| e.to_string())
    };
    match attempt() {
        Ok(st) => match (st.ruleset, st.landlock) {
            (RulesetStatus::NotEnforced, LandlockStatus::NotEnabled) => {
                Layer::Unavailable("Landlock is built into this kernel but not enabled (lsm= boot option)".into())
            }
            (RulesetStatus::NotEnforced, _) => Layer::Unavailable("this kernel does not support Landlock".into()),
            // Threads started before (the signal thread) stay outside the domain below ABI 8;
            // seccomp covers them, so that alone is not reported as partial.
            (_, LandlockStatus::Available { effective_abi, .. }) if effective_abi < ABI::V4 => {
                Layer::Partial(format!("Landlock ABI {}: TCP bind/connect and signal scoping not covered", effective_abi as i32))
            }
            (_, LandlockStatus::Available { effective_abi, .. }) if effective_abi < ABI::V6 => {
                Layer::Partial(format!("Landlock ABI {}: signal scoping not covered", effective_abi as i32))
            }
            _ => Layer::Enforced,
        },
        Err(e) => Layer::Unavailable(format!("Landlock failed: {e}")),
    }
}

/// Calls denied outright, on every architecture seccompiler supports.
fn denied_syscalls() -> Vec<i64> {
    let mut v = vec![
        // Running programs.
        libc::SYS_execve,
        libc::SYS_execveat,
        // Other processes.
        libc::SYS_ptrace,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        libc::SYS_kcmp,
        libc::SYS_pidfd_getfd,
        libc::SYS_process_madvise,
        // New sockets and network endpoints (the capture socket already exists).
        libc::SYS_socket,
        libc::SYS_socketpair,
        libc::SYS_connect,
        libc::SYS_bind,
        libc::SYS_listen,
        libc::SYS_accept,
        libc::SYS_accept4,
        // Ownership, modes, extended attributes (Landlock does not cover these).
        libc::SYS_fchmod,
        libc::SYS_fchmodat,
        FCHMODAT2,
        libc::SYS_fchown,
        libc::SYS_fchownat,
        libc::SYS_setxattr,
        libc::SYS_lsetxattr,
        libc::SYS_fsetxattr,
        SETXATTRAT,
        libc::SYS_removexattr,
        libc::SYS_lremovexattr,
        libc::SYS_fremovexattr,
        REMOVEXATTRAT,
        libc::SYS_mknodat,
        // Mounts and namespaces.
        libc::SYS_mount,
        libc::SYS_umount2,
        libc::SYS_pivot_root,
        libc::SYS_chroot,
        libc::SYS_setns,
        libc::SYS_unshare,
        libc::SYS_move_mount,
        libc::SYS_open_tree,
        libc::SYS_fsopen,
        libc::SYS_fsconfig,
        libc::SYS_fsmount,
        libc::SYS_fspick,
        libc::SYS_mount_setattr,
        // The kernel itself.
        libc::SYS_init_module,
        libc::SYS_finit_module,
        libc::SYS_delete_module,
        libc::SYS_kexec_load,
        libc::SYS_reboot,
        libc::SYS_swapon,
        libc::SYS_swapoff,
        libc::SYS_acct,
        libc::SYS_quotactl,
        libc::SYS_syslog,
        libc::SYS_sethostname,
        libc::SYS_setdomainname,
        libc::SYS_settimeofday,
        libc::SYS_clock_settime,
        libc::SYS_clock_adjtime,
        libc::SYS_adjtimex,
        libc::SYS_bpf,
        libc::SYS_perf_event_open,
        libc::SYS_userfaultfd,
        libc::SYS_keyctl,
        libc::SYS_add_key,
        libc::SYS_request_key,
        libc::SYS_open_by_handle_at,
        libc::SYS_name_to_handle_at,
        libc::SYS_fanotify_init,
        libc::SYS_vhangup,
        // io_uring runs file and socket operations that seccomp cannot see.
        libc::SYS_io_uring_setup,
        libc::SYS_io_uring_enter,
        libc::SYS_io_uring_register,
        // Identity: root was given up already; nothing may change who we are.
        libc::SYS_setuid,
        libc::SYS_setgid,
        libc::SYS_setreuid,
        libc::SYS_setregid,
        libc::SYS_setresuid,
        libc::SYS_setresgid,
        libc::SYS_setgroups,
        libc::SYS_setfsuid,
        libc::SYS_setfsgid,
        libc::SYS_capset,
    ];
    #[cfg(target_arch = "x86_64")]
    v.extend([
        libc::SYS_fork,
        libc::SYS_vfork,
        libc::SYS_chmod,
        libc::SYS_chown,
        libc::SYS_lchown,
        libc::SYS_mknod,
        libc::SYS_kexec_file_load,
        libc::SYS_uselib,
        libc::SYS_iopl,
        libc::SYS_ioperm,
    ]);
    #[cfg(target_arch = "aarch64")]
    v.push(libc::SYS_kexec_file_load);
    v
}

// System calls added after Linux 5.1 share one number on every architecture.
const FCHMODAT2: i64 = 452;
const SETXATTRAT: i64 = 463;
const REMOVEXATTRAT: i64 = 466;
/// `clone3`: answered with ENOSYS (its flags sit in memory the filter cannot read).
const CLONE3: i64 = 435;

fn cond(arg: u8, len: SeccompCmpArgLen, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, String> {
    SeccompCondition::new(arg, len, op, value).map_err(|e| e.to_string())
}

/// The EPERM filter: the deny list, `clone` without `CLONE_THREAD` (a new process rather than
/// a thread), and the terminal ioctls that push input into the terminal.
fn eperm_filter(arch: TargetArch) -> Result<BpfProgram, String> {
    let mut rules: std::collections::BTreeMap<i64, Vec<SeccompRule>> =
        denied_syscalls().into_iter().map(|n| (n, Vec::new())).collect();
    let not_a_thread = cond(0, SeccompCmpArgLen::Qword, SeccompCmpOp::MaskedEq(libc::CLONE_THREAD as u64), 0)?;
    rules.insert(libc::SYS_clone, vec![SeccompRule::new(vec![not_a_thread]).map_err(|e| e.to_string())?]);
    let mut tty = Vec::new();
    for req in [libc::TIOCSTI, libc::TIOCLINUX] {
        // The request type is `c_ulong` on glibc and `c_int` on musl.
        #[allow(clippy::unnecessary_cast)]
        let c = cond(1, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, req as u64)?;
        tty.push(SeccompRule::new(vec![c]).map_err(|e| e.to_string())?);
    }
    rules.insert(libc::SYS_ioctl, tty);
    let filter = SeccompFilter::new(rules, SeccompAction::Allow, SeccompAction::Errno(libc::EPERM as u32), arch)
        .map_err(|e| e.to_string())?;
    BpfProgram::try_from(filter).map_err(|e| e.to_string())
}

/// The ENOSYS filter for `clone3`.
fn enosys_filter(arch: TargetArch) -> Result<BpfProgram, String> {
    let rules = [(CLONE3, Vec::new())].into_iter().collect();
    let filter = SeccompFilter::new(rules, SeccompAction::Allow, SeccompAction::Errno(libc::ENOSYS as u32), arch)
        .map_err(|e| e.to_string())?;
    BpfProgram::try_from(filter).map_err(|e| e.to_string())
}

fn seccomp() -> Layer {
    let arch = match TargetArch::try_from(std::env::consts::ARCH) {
        Ok(a) => a,
        Err(_) => return Layer::Unavailable(format!("no seccomp rules for {}", std::env::consts::ARCH)),
    };
    let programs = match (enosys_filter(arch), eperm_filter(arch)) {
        (Ok(a), Ok(b)) => [a, b],
        (Err(e), _) | (_, Err(e)) => return Layer::Unavailable(format!("cannot build the filter: {e}")),
    };
    for p in &programs {
        if let Err(e) = seccompiler::apply_filter_all_threads(p) {
            return Layer::Unavailable(format!("the kernel refused the filter: {e}"));
        }
    }
    Layer::Enforced
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_compile_for_this_architecture() {
        let arch = TargetArch::try_from(std::env::consts::ARCH).expect("a supported architecture");
        assert!(!eperm_filter(arch).expect("eperm filter").is_empty());
        assert!(!enosys_filter(arch).expect("enosys filter").is_empty());
    }

    #[test]
    fn the_deny_list_covers_exec_sockets_and_ptrace_and_not_what_capture_needs() {
        let d = denied_syscalls();
        for s in [libc::SYS_execve, libc::SYS_execveat, libc::SYS_socket, libc::SYS_ptrace, libc::SYS_setuid] {
            assert!(d.contains(&s), "{s} denied");
        }
        for s in [
            libc::SYS_read,
            libc::SYS_write,
            libc::SYS_ppoll,
            libc::SYS_recvfrom,
            libc::SYS_ioctl,
            libc::SYS_mmap,
            libc::SYS_getsockopt,
            libc::SYS_futex,
            libc::SYS_openat,
        ] {
            assert!(!d.contains(&s), "{s} stays allowed");
        }
    }

    #[test]
    fn describe_names_what_is_missing() {
        let r = Report { landlock: Layer::Unavailable("this kernel does not support Landlock".into()), seccomp: Layer::Enforced };
        let s = r.describe();
        assert!(s.contains("no Landlock (this kernel does not support Landlock"), "{s}");
        assert!(s.contains("seccomp: no exec"), "{s}");
        assert!(s.contains("--no-sandbox"), "{s}");
    }
}
