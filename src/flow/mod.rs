//! Connection tracking over decoded records, in packet order: relative sequence numbers, the
//! handshake and teardown steps the line view annotates, both sides' TCP states for the ladder,
//! and the per-connection records, detections and counts that `--flows` and `--stats` print.
//!
//! Pure: records in, notes and reports out; no I/O. The tracker runs on every packet of every
//! view, so [`Tracker::observe`] does one hash look-up (FxHash) and a few comparisons on the
//! steady path and allocates nothing there.
//!
//! Memory is bounded. The flow table holds at most `max_flows` open TCP connections and UDP
//! conversations; when it is full, the least recently seen one is evicted and counted. Every
//! few seconds of capture time, flows idle for `idle_timeout_secs` are dropped and counted. A
//! connection that finishes (closed, reset, refused) leaves the table at once: its record is
//! written and a small tombstone stays as long as an idle flow would (`idle_timeout_secs`; at
//! most `max_flows` tombstones, the oldest dropped and counted beyond that), so stragglers keep
//! their connection's context and a new SYN on the same 4-tuple within TIME_WAIT (60 s) is
//! recognised as port reuse. Flows and tombstones are queued in
//! last-seen order ([`crate::recency`]), so eviction and expiry cost O(1) per flow on average,
//! never a scan of the table. Records (kept only with `records`) are capped at [`MAX_RECORDS`];
//! beyond that they are only counted.
//!
//! Layout: [`tcp`] is one TCP connection's state machine, [`udp`] one UDP conversation,
//! [`scan`] the port-scan detector, [`stats`] the `--stats` counters.

mod analysis;
mod scan;
mod stats;
mod tcp;
mod udp;
mod zeek;

use std::hash::{Hash, Hasher};
use std::net::IpAddr;

use rustc_hash::FxHashMap;

use crate::recency::Recency;

use crate::model::flow::{
    Detection, FlowEnd, FlowOutcome, FlowProto, FlowRecord, FlowReport, Omitted, PacketNote, RoleRule, RttStats,
    StatsReport, TcpOutcome, TrackerCounters, is_ephemeral,
};
use crate::model::{Packet, Timestamp, Transport};

use tcp::{Segment, TcpConn, Tomb};
use udp::UdpFlow;

/// Most finished-flow records kept for the table; later ones are counted in [`Omitted`].
pub const MAX_RECORDS: usize = 200_000;
/// Most detections kept individually.
pub const MAX_DETECTIONS: usize = 10_000;
/// How often, in capture seconds, idle flows and old tombstones are looked for (at most).
pub const SWEEP_SECS: u64 = 15;

/// Limits and switches for the tracker.
#[derive(Clone, Copy, Debug)]
pub struct TrackerConfig {
    /// Most flows kept at once; the least recently seen are evicted beyond it.
    pub max_flows: usize,
    /// Seconds without packets after which a flow is forgotten.
    pub idle_timeout_secs: u64,
    /// Keep a record of every flow and follow UDP, scans and the other detections (`--flows`).
    pub records: bool,
    /// Count ports and sockets (`--stats`).
    pub stats: bool,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        TrackerConfig { max_flows: 100_000, idle_timeout_secs: 300, records: false, stats: false }
    }
}

/// An IP address and a port.
pub type Endpoint = (IpAddr, u16);

/// A flow's key: the two endpoints in a fixed order (lower first), so both directions of a
/// conversation find the same entry. Direction index 0 means "sent by `lo`".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key {
    /// The lower endpoint.
    pub lo: Endpoint,
    /// The higher endpoint.
    pub hi: Endpoint,
}

/// The address as a number (IPv4 in the low 32 bits).
#[inline]
fn ip_bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(a.to_bits()),
        IpAddr::V6(a) => a.to_bits(),
    }
}

impl Hash for Key {
    /// Two or three word-sized writes instead of the derived byte-by-byte walk: the key is
    /// hashed for every packet.
    #[inline]
    fn hash<H: Hasher>(&self, h: &mut H) {
        match (self.lo.0, self.hi.0) {
            (IpAddr::V4(a), IpAddr::V4(b)) => h.write_u64(u64::from(a.to_bits()) << 32 | u64::from(b.to_bits())),
            (a, b) => {
                h.write_u128(ip_bits(a));
                h.write_u128(ip_bits(b));
            }
        }
        h.write_u32(u32::from(self.lo.1) << 16 | u32::from(self.hi.1));
    }
}

impl Key {
    /// The key of a packet from `a` to `b`, and the packet's direction index.
    #[inline]
    fn of(a: Endpoint, b: Endpoint) -> (Key, u8) {
        if a <= b { (Key { lo: a, hi: b }, 0) } else { (Key { lo: b, hi: a }, 1) }
    }
}

/// A value per direction (index 0: sent by the key's `lo`), read without slice indexing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PerDir<T>(pub T, pub T);

impl<T> PerDir<T> {
    /// The value for direction `d` (only its lowest bit counts).
    #[inline]
    pub fn at(&self, d: u8) -> &T {
        if d & 1 == 0 { &self.0 } else { &self.1 }
    }

    /// The value for direction `d`, mutably.
    #[inline]
    pub fn at_mut(&mut self, d: u8) -> &mut T {
        if d & 1 == 0 { &mut self.0 } else { &mut self.1 }
    }
}

/// What a TCP connection and a UDP conversation both keep: who they are, when they were seen,
/// which side is the client, and their counters per direction; and the part of their record
/// made from that.
#[derive(Clone, Debug)]
pub(crate) struct Common {
    /// Run-unique number.
    pub id: u64,
    /// First packet time.
    pub first: Timestamp,
    /// Latest packet time (never goes backwards).
    pub last: Timestamp,
    /// Direction index of the client.
    pub client: u8,
    /// How the roles were decided.
    pub roles: RoleRule,
    /// Packets per direction index.
    pub packets: PerDir<u64>,
    /// Wire bytes per direction index.
    pub bytes: PerDir<u64>,
    /// Payload bytes per direction index.
    pub payload: PerDir<u64>,
    /// ICMP errors tied to the flow.
    pub icmp_errors: u32,
}

impl Common {
    /// A flow first seen at `ts`, its client in direction `client`.
    pub fn new(id: u64, ts: Timestamp, client: u8, roles: RoleRule) -> Common {
        Common {
            id,
            first: ts,
            last: ts,
            client,
            roles,
            packets: PerDir::default(),
            bytes: PerDir::default(),
            payload: PerDir::default(),
            icmp_errors: 0,
        }
    }

    /// Counts one packet in direction `dir` (`wire` bytes on the wire, `payload` of them payload).
    #[inline]
    pub fn count(&mut self, dir: u8, wire: u32, payload: u32, ts: Timestamp) {
        let p = self.packets.at_mut(dir);
        *p = p.saturating_add(1);
        let b = self.bytes.at_mut(dir);
        *b = b.saturating_add(u64::from(wire));
        let pl = self.payload.at_mut(dir);
        *pl = pl.saturating_add(u64::from(payload));
        self.touch(ts);
    }

    /// Widens the flow's time span to `ts`.
    #[inline]
    pub fn touch(&mut self, ts: Timestamp) {
        if ts > self.last {
            self.last = ts;
        }
        if ts < self.first {
            self.first = ts;
        }
    }

    /// The record with these fields filled in (endpoints and counters in client, server
    /// order) and the protocol-specific ones empty.
    pub fn record(&self, key: &Key, proto: FlowProto, outcome: FlowOutcome, end: FlowEnd) -> FlowRecord {
        let c = self.client & 1;
        let s = c ^ 1;
        let (client, server) = if c == 0 { (key.lo, key.hi) } else { (key.hi, key.lo) };
        FlowRecord {
            id: self.id,
            proto,
            client,
            server,
            roles: self.roles,
            first: self.first,
            last: self.last,
            packets: [*self.packets.at(c), *self.packets.at(s)],
            bytes: [*self.bytes.at(c), *self.bytes.at(s)],
            payload: [*self.payload.at(c), *self.payload.at(s)],
            rtt_nanos: None,
            outcome,
            states: None,
            mid_stream: false,
            syn_gaps_us: arrayvec::ArrayVec::new(),
            syn_retries: 0,
            port_reuse: false,
            simultaneous_open: false,
            udp_pairs: 0,
            icmp_errors: self.icmp_errors,
            end,
            analysis: None,
            rtt: RttStats::default(),
            rst_ignored: 0,
            zeek_state: None,
            history: arrayvec::ArrayVec::new(),
            one_sided: false,
        }
    }
}

/// How "fixed" a port looks: 0 well-known, 1 registered below the ephemeral ranges, 2 ephemeral.
fn port_rank(port: u16) -> u8 {
    if port < 1024 {
        0
    } else if is_ephemeral(port) {
        2
    } else {
        1
    }
}

/// Roles without a handshake, for a packet from port `sp` to port `dp`: whether the sender is
/// the client, and the rule that decided. The side with the more ephemeral port is the client;
/// between alike ports the lower port is the server; equal ports: the sender is the client.
pub(crate) fn port_roles(sp: u16, dp: u16) -> (bool, RoleRule) {
    let (rs, rd) = (port_rank(sp), port_rank(dp));
    if rs != rd {
        (rs > rd, RoleRule::EphemeralPort)
    } else if sp != dp {
        (sp > dp, RoleRule::LowerPort)
    } else {
        (true, RoleRule::FirstPacket)
    }
}

/// Running totals of the flows that did not fit in the record list.
#[derive(Debug, Default)]
struct OmittedAcc {
    flows: u64,
    packets: u64,
    bytes: u64,
    by_outcome: Vec<(&'static str, u64)>,
}

/// The tracker.
#[derive(Debug)]
pub struct Tracker {
    cfg: TrackerConfig,
    tcp: FxHashMap<Key, TcpConn>,
    /// Finished connections during their TIME_WAIT (not counted as flows).
    tombs: FxHashMap<Key, Tomb>,
    udp: FxHashMap<Key, UdpFlow>,
    next_id: u64,
    /// The latest capture time seen (never goes backwards).
    clock: Timestamp,
    /// Capture second at which the next idle sweep runs.
    next_sweep: i64,
    records: Vec<FlowRecord>,
    /// Records handed out by [`Tracker::take_ended`] so far: a tombstone's record index minus
    /// this is its place in `records` (a drained record is no longer updated).
    drained: usize,
    omitted: OmittedAcc,
    detections: Vec<Detection>,
    detections_omitted: u64,
    scan: scan::ScanDetector,
    stats: Option<Box<stats::PortStats>>,
    counters: TrackerCounters,
    /// TCP (0) and UDP (1) flows in the order they were last seen, for eviction and expiry.
    order: Recency<(u8, Key), Timestamp>,
    /// Tombstones in the order they were made.
    tomb_order: Recency<Key, Timestamp>,
}

impl Default for Tracker {
    fn default() -> Self {
        Tracker::new(TrackerConfig::default())
    }
}

impl Tracker {
    /// A tracker with these limits.
    pub fn new(cfg: TrackerConfig) -> Tracker {
        let cfg = TrackerConfig { max_flows: cfg.max_flows.max(1), ..cfg };
        Tracker {
            cfg,
            tcp: FxHashMap::with_capacity_and_hasher(1024, Default::default()),
            tombs: FxHashMap::with_capacity_and_hasher(4096, Default::default()),
            udp: FxHashMap::default(),
            next_id: 1,
            clock: Timestamp { secs: i64::MIN, nanos: 0 },
            next_sweep: i64::MIN,
            records: Vec::new(),
            drained: 0,
            omitted: OmittedAcc::default(),
            detections: Vec::new(),
            detections_omitted: 0,
            scan: scan::ScanDetector::default(),
            stats: cfg.stats.then(Box::default),
            counters: TrackerCounters {
                max_flows: cfg.max_flows.max(1) as u64,
                idle_timeout_secs: cfg.idle_timeout_secs,
                ..TrackerCounters::default()
            },
            order: Recency::new(),
            tomb_order: Recency::new(),
        }
    }

    /// Flows in the table right now.
    pub fn live_flows(&self) -> usize {
        self.tcp.len() + self.udp.len()
    }

    /// Looks at one packet and says what it means for its connection.
    pub fn observe(&mut self, pkt: &Packet<'_>) -> PacketNote {
        let note = self.track(pkt);
        if let Some(st) = self.stats.as_mut() {
            st.observe(pkt, note.conn.map(|c| c.from_client));
        }
        note
    }

    fn track(&mut self, pkt: &Packet<'_>) -> PacketNote {
        if pkt.ts > self.clock {
            self.clock = pkt.ts;
            if self.clock.secs >= self.next_sweep {
                self.sweep();
            }
        }
        match (&pkt.transport, pkt.net.addrs()) {
            (Transport::Tcp(t), Some((s, d))) => {
                let (Some(seq), Some(flags)) = (t.seq, t.flags) else {
                    self.tcp_cut(pkt, (s, t.src_port), (d, t.dst_port), t.payload_len);
                    return PacketNote::default();
                };
                let (key, dir) = Key::of((s, t.src_port), (d, t.dst_port));
                let seg = Segment {
                    dir,
                    flags,
                    seq,
                    ack: t.ack,
                    payload: t.payload_len,
                    wire: pkt.len,
                    ts: pkt.ts,
                    window: t.window,
                    wscale: t.options.wscale,
                    // Cut by the end of its own packet (not by the snap length): malformed; in an
                    // IP fragment: its length is not known. Neither is analysed.
                    whole: (t.header_len.is_none_or(|h| u16::from(h) <= t.captured) || pkt.caplen() < pkt.len)
                        && pkt.net.fragment().is_none(),
                };
                self.tcp_segment(key, &seg, [key.lo.1, key.hi.1])
            }
            (Transport::Udp(u), Some((s, d))) if self.cfg.records => {
                self.udp_datagram(pkt, (s, u.src_port), (d, u.dst_port), u.payload_len);
                PacketNote::default()
            }
            (Transport::Icmp(i), Some(_)) => match i.quoted {
                Some(q) if q.protocol == 6 || self.cfg.records => match q.ports {
                    Some((sp, dp)) => {
                        let (key, _) = Key::of((q.src, sp), (q.dst, dp));
                        self.icmp_error(key, q.protocol, (i.v6, i.icmp_type, i.code), pkt.ts)
                    }
                    None => PacketNote::default(),
                },
                _ => PacketNote::default(),
            },
            _ => PacketNote::default(),
        }
    }

    fn tcp_segment(&mut self, key: Key, seg: &Segment, ports: [u16; 2]) -> PacketNote {
        // Steady path: one look-up, no allocation.
        if let Some(conn) = self.tcp.get_mut(&key) {
            if !conn.starts_new(seg) {
                let (up, rel_seq, rel_ack) = conn.update(seg);
                let note = conn.note(seg.dir, up.ended);
                if self.cfg.records && (up.answered_open || up.refused || up.event.is_some_and(is_simultaneous)) {
                    let (client, server) = if conn.client_is_lo() { (key.lo, key.hi) } else { (key.hi, key.lo) };
                    let id = conn.common.id;
                    self.after_update(&up, id, client, server);
                }
                if up.ended {
                    self.bury(key);
                }
                return PacketNote {
                    rel_seq,
                    rel_ack,
                    event: up.event,
                    analysis: up.analysis,
                    dup_ack: up.dup_ack,
                    conn: Some(note),
                };
            }
        } else if let Some(t) = self.tombs.get_mut(&key) {
            if !t.starts_new(seg) {
                let (note, from_client) = t.straggler(seg);
                let at = t.record.and_then(|i| (i as usize).checked_sub(self.drained));
                if let Some(r) = at.and_then(|i| self.records.get_mut(i)) {
                    let role = usize::from(!from_client);
                    if let (Some(p), Some(b), Some(pl)) =
                        (r.packets.get_mut(role), r.bytes.get_mut(role), r.payload.get_mut(role))
                    {
                        *p = p.saturating_add(1);
                        *b = b.saturating_add(u64::from(seg.wire));
                        *pl = pl.saturating_add(u64::from(seg.payload));
                    }
                    if seg.payload > 0 || !note.analysis.is_empty() {
                        if let Some(c) = r.analysis.get_or_insert_with(Box::default).get_mut(role) {
                            c.add(note.analysis, seg.payload);
                        }
                    }
                    if seg.ts > r.last {
                        r.last = seg.ts;
                    }
                }
                return note;
            }
        }
        self.tcp_new(key, seg, ports)
    }

    /// A connection just finished: its record is written now and a small tombstone stays for
    /// its TIME_WAIT.
    fn bury(&mut self, key: Key) {
        let Some(conn) = self.tcp.remove(&key) else { return };
        let record = self.finalize_tcp(&key, &conn, FlowEnd::Finished);
        if !self.tombs.contains_key(&key) && self.tombs.len() >= self.cfg.max_flows {
            self.drop_oldest_tomb();
        }
        let tomb = conn.tomb(record);
        self.tomb_order.push(key, tomb.done);
        self.tombs.insert(key, tomb);
        if self.tomb_order.needs_rebuild(self.tombs.len()) {
            self.tomb_order.rebuild(self.tombs.iter().map(|(k, t)| (*k, t.done)));
        }
    }

    /// The tombstones are as many as `max_flows`: forget the oldest one, and count it (port
    /// reuse on its 4-tuple can no longer be recognised).
    fn drop_oldest_tomb(&mut self) {
        let tombs = &self.tombs;
        if let Some(k) = self.tomb_order.pop_oldest(|k| tombs.get(k).map(|t| t.done)) {
            self.tombs.remove(&k);
            self.counters.tombs_dropped += 1;
        }
    }

    /// A segment that starts a connection (new 4-tuple, or a new SYN on a known one).
    #[cold]
    fn tcp_new(&mut self, key: Key, seg: &Segment, ports: [u16; 2]) -> PacketNote {
        let reuse = self.tombs.remove(&key).and_then(|t| t.in_time_wait(seg.ts));
        match self.tcp.remove(&key) {
            Some(old) => {
                self.finalize_tcp(&key, &old, FlowEnd::Replaced);
            }
            None => {
                if self.live_flows() >= self.cfg.max_flows {
                    self.make_room();
                }
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        self.counters.tcp_connections += 1;
        let mut conn = TcpConn::new(id, seg, ports);
        let (client, server) = if conn.client_is_lo() { (key.lo, key.hi) } else { (key.hi, key.lo) };
        if let Some((holder, after_nanos)) = reuse {
            conn.port_reuse = true;
            if self.cfg.records {
                let d = Detection::PortReuse { id, client, server, after_nanos, holder };
                push_detection(&mut self.detections, &mut self.detections_omitted, d);
            }
        }
        let (up, rel_seq, rel_ack) = conn.update(seg);
        let note = conn.note(seg.dir, up.ended);
        if self.cfg.records {
            self.after_update(&up, id, client, server);
        }
        let ended = up.ended;
        self.tcp.insert(key, conn);
        self.queue(0, key, seg.ts);
        if ended {
            self.bury(key);
        }
        let live = self.live_flows() as u64;
        if live > self.counters.peak_flows {
            self.counters.peak_flows = live;
        }
        PacketNote { rel_seq, rel_ack, event: up.event, analysis: up.analysis, dup_ack: up.dup_ack, conn: Some(note) }
    }

    /// Detections that follow from one segment's update (records only).
    fn after_update(&mut self, up: &tcp::Update, id: u64, client: Endpoint, server: Endpoint) {
        if up.answered_open {
            self.scan.open(client.0, server.0, server.1);
        }
        if up.refused {
            self.scan.failed(client.0, server.0, server.1, true);
        }
        if up.event.is_some_and(is_simultaneous) {
            let d = Detection::SimultaneousOpen { id, a: client, b: server };
            push_detection(&mut self.detections, &mut self.detections_omitted, d);
        }
    }

    /// A TCP packet whose header was cut before the flags: counted in its connection if known.
    fn tcp_cut(&mut self, pkt: &Packet<'_>, a: Endpoint, b: Endpoint, payload: u32) {
        let (key, dir) = Key::of(a, b);
        match self.tcp.get_mut(&key) {
            Some(c) => c.count_only(dir, pkt.len, payload, pkt.ts),
            None => self.counters.untracked += 1,
        }
    }

    fn udp_datagram(&mut self, pkt: &Packet<'_>, a: Endpoint, b: Endpoint, payload: u32) {
        let (key, dir) = Key::of(a, b);
        if !self.udp.contains_key(&key) && self.live_flows() >= self.cfg.max_flows {
            self.make_room();
        }
        let next_id = &mut self.next_id;
        let counters = &mut self.counters;
        let mut added = false;
        let flow = self.udp.entry(key).or_insert_with(|| {
            let id = *next_id;
            *next_id += 1;
            counters.udp_flows += 1;
            added = true;
            UdpFlow::new(id, &key, dir, [key.lo.1, key.hi.1], pkt.ts)
        });
        flow.update(dir, pkt.len, payload, pkt.ts);
        if added {
            self.queue(1, key, pkt.ts);
        }
        let live = self.live_flows() as u64;
        if live > self.counters.peak_flows {
            self.counters.peak_flows = live;
        }
    }

    /// An ICMP error quoting a packet of a tracked flow. For a TCP connection still opening,
    /// the error ends it as the kernel does; the note then carries the connection (the ladder
    /// draws the error as its last step).
    fn icmp_error(&mut self, key: Key, protocol: u8, icmp: (bool, u8, u8), ts: Timestamp) -> PacketNote {
        let (v6, t, c) = icmp;
        match protocol {
            17 => {
                if let Some(f) = self.udp.get_mut(&key) {
                    f.icmp_error(v6, t, c, ts);
                }
                PacketNote::default()
            }
            6 => {
                let Some(conn) = self.tcp.get_mut(&key) else { return PacketNote::default() };
                // The connection stays in the table: a SYN sent again after the error (the
                // kernel can miss an error that arrives while connect() still holds the socket)
                // is still its retransmission.
                let ended = conn.icmp_error(icmp, ts);
                let mut note = conn.note(conn.common.client ^ 1, ended);
                note.from_client = false;
                PacketNote { conn: Some(note), ..PacketNote::default() }
            }
            _ => PacketNote::default(),
        }
    }

    /// Queues a flow just added to the table (`proto` 0: TCP, 1: UDP).
    fn queue(&mut self, proto: u8, key: Key, ts: Timestamp) {
        self.order.push((proto, key), ts);
        if self.order.needs_rebuild(self.live_flows()) {
            let tcp = self.tcp.iter().map(|(k, c)| ((0u8, *k), c.common.last));
            let udp = self.udp.iter().map(|(k, f)| ((1u8, *k), f.common.last));
            self.order.rebuild(tcp.chain(udp));
        }
    }

    /// The time a queued flow was last seen, `None` when it is no longer in the table.
    fn last_seen(tcp: &FxHashMap<Key, TcpConn>, udp: &FxHashMap<Key, UdpFlow>, e: &(u8, Key)) -> Option<Timestamp> {
        if e.0 == 0 { tcp.get(&e.1).map(|c| c.common.last) } else { udp.get(&e.1).map(|f| f.common.last) }
    }

    /// Drops idle flows and finished connections past their linger time. Only the flows and
    /// tombstones old enough are looked at (the queues are in last-seen order).
    fn sweep(&mut self) {
        let idle = i128::from(self.cfg.idle_timeout_secs.max(1)) * 1_000_000_000;
        // A finished connection is remembered as long as an idle one (its stragglers keep their
        // context, and a new SYN within TIME_WAIT is port reuse).
        let linger = idle;
        let now = self.clock;
        // `t < cutoff` ⇔ quiet for at least the timeout.
        let idle_cutoff = now.minus_nanos(idle - 1);
        loop {
            let (tcp, udp) = (&self.tcp, &self.udp);
            let Some((proto, k)) = self.order.pop_older_than(idle_cutoff, |e| Self::last_seen(tcp, udp, e)) else {
                break;
            };
            self.counters.expired += 1;
            self.remove(proto, &k, FlowEnd::IdleTimeout);
        }
        let linger_cutoff = now.minus_nanos(linger - 1);
        loop {
            let tombs = &self.tombs;
            let Some(k) = self.tomb_order.pop_older_than(linger_cutoff, |k| tombs.get(k).map(|t| t.done)) else {
                break;
            };
            self.tombs.remove(&k);
        }
        let step = (SWEEP_SECS.min(self.cfg.idle_timeout_secs / 4).max(1)) as i64;
        self.next_sweep = now.secs.saturating_add(step);
    }

    /// The table is full: evict the least recently seen flow.
    fn make_room(&mut self) {
        let (tcp, udp) = (&self.tcp, &self.udp);
        if let Some((proto, k)) = self.order.pop_oldest(|e| Self::last_seen(tcp, udp, e)) {
            self.counters.evicted += 1;
            self.counters.evicted_open += 1;
            self.remove(proto, &k, FlowEnd::Evicted);
        }
    }

    fn remove(&mut self, proto: u8, k: &Key, end: FlowEnd) {
        if proto == 0 {
            if let Some(c) = self.tcp.remove(k) {
                self.finalize_tcp(k, &c, end);
            }
        } else if let Some(f) = self.udp.remove(k) {
            if self.cfg.records {
                let r = f.record(k, end);
                let _ = self.keep(r);
            }
        }
    }

    /// Writes a connection's record (with `records`); returns its index in the record list.
    fn finalize_tcp(&mut self, k: &Key, c: &TcpConn, end: FlowEnd) -> Option<u32> {
        if !self.cfg.records {
            return None;
        }
        let r = c.record(k, end);
        if matches!(r.outcome, FlowOutcome::Tcp(TcpOutcome::NoAnswer { .. } | TcpOutcome::Unreachable { .. }))
            && r.roles == RoleRule::Syn
        {
            self.scan.failed(r.client.0, r.server.0, r.server.1, false);
        }
        if r.syn_retries > 0 {
            let answered = r.packets[1] > 0;
            let d = Detection::SynRetransmission {
                id: r.id,
                client: r.client,
                server: r.server,
                retries: r.syn_retries,
                gaps_us: r.syn_gaps_us.clone(),
                answered,
            };
            push_detection(&mut self.detections, &mut self.detections_omitted, d);
        }
        self.keep(r)
    }

    /// Keeps a record (or only counts it beyond [`MAX_RECORDS`]); returns its index.
    fn keep(&mut self, r: FlowRecord) -> Option<u32> {
        if self.records.len() < MAX_RECORDS {
            self.records.push(r);
            return u32::try_from(self.drained + self.records.len() - 1).ok();
        }
        let o = &mut self.omitted;
        o.flows += 1;
        o.packets = o.packets.saturating_add(r.total_packets());
        o.bytes = o.bytes.saturating_add(r.total_bytes());
        let w = r.outcome.word();
        match o.by_outcome.iter_mut().find(|(k, _)| *k == w) {
            Some((_, n)) => *n += 1,
            None => o.by_outcome.push((w, 1)),
        }
        None
    }

    /// Ends tracking (end of input or Ctrl-C): every flow still in the table is closed off, and
    /// the report of all flows, detections and counters is handed out. The tracker is empty
    /// afterwards and can be used again.
    pub fn finish(&mut self) -> FlowReport {
        let mut keys: Vec<(u8, Key)> = self.tcp.keys().map(|k| (0u8, *k)).collect();
        keys.extend(self.udp.keys().map(|k| (1u8, *k)));
        for (proto, k) in keys {
            self.remove(proto, &k, FlowEnd::EndOfInput);
        }
        self.tombs.clear();
        self.order = Recency::new();
        self.tomb_order = Recency::new();
        let mut flows = std::mem::take(&mut self.records);
        self.drained = 0;
        if !flows.is_sorted_by_key(|r| r.id) {
            flows.sort_unstable_by_key(|r| r.id);
        }
        let mut detections = self.scan.report();
        detections.append(&mut self.detections);
        let mut counters = self.counters;
        counters.scan_pairs_dropped = self.scan.dropped;
        let o = std::mem::take(&mut self.omitted);
        FlowReport {
            flows,
            omitted: Omitted { flows: o.flows, packets: o.packets, bytes: o.bytes, by_outcome: o.by_outcome },
            detections,
            detections_omitted: std::mem::take(&mut self.detections_omitted),
            counters,
            clock: self.clock(),
        }
    }

    /// The records of the connections that ended (closed, reset, refused, timed out, evicted,
    /// replaced) since the last call, in the order they ended: a connection log written as it
    /// goes. Segments that straggle in after a connection's end (a retransmitted FIN, a late
    /// RST) no longer change a record once it was taken; the ones still open come from
    /// [`Tracker::finish`].
    pub fn take_ended(&mut self) -> std::vec::Drain<'_, FlowRecord> {
        self.drained += self.records.len();
        self.records.drain(..)
    }

    /// The `--stats` counts (`None` unless the tracker was configured with `stats`).
    pub fn stats(&self) -> Option<StatsReport> {
        self.stats.as_ref().map(|s| StatsReport { clock: self.clock(), ..s.report() })
    }

    /// The latest capture time seen, `None` before the first packet.
    pub fn clock(&self) -> Option<Timestamp> {
        (self.clock.secs != i64::MIN).then_some(self.clock)
    }
}

fn is_simultaneous(e: crate::model::flow::TcpEvent) -> bool {
    matches!(e, crate::model::flow::TcpEvent::SimultaneousOpen)
}

fn push_detection(list: &mut Vec<Detection>, omitted: &mut u64, d: Detection) {
    if list.len() < MAX_DETECTIONS {
        list.push(d);
    } else {
        *omitted += 1;
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests;
