//! Connection tracking over decoded records, in packet order: relative sequence numbers and
//! the handshake steps the line view annotates.
//!
//! Pure: records in, notes out; no I/O. Memory is bounded by `TrackerConfig::max_flows`.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::model::flow::{PacketNote, TcpEvent};
use crate::model::{Packet, Timestamp, Transport, tcp_flags};

/// Limits and switches for the tracker.
#[derive(Clone, Copy, Debug)]
pub struct TrackerConfig {
    /// Most connections kept at once; the least recently seen is dropped beyond it.
    pub max_flows: usize,
    /// Seconds without packets after which a connection is forgotten.
    pub idle_timeout_secs: u64,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        TrackerConfig { max_flows: 100_000, idle_timeout_secs: 300 }
    }
}

type Endpoint = (IpAddr, u16);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    lo: Endpoint,
    hi: Endpoint,
}

#[derive(Clone, Copy, Debug, Default)]
struct Conn {
    /// Base sequence number per direction (0: sent by `lo`, 1: sent by `hi`).
    base: [Option<u32>; 2],
    syn_ts: Option<Timestamp>,
    syn_dir: Option<usize>,
    synack_seen: bool,
    established: bool,
    last: Timestamp,
}

/// The tracker.
#[derive(Debug, Default)]
pub struct Tracker {
    cfg: TrackerConfig,
    flows: HashMap<Key, Conn>,
}

impl Tracker {
    /// A tracker with these limits.
    pub fn new(cfg: TrackerConfig) -> Tracker {
        Tracker { cfg, flows: HashMap::new() }
    }

    /// Looks at one packet and says what it means for its connection.
    pub fn observe(&mut self, pkt: &Packet<'_>) -> PacketNote {
        let (Transport::Tcp(t), Some((s, d))) = (&pkt.transport, pkt.net.addrs()) else {
            return PacketNote::default();
        };
        let (Some(seq), Some(flags)) = (t.seq, t.flags) else {
            return PacketNote::default();
        };
        let a = (s, t.src_port);
        let b = (d, t.dst_port);
        let (key, dir) = if a <= b { (Key { lo: a, hi: b }, 0) } else { (Key { lo: b, hi: a }, 1) };
        if self.flows.len() >= self.cfg.max_flows && !self.flows.contains_key(&key) {
            let idle = self.cfg.idle_timeout_secs as i64;
            let now = pkt.ts.secs;
            self.flows.retain(|_, c| now - c.last.secs < idle);
            if self.flows.len() >= self.cfg.max_flows {
                return PacketNote::default();
            }
        }
        let c = self.flows.entry(key).or_default();
        c.last = pkt.ts;
        let syn = flags & tcp_flags::SYN != 0;
        let ackf = flags & tcp_flags::ACK != 0;
        let rst = flags & tcp_flags::RST != 0;
        let mut event = None;
        if syn && !ackf {
            c.base[dir] = Some(seq);
            c.syn_ts = Some(pkt.ts);
            c.syn_dir = Some(dir);
            c.synack_seen = false;
            c.established = false;
            event = Some(TcpEvent::Handshake { step: 1 });
        } else if syn && ackf {
            c.base[dir] = Some(seq);
            c.synack_seen = true;
            event = Some(TcpEvent::Handshake { step: 2 });
        } else if rst {
            event = Some(if c.syn_dir.is_some_and(|sd| sd != dir) && !c.synack_seen {
                TcpEvent::Refused
            } else {
                TcpEvent::Reset
            });
        } else if ackf && c.synack_seen && !c.established && c.syn_dir == Some(dir) {
            c.established = true;
            let rtt = c.syn_ts.map(|s| pkt.ts.nanos_since(s)).filter(|n| *n >= 0).map(|n| n as u64);
            event = Some(TcpEvent::Established { rtt_nanos: rtt });
        }
        let base = *c.base[dir].get_or_insert(seq);
        let other = c.base[1 - dir];
        PacketNote {
            rel_seq: Some(seq.wrapping_sub(base)),
            rel_ack: match (t.ack, other) {
                (Some(a), Some(o)) if ackf => Some(a.wrapping_sub(o)),
                _ => None,
            },
            event,
        }
    }
}
