//! The second stage of the sandbox: once the capture (or the input files) and any `-w` file
//! are open and root and capabilities have been given up, the process loses what a sniffer
//! never needs again, so that a bug in the decoder, reached by a hostile packet, cannot be
//! turned into much.
//!
//! Two independent layers, each applied where the kernel supports it:
//!
//! - **Landlock** (Linux ≥ 5.13): nothing can be created, written, truncated, removed,
//!   renamed, linked or executed anywhere, and only what the run still reads can be read (see
//!   [`Needs::read`]: the time zone data, a live interface's drop counters); files opened
//!   before (the inputs, the capture socket, the `-w` file, stdout) keep working. From ABI 4
//!   on, TCP `bind`/`connect` are denied; from ABI 6 on, signals to processes outside the
//!   sandbox and connections to abstract UNIX sockets are denied. Landlock confines the
//!   calling thread and the threads it starts afterwards (every thread, from ABI 8 on): the run
//!   starts its threads only after this, and a thread that existed before is reported as not
//!   covered ("partial").
//! - **seccomp** (a deny list; everything else is allowed): no `execve`, no new processes (only
//!   threads), no new sockets, nothing sent through the packet socket (`write`, `sendto` and
//!   their kin on its descriptor; `sendmsg`, `sendmmsg`, `splice`, `sendfile` and the like
//!   anywhere; and no copying descriptors, so it cannot be renamed: `dup`, `F_DUPFD`), no
//!   socket options, no `ptrace` or reading other processes' memory, no mounts or namespaces,
//!   no module or kexec loading, no `bpf`/`perf_event_open`/`userfaultfd`/`io_uring`/AIO, no
//!   changing ownership, modes or extended attributes, no changing uid/gid/capabilities, no
//!   injecting keystrokes into the terminal (`TIOCSTI`). Denied calls fail with `EPERM`
//!   (`clone3` with `ENOSYS`, so that the C library creates threads with `clone`, whose flags the
//!   filter can see). The filter is synchronised to every thread of the process.
//!
//! A kernel without one of them degrades to the other (or to none): the run goes on, and with
//! `-v` portlens says once what was and was not applied. `--no-sandbox` skips both.
//!
//! The capture thread keeps working because it only uses what it already has: `poll`,
//! `recvfrom`, `ioctl`, `getsockopt` and the `mmap`ed ring of its packet socket, `read`/`write`
//! on descriptors that are already open (not the packet socket), and the interface counters.

use std::path::{Path, PathBuf};

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

/// What the run still needs once sandboxed.
#[derive(Clone, Debug, Default)]
pub struct Needs {
    /// Files and directories read later (time zone data, a live interface's counters): the
    /// only things left readable. Paths that do not exist are left out.
    pub read: Vec<PathBuf>,
    /// Packet sockets: the capture only receives on them; nothing may be sent.
    pub packet_sockets: Vec<i32>,
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
        let fs = "Landlock: nothing writable or executable, only what the run reads is readable";
        let ll = match &self.landlock {
            Layer::Enforced => format!("{fs}, no TCP bind/connect, no signals out"),
            Layer::Partial(why) => format!("{fs} (partial: {why})"),
            Layer::Unavailable(why) => format!("no Landlock ({why}; the filesystem stays writable)"),
        };
        let sc = match &self.seccomp {
            Layer::Enforced | Layer::Partial(_) => "seccomp: no exec, no new processes or sockets, nothing sent on the \
                 packet socket, no ptrace, mounts, modules or uid changes"
                .to_string(),
            Layer::Unavailable(why) => format!("no seccomp filter ({why})"),
        };
        format!("sandbox after opening the capture: {ll}; {sc}; --no-sandbox turns it off")
    }
}

/// Applies both layers to the whole process and says what came of it. Never fails: a layer the
/// kernel does not support is reported and skipped. Irreversible; call it once, after every
/// file the run will write is open.
pub fn restrict(needs: &Needs) -> Report {
    Report { landlock: landlock(&needs.read), seccomp: seccomp(&needs.packet_sockets) }
}

/// How many threads the process has (`/proc/self/task`); 1 when it cannot be read.
fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(1)
}

/// A read-only rule for `path` (reading files, and listing when it is a directory).
fn read_rule(path: &Path) -> Option<PathBeneath<PathFd>> {
    let is_dir = std::fs::metadata(path).ok()?.is_dir();
    let access = if is_dir { AccessFs::ReadFile | AccessFs::ReadDir } else { AccessFs::ReadFile.into() };
    Some(PathBeneath::new(PathFd::new(path).ok()?, access))
}

fn landlock(read: &[PathBuf]) -> Layer {
    let abi = LANDLOCK_ABI;
    let threads_before = thread_count();
    let attempt = || -> Result<landlock::RestrictionStatus, String> {
        Ruleset::default()
            .handle_access(AccessFs::from_all(abi))
            .and_then(|r| r.handle_access(AccessNet::from_all(abi)))
            .and_then(|r| r.scope(Scope::from_all(abi)))
            .and_then(|r| r.create())
            // Only what the run reads later is readable (nothing executable).
            .and_then(|r| r.add_rules(read.iter().filter_map(|p| read_rule(p)).map(Ok::<_, landlock::RulesetError>)))
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
            // Threads started before stay outside the domain below ABI 8 (portlens starts none
            // before; this says so if one ever is).
            (_, LandlockStatus::Available { effective_abi, .. }) if effective_abi < ABI::V8 && threads_before > 1 => {
                Layer::Partial(format!(
                    "{} thread(s) started before it are not covered: Landlock ABI {} confines only the thread that \
                     applies it and the threads it starts",
                    threads_before - 1,
                    effective_abi as i32
                ))
            }
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
        // Sending: the packet socket must not inject frames. These are never used by the run
        // (stdout and -w are written with write), so they are denied on every descriptor;
        // write/sendto are denied on the packet socket only (see `eperm_filter`), and copying
        // descriptors is denied so that it cannot be given another number.
        libc::SYS_sendmsg,
        libc::SYS_sendmmsg,
        libc::SYS_splice,
        libc::SYS_tee,
        libc::SYS_vmsplice,
        libc::SYS_sendfile,
        libc::SYS_copy_file_range,
        libc::SYS_setsockopt,
        libc::SYS_dup,
        libc::SYS_dup3,
        libc::SYS_io_setup,
        libc::SYS_io_submit,
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
        libc::SYS_dup2,
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

/// Calls that write to a descriptor, denied on the packet socket.
const WRITES: [i64; 6] =
    [libc::SYS_write, libc::SYS_writev, libc::SYS_pwrite64, libc::SYS_pwritev, libc::SYS_pwritev2, libc::SYS_sendto];

/// The EPERM filter: the deny list, writing or sending on a packet socket, copying a
/// descriptor with `fcntl`, `clone` without `CLONE_THREAD` (a new process rather than a
/// thread), and the terminal ioctls that push input into the terminal.
fn eperm_filter(arch: TargetArch, packet_sockets: &[i32]) -> Result<BpfProgram, String> {
    let mut rules: std::collections::BTreeMap<i64, Vec<SeccompRule>> =
        denied_syscalls().into_iter().map(|n| (n, Vec::new())).collect();
    for &fd in packet_sockets {
        let Ok(fd) = u64::try_from(fd) else { continue };
        for call in WRITES {
            let on_it = cond(0, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, fd)?;
            rules.entry(call).or_default().push(SeccompRule::new(vec![on_it]).map_err(|e| e.to_string())?);
        }
    }
    let mut fcntl = Vec::new();
    for cmd in [libc::F_DUPFD, libc::F_DUPFD_CLOEXEC] {
        let c = cond(1, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, cmd as u64)?;
        fcntl.push(SeccompRule::new(vec![c]).map_err(|e| e.to_string())?);
    }
    rules.insert(libc::SYS_fcntl, fcntl);
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

fn seccomp(packet_sockets: &[i32]) -> Layer {
    let arch = match TargetArch::try_from(std::env::consts::ARCH) {
        Ok(a) => a,
        Err(_) => return Layer::Unavailable(format!("no seccomp rules for {}", std::env::consts::ARCH)),
    };
    let programs = match (enosys_filter(arch), eperm_filter(arch, packet_sockets)) {
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
        assert!(!eperm_filter(arch, &[]).expect("eperm filter").is_empty());
        assert!(!eperm_filter(arch, &[5, 7]).expect("eperm filter with packet sockets").is_empty());
        assert!(!enosys_filter(arch).expect("enosys filter").is_empty());
    }

    #[test]
    fn the_deny_list_covers_exec_sockets_and_ptrace_and_not_what_capture_needs() {
        let d = denied_syscalls();
        for s in [
            libc::SYS_execve,
            libc::SYS_execveat,
            libc::SYS_socket,
            libc::SYS_ptrace,
            libc::SYS_setuid,
            libc::SYS_sendmsg,
            libc::SYS_dup,
            libc::SYS_setsockopt,
        ] {
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
            libc::SYS_sendto,
            libc::SYS_fcntl,
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
