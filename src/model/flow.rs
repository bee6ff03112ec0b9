//! What the connection tracker says about packets and connections, as plain data for the printers.
//!
//! The tracker (`crate::flow`) fills a [`PacketNote`] for every packet; the line, JSON, bits and
//! ladder views print it. At the end of the input (or on Ctrl-C) it hands out a [`FlowReport`]
//! (one [`FlowRecord`] per connection, detections, counters) and a [`StatsReport`]. All of it
//! lives in `model` so that renderers never depend on the tracker itself
//! (`flow → model`, `render → model`).
//!
//! The words for outcomes (and the errno a program would have seen) live here too, next to the
//! data they describe, so that the table, the ladder and the JSON records say the same thing.

use std::fmt;
use std::net::IpAddr;

use arrayvec::ArrayVec;

use super::Timestamp;

/// The tracker's verdict on one packet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PacketNote {
    /// Sequence number relative to the sender's initial sequence number, when known.
    pub rel_seq: Option<u32>,
    /// Acknowledgment number relative to the peer's initial sequence number, when known.
    pub rel_ack: Option<u32>,
    /// What this packet did to its connection, if anything noteworthy.
    pub event: Option<TcpEvent>,
    /// tshark's sequence-analysis verdicts on this segment.
    pub analysis: Analysis,
    /// With [`Analysis::DUPLICATE_ACK`]: which duplicate in a row this is (1 for the first;
    /// stops at 65535).
    pub dup_ack: u16,
    /// The TCP connection the packet belongs to, with both sides' states after it (the ladder
    /// view draws from this). `None` for anything that is not a tracked TCP segment.
    pub conn: Option<ConnNote>,
}

/// Where a TCP packet stands in its connection: enough for a view to draw the connection
/// without keeping its own state machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnNote {
    /// A number for this connection, unique for the run (a reused 4-tuple gets a new one).
    pub id: u64,
    /// The packet was sent by the client.
    pub from_client: bool,
    /// The client's TCP state after this packet, as an observer on the wire infers it.
    pub client_state: TcpState,
    /// The server's TCP state after this packet.
    pub server_state: TcpState,
    /// How the tracker decided which side is the client.
    pub roles: RoleRule,
    /// The connection's outcome so far.
    pub outcome: TcpOutcome,
    /// Packets seen in this connection so far, both ways, this one included.
    pub packets: u64,
    /// Bytes on the wire (frame lengths) so far, both ways.
    pub bytes: u64,
    /// This packet ended the connection (last ACK of the close, RST, or the RST refusing a SYN).
    pub ended: bool,
}

/// One of the two ends of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The side that opened the connection (sent the SYN, or was judged to by port).
    Client,
    /// The side that was connected to.
    Server,
}

impl Side {
    /// `"client"` or `"server"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Server => "server",
        }
    }

    /// The other side.
    pub const fn peer(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A TCP state (RFC 9293 §3.3.2), as far as an observer on the wire can tell it: a side's state
/// changes when it sends the segment that shows the change (a FIN, the ACK of a FIN, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TcpState {
    /// No connection (before the SYN, or after the end).
    Closed,
    /// A server waiting for connections (assumed until it answers).
    Listen,
    /// The client sent its SYN and waits for the SYN,ACK.
    SynSent,
    /// The server answered the SYN with SYN,ACK and waits for the ACK.
    SynRcvd,
    /// Data may flow both ways.
    Established,
    /// Sent the first FIN; waits for its ACK.
    FinWait1,
    /// The first FIN was acknowledged; waits for the peer's FIN.
    FinWait2,
    /// Received (and acknowledged) the peer's FIN; the program has not closed yet.
    CloseWait,
    /// Both sides sent FIN at the same time (simultaneous close).
    Closing,
    /// Sent its FIN after the peer's; waits for the last ACK.
    LastAck,
    /// Closed first, acknowledged the peer's FIN: keeps the 4-tuple for 2×MSL by RFC 9293; Linux fixes it at 60 s (`TCP_TIMEWAIT_LEN`).
    TimeWait,
}

impl TcpState {
    /// The name as `netstat` and RFC 9293 print it, with `_` (`SYN_SENT`, `TIME_WAIT`).
    pub const fn as_str(self) -> &'static str {
        match self {
            TcpState::Closed => "CLOSED",
            TcpState::Listen => "LISTEN",
            TcpState::SynSent => "SYN_SENT",
            TcpState::SynRcvd => "SYN_RCVD",
            TcpState::Established => "ESTABLISHED",
            TcpState::FinWait1 => "FIN_WAIT_1",
            TcpState::FinWait2 => "FIN_WAIT_2",
            TcpState::CloseWait => "CLOSE_WAIT",
            TcpState::Closing => "CLOSING",
            TcpState::LastAck => "LAST_ACK",
            TcpState::TimeWait => "TIME_WAIT",
        }
    }
}

impl fmt::Display for TcpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the tracker decided which side is the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RoleRule {
    /// The client sent the SYN (the normal case).
    Syn,
    /// The capture started after the SYN: the side that sent SYN,ACK is the server.
    SynAck,
    /// No handshake seen: the side with the ephemeral (or higher-class) port is the client.
    EphemeralPort,
    /// No handshake seen, both ports of the same kind: the lower port is the server.
    LowerPort,
    /// Nothing else decided: the sender of the first packet seen is the client.
    FirstPacket,
}

impl RoleRule {
    /// A short identifier for JSON (`syn`, `syn-ack`, `ephemeral-port`, `lower-port`,
    /// `first-packet`).
    pub const fn as_str(self) -> &'static str {
        match self {
            RoleRule::Syn => "syn",
            RoleRule::SynAck => "syn-ack",
            RoleRule::EphemeralPort => "ephemeral-port",
            RoleRule::LowerPort => "lower-port",
            RoleRule::FirstPacket => "first-packet",
        }
    }

    /// The rule in words, for reports.
    pub const fn explain(self) -> &'static str {
        match self {
            RoleRule::Syn => "the client sent the SYN",
            RoleRule::SynAck => "the capture missed the SYN; the side that sent SYN,ACK is the server",
            RoleRule::EphemeralPort => {
                "no handshake seen; the side with the ephemeral (or less well-known) port is taken as the client"
            }
            RoleRule::LowerPort => "no handshake seen and both ports are alike; the lower port is taken as the server",
            RoleRule::FirstPacket => "nothing else decided; the sender of the first packet seen is taken as the client",
        }
    }
}

/// True when `port` lies in an ephemeral range: Linux's 32768–60999 or IANA's 49152–65535.
#[must_use]
pub const fn is_ephemeral(port: u16) -> bool {
    port >= 32768
}

/// How far a TCP connection got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpOutcome {
    /// Only SYNs from the client, nothing back (yet).
    NoAnswer {
        /// SYNs sent (1 = no retry).
        syns: u16,
    },
    /// The SYN was answered by RST: nothing listens on the port.
    Refused,
    /// An ICMP error answered the connection attempt.
    Unreachable {
        /// ICMPv6 rather than ICMP.
        v6: bool,
        /// ICMP type.
        icmp_type: u8,
        /// ICMP code.
        code: u8,
    },
    /// SYN and SYN,ACK seen, the handshake's last ACK not (yet).
    HalfOpen,
    /// Handshake done, no FIN or RST (yet).
    Established,
    /// No handshake seen: the capture started after it; no FIN or RST (yet).
    MidStream,
    /// One side sent FIN; the close has not finished.
    Closing {
        /// Who sent the first FIN.
        first_fin: Side,
    },
    /// Both FINs sent and acknowledged.
    Closed {
        /// Who sent the first FIN (that side holds TIME_WAIT).
        first_fin: Side,
        /// 3 when the second FIN rode on the ACK of the first (FIN, FIN+ACK, ACK), else 4.
        way: u8,
        /// Both FINs crossed (simultaneous close): both sides hold TIME_WAIT.
        simultaneous: bool,
    },
    /// A RST ended the connection after the handshake (or mid-stream).
    Reset {
        /// Who sent the RST.
        by: Side,
    },
    /// Only a RST was seen: no handshake, no data. It may have refused a SYN the capture
    /// missed or reset a connection seen from its end; which error the peer got is not known.
    LoneReset {
        /// Who sent the RST (by the port rule).
        by: Side,
    },
    /// Only one side's packets were captured, though that side acknowledged the other's: the
    /// capture is one-sided (an asymmetric tap or route), so nothing failed that can be told.
    OneSided {
        /// The side whose packets were captured.
        seen: Side,
    },
}

impl TcpOutcome {
    /// One or two words for tables and JSON: `established`, `closed`, `reset`, `refused`,
    /// `no answer`, `half-open`, `closing`, `unreachable`, `mid-stream`, `one-sided`.
    pub const fn word(self) -> &'static str {
        match self {
            TcpOutcome::NoAnswer { .. } => "no answer",
            TcpOutcome::Refused => "refused",
            TcpOutcome::Unreachable { .. } => "unreachable",
            TcpOutcome::HalfOpen => "half-open",
            TcpOutcome::Established => "established",
            TcpOutcome::MidStream => "mid-stream",
            TcpOutcome::Closing { .. } => "closing",
            TcpOutcome::Closed { .. } => "closed",
            TcpOutcome::Reset { .. } | TcpOutcome::LoneReset { .. } => "reset",
            TcpOutcome::OneSided { .. } => "one-sided",
        }
    }

    /// The error a program would have seen (`connect()`, `read()` …), when there is one.
    pub const fn errno(self) -> Option<&'static str> {
        match self {
            TcpOutcome::NoAnswer { .. } => Some("ETIMEDOUT"),
            TcpOutcome::Refused => Some("ECONNREFUSED"),
            TcpOutcome::Unreachable { v6, icmp_type, code } => Some(icmp_errno(v6, icmp_type, code)),
            TcpOutcome::Reset { .. } => Some("ECONNRESET"),
            _ => None,
        }
    }

    /// Whether the connection is over (nothing more is expected on it).
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            TcpOutcome::Refused
                | TcpOutcome::Closed { .. }
                | TcpOutcome::Reset { .. }
                | TcpOutcome::LoneReset { .. }
                | TcpOutcome::Unreachable { .. }
        )
    }
}

/// The errno Linux gives a socket for an ICMP or ICMPv6 error (`icmp_err_convert` in
/// `net/ipv4/icmp.c`, `icmpv6_err_convert` in `net/ipv6/icmp.c`).
pub const fn icmp_errno(v6: bool, icmp_type: u8, code: u8) -> &'static str {
    if v6 {
        return match (icmp_type, code) {
            (1, 0) => "ENETUNREACH",
            (1, 1 | 5 | 6) => "EACCES",
            (1, 4) => "ECONNREFUSED",
            (1, _) => "EHOSTUNREACH",
            (2, _) => "EMSGSIZE",
            (3, _) => "EHOSTUNREACH",
            _ => "EPROTO",
        };
    }
    match (icmp_type, code) {
        (3, 0 | 6 | 9 | 11) => "ENETUNREACH",
        (3, 2) => "ENOPROTOOPT",
        (3, 3) => "ECONNREFUSED",
        (3, 4) => "EMSGSIZE",
        (3, 5) => "EOPNOTSUPP",
        (3, 7) => "EHOSTDOWN",
        (3, 8) => "ENONET",
        (3, _) => "EHOSTUNREACH",
        (11, _) => "EHOSTUNREACH",
        (12, _) => "EPROTO",
        _ => "EHOSTUNREACH",
    }
}

/// Whether Linux ends a connecting TCP socket (SYN_SENT) on this ICMP error: every
/// destination unreachable but "fragmentation needed" / "packet too big" (path MTU), time
/// exceeded and parameter problem (`tcp_v4_err`, `tcp_v6_err`).
pub const fn icmp_ends_opening(v6: bool, icmp_type: u8, code: u8) -> bool {
    if v6 {
        matches!(icmp_type, 1 | 3 | 4)
    } else {
        matches!((icmp_type, code), (3, 0..=3 | 5..=15) | (11 | 12, _))
    }
}

/// How a UDP conversation went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UdpOutcome {
    /// Datagrams went both ways: requests answered.
    Answered,
    /// Only client → server datagrams, nothing back.
    NoReply,
    /// To a multicast or broadcast address: no reply is expected on the same 4-tuple.
    OneWay,
    /// An ICMP port unreachable answered: nothing listens (a connected socket gets
    /// ECONNREFUSED on its next call).
    PortUnreachable,
    /// Another ICMP error answered (host/network unreachable, prohibited …).
    Unreachable {
        /// ICMPv6 rather than ICMP.
        v6: bool,
        /// ICMP type.
        icmp_type: u8,
        /// ICMP code.
        code: u8,
    },
}

impl UdpOutcome {
    /// A short word for tables and JSON.
    pub const fn word(self) -> &'static str {
        match self {
            UdpOutcome::Answered => "answered",
            UdpOutcome::NoReply => "no reply",
            UdpOutcome::OneWay => "one-way",
            UdpOutcome::PortUnreachable => "port unreachable",
            UdpOutcome::Unreachable { .. } => "unreachable",
        }
    }

    /// The error a connected UDP socket would have seen.
    pub const fn errno(self) -> Option<&'static str> {
        match self {
            UdpOutcome::PortUnreachable => Some("ECONNREFUSED"),
            UdpOutcome::Unreachable { v6, icmp_type, code } => Some(icmp_errno(v6, icmp_type, code)),
            _ => None,
        }
    }
}

/// TCP or UDP outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowOutcome {
    /// A TCP connection.
    Tcp(TcpOutcome),
    /// A UDP conversation.
    Udp(UdpOutcome),
}

impl FlowOutcome {
    /// The short word.
    pub const fn word(self) -> &'static str {
        match self {
            FlowOutcome::Tcp(o) => o.word(),
            FlowOutcome::Udp(o) => o.word(),
        }
    }

    /// The errno a program would have seen.
    pub const fn errno(self) -> Option<&'static str> {
        match self {
            FlowOutcome::Tcp(o) => o.errno(),
            FlowOutcome::Udp(o) => o.errno(),
        }
    }
}

/// The transport of a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FlowProto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl FlowProto {
    /// `"tcp"` / `"udp"` (ECS `network.transport`).
    pub const fn as_str(self) -> &'static str {
        match self {
            FlowProto::Tcp => "tcp",
            FlowProto::Udp => "udp",
        }
    }

    /// `"TCP"` / `"UDP"`.
    pub const fn upper(self) -> &'static str {
        match self {
            FlowProto::Tcp => "TCP",
            FlowProto::Udp => "UDP",
        }
    }
}

/// Why the tracker stopped following a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowEnd {
    /// The input ended (or Ctrl-C) while the flow was still in the table.
    EndOfInput,
    /// The connection finished (closed, reset, refused).
    Finished,
    /// No packet for `--flow-timeout` seconds.
    IdleTimeout,
    /// The table was full (`--max-flows`): the least recently seen flows were dropped.
    Evicted,
    /// A new SYN reused the 4-tuple; the old connection was closed off.
    Replaced,
}

impl FlowEnd {
    /// A short identifier (`end-of-input`, `finished`, `idle-timeout`, `evicted`, `replaced`).
    pub const fn as_str(self) -> &'static str {
        match self {
            FlowEnd::EndOfInput => "end-of-input",
            FlowEnd::Finished => "finished",
            FlowEnd::IdleTimeout => "idle-timeout",
            FlowEnd::Evicted => "evicted",
            FlowEnd::Replaced => "replaced",
        }
    }
}

/// Most SYN retransmission gaps kept per connection.
pub const MAX_SYN_GAPS: usize = 6;

/// Most letters of a Zeek `history` kept.
pub const MAX_HISTORY: usize = 16;

/// Zeek's `conn_state` of a TCP connection: a code analysts know from `conn.log`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ZeekState {
    /// Connection attempt seen, no reply.
    S0,
    /// Connection established, not terminated.
    S1,
    /// Normal establishment and termination.
    SF,
    /// Connection attempt rejected.
    Rej,
    /// Established, the originator (client) closed, no reply from the responder.
    S2,
    /// Established, the responder (server) closed, no reply from the originator.
    S3,
    /// Established, the originator aborted (sent a RST).
    Rsto,
    /// Established, the responder sent a RST.
    Rstr,
    /// The originator sent a SYN then a RST; no SYN,ACK was seen.
    Rstos0,
    /// The responder sent a SYN,ACK then a RST; no SYN from the originator was seen.
    Rstrh,
    /// The originator sent a SYN then a FIN; no SYN,ACK was seen (half open).
    Sh,
    /// The responder sent a SYN,ACK then a FIN; no SYN from the originator was seen.
    Shr,
    /// No SYN seen, only mid-stream traffic.
    Oth,
}

impl ZeekState {
    /// The code as Zeek writes it (`S0`, `SF`, `RSTO` …).
    pub const fn as_str(self) -> &'static str {
        match self {
            ZeekState::S0 => "S0",
            ZeekState::S1 => "S1",
            ZeekState::SF => "SF",
            ZeekState::Rej => "REJ",
            ZeekState::S2 => "S2",
            ZeekState::S3 => "S3",
            ZeekState::Rsto => "RSTO",
            ZeekState::Rstr => "RSTR",
            ZeekState::Rstos0 => "RSTOS0",
            ZeekState::Rstrh => "RSTRH",
            ZeekState::Sh => "SH",
            ZeekState::Shr => "SHR",
            ZeekState::Oth => "OTH",
        }
    }
}

/// Per-direction counts: index 0 is client → server, 1 is server → client.
pub type Both = [u64; 2];

/// One connection (TCP) or conversation (UDP), summarised for the `--flows` table and the
/// `{"type":"flow"}` JSON record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowRecord {
    /// The connection's number (as in [`ConnNote::id`]).
    pub id: u64,
    /// TCP or UDP.
    pub proto: FlowProto,
    /// Client address and port.
    pub client: (IpAddr, u16),
    /// Server address and port.
    pub server: (IpAddr, u16),
    /// How the roles were decided.
    pub roles: RoleRule,
    /// First packet's timestamp.
    pub first: Timestamp,
    /// Last packet's timestamp.
    pub last: Timestamp,
    /// Packets each way (client → server, server → client).
    pub packets: Both,
    /// Bytes on the wire (frame lengths) each way.
    pub bytes: Both,
    /// Transport payload bytes each way.
    pub payload: Both,
    /// Handshake round-trip time SYN → ACK, in nanoseconds.
    pub rtt_nanos: Option<u64>,
    /// The outcome.
    pub outcome: FlowOutcome,
    /// TCP: both sides' states at the end (client, server).
    pub states: Option<(TcpState, TcpState)>,
    /// TCP: no handshake was seen (the capture started after it).
    pub mid_stream: bool,
    /// TCP: gaps between successive SYNs in microseconds (retransmissions), first few.
    pub syn_gaps_us: ArrayVec<u32, MAX_SYN_GAPS>,
    /// TCP: SYN retransmissions (SYNs after the first).
    pub syn_retries: u16,
    /// TCP: this connection reused a 4-tuple that was still in TIME_WAIT.
    pub port_reuse: bool,
    /// TCP: both sides sent SYN (simultaneous open).
    pub simultaneous_open: bool,
    /// UDP: client → server datagrams answered by a server → client datagram.
    pub udp_pairs: u64,
    /// ICMP errors tied to this flow.
    pub icmp_errors: u32,
    /// Why the tracker stopped following it.
    pub end: FlowEnd,
    /// TCP: sequence-analysis counts per direction (client → server, server → client); `None`
    /// when the connection carried no data and got no verdict.
    pub analysis: Option<Box<[AnalysisCounts; 2]>>,
    /// TCP: round-trip times sampled during the connection (the handshake's included).
    pub rtt: RttStats,
    /// TCP: RSTs ignored because they fell outside the receiver's window.
    pub rst_ignored: u32,
    /// TCP: Zeek's `conn_state`.
    pub zeek_state: Option<ZeekState>,
    /// TCP: Zeek's `history` letters (ASCII; upper case for the client).
    pub history: ArrayVec<u8, MAX_HISTORY>,
    /// TCP: only one direction of the connection was seen, although the other side must have
    /// sent (its packets were acknowledged): the capture is one-sided (an asymmetric tap).
    pub one_sided: bool,
}

impl FlowRecord {
    /// Packets both ways.
    pub fn total_packets(&self) -> u64 {
        self.packets[0].saturating_add(self.packets[1])
    }

    /// Wire bytes both ways.
    pub fn total_bytes(&self) -> u64 {
        self.bytes[0].saturating_add(self.bytes[1])
    }

    /// Last − first packet time in nanoseconds (0 when the clock went backwards).
    pub fn duration_nanos(&self) -> u64 {
        u64::try_from(self.last.nanos_since(self.first)).unwrap_or(0)
    }
}

/// A count of flows that were not kept individually (the table of finished flows has a cap).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Omitted {
    /// Flows summarised only here.
    pub flows: u64,
    /// Their packets.
    pub packets: u64,
    /// Their wire bytes.
    pub bytes: u64,
    /// How many of them per outcome word.
    pub by_outcome: Vec<(&'static str, u64)>,
}

/// A pattern worth pointing out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detection {
    /// One source probed many ports of one host, mostly refused or unanswered.
    PortScan {
        /// The prober.
        source: IpAddr,
        /// The probed host.
        target: IpAddr,
        /// Distinct TCP ports probed (a lower bound when `ports_at_least`).
        ports: u32,
        /// The detector's port bitmaps were all in use: `ports` counts only the first ones.
        ports_at_least: bool,
        /// Lowest port probed.
        lo: u16,
        /// Highest port probed.
        hi: u16,
        /// Connection attempts (SYNs that started a connection).
        attempts: u64,
        /// Attempts answered by RST.
        refused: u64,
        /// Attempts that completed the handshake (open ports).
        open: u64,
        /// Attempts with no answer at all.
        unanswered: u64,
        /// The open ports (first few).
        open_ports: ArrayVec<u16, 8>,
    },
    /// A new SYN on a 4-tuple whose previous connection was still in TIME_WAIT.
    PortReuse {
        /// Connection number of the new connection.
        id: u64,
        /// Client of the new connection.
        client: (IpAddr, u16),
        /// Server of the new connection.
        server: (IpAddr, u16),
        /// Time since the previous connection closed, in nanoseconds.
        after_nanos: u64,
        /// Which side of the old connection held TIME_WAIT.
        holder: Side,
    },
    /// Both sides sent a SYN before either answered.
    SimultaneousOpen {
        /// Connection number.
        id: u64,
        /// The side that sent the first SYN.
        a: (IpAddr, u16),
        /// The other side.
        b: (IpAddr, u16),
    },
    /// A connection whose SYN was sent more than once.
    SynRetransmission {
        /// Connection number.
        id: u64,
        /// Client.
        client: (IpAddr, u16),
        /// Server.
        server: (IpAddr, u16),
        /// SYNs after the first.
        retries: u16,
        /// Gaps between successive SYNs in microseconds (first few).
        gaps_us: ArrayVec<u32, MAX_SYN_GAPS>,
        /// The connection got an answer in the end.
        answered: bool,
    },
}

impl Detection {
    /// A short identifier for JSON (`port_scan`, `port_reuse`, `simultaneous_open`,
    /// `syn_retransmission`).
    pub const fn kind(&self) -> &'static str {
        match self {
            Detection::PortScan { .. } => "port_scan",
            Detection::PortReuse { .. } => "port_reuse",
            Detection::SimultaneousOpen { .. } => "simultaneous_open",
            Detection::SynRetransmission { .. } => "syn_retransmission",
        }
    }
}

/// What the tracker counted about itself (the bounded-memory bookkeeping).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrackerCounters {
    /// TCP connections seen.
    pub tcp_connections: u64,
    /// UDP conversations seen.
    pub udp_flows: u64,
    /// Flows dropped because the table was full (`--max-flows`).
    pub evicted: u64,
    /// Of those, connections that had not finished.
    pub evicted_open: u64,
    /// Flows forgotten after `--flow-timeout` seconds without packets.
    pub expired: u64,
    /// TCP/UDP packets that could not be tracked (header cut before the flags, or the table
    /// could not make room).
    pub untracked: u64,
    /// Most flows in the table at once.
    pub peak_flows: u64,
    /// The table cap in force.
    pub max_flows: u64,
    /// The idle timeout in force, seconds.
    pub idle_timeout_secs: u64,
    /// Source/target pairs the scan detector had to stop following (its own cap).
    pub scan_pairs_dropped: u64,
    /// Finished connections forgotten before their TIME_WAIT ended because the tombstones hit
    /// their cap (`max_flows`): a new SYN on one of those 4-tuples is not recognised as port reuse.
    pub tombs_dropped: u64,
}

/// Everything `--flows` prints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowReport {
    /// The flows, in the order their first packet was seen.
    pub flows: Vec<FlowRecord>,
    /// Flows beyond the cap of kept records, counted only.
    pub omitted: Omitted,
    /// Scans, port reuse, simultaneous opens, SYN retransmissions.
    pub detections: Vec<Detection>,
    /// Detections not kept individually (their cap).
    pub detections_omitted: u64,
    /// Bookkeeping.
    pub counters: TrackerCounters,
    /// The latest capture time the tracker saw (`None` before any packet): the time of the
    /// records that sum the run up.
    pub clock: Option<Timestamp>,
}

/// Packets and bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Count {
    /// Packets.
    pub packets: u64,
    /// Wire bytes.
    pub bytes: u64,
}

impl Count {
    /// Adds one packet of `bytes`.
    #[inline]
    pub fn add(&mut self, bytes: u64) {
        self.packets = self.packets.wrapping_add(1);
        self.bytes = self.bytes.wrapping_add(bytes);
    }
}

/// Counts for one port of one transport, by the role the port played.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortCount {
    /// TCP or UDP.
    pub proto: FlowProto,
    /// The port.
    pub port: u16,
    /// Packets of conversations in which this port was the server's (each packet counts for
    /// exactly one server port).
    pub as_server: Count,
    /// Packets in which this port was the client's.
    pub as_client: Count,
}

/// Counts for one socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SocketCount {
    /// TCP or UDP.
    pub proto: FlowProto,
    /// Address.
    pub ip: IpAddr,
    /// Port.
    pub port: u16,
    /// Packets sent from or to the socket.
    pub count: Count,
}

/// Everything `--stats` prints. Per-port counts are raw; the renderer groups them by service
/// name and port class (the service registry is not the tracker's business).
///
/// Each TCP/UDP packet is counted once for its server port and once for its client port. The
/// server side is the tracked connection's server when the packet belongs to one, else the side
/// with the more fixed port (well-known before registered before ephemeral, then the lower).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatsReport {
    /// Every packet read.
    pub total: Count,
    /// TCP packets.
    pub tcp: Count,
    /// UDP packets.
    pub udp: Count,
    /// ICMP and ICMPv6 packets.
    pub icmp: Count,
    /// Everything else (ARP, other IP protocols, undecodable).
    pub other: Count,
    /// Every port seen, both transports, in (transport, port) order.
    pub ports: Vec<PortCount>,
    /// The busiest sockets (both endpoints of every packet count), most packets first.
    pub sockets: Vec<SocketCount>,
    /// The socket counter hit its cap and dropped rarely seen sockets: the socket counts are
    /// lower bounds.
    pub sockets_approximate: bool,
    /// The latest capture time seen (`None` before any packet).
    pub clock: Option<Timestamp>,
}

/// tshark's `tcp.analysis.*` verdicts on one segment, as bits (several may hold at once).
///
/// The names are tshark's, so that people can cross-check: [`Analysis::NAMES`] gives the
/// field name after `tcp.analysis.` (also the JSON identifier).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Analysis(pub u16);

impl Analysis {
    /// The segment repeats data already seen (sequence number below the highest seen); also
    /// set, as tshark does, on fast and spurious retransmissions.
    pub const RETRANSMISSION: u16 = 1 << 0;
    /// A retransmission right after two or more duplicate ACKs asked for it (within 20 ms).
    pub const FAST_RETRANSMISSION: u16 = 1 << 1;
    /// A retransmission of data the receiver had already acknowledged.
    pub const SPURIOUS_RETRANSMISSION: u16 = 1 << 2;
    /// Data below the highest sequence number, but too soon after it to be a retransmission
    /// (less than the handshake RTT, or 3 ms).
    pub const OUT_OF_ORDER: u16 = 1 << 3;
    /// The sequence number jumped past what was seen: a segment before it was not captured.
    pub const LOST_SEGMENT: u16 = 1 << 4;
    /// The ACK covers data that was never seen: the capture missed it (not the receiver).
    pub const ACK_LOST_SEGMENT: u16 = 1 << 5;
    /// The same ACK again, with no data and the same window: the receiver asks for a missing
    /// segment.
    pub const DUPLICATE_ACK: u16 = 1 << 6;
    /// The sender's receive buffer is full: window 0.
    pub const ZERO_WINDOW: u16 = 1 << 7;
    /// One byte sent into a zero window, to learn when it opens.
    pub const ZERO_WINDOW_PROBE: u16 = 1 << 8;
    /// The answer to a zero-window probe (still zero).
    pub const ZERO_WINDOW_PROBE_ACK: u16 = 1 << 9;
    /// The segment fills the receiver's advertised window exactly: the sender must wait.
    pub const WINDOW_FULL: u16 = 1 << 10;
    /// Only the window changed (no data, same ACK).
    pub const WINDOW_UPDATE: u16 = 1 << 11;
    /// A keep-alive probe: zero or one byte one below the next sequence number.
    pub const KEEP_ALIVE: u16 = 1 << 12;
    /// The answer to a keep-alive.
    pub const KEEP_ALIVE_ACK: u16 = 1 << 13;

    /// Every verdict with tshark's field name (after `tcp.analysis.`), in bit order.
    pub const NAMES: [(u16, &'static str); 14] = [
        (Self::RETRANSMISSION, "retransmission"),
        (Self::FAST_RETRANSMISSION, "fast_retransmission"),
        (Self::SPURIOUS_RETRANSMISSION, "spurious_retransmission"),
        (Self::OUT_OF_ORDER, "out_of_order"),
        (Self::LOST_SEGMENT, "lost_segment"),
        (Self::ACK_LOST_SEGMENT, "ack_lost_segment"),
        (Self::DUPLICATE_ACK, "duplicate_ack"),
        (Self::ZERO_WINDOW, "zero_window"),
        (Self::ZERO_WINDOW_PROBE, "zero_window_probe"),
        (Self::ZERO_WINDOW_PROBE_ACK, "zero_window_probe_ack"),
        (Self::WINDOW_FULL, "window_full"),
        (Self::WINDOW_UPDATE, "window_update"),
        (Self::KEEP_ALIVE, "keep_alive"),
        (Self::KEEP_ALIVE_ACK, "keep_alive_ack"),
    ];

    /// Whether verdict `bit` holds.
    #[inline]
    pub const fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }

    /// Whether no verdict holds.
    #[inline]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The names of the verdicts that hold, in bit order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES.into_iter().filter(move |(b, _)| self.0 & b != 0).map(|(_, n)| n)
    }

    /// Whether any kind of retransmission (plain, fast, spurious) holds.
    #[inline]
    pub const fn is_retransmission(self) -> bool {
        self.0 & (Self::RETRANSMISSION | Self::FAST_RETRANSMISSION | Self::SPURIOUS_RETRANSMISSION) != 0
    }
}

/// How many segments of one direction got each [`Analysis`] verdict, with the data segments
/// and bytes they are counted against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AnalysisCounts {
    /// Per verdict, in the order of [`Analysis::NAMES`].
    pub counts: [u32; 14],
    /// Segments that carried payload.
    pub data_segments: u64,
    /// Segments with payload counted as any kind of retransmission.
    pub retransmitted_segments: u64,
    /// Their payload bytes.
    pub retransmitted_bytes: u64,
}

impl AnalysisCounts {
    /// Counts one segment's verdicts.
    #[inline]
    pub fn add(&mut self, a: Analysis, payload: u32) {
        if payload > 0 {
            self.data_segments = self.data_segments.saturating_add(1);
            if a.is_retransmission() {
                self.retransmitted_segments = self.retransmitted_segments.saturating_add(1);
                self.retransmitted_bytes = self.retransmitted_bytes.saturating_add(u64::from(payload));
            }
        }
        if a.is_empty() {
            return;
        }
        for (i, c) in self.counts.iter_mut().enumerate() {
            if a.0 & (1 << i) != 0 {
                *c = c.saturating_add(1);
            }
        }
    }

    /// The count of verdict `bit` (one of the [`Analysis`] constants).
    pub fn get(&self, bit: u16) -> u32 {
        self.counts.get(bit.trailing_zeros() as usize).copied().unwrap_or(0)
    }

    /// Segments counted as any kind of retransmission (plain, fast, spurious: the plain flag
    /// is set on all of them).
    pub fn retransmissions(&self) -> u64 {
        u64::from(self.get(Analysis::RETRANSMISSION))
    }

    /// Whether nothing was counted but data segments.
    pub fn is_clean(&self) -> bool {
        self.counts.iter().all(|c| *c == 0)
    }
}

/// Round-trip times measured on one connection from the capture point: a segment timed until
/// the ACK that covers it, never a retransmitted one (Karn's rule); the handshake included.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RttStats {
    /// Samples taken.
    pub samples: u32,
    /// Smallest, ns.
    pub min_nanos: u64,
    /// Largest, ns.
    pub max_nanos: u64,
    /// Sum of all samples, ns (for the mean).
    pub sum_nanos: u64,
}

impl RttStats {
    /// Adds one sample.
    #[inline]
    pub fn add(&mut self, nanos: u64) {
        if self.samples == 0 || nanos < self.min_nanos {
            self.min_nanos = nanos;
        }
        if nanos > self.max_nanos {
            self.max_nanos = nanos;
        }
        self.samples = self.samples.saturating_add(1);
        self.sum_nanos = self.sum_nanos.saturating_add(nanos);
    }

    /// The mean sample, ns (`None` without samples).
    pub fn mean_nanos(&self) -> Option<u64> {
        (self.samples > 0).then(|| self.sum_nanos / u64::from(self.samples))
    }
}

/// A step in a TCP connection's life that the line view annotates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpEvent {
    /// Handshake step 1 (SYN) or 2 (SYN+ACK) of 3.
    Handshake {
        /// 1 or 2.
        step: u8,
    },
    /// The same SYN again: the client got no answer and retried.
    SynRetry {
        /// Retry number (1 for the second SYN).
        n: u16,
        /// Time since the previous SYN, in nanoseconds.
        after_nanos: u64,
    },
    /// A SYN on a 4-tuple whose previous connection is still in TIME_WAIT.
    PortReuse,
    /// The second side's SYN in a simultaneous open.
    SimultaneousOpen,
    /// The ACK that completes the handshake, with the round-trip time SYN → ACK when measured.
    Established {
        /// Handshake RTT in nanoseconds.
        rtt_nanos: Option<u64>,
    },
    /// Teardown steps `first..=last` of 4 (FIN, ACK of it, the other FIN, ACK of it); one
    /// segment can carry two steps (`close 2+3/4`: the second FIN rides on the first FIN's ACK).
    Close {
        /// First step this segment performs, 1..=4.
        first: u8,
        /// Last step, `first` or `first + 1`.
        last: u8,
    },
    /// RST on an established or half-open connection.
    Reset,
    /// RST answering a SYN: nothing listens on the port.
    Refused,
    /// RST outside the receiver's window: the receiver ignores it (RFC 5961) and the
    /// connection goes on.
    RstIgnored,
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn errno_for_each_failure() {
        assert_eq!(TcpOutcome::Refused.errno(), Some("ECONNREFUSED"));
        assert_eq!(TcpOutcome::Reset { by: Side::Server }.errno(), Some("ECONNRESET"));
        assert_eq!(TcpOutcome::NoAnswer { syns: 3 }.errno(), Some("ETIMEDOUT"));
        assert_eq!(UdpOutcome::PortUnreachable.errno(), Some("ECONNREFUSED"));
        assert_eq!(TcpOutcome::Closed { first_fin: Side::Client, way: 4, simultaneous: false }.errno(), None);
        assert_eq!(TcpOutcome::LoneReset { by: Side::Server }.errno(), None);
        assert_eq!(TcpOutcome::OneSided { seen: Side::Client }.errno(), None);
    }

    #[test]
    fn icmp_errors_map_as_linux_does() {
        // ICMPv6 destination unreachable: administratively prohibited, policy, reject route.
        for code in [1, 5, 6] {
            assert_eq!(icmp_errno(true, 1, code), "EACCES", "code {code}");
        }
        assert_eq!(icmp_errno(true, 1, 4), "ECONNREFUSED");
        assert_eq!(icmp_errno(true, 1, 3), "EHOSTUNREACH");
        assert_eq!(icmp_errno(true, 1, 0), "ENETUNREACH");
        assert_eq!(icmp_errno(false, 3, 3), "ECONNREFUSED");
        assert_eq!(icmp_errno(false, 3, 0), "ENETUNREACH");
        assert_eq!(icmp_errno(false, 3, 1), "EHOSTUNREACH");
        assert_eq!(icmp_errno(false, 3, 13), "EHOSTUNREACH");
        assert!(!icmp_ends_opening(false, 3, 4), "fragmentation needed only lowers the path MTU");
        assert!(!icmp_ends_opening(true, 2, 0), "packet too big only lowers the path MTU");
        assert!(icmp_ends_opening(true, 1, 1));
    }
}
