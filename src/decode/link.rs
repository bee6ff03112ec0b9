//! Link layers: the frame's link type decides where the network header starts and what it is.
//!
//! Ethernet II (with any number of 802.1Q / 802.1ad / QinQ tags, 802.3 + LLC/SNAP, PPPoE session
//! and MPLS label stacks in front of IP), Linux cooked v1 and v2 (any ARPHRD, including 772
//! loopback, which etherparse's own SLL parser rejects), BSD NULL (host byte order) and OpenBSD
//! LOOP (network byte order), and the raw-IP link types 101, 12, 14, 228 and 229.

use etherparse::{Ethernet2HeaderSlice, SingleVlanHeaderSlice};

use super::{NetProto, be16, be32};
use crate::model::{Layer, Link, LinkType, MAX_VLANS, Packet, Truncation, Warning};

/// Decodes the link layer; returns where the network layer starts and what it is.
pub(super) fn decode_link(pkt: &mut Packet<'_>) -> (usize, NetProto) {
    match pkt.linktype.0 {
        1 => ethernet(pkt),
        113 => sll(pkt),
        276 => sll2(pkt),
        0 => null(pkt, false),
        108 => null(pkt, true),
        101 | 12 | 14 | 228 | 229 => {
            pkt.link = Link::Raw;
            (0, NetProto::IpAny)
        }
        other => {
            pkt.link = Link::Unknown;
            pkt.warn(Warning::UnknownLinkType(LinkType(other)));
            (0, NetProto::Nothing)
        }
    }
}

/// Records that the link header needs `needed` bytes but only `have` were captured.
fn link_cut(pkt: &mut Packet<'_>, layer: Layer, offset: usize, needed: usize) -> (usize, NetProto) {
    let have = pkt.data.len().saturating_sub(offset);
    let by_snaplen = (pkt.data.len() as u64) < u64::from(pkt.len);
    pkt.warn(Warning::Truncated(Truncation {
        layer,
        offset: offset as u32,
        needed: needed as u32,
        have: have as u32,
        by_snaplen,
    }));
    if offset == 0 {
        pkt.link = Link::Truncated;
    }
    (pkt.data.len(), NetProto::Nothing)
}

fn ethernet(pkt: &mut Packet<'_>) -> (usize, NetProto) {
    let data = pkt.data;
    let eth = match Ethernet2HeaderSlice::from_slice(data) {
        Ok(e) => e,
        Err(_) => return link_cut(pkt, Layer::Link, 0, 14),
    };
    let src = eth.source();
    let dst = eth.destination();
    let mut ether_type = eth.ether_type().0;
    let mut offset = eth.slice().len();

    if ether_type <= 1500 {
        // IEEE 802.3: a length, then LLC; SNAP (AA AA 03 + OUI) carries an EtherType.
        let snap = match data.get(offset..offset + 8) {
            Some(&[0xaa, 0xaa, 0x03, _, _, _, hi, lo]) => Some(u16::from_be_bytes([hi, lo])),
            _ => None,
        };
        pkt.link = Link::Ieee8023 { src, dst, length: ether_type, snap_ether_type: snap };
        return match snap {
            Some(t) => ether_payload(pkt, offset + 8, t),
            None => (offset, NetProto::Other(0)),
        };
    }

    let mut vlans = arrayvec::ArrayVec::<u16, MAX_VLANS>::new();
    while matches!(ether_type, 0x8100 | 0x88a8 | 0x9100 | 0x9200) {
        let rest = data.get(offset..).unwrap_or(&[]);
        match SingleVlanHeaderSlice::from_slice(rest) {
            Ok(v) => {
                if vlans.try_push(v.vlan_identifier().value()).is_err() {
                    pkt.warn(Warning::TooManyVlanTags);
                }
                ether_type = v.ether_type().0;
                offset += 4;
            }
            Err(_) => {
                pkt.link = Link::Ethernet { src, dst, ether_type, vlans };
                return link_cut(pkt, Layer::Vlan, offset, 4);
            }
        }
    }
    pkt.link = Link::Ethernet { src, dst, ether_type, vlans };
    ether_payload(pkt, offset, ether_type)
}

/// Follows an EtherType: IP, ARP, PPPoE session and MPLS lead on to IP; anything else stops.
fn ether_payload(pkt: &mut Packet<'_>, offset: usize, ether_type: u16) -> (usize, NetProto) {
    match ether_type {
        0x0800 => (offset, NetProto::Ipv4),
        0x86dd => (offset, NetProto::Ipv6),
        0x0806 => (offset, NetProto::Arp),
        0x8864 => pppoe(pkt, offset),
        0x8847 | 0x8848 => mpls(pkt, offset),
        other => {
            pkt.warn(Warning::UnsupportedEtherType(other));
            (offset, NetProto::Other(other))
        }
    }
}

/// PPPoE session stage: 6-byte PPPoE header, then a 2-byte PPP protocol.
fn pppoe(pkt: &mut Packet<'_>, offset: usize) -> (usize, NetProto) {
    match be16(pkt.data, offset + 6) {
        Some(0x0021) => (offset + 8, NetProto::Ipv4),
        Some(0x0057) => (offset + 8, NetProto::Ipv6),
        Some(_) => (offset + 8, NetProto::Other(0x8864)),
        None => link_cut(pkt, Layer::Link, offset, 8),
    }
}

/// MPLS: 4-byte label entries until the bottom-of-stack bit; IP is guessed from the version.
fn mpls(pkt: &mut Packet<'_>, mut offset: usize) -> (usize, NetProto) {
    for _ in 0..16 {
        match be32(pkt.data, offset) {
            Some(entry) => {
                offset += 4;
                if entry & 0x100 != 0 {
                    return (offset, NetProto::IpAny);
                }
            }
            None => return link_cut(pkt, Layer::Link, offset, 4),
        }
    }
    (offset, NetProto::Other(0x8847))
}

/// The protocol field of a cooked header is an EtherType, except for a few ARPHRD-specific
/// values that carry no IP.
fn cooked_proto(pkt: &mut Packet<'_>, offset: usize, protocol: u16, arphrd: u16) -> (usize, NetProto) {
    match arphrd {
        // Netlink, IEEE 802.11 radiotap, CAN and friends: not IP.
        824 | 803 | 280 => (offset, NetProto::Other(protocol)),
        _ if protocol <= 0x05ff => (offset, NetProto::Other(protocol)),
        _ => ether_payload(pkt, offset, protocol),
    }
}

fn sll(pkt: &mut Packet<'_>) -> (usize, NetProto) {
    let d = pkt.data;
    let (Some(packet_type), Some(arphrd), Some(addr_len), Some(protocol)) =
        (be16(d, 0), be16(d, 2), be16(d, 4), be16(d, 14))
    else {
        return link_cut(pkt, Layer::Link, 0, 16);
    };
    let mut addr = [0u8; 8];
    if let Some(a) = d.get(6..14) {
        addr.copy_from_slice(a);
    }
    pkt.link = Link::LinuxSll { version: 1, packet_type, arphrd, addr, addr_len, protocol, ifindex: 0 };
    cooked_proto(pkt, 16, protocol, arphrd)
}

fn sll2(pkt: &mut Packet<'_>) -> (usize, NetProto) {
    let d = pkt.data;
    let (Some(protocol), Some(ifindex), Some(arphrd), Some(&packet_type), Some(&addr_len)) =
        (be16(d, 0), be32(d, 4), be16(d, 8), d.get(10), d.get(11))
    else {
        return link_cut(pkt, Layer::Link, 0, 20);
    };
    if d.len() < 20 {
        return link_cut(pkt, Layer::Link, 0, 20);
    }
    let mut addr = [0u8; 8];
    if let Some(a) = d.get(12..20) {
        addr.copy_from_slice(a);
    }
    pkt.link = Link::LinuxSll {
        version: 2,
        packet_type: u16::from(packet_type),
        arphrd,
        addr,
        addr_len: u16::from(addr_len),
        protocol,
        ifindex,
    };
    cooked_proto(pkt, 20, protocol, arphrd)
}

/// BSD NULL (`network_order == false`: the writer's host byte order, so both are tried) and
/// OpenBSD LOOP (network byte order). A value above 1500 is an EtherType, as Wireshark reads it.
fn null(pkt: &mut Packet<'_>, network_order: bool) -> (usize, NetProto) {
    let Some(&[a, b, c, d]) = pkt.data.get(0..4) else {
        return link_cut(pkt, Layer::Link, 0, 4);
    };
    // Some BSDs put PPP (FF 03) or Cisco HDLC (0F 00 / 8F 00) frames under DLT_NULL; Wireshark
    // recognises them by their first two bytes, and so does portlens.
    match (u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d])) {
        (0xff03, 0x0021) => {
            pkt.link = Link::Null { family: 0xff03_0021 };
            return (4, NetProto::Ipv4);
        }
        (0xff03, 0x0057) => {
            pkt.link = Link::Null { family: 0xff03_0057 };
            return (4, NetProto::Ipv6);
        }
        (0x0f00 | 0x8f00, proto) if proto > 1500 => {
            pkt.link = Link::Null { family: u32::from_be_bytes([a, b, c, d]) };
            return ether_payload(pkt, 4, proto);
        }
        _ => {}
    }
    let mut family = if network_order {
        u32::from_be_bytes([a, b, c, d])
    } else {
        u32::from_le_bytes([a, b, c, d])
    };
    if !network_order && family & 0xffff_0000 != 0 {
        family = family.swap_bytes();
    }
    pkt.link = Link::Null { family };
    match family {
        2 => (4, NetProto::Ipv4),
        10 | 24 | 28 | 30 => (4, NetProto::Ipv6),
        f if f > 1500 && f <= 0xffff => ether_payload(pkt, 4, f as u16),
        f => {
            pkt.warn(Warning::UnknownFamily(f));
            (4, NetProto::Other(0))
        }
    }
}
