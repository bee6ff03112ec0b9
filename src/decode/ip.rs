//! The network layer: IPv4 (options, AH, fragments), IPv6 (the extension-header chain, fragment
//! headers, jumbograms) through etherparse's lax slicers, and ARP.
//!
//! Length rules, as tshark applies them: the IP length field limits the payload (so Ethernet
//! padding is not payload); a length of zero (TSO/GRO captures, jumbograms) means "up to the end
//! of the frame"; a length larger than the frame is reported and the frame's end is used.

use std::net::{Ipv4Addr, Ipv6Addr};

use etherparse::err::ipv4::{HeaderError as V4Error, HeaderSliceError as V4SliceError};
use etherparse::err::ipv6_exts::HeaderSliceError as ExtSliceError;
use etherparse::{IpAuthHeaderSlice, Ipv6FragmentHeaderSlice, Ipv6RawExtHeaderSlice, LaxIpv4Slice, LaxIpv6Slice};

use super::{IpPayload, NetProto, be16, cut, wire_remaining};
use crate::model::{
    ArpInfo, Fragment, Ipv4Info, Ipv6Info, Layer, Net, Packet, Warning,
};

/// Decodes the network layer at `offset` as the link layer announced it; returns the IP
/// payload for the transport layer when there is one to decode.
pub(super) fn decode_net<'a>(pkt: &mut Packet<'a>, offset: usize, proto: NetProto) -> Option<IpPayload<'a>> {
    let rest = pkt.data.get(offset..).unwrap_or(&[]);
    match proto {
        NetProto::Nothing => None,
        NetProto::Other(t) => {
            pkt.net = Net::Other { ether_type: t };
            None
        }
        NetProto::Arp => {
            arp(pkt, offset);
            None
        }
        NetProto::Ipv4 | NetProto::Ipv6 | NetProto::IpAny => {
            let expected = match proto {
                NetProto::Ipv4 => Some(4),
                NetProto::Ipv6 => Some(6),
                _ => None,
            };
            let Some(&first) = rest.first() else {
                let layer = if expected == Some(6) { Layer::Ipv6 } else { Layer::Ipv4 };
                cut(pkt, layer, offset, if layer == Layer::Ipv6 { 40 } else { 20 }, 0);
                return None;
            };
            let version = first >> 4;
            if expected.is_some_and(|v| v != version) {
                pkt.warn(Warning::BadIpVersion { found: version });
            }
            match version {
                4 => ipv4(pkt, offset),
                6 => ipv6(pkt, offset),
                found => {
                    if expected.is_none() {
                        pkt.warn(Warning::BadIpVersion { found });
                    }
                    pkt.net = Net::Other { ether_type: 0 };
                    None
                }
            }
        }
    }
}

/// Fills IPv4 fields straight from the first 20 bytes, for headers etherparse refuses (cut
/// options, IHL < 5) so that the addresses are still shown.
fn ipv4_raw(h: &[u8]) -> Option<Ipv4Info> {
    let b: &[u8; 20] = h.get(..20)?.try_into().ok()?;
    let flags_frag = be16(b, 6)?;
    Some(Ipv4Info {
        src: Ipv4Addr::new(b[12], b[13], b[14], b[15]),
        dst: Ipv4Addr::new(b[16], b[17], b[18], b[19]),
        header_len: (b[0] & 0x0f) * 4,
        tos: b[1],
        total_len: be16(b, 2)?,
        id: be16(b, 4)?,
        dont_fragment: flags_frag & 0x4000 != 0,
        ttl: b[8],
        protocol: b[9],
        checksum: be16(b, 10)?,
        fragment: fragment_of(flags_frag & 0x2000 != 0, u32::from(flags_frag & 0x1fff) * 8, be16(b, 4)?.into()),
    })
}

fn fragment_of(more: bool, offset: u32, id: u32) -> Option<Fragment> {
    (more || offset != 0).then_some(Fragment { offset, more, id })
}

fn ipv4<'a>(pkt: &mut Packet<'a>, offset: usize) -> Option<IpPayload<'a>> {
    let rest = pkt.data.get(offset..).unwrap_or(&[]);
    let (slice, auth_err) = match LaxIpv4Slice::from_slice(rest) {
        Ok(ok) => ok,
        Err(V4SliceError::Len(e)) => {
            if let Some(info) = ipv4_raw(rest) {
                pkt.net = Net::Ipv4(info);
            }
            cut(pkt, Layer::Ipv4, offset, e.required_len, rest.len());
            return None;
        }
        Err(V4SliceError::Content(e)) => {
            if let Some(info) = ipv4_raw(rest) {
                pkt.net = Net::Ipv4(info);
            } else {
                pkt.net = Net::Other { ether_type: 0x0800 };
            }
            match e {
                V4Error::UnexpectedVersion { version_number } => {
                    pkt.warn(Warning::BadIpVersion { found: version_number })
                }
                V4Error::HeaderLengthSmallerThanHeader { .. } => {
                    pkt.warn(Warning::BadIpHeader { layer: Layer::Ipv4 })
                }
            }
            return None;
        }
    };
    let h = slice.header();
    let header_len = h.slice().len();
    let frag = fragment_of(
        h.more_fragments(),
        u32::from(h.fragments_offset().value()) * 8,
        u32::from(h.identification()),
    );
    pkt.net = Net::Ipv4(Ipv4Info {
        src: h.source_addr(),
        dst: h.destination_addr(),
        header_len: header_len as u8,
        tos: rest.get(1).copied().unwrap_or(0),
        total_len: h.total_len(),
        id: h.identification(),
        dont_fragment: h.dont_fragment(),
        ttl: h.ttl(),
        protocol: h.protocol().0,
        checksum: h.header_checksum(),
        fragment: frag,
    });

    // How long the datagram is on the wire, from the total-length field.
    let available = wire_remaining(pkt, offset);
    let total = u64::from(h.total_len());
    let ip_len = if total == 0 {
        pkt.warn(Warning::IpTotalLengthZero);
        available
    } else if total < header_len as u64 {
        pkt.warn(Warning::BadIpHeader { layer: Layer::Ipv4 });
        return None;
    } else {
        if total > available {
            pkt.warn(Warning::IpLengthBeyondFrame { claimed: total as u32, available: available as u32 });
        }
        total.min(available)
    };

    if let Some(err) = auth_err {
        ext_error(pkt, offset + header_len, ExtErr::Auth(err));
        return None;
    }
    let payload = slice.payload();
    let payload_offset = offset + (payload.payload.as_ptr() as usize - rest.as_ptr() as usize);
    let wire_len = ip_len.saturating_sub((payload_offset - offset) as u64);
    Some(IpPayload { offset: payload_offset, protocol: payload.ip_number.0, bytes: payload.payload, wire_len, fragment: frag })
}

enum ExtErr {
    Auth(etherparse::err::ip_auth::HeaderSliceError),
    V6(ExtSliceError, etherparse::err::Layer),
}

fn ext_error(pkt: &mut Packet<'_>, offset: usize, e: ExtErr) {
    use etherparse::err::ip_auth::HeaderSliceError as AuthErr;
    let (len_err, protocol) = match e {
        ExtErr::Auth(AuthErr::Len(l)) => (Some(l), 51),
        ExtErr::Auth(AuthErr::Content(_)) => (None, 51),
        ExtErr::V6(err, layer) => {
            let protocol = match layer {
                etherparse::err::Layer::Ipv6HopByHopHeader => 0,
                etherparse::err::Layer::Ipv6RouteHeader => 43,
                etherparse::err::Layer::Ipv6FragHeader => 44,
                etherparse::err::Layer::IpAuthHeader => 51,
                _ => 60,
            };
            match err {
                ExtSliceError::Len(l) => (Some(l), protocol),
                ExtSliceError::Content(_) => (None, protocol),
            }
        }
    };
    match len_err {
        Some(l) => {
            let at = offset + l.layer_start_offset;
            let have = pkt.data.len().saturating_sub(at);
            cut(pkt, Layer::Ipv6Ext, at, l.required_len, have.min(l.len));
        }
        None => pkt.warn(Warning::BadIpv6Ext { protocol }),
    }
}

fn ipv6<'a>(pkt: &mut Packet<'a>, offset: usize) -> Option<IpPayload<'a>> {
    let rest = pkt.data.get(offset..).unwrap_or(&[]);
    let (slice, stop) = match LaxIpv6Slice::from_slice(rest) {
        Ok(ok) => ok,
        Err(etherparse::err::ipv6::HeaderSliceError::Len(e)) => {
            cut(pkt, Layer::Ipv6, offset, e.required_len, rest.len());
            return None;
        }
        Err(etherparse::err::ipv6::HeaderSliceError::Content(_)) => {
            pkt.net = Net::Other { ether_type: 0x86dd };
            pkt.warn(Warning::BadIpHeader { layer: Layer::Ipv6 });
            return None;
        }
    };
    let h = slice.header();
    // Walk the extension headers etherparse validated. (Its `Ipv6ExtensionSliceIter` reads
    // headers unchecked and runs past the validated bytes when the lax parse stopped early, so
    // the chain is re-walked here with the checked constructors, bounded by the validated slice.)
    let mut exts = arrayvec::ArrayVec::new();
    let mut fragment = None;
    let mut chain = slice.extensions().slice();
    let mut next = h.next_header().0;
    while !chain.is_empty() {
        let (len, after) = match next {
            0 | 43 | 60 => match Ipv6RawExtHeaderSlice::from_slice(chain) {
                Ok(s) => (s.slice().len(), s.next_header().0),
                Err(_) => break,
            },
            44 => match Ipv6FragmentHeaderSlice::from_slice(chain) {
                Ok(f) => {
                    let off = u32::from(f.fragment_offset().value()) * 8;
                    if f.more_fragments() || off != 0 {
                        fragment = Some(Fragment { offset: off, more: f.more_fragments(), id: f.identification() });
                    }
                    (f.slice().len(), f.next_header().0)
                }
                Err(_) => break,
            },
            51 => match IpAuthHeaderSlice::from_slice(chain) {
                Ok(a) => (a.slice().len(), a.next_header().0),
                Err(_) => break,
            },
            _ => break,
        };
        let _ = exts.try_push(next);
        next = after;
        chain = chain.get(len..).unwrap_or(&[]);
    }
    let payload = slice.payload();
    pkt.net = Net::Ipv6(Ipv6Info {
        src: Ipv6Addr::from(h.source()),
        dst: Ipv6Addr::from(h.destination()),
        traffic_class: h.traffic_class(),
        flow_label: h.flow_label().value(),
        payload_len: h.payload_length(),
        hop_limit: h.hop_limit(),
        exts,
        protocol: payload.ip_number.0,
        fragment,
    });
    let available = wire_remaining(pkt, offset);
    let declared = u64::from(h.payload_length());
    let ip_len = if declared == 0 {
        available
    } else {
        if declared + 40 > available {
            pkt.warn(Warning::IpLengthBeyondFrame { claimed: (declared + 40) as u32, available: available as u32 });
        }
        (declared + 40).min(available)
    };
    if let Some((err, layer)) = stop {
        ext_error(pkt, offset + 40, ExtErr::V6(err, layer));
        return None;
    }
    let payload_offset = offset + (payload.payload.as_ptr() as usize - rest.as_ptr() as usize);
    let wire_len = ip_len.saturating_sub((payload_offset - offset) as u64);
    Some(IpPayload { offset: payload_offset, protocol: payload.ip_number.0, bytes: payload.payload, wire_len, fragment })
}

/// ARP over Ethernet for IPv4 (hardware type 1, protocol 0x0800, sizes 6 and 4); anything else
/// is left as an undecoded ARP packet.
fn arp(pkt: &mut Packet<'_>, offset: usize) {
    let rest = pkt.data.get(offset..).unwrap_or(&[]);
    // Only Ethernet/IPv4 ARP is decoded; others (ARCNET's one-byte addresses …) are named.
    if let (Some(&hl), Some(&pl)) = (rest.get(4), rest.get(5)) {
        if (hl, pl) != (6, 4) {
            pkt.net = Net::Other { ether_type: 0x0806 };
            return;
        }
    }
    let Some(b) = rest.get(..28).and_then(|b| <&[u8; 28]>::try_from(b).ok()) else {
        pkt.net = Net::Other { ether_type: 0x0806 };
        cut(pkt, Layer::Arp, offset, 28, rest.len());
        return;
    };
    if be16(b, 0) != Some(1) || be16(b, 2) != Some(0x0800) || b[4] != 6 || b[5] != 4 {
        pkt.net = Net::Other { ether_type: 0x0806 };
        return;
    }
    let mac = |at: usize| {
        let mut m = [0u8; 6];
        m.copy_from_slice(b.get(at..at + 6).unwrap_or(&[0; 6]));
        m
    };
    pkt.net = Net::Arp(ArpInfo {
        operation: be16(b, 6).unwrap_or(0),
        sender_mac: mac(8),
        sender_ip: Ipv4Addr::new(b[14], b[15], b[16], b[17]),
        target_mac: mac(18),
        target_ip: Ipv4Addr::new(b[24], b[25], b[26], b[27]),
    });
}
