//! One UDP conversation (a 4-tuple): who asked, whether anything answered, and the ICMP error
//! that answered instead when nothing listens.
//!
//! UDP has no handshake, so roles come from the ports (ephemeral vs. fixed) and, when the ports
//! do not decide, from who sent first. A request/response pair is a client → server datagram
//! followed by a server → client one.

use std::net::IpAddr;

use arrayvec::ArrayVec;

use crate::model::Timestamp;
use crate::model::flow::{FlowEnd, FlowOutcome, FlowProto, FlowRecord, RoleRule, UdpOutcome};

use super::{Key, PerDir};

/// One UDP conversation.
#[derive(Clone, Debug)]
pub(crate) struct UdpFlow {
    /// Run-unique number.
    pub id: u64,
    /// First packet time.
    pub first: Timestamp,
    /// Latest packet time.
    pub last: Timestamp,
    /// Direction index of the client.
    client: u8,
    /// How the roles were decided.
    roles: RoleRule,
    /// Per direction index.
    packets: PerDir<u64>,
    bytes: PerDir<u64>,
    payload: PerDir<u64>,
    /// Request/response pairs.
    pairs: u64,
    /// Direction of the previous datagram (2 = none yet).
    last_dir: u8,
    /// The latest ICMP error tied to the conversation: (v6, type, code).
    icmp: Option<(bool, u8, u8)>,
    /// ICMP errors tied to it.
    icmp_errors: u32,
    /// The server address is multicast or broadcast.
    group: bool,
}

fn is_group(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => a.is_multicast() || a.is_broadcast() || a.octets().last() == Some(&255),
        IpAddr::V6(a) => a.is_multicast(),
    }
}

impl UdpFlow {
    /// A conversation whose first datagram went in direction `dir`; `ports[d]` is direction
    /// `d`'s sender's port.
    pub fn new(id: u64, key: &Key, dir: u8, ports: [u16; 2], ts: Timestamp) -> UdpFlow {
        let dir = dir & 1;
        let sp = ports.get(usize::from(dir)).copied().unwrap_or(0);
        let dp = ports.get(usize::from(dir ^ 1)).copied().unwrap_or(0);
        let dst = if dir == 0 { key.hi.0 } else { key.lo.0 };
        let (sender_is_client, rule) = if is_group(dst) {
            (true, RoleRule::FirstPacket)
        } else {
            match super::port_roles(sp, dp) {
                (_, RoleRule::LowerPort) | (_, RoleRule::FirstPacket) => (true, RoleRule::FirstPacket),
                other => other,
            }
        };
        let client = if sender_is_client { dir } else { dir ^ 1 };
        let server_ip = if client == 0 { key.hi.0 } else { key.lo.0 };
        UdpFlow {
            id,
            first: ts,
            last: ts,
            client,
            roles: rule,
            packets: PerDir::default(),
            bytes: PerDir::default(),
            payload: PerDir::default(),
            pairs: 0,
            last_dir: 2,
            icmp: None,
            icmp_errors: 0,
            group: is_group(server_ip),
        }
    }

    /// Counts one datagram.
    pub fn update(&mut self, dir: u8, wire: u32, payload: u32, ts: Timestamp) {
        let dir = dir & 1;
        let p = self.packets.at_mut(dir);
        *p = p.saturating_add(1);
        let b = self.bytes.at_mut(dir);
        *b = b.saturating_add(u64::from(wire));
        let pl = self.payload.at_mut(dir);
        *pl = pl.saturating_add(u64::from(payload));
        if dir != self.client && self.last_dir == self.client {
            self.pairs = self.pairs.saturating_add(1);
        }
        self.last_dir = dir;
        if ts > self.last {
            self.last = ts;
        }
        if ts < self.first {
            self.first = ts;
        }
    }

    /// Ties an ICMP error (quoting a datagram of this conversation) to it.
    pub fn icmp_error(&mut self, v6: bool, icmp_type: u8, code: u8, ts: Timestamp) {
        self.icmp = Some((v6, icmp_type, code));
        self.icmp_errors = self.icmp_errors.saturating_add(1);
        if ts > self.last {
            self.last = ts;
        }
    }

    /// The outcome so far.
    pub fn outcome(&self) -> UdpOutcome {
        let port_unreachable = |v6: bool, t: u8, c: u8| if v6 { t == 1 && c == 4 } else { t == 3 && c == 3 };
        match self.icmp {
            Some((v6, t, c)) if port_unreachable(v6, t, c) => UdpOutcome::PortUnreachable,
            Some((v6, icmp_type, code)) if self.pairs == 0 => UdpOutcome::Unreachable { v6, icmp_type, code },
            _ if self.pairs > 0 || *self.packets.at(self.client ^ 1) > 0 => UdpOutcome::Answered,
            _ if self.group => UdpOutcome::OneWay,
            _ => UdpOutcome::NoReply,
        }
    }

    /// The summary record.
    pub fn record(&self, key: &Key, end: FlowEnd) -> FlowRecord {
        let c = self.client & 1;
        let s = c ^ 1;
        let (client, server) = if c == 0 { (key.lo, key.hi) } else { (key.hi, key.lo) };
        FlowRecord {
            id: self.id,
            proto: FlowProto::Udp,
            client,
            server,
            roles: self.roles,
            first: self.first,
            last: self.last,
            packets: [*self.packets.at(c), *self.packets.at(s)],
            bytes: [*self.bytes.at(c), *self.bytes.at(s)],
            payload: [*self.payload.at(c), *self.payload.at(s)],
            rtt_nanos: None,
            outcome: FlowOutcome::Udp(self.outcome()),
            states: None,
            mid_stream: false,
            syn_gaps_us: ArrayVec::new(),
            syn_retries: 0,
            port_reuse: false,
            simultaneous_open: false,
            udp_pairs: self.pairs,
            icmp_errors: self.icmp_errors,
            end,
        }
    }
}
