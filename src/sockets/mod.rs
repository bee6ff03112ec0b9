//! This machine's sockets, from the kernel: which exist (protocol, state, local and peer
//! socket, queues, timer, uid, inode) and which processes hold them. `portlens sockets`,
//! `portlens who` and `explain`'s "on this machine now" lines read them here.
//!
//! * [`diag`]: netlink `sock_diag`, what `ss` uses (the default).
//! * [`procnet`]: `/proc/net/{tcp,tcp6,udp,udp6}`, the fallback (and what a copy of another
//!   machine's `/proc` holds).
//! * [`owners`]: inode → process, from `/proc/PID/fd`.
//!
//! Arrows: uses nothing of the crate (a leaf for the commands above it); `nix` for the netlink
//! socket and user names.

pub mod diag;
pub mod owners;
pub mod procnet;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

pub use owners::{Owner, Owners};

/// TCP or UDP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Proto {
    /// `"tcp"` or `"udp"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

/// A socket's state, as the kernel keeps it (`include/net/tcp_states.h`); UDP sockets are
/// `Unconn` (not connected) or `Established` (after `connect()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// Waiting for connections.
    Listen,
    /// An open connection.
    Established,
    /// SYN sent, waiting for SYN,ACK.
    SynSent,
    /// SYN received, SYN,ACK sent (`TCP_SYN_RECV`).
    SynRecv,
    /// A request socket of a listener, SYN,ACK sent (`TCP_NEW_SYN_RECV`).
    NewSynRecv,
    /// This side closed first, its FIN not yet acknowledged.
    FinWait1,
    /// This side's FIN acknowledged, waiting for the peer's.
    FinWait2,
    /// The peer closed first; this program has not closed yet.
    CloseWait,
    /// Both sent FIN at the same time.
    Closing,
    /// The peer closed first, this side's FIN sent, waiting for its ACK.
    LastAck,
    /// Closed; the port is held for a while so late packets are not taken for a new connection.
    TimeWait,
    /// TCP: closed (a socket not yet bound or connected).
    Close,
    /// UDP: bound, not connected (receives from anyone).
    Unconn,
    /// A number this program does not know.
    Other(u8),
}

impl State {
    /// From the kernel's number.
    #[must_use]
    pub const fn from_kernel(proto: Proto, n: u8) -> State {
        match (proto, n) {
            (_, 1) => State::Established,
            (_, 2) => State::SynSent,
            (_, 3) => State::SynRecv,
            (_, 4) => State::FinWait1,
            (_, 5) => State::FinWait2,
            (_, 6) => State::TimeWait,
            (Proto::Udp, 7) => State::Unconn,
            (Proto::Tcp, 7) => State::Close,
            (_, 8) => State::CloseWait,
            (_, 9) => State::LastAck,
            (_, 10) => State::Listen,
            (_, 11) => State::Closing,
            (_, 12) => State::NewSynRecv,
            (_, n) => State::Other(n),
        }
    }

    /// The name as `netstat` prints it (`ss` shortens some).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            State::Listen => "LISTEN",
            State::Established => "ESTABLISHED",
            State::SynSent => "SYN_SENT",
            State::SynRecv => "SYN_RECV",
            State::NewSynRecv => "NEW_SYN_RECV",
            State::FinWait1 => "FIN_WAIT1",
            State::FinWait2 => "FIN_WAIT2",
            State::CloseWait => "CLOSE_WAIT",
            State::Closing => "CLOSING",
            State::LastAck => "LAST_ACK",
            State::TimeWait => "TIME_WAIT",
            State::Close => "CLOSE",
            State::Unconn => "UNCONN",
            State::Other(_) => "UNKNOWN",
        }
    }

    /// Whether `ss -l` would list it: a TCP listener or an unconnected UDP socket.
    #[must_use]
    pub const fn is_listening(self) -> bool {
        matches!(self, State::Listen | State::Unconn)
    }
}

/// The kernel timer running on a socket (`idiag_timer`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// No timer.
    None,
    /// Retransmission (also the SYN retry timer).
    Retransmit,
    /// Keepalive (also FIN_WAIT2's timeout).
    Keepalive,
    /// TIME_WAIT's end.
    TimeWait,
    /// Zero-window probe.
    Probe,
    /// A number this program does not know.
    Other(u8),
}

impl Timer {
    /// From the kernel's number.
    #[must_use]
    pub const fn from_kernel(n: u8) -> Timer {
        match n {
            0 => Timer::None,
            1 => Timer::Retransmit,
            2 => Timer::Keepalive,
            3 => Timer::TimeWait,
            4 => Timer::Probe,
            n => Timer::Other(n),
        }
    }

    /// `ss -o`'s name (`on` for retransmit), or `None` for no timer.
    #[must_use]
    pub const fn name(self) -> Option<&'static str> {
        match self {
            Timer::None => None,
            Timer::Retransmit => Some("on"),
            Timer::Keepalive => Some("keepalive"),
            Timer::TimeWait => Some("timewait"),
            Timer::Probe => Some("persist"),
            Timer::Other(_) => Some("unknown"),
        }
    }
}

/// One socket of the kernel's table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Socket {
    /// TCP or UDP.
    pub proto: Proto,
    /// Its state.
    pub state: State,
    /// Local address and port.
    pub local: (IpAddr, u16),
    /// Peer address and port (unspecified and 0 for a listener).
    pub peer: (IpAddr, u16),
    /// The timer running, and when it fires.
    pub timer: Timer,
    /// Milliseconds until the timer fires.
    pub expires_ms: u32,
    /// Bytes received not yet read by the program (a listener: connections waiting for
    /// `accept()`).
    pub recv_q: u32,
    /// Bytes sent not yet acknowledged (a listener: its backlog, from netlink).
    pub send_q: u32,
    /// The socket's user id (0 for TIME_WAIT: the kernel holds it).
    pub uid: u32,
    /// The socket's inode (0 for TIME_WAIT).
    pub inode: u64,
}

/// Where the table came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// netlink `sock_diag`.
    Netlink,
    /// `/proc/net/{tcp,tcp6,udp,udp6}`.
    ProcNet,
}

impl Source {
    /// `"netlink"` or `"proc"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Source::Netlink => "netlink",
            Source::ProcNet => "proc",
        }
    }
}

/// Which source to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SourceChoice {
    /// netlink, and `/proc/net` for a protocol netlink cannot dump.
    #[default]
    Auto,
    /// netlink only.
    Netlink,
    /// `/proc/net` only.
    ProcNet,
}

/// The socket table with its owners.
#[derive(Debug)]
pub struct Table {
    /// Every socket, in the kernel's order (TCP, then UDP; IPv4 before IPv6).
    pub sockets: Vec<Socket>,
    /// Who holds them.
    pub owners: Owners,
    /// Where each protocol's sockets came from.
    pub sources: Vec<(Proto, Source)>,
    /// Why the preferred source was not used, when it was not.
    pub fallback_reason: Option<String>,
}

/// Why the table could not be read.
#[derive(Debug)]
pub struct ReadError(pub String);

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads the sockets of `protos` (netlink or `/proc/net` under `proc_root`) and their owners
/// (`proc_root/PID/fd`).
pub fn read(proc_root: &Path, choice: SourceChoice, protos: &[Proto]) -> Result<Table, ReadError> {
    let mut sockets = Vec::new();
    let mut sources = Vec::new();
    let mut fallback_reason = None;
    for &proto in protos {
        let before = sockets.len();
        let netlink = match choice {
            SourceChoice::ProcNet => None,
            _ => Some(diag::dump(proto, &mut sockets)),
        };
        match netlink {
            Some(Ok(())) => sources.push((proto, Source::Netlink)),
            Some(Err(e)) if choice == SourceChoice::Netlink => return Err(ReadError(e.to_string())),
            other => {
                sockets.truncate(before);
                if let Some(Err(e)) = other {
                    fallback_reason.get_or_insert(format!("{e}; read /proc/net instead"));
                }
                procnet::read(proc_root, proto, &mut sockets).map_err(|e| {
                    ReadError(format!(
                        "cannot read the {} socket table from {}: {e}",
                        proto.as_str(),
                        proc_root.join("net").display()
                    ))
                })?;
                sources.push((proto, Source::ProcNet));
            }
        }
    }
    Ok(Table { sockets, owners: owners::scan(proc_root), sources, fallback_reason })
}

impl Table {
    /// The processes holding a socket (empty for TIME_WAIT, or when not permitted to see).
    #[must_use]
    pub fn owners_of(&self, s: &Socket) -> &[Owner] {
        if s.inode == 0 {
            return &[];
        }
        self.owners.by_inode.get(&s.inode).map_or(&[], Vec::as_slice)
    }

    /// Why a socket has no owner, when it has none.
    #[must_use]
    pub fn unowned_reason(&self, s: &Socket, my_uid: u32) -> Option<Unowned> {
        if !self.owners_of(s).is_empty() {
            return None;
        }
        Some(if s.inode == 0 {
            Unowned::Kernel
        } else if self.owners.not_permitted > 0 && s.uid != my_uid {
            Unowned::NotPermitted
        } else {
            Unowned::NoProcess
        })
    }
}

/// Why no program is named for a socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unowned {
    /// TIME_WAIT (or a request socket): the kernel holds it, no process does.
    Kernel,
    /// Another user's process, and this run may not read its descriptors.
    NotPermitted,
    /// No visible process holds it (a kernel socket, a process in another PID namespace, or
    /// it closed while the table was read).
    NoProcess,
}

impl Unowned {
    /// A short stable identifier (JSON).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Unowned::Kernel => "kernel",
            Unowned::NotPermitted => "not-permitted",
            Unowned::NoProcess => "no-process",
        }
    }
}

/// What `portlens sockets` was asked to show; kinds combine with "and", values of one kind
/// with "or".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    /// Only listening sockets (TCP LISTEN, UDP not connected), as `ss -l`.
    pub listen: bool,
    /// Only these protocols (empty: both).
    pub protos: Vec<Proto>,
    /// Local or peer port.
    pub ports: Vec<u16>,
    /// Part of a holder's program name.
    pub programs: Vec<String>,
    /// A holder's pid.
    pub pids: Vec<u32>,
}

impl Query {
    /// The protocols to read.
    #[must_use]
    pub fn protos(&self) -> Vec<Proto> {
        if self.protos.is_empty() { vec![Proto::Tcp, Proto::Udp] } else { self.protos.clone() }
    }

    /// Whether a socket (with its holders) is wanted.
    #[must_use]
    pub fn wants(&self, s: &Socket, owners: &[Owner]) -> bool {
        (!self.listen || s.state.is_listening())
            && (self.protos.is_empty() || self.protos.contains(&s.proto))
            && (self.ports.is_empty() || self.ports.contains(&s.local.1) || self.ports.contains(&s.peer.1))
            && (self.programs.is_empty()
                || owners.iter().any(|o| self.programs.iter().any(|p| o.name.contains(p.as_str()))))
            && (self.pids.is_empty() || owners.iter().any(|o| self.pids.contains(&o.pid)))
    }
}

/// User names by uid, looked up once each (`getpwuid_r`).
#[derive(Debug, Default)]
pub struct Users(HashMap<u32, Option<String>>);

impl Users {
    /// The user's name, or `None` when the system does not know the uid.
    pub fn name(&mut self, uid: u32) -> Option<&str> {
        self.0
            .entry(uid)
            .or_insert_with(|| {
                nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)).ok().flatten().map(|u| u.name)
            })
            .as_deref()
    }
}

/// This process's real user id.
#[must_use]
pub fn my_uid() -> u32 {
    nix::unistd::getuid().as_raw()
}
