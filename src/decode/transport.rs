//! The transport layer: TCP (with options), UDP, ICMP/ICMPv6 (with the quoted header of an
//! error), and everything else by protocol number.
//!
//! A complete header goes through etherparse's header slices. A header that the capture cut
//! short is read field by field, so that the ports (the first four bytes) are shown even when
//! the rest is missing — etherparse's lax slicer drops the whole TCP layer in that case.

use etherparse::{LaxIpSlice, TcpHeaderSlice, UdpHeaderSlice};

use super::{IpPayload, be16, be32, cut};
use crate::model::{
    IcmpInfo, Layer, MAX_TCP_OPTIONS, Packet, Quoted, TcpInfo, TcpOptions, Transport,
    UdpInfo, Warning,
};

/// Decodes the IP payload `bytes` (captured, limited by the IP length), which starts at
/// `offset` in the frame and is `wire_len` bytes long on the wire.
pub(super) fn decode_transport(pkt: &mut Packet<'_>, payload: IpPayload<'_>) {
    let IpPayload { offset, protocol, bytes, wire_len, fragment: frag } = payload;
    if frag.is_some_and(|f| f.offset != 0) {
        pkt.transport = Transport::Fragment { protocol };
        return;
    }
    pkt.transport_offset = offset as u32;
    match protocol {
        6 => tcp(pkt, offset, bytes, wire_len),
        17 => udp(pkt, offset, bytes, wire_len, frag.is_some()),
        1 => icmp(pkt, offset, bytes, false),
        58 => icmp(pkt, offset, bytes, true),
        p => pkt.transport = Transport::Other { protocol: p },
    }
}

fn tcp(pkt: &mut Packet<'_>, offset: usize, bytes: &[u8], wire_len: u64) {
    let (Some(src_port), Some(dst_port)) = (be16(bytes, 0), be16(bytes, 2)) else {
        cut(pkt, Layer::Tcp, offset, 20, bytes.len());
        return;
    };
    let mut info = match TcpHeaderSlice::from_slice(bytes) {
        Ok(h) => {
            let hl = h.slice().len();
            TcpInfo {
                src_port: h.source_port(),
                dst_port: h.destination_port(),
                seq: Some(h.sequence_number()),
                ack: Some(h.acknowledgment_number()),
                header_len: Some(hl as u8),
                flags: be16(h.slice(), 12).map(|v| v & 0x0fff),
                window: Some(h.window_size()),
                checksum: Some(h.checksum()),
                urgent: Some(h.urgent_pointer()),
                captured: hl as u16,
                options: options(h.options(), false),
                payload_len: wire_len.saturating_sub(hl as u64) as u32,
                payload_captured: (bytes.len() - hl) as u32,
            }
        }
        // Cut short or a data offset below 5: read what is there.
        Err(_) => partial_tcp(pkt, offset, bytes, wire_len, src_port, dst_port),
    };
    if info.header_len.is_none() {
        info.payload_len = 0;
    }
    pkt.transport = Transport::Tcp(info);
}

fn partial_tcp(
    pkt: &mut Packet<'_>,
    offset: usize,
    bytes: &[u8],
    wire_len: u64,
    src_port: u16,
    dst_port: u16,
) -> TcpInfo {
    let off_flags = be16(bytes, 12);
    let header_len = off_flags.map(|v| ((v >> 12) as u8) * 4);
    let needed = match header_len {
        Some(hl) if hl < 20 => {
            pkt.warn(Warning::BadTcpDataOffset { words: hl / 4 });
            20
        }
        Some(hl) => usize::from(hl),
        None => 20,
    };
    let captured = bytes.len().min(needed);
    if bytes.len() < needed {
        cut(pkt, Layer::Tcp, offset, needed, bytes.len());
    }
    let opts = bytes.get(20..captured).map(|o| options(o, captured < needed)).unwrap_or_default();
    TcpInfo {
        src_port,
        dst_port,
        seq: be32(bytes, 4),
        ack: be32(bytes, 8),
        header_len,
        flags: off_flags.map(|v| v & 0x0fff),
        window: be16(bytes, 14),
        checksum: be16(bytes, 16),
        urgent: be16(bytes, 18),
        captured: captured as u16,
        options: opts,
        payload_len: if header_len.is_some_and(|h| h >= 20) {
            wire_len.saturating_sub(needed as u64) as u32
        } else {
            0
        },
        payload_captured: bytes.len().saturating_sub(needed) as u32,
    }
}

/// Walks the TCP option TLVs. `cut` says the capture ended inside the options.
fn options(mut b: &[u8], cut: bool) -> TcpOptions {
    let mut o = TcpOptions { cut, ..TcpOptions::default() };
    while let Some(&kind) = b.first() {
        if o.list.len() == MAX_TCP_OPTIONS {
            break;
        }
        if kind == 0 || kind == 1 {
            let _ = o.list.try_push((kind, 1));
            b = b.get(1..).unwrap_or(&[]);
            if kind == 0 {
                break;
            }
            continue;
        }
        let Some(&len) = b.get(1) else {
            o.malformed |= !cut;
            break;
        };
        let Some(body) = b.get(2..usize::from(len)).filter(|_| len >= 2) else {
            // A length below 2 is invalid; one past the end is cut (or malformed).
            o.malformed |= len < 2 || !cut;
            let _ = o.list.try_push((kind, len));
            break;
        };
        let _ = o.list.try_push((kind, len));
        match (kind, body.len()) {
            (2, 2) => o.mss = be16(body, 0),
            (3, 1) => o.wscale = body.first().copied(),
            (4, 0) => o.sack_permitted = true,
            (5, n) if n % 8 == 0 => {
                for block in body.chunks_exact(8) {
                    if let (Some(l), Some(r)) = (be32(block, 0), be32(block, 4)) {
                        let _ = o.sack.try_push((l, r));
                    }
                }
            }
            (8, 8) => o.timestamps = be32(body, 0).zip(be32(body, 4)),
            (2..=5 | 8, _) => o.malformed = true,
            _ => {}
        }
        b = b.get(usize::from(len)..).unwrap_or(&[]);
    }
    o
}

fn udp(pkt: &mut Packet<'_>, offset: usize, bytes: &[u8], wire_len: u64, fragmented: bool) {
    let (Some(src_port), Some(dst_port)) = (be16(bytes, 0), be16(bytes, 2)) else {
        cut(pkt, Layer::Udp, offset, 8, bytes.len());
        return;
    };
    let (length, checksum, captured) = match UdpHeaderSlice::from_slice(bytes) {
        Ok(h) => (Some(h.length()), Some(h.checksum()), 8u16),
        Err(_) => {
            cut(pkt, Layer::Udp, offset, 8, bytes.len());
            (be16(bytes, 4), be16(bytes, 6), bytes.len().min(8) as u16)
        }
    };
    let ip_payload = wire_len.saturating_sub(8);
    let payload_len = match length {
        Some(l) if l >= 8 => {
            if !fragmented && u64::from(l) != wire_len {
                pkt.warn(Warning::UdpLengthMismatch { udp: l, ip: wire_len as u32 });
            }
            if fragmented { u64::from(l) - 8 } else { (u64::from(l) - 8).min(ip_payload) }
        }
        Some(l) => {
            pkt.warn(Warning::UdpLengthMismatch { udp: l, ip: wire_len as u32 });
            ip_payload
        }
        None => ip_payload,
    };
    pkt.transport = Transport::Udp(UdpInfo {
        src_port,
        dst_port,
        length,
        checksum,
        captured,
        payload_len: payload_len as u32,
        payload_captured: bytes.len().saturating_sub(8) as u32,
    });
}

fn icmp(pkt: &mut Packet<'_>, offset: usize, bytes: &[u8], v6: bool) {
    let (Some(&icmp_type), Some(&code)) = (bytes.first(), bytes.get(1)) else {
        cut(pkt, if v6 { Layer::Icmpv6 } else { Layer::Icmp }, offset, 8, bytes.len());
        return;
    };
    let is_echo = if v6 { matches!(icmp_type, 128 | 129) } else { matches!(icmp_type, 0 | 8) };
    let is_error = if v6 { matches!(icmp_type, 1..=4) } else { matches!(icmp_type, 3 | 4 | 5 | 11 | 12) };
    let echo = if is_echo { be16(bytes, 4).zip(be16(bytes, 6)) } else { None };
    let quoted = if is_error { bytes.get(8..).and_then(quote) } else { None };
    pkt.transport = Transport::Icmp(IcmpInfo { v6, icmp_type, code, echo, quoted });
}

/// The IP header (and first transport bytes) that an ICMP error quotes.
fn quote(b: &[u8]) -> Option<Quoted> {
    let (ip, _) = LaxIpSlice::from_slice(b).ok()?;
    let payload = ip.payload();
    let protocol = payload.ip_number.0;
    let ports = match protocol {
        6 | 17 if !payload.fragmented => be16(payload.payload, 0).zip(be16(payload.payload, 2)),
        _ => None,
    };
    Some(Quoted { src: ip.source_addr(), dst: ip.destination_addr(), protocol, ports })
}
