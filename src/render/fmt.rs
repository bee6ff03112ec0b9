//! Small, allocation-free writers for the pieces every view prints: numbers, addresses,
//! sockets (`IP:port`, `[IPv6]:port`), MAC addresses, TCP flag lists and warnings.
//!
//! The line and JSON views print millions of packets a second, so the hot pieces avoid the
//! `fmt` machinery (itoa for numbers, a hand-written IPv4 writer); the rest uses `write!`.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr};

use crate::model::{Layer, Packet, Warning, tcp_flags};

/// Writes an unsigned integer.
#[inline]
pub fn uint<W: Write + ?Sized>(w: &mut W, n: impl itoa::Integer) -> io::Result<()> {
    let mut b = itoa::Buffer::new();
    w.write_all(b.format(n).as_bytes())
}

/// Writes a dotted-quad IPv4 address.
#[inline]
pub fn ipv4<W: Write + ?Sized>(w: &mut W, ip: Ipv4Addr) -> io::Result<()> {
    let o = ip.octets();
    let mut buf = [0u8; 15];
    let mut n = 0;
    for (i, octet) in o.iter().enumerate() {
        if i > 0 {
            if let Some(b) = buf.get_mut(n) {
                *b = b'.';
            }
            n += 1;
        }
        let mut it = itoa::Buffer::new();
        for &d in it.format(*octet).as_bytes() {
            if let Some(b) = buf.get_mut(n) {
                *b = d;
            }
            n += 1;
        }
    }
    w.write_all(buf.get(..n).unwrap_or(&[]))
}

/// Writes an IP address (IPv6 in RFC 5952 form).
#[inline]
pub fn ip<W: Write + ?Sized>(w: &mut W, addr: IpAddr) -> io::Result<()> {
    match addr {
        IpAddr::V4(a) => ipv4(w, a),
        IpAddr::V6(a) => write!(w, "{a}"),
    }
}

/// Writes a socket: `192.168.1.10:52341` or `[2001:db8::1]:443`.
#[inline]
pub fn socket<W: Write + ?Sized>(w: &mut W, addr: IpAddr, port: u16) -> io::Result<()> {
    match addr {
        IpAddr::V4(a) => ipv4(w, a)?,
        IpAddr::V6(a) => write!(w, "[{a}]")?,
    }
    w.write_all(b":")?;
    uint(w, port)
}

/// A socket as a `String` (for tables and cards, not the hot path).
pub fn socket_string(addr: IpAddr, port: u16) -> String {
    match addr {
        IpAddr::V4(a) => format!("{a}:{port}"),
        IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}

/// Writes a MAC address as `aa:bb:cc:dd:ee:ff`.
pub fn mac<W: Write + ?Sized>(w: &mut W, m: &[u8]) -> io::Result<()> {
    let mut buf = [0u8; 3 * 8];
    let mut hex_buf = [0u8; 2];
    let mut n = 0;
    for (i, byte) in m.iter().take(8).enumerate() {
        if i > 0 {
            if let Some(b) = buf.get_mut(n) {
                *b = b':';
            }
            n += 1;
        }
        if hex::encode_to_slice([*byte], &mut hex_buf).is_ok() {
            if let Some(dst) = buf.get_mut(n..n + 2) {
                dst.copy_from_slice(&hex_buf);
            }
        }
        n += 2;
    }
    w.write_all(buf.get(..n).unwrap_or(&[]))
}

/// Writes TCP flags as `SYN,ACK` (tcpdump's order), or `none`.
pub fn flags<W: Write + ?Sized>(w: &mut W, f: u16) -> io::Result<()> {
    let mut first = true;
    for (bit, name) in tcp_flags::NAMES {
        if f & bit != 0 {
            if !first {
                w.write_all(b",")?;
            }
            w.write_all(name.as_bytes())?;
            first = false;
        }
    }
    if first {
        w.write_all(b"none")?;
    }
    Ok(())
}

/// Writes a warning in words.
pub fn warning<W: Write + ?Sized>(w: &mut W, warn: &Warning, pkt: &Packet<'_>) -> io::Result<()> {
    match warn {
        Warning::Truncated(t) => {
            write!(w, "cut: {} has {} of {} bytes", t.layer.name(), t.have, t.needed)?;
            if t.by_snaplen {
                write!(w, " (capture stopped at {} of {} bytes)", pkt.caplen(), pkt.len)
            } else {
                w.write_all(b" (the packet itself ends there)")
            }
        }
        Warning::BadIpVersion { found } => write!(w, "IP version field is {found}, not what the link layer announced"),
        Warning::BadIpHeader { layer } => write!(w, "invalid {} (bad header or total length)", layer.name()),
        Warning::IpTotalLengthZero => w.write_all(b"IPv4 total length is 0 (TSO/GRO capture): length taken from the frame"),
        Warning::IpLengthBeyondFrame { claimed, available } => {
            write!(w, "IP length says {claimed} bytes but the frame has {available}")
        }
        Warning::BadIpv6Ext { protocol } => write!(w, "invalid IPv6 extension header (next header {protocol})"),
        Warning::BadTcpDataOffset { words } => {
            write!(w, "TCP data offset {words} is below 5 (header would be {} bytes)", u32::from(*words) * 4)
        }
        Warning::UdpLengthMismatch { udp, ip } => write!(w, "UDP length {udp} but the IP payload is {ip} bytes"),
        Warning::CaplenExceedsLen => w.write_all(b"captured length exceeds the original length"),
        Warning::UnknownLinkType(lt) => write!(w, "link type {} is not decoded", lt.0),
        Warning::UnsupportedEtherType(t) => write!(w, "EtherType 0x{t:04x} is not decoded"),
        Warning::UnknownFamily(f) => write!(w, "loopback address family {f} is not decoded"),
        Warning::TooManyVlanTags => w.write_all(b"more VLAN tags than shown"),
        Warning::TimestampCarried => w.write_all(b"sub-second timestamp field out of range"),
    }
}

/// A warning as a `String` (JSON and tables).
pub fn warning_string(warn: &Warning, pkt: &Packet<'_>) -> String {
    let mut v = Vec::new();
    let _ = warning(&mut v, warn, pkt);
    String::from_utf8_lossy(&v).into_owned()
}

/// Whether a warning is only informational (not worth flagging on every line).
pub fn is_quiet(warn: &Warning) -> bool {
    matches!(warn, Warning::UnsupportedEtherType(_) | Warning::UnknownLinkType(_) | Warning::IpTotalLengthZero)
}

/// The layer name used in messages.
pub fn layer_name(l: Layer) -> &'static str {
    l.name()
}
