//! Bytes in, records out: turns one captured frame into a [`Packet`].
//!
//! This is the only module that knows wire formats and the only user of `etherparse`. Decoding
//! is pure and total: any byte sequence yields a record, never a panic. Where the capture cut a
//! header short, the record keeps every field that was captured and a [`Warning`] says what was
//! cut; where the packet itself is malformed, a warning says what is wrong.
//!
//! The link layer is selected by the frame's link type ([`link`]); the IP layer and the chain of
//! IPv6 extension headers come from etherparse's lax slicers ([`ip`]); TCP and UDP are read field
//! by field so that a header cut after its first four bytes still shows its ports ([`transport`]).
//! The layers never call each other: [`decode`] hands each one's result to the next (the link
//! layer's offset and protocol to `ip`, the [`IpPayload`] to `transport`), and the helpers they
//! share (`cut`, `be16` …) live here.

mod ip;
mod link;
mod transport;

use crate::model::{Fragment, Frame, Layer, Link, Net, Packet, Transport, Truncation, Warning, Warnings};

/// What the network layer is, as the link layer announced it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NetProto {
    /// IPv4 (EtherType 0x0800, AF_INET …).
    Ipv4,
    /// IPv6.
    Ipv6,
    /// Some IP version; look at the first nibble (raw IP link types, MPLS payloads).
    IpAny,
    /// ARP.
    Arp,
    /// Anything else: the EtherType.
    Other(u16),
    /// Nothing follows (link header cut, unknown link type).
    Nothing,
}

/// Decodes one frame. `number` is the 1-based frame number that the record carries.
///
/// ```
/// use portlens::model::{Frame, LinkType, Timestamp, TsPrecision, Transport};
/// // A raw-IP (link type 101) IPv4 TCP SYN from 10.0.0.1:52341 to 10.0.0.2:443.
/// let bytes = [
///     0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, // IPv4
///     0xcc, 0x75, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xfa, 0xf0, 0, 0, 0, 0, // TCP
/// ];
/// let frame = Frame { ts: Timestamp::default(), len: 40, linktype: LinkType::RAW, data: &bytes,
///                     interface: 0, precision: TsPrecision::Micro };
/// let pkt = portlens::decode::decode(&frame, 1);
/// assert_eq!(pkt.transport.ports(), Some((52341, 443)));
/// assert!(pkt.warnings.is_empty());
/// ```
pub fn decode<'a>(frame: &Frame<'a>, number: u64) -> Packet<'a> {
    let mut pkt = Packet {
        frame: number,
        ts: frame.ts,
        precision: frame.precision,
        len: frame.len,
        linktype: frame.linktype,
        interface: frame.interface,
        data: frame.data,
        link: Link::Unknown,
        pseudo: None,
        net_offset: 0,
        net: Net::None,
        transport_offset: 0,
        transport: Transport::None,
        warnings: Warnings::new(),
    };
    if frame.data.len() as u64 > u64::from(frame.len) {
        pkt.warn(Warning::CaplenExceedsLen);
    }
    let (offset, proto) = link::decode_link(&mut pkt);
    pkt.net_offset = offset as u32;
    if let Some(payload) = ip::decode_net(&mut pkt, offset, proto) {
        transport::decode_transport(&mut pkt, payload);
    }
    pkt
}

/// An IP datagram's payload, handed from the network layer to the transport layer: where it
/// starts in the frame, what protocol it is, the captured bytes (limited by the IP length),
/// how long it is on the wire, and whether the datagram is a fragment.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IpPayload<'a> {
    /// Offset of the payload in the frame.
    pub offset: usize,
    /// IP protocol number (after the extension headers).
    pub protocol: u8,
    /// Captured payload bytes.
    pub bytes: &'a [u8],
    /// Payload length on the wire.
    pub wire_len: u64,
    /// The datagram is a fragment.
    pub fragment: Option<Fragment>,
}


/// Records that `layer` at `offset` needed `needed` bytes and had `have`.
pub(crate) fn cut(pkt: &mut Packet<'_>, layer: Layer, offset: usize, needed: usize, have: usize) {
    let by_snaplen = wire_remaining(pkt, offset) > have as u64;
    pkt.warn(Warning::Truncated(Truncation {
        layer,
        offset: offset as u32,
        needed: needed as u32,
        have: have as u32,
        by_snaplen,
    }));
}

/// Bytes on the wire from `offset` to the end of the frame (at least what was captured).
pub(crate) fn wire_remaining(pkt: &Packet<'_>, offset: usize) -> u64 {
    let wire = u64::from(pkt.len).max(pkt.data.len() as u64);
    wire.saturating_sub(offset as u64)
}

/// Big-endian u16 at `at`, if captured.
#[inline]
pub(crate) fn be16(b: &[u8], at: usize) -> Option<u16> {
    match b.get(at..at + 2) {
        Some(&[x, y]) => Some(u16::from_be_bytes([x, y])),
        _ => None,
    }
}

/// Big-endian u32 at `at`, if captured.
#[inline]
pub(crate) fn be32(b: &[u8], at: usize) -> Option<u32> {
    match b.get(at..at + 4) {
        Some(&[a, c, d, e]) => Some(u32::from_be_bytes([a, c, d, e])),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
