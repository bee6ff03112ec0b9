//! The default view: one line per packet, as in PRODUCT.md.
//!
//! ```text
//! 18:38:17.686702 TCP 192.168.1.10:52341 → 142.250.185.78:443 (https) [SYN] seq 0 win 64240 len 0 · handshake 1/3
//! 18:38:17.690001 UDP 192.168.1.10:5353 → 224.0.0.251:5353 (mdns) len 27
//! 18:38:17.700000 IPv6 fe80::1 → ff02::16 ICMPv6 multicast listener report v2 (no ports)
//! ```
//! Sockets are `IP:port` (`[IPv6]:port`); the service name follows the port that names the
//! service; sequence numbers are relative to each side's initial sequence number unless `-S`.
//! A packet that did not decode fully still gets a line saying what was there and what was cut.

use std::io::{self, Write};
use std::net::IpAddr;

use super::fmt as f;
use super::hexdump;
use super::time::Clock;
use super::words;
use crate::model::flow::{PacketNote, TcpEvent};
use crate::model::{
    IcmpInfo, Link, Net, Packet, TcpInfo, Transport, UdpInfo, ether_type_name, ip_protocol_name, tcp_flags,
};
use crate::i18n::Tr;
use crate::services::{self, Proto};
use crate::vocab::{HexMode, Language, TsStyle};

/// What the line view prints.
#[derive(Clone, Copy, Debug, Default)]
pub struct LineOptions {
    /// Timestamp style (`-t` …).
    pub ts: TsStyle,
    /// Print nanoseconds where the source has them (`--nano`).
    pub nano: bool,
    /// `-v` count.
    pub verbose: u8,
    /// `-q`.
    pub quiet: bool,
    /// Service names (off with `-nn`).
    pub services: bool,
    /// Absolute sequence numbers (`-S`).
    pub absolute_seq: bool,
    /// Link-layer header (`-e`).
    pub link: bool,
    /// Hex dump.
    pub hex: HexMode,
    /// Frame numbers (`-#`).
    pub number: bool,
    /// Language of the annotations (`--lang`): events, verdicts, ICMP names, warnings.
    pub lang: Language,
}

/// The line view's state (the clock remembers the previous packet for `-ttt`).
pub struct LineView {
    opts: LineOptions,
    clock: Clock,
}

impl LineView {
    /// A line view with these options.
    pub fn new(opts: LineOptions) -> LineView {
        LineView { opts, clock: Clock::new(opts.ts, opts.nano) }
    }

    /// Writes one packet's line (and hex dump).
    pub fn packet<W: Write + ?Sized>(&mut self, w: &mut W, pkt: &Packet<'_>, note: &PacketNote) -> io::Result<()> {
        if self.opts.number {
            f::uint(w, pkt.frame)?;
            w.write_all(b"  ")?;
        }
        self.clock.write(w, pkt.ts, pkt.precision)?;
        if self.opts.link {
            link_part(w, pkt)?;
        }
        body(w, pkt, note, &self.opts)?;
        let tr = Tr(self.opts.lang);
        if let Some(ev) = note.event.filter(|_| !self.opts.quiet) {
            match words::event_static_text(ev) {
                Some(t) if tr.0 != Language::En => {
                    w.write_all(" · ".as_bytes())?;
                    w.write_all(tr.s(t).as_bytes())?;
                }
                None if tr.0 != Language::En => write!(w, " · {}", words::EventIn(ev, tr))?,
                Some(t) => {
                    w.write_all(" · ".as_bytes())?;
                    w.write_all(t.as_bytes())?;
                }
                None => write!(w, " · {}", words::EventText(ev))?,
            }
        }
        // A SYN retry already says it is one; the other verdicts follow the event.
        let syn_retry = matches!(note.event, Some(TcpEvent::SynRetry { .. }));
        if !note.analysis.is_empty() && !self.opts.quiet && !syn_retry {
            let mut t = String::new();
            let _ = words::fmt_analysis_in(&mut t, note.analysis, u32::from(note.dup_ack), tr);
            w.write_all(" · ".as_bytes())?;
            w.write_all(t.as_bytes())?;
        }
        for warn in pkt.warnings.iter().filter(|w| !f::is_quiet(w)) {
            w.write_all(b" [")?;
            f::warning_in(w, warn, pkt, tr)?;
            w.write_all(b"]")?;
        }
        w.write_all(b"\n")?;
        if let HexMode::Hex { link, ascii } = self.opts.hex {
            let from = if link { 0 } else { pkt.net_offset as usize };
            hexdump::dump(w, pkt.data.get(from..).unwrap_or(&[]), ascii)?;
        }
        Ok(())
    }
}

/// `-e`: the link-layer header, then `: `.
fn link_part<W: Write + ?Sized>(w: &mut W, pkt: &Packet<'_>) -> io::Result<()> {
    if let Some(h) = &pkt.pseudo {
        f::link_header(w, h)?;
        w.write_all(" ▸ ".as_bytes())?;
    }
    match &pkt.link {
        Link::Header(h) => f::link_header(w, h)?,
        Link::Ethernet { src, dst, ether_type, vlans } => {
            f::mac(w, src)?;
            w.write_all(" → ".as_bytes())?;
            f::mac(w, dst)?;
            for v in vlans {
                write!(w, ", vlan {v}")?;
            }
            write!(w, ", ethertype {} (0x{ether_type:04x})", ether_type_name(*ether_type).unwrap_or("unknown"))?;
        }
        Link::Ieee8023 { src, dst, length, snap_ether_type } => {
            f::mac(w, src)?;
            w.write_all(" → ".as_bytes())?;
            f::mac(w, dst)?;
            write!(w, ", 802.3 length {length}")?;
            if let Some(t) = snap_ether_type {
                write!(w, ", SNAP ethertype 0x{t:04x}")?;
            }
        }
        Link::LinuxSll { version, packet_type, arphrd, addr, addr_len, protocol, ifindex } => {
            let dir = match packet_type {
                0 => "In",
                1 => "B",
                2 => "M",
                3 => "P",
                4 => "Out",
                _ => "?",
            };
            write!(w, "SLLv{version} {dir} ")?;
            if *version == 2 {
                write!(w, "ifindex {ifindex} ")?;
            }
            let n = usize::from(*addr_len).min(8);
            if n > 0 {
                f::mac(w, addr.get(..n).unwrap_or(&[]))?;
                w.write_all(b" ")?;
            }
            write!(w, "ARPHRD {arphrd}, ethertype {} (0x{protocol:04x})", ether_type_name(*protocol).unwrap_or("unknown"))?;
        }
        Link::Null { family } => write!(w, "loopback family {family}")?,
        Link::Raw => w.write_all(b"raw IP")?,
        Link::Unknown => match pkt.linktype.name() {
            Some(n) => write!(w, "link type {} ({n})", pkt.linktype.0)?,
            None => write!(w, "link type {}", pkt.linktype.0)?,
        },
        Link::Truncated => w.write_all(b"link header cut")?,
    }
    write!(w, ", length {}: ", pkt.len)
}

/// Which port names the service: the destination when it has a name and is the lower port
/// (or the source has none), else the source when it has one.
pub fn service_side(proto: Proto, sp: u16, dp: u16) -> Option<(bool, &'static str)> {
    let dn = services::name(proto, dp);
    let sn = services::name(proto, sp);
    match (sn, dn) {
        (_, Some(d)) if sn.is_none() || dp <= sp => Some((false, d)),
        (Some(s), _) => Some((true, s)),
        _ => None,
    }
}

fn body<W: Write + ?Sized>(w: &mut W, pkt: &Packet<'_>, note: &PacketNote, o: &LineOptions) -> io::Result<()> {
    let addrs = pkt.net.addrs();
    match (&pkt.transport, addrs) {
        (Transport::Tcp(t), Some((s, d))) => {
            w.write_all(b"TCP ")?;
            sockets(w, s, d, t.src_port, t.dst_port, Proto::Tcp, o)?;
            tcp_detail(w, t, note, o)?;
            if o.verbose > 0 {
                ip_verbose(w, &pkt.net)?;
            }
            fragment_note(w, pkt)
        }
        (Transport::Udp(u), Some((s, d))) => {
            w.write_all(b"UDP ")?;
            sockets(w, s, d, u.src_port, u.dst_port, Proto::Udp, o)?;
            udp_detail(w, u)?;
            if o.verbose > 0 {
                ip_verbose(w, &pkt.net)?;
            }
            fragment_note(w, pkt)
        }
        (t, _) => no_ports(w, pkt, t, o),
    }
}

fn sockets<W: Write + ?Sized>(
    w: &mut W,
    s: IpAddr,
    d: IpAddr,
    sp: u16,
    dp: u16,
    proto: Proto,
    o: &LineOptions,
) -> io::Result<()> {
    let svc = if o.services && !o.quiet { service_side(proto, sp, dp) } else { None };
    f::socket(w, s, sp)?;
    if let Some((true, name)) = svc {
        paren(w, name)?;
    }
    w.write_all(" → ".as_bytes())?;
    f::socket(w, d, dp)?;
    if let Some((false, name)) = svc {
        paren(w, name)?;
    }
    Ok(())
}

/// ` (name)`.
#[inline]
fn paren<W: Write + ?Sized>(w: &mut W, name: &str) -> io::Result<()> {
    w.write_all(b" (")?;
    w.write_all(name.as_bytes())?;
    w.write_all(b")")
}

fn tcp_detail<W: Write + ?Sized>(w: &mut W, t: &TcpInfo, note: &PacketNote, o: &LineOptions) -> io::Result<()> {
    if o.quiet {
        w.write_all(b" len ")?;
        return f::uint(w, t.payload_len);
    }
    let Some(fl) = t.flags else {
        // Only the ports were captured.
        return Ok(());
    };
    w.write_all(b" [")?;
    f::flags(w, fl)?;
    w.write_all(b"]")?;
    let rel = !o.absolute_seq;
    let seq = if rel { note.rel_seq.or(t.seq) } else { t.seq };
    let ack = if rel { note.rel_ack.or(t.ack) } else { t.ack };
    if let Some(seq) = seq {
        if t.payload_len > 0 {
            w.write_all(b" seq ")?;
            f::uint(w, seq)?;
            w.write_all(b":")?;
            f::uint(w, seq.wrapping_add(t.payload_len))?;
        } else if fl & (tcp_flags::SYN | tcp_flags::FIN | tcp_flags::RST) != 0 {
            w.write_all(b" seq ")?;
            f::uint(w, seq)?;
        }
    }
    if let Some(ack) = ack.filter(|_| fl & tcp_flags::ACK != 0) {
        w.write_all(b" ack ")?;
        f::uint(w, ack)?;
    }
    if let Some(win) = t.window {
        w.write_all(b" win ")?;
        f::uint(w, win)?;
    }
    if fl & tcp_flags::URG != 0 {
        if let Some(u) = t.urgent {
            w.write_all(b" urg ")?;
            f::uint(w, u)?;
        }
    }
    if o.verbose > 0 && !t.options.list.is_empty() {
        w.write_all(b" options [")?;
        tcp_options(w, t)?;
        w.write_all(b"]")?;
    }
    if t.header_len.is_some_and(|h| h >= 20) {
        w.write_all(b" len ")?;
        f::uint(w, t.payload_len)?;
    }
    Ok(())
}

/// TCP options as tcpdump lists them: `mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7`.
pub fn tcp_options<W: Write + ?Sized>(w: &mut W, t: &TcpInfo) -> io::Result<()> {
    let o = &t.options;
    let mut sack_blocks = o.sack.iter();
    for (i, &(kind, len)) in o.list.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        match kind {
            2 => match o.mss {
                Some(m) => write!(w, "mss {m}")?,
                None => w.write_all(b"mss ?")?,
            },
            3 => match o.wscale {
                Some(s) => write!(w, "wscale {s}")?,
                None => w.write_all(b"wscale ?")?,
            },
            4 => w.write_all(b"sackOK")?,
            5 => {
                let n = usize::from(len.saturating_sub(2)) / 8;
                write!(w, "sack {n}")?;
                for _ in 0..n {
                    if let Some((l, r)) = sack_blocks.next() {
                        write!(w, " {{{l}:{r}}}")?;
                    }
                }
            }
            8 => match o.timestamps {
                Some((v, e)) => write!(w, "TS val {v} ecr {e}")?,
                None => w.write_all(b"TS ?")?,
            },
            0 => w.write_all(b"eol")?,
            1 => w.write_all(b"nop")?,
            k => write!(w, "{}-{k} len {len}", crate::model::TcpOptions::kind_name(k))?,
        }
    }
    if o.cut {
        w.write_all(b",[cut]")?;
    } else if o.malformed {
        w.write_all(b",[bad opt]")?;
    }
    Ok(())
}

fn udp_detail<W: Write + ?Sized>(w: &mut W, u: &UdpInfo) -> io::Result<()> {
    if u.length.is_some() {
        w.write_all(b" len ")?;
        f::uint(w, u.payload_len)?;
    }
    Ok(())
}

fn fragment_note<W: Write + ?Sized>(w: &mut W, pkt: &Packet<'_>) -> io::Result<()> {
    if let Some(fr) = pkt.net.fragment() {
        write!(w, " · IP fragment id 0x{:x} offset 0{}", fr.id, if fr.more { ", more follow" } else { "" })?;
    }
    Ok(())
}

fn ip_prefix<W: Write + ?Sized>(w: &mut W, net: &Net) -> io::Result<bool> {
    match net {
        Net::Ipv4(ip) => {
            w.write_all(b"IPv4 ")?;
            f::ipv4(w, ip.src)?;
            w.write_all(" → ".as_bytes())?;
            f::ipv4(w, ip.dst)?;
            Ok(true)
        }
        Net::Ipv6(ip) => {
            w.write_all(b"IPv6 ")?;
            f::ipv6(w, ip.src)?;
            w.write_all(" → ".as_bytes())?;
            f::ipv6(w, ip.dst)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

fn ip_verbose<W: Write + ?Sized>(w: &mut W, net: &Net) -> io::Result<()> {
    match net {
        Net::Ipv4(ip) => {
            write!(w, " (ttl {}, id {}, len {}", ip.ttl, ip.id, ip.total_len)?;
            if ip.dont_fragment {
                w.write_all(b", DF")?;
            }
            w.write_all(b")")
        }
        Net::Ipv6(ip) => {
            write!(w, " (hlim {}, flow 0x{:05x}, payload {}", ip.hop_limit, ip.flow_label, ip.payload_len)?;
            for e in &ip.exts {
                write!(w, ", {}", ip_protocol_name(*e).unwrap_or("ext"))?;
            }
            w.write_all(b")")
        }
        _ => Ok(()),
    }
}

fn no_ports<W: Write + ?Sized>(w: &mut W, pkt: &Packet<'_>, t: &Transport, o: &LineOptions) -> io::Result<()> {
    let tr = Tr(o.lang);
    let np = tr.s(" (no ports)");
    let is_ip = ip_prefix(w, &pkt.net)?;
    if is_ip {
        let proto = pkt.net.protocol().unwrap_or(0);
        match t {
            Transport::Icmp(i) => icmp(w, i, o)?,
            Transport::Fragment { protocol } => {
                let fr = pkt.net.fragment();
                write!(
                    w,
                    " {} fragment id 0x{:x} offset {}{}{}",
                    ip_protocol_name(*protocol).unwrap_or("IP"),
                    fr.map(|f| f.id).unwrap_or(0),
                    fr.map(|f| f.offset).unwrap_or(0),
                    if fr.is_some_and(|f| f.more) { tr.s(", more follow") } else { "" },
                    tr.s(" (no ports: they are in the first fragment)"),
                )?;
            }
            Transport::Other { protocol } => {
                match ip_protocol_name(*protocol) {
                    Some(n) => write!(w, " {n}")?,
                    None => write!(w, " protocol {protocol}")?,
                }
                w.write_all(np.as_bytes())?;
            }
            Transport::None => match ip_protocol_name(proto) {
                Some(n) if pkt.truncation().is_some() => write!(w, " {n}")?,
                Some(n) => write!(w, " {n}{np}")?,
                None => write!(w, " protocol {proto}{np}")?,
            },
            Transport::Tcp(_) | Transport::Udp(_) => {}
        }
        if o.verbose > 0 {
            ip_verbose(w, &pkt.net)?;
        }
        return Ok(());
    }
    match &pkt.net {
        Net::Arp(a) => match a.operation {
            1 => write!(w, "ARP who-has {} tell {}{np}", a.target_ip, a.sender_ip),
            2 => {
                write!(w, "ARP reply {} is-at ", a.sender_ip)?;
                f::mac(w, &a.sender_mac)?;
                w.write_all(np.as_bytes())
            }
            op => write!(w, "ARP operation {op}{np}"),
        },
        Net::Other { ether_type } => match (&pkt.link, ether_type) {
            (Link::Ieee8023 { length, .. }, 0) => write!(w, "802.3 LLC length {length}{np}"),
            (_, 0x0800) => write!(w, "IPv4 {}{np}", tr.s("(undecodable header)")),
            (_, 0x86dd) => write!(w, "IPv6 {}{np}", tr.s("(undecodable header)")),
            (_, 0) => write!(w, "{}{np}", tr.f("{n} bytes", &[("n", &pkt.len)])),
            (_, t) => match ether_type_name(*t) {
                Some(n) => write!(w, "{n} (ethertype 0x{t:04x}){np}"),
                None => write!(w, "ethertype 0x{t:04x}{np}"),
            },
        },
        _ => match &pkt.link {
            Link::Unknown => write!(
                w,
                "link type {}{} {}{np}",
                pkt.linktype.0,
                pkt.linktype.name().map(|n| format!(" ({n})")).unwrap_or_default(),
                tr.f("{n} bytes, not decoded", &[("n", &pkt.caplen())])
            ),
            _ if pkt.truncation().is_some() => w.write_all(tr.f("{n} bytes", &[("n", &pkt.caplen())]).as_bytes()),
            _ => write!(w, "{}{np}", tr.f("{n} bytes", &[("n", &pkt.caplen())])),
        },
    }
}

/// ICMP type names (RFC 792, RFC 1812 §5.2.7.1 for unreachable codes 9–15 / RFC 4443).
pub fn icmp_name(i: &IcmpInfo) -> Option<&'static str> {
    Some(match (i.v6, i.icmp_type, i.code) {
        (false, 0, _) => "echo reply",
        (false, 8, _) => "echo request",
        (false, 3, 0) => "net unreachable",
        (false, 3, 1) => "host unreachable",
        (false, 3, 2) => "protocol unreachable",
        (false, 3, 3) => "port unreachable",
        (false, 3, 4) => "fragmentation needed",
        (false, 3, 5) => "source route failed",
        (false, 3, 6) => "destination network unknown",
        (false, 3, 7) => "destination host unknown",
        (false, 3, 8) => "source host isolated",
        (false, 3, 9) => "network administratively prohibited",
        (false, 3, 10) => "host administratively prohibited",
        (false, 3, 11) => "network unreachable for TOS",
        (false, 3, 12) => "host unreachable for TOS",
        (false, 3, 13) => "communication administratively prohibited",
        (false, 3, 14) => "host precedence violation",
        (false, 3, 15) => "precedence cutoff in effect",
        (false, 3, _) => "destination unreachable",
        (false, 4, _) => "source quench",
        (false, 5, _) => "redirect",
        (false, 9, _) => "router advertisement",
        (false, 10, _) => "router solicitation",
        (false, 11, 0) => "time exceeded in transit",
        (false, 11, _) => "fragment reassembly time exceeded",
        (false, 12, _) => "parameter problem",
        (false, 13, _) => "timestamp request",
        (false, 14, _) => "timestamp reply",
        (true, 1, 4) => "port unreachable",
        (true, 1, 0) => "no route to destination",
        (true, 1, 1) => "administratively prohibited",
        (true, 1, 2) => "beyond scope of source address",
        (true, 1, 5) => "source address failed ingress/egress policy",
        (true, 1, 6) => "reject route to destination",
        (true, 1, 3) => "address unreachable",
        (true, 1, _) => "destination unreachable",
        (true, 2, _) => "packet too big",
        (true, 3, _) => "time exceeded",
        (true, 4, _) => "parameter problem",
        (true, 128, _) => "echo request",
        (true, 129, _) => "echo reply",
        (true, 130, _) => "multicast listener query",
        (true, 131, _) => "multicast listener report",
        (true, 132, _) => "multicast listener done",
        (true, 133, _) => "router solicitation",
        (true, 134, _) => "router advertisement",
        (true, 135, _) => "neighbor solicitation",
        (true, 136, _) => "neighbor advertisement",
        (true, 137, _) => "redirect",
        (true, 143, _) => "multicast listener report v2",
        _ => return None,
    })
}

fn icmp<W: Write + ?Sized>(w: &mut W, i: &IcmpInfo, o: &LineOptions) -> io::Result<()> {
    let tr = Tr(o.lang);
    w.write_all(if i.v6 { b" ICMPv6" } else { b" ICMP" })?;
    match icmp_name(i) {
        Some(n) => write!(w, " {}", tr.s(n))?,
        None => write!(w, " type {} code {}", i.icmp_type, i.code)?,
    }
    if let Some((id, seq)) = i.echo {
        write!(w, " id {id} seq {seq}")?;
    }
    w.write_all(tr.s(" (no ports)").as_bytes())?;
    if let Some(q) = &i.quoted {
        w.write_all(tr.s(" · about ").as_bytes())?;
        match (q.ports, q.protocol) {
            (Some((sp, dp)), p @ (6 | 17)) => {
                w.write_all(if p == 6 { b"TCP " } else { b"UDP " })?;
                let proto = if p == 6 { Proto::Tcp } else { Proto::Udp };
                sockets(w, q.src, q.dst, sp, dp, proto, o)?;
            }
            (_, p) => {
                write!(w, "{} ", ip_protocol_name(p).unwrap_or("IP"))?;
                f::ip(w, q.src)?;
                w.write_all(" → ".as_bytes())?;
                f::ip(w, q.dst)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
mod icmp_tests {
    #[test]
    fn every_icmp_name_and_layer_has_korean() {
        for v6 in [false, true] {
            for t in 0..=255u8 {
                for c in 0..=16u8 {
                    if let Some(n) = icmp_name(&IcmpInfo { v6, icmp_type: t, code: c, echo: None, quoted: None }) {
                        assert!(crate::i18n::korean(n).is_some(), "{n}");
                    }
                }
            }
        }
        use crate::model::Layer;
        for l in [
            Layer::Link,
            Layer::Vlan,
            Layer::Ipv4,
            Layer::Ipv6,
            Layer::Ipv6Ext,
            Layer::Arp,
            Layer::Tcp,
            Layer::Udp,
            Layer::Icmp,
            Layer::Icmpv6,
        ] {
            assert!(crate::i18n::korean(l.name()).is_some(), "{}", l.name());
        }
    }

    use super::*;

    fn name(v6: bool, icmp_type: u8, code: u8) -> Option<&'static str> {
        icmp_name(&IcmpInfo { v6, icmp_type, code, echo: None, quoted: None })
    }

    #[test]
    fn administratively_prohibited_codes_are_named() {
        // RFC 1812 §5.2.7.1; code 10 is what iptables REJECT --reject-with icmp-host-prohibited sends.
        assert_eq!(name(false, 3, 9), Some("network administratively prohibited"));
        assert_eq!(name(false, 3, 10), Some("host administratively prohibited"));
        assert_eq!(name(false, 3, 13), Some("communication administratively prohibited"));
        assert_eq!(name(true, 1, 1), Some("administratively prohibited"));
        assert_eq!(name(false, 3, 3), Some("port unreachable"));
    }
}
