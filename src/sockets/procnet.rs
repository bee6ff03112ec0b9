//! The fallback socket table: `/proc/net/{tcp,tcp6,udp,udp6}`, for kernels or sandboxes where
//! netlink `sock_diag` cannot be used. Same facts, less exact: the timer is in clock ticks
//! (USER_HZ, 100 a second on Linux), and a listener's send queue is not its backlog.
//!
//! Parsing is pure ([`parse`] over the file's text); a malformed line is skipped, never a panic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use super::{Proto, Socket, State, Timer};

/// Clock ticks a second in `/proc/net/*` timers (USER_HZ).
const USER_HZ: u64 = 100;

fn hex_u32(s: &str) -> Option<u32> {
    u32::from_str_radix(s, 16).ok()
}

/// `0100007F:1F90` → 127.0.0.1:8080; IPv6 addresses are four 32-bit words, each in the
/// machine's byte order.
fn endpoint(s: &str) -> Option<(IpAddr, u16)> {
    let (a, p) = s.split_once(':')?;
    let port = u16::from_str_radix(p, 16).ok()?;
    let ip = match a.len() {
        8 => IpAddr::V4(Ipv4Addr::from(hex_u32(a)?.to_ne_bytes())),
        32 => {
            let mut b = [0u8; 16];
            for (i, chunk) in b.chunks_exact_mut(4).enumerate() {
                let word = hex_u32(a.get(i * 8..i * 8 + 8)?)?;
                chunk.copy_from_slice(&word.to_ne_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(b))
        }
        _ => return None,
    };
    Some((ip, port))
}

fn line(proto: Proto, l: &str) -> Option<Socket> {
    let mut f = l.split_whitespace();
    let _sl = f.next()?;
    let local = endpoint(f.next()?)?;
    let peer = endpoint(f.next()?)?;
    let st = u8::from_str_radix(f.next()?, 16).ok()?;
    let (tx, rx) = f.next()?.split_once(':')?;
    let (tr, when) = f.next()?.split_once(':')?;
    let _retr = f.next()?;
    let uid = f.next()?.parse().ok()?;
    let _timeout = f.next()?;
    let inode = f.next()?.parse().ok()?;
    let ticks = u64::from(hex_u32(when)?);
    Some(Socket {
        proto,
        state: State::from_kernel(proto, st),
        local,
        peer,
        timer: Timer::from_kernel(u8::from_str_radix(tr, 16).ok()?),
        expires_ms: u32::try_from(ticks * 1000 / USER_HZ).unwrap_or(u32::MAX),
        recv_q: hex_u32(rx)?,
        send_q: hex_u32(tx)?,
        uid,
        inode,
    })
}

/// Parses one `/proc/net/{tcp,udp}[6]` file's text (the heading line is skipped).
///
/// ```
/// use portlens::sockets::{procnet, Proto, State};
/// let text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0 100 0 0 10 0\n";
/// let s = procnet::parse(Proto::Tcp, text);
/// assert_eq!(s[0].state, State::Listen);
/// assert_eq!(s[0].local.1, 8080);
/// assert_eq!((s[0].uid, s[0].inode), (1000, 4242));
/// ```
#[must_use]
pub fn parse(proto: Proto, text: &str) -> Vec<Socket> {
    text.lines().skip(1).filter_map(|l| line(proto, l)).collect()
}

/// Reads both files of `proto` under `proc_root/net`; `Err` when neither could be read.
pub fn read(proc_root: &Path, proto: Proto, out: &mut Vec<Socket>) -> std::io::Result<()> {
    let names = match proto {
        Proto::Tcp => ["tcp", "tcp6"],
        Proto::Udp => ["udp", "udp6"],
    };
    let mut first_err = None;
    let mut any = false;
    for name in names {
        match std::fs::read_to_string(proc_root.join("net").join(name)) {
            Ok(text) => {
                any = true;
                out.extend(parse(proto, &text));
            }
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    match (any, first_err) {
        (false, Some(e)) => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_and_time_wait() {
        let text = "hdr\n  1: 00000000000000000000000001000000:0016 00000000000000000000000001000000:D431 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0\n";
        let s = parse(Proto::Tcp, text);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].local, (IpAddr::V6(Ipv6Addr::LOCALHOST), 22));
        assert_eq!(s[0].state, State::TimeWait);
        assert_eq!(s[0].timer, Timer::TimeWait);
        assert_eq!(s[0].expires_ms, 60_000);
    }

    #[test]
    fn garbage_lines_are_skipped() {
        for l in ["", "x", "0: 1:2 3:4 ZZ", "0: 0100007F:1F90 00000000:0000 0A 0:0 00:0 0 0 0 notanumber"] {
            assert!(parse(Proto::Udp, &format!("h\n{l}\n")).is_empty(), "{l}");
        }
    }
}
