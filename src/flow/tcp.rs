//! One TCP connection as an observer on the wire sees it: the handshake, relative sequence
//! numbers from each side's initial sequence number, the teardown, and both sides' states.
//!
//! Every packet is untrusted, so nothing here assumes the segments arrive in a sensible order:
//! RST before SYN, duplicate SYNs, FIN on a connection never opened, sequence numbers that wrap
//! and clocks that go backwards all leave the connection in *some* state and never panic.
//! Directions are indices into the flow key: `0` is the packet sent by the key's lower
//! endpoint, `1` by the higher one; `client` says which of the two opened the connection.

use arrayvec::ArrayVec;

use crate::model::flow::{
    Analysis, AnalysisCounts, ConnNote, FlowEnd, FlowOutcome, FlowProto, FlowRecord, MAX_SYN_GAPS, PacketNote,
    RoleRule, Side, TcpEvent, TcpOutcome, TcpState,
};
use crate::model::{Timestamp, tcp_flags};

use super::analysis::Analyzer;
use super::zeek::Zeek;
use super::{Common, Key, PerDir};

/// How long a closed connection's first closer holds TIME_WAIT: Linux's fixed 60 s
/// (`TCP_TIMEWAIT_LEN`, not a multiple of a configurable MSL).
pub(crate) const TIME_WAIT_NANOS: i128 = 60_000_000_000;

/// `a >= b` in sequence space (RFC 9293 §3.4, wrapping).
#[inline]
fn seq_ge(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) >= 0
}

/// Nanoseconds from `earlier` to `later`, 0 when the clock went backwards.
#[inline]
pub(crate) fn nanos_between(earlier: Timestamp, later: Timestamp) -> u64 {
    u64::try_from(later.nanos_since(earlier)).unwrap_or(0)
}

/// The segment fields the state machine reads (decoded and present).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Segment {
    /// Direction index (0: sent by the key's `lo`, 1: by `hi`).
    pub dir: u8,
    /// Flag bits.
    pub flags: u16,
    /// Raw sequence number.
    pub seq: u32,
    /// Raw acknowledgment number (when captured).
    pub ack: Option<u32>,
    /// Payload bytes as sent.
    pub payload: u32,
    /// Frame length on the wire.
    pub wire: u32,
    /// Capture time.
    pub ts: Timestamp,
    /// Window field (unscaled), when captured.
    pub window: Option<u16>,
    /// Window-scale option (SYNs).
    pub wscale: Option<u8>,
    /// The segment can be analysed: its whole header is there (a header that does not fit in
    /// its own packet is malformed) and it is not in an IP fragment (whose segment length is
    /// unknown). Others are left out of the sequence analysis, as tshark does.
    pub whole: bool,
}

impl Segment {
    #[inline]
    fn has(&self, f: u16) -> bool {
        self.flags & f != 0
    }
}

/// What is kept of a finished connection (closed, reset, refused) while its TIME_WAIT lasts:
/// enough to recognise stragglers (a repeated last ACK or FIN, data in flight after a RST) and a
/// new SYN on the same 4-tuple (port reuse). About a third of a live connection's size, so that a
/// capture of many short connections does not keep full state for every one of them.
#[derive(Clone, Debug)]
pub(crate) struct Tomb {
    /// The connection's number.
    pub id: u64,
    /// When it finished.
    pub done: Timestamp,
    base: PerDir<Option<u32>>,
    syn_seq: Option<u32>,
    client: u8,
    roles: RoleRule,
    /// The side in TIME_WAIT (the first closer), when the connection closed with FINs.
    time_wait: Option<Side>,
    outcome: TcpOutcome,
    states: (TcpState, TcpState),
    packets: u64,
    bytes: u64,
    /// Index of the connection's record in the tracker's record list, when kept.
    pub record: Option<u32>,
    /// The sequence analysis goes on for stragglers (a repeated FIN or ACK is a retransmission
    /// or a duplicate ACK, as tshark says), with the handshake RTT it used.
    an: Box<Analyzer>,
    rtt: Option<u64>,
}

impl Tomb {
    /// Whether `seg` opens a new connection on the 4-tuple (a SYN that is not the old one again).
    pub fn starts_new(&self, seg: &Segment) -> bool {
        seg.has(tcp_flags::SYN)
            && !seg.has(tcp_flags::ACK)
            && !(seg.dir == self.client && self.syn_seq == Some(seg.seq))
    }

    /// The side still in TIME_WAIT at `now`, and how long ago the connection closed.
    pub fn in_time_wait(&self, now: Timestamp) -> Option<(Side, u64)> {
        let holder = self.time_wait?;
        let since = now.nanos_since(self.done);
        (since < TIME_WAIT_NANOS).then(|| (holder, u64::try_from(since).unwrap_or(0)))
    }

    /// A segment after the end: counted, numbered relative to the old ISNs, analysed, no
    /// event. Returns the note and whether the segment came from the client.
    pub fn straggler(&mut self, seg: &Segment) -> (PacketNote, bool) {
        self.packets = self.packets.saturating_add(1);
        self.bytes = self.bytes.saturating_add(u64::from(seg.wire));
        let dir = seg.dir & 1;
        let from_client = dir == self.client;
        let rel_seq = self.base.at(dir).map(|b| seg.seq.wrapping_sub(b));
        let rel_ack = match (seg.ack, *self.base.at(dir ^ 1)) {
            (Some(a), Some(b)) if seg.has(tcp_flags::ACK) => Some(a.wrapping_sub(b)),
            _ => None,
        };
        let (analysis, dup_ack) = if seg.whole { self.an.segment(seg, self.rtt) } else { (Analysis::default(), 0) };
        let conn = ConnNote {
            id: self.id,
            from_client,
            client_state: self.states.0,
            server_state: self.states.1,
            roles: self.roles,
            outcome: self.outcome,
            packets: self.packets,
            bytes: self.bytes,
            ended: false,
        };
        (PacketNote { rel_seq, rel_ack, event: None, analysis, dup_ack, conn: Some(conn) }, from_client)
    }
}

/// One TCP connection.
#[derive(Clone, Debug)]
pub(crate) struct TcpConn {
    /// Identity, times, roles and counters.
    pub common: Common,
    /// Base for relative sequence numbers per direction (the ISN, or the first seq seen).
    base: PerDir<Option<u32>>,
    /// The client's SYN sequence number (its ISN).
    syn_seq: Option<u32>,
    /// Time of the latest client SYN (RTT is measured from it).
    last_syn: Option<Timestamp>,
    /// Client SYNs seen.
    syns: u16,
    /// Gaps between successive SYNs, µs.
    syn_gaps_us: ArrayVec<u32, MAX_SYN_GAPS>,
    /// The server sent a SYN of its own (simultaneous open).
    server_syn: bool,
    /// The server sent SYN,ACK.
    synack: bool,
    /// The client sent SYN,ACK (simultaneous open).
    client_synack: bool,
    /// The handshake completed.
    established: bool,
    /// No handshake was seen.
    mid_stream: bool,
    /// Handshake RTT, ns.
    rtt: Option<u64>,
    /// Sequence number just past each direction's FIN.
    fin_end: PerDir<Option<u32>>,
    /// Each direction's FIN was acknowledged by the peer.
    fin_acked: PerDir<bool>,
    /// Direction that sent the first FIN.
    first_fin: Option<u8>,
    /// The second FIN rode on the ACK of the first (3-way close).
    three_way: bool,
    /// Both FINs crossed (simultaneous close).
    simul_close: bool,
    /// Direction that sent a RST ending the connection.
    rst_by: Option<u8>,
    /// The SYN was answered by RST.
    refused: bool,
    /// An ICMP error answered the attempt: (v6, type, code).
    pub icmp: Option<(bool, u8, u8)>,
    /// When the connection finished (closed, reset, refused).
    pub done: Option<Timestamp>,
    /// This connection reused a 4-tuple in TIME_WAIT.
    pub port_reuse: bool,
    /// Both sides sent SYN.
    pub simultaneous_open: bool,
    /// The server repeated its SYN,ACK after the client's ACK: the ACK was lost on the way and
    /// the server is still in SYN_RCVD.
    synack_after_ack: bool,
    /// Sequence analysis state and RTT samples.
    an: Analyzer,
    /// Verdict counts per direction index (allocated at the first data segment or verdict).
    counts: Option<Box<PerDir<AnalysisCounts>>>,
    /// Zeek's history and endpoint facts.
    zeek: Zeek,
    /// RSTs ignored as out of window.
    rst_ignored: u32,
    /// Per direction: the first acknowledgment number it sent (ACK set, not a RST).
    first_ack: PerDir<Option<u32>>,
    /// Per direction: its acknowledgment number moved on, or it acknowledged a SYN,ACK: the
    /// other side certainly sent something.
    acked: PerDir<bool>,
}

/// What one segment did.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Update {
    /// The annotation.
    pub event: Option<TcpEvent>,
    /// This segment finished the connection.
    pub ended: bool,
    /// The server answered a SYN (SYN,ACK) for the first time.
    pub answered_open: bool,
    /// The SYN was refused by this segment.
    pub refused: bool,
    /// tshark's verdicts on the segment.
    pub analysis: Analysis,
    /// With a duplicate ACK: its number in the row.
    pub dup_ack: u16,
}

impl TcpConn {
    /// A connection whose first seen segment is `seg`; roles decided from it and the ports
    /// (`ports[d]` is the port of direction `d`'s sender).
    pub fn new(id: u64, seg: &Segment, ports: [u16; 2]) -> TcpConn {
        let syn = seg.has(tcp_flags::SYN);
        let ack = seg.has(tcp_flags::ACK);
        let (client, roles) = if syn && !ack {
            (seg.dir, RoleRule::Syn)
        } else if syn && ack {
            (seg.dir ^ 1, RoleRule::SynAck)
        } else {
            let sp = ports.get(usize::from(seg.dir)).copied().unwrap_or(0);
            let dp = ports.get(usize::from(seg.dir ^ 1)).copied().unwrap_or(0);
            let (sender_is_client, rule) = super::port_roles(sp, dp);
            (if sender_is_client { seg.dir } else { seg.dir ^ 1 }, rule)
        };
        let mut c = TcpConn {
            common: Common::new(id, seg.ts, client, roles),
            base: PerDir::default(),
            syn_seq: None,
            last_syn: None,
            syns: 0,
            syn_gaps_us: ArrayVec::new(),
            server_syn: false,
            synack: false,
            client_synack: false,
            established: false,
            mid_stream: !syn,
            rtt: None,
            fin_end: PerDir::default(),
            fin_acked: PerDir::default(),
            first_fin: None,
            three_way: false,
            simul_close: false,
            rst_by: None,
            refused: false,
            icmp: None,
            done: None,
            port_reuse: false,
            simultaneous_open: false,
            synack_after_ack: false,
            an: Analyzer::default(),
            counts: None,
            zeek: Zeek::default(),
            rst_ignored: 0,
            first_ack: PerDir::default(),
            acked: PerDir::default(),
        };
        if syn && ack {
            // The SYN was missed, but the SYN,ACK acknowledges it: ISN = ack − 1.
            if let Some(a) = seg.ack {
                let isn = a.wrapping_sub(1);
                c.syn_seq = Some(isn);
                *c.base.at_mut(client) = Some(isn);
            }
        }
        c
    }

    /// Whether `seg` (a SYN without ACK) starts a new connection on this 4-tuple rather than
    /// repeating or answering this one's.
    pub fn starts_new(&self, seg: &Segment) -> bool {
        if !seg.has(tcp_flags::SYN) || seg.has(tcp_flags::ACK) {
            return false;
        }
        let from_client = seg.dir == self.common.client;
        let same_syn = from_client && self.syn_seq == Some(seg.seq);
        if self.done.is_some() {
            return !same_syn;
        }
        if from_client {
            return !same_syn;
        }
        // From the server side: the other half of a simultaneous open, or its retransmission.
        let opening = !self.synack && !self.established && !self.mid_stream;
        let same_server_syn = self.server_syn && *self.base.at(seg.dir) == Some(seg.seq);
        !(opening || same_server_syn)
    }

    /// What is kept once the connection has finished (see [`Tomb`]).
    pub fn tomb(&self, record: Option<u32>) -> Tomb {
        let time_wait = match (self.fully_closed(), self.first_fin) {
            (true, Some(ff)) => Some(self.side(ff)),
            _ => None,
        };
        Tomb {
            id: self.common.id,
            done: self.done.unwrap_or(self.common.last),
            base: self.base,
            syn_seq: self.syn_seq,
            client: self.common.client,
            roles: self.common.roles,
            time_wait,
            outcome: self.outcome(),
            states: self.states(),
            packets: self.total_packets(),
            bytes: self.common.bytes.0.saturating_add(self.common.bytes.1),
            record,
            an: Box::new(self.an),
            rtt: self.rtt,
        }
    }

    #[inline]
    fn side(&self, dir: u8) -> Side {
        if dir == self.common.client { Side::Client } else { Side::Server }
    }

    #[inline]
    fn fully_closed(&self) -> bool {
        self.fin_acked.0 && self.fin_acked.1
    }

    /// Counts a packet whose TCP header was cut before the flags (no state change).
    pub fn count_only(&mut self, dir: u8, wire: u32, payload: u32, ts: Timestamp) {
        self.common.count(dir, wire, payload, ts);
    }

    /// Applies one segment; returns the event, whether it ended the connection, and the
    /// relative sequence and acknowledgment numbers.
    pub fn update(&mut self, seg: &Segment) -> (Update, Option<u32>, Option<u32>) {
        let dir = seg.dir & 1;
        let peer = dir ^ 1;
        self.count_only(dir, seg.wire, seg.payload, seg.ts);
        let from_client = dir == self.common.client;
        let syn = seg.has(tcp_flags::SYN);
        let ackf = seg.has(tcp_flags::ACK);
        let rst = seg.has(tcp_flags::RST);
        let fin = seg.has(tcp_flags::FIN);
        let was_done = self.done.is_some();
        let mut up = Update::default();
        // RFC 5961: a RST outside the receiver's window is ignored (decided before this
        // segment moves the analysis state).
        let rst_ignored = rst
            && !syn
            && (self.established || self.mid_stream)
            && self.rst_by.is_none()
            && !self.refused
            && !self.fully_closed()
            && self.an.rst_out_of_window(dir, seg.seq);
        // An ignored RST leaves the sequence space as it was (the receiver dropped it).
        let (mut analysis, dup_ack) =
            if rst_ignored || !seg.whole { (Analysis::default(), 0) } else { self.an.segment(seg, self.rtt) };
        if syn && ackf && self.simultaneous_open && *self.base.at(dir) == Some(seg.seq) && !self.synack_sent(dir) {
            // In a simultaneous open each side sends its SYN, then a SYN,ACK with the same
            // sequence number: the handshake's second step, not a retransmission (tshark flags
            // it; fixtures/kernel/k-simultaneous-open shows the kernel sending it once).
            analysis.0 &= !(Analysis::RETRANSMISSION | Analysis::OUT_OF_ORDER | Analysis::SPURIOUS_RETRANSMISSION);
        }
        up.analysis = analysis;
        up.dup_ack = dup_ack;
        if seg.payload > 0 || !analysis.is_empty() {
            self.counts.get_or_insert_with(Box::default).at_mut(dir).add(analysis, seg.payload);
        }
        self.zeek.segment(dir, from_client, seg.flags, seg.payload, analysis, !rst_ignored);
        if ackf && !rst {
            if let Some(a) = seg.ack {
                match *self.first_ack.at(dir) {
                    None => *self.first_ack.at_mut(dir) = Some(a),
                    Some(f) if f != a => *self.acked.at_mut(dir) = true,
                    Some(_) => {}
                }
            }
        }

        if syn && !ackf {
            if from_client {
                match (self.syn_seq, self.last_syn) {
                    (Some(s), Some(prev)) if s == seg.seq => {
                        let gap = nanos_between(prev, seg.ts);
                        self.syns = self.syns.saturating_add(1);
                        let _ = self.syn_gaps_us.try_push(u32::try_from(gap / 1_000).unwrap_or(u32::MAX));
                        self.last_syn = Some(seg.ts);
                        up.event = Some(TcpEvent::SynRetry { n: self.syns.saturating_sub(1), after_nanos: gap });
                    }
                    _ => {
                        self.syn_seq = Some(seg.seq);
                        *self.base.at_mut(dir) = Some(seg.seq);
                        self.syns = self.syns.saturating_add(1);
                        self.last_syn = Some(seg.ts);
                        self.mid_stream = false;
                        up.event =
                            Some(if self.port_reuse { TcpEvent::PortReuse } else { TcpEvent::Handshake { step: 1 } });
                    }
                }
            } else if !self.synack && !self.established && !self.mid_stream && !self.server_syn {
                self.server_syn = true;
                self.simultaneous_open = true;
                *self.base.at_mut(dir) = Some(seg.seq);
                up.event = Some(TcpEvent::SimultaneousOpen);
            }
        } else if syn && ackf {
            if !self.established {
                *self.base.at_mut(dir) = Some(seg.seq);
            }
            if from_client {
                if self.simultaneous_open {
                    self.client_synack = true;
                    if self.synack {
                        self.established = true;
                    }
                }
            } else {
                if !self.synack && !self.refused {
                    up.answered_open = true;
                }
                if self.established && !self.simultaneous_open && *self.base.at(dir) == Some(seg.seq) {
                    // The SYN,ACK again after the client's ACK: that ACK never reached the server.
                    self.synack_after_ack = true;
                }
                self.synack = true;
                if self.client_synack {
                    self.established = true;
                }
            }
            up.event = Some(TcpEvent::Handshake { step: 2 });
        } else if rst {
            if rst_ignored {
                self.rst_ignored = self.rst_ignored.saturating_add(1);
                up.event = Some(TcpEvent::RstIgnored);
            } else if !(self.refused || self.rst_by.is_some() || self.fully_closed()) {
                let opening = self.syn_seq.is_some() && !self.synack && !self.established && !self.mid_stream;
                if !from_client && opening {
                    self.refused = true;
                    up.refused = true;
                    up.event = Some(TcpEvent::Refused);
                } else {
                    self.rst_by = Some(dir);
                    up.event = Some(TcpEvent::Reset);
                }
            }
        } else if ackf
            && !self.established
            && !self.mid_stream
            && (self.synack || self.client_synack)
            && (from_client || self.simultaneous_open)
        {
            self.established = true;
            self.rtt = self.last_syn.map(|s| nanos_between(s, seg.ts));
            up.event = Some(TcpEvent::Established { rtt_nanos: self.rtt });
        } else if ackf
            && from_client
            && !self.established
            && !self.mid_stream
            && !self.synack
            && self.syn_seq.is_some()
            && *self.common.packets.at(peer) == 0
        {
            // The client acknowledges a SYN,ACK the capture never showed: it arrived, so the
            // client is ESTABLISHED (a one-sided capture, or the SYN,ACK was cut).
            self.established = true;
            *self.acked.at_mut(dir) = true;
            if self.base.at(peer).is_none() {
                *self.base.at_mut(peer) = seg.ack.map(|a| a.wrapping_sub(1));
            }
            up.event = Some(TcpEvent::Established { rtt_nanos: None });
        }
        if !syn && !rst && !from_client && self.synack_after_ack {
            // The server sent something else: it has the ACK now.
            self.synack_after_ack = false;
        }

        // Teardown: FINs and their ACKs.
        if !rst && !syn && self.rst_by.is_none() && !self.refused {
            let close = self.teardown(seg, dir, peer, ackf, fin);
            if close.is_some() && up.event.is_none() {
                up.event = close;
            }
            if self.fully_closed() && self.done.is_none() {
                self.done = Some(seg.ts);
            }
        }
        if (self.refused || self.rst_by.is_some()) && self.done.is_none() {
            self.done = Some(seg.ts);
        }
        up.ended = !was_done && self.done.is_some();

        let base = *self.base.at_mut(dir).get_or_insert(seg.seq);
        let rel_seq = seg.seq.wrapping_sub(base);
        let rel_ack = match (seg.ack, *self.base.at(peer)) {
            (Some(a), Some(b)) if ackf => Some(a.wrapping_sub(b)),
            _ => None,
        };
        (up, Some(rel_seq), rel_ack)
    }

    /// An ICMP error about this connection while it was opening: the kernel gives up at once
    /// (`tcp_v4_err`/`tcp_v6_err` end a SYN_SENT socket with the error), so the connection ends
    /// here (its outcome is final). Returns whether it ended now.
    pub fn icmp_error(&mut self, icmp: (bool, u8, u8), ts: Timestamp) -> bool {
        self.common.icmp_errors = self.common.icmp_errors.saturating_add(1);
        self.common.touch(ts);
        if !self.awaiting_answer() || !crate::model::flow::icmp_ends_opening(icmp.0, icmp.1, icmp.2) {
            return false;
        }
        self.icmp = Some(icmp);
        if self.done.is_some() {
            return false;
        }
        self.done = Some(ts);
        true
    }

    /// The FIN / ACK-of-FIN bookkeeping; returns the close steps this segment performed.
    fn teardown(&mut self, seg: &Segment, dir: u8, peer: u8, ackf: bool, fin: bool) -> Option<TcpEvent> {
        let mut first = 0u8;
        let mut last = 0u8;
        if ackf {
            if let (Some(a), Some(fe)) = (seg.ack, *self.fin_end.at(peer)) {
                if !*self.fin_acked.at(peer) && seq_ge(a, fe) {
                    *self.fin_acked.at_mut(peer) = true;
                    first = if self.first_fin == Some(peer) { 2 } else { 4 };
                    last = first;
                }
            }
        }
        if fin && self.fin_end.at(dir).is_none() {
            *self.fin_end.at_mut(dir) = Some(seg.seq.wrapping_add(seg.payload).wrapping_add(1));
            if self.first_fin.is_none() {
                self.first_fin = Some(dir);
                first = 1;
                last = 1;
            } else {
                if first == 2 {
                    self.three_way = true;
                } else if !*self.fin_acked.at(peer) {
                    self.simul_close = true;
                }
                if first == 0 {
                    first = 3;
                }
                last = 3;
            }
        }
        (first != 0).then_some(TcpEvent::Close { first, last })
    }

    /// The state of the side sending in direction `x`.
    fn side_state(&self, x: u8) -> TcpState {
        if self.refused || self.rst_by.is_some() || (self.icmp.is_some() && self.done.is_some()) {
            return TcpState::Closed;
        }
        let is_client = x == self.common.client;
        let open = self.established || self.mid_stream;
        if open && !is_client && self.synack_after_ack && self.fin_end.at(x).is_none() {
            // The server repeated its SYN,ACK: it never got the client's ACK.
            return TcpState::SynRcvd;
        }
        if !open {
            return if is_client {
                if self.client_synack {
                    TcpState::SynRcvd
                } else if self.syn_seq.is_some() {
                    TcpState::SynSent
                } else {
                    TcpState::Closed
                }
            } else if self.synack {
                TcpState::SynRcvd
            } else if self.server_syn {
                TcpState::SynSent
            } else {
                TcpState::Listen
            };
        }
        let y = (x & 1) ^ 1;
        let x_fin = self.fin_end.at(x).is_some();
        let y_fin = self.fin_end.at(y).is_some();
        let x_acked = *self.fin_acked.at(x);
        let y_acked = *self.fin_acked.at(y);
        let active = self.first_fin == Some(x) || (self.simul_close && x_fin);
        match (x_fin, y_fin) {
            (false, false) => TcpState::Established,
            _ if active => match (y_fin && y_acked, x_acked) {
                (true, true) => TcpState::TimeWait,
                (true, false) => TcpState::Closing,
                (false, true) => TcpState::FinWait2,
                (false, false) => TcpState::FinWait1,
            },
            (false, true) => {
                if y_acked {
                    TcpState::CloseWait
                } else {
                    TcpState::Established
                }
            }
            (true, _) => {
                if x_acked {
                    TcpState::Closed
                } else {
                    TcpState::LastAck
                }
            }
        }
    }

    /// Both sides' states (client, server).
    pub fn states(&self) -> (TcpState, TcpState) {
        let c = self.common.client & 1;
        (self.side_state(c), self.side_state(c ^ 1))
    }

    /// The outcome so far.
    pub fn outcome(&self) -> TcpOutcome {
        if self.refused {
            return TcpOutcome::Refused;
        }
        if let Some(by) = self.rst_by {
            if self.lone_rst() {
                return TcpOutcome::LoneReset { by: self.side(by) };
            }
            return TcpOutcome::Reset { by: self.side(by) };
        }
        if let Some(ff) = self.first_fin {
            let first_fin = self.side(ff);
            return if self.fully_closed() {
                TcpOutcome::Closed {
                    first_fin,
                    way: if self.three_way { 3 } else { 4 },
                    simultaneous: self.simul_close,
                }
            } else if let Some(seen) = self.one_sided() {
                TcpOutcome::OneSided { seen }
            } else {
                TcpOutcome::Closing { first_fin }
            };
        }
        if let Some(seen) = self.one_sided() {
            return TcpOutcome::OneSided { seen };
        }
        if self.synack_after_ack {
            return TcpOutcome::HalfOpen;
        }
        if self.established {
            return TcpOutcome::Established;
        }
        if self.mid_stream {
            return TcpOutcome::MidStream;
        }
        if self.synack {
            return TcpOutcome::HalfOpen;
        }
        if let Some((v6, icmp_type, code)) = self.icmp {
            return TcpOutcome::Unreachable { v6, icmp_type, code };
        }
        TcpOutcome::NoAnswer { syns: self.syns.max(1) }
    }

    /// Only RSTs were seen: no handshake and nothing else (the SYN it answered, if any, was not
    /// captured), so neither ECONNREFUSED nor ECONNRESET is certain.
    fn lone_rst(&self) -> bool {
        self.mid_stream
            && self.first_ack.0.is_none()
            && self.first_ack.1.is_none()
            && self.common.payload.0 == 0
            && self.common.payload.1 == 0
            && self.fin_end.0.is_none()
            && self.fin_end.1.is_none()
    }

    /// When only one side's packets were captured although that side acknowledged the other's
    /// (so the other side did send): the side that was seen.
    pub fn one_sided(&self) -> Option<Side> {
        let (p0, p1) = (self.common.packets.0, self.common.packets.1);
        let seen = match (p0 > 0, p1 > 0) {
            (true, false) if self.acked.0 => 0,
            (false, true) if self.acked.1 => 1,
            _ => return None,
        };
        Some(self.side(seen))
    }

    /// Whether an ICMP error can still explain this connection (nothing came back yet).
    pub fn awaiting_answer(&self) -> bool {
        !self.synack && !self.established && !self.mid_stream && self.rst_by.is_none() && !self.refused
    }

    /// Packets so far, both ways.
    pub fn total_packets(&self) -> u64 {
        self.common.packets.0.saturating_add(self.common.packets.1)
    }

    /// The note for the segment just applied.
    pub fn note(&self, dir: u8, ended: bool) -> ConnNote {
        let (client_state, server_state) = self.states();
        ConnNote {
            id: self.common.id,
            from_client: dir == self.common.client,
            client_state,
            server_state,
            roles: self.common.roles,
            outcome: self.outcome(),
            packets: self.total_packets(),
            bytes: self.common.bytes.0.saturating_add(self.common.bytes.1),
            ended,
        }
    }

    /// Whether direction `d` already sent a SYN,ACK.
    fn synack_sent(&self, d: u8) -> bool {
        if d == self.common.client { self.client_synack } else { self.synack }
    }

    /// Whether the client is the key's `lo` endpoint (direction 0).
    pub fn client_is_lo(&self) -> bool {
        self.common.client == 0
    }

    /// The summary record.
    pub fn record(&self, key: &Key, end: FlowEnd) -> FlowRecord {
        FlowRecord {
            rtt_nanos: self.rtt,
            states: Some(self.states()),
            mid_stream: self.mid_stream,
            syn_gaps_us: self.syn_gaps_us.clone(),
            syn_retries: self.syns.saturating_sub(1),
            port_reuse: self.port_reuse,
            simultaneous_open: self.simultaneous_open,
            analysis: self.counts.as_ref().map(|c| {
                let cl = self.common.client & 1;
                Box::new([*c.at(cl), *c.at(cl ^ 1)])
            }),
            rtt: self.an.rtt,
            rst_ignored: self.rst_ignored,
            zeek_state: Some(self.zeek.state(self.common.client, self.established, {
                let cl = self.common.client & 1;
                [*self.common.payload.at(cl), *self.common.payload.at(cl ^ 1)]
            })),
            history: self.zeek.history().clone(),
            one_sided: self.one_sided().is_some(),
            ..self.common.record(key, FlowProto::Tcp, FlowOutcome::Tcp(self.outcome()), end)
        }
    }
}
