//! Link layers: the frame's link type decides where the network header starts and what it is.
//!
//! Ethernet II (with any number of 802.1Q / 802.1ad / QinQ tags, 802.3 + LLC/SNAP, PPPoE session
//! and MPLS label stacks in front of IP), Linux cooked v1 and v2 (any ARPHRD, including 772
//! loopback, which etherparse's own SLL parser rejects), BSD NULL (host byte order) and OpenBSD
//! LOOP (network byte order), the raw-IP link types 101, 12, 14, 228 and 229, PPP (9, 50),
//! Cisco HDLC (104), FDDI (10), IEEE 802.11 (105) behind radiotap (127) or PPI (192), Linux
//! NFLOG (239), Apple PKTAP (258, 149), IP over InfiniBand (242), Linux ARCNET (129), Juniper
//! Ethernet (178), the Broadcom and Marvell switch tags (281, 282, 284, 285), Frame Relay (107),
//! Solaris ipnet (226) and Linux ATM CLIP (106).

use etherparse::{Ethernet2HeaderSlice, SingleVlanHeaderSlice};

use super::{NetProto, be16, be32};
use crate::model::{
    Encrypted, FieldValue, Layer, Link, LinkHeader, LinkKind, LinkType, MAX_VLANS, Packet, Truncation, Warning,
};

/// How many capture pseudo-headers may nest (PPI in front of radiotap …) before decoding stops.
const MAX_LINK_DEPTH: u8 = 3;

/// Decodes the link layer; returns where the network layer starts and what it is.
pub(super) fn decode_link(pkt: &mut Packet<'_>) -> (usize, NetProto) {
    let lt = pkt.linktype.0;
    link_at(pkt, lt, 0, 0)
}

/// Decodes a link header of type `lt` that starts at `base` (past any pseudo-header).
fn link_at(pkt: &mut Packet<'_>, lt: u16, base: usize, depth: u8) -> (usize, NetProto) {
    match lt {
        1 => ethernet(pkt, base, Tag::None),
        113 => sll(pkt, base),
        276 => sll2(pkt, base),
        0 => null(pkt, base, false),
        108 => null(pkt, base, true),
        101 | 12 | 14 | 228 | 229 => {
            pkt.link = Link::Raw;
            let proto = match lt {
                228 => NetProto::Ipv4,
                229 => NetProto::Ipv6,
                _ => NetProto::IpAny,
            };
            (base, proto)
        }
        9 => ppp(pkt, base),
        50 => match pkt.data.get(base) {
            Some(0x0f | 0x8f) => chdlc(pkt, base),
            _ => ppp(pkt, base),
        },
        104 => chdlc(pkt, base),
        10 => fddi(pkt, base),
        105 => wifi(pkt, base),
        239 => nflog(pkt, base),
        242 => ipoib(pkt, base),
        129 => arcnet(pkt, base),
        107 => frame_relay(pkt, base),
        226 => ipnet(pkt, base),
        106 => atm_clip(pkt, base),
        281 => ethernet(pkt, base, Tag::Brcm),
        284 => ethernet(pkt, base, Tag::Dsa),
        285 => ethernet(pkt, base, Tag::Edsa),
        282 => brcm_prepend(pkt, base),
        127 if depth < MAX_LINK_DEPTH => radiotap(pkt, base, depth),
        192 if depth < MAX_LINK_DEPTH => ppi(pkt, base, depth),
        258 | 149 if depth < MAX_LINK_DEPTH => pktap(pkt, base, lt, depth),
        178 if depth < MAX_LINK_DEPTH => juniper(pkt, base, depth),
        other => {
            pkt.link = Link::Unknown;
            pkt.warn(Warning::UnknownLinkType(LinkType(other)));
            (base, NetProto::Nothing)
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
    if matches!(pkt.link, Link::Unknown) {
        pkt.link = Link::Truncated;
    }
    (pkt.data.len(), NetProto::Nothing)
}

/// A switch tag between the source MAC and the EtherType (DSA link types).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tag {
    None,
    /// Broadcom, 4 bytes (281).
    Brcm,
    /// Marvell DSA, 4 bytes (284).
    Dsa,
    /// Marvell EDSA, 8 bytes: EtherType 0xDADA, 2 reserved bytes, the DSA tag (285).
    Edsa,
}

fn mac_at(data: &[u8], at: usize) -> Option<[u8; 6]> {
    let b = data.get(at..at.checked_add(6)?)?;
    let mut m = [0u8; 6];
    m.copy_from_slice(b);
    Some(m)
}

/// The fields of a Marvell DSA tag (mode, source device and port, VLAN id).
fn dsa_fields(h: &mut LinkHeader, tag: u32) {
    let mode = match tag >> 30 {
        0 => "to_cpu",
        1 => "from_cpu",
        2 => "to_sniffer",
        _ => "forward",
    };
    h.push("mode", FieldValue::Word(mode));
    h.push("device", FieldValue::Num(u64::from((tag >> 24) & 0x1f)));
    h.push("port", FieldValue::Num(u64::from((tag >> 19) & 0x1f)));
    if tag & 0x2000_0000 != 0 {
        h.push("vlan", FieldValue::Num(u64::from(tag & 0x0fff)));
    }
}

fn ethernet(pkt: &mut Packet<'_>, base: usize, tag: Tag) -> (usize, NetProto) {
    let data = pkt.data;
    let rest = data.get(base..).unwrap_or(&[]);
    let tag_len = match tag {
        Tag::None => 0,
        Tag::Brcm | Tag::Dsa => 4,
        Tag::Edsa => 8,
    };
    if tag != Tag::None {
        let Some(t) = be32(rest, if tag == Tag::Edsa { 16 } else { 12 }) else {
            return link_cut(pkt, Layer::Link, base, 14 + tag_len);
        };
        let mut h = LinkHeader::new(match tag {
            Tag::Brcm => LinkKind::BrcmTag,
            Tag::Dsa => LinkKind::MarvellDsa,
            _ => LinkKind::MarvellEdsa,
        });
        if tag == Tag::Brcm {
            h.push("opcode", FieldValue::Num(u64::from(t >> 29)));
            h.push("port", FieldValue::Num(u64::from(t & 0x1f)));
        } else {
            dsa_fields(&mut h, t);
        }
        h.push("tag", FieldValue::Hex(u64::from(t)));
        pkt.pseudo = Some(h);
    }
    let (src, dst, first_type) = if tag == Tag::None {
        match Ethernet2HeaderSlice::from_slice(rest) {
            Ok(e) => (e.source(), e.destination(), e.ether_type().0),
            Err(_) => return link_cut(pkt, Layer::Link, base, 14),
        }
    } else {
        match (mac_at(rest, 6), mac_at(rest, 0), be16(rest, 12 + tag_len)) {
            (Some(s), Some(d), Some(t)) => (s, d, t),
            _ => return link_cut(pkt, Layer::Link, base, 14 + tag_len),
        }
    };
    let mut ether_type = first_type;
    let mut offset = base + 14 + tag_len;

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

/// Broadcom tag prepended to the whole Ethernet frame (282).
fn brcm_prepend(pkt: &mut Packet<'_>, base: usize) -> (usize, NetProto) {
    let Some(t) = be32(pkt.data, base) else {
        return link_cut(pkt, Layer::Link, base, 4);
    };
    let mut h = LinkHeader::new(LinkKind::BrcmTag);
    h.push("opcode", FieldValue::Num(u64::from(t >> 29)));
    h.push("port", FieldValue::Num(u64::from(t & 0x1f)));
    h.push("tag", FieldValue::Hex(u64::from(t)));
    pkt.pseudo = Some(h);
    ethernet(pkt, base + 4, Tag::None)
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

/// A PPP protocol number: IP, IPv6 and MPLS lead on; anything else stops here.
fn ppp_payload(pkt: &mut Packet<'_>, offset: usize, protocol: u16) -> (usize, NetProto) {
    match protocol {
        0x0021 => (offset, NetProto::Ipv4),
        0x0057 => (offset, NetProto::Ipv6),
        0x0281 | 0x0283 => mpls(pkt, offset),
        _ => (offset, NetProto::Other(0)),
    }
}

/// PPP (9, 50): optional address and control (FF 03), then a protocol of one byte (when its
/// low bit is set: protocol-field compression) or two.
fn ppp(pkt: &mut Packet<'_>, base: usize) -> (usize, NetProto) {
    let d = pkt.data;
    let mut h = LinkHeader::new(LinkKind::Ppp);
    let mut at = base;
    if let (Some(0xff), Some(0x03)) = (d.get(at), d.get(at + 1)) {
        h.push("address", FieldValue::Hex(0xff));
        h.push("control", FieldValue::Hex(0x03));
        at += 2;
    }
    let protocol = match d.get(at) {
        Some(&b) if b & 1 == 1 => {
            at += 1;
            u16::from(b)
        }
        Some(_) => match be16(d, at) {
            Some(p) => {
                at += 2;
                p
            }
            None => return link_cut(pkt, Layer::Link, base, at + 2 - base),
        },
        None => return link_cut(pkt, Layer::Link, base, at + 2 - base),
    };
    h.push("protocol", FieldValue::Hex(u64::from(protocol)));
    pkt.link = Link::Header(h);
    ppp_payload(pkt, at, protocol)
}

/// Cisco HDLC (104, and 50 when the first byte says so): address, control, EtherType.
fn chdlc(pkt: &mut Packet<'_>, base: usize) -> (usize, NetProto) {
    let d = pkt.data;
    let (Some(&address), Some(&control), Some(protocol)) = (d.get(base), d.get(base + 1), be16(d, base + 2)) else {
        return link_cut(pkt, Layer::Link, base, 4);
    };
    let mut h = LinkHeader::new(LinkKind::CiscoHdlc);
    h.push("address", FieldValue::Hex(u64::from(address)));
    h.push("control", FieldValue::Hex(u64::from(control)));
    h.push("protocol", FieldValue::Hex(u64::from(protocol)));
    pkt.link = Link::Header(h);
    match protocol {
        // SLARP, Cisco's keepalive and address resolution: no IP.
        0x8035 => (base + 4, NetProto::Other(0)),
        _ => ether_payload(pkt, base + 4, protocol),
    }
}

/// An 802.2 LLC header at `at`: SNAP (AA AA 03, OUI, EtherType) leads on; anything else stops.
fn llc(pkt: &mut Packet<'_>, h: &mut LinkHeader, at: usize) -> (usize, NetProto) {
    let d = pkt.data;
    match d.get(at..at + 3) {
        Some(&[0xaa, 0xaa, 0x03]) => match be16(d, at + 6) {
            Some(t) => {
                h.push("ether_type", FieldValue::Hex(u64::from(t)));
                pkt.link = Link::Header(h.clone());
                ether_payload(pkt, at + 8, t)
            }
            None => {
                pkt.link = Link::Header(h.clone());
                link_cut(pkt, Layer::Link, at, 8)
            }
        },
        Some(&[dsap, ssap, _]) => {
            h.push("dsap", FieldValue::Hex(u64::from(dsap)));
            h.push("ssap", FieldValue::Hex(u64::from(ssap)));
            pkt.link = Link::Header(h.clone());
            (at, NetProto::Other(0))
        }
        _ => {
            pkt.link = Link::Header(h.clone());
            link_cut(pkt, Layer::Link, at, 3)
        }
    }
}

/// FDDI (10): frame control, destination and source MACs, then LLC.
fn fddi(pkt: &mut Packet<'_>, base: usize) -> (usize, NetProto) {
    let d = pkt.data;
    let (Some(&fc), Some(dst), Some(src)) = (d.get(base), mac_at(d, base + 1), mac_at(d, base + 7)) else {
        return link_cut(pkt, Layer::Link, base, 13);
    };
    let mut h = LinkHeader::new(LinkKind::Fddi);
    h.push("frame_control", FieldValue::Hex(u64::from(fc)));
    h.push("src", FieldValue::Mac(src));
    h.push("dst", FieldValue::Mac(dst));
    // Only LLC frames (frame control 0x50–0x57) carry data.
    if fc & 0xf8 != 0x50 {
        pkt.link = Link::Header(h);
        return (base + 13, NetProto::Other(0));
    }
    llc(pkt, &mut h, base + 13)
}

/// IEEE 802.11 (105): data frames, to the LLC/SNAP header; management and control frames stop.
fn wifi(pkt: &mut Packet<'_>, base: usize) -> (usize, NetProto) {
    let d = pkt.data;
    let (Some(&fc0), Some(&fc1)) = (d.get(base), d.get(base + 1)) else {
        return link_cut(pkt, Layer::Link, base, 2);
    };
    let ftype = (fc0 >> 2) & 3;
    let subtype = fc0 >> 4;
    let mut h = LinkHeader::new(LinkKind::Ieee80211);
    h.push(
        "type",
        FieldValue::Word(match ftype {
            0 => "management",
            1 => "control",
            2 => "data",
            _ => "extension",
        }),
    );
    h.push("subtype", FieldValue::Num(u64::from(subtype)));
    h.push("flags", FieldValue::Hex(u64::from(fc1)));
    if ftype != 2 {
        pkt.link = Link::Header(h);
        return (base, NetProto::Other(0));
    }
    let to_ds = fc1 & 1 != 0;
    let from_ds = fc1 & 2 != 0;
    let qos = subtype & 8 != 0;
    let mut len = 24 + if to_ds && from_ds { 6 } else { 0 };
    if qos {
        len += 2;
        if fc1 & 0x80 != 0 {
            len += 4; // HT control
        }
    }
    let (Some(a1), Some(a2), Some(a3)) = (mac_at(d, base + 4), mac_at(d, base + 10), mac_at(d, base + 16)) else {
        pkt.link = Link::Header(h);
        return link_cut(pkt, Layer::Link, base, len);
    };
    // Source and destination as the DS bits place them (IEEE 802.11-2020 table 9-26).
    let (src, dst) = match (to_ds, from_ds) {
        (false, false) => (a2, a1),
        (true, false) => (a2, a3),
        (false, true) => (a3, a1),
        (true, true) => (mac_at(d, base + 24).unwrap_or(a2), a3),
    };
    h.push("src", FieldValue::Mac(src));
    h.push("dst", FieldValue::Mac(dst));
    h.push("bssid", FieldValue::Mac(if to_ds { a1 } else if from_ds { a2 } else { a3 }));
    if d.len() < base + len {
        pkt.link = Link::Header(h);
        return link_cut(pkt, Layer::Link, base, len);
    }
    if subtype & 4 != 0 {
        // Null data: no body.
        pkt.link = Link::Header(h);
        return (base + len, NetProto::Other(0));
    }
    if fc1 & 0x40 != 0 {
        pkt.link = Link::Header(h);
        pkt.warn(Warning::Encrypted(Encrypted::Wifi));
        return (base + len, NetProto::Nothing);
    }
    if let Some(seq_ctl) = be16(d, base + 22) {
        if seq_ctl.swap_bytes() & 0x000f != 0 {
            pkt.link = Link::Header(h);
            pkt.warn(Warning::LinkFragment);
            return (base + len, NetProto::Nothing);
        }
    }
    llc(pkt, &mut h, base + len)
}

/// Radiotap (127): a little-endian length at bytes 2–3, then 802.11.
fn radiotap(pkt: &mut Packet<'_>, base: usize, depth: u8) -> (usize, NetProto) {
    let d = pkt.data;
    let (Some(&version), Some(len)) = (d.get(base), be16(d, base + 2).map(u16::swap_bytes)) else {
        return link_cut(pkt, Layer::Link, base, 8);
    };
    let len = usize::from(len);
    let mut h = LinkHeader::new(LinkKind::Radiotap);
    h.push("version", FieldValue::Num(u64::from(version)));
    h.push("length", FieldValue::Num(len as u64));
    if let Some(present) = be32(d, base + 4) {
        h.push("present", FieldValue::Hex(u64::from(present.swap_bytes())));
    }
    pkt.pseudo = Some(h);
    if len < 8 || d.len() < base + len {
        return link_cut(pkt, Layer::Link, base, len.max(8));
    }
    link_at(pkt, 105, base + len, depth + 1)
}

/// PPI (192): version, flags, a little-endian length and the DLT of what follows.
fn ppi(pkt: &mut Packet<'_>, base: usize, depth: u8) -> (usize, NetProto) {
    let d = pkt.data;
    let (Some(&version), Some(len), Some(dlt)) =
        (d.get(base), be16(d, base + 2).map(u16::swap_bytes), be32(d, base + 4).map(u32::swap_bytes))
    else {
        return link_cut(pkt, Layer::Link, base, 8);
    };
    let len = usize::from(len);
    let mut h = LinkHeader::new(LinkKind::Ppi);
    h.push("version", FieldValue::Num(u64::from(version)));
    h.push("length", FieldValue::Num(len as u64));
    h.push("dlt", FieldValue::Num(u64::from(dlt)));
    pkt.pseudo = Some(h);
    if len < 8 || d.len() < base + len {
        return link_cut(pkt, Layer::Link, base, len.max(8));
    }
    link_at(pkt, u16::try_from(dlt).unwrap_or(u16::MAX), base + len, depth + 1)
}

/// A NUL-terminated name of at most 16 bytes, for display.
fn text_at(d: &[u8], at: usize, max: usize) -> Option<arrayvec::ArrayString<16>> {
    let b = d.get(at..at.checked_add(max)?)?;
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    let mut s = arrayvec::ArrayString::<16>::new();
    for &c in b.get(..end)?.iter().take(16) {
        s.push(if c.is_ascii_graphic() { char::from(c) } else { '?' });
    }
    Some(s)
}

/// Apple PKTAP (258; 149 is how Apple's tcpdump writes it): a little-endian header length, the
/// type of what follows (1: a packet of link type `pth_dlt`), the interface, the process.
fn pktap(pkt: &mut Packet<'_>, base: usize, lt: u16, depth: u8) -> (usize, NetProto) {
    let d = pkt.data;
    let le32 = |at: usize| be32(d, base + at).map(u32::swap_bytes);
    let (Some(len), Some(next), Some(dlt)) = (le32(0), le32(4), le32(8)) else {
        if lt == 149 {
            pkt.link = Link::Unknown;
            pkt.warn(Warning::UnknownLinkType(LinkType(lt)));
            return (base, NetProto::Nothing);
        }
        return link_cut(pkt, Layer::Link, base, 108);
    };
    let len = len as usize;
    if lt == 149 && (len < 108 || next != 1 || len > d.len()) {
        // Not a PKTAP header: USER2 is anyone's.
        pkt.link = Link::Unknown;
        pkt.warn(Warning::UnknownLinkType(LinkType(lt)));
        return (base, NetProto::Nothing);
    }
    let mut h = LinkHeader::new(LinkKind::Pktap);
    h.push("length", FieldValue::Num(len as u64));
    h.push("dlt", FieldValue::Num(u64::from(dlt)));
    if let Some(name) = text_at(d, base + 12, 24) {
        h.push("interface", FieldValue::Text(name));
    }
    if let Some(pid) = le32(52) {
        h.push("pid", FieldValue::Num(u64::from(pid)));
    }
    if let Some(comm) = text_at(d, base + 56, 17).filter(|c| !c.is_empty()) {
        h.push("command", FieldValue::Text(comm));
    }
    pkt.pseudo = Some(h);
    if len < 12 || d.len() < base + len {
        return link_cut(pkt, Layer::Link, base, len.max(108));
    }
    if next != 1 {
        return (base + len, NetProto::Other(0));
    }
    link_at(pkt, u16::try_from(dlt).unwrap_or(u16::MAX), base + len, depth + 1)
}

/// Juniper Ethernet (178): "MGC", flags, optional extensions (flag 0x80), then Ethernet, or
/// (flag 0x02, no layer 2) four bytes and IP.
fn juniper(pkt: &mut Packet<'_>, base: usize, depth: u8) -> (usize, NetProto) {
    let d = pkt.data;
    let (Some(magic), Some(&flags)) = (d.get(base..base + 3), d.get(base + 3)) else {
        return link_cut(pkt, Layer::Link, base, 4);
    };
    let mut h = LinkHeader::new(LinkKind::Juniper);
    h.push("flags", FieldValue::Hex(u64::from(flags)));
    h.push("direction", FieldValue::Word(if flags & 1 != 0 { "in" } else { "out" }));
    if magic != b"MGC" {
        pkt.pseudo = Some(h);
        pkt.link = Link::Unknown;
        pkt.warn(Warning::UnknownLinkType(LinkType(178)));
        return (base, NetProto::Nothing);
    }
    let mut len = 4;
    if flags & 0x80 != 0 {
        let Some(ext) = be16(d, base + 4) else {
            pkt.pseudo = Some(h);
            return link_cut(pkt, Layer::Link, base, 6);
        };
        h.push("extensions", FieldValue::Num(u64::from(ext)));
        len += 2 + usize::from(ext);
    }
    pkt.pseudo = Some(h);
    if flags & 0x02 != 0 {
        pkt.link = Link::Raw;
        return (base + len + 4, NetProto::IpAny);
    }
    link_at(pkt, 1, base + len, depth + 1)
}

/// Linux NFLOG (239): family, version, resource id, then TLVs (lengths in the writer's byte
/// order, padded to 4 bytes); the packet is TLV 9, the log prefix TLV 10.
fn nflog(pkt: &mut Packet<'_>, base: usize) -> (usize, NetProto) {
    let d = pkt.data;
    let (Some(&family), Some(&version), Some(res)) = (d.get(base), d.get(base + 1), be16(d, base + 2)) else {
        return link_cut(pkt, Layer::Link, base, 4);
    };
    let mut h = LinkHeader::new(LinkKind::Nflog);
    h.push("family", FieldValue::Num(u64::from(family)));
    h.push("version", FieldValue::Num(u64::from(version)));
    h.push("resource_id", FieldValue::Num(u64::from(res)));
    let mut at = base + 4;
    let mut big_endian = None;
    while let (Some(l), Some(t)) = (be16(d, at), be16(d, at + 2)) {
        // The TLV lengths are in host byte order: take the order whose length fits.
        let be = *big_endian.get_or_insert_with(|| {
            let le_len = usize::from(l.swap_bytes());
            !(4..=d.len() - at).contains(&le_len) && (4..=d.len() - at).contains(&usize::from(l))
        });
        let (len, ty) = if be { (usize::from(l), t) } else { (usize::from(l.swap_bytes()), t.swap_bytes()) };
        if len < 4 {
            break;
        }
        match ty {
            9 => {
                h.push("payload_length", FieldValue::Num((len - 4) as u64));
                pkt.link = Link::Header(h);
                let proto = match family {
                    2 => NetProto::Ipv4,
                    10 => NetProto::Ipv6,
                    _ => NetProto::IpAny,
                };
                return (at + 4, proto);
            }
            10 => {
                if let Some(p) = text_at(d, at + 4, (len - 4).min(16)).filter(|p| !p.is_empty()) {
                    h.push("prefix", FieldValue::Text(p));
                }
            }
            _ => {}
        }
        at += (len + 3) & !3;
    }
    pkt.link = Link::Header(h);
    (at.min(d.len()), NetProto::Other(0))
}

/// IP over InfiniBand (242): 20-byte destination and source hardware addresses (queue pair
/// and GID), then an EtherType and two reserved bytes.
fn ipoib(pkt: &mut Packet<'_>, base: usize) -> (usize, NetProto) {
    let d = pkt.data;
    let Some(protocol) = be16(d, base + 40) else {
        return link_cut(pkt, Layer::Link, base, 44);
    };
    let mut h = LinkHeader::new(LinkKind::Ipoib);
    for (name, at) in [("src_gid", base + 24), ("dst_gid", base + 4)] {
        if let Some(g) = d.get(at..at + 16).and_then(|g| <[u8; 16]>::try_from(g).ok()) {
            h.push(name, FieldValue::Gid(std::net::Ipv6Addr::from(g)));
        }
    }
    h.push("ether_type", FieldValue::Hex(u64::from(protocol)));
    pkt.link = Link::Header(h);
    if d.len() < base + 44 {
        return link_cut(pkt, Layer::Link, base, 44);
    }
    ether_payload(pkt, base + 44, protocol)
}

/// Linux ARCNET (129): source, destination, a 2-byte offset, the protocol id; RFC 1201 ids are
/// followed by a split flag and a sequence number (four more bytes for an exception packet),
/// RFC 1051 ids (240, 241) by nothing.
fn arcnet(pkt: &mut Packet<'_>, base: usize) -> (usize, NetProto) {
    let d = pkt.data;
    let (Some(&src), Some(&dst), Some(&proto)) = (d.get(base), d.get(base + 1), d.get(base + 4)) else {
        return link_cut(pkt, Layer::Link, base, 5);
    };
    let mut h = LinkHeader::new(LinkKind::Arcnet);
    h.push("src", FieldValue::Hex(u64::from(src)));
    h.push("dst", FieldValue::Hex(u64::from(dst)));
    h.push("protocol", FieldValue::Hex(u64::from(proto)));
    let net = match proto {
        212 | 240 => NetProto::Ipv4,
        196 => NetProto::Ipv6,
        213 | 241 => NetProto::Arp,
        _ => NetProto::Other(0),
    };
    if matches!(proto, 240 | 241) {
        h.push("framing", FieldValue::Word("rfc1051"));
        pkt.link = Link::Header(h);
        return (base + 5, net);
    }
    h.push("framing", FieldValue::Word("rfc1201"));
    let Some(&flag) = d.get(base + 5) else {
        pkt.link = Link::Header(h);
        return link_cut(pkt, Layer::Link, base, 8);
    };
    let len = if flag == 0xff { 12 } else { 8 };
    h.push("split_flag", FieldValue::Hex(u64::from(flag)));
    pkt.link = Link::Header(h);
    if d.len() < base + len {
        return link_cut(pkt, Layer::Link, base, len);
    }
    if flag != 0 && flag != 0xff && flag & 1 == 0 {
        // A piece after the first of a split packet.
        pkt.warn(Warning::LinkFragment);
        return (base + len, NetProto::Nothing);
    }
    (base + len, net)
}

/// Frame Relay (107): a Q.922 address (EA bit ends it), UI control 0x03, optional padding, an
/// RFC 2427 NLPID (0xCC IPv4, 0x8E IPv6, 0x80 SNAP).
fn frame_relay(pkt: &mut Packet<'_>, base: usize) -> (usize, NetProto) {
    let d = pkt.data;
    let (Some(a0), Some(a1)) = (d.get(base), d.get(base + 1)) else {
        return link_cut(pkt, Layer::Link, base, 4);
    };
    let dlci = (u64::from(*a0) >> 2) << 4 | u64::from(*a1) >> 4;
    let mut h = LinkHeader::new(LinkKind::FrameRelay);
    h.push("dlci", FieldValue::Num(dlci));
    let mut at = base + 2;
    if a1 & 1 == 0 {
        at += 1; // 3-byte address
    }
    if d.get(at) != Some(&0x03) {
        // Cisco's encapsulation: an EtherType straight after the address.
        let Some(t) = be16(d, at) else {
            pkt.link = Link::Header(h);
            return link_cut(pkt, Layer::Link, base, at + 2 - base);
        };
        h.push("ether_type", FieldValue::Hex(u64::from(t)));
        pkt.link = Link::Header(h);
        return ether_payload(pkt, at + 2, t);
    }
    at += 1;
    if d.get(at) == Some(&0) {
        at += 1; // padding before the NLPID
    }
    let Some(&nlpid) = d.get(at) else {
        pkt.link = Link::Header(h);
        return link_cut(pkt, Layer::Link, base, at + 1 - base);
    };
    h.push("nlpid", FieldValue::Hex(u64::from(nlpid)));
    match nlpid {
        0xcc => {
            pkt.link = Link::Header(h);
            (at + 1, NetProto::Ipv4)
        }
        0x8e => {
            pkt.link = Link::Header(h);
            (at + 1, NetProto::Ipv6)
        }
        0x80 => match be16(d, at + 4) {
            Some(t) => {
                h.push("ether_type", FieldValue::Hex(u64::from(t)));
                pkt.link = Link::Header(h);
                ether_payload(pkt, at + 6, t)
            }
            None => {
                pkt.link = Link::Header(h);
                link_cut(pkt, Layer::Link, at, 6)
            }
        },
        _ => {
            pkt.link = Link::Header(h);
            (at + 1, NetProto::Other(0))
        }
    }
}

/// Solaris ipnet (226): a 24-byte header whose family says IPv4 (2) or IPv6 (26).
fn ipnet(pkt: &mut Packet<'_>, base: usize) -> (usize, NetProto) {
    let d = pkt.data;
    let (Some(&family), Some(ifindex)) = (d.get(base + 1), be32(d, base + 8)) else {
        return link_cut(pkt, Layer::Link, base, 24);
    };
    let mut h = LinkHeader::new(LinkKind::Ipnet);
    h.push("family", FieldValue::Num(u64::from(family)));
    h.push("ifindex", FieldValue::Num(u64::from(ifindex)));
    pkt.link = Link::Header(h);
    if d.len() < base + 24 {
        return link_cut(pkt, Layer::Link, base, 24);
    }
    match family {
        2 => (base + 24, NetProto::Ipv4),
        26 => (base + 24, NetProto::Ipv6),
        _ => (base + 24, NetProto::Other(0)),
    }
}

/// Linux ATM CLIP (106): LLC/SNAP then IP, or IP straight away (as tcpdump reads it).
fn atm_clip(pkt: &mut Packet<'_>, base: usize) -> (usize, NetProto) {
    let mut h = LinkHeader::new(LinkKind::AtmClip);
    if pkt.data.get(base..base + 6) == Some(&[0xaa, 0xaa, 0x03, 0, 0, 0]) {
        return llc(pkt, &mut h, base);
    }
    h.push("llc", FieldValue::Word("none"));
    pkt.link = Link::Header(h);
    (base, NetProto::IpAny)
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

fn sll(pkt: &mut Packet<'_>, base: usize) -> (usize, NetProto) {
    let d = pkt.data.get(base..).unwrap_or(&[]);
    let (Some(packet_type), Some(arphrd), Some(addr_len), Some(protocol)) =
        (be16(d, 0), be16(d, 2), be16(d, 4), be16(d, 14))
    else {
        return link_cut(pkt, Layer::Link, base, 16);
    };
    let mut addr = [0u8; 8];
    if let Some(a) = d.get(6..14) {
        addr.copy_from_slice(a);
    }
    pkt.link = Link::LinuxSll { version: 1, packet_type, arphrd, addr, addr_len, protocol, ifindex: 0 };
    cooked_proto(pkt, base + 16, protocol, arphrd)
}

fn sll2(pkt: &mut Packet<'_>, base: usize) -> (usize, NetProto) {
    let d = pkt.data.get(base..).unwrap_or(&[]);
    let (Some(protocol), Some(ifindex), Some(arphrd), Some(&packet_type), Some(&addr_len)) =
        (be16(d, 0), be32(d, 4), be16(d, 8), d.get(10), d.get(11))
    else {
        return link_cut(pkt, Layer::Link, base, 20);
    };
    if d.len() < 20 {
        return link_cut(pkt, Layer::Link, base, 20);
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
    cooked_proto(pkt, base + 20, protocol, arphrd)
}

/// BSD NULL (`network_order == false`: the writer's host byte order, so both are tried) and
/// OpenBSD LOOP (network byte order). A value above 1500 is an EtherType, as Wireshark reads it.
fn null(pkt: &mut Packet<'_>, base: usize, network_order: bool) -> (usize, NetProto) {
    let Some(&[a, b, c, d]) = pkt.data.get(base..base + 4) else {
        return link_cut(pkt, Layer::Link, base, 4);
    };
    let at = base + 4;
    // Some BSDs put PPP (FF 03) or Cisco HDLC (0F 00 / 8F 00) frames under DLT_NULL; Wireshark
    // recognises them by their first two bytes, and so does portlens.
    match (u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d])) {
        (0xff03, 0x0021) => {
            pkt.link = Link::Null { family: 0xff03_0021 };
            return (at, NetProto::Ipv4);
        }
        (0xff03, 0x0057) => {
            pkt.link = Link::Null { family: 0xff03_0057 };
            return (at, NetProto::Ipv6);
        }
        (0x0f00 | 0x8f00, proto) if proto > 1500 => {
            pkt.link = Link::Null { family: u32::from_be_bytes([a, b, c, d]) };
            return ether_payload(pkt, at, proto);
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
        2 => (at, NetProto::Ipv4),
        10 | 24 | 28 | 30 => (at, NetProto::Ipv6),
        f if f > 1500 && f <= 0xffff => ether_payload(pkt, at, f as u16),
        f => {
            pkt.warn(Warning::UnknownFamily(f));
            (at, NetProto::Other(0))
        }
    }
}
