//! Small, allocation-free writers for the pieces every view prints: numbers, addresses,
//! sockets (`IP:port`, `[IPv6]:port`), MAC addresses, TCP flag lists and warnings.
//!
//! The line and JSON views print millions of packets a second, so the hot pieces avoid the
//! `fmt` machinery (itoa for numbers, a hand-written IPv4 writer); the rest uses `write!`.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::i18n::Tr;
use crate::model::{FieldValue, Layer, LinkHeader, Packet, Warning, tcp_flags};
use crate::vocab::Language;

/// Writes an unsigned integer.
#[inline]
pub fn uint<W: Write + ?Sized>(w: &mut W, n: impl itoa::Integer) -> io::Result<()> {
    let mut b = itoa::Buffer::new();
    w.write_all(b.format(n).as_bytes())
}

/// Decimal text of every byte value, padded to 3, with its length: the IPv4 writer's table.
// Indexing in a const initialiser is checked at compile time.
#[allow(clippy::indexing_slicing)]
const OCTETS: [([u8; 3], u8); 256] = {
    let mut t = [([0u8; 3], 0u8); 256];
    let mut i = 0;
    while i < 256 {
        let v = i as u8;
        t[i] = if v >= 100 {
            ([b'0' + v / 100, b'0' + (v / 10) % 10, b'0' + v % 10], 3)
        } else if v >= 10 {
            ([b'0' + v / 10, b'0' + v % 10, 0], 2)
        } else {
            ([b'0' + v, 0, 0], 1)
        };
        i += 1;
    }
    t
};

/// Writes a dotted-quad IPv4 address (one write, from a table of the 256 octet texts).
#[inline]
pub fn ipv4<W: Write + ?Sized>(w: &mut W, ip: Ipv4Addr) -> io::Result<()> {
    let mut buf = [0u8; 16];
    let mut n = 0;
    for (i, octet) in ip.octets().iter().enumerate() {
        let (text, len) = OCTETS.get(usize::from(*octet)).copied().unwrap_or(([b'0', 0, 0], 1));
        let len = usize::from(len);
        if let Some(dst) = buf.get_mut(n..n + 4) {
            // Copy all three digit slots and the separator slot; `n` only advances by `len`.
            dst.copy_from_slice(&[text[0], text[1], text[2], b'.']);
        }
        n += len;
        if i < 3 {
            if let Some(dot) = buf.get_mut(n) {
                *dot = b'.';
            }
            n += 1;
        }
    }
    w.write_all(buf.get(..n).unwrap_or(&[]))
}

/// Writes an IPv6 address in RFC 5952 form (the longest run of two or more zero groups becomes
/// `::`, the first such run on a tie; lower-case hex without leading zeros; IPv4-mapped
/// addresses end in dotted quad), exactly as `std`'s `Display` does, without the `fmt` machinery.
pub fn ipv6<W: Write + ?Sized>(w: &mut W, a: Ipv6Addr) -> io::Result<()> {
    let seg = a.segments();
    if let [0, 0, 0, 0, 0, 0xffff, hi, lo] = seg {
        w.write_all(b"::ffff:")?;
        let [a1, a2] = hi.to_be_bytes();
        let [a3, a4] = lo.to_be_bytes();
        return ipv4(w, Ipv4Addr::new(a1, a2, a3, a4));
    }
    // Longest run of zero groups (length ≥ 2).
    let (mut best_at, mut best_len, mut run_at, mut run_len) = (0usize, 0usize, 0usize, 0usize);
    for (i, &g) in seg.iter().enumerate() {
        if g == 0 {
            if run_len == 0 {
                run_at = i;
            }
            run_len += 1;
            if run_len > best_len {
                best_at = run_at;
                best_len = run_len;
            }
        } else {
            run_len = 0;
        }
    }
    if best_len < 2 {
        best_len = 0;
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 41];
    let mut n = 0;
    let mut put = |b: u8, n: &mut usize| {
        if let Some(slot) = buf.get_mut(*n) {
            *slot = b;
        }
        *n += 1;
    };
    let mut i = 0;
    while i < 8 {
        if best_len > 0 && i == best_at {
            put(b':', &mut n);
            put(b':', &mut n);
            i += best_len;
            continue;
        }
        if i > 0 && !(best_len > 0 && i == best_at + best_len) {
            put(b':', &mut n);
        }
        let g = seg.get(i).copied().unwrap_or(0);
        let mut started = false;
        for shift in [12u16, 8, 4, 0] {
            let d = ((g >> shift) & 0xf) as usize;
            if d != 0 || started || shift == 0 {
                put(HEX.get(d).copied().unwrap_or(b'0'), &mut n);
                started = true;
            }
        }
        i += 1;
    }
    w.write_all(buf.get(..n).unwrap_or(&[]))
}

/// Writes an IP address (IPv6 in RFC 5952 form).
#[inline]
pub fn ip<W: Write + ?Sized>(w: &mut W, addr: IpAddr) -> io::Result<()> {
    match addr {
        IpAddr::V4(a) => ipv4(w, a),
        IpAddr::V6(a) => ipv6(w, a),
    }
}

/// Writes a socket: `192.168.1.10:52341` or `[2001:db8::1]:443`.
#[inline]
pub fn socket<W: Write + ?Sized>(w: &mut W, addr: IpAddr, port: u16) -> io::Result<()> {
    match addr {
        IpAddr::V4(a) => ipv4(w, a)?,
        IpAddr::V6(a) => {
            w.write_all(b"[")?;
            ipv6(w, a)?;
            w.write_all(b"]")?;
        }
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

/// Writes a link or capture header as `-e` shows it: `PPP address 0xff, control 0x03,
/// protocol 0x0021`.
pub fn link_header<W: Write + ?Sized>(w: &mut W, h: &LinkHeader) -> io::Result<()> {
    w.write_all(h.kind.name().as_bytes())?;
    for (i, (name, value)) in h.fields.iter().enumerate() {
        w.write_all(if i == 0 { b" " } else { b", " })?;
        for &b in name.as_bytes() {
            w.write_all(if b == b'_' { b" " } else { std::slice::from_ref(&b) })?;
        }
        w.write_all(b" ")?;
        field_value(w, value)?;
    }
    Ok(())
}

/// Writes one link-header field's value (numbers in decimal or `0x` hex, MACs, GIDs, names).
pub fn field_value<W: Write + ?Sized>(w: &mut W, v: &FieldValue) -> io::Result<()> {
    match v {
        FieldValue::Num(n) => uint(w, *n),
        FieldValue::Hex(n) if *n > 0xffff => write!(w, "0x{n:08x}"),
        FieldValue::Hex(n) if *n > 0xff => write!(w, "0x{n:04x}"),
        FieldValue::Hex(n) => write!(w, "0x{n:02x}"),
        FieldValue::Mac(m) => mac(w, m),
        FieldValue::Gid(g) => ipv6(w, *g),
        FieldValue::Text(t) => w.write_all(t.as_bytes()),
        FieldValue::Word(t) => w.write_all(t.as_bytes()),
    }
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
        Warning::UnknownLinkType(lt) => match lt.name() {
            Some(n) => write!(w, "link type {} ({n}) is not decoded", lt.0),
            None => write!(w, "link type {} is not decoded", lt.0),
        },
        Warning::Encrypted(e) => write!(w, "payload encrypted by {}: not decoded", e.name()),
        Warning::LinkFragment => w.write_all(b"link-layer fragment after the first: the IP header is in the first piece"),
        Warning::UnsupportedEtherType(t) => write!(w, "EtherType 0x{t:04x} is not decoded"),
        Warning::UnknownFamily(f) => write!(w, "loopback address family {f} is not decoded"),
        Warning::TooManyVlanTags => w.write_all(b"more VLAN tags than shown"),
        Warning::TimestampCarried => w.write_all(b"sub-second timestamp field out of range"),
    }
}

/// Writes a warning in the reader's language ([`warning`] in English).
pub fn warning_in<W: Write + ?Sized>(w: &mut W, warn: &Warning, pkt: &Packet<'_>, tr: Tr) -> io::Result<()> {
    if tr.0 == Language::En {
        return warning(w, warn, pkt);
    }
    let text = match warn {
        Warning::Truncated(t) => {
            let mut s = tr.f(
                "cut: {layer} has {have} of {needed} bytes",
                &[("layer", &tr.s(t.layer.name())), ("have", &t.have), ("needed", &t.needed)],
            );
            if t.by_snaplen {
                s.push_str(&tr.f(
                    " (capture stopped at {caplen} of {len} bytes)",
                    &[("caplen", &pkt.caplen()), ("len", &pkt.len)],
                ));
            } else {
                s.push_str(tr.s(" (the packet itself ends there)"));
            }
            s
        }
        Warning::BadIpVersion { found } => {
            tr.f("IP version field is {found}, not what the link layer announced", &[("found", found)])
        }
        Warning::BadIpHeader { layer } => {
            tr.f("invalid {layer} (bad header or total length)", &[("layer", &tr.s(layer.name()))])
        }
        Warning::IpTotalLengthZero => {
            tr.s("IPv4 total length is 0 (TSO/GRO capture): length taken from the frame").to_string()
        }
        Warning::IpLengthBeyondFrame { claimed, available } => tr.f(
            "IP length says {claimed} bytes but the frame has {available}",
            &[("claimed", claimed), ("available", available)],
        ),
        Warning::BadIpv6Ext { protocol } => {
            tr.f("invalid IPv6 extension header (next header {protocol})", &[("protocol", protocol)])
        }
        Warning::BadTcpDataOffset { words } => tr.f(
            "TCP data offset {words} is below 5 (header would be {bytes} bytes)",
            &[("words", words), ("bytes", &(u32::from(*words) * 4))],
        ),
        Warning::UdpLengthMismatch { udp, ip } => {
            tr.f("UDP length {udp} but the IP payload is {ip} bytes", &[("udp", udp), ("ip", ip)])
        }
        Warning::CaplenExceedsLen => tr.s("captured length exceeds the original length").to_string(),
        Warning::UnknownLinkType(lt) => tr.f("link type {lt} is not decoded", &[("lt", &lt.0)]),
        Warning::UnsupportedEtherType(t) => {
            tr.f("EtherType {t} is not decoded", &[("t", &format!("0x{t:04x}"))])
        }
        Warning::UnknownFamily(f) => tr.f("loopback address family {f} is not decoded", &[("f", f)]),
        Warning::Encrypted(e) => tr.f("payload encrypted by {what}: not decoded", &[("what", &e.name())]),
        Warning::LinkFragment => {
            tr.s("link-layer fragment after the first: the IP header is in the first piece").to_string()
        }
        Warning::TooManyVlanTags => tr.s("more VLAN tags than shown").to_string(),
        Warning::TimestampCarried => tr.s("sub-second timestamp field out of range").to_string(),
    };
    w.write_all(text.as_bytes())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn v6(a: Ipv6Addr) -> String {
        let mut v = Vec::new();
        ipv6(&mut v, a).expect("write");
        String::from_utf8(v).expect("utf8")
    }

    #[test]
    fn ipv4_text_is_the_same_as_std() {
        for a in [0u32, 1, 0x7f00_0001, 0xc0a8_010a, 0xffff_ffff, 0x0a00_000a, 0x6464_6464, 0x0909_6363] {
            let ip = Ipv4Addr::from(a);
            let mut v = Vec::new();
            ipv4(&mut v, ip).expect("write");
            assert_eq!(String::from_utf8(v).expect("utf8"), ip.to_string());
        }
        for o in 0..=255u8 {
            let ip = Ipv4Addr::new(o, 255 - o, o / 2, o.wrapping_mul(7));
            let mut v = Vec::new();
            ipv4(&mut v, ip).expect("write");
            assert_eq!(String::from_utf8(v).expect("utf8"), ip.to_string());
        }
    }

    #[test]
    fn ipv6_text_is_the_same_as_std() {
        let mut samples: Vec<Ipv6Addr> = [
            "::", "::1", "1::", "2001:db8::1", "fe80::1:2:3:4", "2001:db8:0:0:1:0:0:1", "2001:0:0:1:0:0:0:1",
            "1:0:1:0:1:0:1:0", "::ffff:192.0.2.1", "::192.0.2.1", "ff02::16", "2001:db8:85a3::8a2e:370:7334",
            "0:0:1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:0", "0:1:2:3:4:5:6:7",
        ]
        .iter()
        .map(|s| s.parse().expect("address"))
        .collect();
        // And a deterministic spread of addresses with zero groups in every position.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut seg = [0u16; 8];
            for (i, s) in seg.iter_mut().enumerate() {
                let r = (x >> (i * 8)) as u16;
                *s = if r & 3 == 0 { r } else { 0 };
            }
            samples.push(Ipv6Addr::from(seg));
        }
        for a in samples {
            assert_eq!(v6(a), a.to_string(), "{:?}", a.segments());
        }
    }
}
