//! `--json`: JSON Lines that follow the Elastic Common Schema, so the output loads into
//! Elasticsearch, OpenSearch, ClickHouse, DuckDB or Vector as it is.
//!
//! The contract (README "JSON schema", `schemas/*.json`, pinned by `tests/json_schema.rs` and
//! `tests/ecs.rs`): every record opens with `@timestamp`, `ecs.version` and `event` (`kind`,
//! `category`, `type`, `dataset` — one dataset per record type, see [`Record`]); fields ECS
//! defines (`source.*`, `destination.*`, `client.*`, `server.*`, `network.*`, `observer.*`,
//! `event.*`) carry ECS's names and types; everything else lives under `portlens.`. A key
//! path has one JSON type across every record type. `event.action` takes its values from
//! fixed lists ([`PACKET_ACTIONS`], the flow outcomes, the detection kinds).
//! The writer is hand-rolled over `io::Write`: no intermediate tree, no allocation per packet.

use std::hash::{Hash, Hasher};
use std::io::{self, Write};
use std::net::IpAddr;

use rustc_hash::FxHasher;

use super::fmt as f;
use super::line::icmp_name;
use super::time::{SecondCache, rfc3339, rfc3339_clamp};
use crate::model::community_id::{Ports, community_id};
use crate::model::flow::{PacketNote, TcpEvent};
use crate::model::{
    FieldValue, IcmpInfo, Link, LinkHeader, Net, Packet, TcpInfo, Timestamp, Transport, TsPrecision, UdpInfo, tcp_flags,
};
use crate::services::{self, PortClass, Proto};

/// Writes a JSON string literal (with escapes).
pub fn string<W: Write + ?Sized>(w: &mut W, s: &str) -> io::Result<()> {
    w.write_all(b"\"")?;
    Escaped(&mut *w).write_all(s.as_bytes())?;
    w.write_all(b"\"")
}

/// Writes through to `W`, escaping what JSON strings cannot hold raw (no allocation).
struct Escaped<'a, W: Write + ?Sized>(&'a mut W);

impl<W: Write + ?Sized> Write for Escaped<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut start = 0;
        for (i, &b) in buf.iter().enumerate() {
            if b == b'"' || b == b'\\' || b < 0x20 {
                self.0.write_all(buf.get(start..i).unwrap_or(&[]))?;
                match b {
                    b'"' => self.0.write_all(b"\\\"")?,
                    b'\\' => self.0.write_all(b"\\\\")?,
                    b'\n' => self.0.write_all(b"\\n")?,
                    _ => write!(self.0, "\\u{b:04x}")?,
                }
                start = i + 1;
            }
        }
        self.0.write_all(buf.get(start..).unwrap_or(&[]))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

fn opt_str<W: Write + ?Sized>(w: &mut W, s: Option<&str>) -> io::Result<()> {
    match s {
        Some(s) => string(w, s),
        None => w.write_all(b"null"),
    }
}

fn opt_uint<W: Write + ?Sized>(w: &mut W, n: Option<impl itoa::Integer>) -> io::Result<()> {
    match n {
        Some(n) => f::uint(w, n),
        None => w.write_all(b"null"),
    }
}

fn ip_str<W: Write + ?Sized>(w: &mut W, a: IpAddr) -> io::Result<()> {
    w.write_all(b"\"")?;
    f::ip(w, a)?;
    w.write_all(b"\"")
}

/// A MAC in ECS form: `AA-BB-CC-DD-EE-FF`.
fn ecs_mac<W: Write + ?Sized>(w: &mut W, m: &[u8; 6]) -> io::Result<()> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut buf = *b"\"00-00-00-00-00-00\"";
    for (i, b) in m.iter().enumerate() {
        if let (Some(hi), Some(lo)) = (HEX.get(usize::from(b >> 4)), HEX.get(usize::from(b & 0xf))) {
            if let Some(dst) = buf.get_mut(1 + i * 3..3 + i * 3) {
                dst.copy_from_slice(&[*hi, *lo]);
            }
        }
    }
    w.write_all(&buf)
}

/// IANA protocol keywords in lower case, as ECS's `network.transport` wants them.
fn ip_protocol_keyword(p: u8) -> Option<&'static str> {
    Some(match p {
        0 => "hopopt",
        1 => "icmp",
        2 => "igmp",
        4 => "ipip",
        6 => "tcp",
        17 => "udp",
        41 => "ipv6",
        43 => "ipv6-route",
        44 => "ipv6-frag",
        47 => "gre",
        50 => "esp",
        51 => "ah",
        58 => "ipv6-icmp",
        59 => "ipv6-nonxt",
        60 => "ipv6-opts",
        89 => "ospf",
        103 => "pim",
        112 => "vrrp",
        115 => "l2tp",
        132 => "sctp",
        135 => "mobility-header",
        136 => "udplite",
        _ => return None,
    })
}

/// What a packet's Community ID is computed from: addresses, IP protocol, ports (or ICMP
/// type and code). `None` without IP addresses, and for fragments after the first (their
/// ports are in another packet).
pub fn flow_tuple(pkt: &Packet<'_>) -> Option<(IpAddr, IpAddr, u8, Ports)> {
    let (s, d) = pkt.net.addrs()?;
    let proto = pkt.net.protocol()?;
    let ports = match &pkt.transport {
        Transport::Tcp(t) => Ports::Ports(t.src_port, t.dst_port),
        Transport::Udp(u) => Ports::Ports(u.src_port, u.dst_port),
        Transport::Icmp(i) => Ports::Icmp { v6: i.v6, icmp_type: i.icmp_type, code: i.code },
        Transport::Fragment { .. } | Transport::None => return None,
        // SCTP (and UDP-Lite, DCCP) keep their ports in the first four bytes, as TCP and UDP.
        Transport::Other { protocol: 132 | 136 | 33 } => {
            let at = pkt.transport_offset as usize;
            let b = pkt.data.get(at..at.checked_add(4)?)?;
            match b {
                [a, b2, c, d2] => Ports::Ports(u16::from_be_bytes([*a, *b2]), u16::from_be_bytes([*c, *d2])),
                _ => return None,
            }
        }
        Transport::Other { .. } => Ports::None,
    };
    Some((s, d, proto, ports))
}

type CidKey = (IpAddr, IpAddr, u8, Ports);

/// Community IDs of recently seen tuples: a direct-mapped cache, so that the packets of one
/// flow hash the tuple with SHA-1 once rather than every time.
#[derive(Debug)]
struct CidCache {
    slots: Vec<Option<(CidKey, [u8; 30])>>,
}

impl Default for CidCache {
    fn default() -> Self {
        CidCache { slots: vec![None; 256] }
    }
}

impl CidCache {
    /// The ID of `key`, computed on a miss.
    fn get(&mut self, key: CidKey) -> Option<[u8; 30]> {
        let mut h = FxHasher::default();
        key.hash(&mut h);
        let i = (h.finish() as usize) % self.slots.len().max(1);
        let slot = self.slots.get_mut(i)?;
        if let Some((k, id)) = slot {
            if *k == key {
                return Some(*id);
            }
        }
        let mut out = [0u8; 30];
        community_id(key.0, key.1, key.2, key.3, 0, &mut out)?;
        *slot = Some((key, out));
        Some(out)
    }
}

/// The ECS version the records follow (`ecs.version`); every ECS field portlens writes exists
/// in it with the type written (`tests/ecs.rs` checks them against ECS's own field list).
pub const ECS_VERSION: &str = ecs_version!();

/// The ECS version as a literal, for [`head_text`].
macro_rules! ecs_version {
    () => {
        "8.17.0"
    };
}
use ecs_version;

/// The text from the end of `@timestamp`'s value to the open `event` object: `ecs.version`
/// and the record type's kind, category, type and dataset, as one piece.
macro_rules! head_text {
    ($kind:literal, $category:literal, $type:literal, $dataset:literal) => {
        concat!(
            "\",\"ecs\":{\"version\":\"",
            ecs_version!(),
            "\"},\"event\":{\"kind\":\"",
            $kind,
            "\",\"category\":",
            $category,
            ",\"type\":",
            $type,
            ",\"dataset\":\"",
            $dataset,
            "\""
        )
    };
}

/// The record types, one `event.dataset` each, with their fixed ECS categorisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Record {
    /// A packet (`portlens.packet`).
    Packet,
    /// A connection or UDP conversation (`portlens.flow`) that ended …
    FlowEnded,
    /// … or was still open when the input ended.
    FlowOpen,
    /// A port scan (`portlens.detection`, an alert).
    Alert,
    /// Another detection: port reuse, simultaneous open, SYN retransmission.
    Detection,
    /// The tracker's bookkeeping (`portlens.flow_summary`).
    FlowSummary,
    /// The `--stats` counts (`portlens.stats`).
    Stats,
}

impl Record {
    /// The text after `@timestamp`'s value up to the open `event` object's last member.
    const fn head(self) -> &'static str {
        match self {
            Record::Packet => head_text!("event", r#"["network"]"#, r#"["info"]"#, "portlens.packet"),
            Record::FlowEnded => head_text!("event", r#"["network"]"#, r#"["connection","end"]"#, "portlens.flow"),
            Record::FlowOpen => head_text!("event", r#"["network"]"#, r#"["connection","info"]"#, "portlens.flow"),
            Record::Alert => head_text!("alert", r#"["network","intrusion_detection"]"#, r#"["info"]"#, "portlens.detection"),
            Record::Detection => head_text!("event", r#"["network"]"#, r#"["info"]"#, "portlens.detection"),
            Record::FlowSummary => head_text!("metric", r#"["network"]"#, r#"["info"]"#, "portlens.flow_summary"),
            Record::Stats => head_text!("metric", r#"["network"]"#, r#"["info"]"#, "portlens.stats"),
        }
    }
}

/// Writes a record's opening up to the open `event` object: `{"@timestamp":…,"ecs":{…},
/// "event":{kind, category, type, dataset` — the caller adds its own `event.*` fields and
/// closes the object. Returns whether the time had to be brought into RFC 3339's years.
pub fn head<W: Write + ?Sized>(w: &mut W, ts: Timestamp, p: TsPrecision, rec: Record) -> io::Result<bool> {
    let (ts, clamped) = rfc3339_clamp(ts);
    w.write_all(b"{\"@timestamp\":\"")?;
    rfc3339(w, ts, p)?;
    head_rest(w, rec)?;
    Ok(clamped)
}

#[inline]
fn head_rest<W: Write + ?Sized>(w: &mut W, rec: Record) -> io::Result<()> {
    w.write_all(rec.head().as_bytes())
}

/// Writes an ECS `date` field's value: RFC 3339 in quotes, clamped into its years.
pub fn date<W: Write + ?Sized>(w: &mut W, ts: Timestamp, p: TsPrecision) -> io::Result<()> {
    w.write_all(b"\"")?;
    rfc3339(w, rfc3339_clamp(ts).0, p)?;
    w.write_all(b"\"")
}

/// The warning added when a time lay outside RFC 3339's years.
pub fn clamp_warning<W: Write + ?Sized>(w: &mut W, ts: Timestamp) -> io::Result<()> {
    write!(
        w,
        "\"capture time {} s from 1970 lies outside the years 0000-9999 that RFC 3339 can write; @timestamp holds the nearest it can\"",
        ts.secs
    )
}

/// The fixed `event.action` of a packet's tracker event (README "JSON schema" lists them).
pub const fn packet_action(ev: TcpEvent) -> &'static str {
    match ev {
        TcpEvent::Handshake { step: 2 } => "handshake-2",
        TcpEvent::Handshake { .. } => "handshake-1",
        TcpEvent::SynRetry { .. } => "syn-retry",
        TcpEvent::PortReuse => "port-reuse",
        TcpEvent::SimultaneousOpen => "simultaneous-open",
        TcpEvent::Established { .. } => "established",
        TcpEvent::Close { first: 1, last: 2 } => "close-1-2",
        TcpEvent::Close { first: 2, last: 3 } => "close-2-3",
        TcpEvent::Close { first: 3, last: 4 } => "close-3-4",
        TcpEvent::Close { first: 2, .. } => "close-2",
        TcpEvent::Close { first: 3, .. } => "close-3",
        TcpEvent::Close { first: 4, .. } => "close-4",
        TcpEvent::Close { .. } => "close-1",
        TcpEvent::Reset => "reset",
        TcpEvent::Refused => "refused",
        TcpEvent::RstIgnored => "rst-ignored",
    }
}

/// Every value `event.action` takes on packet records.
pub const PACKET_ACTIONS: [&str; 16] = [
    "handshake-1",
    "handshake-2",
    "syn-retry",
    "port-reuse",
    "simultaneous-open",
    "established",
    "close-1",
    "close-1-2",
    "close-2",
    "close-2-3",
    "close-3",
    "close-3-4",
    "close-4",
    "reset",
    "refused",
    "rst-ignored",
];

/// The JSON Lines view; keeps the text of the current second between packets, and recent
/// Community IDs.
#[derive(Debug, Default)]
pub struct JsonView {
    second: SecondCache,
    cid: CidCache,
}

impl JsonView {
    /// A new view.
    pub fn new() -> JsonView {
        JsonView::default()
    }

    /// Writes one packet record.
    pub fn packet<W: Write + ?Sized>(&mut self, w: &mut W, pkt: &Packet<'_>, note: &PacketNote) -> io::Result<()> {
        packet_with(w, pkt, note, &mut self.second, &mut self.cid)
    }
}

/// Writes one packet record (stand-alone; the view reuses its second cache).
pub fn packet<W: Write + ?Sized>(w: &mut W, pkt: &Packet<'_>, note: &PacketNote) -> io::Result<()> {
    packet_with(w, pkt, note, &mut SecondCache::default(), &mut CidCache::default())
}

fn packet_with<W: Write + ?Sized>(
    w: &mut W,
    pkt: &Packet<'_>,
    note: &PacketNote,
    second: &mut SecondCache,
    cid: &mut CidCache,
) -> io::Result<()> {
    let (ts, clamped) = rfc3339_clamp(pkt.ts);
    w.write_all(b"{\"@timestamp\":\"")?;
    second.rfc3339(w, ts, pkt.precision)?;
    head_rest(w, Record::Packet)?;
    if let Some(ev) = note.event {
        w.write_all(b",\"action\":\"")?;
        w.write_all(packet_action(ev).as_bytes())?;
        w.write_all(b"\"")?;
    }
    w.write_all(b"}")?;
    if pkt.interface != 0 {
        num(w, ",\"observer\":{\"ingress\":{\"interface\":{\"id\":\"", pkt.interface)?;
        w.write_all(b"\"}}}")?;
    }
    network(w, pkt, cid)?;
    let (ports, proto) = match &pkt.transport {
        Transport::Tcp(t) => (Some((t.src_port, t.dst_port)), Proto::Tcp),
        Transport::Udp(u) => (Some((u.src_port, u.dst_port)), Proto::Udp),
        _ => (None, Proto::Tcp),
    };
    let addrs = pkt.net.addrs();
    if let Some((s, d)) = addrs {
        endpoints(w, pkt, s, d, ports)?;
    }
    w.write_all(b",\"portlens\":{\"frame\":")?;
    f::uint(w, pkt.frame)?;
    num(w, ",\"caplen\":", pkt.caplen())?;
    num(w, ",\"len\":", pkt.len)?;
    link(w, pkt)?;
    if let (Some((sp, dp)), Some(_)) = (ports, addrs) {
        port_facts(w, sp, dp, proto)?;
    }
    match (&pkt.transport, addrs) {
        (Transport::Tcp(t), Some(_)) => tcp(w, t, note)?,
        (Transport::Udp(u), Some(_)) => udp(w, u)?,
        (Transport::Icmp(i), Some(_)) => icmp(w, i)?,
        (_, None) => {
            if let Net::Arp(a) = &pkt.net {
                write!(w, ",\"arp\":{{\"operation\":{},\"sender_ip\":\"{}\",\"target_ip\":\"{}\",\"sender_mac\":", a.operation, a.sender_ip, a.target_ip)?;
                ecs_mac(w, &a.sender_mac)?;
                w.write_all(b",\"target_mac\":")?;
                ecs_mac(w, &a.target_mac)?;
                w.write_all(b"}")?;
            }
        }
        _ => {}
    }
    ip_detail(w, &pkt.net)?;
    w.write_all(b",\"warnings\":[")?;
    for (i, warn) in pkt.warnings.iter().enumerate() {
        w.write_all(if i > 0 { b",\"" } else { b"\"" })?;
        f::warning(&mut Escaped(&mut *w), warn, pkt)?;
        w.write_all(b"\"")?;
    }
    if clamped {
        if !pkt.warnings.is_empty() {
            w.write_all(b",")?;
        }
        clamp_warning(w, pkt.ts)?;
    }
    w.write_all(b"]}}\n")
}

fn link<W: Write + ?Sized>(w: &mut W, pkt: &Packet<'_>) -> io::Result<()> {
    let kind = match &pkt.link {
        Link::Ethernet { .. } => "ethernet",
        Link::Ieee8023 { .. } => "ieee802_3",
        Link::LinuxSll { version: 2, .. } => "linux_sll2",
        Link::LinuxSll { .. } => "linux_sll",
        Link::Null { .. } => "null",
        Link::Header(h) => h.kind.key(),
        Link::Raw => "raw",
        Link::Unknown => "unknown",
        Link::Truncated => "truncated",
    };
    w.write_all(b",\"link\":{\"type\":\"")?;
    w.write_all(kind.as_bytes())?;
    num(w, "\",\"linktype\":", pkt.linktype.0)?;
    match &pkt.link {
        Link::Ethernet { ether_type, vlans, .. } => {
            num(w, ",\"ether_type\":", *ether_type)?;
            if !vlans.is_empty() {
                w.write_all(b",\"vlan\":[")?;
                for (i, v) in vlans.iter().enumerate() {
                    if i > 0 {
                        w.write_all(b",")?;
                    }
                    f::uint(w, *v)?;
                }
                w.write_all(b"]")?;
            }
        }
        Link::LinuxSll { packet_type, arphrd, protocol, .. } => {
            num(w, ",\"packet_type\":", *packet_type)?;
            num(w, ",\"arphrd\":", *arphrd)?;
            num(w, ",\"ether_type\":", *protocol)?;
        }
        Link::Null { family } => num(w, ",\"family\":", *family)?,
        Link::Header(h) => header_fields(w, h)?,
        _ => {}
    }
    if let Some(h) = &pkt.pseudo {
        w.write_all(b",\"pseudo_header\":{\"type\":\"")?;
        w.write_all(h.kind.key().as_bytes())?;
        w.write_all(b"\"")?;
        header_fields(w, h)?;
        w.write_all(b"}")?;
    }
    w.write_all(b"}")
}

/// A link or capture header's fields as an object named after its kind (`"nflog":{…}`), so
/// that a name means one thing with one JSON type (ARCNET's `src` is a number, FDDI's a MAC);
/// numbers as numbers, MACs in ECS form.
fn header_fields<W: Write + ?Sized>(w: &mut W, h: &LinkHeader) -> io::Result<()> {
    w.write_all(b",\"")?;
    w.write_all(h.kind.key().as_bytes())?;
    w.write_all(b"\":{")?;
    for (i, (name, value)) in h.fields.iter().enumerate() {
        w.write_all(if i > 0 { b",\"" } else { b"\"" })?;
        w.write_all(name.as_bytes())?;
        w.write_all(b"\":")?;
        match value {
            FieldValue::Num(n) | FieldValue::Hex(n) => f::uint(w, *n)?,
            FieldValue::Mac(m) => ecs_mac(w, m)?,
            FieldValue::Gid(g) => ip_str(w, IpAddr::V6(*g))?,
            FieldValue::Text(t) => string(w, t)?,
            FieldValue::Word(t) => string(w, t)?,
        }
    }
    w.write_all(b"}")
}

fn network<W: Write + ?Sized>(w: &mut W, pkt: &Packet<'_>, cid: &mut CidCache) -> io::Result<()> {
    let ty = match pkt.net {
        Net::Ipv4(_) => Some("ipv4"),
        Net::Ipv6(_) => Some("ipv6"),
        Net::Arp(_) => Some("arp"),
        Net::Other { .. } | Net::None => None,
    };
    let transport = match pkt.transport {
        Transport::Tcp(_) => Some("tcp"),
        Transport::Udp(_) => Some("udp"),
        Transport::Icmp(IcmpInfo { v6: false, .. }) => Some("icmp"),
        Transport::Icmp(IcmpInfo { v6: true, .. }) => Some("ipv6-icmp"),
        _ => pkt.net.protocol().and_then(ip_protocol_keyword),
    };
    let proto = pkt.net.protocol();
    let vlan = pkt.link.vlans().first();
    let id = flow_tuple(pkt).and_then(|k| cid.get(k));
    if ty.is_none() && transport.is_none() && proto.is_none() && vlan.is_none() && id.is_none() {
        return Ok(());
    }
    // Each member writes its own leading comma; the object opens with a key that is always
    // there when anything is, or with the first one present.
    w.write_all(b",\"network\":{")?;
    let mut sep: &[u8] = b"";
    if let Some(ty) = ty {
        w.write_all(b"\"type\":\"")?;
        w.write_all(ty.as_bytes())?;
        w.write_all(b"\"")?;
        sep = b",";
    }
    if let Some(t) = transport {
        w.write_all(sep)?;
        w.write_all(b"\"transport\":\"")?;
        w.write_all(t.as_bytes())?;
        w.write_all(b"\"")?;
        sep = b",";
    }
    if let Some(p) = proto {
        w.write_all(sep)?;
        num(w, "\"iana_number\":\"", p)?;
        w.write_all(b"\"")?;
        sep = b",";
    }
    if let Some(v) = vlan {
        w.write_all(sep)?;
        num(w, "\"vlan\":{\"id\":\"", *v)?;
        w.write_all(b"\"}")?;
        sep = b",";
    }
    if let Some(id) = id {
        w.write_all(sep)?;
        w.write_all(b"\"community_id\":\"")?;
        w.write_all(&id)?;
        w.write_all(b"\"")?;
    }
    w.write_all(b"}")
}

/// ECS's `source` and `destination`: address, port, MAC.
fn endpoints<W: Write + ?Sized>(w: &mut W, pkt: &Packet<'_>, s: IpAddr, d: IpAddr, ports: Option<(u16, u16)>) -> io::Result<()> {
    let (smac, dmac) = match &pkt.link {
        Link::Ethernet { src, dst, .. } | Link::Ieee8023 { src, dst, .. } => (Some(src), Some(dst)),
        _ => (None, None),
    };
    for (key, ip, port, mac) in [
        (&b",\"source\":{\"ip\":"[..], s, ports.map(|p| p.0), smac),
        (&b",\"destination\":{\"ip\":"[..], d, ports.map(|p| p.1), dmac),
    ] {
        w.write_all(key)?;
        ip_str(w, ip)?;
        if let Some(port) = port {
            num(w, ",\"port\":", port)?;
        }
        if let Some(m) = mac {
            w.write_all(b",\"mac\":")?;
            ecs_mac(w, m)?;
        }
        w.write_all(b"}")?;
    }
    Ok(())
}

/// `portlens.source` and `portlens.destination`: what the ports are (class, IANA service).
fn port_facts<W: Write + ?Sized>(w: &mut W, sp: u16, dp: u16, proto: Proto) -> io::Result<()> {
    port_fact(w, ",\"source\":{", sp, services::name(proto, sp))?;
    port_fact(w, ",\"destination\":{", dp, services::name(proto, dp))
}

/// Writes `key{"port_class":…,"service":…}` (the service already looked up, or `None`).
pub fn port_fact<W: Write + ?Sized>(w: &mut W, key: &str, port: u16, service: Option<&str>) -> io::Result<()> {
    w.write_all(key.as_bytes())?;
    w.write_all(b"\"port_class\":\"")?;
    w.write_all(PortClass::of(port).as_str().as_bytes())?;
    w.write_all(b"\",\"service\":")?;
    opt_str(w, service)?;
    w.write_all(b"}")
}

fn tcp<W: Write + ?Sized>(w: &mut W, t: &TcpInfo, note: &PacketNote) -> io::Result<()> {
    w.write_all(b",\"tcp\":{\"flags\":")?;
    match t.flags {
        Some(fl) => {
            w.write_all(b"[")?;
            let mut first = true;
            for (bit, name) in tcp_flags::NAMES {
                if fl & bit != 0 {
                    if !first {
                        w.write_all(b",")?;
                    }
                    w.write_all(b"\"")?;
                    w.write_all(name.as_bytes())?;
                    w.write_all(b"\"")?;
                    first = false;
                }
            }
            w.write_all(b"]")?;
        }
        None => w.write_all(b"null")?,
    }
    w.write_all(b",\"flags_raw\":")?;
    opt_uint(w, t.flags)?;
    w.write_all(b",\"seq\":")?;
    opt_uint(w, t.seq)?;
    w.write_all(b",\"ack\":")?;
    opt_uint(w, t.ack)?;
    w.write_all(b",\"window\":")?;
    opt_uint(w, t.window)?;
    w.write_all(b",\"payload_len\":")?;
    f::uint(w, t.payload_len)?;
    w.write_all(b",\"header_len\":")?;
    opt_uint(w, t.header_len)?;
    w.write_all(b",\"rel_seq\":")?;
    opt_uint(w, note.rel_seq)?;
    w.write_all(b",\"rel_ack\":")?;
    opt_uint(w, note.rel_ack.filter(|_| t.has(tcp_flags::ACK)))?;
    // What `event.action` names, measured: the handshake's round trip, the SYN retry's gap.
    match note.event {
        Some(TcpEvent::Established { rtt_nanos: Some(n) }) => num(w, ",\"rtt_ns\":", n)?,
        Some(TcpEvent::SynRetry { n, after_nanos }) => {
            num(w, ",\"syn_retry\":", n)?;
            num(w, ",\"syn_retry_after_ns\":", after_nanos)?;
        }
        _ => {}
    }
    if !note.analysis.is_empty() {
        w.write_all(b",\"analysis\":[")?;
        for (i, name) in note.analysis.names().enumerate() {
            w.write_all(if i > 0 { b",\"" } else { b"\"" })?;
            w.write_all(name.as_bytes())?;
            w.write_all(b"\"")?;
        }
        w.write_all(b"]")?;
        if note.dup_ack > 0 {
            w.write_all(b",\"duplicate_ack_num\":")?;
            f::uint(w, note.dup_ack)?;
        }
    }
    let o = &t.options;
    if !o.list.is_empty() {
        w.write_all(b",\"options\":{")?;
        if let Some(m) = o.mss {
            num(w, "\"mss\":", m)?;
            w.write_all(b",")?;
        }
        if let Some(sc) = o.wscale {
            num(w, "\"wscale\":", sc)?;
            w.write_all(b",")?;
        }
        if o.sack_permitted {
            w.write_all(b"\"sack_permitted\":true,")?;
        }
        if !o.sack.is_empty() {
            w.write_all(b"\"sack\":[")?;
            for (i, (l, r)) in o.sack.iter().enumerate() {
                num(w, if i > 0 { ",[" } else { "[" }, *l)?;
                num(w, ",", *r)?;
                w.write_all(b"]")?;
            }
            w.write_all(b"],")?;
        }
        if let Some((v, e)) = o.timestamps {
            num(w, "\"timestamps\":[", v)?;
            num(w, ",", e)?;
            w.write_all(b"],")?;
        }
        w.write_all(b"\"kinds\":[")?;
        for (i, (k, _)) in o.list.iter().enumerate() {
            num(w, if i > 0 { "," } else { "" }, *k)?;
        }
        w.write_all(b"]}")?;
    }
    w.write_all(b"}")
}

fn udp<W: Write + ?Sized>(w: &mut W, u: &UdpInfo) -> io::Result<()> {
    w.write_all(b",\"udp\":{\"length\":")?;
    opt_uint(w, u.length)?;
    w.write_all(b",\"payload_len\":")?;
    f::uint(w, u.payload_len)?;
    w.write_all(b"}")
}

fn icmp<W: Write + ?Sized>(w: &mut W, i: &IcmpInfo) -> io::Result<()> {
    write!(w, ",\"icmp\":{{\"type\":{},\"code\":{},\"name\":", i.icmp_type, i.code)?;
    opt_str(w, icmp_name(i))?;
    if let Some((id, seq)) = i.echo {
        write!(w, ",\"echo\":{{\"id\":{id},\"seq\":{seq}}}")?;
    }
    if let Some(q) = &i.quoted {
        w.write_all(b",\"about\":{\"iana_number\":")?;
        f::uint(w, q.protocol)?;
        w.write_all(b",\"source\":{\"ip\":")?;
        ip_str(w, q.src)?;
        if let Some((sp, _)) = q.ports {
            write!(w, ",\"port\":{sp}")?;
        }
        w.write_all(b"},\"destination\":{\"ip\":")?;
        ip_str(w, q.dst)?;
        if let Some((_, dp)) = q.ports {
            write!(w, ",\"port\":{dp}")?;
        }
        w.write_all(b"}}")?;
    }
    w.write_all(b"}")
}

fn ip_detail<W: Write + ?Sized>(w: &mut W, net: &Net) -> io::Result<()> {
    let frag = match net {
        Net::Ipv4(ip) => {
            num(w, ",\"ip\":{\"version\":4,\"ttl\":", ip.ttl)?;
            num(w, ",\"id\":", ip.id)?;
            num(w, ",\"header_len\":", ip.header_len)?;
            num(w, ",\"total_len\":", ip.total_len)?;
            w.write_all(if ip.dont_fragment { b",\"dont_fragment\":true" } else { b",\"dont_fragment\":false" })?;
            ip.fragment
        }
        Net::Ipv6(ip) => {
            num(w, ",\"ip\":{\"version\":6,\"hop_limit\":", ip.hop_limit)?;
            num(w, ",\"flow_label\":", ip.flow_label)?;
            num(w, ",\"payload_len\":", ip.payload_len)?;
            w.write_all(b",\"extensions\":[")?;
            for (i, e) in ip.exts.iter().enumerate() {
                num(w, if i > 0 { "," } else { "" }, *e)?;
            }
            w.write_all(b"]")?;
            ip.fragment
        }
        _ => return Ok(()),
    };
    if let Some(fr) = frag {
        num(w, ",\"fragment\":{\"offset\":", fr.offset)?;
        w.write_all(if fr.more { b",\"more\":true" } else { b",\"more\":false" })?;
        num(w, ",\"id\":", fr.id)?;
        w.write_all(b"}")?;
    }
    w.write_all(b"}")
}

/// Writes `prefix` (JSON punctuation and a key) then a number.
#[inline]
fn num<W: Write + ?Sized>(w: &mut W, prefix: &str, n: impl itoa::Integer) -> io::Result<()> {
    w.write_all(prefix.as_bytes())?;
    f::uint(w, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        let mut v = Vec::new();
        string(&mut v, "a\"b\\c\n\u{1}é→").expect("write");
        assert_eq!(String::from_utf8(v).expect("utf8"), "\"a\\\"b\\\\c\\n\\u0001é→\"");
    }

    #[test]
    fn macs_are_ecs_form() {
        let mut v = Vec::new();
        ecs_mac(&mut v, &[0x00, 0x1b, 0xac, 0xff, 0x0a, 0x90]).expect("write");
        assert_eq!(String::from_utf8(v).expect("utf8"), "\"00-1B-AC-FF-0A-90\"");
    }
}
