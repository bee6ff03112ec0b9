//! Connection tracking over decoded records, in packet order: relative sequence numbers, the
//! handshake and teardown steps the line view annotates, both sides' TCP states for the ladder,
//! and the per-connection records, detections and counts that `--flows` and `--stats` print.
//!
//! Pure: records in, notes and reports out; no I/O. The tracker runs on every packet of every
//! view, so [`Tracker::observe`] does one hash look-up (FxHash) and a few comparisons on the
//! steady path and allocates nothing there.
//!
//! Memory is bounded. The flow table holds at most `max_flows` open TCP connections and UDP
//! conversations; when it is full, the least recently seen are evicted (a sixteenth at a time)
//! and counted. Every few seconds of capture time, flows idle for `idle_timeout_secs` are
//! dropped and counted. A connection that finishes (closed, reset, refused) leaves the table at
//! once: its record is written and a small tombstone stays for its TIME_WAIT (60 s, at most the
//! idle timeout; at most `max_flows` tombstones), so stragglers and a new SYN on the same
//! 4-tuple (port reuse) are recognised. Records (kept only with `records`) are capped at
//! [`MAX_RECORDS`]; beyond that they are only counted. A live connection takes about 250 bytes
//! of state, a tombstone under 100.
//!
//! Layout: [`tcp`] is one TCP connection's state machine, [`udp`] one UDP conversation,
//! [`scan`] the port-scan detector, [`stats`] the `--stats` counters.

mod scan;
mod stats;
mod tcp;
mod udp;

use std::hash::{Hash, Hasher};
use std::net::IpAddr;

use rustc_hash::FxHashMap;

use crate::model::flow::{
    Detection, FlowEnd, FlowOutcome, FlowProto, FlowRecord, FlowReport, Omitted, PacketNote, RoleRule, StatsReport,
    TcpOutcome,
    TrackerCounters, is_ephemeral,
};
use crate::model::{Packet, Timestamp, Transport};

use tcp::{Segment, TcpConn, Tomb};
use udp::UdpFlow;

/// Most finished-flow records kept for the table; later ones are counted in [`Omitted`].
pub const MAX_RECORDS: usize = 200_000;
/// Most detections kept individually.
pub const MAX_DETECTIONS: usize = 10_000;
/// Longest a finished connection stays in the table (TIME_WAIT on Linux).
pub const LINGER_SECS: u64 = 60;

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
    omitted: OmittedAcc,
    detections: Vec<Detection>,
    detections_omitted: u64,
    scan: scan::ScanDetector,
    stats: Option<Box<stats::PortStats>>,
    counters: TrackerCounters,
    /// Scratch list of keys for sweeps and evictions (kept to reuse its allocation).
    scratch: Vec<(u8, Timestamp, bool, Key)>,
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
            scratch: Vec::new(),
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
                let seg = Segment { dir, flags, seq, ack: t.ack, payload: t.payload_len, wire: pkt.len, ts: pkt.ts };
                self.tcp_segment(key, &seg, [key.lo.1, key.hi.1])
            }
            (Transport::Udp(u), Some((s, d))) if self.cfg.records => {
                self.udp_datagram(pkt, (s, u.src_port), (d, u.dst_port), u.payload_len);
                PacketNote::default()
            }
            (Transport::Icmp(i), Some(_)) if self.cfg.records => {
                if let Some(q) = i.quoted {
                    if let Some((sp, dp)) = q.ports {
                        let (key, _) = Key::of((q.src, sp), (q.dst, dp));
                        self.icmp_error(key, q.protocol, (i.v6, i.icmp_type, i.code), pkt.ts);
                    }
                }
                PacketNote::default()
            }
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
                return PacketNote { rel_seq, rel_ack, event: up.event, conn: Some(note) };
            }
        } else if let Some(t) = self.tombs.get_mut(&key) {
            if !t.starts_new(seg) {
                let (note, from_client) = t.straggler(seg);
                if let Some(r) = t.record.and_then(|i| self.records.get_mut(i as usize)) {
                    let role = usize::from(!from_client);
                    if let (Some(p), Some(b), Some(pl)) =
                        (r.packets.get_mut(role), r.bytes.get_mut(role), r.payload.get_mut(role))
                    {
                        *p = p.saturating_add(1);
                        *b = b.saturating_add(u64::from(seg.wire));
                        *pl = pl.saturating_add(u64::from(seg.payload));
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
        if self.tombs.len() >= self.cfg.max_flows {
            self.thin_tombs();
        }
        self.tombs.insert(key, conn.tomb(record));
    }

    /// The tombstones are as many as `max_flows`: forget the oldest sixteenth.
    fn thin_tombs(&mut self) {
        let mut done: Vec<(Timestamp, Key)> = self.tombs.iter().map(|(k, t)| (t.done, *k)).collect();
        let n = (done.len() / 16).max(1).min(done.len());
        if n < done.len() {
            done.select_nth_unstable_by_key(n, |d| d.0);
        }
        for (_, k) in done.iter().take(n) {
            self.tombs.remove(k);
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
        if ended {
            self.bury(key);
        }
        let live = self.live_flows() as u64;
        if live > self.counters.peak_flows {
            self.counters.peak_flows = live;
        }
        PacketNote { rel_seq, rel_ack, event: up.event, conn: Some(note) }
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
        let flow = self.udp.entry(key).or_insert_with(|| {
            let id = *next_id;
            *next_id += 1;
            counters.udp_flows += 1;
            UdpFlow::new(id, &key, dir, [key.lo.1, key.hi.1], pkt.ts)
        });
        flow.update(dir, pkt.len, payload, pkt.ts);
        let live = self.live_flows() as u64;
        if live > self.counters.peak_flows {
            self.counters.peak_flows = live;
        }
    }

    fn icmp_error(&mut self, key: Key, protocol: u8, icmp: (bool, u8, u8), ts: Timestamp) {
        let (v6, t, c) = icmp;
        let unreachable = if v6 { t == 1 } else { t == 3 };
        match protocol {
            17 => {
                if let Some(f) = self.udp.get_mut(&key) {
                    f.icmp_error(v6, t, c, ts);
                }
            }
            6 => {
                if let Some(conn) = self.tcp.get_mut(&key) {
                    conn.common.icmp_errors = conn.common.icmp_errors.saturating_add(1);
                    if unreachable && conn.awaiting_answer() {
                        conn.icmp = Some(icmp);
                    }
                }
            }
            _ => {}
        }
    }

    /// Drops idle flows and finished connections past their linger time.
    fn sweep(&mut self) {
        let idle = i128::from(self.cfg.idle_timeout_secs.max(1)) * 1_000_000_000;
        let linger = i128::from(LINGER_SECS.min(self.cfg.idle_timeout_secs.max(1))) * 1_000_000_000;
        let now = self.clock;
        let mut gone = std::mem::take(&mut self.scratch);
        gone.clear();
        for (k, c) in &self.tcp {
            let quiet = now.nanos_since(c.common.last);
            if quiet >= idle || (c.done.is_some() && quiet >= linger) {
                gone.push((0, c.common.last, c.done.is_some(), *k));
            }
        }
        self.tombs.retain(|_, t| now.nanos_since(t.done) < linger);
        for (k, f) in &self.udp {
            if now.nanos_since(f.common.last) >= idle {
                gone.push((1, f.common.last, false, *k));
            }
        }
        for &(proto, _, done, k) in &gone {
            let end = if done { FlowEnd::Finished } else { FlowEnd::IdleTimeout };
            if !done {
                self.counters.expired += 1;
            }
            self.remove(proto, &k, end);
        }
        gone.clear();
        self.scratch = gone;
        let step = (LINGER_SECS.min(self.cfg.idle_timeout_secs).max(4) / 4) as i64;
        self.next_sweep = now.secs.saturating_add(step);
    }

    /// The table is full: evict the least recently seen flows (finished ones first), a
    /// sixteenth of the table at a time so that eviction stays cheap per new flow.
    fn make_room(&mut self) {
        let mut all = std::mem::take(&mut self.scratch);
        all.clear();
        all.extend(self.tcp.iter().map(|(k, c)| (0u8, c.common.last, c.done.is_some(), *k)));
        all.extend(self.udp.iter().map(|(k, f)| (1u8, f.common.last, false, *k)));
        let target = self.cfg.max_flows.saturating_sub(1);
        let n = all.len().saturating_sub(target).max(all.len() / 16).max(1).min(all.len());
        // Finished first, then oldest.
        let order = |a: &(u8, Timestamp, bool, Key), b: &(u8, Timestamp, bool, Key)| b.2.cmp(&a.2).then(a.1.cmp(&b.1));
        if n < all.len() {
            all.select_nth_unstable_by(n, order);
        }
        for &(proto, _, done, k) in all.iter().take(n) {
            self.counters.evicted += 1;
            if !done {
                self.counters.evicted_open += 1;
            }
            self.remove(proto, &k, if done { FlowEnd::Finished } else { FlowEnd::Evicted });
        }
        all.clear();
        self.scratch = all;
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
            return u32::try_from(self.records.len() - 1).ok();
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
        let mut flows = std::mem::take(&mut self.records);
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
        }
    }

    /// The `--stats` counts (`None` unless the tracker was configured with `stats`).
    pub fn stats(&self) -> Option<StatsReport> {
        self.stats.as_ref().map(|s| s.report())
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
