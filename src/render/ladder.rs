//! `--ladder`: each TCP connection as a ladder diagram, with both sides' states as they change.
//!
//! ```text
//! TCP 192.168.1.10:52341 (client, ephemeral) ⇄ 142.250.185.78:443 (server, https)
//!   +0.000000  ──SYN seq 0──────────────────▶   client SYN_SENT
//!   +0.000022  ◀──SYN,ACK seq 0 ack 1────────   server SYN_RCVD
//!   +0.000041  ──ACK ack 1──────────────────▶   established (rtt 41µs)
//!   +0.000090  ──PSH,ACK 1:27 (26 B)────────▶
//!   …
//!   +0.010200  ──ACK ack 28─────────────────▶   closed (4-way, 10 packets, 3.1 kB) · client TIME_WAIT, server CLOSED
//! ```
//!
//! The view keeps the steps of each open connection (from the tracker's [`ConnNote`], so it
//! needs no state machine of its own) and prints a connection's ladder as soon as it ends (last
//! ACK of the close, RST, refusal); connections still open are printed when the input ends (or
//! on Ctrl-C), or when they go idle or the view holds too many. Memory is bounded: at most
//! `head_steps + tail_steps` steps are kept per connection (the middle is elided and counted),
//! at most `max_steps` steps over all open connections (80 B each), and at most `max_open`
//! connections at once; past either cap the least recently seen connection is printed early. UDP and other non-TCP packets are not drawn; a
//! one-line note at the end counts them.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::IpAddr;

use rustc_hash::FxHashMap;

use super::PacketView;
use super::fmt as f;
use super::line::icmp_name;
use super::words::{duration_string, fmt_analysis_in, fmt_bytes};
use crate::i18n::{Tr, width};
use crate::model::flow::{
    Analysis, ConnNote, PacketNote, RoleRule, Side, TcpEvent, TcpOutcome, TcpState, is_ephemeral,
};
use crate::model::{IcmpInfo, Packet, Timestamp, Transport, tcp_flags};
use crate::recency::Recency;
use crate::services::{self, Proto};
use crate::vocab::Language;

/// Width of an arrow, heads and shafts included.
const ARROW: usize = 30;

/// What the ladder shows and how much it keeps.
#[derive(Clone, Copy, Debug)]
pub struct LadderOptions {
    /// Service names (off with `-nn`).
    pub services: bool,
    /// Raw sequence numbers (`-S`) instead of relative ones.
    pub absolute_seq: bool,
    /// Most connections kept open at once (`--max-flows`).
    pub max_open: usize,
    /// Seconds without packets after which an open connection's ladder is printed and dropped.
    pub idle_timeout_secs: u64,
    /// Steps kept from the start of a connection.
    pub head_steps: usize,
    /// Steps kept from the end of a connection.
    pub tail_steps: usize,
    /// Most steps kept over all open connections (the memory cap: 80 B a step).
    pub max_steps: usize,
    /// Language of the words (`--lang`).
    pub lang: Language,
}

impl Default for LadderOptions {
    fn default() -> Self {
        LadderOptions {
            services: true,
            absolute_seq: false,
            max_open: 100_000,
            idle_timeout_secs: 300,
            head_steps: 40,
            tail_steps: 12,
            max_steps: 1_000_000,
            lang: Language::En,
        }
    }
}

/// Why a ladder is printed before its connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cut {
    EndOfInput,
    Idle,
    TooMany,
    TooManySteps,
}

#[derive(Clone, Copy, Debug)]
struct Step {
    ts: Timestamp,
    from_client: bool,
    flags: u16,
    seq: Option<u32>,
    ack: Option<u32>,
    len: u32,
    event: Option<TcpEvent>,
    client_now: Option<TcpState>,
    server_now: Option<TcpState>,
    /// The connection ended here (its outcome and counts are the ladder's last note).
    ended: bool,
    /// tshark's verdicts on the segment, and the duplicate-ACK number.
    analysis: (Analysis, u32),
    /// An ICMP error about the connection (v6, type, code) instead of a segment.
    icmp: Option<(bool, u8, u8)>,
}

#[derive(Debug)]
struct Ladder {
    client: (IpAddr, u16),
    server: (IpAddr, u16),
    roles: RoleRule,
    first: Timestamp,
    last: Timestamp,
    head: Vec<Step>,
    tail: VecDeque<Step>,
    elided: u64,
    states: (TcpState, TcpState),
    note: ConnNote,
}

/// The ladder view.
#[derive(Debug)]
pub struct LadderView {
    opts: LadderOptions,
    open: FxHashMap<u64, Ladder>,
    /// The open ladders in last-seen order (eviction and idle sweeps without a scan).
    order: Recency<u64, Timestamp>,
    clock: Timestamp,
    next_sweep: i64,
    printed: u64,
    /// Steps held by the open ladders.
    steps: usize,
    udp: u64,
    icmp: u64,
    other: u64,
    after_end: u64,
}

impl LadderView {
    /// A ladder view with these options.
    pub fn new(opts: LadderOptions) -> LadderView {
        LadderView {
            opts: LadderOptions {
                max_open: opts.max_open.max(1),
                max_steps: opts.max_steps.max(opts.head_steps.saturating_add(opts.tail_steps)).max(1),
                ..opts
            },
            open: FxHashMap::default(),
            order: Recency::new(),
            clock: Timestamp { secs: i64::MIN, nanos: 0 },
            next_sweep: i64::MIN,
            printed: 0,
            steps: 0,
            udp: 0,
            icmp: 0,
            other: 0,
            after_end: 0,
        }
    }

    fn service(&self, port: u16) -> Option<&'static str> {
        if self.opts.services { services::name(Proto::Tcp, port) } else { None }
    }

    fn print(&mut self, w: &mut dyn Write, l: &Ladder, cut: Option<Cut>) -> io::Result<()> {
        if self.printed > 0 {
            w.write_all(b"\n")?;
        }
        self.printed += 1;
        let tr = Tr(self.opts.lang);
        w.write_all(b"TCP ")?;
        f::socket(w, l.client.0, l.client.1)?;
        w.write_all(tr.s(if is_ephemeral(l.client.1) { " (client, ephemeral)" } else { " (client)" }).as_bytes())?;
        w.write_all(" ⇄ ".as_bytes())?;
        f::socket(w, l.server.0, l.server.1)?;
        match self.service(l.server.1) {
            Some(n) => writeln!(w, "{}", tr.f(" (server, {name})", &[("name", &n)]))?,
            None => writeln!(w, "{}", tr.s(" (server)"))?,
        }
        if l.roles != RoleRule::Syn {
            writeln!(w, "  {}", tr.f("(no SYN seen: {why})", &[("why", &tr.s(l.roles.explain()))]))?;
        }
        let offset = |s: &Step| -> String {
            let n = s.ts.nanos_since(l.first);
            let sign = if n < 0 { "-" } else { "+" };
            let n = n.unsigned_abs();
            format!("{sign}{}.{:06}", n / 1_000_000_000, (n % 1_000_000_000) / 1_000)
        };
        let width = l.head.iter().chain(l.tail.iter()).map(|s| offset(s).len()).max().unwrap_or(9);
        for s in &l.head {
            self.step(w, s, &offset(s), width, l)?;
        }
        if l.elided > 0 {
            let n = l.elided;
            let t = tr.f("({n} packet{s} not drawn)", &[("n", &n), ("s", &if n == 1 { "" } else { "s" })]);
            writeln!(w, "  {:>width$}  {t}", "…")?;
        }
        for s in &l.tail {
            self.step(w, s, &offset(s), width, l)?;
        }
        if let Some(cut) = cut {
            let why = match cut {
                Cut::EndOfInput => tr.s("end of capture").to_string(),
                Cut::Idle => tr.f("no packets for {n} s, no longer drawn", &[("n", &self.opts.idle_timeout_secs)]),
                Cut::TooMany => tr.f("more than {n} open connections, no longer drawn", &[("n", &self.opts.max_open)]),
                Cut::TooManySteps => tr.f(
                    "more than {n} steps held for open connections, no longer drawn",
                    &[("n", &self.opts.max_steps)],
                ),
            };
            writeln!(w, "  ({why}: {})", open_summary(&l.note, l.server.1, tr))?;
        }
        Ok(())
    }

    fn step(&self, w: &mut dyn Write, s: &Step, offset: &str, cols: usize, l: &Ladder) -> io::Result<()> {
        let tr = Tr(self.opts.lang);
        let mut label = String::new();
        match s.icmp {
            Some((v6, t, c)) => {
                let _ = write!(label, "ICMP{} {}", if v6 { "v6" } else { "" }, icmp_words(v6, t, c, tr));
            }
            None => segment_label(&mut label, s),
        }
        let n = width(&label);
        let fill = ARROW.saturating_sub(3 + n).max(1);
        write!(w, "  {offset:>cols$}  ")?;
        if s.from_client {
            write!(w, "──{label}{}▶", "─".repeat(fill))?;
        } else {
            write!(w, "◀──{label}{}", "─".repeat(fill))?;
        }
        let text = annotation(s, l, tr);
        if !text.is_empty() {
            write!(w, "   {text}")?;
        }
        w.write_all(b"\n")
    }

    fn sweep(&mut self, w: &mut dyn Write) -> io::Result<()> {
        let idle = i128::from(self.opts.idle_timeout_secs.max(1)) * 1_000_000_000;
        let now = self.clock;
        // `t < cutoff` ⇔ quiet for at least the timeout.
        let cutoff = now.minus_nanos(idle - 1);
        let mut ids = Vec::new();
        loop {
            let open = &self.open;
            match self.order.pop_older_than(cutoff, |id| open.get(id).map(|l| l.last)) {
                Some(id) => ids.push(id),
                None => break,
            }
        }
        ids.sort_unstable();
        for id in ids {
            if let Some(l) = self.take(id) {
                self.print(w, &l, Some(Cut::Idle))?;
            }
        }
        self.next_sweep = now.secs.saturating_add((self.opts.idle_timeout_secs / 4).max(1) as i64);
        Ok(())
    }

    /// Prints and drops the least recently seen open ladder; false when there was none.
    fn evict_oldest(&mut self, w: &mut dyn Write, cut: Cut) -> io::Result<bool> {
        let open = &self.open;
        let oldest = self.order.pop_oldest(|id| open.get(id).map(|l| l.last));
        match oldest.and_then(|id| self.take(id)) {
            Some(l) => self.print(w, &l, Some(cut)).map(|()| true),
            None => Ok(false),
        }
    }

    /// Removes an open ladder, giving its steps back.
    fn take(&mut self, id: u64) -> Option<Ladder> {
        let l = self.open.remove(&id)?;
        self.steps = self.steps.saturating_sub(l.head.len() + l.tail.len());
        Some(l)
    }
}

/// The text on a segment's arrow: flags, then the bytes it carries or its seq/ack.
fn segment_label(label: &mut String, s: &Step) {
    let _ = flags_text(label, s.flags);
    if s.len > 0 {
        if let Some(seq) = s.seq {
            let _ = write!(label, " {seq}:{}", seq.wrapping_add(s.len));
        }
        let _ = write!(label, " ({} B)", s.len);
        return;
    }
    if s.flags & (tcp_flags::SYN | tcp_flags::FIN | tcp_flags::RST) != 0 {
        if let Some(seq) = s.seq {
            let _ = write!(label, " seq {seq}");
        }
    }
    if s.flags & tcp_flags::ACK != 0 {
        if let Some(ack) = s.ack {
            let _ = write!(label, " ack {ack}");
        }
    }
}

fn flags_text(s: &mut String, fl: u16) -> std::fmt::Result {
    let mut first = true;
    for (bit, name) in tcp_flags::NAMES {
        if fl & bit != 0 {
            if !first {
                s.push(',');
            }
            s.push_str(name);
            first = false;
        }
    }
    if first {
        s.push_str("none");
    }
    Ok(())
}

fn size(packets: u64, bytes: u64, tr: Tr) -> String {
    let mut s = tr.f("{n} packet{s}, ", &[("n", &packets), ("s", &if packets == 1 { "" } else { "s" })]);
    let _ = fmt_bytes(&mut s, bytes);
    s
}

fn icmp_words(v6: bool, icmp_type: u8, code: u8, tr: Tr) -> String {
    let info = IcmpInfo { v6, icmp_type, code, echo: None, quoted: None };
    icmp_name(&info).map(|n| tr.s(n).to_string()).unwrap_or_else(|| format!("type {icmp_type} code {code}"))
}

/// The text after a step's arrow.
fn annotation(s: &Step, l: &Ladder, tr: Tr) -> String {
    let server_port = l.server.1;
    let mut parts: Vec<String> = Vec::new();
    let mut states = true;
    if s.ended {
        let (outcome, packets, bytes) = (l.note.outcome, l.note.packets, l.note.bytes);
        match outcome {
            TcpOutcome::Closed { way, simultaneous: true, .. } => {
                parts.push(tr.f(
                    "closed ({way}-way, simultaneous: both sides TIME_WAIT, {size})",
                    &[("way", &way), ("size", &size(packets, bytes, tr))],
                ))
            }
            TcpOutcome::Closed { way, .. } => {
                parts.push(tr.f("closed ({way}-way, {size})", &[("way", &way), ("size", &size(packets, bytes, tr))]))
            }
            TcpOutcome::Reset { by } => {
                states = false;
                parts.push(tr.f(
                    "reset by {by} ({peer} sees ECONNRESET; {size})",
                    &[
                        ("by", &tr.side(by == Side::Client)),
                        ("peer", &tr.side(by != Side::Client)),
                        ("size", &size(packets, bytes, tr)),
                    ],
                ));
            }
            TcpOutcome::LoneReset { by } => {
                states = false;
                parts.push(tr.f(
                    "reset by {by}, no handshake seen (the {peer} got ECONNREFUSED or ECONNRESET; the capture cannot tell)",
                    &[("by", &tr.side(by == Side::Client)), ("peer", &tr.side(by != Side::Client))],
                ));
            }
            TcpOutcome::Refused => {
                states = false;
                parts.push(tr.f("refused: nothing listens on port {port} (ECONNREFUSED)", &[("port", &server_port)]));
            }
            TcpOutcome::Unreachable { .. } => {
                states = false;
                parts.push(tr.f(
                    "connect() fails with {errno}",
                    &[("errno", &outcome.errno().unwrap_or(tr.s("an error")))],
                ));
            }
            other => parts.push(tr.s(other.word()).to_string()),
        }
    } else {
        match s.event {
            Some(TcpEvent::Established { rtt_nanos }) => {
                states = false;
                parts.push(match rtt_nanos {
                    Some(n) => tr.f("established (rtt {rtt})", &[("rtt", &duration_string(n))]),
                    None => tr.s("established").to_string(),
                });
            }
            Some(TcpEvent::SynRetry { n, after_nanos }) => {
                parts.push(tr.f("SYN retry {n} after {after}", &[("n", &n), ("after", &duration_string(after_nanos))]));
            }
            Some(TcpEvent::PortReuse) => parts.push(tr.s("port reuse: the 4-tuple was still in TIME_WAIT").to_string()),
            Some(TcpEvent::SimultaneousOpen) => parts.push(tr.s("simultaneous open").to_string()),
            Some(TcpEvent::RstIgnored) => parts
                .push(tr.s("RST ignored: outside the receiver's window (RFC 5961), the connection goes on").to_string()),
            _ => {}
        }
    }
    // A SYN retry already says it is one.
    if !s.analysis.0.is_empty() && !matches!(s.event, Some(TcpEvent::SynRetry { .. })) {
        let mut t = String::new();
        let _ = fmt_analysis_in(&mut t, s.analysis.0, s.analysis.1, tr);
        parts.push(t);
    }
    if states {
        let mut t = String::new();
        if let Some(c) = s.client_now {
            let _ = write!(t, "{} {c}", tr.side(true));
        }
        if let Some(sv) = s.server_now {
            if !t.is_empty() {
                t.push_str(", ");
            }
            let _ = write!(t, "{} {sv}", tr.side(false));
        }
        if !t.is_empty() {
            parts.push(t);
        }
    }
    parts.join(" · ")
}

/// How a connection stood when its ladder was printed without an ending.
fn open_summary(n: &ConnNote, server_port: u16, tr: Tr) -> String {
    let size = size(n.packets, n.bytes, tr);
    match n.outcome {
        TcpOutcome::NoAnswer { syns } => tr.f(
            "no answer to {n} SYN{s}: connect() gives up with ETIMEDOUT; port {port} is probably filtered",
            &[("n", &syns), ("s", &if syns == 1 { "" } else { "s" }), ("port", &server_port)],
        ),
        TcpOutcome::HalfOpen if n.client_state == TcpState::Established => tr.f(
            "half-open: the client acknowledged the SYN,ACK (ESTABLISHED) but the server sent it again, so the ACK never reached it (SYN_RCVD) ({size})",
            &[("size", &size)],
        ),
        TcpOutcome::HalfOpen => tr.f("half-open: the SYN,ACK was never acknowledged ({size})", &[("size", &size)]),
        TcpOutcome::Established => tr.f("still established ({size})", &[("size", &size)]),
        TcpOutcome::MidStream => tr.f("still open, capture started mid-stream ({size})", &[("size", &size)]),
        TcpOutcome::Closing { first_fin } => tr.f(
            "closing: the {side} sent FIN, the close did not finish ({size})",
            &[("side", &tr.side(first_fin == Side::Client)), ("size", &size)],
        ),
        TcpOutcome::OneSided { seen } => tr.f(
            "one-sided capture: only the {seen}'s packets were captured, though it acknowledged the {other}'s ({size})",
            &[("seen", &tr.side(seen == Side::Client)), ("other", &tr.side(seen != Side::Client)), ("size", &size)],
        ),
        TcpOutcome::Unreachable { v6, icmp_type, code } => tr.f(
            "unreachable: ICMP{v} {name} ({errno})",
            &[
                ("v", &if v6 { "v6" } else { "" }),
                ("name", &icmp_words(v6, icmp_type, code, tr)),
                ("errno", &n.outcome.errno().unwrap_or("-")),
            ],
        ),
        other => format!("{} ({size})", tr.s(other.word())),
    }
}

impl PacketView for LadderView {
    fn packet(&mut self, w: &mut dyn Write, pkt: &Packet<'_>, note: &PacketNote) -> io::Result<()> {
        let (c, tcp) = match (note.conn, &pkt.transport, pkt.net.addrs()) {
            (Some(c), Transport::Tcp(t), Some((src, dst))) => (c, Some((t, src, dst))),
            // An ICMP error about a connection already drawn: its last step.
            (Some(c), Transport::Icmp(_), _) if self.open.contains_key(&c.id) => (c, None),
            _ => {
                match pkt.transport {
                    Transport::Udp(_) => self.udp += 1,
                    Transport::Icmp(_) => self.icmp += 1,
                    _ => self.other += 1,
                }
                return Ok(());
            }
        };
        if pkt.ts > self.clock {
            self.clock = pkt.ts;
            if self.clock.secs >= self.next_sweep {
                self.sweep(w)?;
            }
        }
        if let Some((t, src, dst)) = tcp.filter(|_| !self.open.contains_key(&c.id)) {
            if c.outcome.is_final() && !c.ended {
                // A straggler after the end (an ACK after a RST, a repeated FIN): already drawn.
                self.after_end += 1;
                return Ok(());
            }
            if self.open.len() >= self.opts.max_open {
                let _ = self.evict_oldest(w, Cut::TooMany)?;
            }
            let (me, peer) = ((src, t.src_port), (dst, t.dst_port));
            let (client, server) = if c.from_client { (me, peer) } else { (peer, me) };
            let handshake = matches!(c.roles, RoleRule::Syn | RoleRule::SynAck);
            let states =
                if handshake { (TcpState::Closed, TcpState::Listen) } else { (c.client_state, c.server_state) };
            self.open.insert(
                c.id,
                Ladder {
                    client,
                    server,
                    roles: c.roles,
                    first: pkt.ts,
                    last: pkt.ts,
                    head: Vec::new(),
                    tail: VecDeque::new(),
                    elided: 0,
                    states,
                    note: c,
                },
            );
            self.order.push(c.id, pkt.ts);
            if self.order.needs_rebuild(self.open.len()) {
                self.order.rebuild(self.open.iter().map(|(id, l)| (*id, l.last)));
            }
        }
        let opts = self.opts;
        let Some(l) = self.open.get_mut(&c.id) else { return Ok(()) };
        let mut step = Step {
            ts: pkt.ts,
            from_client: c.from_client,
            flags: 0,
            seq: None,
            ack: None,
            len: 0,
            event: note.event,
            client_now: (c.client_state != l.states.0).then_some(c.client_state),
            server_now: (c.server_state != l.states.1).then_some(c.server_state),
            ended: c.ended,
            analysis: (note.analysis, u32::from(note.dup_ack)),
            icmp: None,
        };
        match (tcp, &pkt.transport) {
            (Some((t, _, _)), _) => {
                let (seq, ack) = if opts.absolute_seq { (t.seq, t.ack) } else { (note.rel_seq, note.rel_ack) };
                step.flags = t.flags.unwrap_or(0);
                step.seq = seq;
                step.ack = ack;
                step.len = t.payload_len;
            }
            (None, Transport::Icmp(i)) => step.icmp = Some((i.v6, i.icmp_type, i.code)),
            _ => {}
        }
        l.states = (c.client_state, c.server_state);
        l.note = c;
        if pkt.ts > l.last {
            l.last = pkt.ts;
        }
        if l.head.len() < opts.head_steps {
            if l.head.len() == l.head.capacity() {
                // Grow by doubling, but never past head_steps (no 64-step buffer for 40).
                l.head.reserve_exact(l.head.len().max(4).min(opts.head_steps - l.head.len()));
            }
            l.head.push(step);
            self.steps += 1;
        } else if opts.tail_steps > 0 {
            if l.tail.len() >= opts.tail_steps {
                l.tail.pop_front();
                l.elided += 1;
            } else {
                l.tail.reserve_exact(opts.tail_steps - l.tail.len());
                self.steps += 1;
            }
            l.tail.push_back(step);
        } else {
            l.elided += 1;
        }
        if c.ended {
            if let Some(l) = self.take(c.id) {
                self.print(w, &l, None)?;
            }
        }
        while self.steps > self.opts.max_steps && self.open.len() > 1 {
            if !self.evict_oldest(w, Cut::TooManySteps)? {
                break;
            }
        }
        Ok(())
    }

    fn finish(&mut self, w: &mut dyn Write) -> io::Result<()> {
        self.order = Recency::new();
        let mut ids: Vec<u64> = self.open.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            if let Some(l) = self.take(id) {
                self.print(w, &l, Some(Cut::EndOfInput))?;
            }
        }
        let not_drawn = self.udp + self.icmp + self.other;
        if not_drawn > 0 {
            if self.printed > 0 {
                w.write_all(b"\n")?;
            }
            let tr = Tr(self.opts.lang);
            let t = tr.f(
                "({n} packet{s} not drawn because the ladder shows TCP only: UDP {udp}, ICMP {icmp}, other {other}; --flows lists UDP conversations)",
                &[
                    ("n", &not_drawn),
                    ("s", &if not_drawn == 1 { " was" } else { "s were" }),
                    ("udp", &self.udp),
                    ("icmp", &self.icmp),
                    ("other", &self.other),
                ],
            );
            writeln!(w, "{t}")?;
        } else if self.printed == 0 {
            writeln!(w, "{}", Tr(self.opts.lang).s("(no TCP connections to draw)"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    #[test]
    fn role_rules_and_outcome_words_have_korean() {
        for r in [RoleRule::Syn, RoleRule::SynAck, RoleRule::EphemeralPort, RoleRule::LowerPort, RoleRule::FirstPacket] {
            assert!(crate::i18n::korean(r.explain()).is_some(), "{r:?}");
        }
        for o in [
            TcpOutcome::NoAnswer { syns: 1 },
            TcpOutcome::Refused,
            TcpOutcome::HalfOpen,
            TcpOutcome::Established,
            TcpOutcome::MidStream,
            TcpOutcome::Closing { first_fin: Side::Client },
            TcpOutcome::Reset { by: Side::Client },
            TcpOutcome::OneSided { seen: Side::Client },
        ] {
            assert!(crate::i18n::korean(o.word()).is_some(), "{o:?}");
        }
        use crate::model::flow::UdpOutcome;
        for o in [UdpOutcome::Answered, UdpOutcome::NoReply, UdpOutcome::OneWay, UdpOutcome::PortUnreachable] {
            assert!(crate::i18n::korean(o.word()).is_some(), "{o:?}");
        }
    }

    use super::*;
    use crate::decode::decode;
    use crate::flow::{Tracker, TrackerConfig};
    use crate::model::{Frame, LinkType, TsPrecision};

    /// Raw-IP IPv4 TCP segment 10.0.0.1:`sp` ⇄ 10.0.0.2:`dp`.
    fn seg(sp: u16, dp: u16, flags: u8, seq: u32, ack: u32, len: usize) -> Vec<u8> {
        let (src, dst) = if sp > dp { ([10, 0, 0, 1], [10, 0, 0, 2]) } else { ([10, 0, 0, 2], [10, 0, 0, 1]) };
        let total = (40 + len) as u16;
        let mut v = vec![0x45, 0, (total >> 8) as u8, total as u8, 0, 1, 0x40, 0, 64, 6, 0, 0];
        v.extend_from_slice(&src);
        v.extend_from_slice(&dst);
        v.extend_from_slice(&sp.to_be_bytes());
        v.extend_from_slice(&dp.to_be_bytes());
        v.extend_from_slice(&seq.to_be_bytes());
        v.extend_from_slice(&ack.to_be_bytes());
        v.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        v.resize(v.len() + len, 0);
        v
    }

    struct Feed {
        t: Tracker,
        v: LadderView,
        out: Vec<u8>,
        n: u64,
    }

    impl Feed {
        fn new(opts: LadderOptions) -> Feed {
            Feed { t: Tracker::new(TrackerConfig::default()), v: LadderView::new(opts), out: Vec::new(), n: 0 }
        }

        fn feed(&mut self, bytes: &[u8], secs: i64, micros: u64) {
            self.n += 1;
            let frame = Frame {
                ts: Timestamp::new(secs, micros * 1_000),
                len: bytes.len() as u32,
                linktype: LinkType::RAW,
                data: bytes,
                interface: 0,
                precision: TsPrecision::Micro,
            };
            let pkt = decode(&frame, self.n);
            let note = self.t.observe(&pkt);
            self.v.packet(&mut self.out, &pkt, &note).unwrap();
        }

        fn text(mut self) -> String {
            self.v.finish(&mut self.out).unwrap();
            String::from_utf8(self.out).unwrap()
        }
    }

    const SYN: u8 = 0x02;
    const ACK: u8 = 0x10;
    const FIN: u8 = 0x01;
    const PSH: u8 = 0x08;

    #[test]
    fn long_connections_keep_head_and_tail_and_count_the_rest() {
        let mut f = Feed::new(LadderOptions { head_steps: 4, tail_steps: 3, ..LadderOptions::default() });
        f.feed(&seg(50000, 80, SYN, 0, 0, 0), 1, 0);
        f.feed(&seg(80, 50000, SYN | ACK, 0, 1, 0), 1, 10);
        f.feed(&seg(50000, 80, ACK, 1, 1, 0), 1, 20);
        for i in 0..100u32 {
            f.feed(&seg(50000, 80, PSH | ACK, 1 + i * 10, 1, 10), 1, 100 + u64::from(i));
        }
        f.feed(&seg(50000, 80, FIN | ACK, 1001, 1, 0), 2, 0);
        f.feed(&seg(80, 50000, FIN | ACK, 1, 1002, 0), 2, 10);
        f.feed(&seg(50000, 80, ACK, 1002, 2, 0), 2, 20);
        let s = f.text();
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.len(), 1 + 4 + 1 + 3, "{s}");
        assert_eq!(lines[5], "          …  (99 packets not drawn)", "{s}");
        assert!(lines[6].ends_with("  +1.000000  ──FIN,ACK seq 1001 ack 1─────▶   client FIN_WAIT_1"), "{s}");
        assert!(lines[7].ends_with("◀──FIN,ACK seq 1 ack 1002─────   client FIN_WAIT_2, server LAST_ACK"), "{s}");
        assert!(lines[8].ends_with("closed (3-way, 106 packets, 5.2 kB) · client TIME_WAIT, server CLOSED"), "{s}");
    }

    #[test]
    fn too_many_open_connections_print_the_oldest_early() {
        let mut f = Feed::new(LadderOptions { max_open: 2, ..LadderOptions::default() });
        for (i, port) in [50001u16, 50002, 50003].into_iter().enumerate() {
            f.feed(&seg(port, 443, SYN, 0, 0, 0), 1, i as u64);
        }
        let s = f.text();
        let first = s.find("50001").unwrap();
        assert!(s[first..].contains("(more than 2 open connections, no longer drawn: no answer to 1 SYN"), "{s}");
        assert_eq!(s.matches("(end of capture: no answer to 1 SYN").count(), 2, "{s}");
    }

    #[test]
    fn the_step_budget_prints_the_least_recently_seen_connection_early() {
        // Budget of 6 steps over all connections (head 4 + tail 2 each): two long connections
        // don't fit; the quieter one is printed early, and what is held never exceeds the budget.
        let mut f = Feed::new(LadderOptions { head_steps: 4, tail_steps: 2, max_steps: 6, ..LadderOptions::default() });
        f.feed(&seg(50001, 443, SYN, 0, 0, 0), 1, 0);
        f.feed(&seg(50002, 443, SYN, 0, 0, 0), 1, 1);
        for i in 0..5u64 {
            f.feed(&seg(50002, 443, ACK, 1, 1, 0), 1, 10 + i);
            assert!(f.v.steps <= 6, "steps held {}", f.v.steps);
        }
        let s = f.text();
        let first = s.find("50001").unwrap();
        assert!(s[first..].contains("(more than 6 steps held for open connections, no longer drawn"), "{s}");
        assert_eq!(s.matches("(end of capture:").count(), 1, "{s}");
    }

    #[test]
    fn head_buffers_hold_exactly_head_steps() {
        let mut f = Feed::new(LadderOptions::default());
        f.feed(&seg(50001, 443, SYN, 0, 0, 0), 1, 0);
        for i in 0..60u64 {
            f.feed(&seg(50001, 443, ACK, 1, 1, 0), 1, 1 + i);
        }
        let l = f.v.open.values().next().unwrap();
        assert_eq!((l.head.capacity(), l.tail.len()), (40, 12));
        assert_eq!(f.v.steps, 52);
    }

    #[test]
    fn stragglers_after_the_end_start_no_new_ladder() {
        let mut f = Feed::new(LadderOptions::default());
        f.feed(&seg(50000, 22, SYN, 0, 0, 0), 1, 0);
        f.feed(&seg(22, 50000, 0x14, 0, 1, 0), 1, 5);
        f.feed(&seg(50000, 22, ACK, 1, 1, 0), 1, 9);
        let s = f.text();
        assert_eq!(s.matches("TCP 10.0.0.1:50000").count(), 1, "{s}");
        assert!(s.contains("refused: nothing listens on port 22 (ECONNREFUSED)"), "{s}");
    }
}
