//! The kernel's socket table through netlink `sock_diag` (`NETLINK_SOCK_DIAG`,
//! `SOCK_DIAG_BY_FAMILY` with `inet_diag_req_v2`): what `ss` reads. One dump per family and
//! protocol; each answer (`inet_diag_msg`) carries the socket's state, addresses, timer, queues,
//! uid and inode.
//!
//! Building the request and parsing the answer are pure functions over bytes (tested without a
//! kernel); [`dump`] is the only part that talks to one.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::AsRawFd;

use nix::sys::socket::{self, AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType};

use super::{Proto, Socket, State, Timer};

const NLMSG_HDR: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_DUMP: u16 = 0x300;
/// `inet_diag_msg`: family, state, timer, retrans, the 48-byte socket id, then expires,
/// rqueue, wqueue, uid, inode.
const DIAG_MSG: usize = 72;
const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;
const IPPROTO_TCP: u8 = 6;
const IPPROTO_UDP: u8 = 17;

/// Why the netlink table could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiagError {
    /// The socket could not be made or used (`EPERM` in a sandbox, no netlink).
    Socket(String),
    /// The kernel answered with an error (`ENOENT`: the diag module for this protocol is
    /// not loaded).
    Kernel(i32),
    /// The answer was cut or malformed.
    Malformed(&'static str),
}

impl std::fmt::Display for DiagError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiagError::Socket(e) => write!(f, "netlink sock_diag socket: {e}"),
            DiagError::Kernel(e) => write!(f, "the kernel answered sock_diag with {}", std::io::Error::from_raw_os_error(*e)),
            DiagError::Malformed(what) => write!(f, "malformed sock_diag answer: {what}"),
        }
    }
}

/// The dump request for one family (v6 or not) and protocol, every state.
///
/// ```
/// use portlens::sockets::{diag, Proto};
/// let r = diag::request(Proto::Tcp, false, 7);
/// assert_eq!(r.len(), 72);
/// assert_eq!(u32::from_ne_bytes([r[0], r[1], r[2], r[3]]), 72);
/// assert_eq!((r[16], r[17]), (2, 6)); // AF_INET, IPPROTO_TCP
/// ```
#[must_use]
pub fn request(proto: Proto, v6: bool, seq: u32) -> Vec<u8> {
    let mut r = Vec::with_capacity(72);
    r.extend_from_slice(&72u32.to_ne_bytes());
    r.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    r.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    r.extend_from_slice(&seq.to_ne_bytes());
    r.extend_from_slice(&0u32.to_ne_bytes());
    r.push(if v6 { AF_INET6 } else { AF_INET });
    r.push(match proto {
        Proto::Tcp => IPPROTO_TCP,
        Proto::Udp => IPPROTO_UDP,
    });
    r.push(0); // no extensions
    r.push(0);
    r.extend_from_slice(&u32::MAX.to_ne_bytes()); // every state
    r.resize(72, 0); // the socket id: zero, a dump
    r
}

/// What one netlink datagram held.
#[derive(Debug, PartialEq, Eq)]
pub enum Part {
    /// More answers follow.
    More,
    /// `NLMSG_DONE`: the dump is complete.
    Done,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn be16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn addr(b: &[u8], v6: bool) -> Option<IpAddr> {
    if v6 {
        let a: [u8; 16] = b.get(..16)?.try_into().ok()?;
        Some(IpAddr::V6(Ipv6Addr::from(a)))
    } else {
        let a: [u8; 4] = b.get(..4)?.try_into().ok()?;
        Some(IpAddr::V4(Ipv4Addr::from(a)))
    }
}

/// Parses one `inet_diag_msg` body.
#[must_use]
pub fn parse_msg(proto: Proto, m: &[u8]) -> Option<Socket> {
    if m.len() < DIAG_MSG {
        return None;
    }
    let family = *m.first()?;
    let v6 = match family {
        AF_INET => false,
        AF_INET6 => true,
        _ => return None,
    };
    let id = m.get(4..52)?;
    let local = addr(id.get(4..20)?, v6)?;
    let peer = addr(id.get(20..36)?, v6)?;
    Some(Socket {
        proto,
        state: State::from_kernel(proto, *m.get(1)?),
        local: (local, be16_at(id, 0)?),
        peer: (peer, be16_at(id, 2)?),
        timer: Timer::from_kernel(*m.get(2)?),
        expires_ms: u32_at(m, 52)?,
        recv_q: u32_at(m, 56)?,
        send_q: u32_at(m, 60)?,
        uid: u32_at(m, 64)?,
        inode: u64::from(u32_at(m, 68)?),
    })
}

/// Parses one datagram of the dump, appending its sockets to `out`.
pub fn parse(proto: Proto, buf: &[u8], out: &mut Vec<Socket>) -> Result<Part, DiagError> {
    let mut at = 0;
    while at + NLMSG_HDR <= buf.len() {
        let len = u32_at(buf, at).ok_or(DiagError::Malformed("header"))? as usize;
        let kind = u16_at(buf, at + 4).ok_or(DiagError::Malformed("header"))?;
        if len < NLMSG_HDR || at + len > buf.len() {
            return Err(DiagError::Malformed("message length"));
        }
        let body = buf.get(at + NLMSG_HDR..at + len).ok_or(DiagError::Malformed("body"))?;
        match kind {
            NLMSG_DONE => return Ok(Part::Done),
            NLMSG_ERROR => {
                let errno = u32_at(body, 0).ok_or(DiagError::Malformed("error"))? as i32;
                return Err(DiagError::Kernel(-errno));
            }
            SOCK_DIAG_BY_FAMILY => {
                if let Some(s) = parse_msg(proto, body) {
                    out.push(s);
                }
            }
            _ => {}
        }
        at += (len + 3) & !3;
    }
    Ok(Part::More)
}

/// Dumps every socket of `proto` in both families, in this process's network namespace.
pub fn dump(proto: Proto, out: &mut Vec<Socket>) -> Result<(), DiagError> {
    let fd = socket::socket(
        AddressFamily::Netlink,
        SockType::Datagram,
        SockFlag::SOCK_CLOEXEC,
        SockProtocol::NetlinkSockDiag,
    )
    .map_err(|e| DiagError::Socket(e.desc().to_string()))?;
    let mut buf = vec![0u8; 64 * 1024];
    for (seq, v6) in [(1, false), (2, true)] {
        let req = request(proto, v6, seq);
        socket::sendto(fd.as_raw_fd(), &req, &NetlinkAddr::new(0, 0), MsgFlags::empty())
            .map_err(|e| DiagError::Socket(e.desc().to_string()))?;
        loop {
            let n = socket::recv(fd.as_raw_fd(), &mut buf, MsgFlags::empty())
                .map_err(|e| DiagError::Socket(e.desc().to_string()))?;
            if n == 0 {
                return Err(DiagError::Malformed("end of stream before NLMSG_DONE"));
            }
            match parse(proto, buf.get(..n).unwrap_or_default(), out) {
                Ok(Part::More) => {}
                Ok(Part::Done) => break,
                // IPv6 switched off in the kernel: no IPv6 sockets.
                Err(DiagError::Kernel(libc::EAFNOSUPPORT)) if v6 => break,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn msg(kind: u16, body: &[u8]) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&((NLMSG_HDR + body.len()) as u32).to_ne_bytes());
        m.extend_from_slice(&kind.to_ne_bytes());
        m.extend_from_slice(&[0; 10]);
        m.extend_from_slice(body);
        while m.len() % 4 != 0 {
            m.push(0);
        }
        m
    }

    fn diag_body() -> Vec<u8> {
        let mut b = vec![AF_INET, 10, 0, 0];
        b.extend_from_slice(&8080u16.to_be_bytes());
        b.extend_from_slice(&0u16.to_be_bytes());
        b.extend_from_slice(&[127, 0, 0, 1]);
        b.extend_from_slice(&[0; 12]);
        b.extend_from_slice(&[0; 16]);
        b.extend_from_slice(&[0; 12]); // if + cookie
        for v in [0u32, 3, 128, 1000, 4242] {
            b.extend_from_slice(&v.to_ne_bytes());
        }
        b
    }

    #[test]
    fn parses_a_listener_and_done() {
        let mut buf = msg(SOCK_DIAG_BY_FAMILY, &diag_body());
        buf.extend(msg(NLMSG_DONE, &[0; 4]));
        let mut out = Vec::new();
        assert_eq!(parse(Proto::Tcp, &buf, &mut out), Ok(Part::Done));
        assert_eq!(out.len(), 1);
        let s = &out[0];
        assert_eq!(s.state, State::Listen);
        assert_eq!(s.local, (IpAddr::V4(Ipv4Addr::LOCALHOST), 8080));
        assert_eq!((s.recv_q, s.send_q, s.uid, s.inode), (3, 128, 1000, 4242));
    }

    #[test]
    fn errors_and_garbage_are_values() {
        let mut out = Vec::new();
        let err = msg(NLMSG_ERROR, &(-2i32).to_ne_bytes());
        assert_eq!(parse(Proto::Udp, &err, &mut out), Err(DiagError::Kernel(2)));
        let mut bad = msg(SOCK_DIAG_BY_FAMILY, &diag_body());
        bad[0] = 0xff;
        assert!(parse(Proto::Tcp, &bad, &mut out).is_err());
        for cut in 0..DIAG_MSG {
            let b = msg(SOCK_DIAG_BY_FAMILY, &diag_body()[..cut]);
            let _ = parse(Proto::Tcp, &b, &mut out);
        }
        assert!(out.is_empty());
    }
}
