//! One UDP conversation (a 4-tuple): who asked, whether anything answered, and the ICMP error
//! that answered instead when nothing listens.
//!
//! UDP has no handshake, so roles come from the ports (ephemeral vs. fixed) and, when the ports
//! do not decide, from who sent first. A request/response pair is a client → server datagram
//! followed by a server → client one.

use std::net::IpAddr;


use crate::model::Timestamp;
use crate::model::flow::{FlowEnd, FlowOutcome, FlowProto, FlowRecord, RoleRule, UdpOutcome};

use super::{Common, Key};

/// One UDP conversation.
#[derive(Clone, Debug)]
pub(crate) struct UdpFlow {
    /// Identity, times, roles and counters.
    pub common: Common,
    /// Request/response pairs.
    pairs: u64,
    /// Direction of the previous datagram (2 = none yet).
    last_dir: u8,
    /// The latest ICMP error tied to the conversation: (v6, type, code).
    icmp: Option<(bool, u8, u8)>,
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
        UdpFlow { common: Common::new(id, ts, client, rule), pairs: 0, last_dir: 2, icmp: None, group: is_group(server_ip) }
    }

    /// Counts one datagram.
    pub fn update(&mut self, dir: u8, wire: u32, payload: u32, ts: Timestamp) {
        let dir = dir & 1;
        self.common.count(dir, wire, payload, ts);
        let client = self.common.client;
        if dir != client && self.last_dir == client {
            self.pairs = self.pairs.saturating_add(1);
        }
        self.last_dir = dir;
    }

    /// Ties an ICMP error (quoting a datagram of this conversation) to it.
    pub fn icmp_error(&mut self, v6: bool, icmp_type: u8, code: u8, ts: Timestamp) {
        self.icmp = Some((v6, icmp_type, code));
        self.common.icmp_errors = self.common.icmp_errors.saturating_add(1);
        if ts > self.common.last {
            self.common.last = ts;
        }
    }

    /// The outcome so far.
    pub fn outcome(&self) -> UdpOutcome {
        let port_unreachable = |v6: bool, t: u8, c: u8| if v6 { t == 1 && c == 4 } else { t == 3 && c == 3 };
        match self.icmp {
            Some((v6, t, c)) if port_unreachable(v6, t, c) => UdpOutcome::PortUnreachable,
            Some((v6, icmp_type, code)) if self.pairs == 0 => UdpOutcome::Unreachable { v6, icmp_type, code },
            _ if self.pairs > 0 || *self.common.packets.at(self.common.client ^ 1) > 0 => UdpOutcome::Answered,
            _ if self.group => UdpOutcome::OneWay,
            _ => UdpOutcome::NoReply,
        }
    }

    /// The summary record.
    pub fn record(&self, key: &Key, end: FlowEnd) -> FlowRecord {
        FlowRecord {
            udp_pairs: self.pairs,
            ..self.common.record(key, FlowProto::Udp, FlowOutcome::Udp(self.outcome()), end)
        }
    }
}
