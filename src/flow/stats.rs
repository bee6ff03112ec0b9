//! `--stats` counting: packets and bytes per transport, per port and per socket.
//!
//! Per-port counts live in fixed 65,536-entry arrays (TCP and UDP, as server port and as client
//! port), so counting never allocates and never grows. Sockets need a map; it is capped at [`MAX_SOCKETS`], and when it is
//! full the less busy half is dropped (the report then says its socket counts are lower bounds).
//! Grouping by service name and port class is the renderer's job: this module only counts.

use std::net::IpAddr;

use rustc_hash::FxHashMap;

use crate::model::flow::{Count, FlowProto, PortCount, SocketCount, StatsReport};
use crate::model::{Packet, Transport};

/// Most sockets counted at once.
pub const MAX_SOCKETS: usize = 65_536;
/// Sockets listed in the report.
pub const TOP_SOCKETS: usize = 20;

/// The counters.
#[derive(Debug)]
pub(crate) struct PortStats {
    total: Count,
    tcp: Count,
    udp: Count,
    icmp: Count,
    other: Count,
    /// Index `proto * 65536 + port`: counts as the server port.
    server: Box<[Count]>,
    /// Same, as the client port.
    client: Box<[Count]>,
    sockets: FxHashMap<(FlowProto, IpAddr, u16), Count>,
    approximate: bool,
}

impl Default for PortStats {
    fn default() -> Self {
        PortStats {
            total: Count::default(),
            tcp: Count::default(),
            udp: Count::default(),
            icmp: Count::default(),
            other: Count::default(),
            server: vec![Count::default(); 2 * 65_536].into_boxed_slice(),
            client: vec![Count::default(); 2 * 65_536].into_boxed_slice(),
            sockets: FxHashMap::default(),
            approximate: false,
        }
    }
}

impl PortStats {
    /// Counts one packet; `from_client` is the tracker's verdict when the packet belongs to a
    /// tracked conversation.
    pub fn observe(&mut self, pkt: &Packet<'_>, from_client: Option<bool>) {
        let wire = u64::from(pkt.len);
        self.total.add(wire);
        let (proto, sp, dp) = match &pkt.transport {
            Transport::Tcp(t) => {
                self.tcp.add(wire);
                (FlowProto::Tcp, t.src_port, t.dst_port)
            }
            Transport::Udp(u) => {
                self.udp.add(wire);
                (FlowProto::Udp, u.src_port, u.dst_port)
            }
            Transport::Icmp(_) => {
                self.icmp.add(wire);
                return;
            }
            _ => {
                self.other.add(wire);
                return;
            }
        };
        let base = if proto == FlowProto::Tcp { 0 } else { 65_536 };
        let from_client = from_client.unwrap_or_else(|| super::port_roles(sp, dp).0);
        let (server_port, client_port) = if from_client { (dp, sp) } else { (sp, dp) };
        if let Some(c) = self.server.get_mut(base + usize::from(server_port)) {
            c.add(wire);
        }
        if let Some(c) = self.client.get_mut(base + usize::from(client_port)) {
            c.add(wire);
        }
        if let Some((s, d)) = pkt.net.addrs() {
            self.socket(proto, s, sp, wire);
            if (s, sp) != (d, dp) {
                self.socket(proto, d, dp, wire);
            }
        }
    }

    fn socket(&mut self, proto: FlowProto, ip: IpAddr, port: u16, wire: u64) {
        if let Some(c) = self.sockets.get_mut(&(proto, ip, port)) {
            c.add(wire);
            return;
        }
        if self.sockets.len() >= MAX_SOCKETS {
            self.prune();
        }
        let mut c = Count::default();
        c.add(wire);
        self.sockets.insert((proto, ip, port), c);
    }

    /// Drops the less busy half of the sockets.
    fn prune(&mut self) {
        let mut counts: Vec<u64> = self.sockets.values().map(|c| c.packets).collect();
        let mid = counts.len() / 2;
        let (_, median, _) = counts.select_nth_unstable(mid);
        let threshold = *median;
        self.sockets.retain(|_, c| c.packets > threshold);
        if self.sockets.len() >= MAX_SOCKETS / 2 {
            // Many ties at the median: drop arbitrary ones to guarantee room.
            let excess = self.sockets.len() - MAX_SOCKETS / 2;
            let keys: Vec<_> = self.sockets.keys().take(excess).copied().collect();
            for k in keys {
                self.sockets.remove(&k);
            }
        }
        self.approximate = true;
    }

    /// The report.
    pub fn report(&self) -> StatsReport {
        let ports = self
            .server
            .iter()
            .zip(self.client.iter())
            .enumerate()
            .filter(|(_, (s, c))| s.packets > 0 || c.packets > 0)
            .map(|(i, (s, c))| PortCount {
                proto: if i < 65_536 { FlowProto::Tcp } else { FlowProto::Udp },
                port: (i % 65_536) as u16,
                as_server: *s,
                as_client: *c,
            })
            .collect();
        let mut sockets: Vec<SocketCount> =
            self.sockets.iter().map(|(&(proto, ip, port), &count)| SocketCount { proto, ip, port, count }).collect();
        sockets.sort_by(|a, b| {
            b.count
                .packets
                .cmp(&a.count.packets)
                .then(b.count.bytes.cmp(&a.count.bytes))
                .then((a.proto, a.ip, a.port).cmp(&(b.proto, b.ip, b.port)))
        });
        sockets.truncate(TOP_SOCKETS);
        StatsReport {
            total: self.total,
            tcp: self.tcp,
            udp: self.udp,
            icmp: self.icmp,
            other: self.other,
            ports,
            sockets,
            sockets_approximate: self.approximate,
            clock: None,
        }
    }
}
