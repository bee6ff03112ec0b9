//! `--flows`: the connection table printed at the end of the input (or on Ctrl-C), and its JSON
//! Lines form (`{"type":"flow"}` per connection, then detections and a summary record).
//!
//! The table names each outcome in words, with the errno a program would have seen, then
//! explains every kind of outcome that occurs (once), lists the detections (scans, port reuse,
//! simultaneous opens, SYN retransmissions) and says what the bounded tracker had to drop.
//!
//! ```text
//! PROTO  CLIENT           SERVER          SERVICE  OUTCOME                 PACKETS  BYTES   RTT   DURATION
//! TCP    127.0.0.1:40103  127.0.0.1:8083  us-srv   refused (ECONNREFUSED)        2  128 B   -     12µs
//! ```
//! Widths are measured in a first pass over the records and the cells are formatted again in the
//! second, so a table of 100,000 connections never holds 900,000 strings at once.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::IpAddr;

use super::fmt as f;
use super::json::{self, Record, string as json_string};
use super::line::icmp_name;
use super::words::{bytes_string, fmt_bytes, fmt_duration};
use crate::model::community_id::{Ports, community_id};
use crate::model::flow::{
    Analysis, AnalysisCounts, Detection, FlowEnd, FlowOutcome, FlowProto, FlowRecord, FlowReport, Side, TcpOutcome,
    TcpState, UdpOutcome, ZeekState,
};
use crate::i18n::Tr;
use crate::model::{IcmpInfo, Timestamp, TsPrecision};
use crate::services::{self, Proto};
use crate::vocab::Language;

/// What the table shows.
#[derive(Clone, Copy, Debug)]
pub struct FlowsOptions {
    /// Service names (off with `-nn`).
    pub services: bool,
    /// Language of the text report (`--lang`); the JSON records stay English.
    pub lang: Language,
}

impl Default for FlowsOptions {
    fn default() -> Self {
        FlowsOptions { services: true, lang: Language::En }
    }
}

const HEAD: [&str; 9] = ["PROTO", "CLIENT", "SERVER", "SERVICE", "OUTCOME", "PACKETS", "BYTES", "RTT", "DURATION"];
/// The column headings in Korean (in the order of [`HEAD`]).
const HEAD_KO: [&str; 9] = ["프로토콜", "클라이언트", "서버", "서비스", "결과", "패킷", "바이트", "RTT", "지속 시간"];
/// Right-aligned columns.
const RIGHT: [bool; 9] = [false, false, false, false, false, true, true, true, true];
/// Most detections of one kind listed in the text report.
const LIST_CAP: usize = 20;

fn proto(p: FlowProto) -> Proto {
    match p {
        FlowProto::Tcp => Proto::Tcp,
        FlowProto::Udp => Proto::Udp,
    }
}

fn icmp_words(v6: bool, icmp_type: u8, code: u8, tr: Tr) -> String {
    let info = IcmpInfo { v6, icmp_type, code, echo: None, quoted: None };
    match icmp_name(&info) {
        Some(n) => format!("ICMP{} {}", if v6 { "v6" } else { "" }, tr.s(n)),
        None => format!("ICMP{} type {icmp_type} code {code}", if v6 { "v6" } else { "" }),
    }
}

/// The outcome cell: a few words and the errno.
pub fn outcome_cell(r: &FlowRecord) -> String {
    let mut s = String::new();
    outcome_into(&mut s, r, Tr(Language::En));
    s
}

fn push_uint(s: &mut String, n: impl itoa::Integer) {
    s.push_str(itoa::Buffer::new().format(n));
}

/// Appends `IP:port` (`[IPv6]:port`), written by the line view's socket writer into a stack
/// buffer: no `fmt` machinery (tables of 100,000 rows are formatted twice).
fn push_socket(s: &mut String, ip: IpAddr, port: u16) {
    // The longest socket: `[` + 45 bytes of IPv6 with an embedded IPv4 address + `]:65535`.
    const MAX: usize = 56;
    let mut buf = [0u8; MAX];
    let mut rest: &mut [u8] = &mut buf;
    let written = f::socket(&mut rest, ip, port).is_ok();
    let n = MAX - rest.len();
    match buf.get(..n).and_then(|t| std::str::from_utf8(t).ok()).filter(|_| written) {
        Some(t) => s.push_str(t),
        None => s.push_str(&f::socket_string(ip, port)),
    }
}

/// Appends the outcome cell to `s`, in the language of `tr`.
fn outcome_into(s: &mut String, r: &FlowRecord, tr: Tr) {
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    match r.outcome {
        FlowOutcome::Tcp(o) => match o {
            TcpOutcome::Closed { simultaneous: true, .. } => s.push_str(tr.s("closed (simultaneous)")),
            TcpOutcome::Closed { first_fin: Side::Client, .. } => s.push_str(tr.s("closed (client first)")),
            TcpOutcome::Closed { first_fin: Side::Server, .. } => s.push_str(tr.s("closed (server first)")),
            TcpOutcome::Closing { first_fin } => {
                s.push_str(&tr.f("closing ({side} sent FIN)", &[("side", &tr.side(first_fin == Side::Client))]));
            }
            TcpOutcome::Reset { by: Side::Client } => s.push_str(tr.s("reset by client (ECONNRESET)")),
            TcpOutcome::Reset { by: Side::Server } => s.push_str(tr.s("reset by server (ECONNRESET)")),
            TcpOutcome::Refused => s.push_str(tr.s("refused (ECONNREFUSED)")),
            TcpOutcome::NoAnswer { syns } => {
                s.push_str(&tr.f(
                    "no answer, {n} SYN{s} (ETIMEDOUT)",
                    &[("n", &syns), ("s", &plural(u64::from(syns)))],
                ));
            }
            TcpOutcome::Unreachable { v6, icmp_type, code } => {
                s.push_str(&tr.f(
                    "unreachable, {icmp} ({errno})",
                    &[("icmp", &icmp_words(v6, icmp_type, code, tr)), ("errno", &o.errno().unwrap_or("-"))],
                ));
            }
            TcpOutcome::HalfOpen if r.states.is_some_and(|(c, _)| c == TcpState::Established) => {
                s.push_str(tr.s("half-open (final ACK lost)"))
            }
            TcpOutcome::HalfOpen => s.push_str(tr.s("half-open (no final ACK)")),
            TcpOutcome::LoneReset { by } => {
                s.push_str(&tr.f("reset by {by} (no handshake seen)", &[("by", &tr.side(by == Side::Client))]));
            }
            TcpOutcome::OneSided { seen } => {
                s.push_str(&tr.f("one-sided ({seen}'s packets only)", &[("seen", &tr.side(seen == Side::Client))]));
            }
            TcpOutcome::Established => s.push_str(tr.s("established")),
            TcpOutcome::MidStream => s.push_str(tr.s("mid-stream")),
        },
        FlowOutcome::Udp(o) => match o {
            UdpOutcome::Answered => {
                s.push_str(&tr.f(
                    "answered ({n} pair{s})",
                    &[("n", &r.udp_pairs), ("s", &plural(r.udp_pairs))],
                ));
            }
            UdpOutcome::NoReply => s.push_str(tr.s("no reply")),
            UdpOutcome::OneWay => s.push_str(tr.s("one-way (multicast)")),
            UdpOutcome::PortUnreachable if r.icmp_errors > 1 => {
                s.push_str(&tr.f("port unreachable ×{n} (ECONNREFUSED)", &[("n", &r.icmp_errors)]));
            }
            UdpOutcome::PortUnreachable => s.push_str(tr.s("port unreachable (ECONNREFUSED)")),
            UdpOutcome::Unreachable { v6, icmp_type, code } => {
                s.push_str(&tr.f(
                    "unreachable, {icmp} ({errno})",
                    &[("icmp", &icmp_words(v6, icmp_type, code, tr)), ("errno", &o.errno().unwrap_or("-"))],
                ));
            }
        },
    }
    if r.mid_stream
        && !matches!(
            r.outcome,
            FlowOutcome::Tcp(TcpOutcome::MidStream | TcpOutcome::LoneReset { .. } | TcpOutcome::OneSided { .. })
        )
    {
        s.push_str(tr.s(", mid-stream"));
    }
    if r.port_reuse {
        s.push_str(tr.s(", reused port"));
    }
    match r.end {
        FlowEnd::Evicted => s.push_str(tr.s(" [evicted]")),
        FlowEnd::IdleTimeout => s.push_str(tr.s(" [idle]")),
        _ => {}
    }
}

/// A key for the explanation of an outcome kind, and the explanation.
fn legend(r: &FlowRecord, tr: Tr) -> (&'static str, &'static str) {
    match r.outcome {
        FlowOutcome::Tcp(o) => match o {
            TcpOutcome::Closed { simultaneous: true, .. } => (
                tr.s("closed (simultaneous)"),
                tr.s("both sides sent FIN at the same time (their FINs crossed), so both hold TIME_WAIT for 60 s (RFC 9293 §3.6: each goes FIN_WAIT_1 → CLOSING → TIME_WAIT)."),
            ),
            TcpOutcome::Closed { first_fin: Side::Client, .. } => (
                tr.s("closed (client first)"),
                tr.s("the client sent the first FIN, so the client holds TIME_WAIT for 60 s (fixed in Linux: TCP_TIMEWAIT_LEN; RFC 9293 says 2×MSL) and cannot reuse that exact 4-tuple meanwhile; harmless for a client, which picks a new ephemeral port."),
            ),
            TcpOutcome::Closed { first_fin: Side::Server, .. } => (
                tr.s("closed (server first)"),
                tr.s("the server sent the first FIN, so the server holds TIME_WAIT for 60 s. Many such sockets on a server's port are why a restarted server can fail to bind with \"Address already in use\" (EADDRINUSE) unless it sets SO_REUSEADDR."),
            ),
            TcpOutcome::Closing { .. } => (
                tr.s("closing"),
                tr.s("one side sent FIN (it has nothing more to send); the close had not finished when the capture ended."),
            ),
            TcpOutcome::Reset { by: Side::Client } => (
                tr.s("reset by client"),
                tr.s("the client tore the connection down with RST: the server's program gets ECONNRESET (\"Connection reset by peer\") on its next read or write. Common causes: a program closing with unread data, a crash, or a firewall or load balancer cutting the connection."),
            ),
            TcpOutcome::Reset { by: Side::Server } => (
                tr.s("reset by server"),
                tr.s("the server tore the connection down with RST: the client's program gets ECONNRESET (\"Connection reset by peer\") on its next read or write. Common causes: a program closing with unread data, a crash, or a firewall or load balancer cutting the connection."),
            ),
            TcpOutcome::Refused => (
                tr.s("refused"),
                tr.s("the SYN was answered by RST: nothing listens on that port (or a firewall rejects with RST); connect() fails at once with ECONNREFUSED (\"Connection refused\")."),
            ),
            TcpOutcome::NoAnswer { .. } => (
                tr.s("no answer"),
                tr.s("the SYN was retried and nothing came back: connect() fails with ETIMEDOUT (\"Connection timed out\"). Current Linux (6.5 and later, net.ipv4.tcp_syn_linear_timeouts = 4) resends the SYN every second at first, five times, then doubles the wait (2 s, 4 s, 8 s …), and gives up after about two minutes with the default 6 retries; older kernels double from the start (1 s, 2 s, 4 s …). The host is down or, more often, a firewall drops the packets (filtered)."),
            ),
            TcpOutcome::Unreachable { .. } => (
                tr.s("unreachable"),
                tr.s("an ICMP error answered the SYN: a router or firewall says the host, network or port cannot be reached; connect() fails with the errno shown (EHOSTUNREACH \"No route to host\", ENETUNREACH, or ECONNREFUSED for port unreachable)."),
            ),
            TcpOutcome::HalfOpen if r.states.is_some_and(|(c, _)| c == TcpState::Established) => (
                tr.s("half-open (final ACK lost)"),
                tr.s("the client acknowledged the SYN,ACK, so it is ESTABLISHED, but the server sent its SYN,ACK again: the final ACK never reached it, and the server is still in SYN_RCVD (it retries the SYN,ACK, net.ipv4.tcp_synack_retries = 5 times, then drops the attempt; the client learns of it only when it sends and gets a RST)."),
            ),
            TcpOutcome::HalfOpen => (
                tr.s("half-open"),
                tr.s("the server answered SYN,ACK but the client's final ACK never came (a SYN flood, a client that gave up, or a capture that missed it)."),
            ),
            TcpOutcome::LoneReset { .. } => (
                tr.s("reset (no handshake seen)"),
                tr.s("only a RST was captured, with no handshake and no data: it may have refused a SYN the capture missed (the client's connect() then failed with ECONNREFUSED) or ended a connection whose start was not captured (ECONNRESET); the capture cannot tell which."),
            ),
            TcpOutcome::OneSided { .. } => (
                tr.s("one-sided"),
                tr.s("only one direction of the connection was captured, yet that side acknowledged packets from the other, so the other side did answer: the capture point sees one way only (an asymmetric route, a tap or SPAN port on one direction). Nothing can be said about failures."),
            ),
            TcpOutcome::Established => {
                ("established", tr.s("the handshake completed and the connection was still open when the capture ended."))
            }
            TcpOutcome::MidStream => (
                tr.s("mid-stream"),
                tr.s("the capture started after the handshake: which side is the client was decided by the ports (ephemeral vs. fixed, else the lower port is the server), not by the SYN."),
            ),
        },
        FlowOutcome::Udp(o) => match o {
            UdpOutcome::Answered => (
                tr.s("answered"),
                tr.s("UDP request/response: datagrams from the client were answered by the server (pairs = client datagrams followed by a server reply)."),
            ),
            UdpOutcome::NoReply => (
                tr.s("no reply"),
                tr.s("nothing came back. UDP has no handshake: without a reply or an ICMP error the sender cannot tell a silent service from a lost datagram; a program waiting for the reply times out."),
            ),
            UdpOutcome::OneWay => {
                ("one-way", tr.s("sent to a multicast or broadcast address, where no reply on the same 4-tuple is expected."))
            }
            UdpOutcome::PortUnreachable => (
                tr.s("port unreachable"),
                tr.s("an ICMP port unreachable answered the datagram: nothing listens on that UDP port. A connected UDP socket gets ECONNREFUSED on its next send or receive; an unconnected one never hears of it."),
            ),
            UdpOutcome::Unreachable { .. } => (
                tr.s("unreachable (UDP)"),
                tr.s("an ICMP error (host, network or administratively prohibited) answered the datagram; a connected socket gets the errno shown."),
            ),
        },
    }
}

/// Appends the nine cells of one row to `text`, each followed by its end offset in `ends`.
fn cells(r: &FlowRecord, o: &FlowsOptions, text: &mut String, ends: &mut Vec<u32>) {
    let mut end = |text: &String| ends.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
    text.push_str(r.proto.upper());
    end(text);
    push_socket(text, r.client.0, r.client.1);
    end(text);
    push_socket(text, r.server.0, r.server.1);
    end(text);
    let name = if o.services { services::name(proto(r.proto), r.server.1) } else { None };
    text.push_str(name.unwrap_or("-"));
    end(text);
    outcome_into(text, r, Tr(o.lang));
    end(text);
    push_uint(text, r.total_packets());
    end(text);
    let _ = fmt_bytes(text, r.total_bytes());
    end(text);
    match r.rtt_nanos {
        Some(n) => {
            let _ = fmt_duration(text, n);
        }
        None => text.push('-'),
    }
    end(text);
    let _ = fmt_duration(text, r.duration_nanos());
    end(text);
}

/// Display columns (Hangul takes two).
fn width(s: &str) -> usize {
    if s.is_ascii() { s.len() } else { crate::i18n::width(s) }
}

const SPACES: &[u8; 64] = b"                                                                ";

fn spaces<W: Write + ?Sized>(w: &mut W, mut n: usize) -> io::Result<()> {
    while n > 0 {
        let k = n.min(SPACES.len());
        w.write_all(SPACES.get(..k).unwrap_or(&[]))?;
        n -= k;
    }
    Ok(())
}

fn pad<W: Write + ?Sized>(w: &mut W, s: &str, wd: usize, right: bool, last: bool) -> io::Result<()> {
    let fill = wd.saturating_sub(width(s));
    if right {
        spaces(w, fill)?;
        w.write_all(s.as_bytes())
    } else if last {
        w.write_all(s.as_bytes())
    } else {
        w.write_all(s.as_bytes())?;
        spaces(w, fill)
    }
}

fn plural(n: impl Into<u64>) -> &'static str {
    let n: u64 = n.into();
    if n == 1 { "" } else { "s" }
}

fn sock(e: (IpAddr, u16)) -> String {
    f::socket_string(e.0, e.1)
}

fn gaps(g: &[u32]) -> String {
    let mut s = String::new();
    for (i, us) in g.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = fmt_duration(&mut s, u64::from(*us) * 1_000);
    }
    s
}

/// Writes the text report: table, explanations, detections, tracker bookkeeping.
pub fn write_text<W: Write + ?Sized>(w: &mut W, rep: &FlowReport, o: &FlowsOptions) -> io::Result<()> {
    let tcp = rep.flows.iter().filter(|r| r.proto == FlowProto::Tcp).count();
    let udp = rep.flows.len() - tcp;
    let tr = Tr(o.lang);
    writeln!(w, "{}", tr.f("Connections: {tcp} TCP, {udp} UDP", &[("tcp", &tcp), ("udp", &udp)]))?;
    let head = if o.lang == Language::Ko { HEAD_KO } else { HEAD };
    if rep.flows.is_empty() {
        writeln!(w, "  {}", tr.s("(no TCP or UDP traffic)"))?;
    } else {
        // Every cell is formatted once, into one string; the column widths come from it and
        // the rows are then printed from it.
        let mut text = String::with_capacity(rep.flows.len() * 100);
        let mut ends: Vec<u32> = Vec::with_capacity(rep.flows.len() * 9);
        for r in &rep.flows {
            cells(r, o, &mut text, &mut ends);
        }
        let mut widths = head.map(width);
        let mut start = 0;
        for row in ends.chunks_exact(9) {
            for (wd, &end) in widths.iter_mut().zip(row) {
                let end = end as usize;
                *wd = (*wd).max(width(text.get(start..end).unwrap_or("")));
                start = end;
            }
        }
        for (i, ((h, wd), right)) in head.iter().zip(widths).zip(RIGHT).enumerate() {
            if i > 0 {
                w.write_all(b"  ")?;
            }
            pad(w, h, wd, right, i == 8)?;
        }
        w.write_all(b"\n")?;
        let mut start = 0;
        for row in ends.chunks_exact(9) {
            for (i, ((&end, wd), right)) in row.iter().zip(widths).zip(RIGHT).enumerate() {
                let end = end as usize;
                if i > 0 {
                    w.write_all(b"  ")?;
                }
                pad(w, text.get(start..end).unwrap_or(""), wd, right, i == 8)?;
                start = end;
            }
            w.write_all(b"\n")?;
        }
    }
    let om = &rep.omitted;
    if om.flows > 0 {
        let t = tr.f(
            "… and {n} more flows not listed ({packets} packets, {bytes}):",
            &[("n", &om.flows), ("packets", &om.packets), ("bytes", &bytes_string(om.bytes))],
        );
        w.write_all(t.as_bytes())?;
        for (word, n) in &om.by_outcome {
            write!(w, " {n} {},", tr.s(word))?;
        }
        writeln!(w, "{}", tr.f(" (the list keeps the first {n} flows)", &[("n", &rep.flows.len())]))?;
    }

    // What the outcomes mean, each kind once.
    let mut seen: Vec<&'static str> = Vec::new();
    let mut lines: Vec<(&'static str, &'static str)> = Vec::new();
    for r in &rep.flows {
        let (k, text) = legend(r, tr);
        if !seen.contains(&k) {
            seen.push(k);
            lines.push((k, text));
        }
    }
    if !lines.is_empty() {
        writeln!(w, "\n{}", tr.s("What the outcomes mean:"))?;
        for (k, text) in lines {
            writeln!(w, "  {k}: {text}")?;
        }
        if rep.flows.iter().any(|r| r.end == FlowEnd::Evicted) {
            let t = tr.f(
                "  [evicted]: the table was full (--max-flows {n}); the outcome is as it stood then.",
                &[("n", &rep.counters.max_flows)],
            );
            writeln!(w, "{t}")?;
        }
        if rep.flows.iter().any(|r| r.end == FlowEnd::IdleTimeout) {
            let t = tr.f(
                "  [idle]: no packet for --flow-timeout {n} s; the outcome is as it stood then.",
                &[("n", &rep.counters.idle_timeout_secs)],
            );
            writeln!(w, "{t}")?;
        }
    }

    analysis_section(w, rep, tr)?;

    if !rep.detections.is_empty() {
        writeln!(w, "\n{}", tr.s("Detected:"))?;
        let mut per_kind: Vec<(&str, usize)> = Vec::new();
        for d in &rep.detections {
            let n = match per_kind.iter_mut().find(|(k, _)| *k == d.kind()) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    per_kind.push((d.kind(), 1));
                    1
                }
            };
            if n <= LIST_CAP {
                detection_text(w, d, tr)?;
            }
        }
        for (kind, n) in per_kind {
            if n > LIST_CAP {
                let t = tr.f(
                    "  … {n} more {kind} detections (see --json)",
                    &[("n", &(n - LIST_CAP)), ("kind", &kind_words(kind, tr))],
                );
                writeln!(w, "{t}")?;
            }
        }
        if rep.detections_omitted > 0 {
            writeln!(w, "{}", tr.f("  … {n} more detections not kept", &[("n", &rep.detections_omitted)]))?;
        }
    }

    let c = &rep.counters;
    let mut t = tr.f(
        "\nTracked {tcp} TCP connection{ts} and {udp} UDP conversation{us}; at most {peak} open at once (cap --max-flows {cap}).",
        &[
            ("tcp", &c.tcp_connections),
            ("ts", &plural(c.tcp_connections)),
            ("udp", &c.udp_flows),
            ("us", &plural(c.udp_flows)),
            ("peak", &c.peak_flows),
            ("cap", &c.max_flows),
        ],
    );
    if c.evicted > 0 {
        t.push_str(&tr.f(
            " {n} evicted because the table was full ({open} of them still open).",
            &[("n", &c.evicted), ("open", &c.evicted_open)],
        ));
    }
    if c.expired > 0 {
        t.push_str(&tr.f(
            " {n} forgotten after --flow-timeout {secs} s without packets.",
            &[("n", &c.expired), ("secs", &c.idle_timeout_secs)],
        ));
    }
    if c.untracked > 0 {
        t.push_str(&tr.f(
            " {n} packets could not be tracked (TCP header cut before the flags).",
            &[("n", &c.untracked)],
        ));
    }
    if c.tombs_dropped > 0 {
        t.push_str(&tr.f(
            " {n} finished connections were forgotten before their TIME_WAIT ended (at most {cap} are remembered): port reuse on those 4-tuples may have gone unnoticed.",
            &[("n", &c.tombs_dropped), ("cap", &c.max_flows)],
        ));
    }
    if c.scan_pairs_dropped > 0 {
        t.push_str(&tr.f(
            " The scan detector stopped following {n} source/target pairs (its own cap).",
            &[("n", &c.scan_pairs_dropped)],
        ));
    }
    writeln!(w, "{t}")
}

/// The connection table followed by, for each TCP connection, Zeek's `conn_state` and
/// `history`, the RTT samples and the Community ID, with what the codes and letters mean
/// (`--flows -v`).
pub fn write_text_detailed<W: Write + ?Sized>(w: &mut W, rep: &FlowReport, o: &FlowsOptions) -> io::Result<()> {
    write_text(w, rep, o)?;
    zeek_section(w, rep, Tr(o.lang))
}

/// What Zeek's `conn_state` codes mean.
pub const fn zeek_state_words(z: ZeekState) -> &'static str {
    match z {
        ZeekState::S0 => "connection attempt seen, no reply",
        ZeekState::S1 => "established, not terminated",
        ZeekState::SF => "normal establishment and termination",
        ZeekState::Rej => "connection attempt rejected",
        ZeekState::S2 => "established, the originator (client) closed; no reply from the responder",
        ZeekState::S3 => "established, the responder (server) closed; no reply from the originator",
        ZeekState::Rsto => "established, the originator (client) aborted with a RST",
        ZeekState::Rstr => "established, the responder (server) sent a RST",
        ZeekState::Rstos0 => "the originator sent a SYN then a RST; no SYN,ACK seen",
        ZeekState::Rstrh => "the responder sent a SYN,ACK then a RST; no SYN from the originator seen",
        ZeekState::Sh => "the originator sent a SYN then a FIN; no SYN,ACK seen (half open)",
        ZeekState::Shr => "the responder sent a SYN,ACK then a FIN; no SYN from the originator seen",
        ZeekState::Oth => "no SYN seen, only mid-stream traffic",
    }
}

/// What one history letter means (upper case: the client, Zeek's originator).
fn history_letter_words(c: u8) -> &'static str {
    match c.to_ascii_uppercase() {
        b'S' => "SYN",
        b'H' => "SYN,ACK",
        b'A' => "pure ACK",
        b'D' => "data",
        b'F' => "FIN",
        b'R' => "RST",
        b'T' => "retransmitted data (again: ×10, ×100 …)",
        b'W' => "zero window (again: ×10, ×100 …)",
        b'G' => "a gap: data the capture missed (again: ×10, ×100 …)",
        b'Q' => "SYN with FIN or RST",
        b'I' => "inconsistent flags",
        _ => "?",
    }
}

/// The history string with each letter spelled out: `S client SYN, h server SYN,ACK, …`.
pub fn history_words(h: &[u8]) -> String {
    history_words_in(h, Tr(Language::En))
}

/// [`history_words`] in the language of `tr`.
fn history_words_in(h: &[u8], tr: Tr) -> String {
    let mut out = String::new();
    for (i, &c) in h.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push(char::from(c));
        out.push(' ');
        out.push_str(tr.side(c.is_ascii_uppercase()));
        out.push(' ');
        out.push_str(tr.s(history_letter_words(c)));
    }
    out
}

/// The Community ID of a flow record.
pub fn flow_community_id(r: &FlowRecord) -> Option<String> {
    let proto = match r.proto {
        FlowProto::Tcp => 6,
        FlowProto::Udp => 17,
    };
    let mut out = [0u8; 30];
    community_id(r.client.0, r.server.0, proto, Ports::Ports(r.client.1, r.server.1), 0, &mut out).map(str::to_string)
}

fn rtt_text(r: &FlowRecord) -> Option<String> {
    let t = &r.rtt;
    let mean = t.mean_nanos()?;
    Some(format!("{}/{}/{} ({})", duration_text(t.min_nanos), duration_text(mean), duration_text(t.max_nanos), t.samples))
}

fn zeek_section<W: Write + ?Sized>(w: &mut W, rep: &FlowReport, tr: Tr) -> io::Result<()> {
    let tcp: Vec<&FlowRecord> = rep.flows.iter().filter(|r| r.zeek_state.is_some()).collect();
    if tcp.is_empty() {
        return Ok(());
    }
    writeln!(w, "\n{}", tr.s("Zeek's view of each TCP connection (conn_state, history), RTT samples and Community ID:"))?;
    let mut states: Vec<ZeekState> = Vec::new();
    let mut letters: Vec<u8> = Vec::new();
    let head = ["connection", "state", "history", "rtt min/avg/max (samples)", "community id"].map(|h| tr.s(h));
    let mut rows: Vec<[String; 5]> = Vec::with_capacity(tcp.len());
    for r in &tcp {
        let z = r.zeek_state.unwrap_or(ZeekState::Oth);
        if !states.contains(&z) {
            states.push(z);
        }
        for c in &r.history {
            let up = c.to_ascii_uppercase();
            if !letters.contains(&up) {
                letters.push(up);
            }
        }
        rows.push([
            format!("{} → {}", sock(r.client), sock(r.server)),
            z.as_str().to_string(),
            if r.history.is_empty() { "-".to_string() } else { String::from_utf8_lossy(&r.history).into_owned() },
            rtt_text(r).unwrap_or_else(|| "-".to_string()),
            flow_community_id(r).unwrap_or_else(|| "-".to_string()),
        ]);
    }
    let mut wd = head.map(width);
    for row in &rows {
        for (w_, cell) in wd.iter_mut().zip(row) {
            *w_ = (*w_).max(width(cell));
        }
    }
    for row in std::iter::once(head.map(str::to_string)).chain(rows) {
        w.write_all(b"  ")?;
        for (i, (cell, &cw)) in row.iter().zip(&wd).enumerate() {
            if i > 0 {
                w.write_all(b"  ")?;
            }
            pad(w, cell, cw, false, i + 1 == row.len())?;
        }
        writeln!(w)?;
    }
    writeln!(w, "  conn_state:")?;
    for z in states {
        writeln!(w, "    {}: {}", z.as_str(), tr.s(zeek_state_words(z)))?;
    }
    write!(w, "  {}", tr.s("history (upper case: the client sent it, lower case: the server):"))?;
    for (i, c) in letters.iter().enumerate() {
        write!(w, "{} {} {}", if i > 0 { ";" } else { "" }, char::from(*c), tr.s(history_letter_words(*c)))?;
    }
    writeln!(w)
}

/// One direction's verdict counts in words (`68 segments retransmitted by the server, 3.4 % …`),
/// or nothing when there is nothing to say. `syn_retries` are the client's SYNs sent again
/// (listed with the detections, so not here).
fn direction_words(c: &AnalysisCounts, sender: Side, syn_retries: u64, tr: Tr) -> Vec<String> {
    let snd = tr.side(sender == Side::Client);
    let peer = tr.side(sender != Side::Client);
    let mut out = Vec::new();
    let n = |bit: u16| c.get(bit);
    let spurious = n(Analysis::SPURIOUS_RETRANSMISSION);
    // Data segments sent again (plain and fast; spurious ones are told apart below).
    let data = c.retransmitted_segments.saturating_sub(u64::from(spurious));
    if data > 0 {
        let pct = data as f64 * 100.0 / c.data_segments.max(1) as f64;
        let mut t = tr.f(
            "{n} segment{s} retransmitted by the {sender}, {pct} % of its {all} data segments",
            &[
                ("n", &data),
                ("s", &plural(data)),
                ("sender", &snd),
                ("pct", &format!("{pct:.1}")),
                ("all", &c.data_segments),
            ],
        );
        if n(Analysis::FAST_RETRANSMISSION) > 0 {
            t.push_str(&tr.f(" ({n} fast, after duplicate ACKs)", &[("n", &n(Analysis::FAST_RETRANSMISSION))]));
        }
        t.push_str(tr.s(" — packet loss on the path"));
        out.push(t);
    }
    // SYN,ACK or FIN sent again (no payload): its acknowledgment was lost or late.
    let control = c.retransmissions().saturating_sub(c.retransmitted_segments).saturating_sub(syn_retries);
    if control > 0 {
        out.push(tr.f(
            "{n} SYN,ACK or FIN segment{s} sent again by the {sender}: the {peer}'s acknowledgment was lost or late",
            &[("n", &control), ("s", &plural(control)), ("sender", &snd), ("peer", &peer)],
        ));
    }
    if spurious > 0 {
        out.push(tr.f(
            "{n} spurious retransmission{s} by the {sender}: the {peer} had already acknowledged that data (its ACKs were lost or late, or the {sender}'s timer is too short)",
            &[("n", &spurious), ("s", &plural(spurious)), ("sender", &snd), ("peer", &peer)],
        ));
    }
    let dup = n(Analysis::DUPLICATE_ACK);
    if dup > 0 {
        out.push(tr.f(
            "{n} duplicate ACK{s} from the {sender}: it was missing data from the {peer} and asked again",
            &[("n", &dup), ("s", &plural(dup)), ("sender", &snd), ("peer", &peer)],
        ));
    }
    let ooo = n(Analysis::OUT_OF_ORDER);
    if ooo > 0 {
        out.push(tr.f(
            "{n} segment{s} from the {sender} out of order (reordered on the way, or resent within one round trip)",
            &[("n", &ooo), ("s", &plural(ooo)), ("sender", &snd)],
        ));
    }
    let lost = n(Analysis::LOST_SEGMENT);
    let unseen = n(Analysis::ACK_LOST_SEGMENT);
    if lost > 0 || unseen > 0 {
        out.push(tr.f(
            "{lost} gap{ls} in the {sender}'s data and {unseen} ACK{us} of unseen data: the capture missed packets (not necessarily the network)",
            &[("lost", &lost), ("ls", &plural(lost)), ("sender", &snd), ("unseen", &unseen), ("us", &plural(unseen))],
        ));
    }
    let zw = n(Analysis::ZERO_WINDOW);
    if zw > 0 {
        let probes = n(Analysis::ZERO_WINDOW_PROBE);
        out.push(tr.f(
            "{n} zero-window advertisement{s} by the {sender}: its program read too slowly and its receive buffer filled ({probes} probe{ps} by the {peer})",
            &[
                ("n", &zw),
                ("s", &plural(zw)),
                ("sender", &snd),
                ("probes", &probes),
                ("ps", &plural(probes)),
                ("peer", &peer),
            ],
        ));
    }
    let full = n(Analysis::WINDOW_FULL);
    if full > 0 {
        out.push(tr.f(
            "the {sender} filled the {peer}'s window {n} time{s}: the receiver, not the network, set the pace",
            &[("sender", &snd), ("peer", &peer), ("n", &full), ("s", &plural(full))],
        ));
    }
    let ka = n(Analysis::KEEP_ALIVE);
    if ka > 0 {
        out.push(tr.f(
            "{n} keep-alive{s} from the {sender} on an idle connection",
            &[("n", &ka), ("s", &plural(ka)), ("sender", &snd)],
        ));
    }
    out
}

/// For each TCP connection with sequence-analysis verdicts: what they were and what they mean.
fn analysis_section<W: Write + ?Sized>(w: &mut W, rep: &FlowReport, tr: Tr) -> io::Result<()> {
    let mut listed = 0usize;
    let mut more = 0usize;
    for r in &rep.flows {
        let mut parts = Vec::new();
        if let Some(a) = r.analysis.as_deref() {
            parts = direction_words(&a[0], Side::Client, u64::from(r.syn_retries), tr);
            parts.extend(direction_words(&a[1], Side::Server, 0, tr));
        }
        if r.rst_ignored > 0 {
            parts.push(tr.f(
                "{n} RST{s} ignored: outside the receiver's window (RFC 5961), so the connection went on",
                &[("n", &r.rst_ignored), ("s", &plural(r.rst_ignored))],
            ));
        }
        if parts.is_empty() {
            continue;
        }
        if listed == 0 {
            writeln!(w, "\n{}", tr.s("TCP analysis (tshark's tcp.analysis names, per connection):"))?;
        }
        if listed >= LIST_CAP {
            more += 1;
            continue;
        }
        listed += 1;
        writeln!(w, "  {} → {}: {}", sock(r.client), sock(r.server), parts.join("; "))?;
    }
    if more > 0 {
        writeln!(w, "{}", tr.f("  … {n} more connections with verdicts (see --json)", &[("n", &more)]))?;
    }
    Ok(())
}

fn detection_text<W: Write + ?Sized>(w: &mut W, d: &Detection, tr: Tr) -> io::Result<()> {
    let t = match d {
        Detection::PortScan { source, target, ports, ports_at_least, lo, hi, attempts, refused, open, unanswered, open_ports } => {
            let ports = if *ports_at_least { tr.f("at least {n}", &[("n", ports)]) } else { ports.to_string() };
            let mut t = tr.f(
                "  port scan: {source} probed {ports} ports of {target} ({lo}–{hi}) in {attempts} attempts: {refused} refused, {unanswered} unanswered, {open} open",
                &[
                    ("source", source),
                    ("ports", &ports),
                    ("target", target),
                    ("lo", lo),
                    ("hi", hi),
                    ("attempts", attempts),
                    ("refused", refused),
                    ("unanswered", unanswered),
                    ("open", open),
                ],
            );
            if !open_ports.is_empty() {
                let list: Vec<String> = open_ports.iter().map(u16::to_string).collect();
                let _ = write!(t, " ({})", list.join(", "));
            }
            t
        }
        Detection::PortReuse { client, server, after_nanos, holder, .. } => tr.f(
            "  port reuse: new SYN {client} → {server} only {after} after the previous connection on this 4-tuple closed (the {holder} was still in TIME_WAIT)",
            &[
                ("client", &sock(*client)),
                ("server", &sock(*server)),
                ("after", &duration_text(*after_nanos)),
                ("holder", &tr.side(*holder == Side::Client)),
            ],
        ),
        Detection::SimultaneousOpen { a, b, .. } => tr.f(
            "  simultaneous open: {a} and {b} sent SYNs to each other at the same time",
            &[("a", &sock(*a)), ("b", &sock(*b))],
        ),
        Detection::SynRetransmission { client, server, retries, gaps_us, answered, .. } => tr.f(
            "  SYN retransmission: {client} → {server}: {n} retr{ies} after {gaps}; {end}",
            &[
                ("client", &sock(*client)),
                ("server", &sock(*server)),
                ("n", retries),
                ("ies", &if *retries == 1 { "y" } else { "ies" }),
                ("gaps", &gaps(gaps_us)),
                ("end", &tr.s(if *answered { "answered in the end" } else { "never answered" })),
            ],
        ),
    };
    writeln!(w, "{t}")
}

/// A detection kind in words (`port scan`).
fn kind_words(kind: &str, tr: Tr) -> String {
    match kind {
        "port_scan" => tr.s("port scan").to_string(),
        "port_reuse" => tr.s("port reuse").to_string(),
        "simultaneous_open" => tr.s("simultaneous open").to_string(),
        "syn_retransmission" => tr.s("SYN retransmission").to_string(),
        other => other.replace('_', " "),
    }
}

fn duration_text(n: u64) -> String {
    let mut s = String::new();
    let _ = fmt_duration(&mut s, n);
    s
}

/// ECS's `key` object of one end: address, port, what it sent.
fn json_endpoint<W: Write + ?Sized>(w: &mut W, key: &str, e: (IpAddr, u16), packets: u64, bytes: u64) -> io::Result<()> {
    w.write_all(key.as_bytes())?;
    w.write_all(b"{\"ip\":\"")?;
    f::ip(w, e.0)?;
    write!(w, "\",\"port\":{},\"packets\":{packets},\"bytes\":{bytes}}}", e.1)
}

fn opt_str<W: Write + ?Sized>(w: &mut W, s: Option<&str>) -> io::Result<()> {
    match s {
        Some(s) => json_string(w, s),
        None => w.write_all(b"null"),
    }
}

/// The fixed `event.action` of a flow record: its outcome word as an identifier
/// (README "JSON schema").
pub fn flow_action(o: FlowOutcome) -> &'static str {
    match o.word() {
        "no answer" => "no-answer",
        "no reply" => "no-reply",
        "port unreachable" => "port-unreachable",
        w => w,
    }
}

/// Every value `event.action` takes on flow records.
pub const FLOW_ACTIONS: [&str; 14] = [
    "no-answer",
    "refused",
    "unreachable",
    "half-open",
    "established",
    "mid-stream",
    "closing",
    "closed",
    "reset",
    "one-sided",
    "answered",
    "no-reply",
    "one-way",
    "port-unreachable",
];

/// ECS's `event.outcome` of a flow: `success` when the two ends talked (a connection was made,
/// a request answered), `failure` when the attempt failed (nobody answered, refused,
/// unreachable), `unknown` otherwise (reset, half-open, one-sided, one-way, no reply yet).
pub const fn flow_event_outcome(o: FlowOutcome) -> &'static str {
    match o {
        FlowOutcome::Tcp(
            TcpOutcome::Established | TcpOutcome::MidStream | TcpOutcome::Closing { .. } | TcpOutcome::Closed { .. },
        )
        | FlowOutcome::Udp(UdpOutcome::Answered) => "success",
        FlowOutcome::Tcp(TcpOutcome::NoAnswer { .. } | TcpOutcome::Refused | TcpOutcome::Unreachable { .. })
        | FlowOutcome::Udp(UdpOutcome::PortUnreachable | UdpOutcome::Unreachable { .. }) => "failure",
        _ => "unknown",
    }
}

/// Writes one flow record (`event.dataset` `portlens.flow`): ECS's `source`/`client` (the
/// client), `destination`/`server`, `network`, `event.start/end/duration`; the tracker's
/// findings under `portlens.flow`.
pub fn write_json_flow<W: Write + ?Sized>(w: &mut W, r: &FlowRecord, o: &FlowsOptions) -> io::Result<()> {
    let p = proto(r.proto);
    let svc = |port| if o.services { services::name(p, port) } else { None };
    let rec = if r.end == FlowEnd::EndOfInput { Record::FlowOpen } else { Record::FlowEnded };
    json::head(w, r.first, TsPrecision::Micro, rec)?;
    write!(w, ",\"action\":\"{}\",\"outcome\":\"{}\",\"start\":", flow_action(r.outcome), flow_event_outcome(r.outcome))?;
    json::date(w, r.first, TsPrecision::Micro)?;
    w.write_all(b",\"end\":")?;
    json::date(w, r.last, TsPrecision::Micro)?;
    write!(w, ",\"duration\":{}}}", r.duration_nanos())?;
    let ty = if r.client.0.is_ipv4() { "ipv4" } else { "ipv6" };
    let iana = match r.proto {
        FlowProto::Tcp => 6,
        FlowProto::Udp => 17,
    };
    write!(
        w,
        ",\"network\":{{\"type\":\"{ty}\",\"transport\":\"{}\",\"iana_number\":\"{iana}\",\"packets\":{},\"bytes\":{}",
        r.proto.as_str(),
        r.total_packets(),
        r.total_bytes()
    )?;
    if let Some(id) = flow_community_id(r) {
        w.write_all(b",\"community_id\":")?;
        json_string(w, &id)?;
    }
    w.write_all(b"}")?;
    for (src, dst) in [(",\"source\":", ",\"destination\":"), (",\"client\":", ",\"server\":")] {
        json_endpoint(w, src, r.client, r.packets[0], r.bytes[0])?;
        json_endpoint(w, dst, r.server, r.packets[1], r.bytes[1])?;
    }
    w.write_all(b",\"portlens\":{")?;
    json::port_fact(w, "\"source\":{", r.client.1, svc(r.client.1))?;
    json::port_fact(w, ",\"destination\":{", r.server.1, svc(r.server.1))?;
    write!(w, ",\"flow\":{{\"id\":{},\"outcome\":", r.id)?;
    json_string(w, r.outcome.word())?;
    w.write_all(b",\"detail\":")?;
    json_string(w, &outcome_cell(r))?;
    w.write_all(b",\"errno\":")?;
    opt_str(w, r.outcome.errno())?;
    w.write_all(b",\"explanation\":")?;
    json_string(w, legend(r, Tr(Language::En)).1)?;
    write!(
        w,
        ",\"roles\":\"{}\",\"mid_stream\":{},\"client_payload_bytes\":{},\"server_payload_bytes\":{}",
        r.roles.as_str(),
        r.mid_stream,
        r.payload[0],
        r.payload[1]
    )?;
    if r.proto == FlowProto::Tcp {
        let (first_fin, reset_by) = match r.outcome {
            FlowOutcome::Tcp(TcpOutcome::Closed { first_fin, .. } | TcpOutcome::Closing { first_fin }) => {
                (Some(first_fin.as_str()), None)
            }
            FlowOutcome::Tcp(TcpOutcome::Reset { by } | TcpOutcome::LoneReset { by }) => (None, Some(by.as_str())),
            _ => (None, None),
        };
        let time_wait = match r.outcome {
            FlowOutcome::Tcp(TcpOutcome::Closed { simultaneous: true, .. }) => Some("both"),
            FlowOutcome::Tcp(TcpOutcome::Closed { first_fin, .. }) => Some(first_fin.as_str()),
            _ => None,
        };
        w.write_all(b",\"first_fin\":")?;
        opt_str(w, first_fin)?;
        w.write_all(b",\"time_wait\":")?;
        opt_str(w, time_wait)?;
        w.write_all(b",\"reset_by\":")?;
        opt_str(w, reset_by)?;
        if let Some((cs, ss)) = r.states {
            write!(w, ",\"client_state\":\"{cs}\",\"server_state\":\"{ss}\"")?;
        }
        w.write_all(b",\"rtt_ns\":")?;
        match r.rtt_nanos {
            Some(n) => f::uint(w, n)?,
            None => w.write_all(b"null")?,
        }
        write!(w, ",\"syn_retries\":{},\"syn_gaps_us\":[", r.syn_retries)?;
        for (i, g) in r.syn_gaps_us.iter().enumerate() {
            if i > 0 {
                w.write_all(b",")?;
            }
            f::uint(w, *g)?;
        }
        write!(w, "],\"port_reuse\":{},\"simultaneous_open\":{}", r.port_reuse, r.simultaneous_open)?;
        json_tcp_analysis(w, r)?;
    } else {
        write!(w, ",\"udp_pairs\":{}", r.udp_pairs)?;
    }
    writeln!(w, ",\"icmp_errors\":{},\"tracking_end\":\"{}\"}}}}}}", r.icmp_errors, r.end.as_str())
}

/// The TCP flow record's analysis fields: Zeek's state and history with their meaning, the
/// RTT samples, the verdict counts per direction, ignored RSTs, one-sidedness.
fn json_tcp_analysis<W: Write + ?Sized>(w: &mut W, r: &FlowRecord) -> io::Result<()> {
    w.write_all(b",\"conn_state\":")?;
    opt_str(w, r.zeek_state.map(ZeekState::as_str))?;
    w.write_all(b",\"conn_state_meaning\":")?;
    opt_str(w, r.zeek_state.map(zeek_state_words))?;
    w.write_all(b",\"history\":")?;
    json_string(w, &String::from_utf8_lossy(&r.history))?;
    w.write_all(b",\"history_meaning\":")?;
    json_string(w, &history_words(&r.history))?;
    w.write_all(b",\"rtt_samples\":")?;
    match r.rtt.mean_nanos() {
        Some(mean) => write!(
            w,
            "{{\"count\":{},\"min_ns\":{},\"avg_ns\":{mean},\"max_ns\":{}}}",
            r.rtt.samples, r.rtt.min_nanos, r.rtt.max_nanos
        )?,
        None => w.write_all(b"null")?,
    }
    w.write_all(b",\"analysis\":{")?;
    let empty = AnalysisCounts::default();
    for (i, (key, c)) in [("client", 0usize), ("server", 1)].into_iter().enumerate() {
        let counts = r.analysis.as_deref().and_then(|a| a.get(c)).unwrap_or(&empty);
        write!(
            w,
            "{}\"{key}\":{{\"data_segments\":{},\"retransmitted_segments\":{},\"retransmitted_bytes\":{}",
            if i > 0 { "," } else { "" },
            counts.data_segments,
            counts.retransmitted_segments,
            counts.retransmitted_bytes
        )?;
        for ((_, name), n) in Analysis::NAMES.iter().zip(counts.counts) {
            write!(w, ",\"{name}\":{n}")?;
        }
        w.write_all(b"}")?;
    }
    write!(w, "}},\"rst_ignored\":{},\"one_sided\":{}", r.rst_ignored, r.one_sided)
}

/// The fixed `event.action` of a detection record.
pub const fn detection_action(d: &Detection) -> &'static str {
    match d {
        Detection::PortScan { .. } => "port-scan",
        Detection::PortReuse { .. } => "port-reuse",
        Detection::SimultaneousOpen { .. } => "simultaneous-open",
        Detection::SynRetransmission { .. } => "syn-retransmission",
    }
}

/// The time of the records that sum a run up: the latest capture time seen, or now when no
/// packet was read.
fn report_time(clock: Option<Timestamp>) -> Timestamp {
    clock.unwrap_or_else(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        Timestamp { secs: i64::try_from(now.as_secs()).unwrap_or(i64::MAX), nanos: now.subsec_nanos() }
    })
}

/// Writes one detection record (`event.dataset` `portlens.detection`; a port scan is an
/// alert), stamped `at`.
pub fn write_json_detection<W: Write + ?Sized>(w: &mut W, d: &Detection, at: Timestamp) -> io::Result<()> {
    let rec = if matches!(d, Detection::PortScan { .. }) { Record::Alert } else { Record::Detection };
    json::head(w, at, TsPrecision::Micro, rec)?;
    write!(w, ",\"action\":\"{}\"}}", detection_action(d))?;
    let ip_obj = |w: &mut W, key: &str, ip: IpAddr, port: Option<u16>| -> io::Result<()> {
        write!(w, ",\"{key}\":{{\"ip\":\"")?;
        f::ip(w, ip)?;
        match port {
            Some(p) => write!(w, "\",\"port\":{p}}}"),
            None => w.write_all(b"\"}"),
        }
    };
    match d {
        Detection::PortScan { source, target, ports, ports_at_least, lo, hi, attempts, refused, open, unanswered, open_ports } => {
            ip_obj(w, "source", *source, None)?;
            ip_obj(w, "destination", *target, None)?;
            write!(
                w,
                ",\"portlens\":{{\"detection\":{{\"ports\":{ports},\"ports_at_least\":{ports_at_least},\"port_range\":[{lo},{hi}],\"attempts\":{attempts},\
                 \"refused\":{refused},\"unanswered\":{unanswered},\"open\":{open},\"open_ports\":["
            )?;
            for (i, p) in open_ports.iter().enumerate() {
                write!(w, "{}{p}", if i > 0 { "," } else { "" })?;
            }
            w.write_all(b"]")?;
        }
        Detection::PortReuse { id, client, server, after_nanos, holder } => {
            ip_obj(w, "source", client.0, Some(client.1))?;
            ip_obj(w, "destination", server.0, Some(server.1))?;
            write!(
                w,
                ",\"portlens\":{{\"detection\":{{\"flow_id\":{id},\"after_ns\":{after_nanos},\"time_wait_holder\":\"{holder}\""
            )?;
        }
        Detection::SimultaneousOpen { id, a, b } => {
            ip_obj(w, "source", a.0, Some(a.1))?;
            ip_obj(w, "destination", b.0, Some(b.1))?;
            write!(w, ",\"portlens\":{{\"detection\":{{\"flow_id\":{id}")?;
        }
        Detection::SynRetransmission { id, client, server, retries, gaps_us, answered } => {
            ip_obj(w, "source", client.0, Some(client.1))?;
            ip_obj(w, "destination", server.0, Some(server.1))?;
            write!(
                w,
                ",\"portlens\":{{\"detection\":{{\"flow_id\":{id},\"retries\":{retries},\"answered\":{answered},\"gaps_us\":["
            )?;
            for (i, g) in gaps_us.iter().enumerate() {
                write!(w, "{}{g}", if i > 0 { "," } else { "" })?;
            }
            w.write_all(b"]")?;
        }
    }
    w.write_all(b"}}}\n")
}

/// Writes the JSON Lines form: a flow record per connection, and with `tail` a detection
/// record per detection and one flow-summary record (`portlens.flow_summary`) with the
/// tracker's bookkeeping.
pub fn write_json<W: Write + ?Sized>(w: &mut W, rep: &FlowReport, o: &FlowsOptions, tail: bool) -> io::Result<()> {
    for r in &rep.flows {
        write_json_flow(w, r, o)?;
    }
    if !tail {
        return Ok(());
    }
    let at = report_time(rep.clock);
    for d in &rep.detections {
        write_json_detection(w, d, at)?;
    }
    let c = &rep.counters;
    json::head(w, at, TsPrecision::Micro, Record::FlowSummary)?;
    writeln!(
        w,
        "}},\"portlens\":{{\"flow_summary\":{{\"flows\":{},\"tcp_connections\":{},\"udp_flows\":{},\"peak_flows\":{},\
         \"max_flows\":{},\"idle_timeout_secs\":{},\"evicted\":{},\"evicted_open\":{},\"expired\":{},\
         \"untracked_packets\":{},\"tombs_dropped\":{},\"omitted\":{{\"flows\":{},\"packets\":{},\"bytes\":{}}},\"detections\":{},\
         \"detections_omitted\":{}}}}}}}",
        rep.flows.len(),
        c.tcp_connections,
        c.udp_flows,
        c.peak_flows,
        c.max_flows,
        c.idle_timeout_secs,
        c.evicted,
        c.evicted_open,
        c.expired,
        c.untracked,
        c.tombs_dropped,
        rep.omitted.flows,
        rep.omitted.packets,
        rep.omitted.bytes,
        rep.detections.len(),
        rep.detections_omitted
    )
}

/// The time for the stats record (see [`report_time`]).
pub fn stats_time(clock: Option<Timestamp>) -> Timestamp {
    report_time(clock)
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    #[test]
    fn zeek_words_history_letters_and_headings_have_korean() {
        for z in [
            ZeekState::S0,
            ZeekState::S1,
            ZeekState::SF,
            ZeekState::Rej,
            ZeekState::S2,
            ZeekState::S3,
            ZeekState::Rsto,
            ZeekState::Rstr,
            ZeekState::Rstos0,
            ZeekState::Rstrh,
            ZeekState::Sh,
            ZeekState::Shr,
            ZeekState::Oth,
        ] {
            assert!(crate::i18n::korean(zeek_state_words(z)).is_some(), "{z:?}");
        }
        for c in b"SHADFRTWGQI" {
            assert!(crate::i18n::korean(history_letter_words(*c)).is_some(), "{}", char::from(*c));
        }
        assert_eq!(HEAD.len(), HEAD_KO.len());
        for h in ["connection", "state", "history", "rtt min/avg/max (samples)", "community id"] {
            assert!(crate::i18n::korean(h).is_some(), "{h}");
        }
        for kind in ["port_scan", "port_reuse", "simultaneous_open", "syn_retransmission"] {
            assert_ne!(kind_words(kind, Tr(Language::Ko)), kind.replace('_', " "), "{kind}");
        }
    }

    use super::*;
    use crate::model::Timestamp;
    use crate::model::flow::{Omitted, RoleRule, TcpState, TrackerCounters};

    fn rec(outcome: FlowOutcome) -> FlowRecord {
        FlowRecord {
            id: 1,
            proto: FlowProto::Tcp,
            client: ([192, 168, 1, 10].into(), 52341),
            server: ([142, 250, 185, 78].into(), 443),
            roles: RoleRule::Syn,
            first: Timestamp { secs: 1_795_459_097, nanos: 686_702_000 },
            last: Timestamp { secs: 1_795_459_097, nanos: 696_902_000 },
            packets: [6, 4],
            bytes: [1800, 1300],
            payload: [26, 27],
            rtt_nanos: Some(41_000),
            outcome,
            states: Some((TcpState::TimeWait, TcpState::Closed)),
            mid_stream: false,
            syn_gaps_us: Default::default(),
            syn_retries: 0,
            port_reuse: false,
            simultaneous_open: false,
            udp_pairs: 0,
            icmp_errors: 0,
            end: FlowEnd::EndOfInput,
            analysis: None,
            rtt: Default::default(),
            rst_ignored: 0,
            zeek_state: Some(ZeekState::SF),
            history: Default::default(),
            one_sided: false,
        }
    }

    #[test]
    fn table_row_and_explanation() {
        let rep = FlowReport {
            flows: vec![rec(FlowOutcome::Tcp(TcpOutcome::Closed { first_fin: Side::Client, way: 4, simultaneous: false }))],
            omitted: Omitted::default(),
            detections: vec![],
            detections_omitted: 0,
            counters: TrackerCounters { tcp_connections: 1, peak_flows: 1, max_flows: 100_000, ..Default::default() },
            clock: None,
        };
        let mut v = Vec::new();
        write_text(&mut v, &rep, &FlowsOptions::default()).unwrap();
        let s = String::from_utf8(v).unwrap();
        assert!(
            s.contains("TCP    192.168.1.10:52341  142.250.185.78:443  https    closed (client first)       10  3.1 kB  41µs   10.20ms\n"),
            "{s}"
        );
        assert!(
            s.contains("closed (client first): the client sent the first FIN, so the client holds TIME_WAIT"),
            "{s}"
        );
    }

    #[test]
    fn json_flow_record_uses_ecs_names_and_numbers() {
        let r = rec(FlowOutcome::Tcp(TcpOutcome::Refused));
        let mut v = Vec::new();
        write_json_flow(&mut v, &r, &FlowsOptions::default()).unwrap();
        let s = String::from_utf8(v).unwrap();
        assert!(s.starts_with("{\"@timestamp\":\"2026-11-23T18:38:17.686702Z\",\"ecs\":{\"version\":\"8.17.0\"},\"event\":{\"kind\":\"event\",\"category\":[\"network\"],\"type\":[\"connection\",\"info\"],\"dataset\":\"portlens.flow\",\"action\":\"refused\",\"outcome\":\"failure\",\"start\":\"2026-11-23T18:38:17.686702Z\",\"end\":\"2026-11-23T18:38:17.696902Z\",\"duration\":10200000},\"network\":{\"type\":\"ipv4\",\"transport\":\"tcp\",\"iana_number\":\"6\",\"packets\":10,\"bytes\":3100,\"community_id\":\"1:"), "{s}");
        assert!(s.contains("\"source\":{\"ip\":\"192.168.1.10\",\"port\":52341,\"packets\":6,\"bytes\":1800}"), "{s}");
        assert!(s.contains("\"server\":{\"ip\":\"142.250.185.78\",\"port\":443,\"packets\":4,\"bytes\":1300}"), "{s}");
        assert!(s.contains("\"portlens\":{\"source\":{\"port_class\":\"dynamic\",\"service\":null},\"destination\":{\"port_class\":\"well-known\",\"service\":\"https\"},\"flow\":{\"id\":1,\"outcome\":\"refused\""), "{s}");
        assert!(s.contains("\"errno\":\"ECONNREFUSED\""), "{s}");
        assert!(s.ends_with("}}}\n"));
    }
}
