//! Unit tests of the tracker on hand-built packets (raw IPv4/IPv6 frames through the real
//! decoder), covering what users rely on: handshake annotations, states, outcomes, roles,
//! detections, eviction, and never panicking on nonsense.

use std::net::IpAddr;

use super::*;
use crate::decode::decode;
use crate::model::flow::{ConnNote, FlowOutcome, Side, TcpEvent, TcpOutcome, TcpState, UdpOutcome};
use crate::model::{Frame, LinkType, TsPrecision, tcp_flags as F};

const SYN: u16 = F::SYN;
const ACK: u16 = F::ACK;
const FIN: u16 = F::FIN;
const RST: u16 = F::RST;
const PSH: u16 = F::PSH;

fn ip4(s: &str) -> [u8; 4] {
    match s.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => a.octets(),
        _ => panic!("bad address {s}"),
    }
}

fn ipv4_header(src: &str, dst: &str, proto: u8, payload_len: usize) -> Vec<u8> {
    let total = (20 + payload_len) as u16;
    let mut v = vec![0x45, 0, (total >> 8) as u8, total as u8, 0, 1, 0x40, 0, 64, proto, 0, 0];
    v.extend_from_slice(&ip4(src));
    v.extend_from_slice(&ip4(dst));
    v
}

/// A raw-IP IPv4 TCP segment.
fn tcp_bytes(src: (&str, u16), dst: (&str, u16), flags: u16, seq: u32, ack: u32, len: usize) -> Vec<u8> {
    let mut v = ipv4_header(src.0, dst.0, 6, 20 + len);
    v.extend_from_slice(&src.1.to_be_bytes());
    v.extend_from_slice(&dst.1.to_be_bytes());
    v.extend_from_slice(&seq.to_be_bytes());
    v.extend_from_slice(&ack.to_be_bytes());
    v.push(0x50 | ((flags >> 8) as u8 & 0x0f));
    v.push(flags as u8);
    v.extend_from_slice(&[0xfa, 0xf0, 0, 0, 0, 0]);
    v.resize(v.len() + len, 0);
    v
}

fn udp_bytes(src: (&str, u16), dst: (&str, u16), len: usize) -> Vec<u8> {
    let mut v = ipv4_header(src.0, dst.0, 17, 8 + len);
    v.extend_from_slice(&src.1.to_be_bytes());
    v.extend_from_slice(&dst.1.to_be_bytes());
    v.extend_from_slice(&((8 + len) as u16).to_be_bytes());
    v.extend_from_slice(&[0, 0]);
    v.resize(v.len() + len, 0);
    v
}

/// ICMP port unreachable from `from` quoting a UDP datagram `q_src` → `q_dst`.
fn icmp_port_unreachable(from: &str, to: &str, q_src: (&str, u16), q_dst: (&str, u16)) -> Vec<u8> {
    let quoted = udp_bytes(q_src, q_dst, 4);
    let mut v = ipv4_header(from, to, 1, 8 + 28);
    v.extend_from_slice(&[3, 3, 0, 0, 0, 0, 0, 0]);
    v.extend_from_slice(quoted.get(..28).unwrap_or(&[]));
    v
}

struct Run {
    t: Tracker,
    frame: u64,
}

impl Run {
    fn new(cfg: TrackerConfig) -> Run {
        Run { t: Tracker::new(cfg), frame: 0 }
    }

    fn records() -> Run {
        Run::new(TrackerConfig { records: true, ..TrackerConfig::default() })
    }

    /// Feeds one raw-IP frame at `secs` + `micros`.
    fn feed(&mut self, bytes: &[u8], secs: i64, micros: u64) -> PacketNote {
        self.frame += 1;
        let frame = Frame {
            ts: Timestamp::new(secs, micros * 1_000),
            len: bytes.len() as u32,
            linktype: LinkType::RAW,
            data: bytes,
            interface: 0,
            precision: TsPrecision::Micro,
        };
        let pkt = decode(&frame, self.frame);
        self.t.observe(&pkt)
    }
}

const C: (&str, u16) = ("192.168.1.10", 52341);
const S: (&str, u16) = ("142.250.185.78", 443);

fn conn(n: &PacketNote) -> ConnNote {
    n.conn.unwrap_or_else(|| panic!("no connection note: {n:?}"))
}

fn states(n: &PacketNote) -> (TcpState, TcpState) {
    let c = conn(n);
    (c.client_state, c.server_state)
}

/// The handshake of PRODUCT.md's line-view example.
fn handshake(r: &mut Run) -> [PacketNote; 3] {
    let isn_c = 3_108_145_272;
    let isn_s = 1_000_000;
    [
        r.feed(&tcp_bytes(C, S, SYN, isn_c, 0, 0), 100, 686_702),
        r.feed(&tcp_bytes(S, C, SYN | ACK, isn_s, isn_c + 1, 0), 100, 686_724),
        r.feed(&tcp_bytes(C, S, ACK, isn_c + 1, isn_s + 1, 0), 100, 686_743),
    ]
}

#[test]
fn handshake_steps_rtt_and_relative_numbers() {
    let mut r = Run::new(TrackerConfig::default());
    let [a, b, c] = handshake(&mut r);
    assert_eq!(a.event, Some(TcpEvent::Handshake { step: 1 }));
    assert_eq!(b.event, Some(TcpEvent::Handshake { step: 2 }));
    assert_eq!(c.event, Some(TcpEvent::Established { rtt_nanos: Some(41_000) }));
    assert_eq!(c.event.map(|e| crate::render::words::EventText(e).to_string()).as_deref(), Some("established, rtt 41µs"));
    assert_eq!((a.rel_seq, a.rel_ack), (Some(0), None));
    assert_eq!((b.rel_seq, b.rel_ack), (Some(0), Some(1)));
    assert_eq!((c.rel_seq, c.rel_ack), (Some(1), Some(1)));
    assert_eq!(states(&a), (TcpState::SynSent, TcpState::Listen));
    assert_eq!(states(&b), (TcpState::SynSent, TcpState::SynRcvd));
    assert_eq!(states(&c), (TcpState::Established, TcpState::Established));
    assert!(conn(&a).from_client && !conn(&b).from_client);
    assert_eq!(conn(&a).roles, RoleRule::Syn);
}

#[test]
fn client_closes_first_and_holds_time_wait() {
    let mut r = Run::records();
    handshake(&mut r);
    let (c0, s0) = (3_108_145_273u32, 1_000_001u32);
    let d = r.feed(&tcp_bytes(C, S, PSH | ACK, c0, s0, 26), 100, 686_790);
    assert_eq!((d.rel_seq, d.rel_ack), (Some(1), Some(1)));
    let f1 = r.feed(&tcp_bytes(C, S, FIN | ACK, c0 + 26, s0, 0), 101, 0);
    let a1 = r.feed(&tcp_bytes(S, C, ACK, s0, c0 + 27, 0), 101, 10);
    let f2 = r.feed(&tcp_bytes(S, C, FIN | ACK, s0, c0 + 27, 0), 101, 20);
    let a2 = r.feed(&tcp_bytes(C, S, ACK, c0 + 27, s0 + 1, 0), 101, 30);
    let events: Vec<String> = [f1, a1, f2, a2].iter().filter_map(|n| n.event.map(|e| crate::render::words::EventText(e).to_string())).collect();
    assert_eq!(events, ["close 1/4", "close 2/4", "close 3/4", "close 4/4"]);
    assert_eq!(states(&f1), (TcpState::FinWait1, TcpState::Established));
    assert_eq!(states(&a1), (TcpState::FinWait2, TcpState::CloseWait));
    assert_eq!(states(&f2), (TcpState::FinWait2, TcpState::LastAck));
    assert_eq!(states(&a2), (TcpState::TimeWait, TcpState::Closed));
    assert!(conn(&a2).ended && !conn(&f2).ended);
    assert_eq!(conn(&a2).outcome, TcpOutcome::Closed { first_fin: Side::Client, way: 4, simultaneous: false });
    assert_eq!(conn(&a2).packets, 8);
    let rep = r.t.finish();
    assert_eq!(rep.flows.len(), 1);
    let f = &rep.flows[0];
    assert_eq!(f.client, ("192.168.1.10".parse().unwrap_or(IpAddr::from([0; 4])), 52341));
    assert_eq!(f.packets, [5, 3]);
    assert_eq!(f.payload, [26, 0]);
    assert_eq!(f.rtt_nanos, Some(41_000));
    assert_eq!(f.states, Some((TcpState::TimeWait, TcpState::Closed)));
}

#[test]
fn server_closes_first_with_three_way_close() {
    let mut r = Run::new(TrackerConfig::default());
    handshake(&mut r);
    let (c0, s0) = (3_108_145_273u32, 1_000_001u32);
    let f1 = r.feed(&tcp_bytes(S, C, FIN | ACK, s0, c0, 0), 101, 0);
    let f2 = r.feed(&tcp_bytes(C, S, FIN | ACK, c0, s0 + 1, 0), 101, 10);
    let a = r.feed(&tcp_bytes(S, C, ACK, s0 + 1, c0 + 1, 0), 101, 20);
    assert_eq!(f1.event, Some(TcpEvent::Close { first: 1, last: 1 }));
    assert_eq!(f2.event.map(|e| crate::render::words::EventText(e).to_string()).as_deref(), Some("close 2+3/4"));
    assert_eq!(a.event, Some(TcpEvent::Close { first: 4, last: 4 }));
    assert_eq!(states(&f1), (TcpState::Established, TcpState::FinWait1));
    assert_eq!(states(&f2), (TcpState::LastAck, TcpState::FinWait2));
    assert_eq!(states(&a), (TcpState::Closed, TcpState::TimeWait));
    assert_eq!(conn(&a).outcome, TcpOutcome::Closed { first_fin: Side::Server, way: 3, simultaneous: false });
}

#[test]
fn simultaneous_close_goes_through_closing() {
    let mut r = Run::new(TrackerConfig::default());
    handshake(&mut r);
    let (c0, s0) = (3_108_145_273u32, 1_000_001u32);
    r.feed(&tcp_bytes(C, S, FIN | ACK, c0, s0, 0), 101, 0);
    let f2 = r.feed(&tcp_bytes(S, C, FIN | ACK, s0, c0, 0), 101, 1);
    assert_eq!(states(&f2), (TcpState::FinWait1, TcpState::FinWait1));
    let a1 = r.feed(&tcp_bytes(C, S, ACK, c0 + 1, s0 + 1, 0), 101, 2);
    assert_eq!(states(&a1), (TcpState::Closing, TcpState::FinWait2));
    let a2 = r.feed(&tcp_bytes(S, C, ACK, s0 + 1, c0 + 1, 0), 101, 3);
    assert_eq!(states(&a2), (TcpState::TimeWait, TcpState::TimeWait));
    assert!(conn(&a2).ended);
}

#[test]
fn refused_reset_and_no_answer() {
    let mut r = Run::records();
    let s2 = ("142.250.185.78", 8083);
    r.feed(&tcp_bytes(C, s2, SYN, 5, 0, 0), 10, 0);
    let rst = r.feed(&tcp_bytes(s2, C, RST | ACK, 0, 6, 0), 10, 12);
    assert_eq!(rst.event, Some(TcpEvent::Refused));
    assert_eq!(conn(&rst).outcome, TcpOutcome::Refused);
    assert_eq!(states(&rst), (TcpState::Closed, TcpState::Closed));
    assert!(conn(&rst).ended);

    let c2 = ("192.168.1.10", 40000);
    handshake_between(&mut r, c2, S, 20);
    let rs = r.feed(&tcp_bytes(c2, S, RST | ACK, 101, 201, 0), 20, 500);
    assert_eq!(rs.event, Some(TcpEvent::Reset));
    assert_eq!(conn(&rs).outcome, TcpOutcome::Reset { by: Side::Client });

    let c3 = ("192.168.1.10", 40001);
    let s3 = ("10.99.0.3", 8085);
    let n1 = r.feed(&tcp_bytes(c3, s3, SYN, 77, 0, 0), 30, 0);
    let n2 = r.feed(&tcp_bytes(c3, s3, SYN, 77, 0, 0), 31, 10_000);
    let n3 = r.feed(&tcp_bytes(c3, s3, SYN, 77, 0, 0), 33, 20_000);
    assert_eq!(n1.event, Some(TcpEvent::Handshake { step: 1 }));
    assert_eq!(n2.event, Some(TcpEvent::SynRetry { n: 1, after_nanos: 1_010_000_000 }));
    assert_eq!(n3.event, Some(TcpEvent::SynRetry { n: 2, after_nanos: 2_010_000_000 }));
    assert_eq!(conn(&n3).outcome, TcpOutcome::NoAnswer { syns: 3 });
    assert_eq!(conn(&n3).id, conn(&n1).id, "a retransmitted SYN is the same connection");

    let rep = r.t.finish();
    let words: Vec<&str> = rep.flows.iter().map(|f| f.outcome.word()).collect();
    assert_eq!(words, ["refused", "reset", "no answer"]);
    let na = &rep.flows[2];
    assert_eq!(na.syn_retries, 2);
    assert_eq!(na.syn_gaps_us.as_slice(), &[1_010_000, 2_010_000]);
    assert_eq!(na.outcome.errno(), Some("ETIMEDOUT"));
    assert!(
        rep.detections.iter().any(|d| matches!(d, Detection::SynRetransmission { retries: 2, answered: false, .. }))
    );
}

fn handshake_between(r: &mut Run, c: (&str, u16), s: (&str, u16), secs: i64) {
    r.feed(&tcp_bytes(c, s, SYN, 100, 0, 0), secs, 0);
    r.feed(&tcp_bytes(s, c, SYN | ACK, 200, 101, 0), secs, 100);
    r.feed(&tcp_bytes(c, s, ACK, 101, 201, 0), secs, 200);
}

#[test]
fn mid_stream_roles_by_port_and_say_which_rule() {
    let mut r = Run::records();
    // First packet is from the server (443) to the ephemeral client port.
    let n = r.feed(&tcp_bytes(S, C, ACK | PSH, 5000, 9000, 100), 1, 0);
    let c = conn(&n);
    assert!(!c.from_client);
    assert_eq!(c.roles, RoleRule::EphemeralPort);
    assert_eq!(c.outcome, TcpOutcome::MidStream);
    assert_eq!(states(&n), (TcpState::Established, TcpState::Established));
    assert_eq!(n.rel_seq, Some(0));
    // Two registered ports: the lower one is the server.
    let n = r.feed(&tcp_bytes(("10.0.0.1", 3306), ("10.0.0.2", 5000), ACK, 1, 1, 10), 1, 1);
    assert_eq!((conn(&n).from_client, conn(&n).roles), (false, RoleRule::LowerPort));
    // A SYN,ACK first: its sender is the server, and the client's ISN comes from its ack.
    let n = r.feed(&tcp_bytes(("10.0.0.9", 80), ("10.0.0.8", 1234), SYN | ACK, 50, 1001, 0), 1, 2);
    assert_eq!((conn(&n).from_client, conn(&n).roles), (false, RoleRule::SynAck));
    let n = r.feed(&tcp_bytes(("10.0.0.8", 1234), ("10.0.0.9", 80), ACK, 1001, 51, 0), 1, 3);
    assert_eq!((n.rel_seq, n.rel_ack), (Some(1), Some(1)));
    let rep = r.t.finish();
    assert!(rep.flows[0].mid_stream);
    assert_eq!(rep.flows[0].client.1, 52341);
}

#[test]
fn relative_numbers_wrap_around() {
    let mut r = Run::new(TrackerConfig::default());
    let isn = u32::MAX - 10;
    r.feed(&tcp_bytes(C, S, SYN, isn, 0, 0), 1, 0);
    r.feed(&tcp_bytes(S, C, SYN | ACK, 7, isn.wrapping_add(1), 0), 1, 1);
    r.feed(&tcp_bytes(C, S, ACK, isn.wrapping_add(1), 8, 0), 1, 2);
    let d = r.feed(&tcp_bytes(C, S, ACK, isn.wrapping_add(1001), 8, 100), 1, 3);
    assert_eq!(d.rel_seq, Some(1001));
    let a = r.feed(&tcp_bytes(S, C, ACK, 8, isn.wrapping_add(1101), 0), 1, 4);
    assert_eq!(a.rel_ack, Some(1101));
    // A FIN whose end wraps past zero is still acknowledged.
    let f = r.feed(&tcp_bytes(C, S, FIN | ACK, isn.wrapping_add(1101), 8, 0), 1, 5);
    assert_eq!(f.event, Some(TcpEvent::Close { first: 1, last: 1 }));
    let fa = r.feed(&tcp_bytes(S, C, ACK, 8, isn.wrapping_add(1102), 0), 1, 6);
    assert_eq!(fa.event, Some(TcpEvent::Close { first: 2, last: 2 }));
}

#[test]
fn a_new_syn_in_time_wait_is_port_reuse() {
    let mut r = Run::records();
    handshake_between(&mut r, C, S, 1);
    r.feed(&tcp_bytes(C, S, FIN | ACK, 101, 201, 0), 2, 0);
    r.feed(&tcp_bytes(S, C, FIN | ACK, 201, 102, 0), 2, 1);
    let last = r.feed(&tcp_bytes(C, S, ACK, 102, 202, 0), 2, 2);
    let n = r.feed(&tcp_bytes(C, S, SYN, 900_000, 0, 0), 5, 0);
    assert_eq!(n.event, Some(TcpEvent::PortReuse));
    assert_ne!(conn(&n).id, conn(&last).id);
    assert_eq!(n.rel_seq, Some(0));
    let rep = r.t.finish();
    assert_eq!(rep.flows.len(), 2);
    assert_eq!(rep.flows[0].end, FlowEnd::Finished);
    assert_eq!(rep.flows[0].outcome, FlowOutcome::Tcp(TcpOutcome::Closed { first_fin: Side::Client, way: 3, simultaneous: false }));
    assert!(rep.flows[1].port_reuse);
    assert!(rep.detections.iter().any(|d| matches!(d, Detection::PortReuse { holder: Side::Client, .. })));
}

#[test]
fn simultaneous_open_is_detected() {
    let mut r = Run::records();
    let a = ("10.0.0.1", 5000);
    let b = ("10.0.0.2", 6000);
    r.feed(&tcp_bytes(a, b, SYN, 10, 0, 0), 1, 0);
    let n = r.feed(&tcp_bytes(b, a, SYN, 20, 0, 0), 1, 1);
    assert_eq!(n.event, Some(TcpEvent::SimultaneousOpen));
    assert_eq!(states(&n), (TcpState::SynSent, TcpState::SynSent));
    r.feed(&tcp_bytes(a, b, SYN | ACK, 10, 21, 0), 1, 2);
    let n = r.feed(&tcp_bytes(b, a, SYN | ACK, 20, 11, 0), 1, 3);
    assert_eq!(states(&n), (TcpState::Established, TcpState::Established));
    let rep = r.t.finish();
    assert!(rep.detections.iter().any(|d| matches!(d, Detection::SimultaneousOpen { .. })));
}

#[test]
fn scan_of_many_refused_ports_is_reported() {
    let mut r = Run::records();
    for (i, port) in (20_000u16..20_200).enumerate() {
        let s = ("127.0.0.1", port);
        let c = ("127.0.0.1", 40106);
        r.feed(&tcp_bytes(c, s, SYN, i as u32, 0, 0), 1, i as u64 * 100);
        r.feed(&tcp_bytes(s, c, RST | ACK, 0, i as u32 + 1, 0), 1, i as u64 * 100 + 10);
    }
    let rep = r.t.finish();
    let scans: Vec<_> = rep.detections.iter().filter(|d| matches!(d, Detection::PortScan { .. })).collect();
    assert_eq!(scans.len(), 1);
    match scans[0] {
        Detection::PortScan { ports, lo, hi, refused, unanswered, .. } => {
            assert_eq!((*ports, *lo, *hi, *refused, *unanswered), (200, 20_000, 20_199, 200, 0));
        }
        _ => unreachable!(),
    }
}

#[test]
fn udp_pairs_and_icmp_port_unreachable_tied_to_the_flow() {
    let mut r = Run::records();
    let c = ("127.0.0.1", 40108);
    let s = ("127.0.0.1", 8088);
    for i in 0..3 {
        r.feed(&udp_bytes(c, s, 15), 1, i * 1000);
        r.feed(&udp_bytes(s, c, 27), 1, i * 1000 + 100);
    }
    let c2 = ("127.0.0.1", 40109);
    let s2 = ("127.0.0.1", 8089);
    r.feed(&udp_bytes(c2, s2, 16), 2, 0);
    r.feed(&icmp_port_unreachable("127.0.0.1", "127.0.0.1", c2, s2), 2, 15);
    let rep = r.t.finish();
    assert_eq!(rep.flows.len(), 2);
    let a = &rep.flows[0];
    assert_eq!((a.client.1, a.server.1, a.udp_pairs, a.packets), (40108, 8088, 3, [3, 3]));
    assert_eq!(a.outcome, FlowOutcome::Udp(UdpOutcome::Answered));
    let b = &rep.flows[1];
    assert_eq!(b.outcome, FlowOutcome::Udp(UdpOutcome::PortUnreachable));
    assert_eq!((b.icmp_errors, b.outcome.errno()), (1, Some("ECONNREFUSED")));
}

#[test]
fn the_table_is_capped_and_evictions_are_counted() {
    let mut r = Run::new(TrackerConfig { max_flows: 2, records: true, ..TrackerConfig::default() });
    for i in 0..5u16 {
        let c = ("10.0.0.1", 40000 + i);
        r.feed(&tcp_bytes(c, S, SYN, 1, 0, 0), 1, u64::from(i));
        assert!(r.t.live_flows() <= 2);
    }
    let rep = r.t.finish();
    assert_eq!(rep.counters.evicted, 3);
    assert_eq!(rep.counters.evicted_open, 3);
    assert_eq!(rep.flows.len(), 5);
    assert_eq!(rep.flows.iter().filter(|f| f.end == FlowEnd::Evicted).count(), 3);
    assert_eq!(rep.counters.peak_flows, 2);
}

#[test]
fn idle_flows_expire_and_finished_ones_linger_for_time_wait() {
    let mut r = Run::new(TrackerConfig { idle_timeout_secs: 10, records: true, ..TrackerConfig::default() });
    r.feed(&tcp_bytes(C, S, SYN, 1, 0, 0), 1000, 0);
    let c2 = ("10.0.0.7", 40000);
    r.feed(&tcp_bytes(c2, S, SYN, 1, 0, 0), 1000, 0);
    r.feed(&tcp_bytes(S, c2, RST | ACK, 0, 2, 0), 1000, 1);
    assert_eq!(r.t.live_flows(), 1, "the refused connection is finished");
    // A straggler after the refusal is counted in the finished connection, not a new one.
    let late = r.feed(&tcp_bytes(c2, S, ACK, 2, 1, 0), 1000, 2);
    assert_eq!(late.event, None);
    assert_eq!(conn(&late).outcome, TcpOutcome::Refused);
    assert_eq!(r.t.live_flows(), 1);
    r.feed(&udp_bytes(("10.0.0.3", 5353), ("224.0.0.251", 5353), 10), 1020, 0);
    assert_eq!(r.t.live_flows(), 1, "both TCP flows are gone after the timeout");
    let rep = r.t.finish();
    assert_eq!(rep.counters.expired, 1);
    let ends: Vec<FlowEnd> = rep.flows.iter().map(|f| f.end).collect();
    assert_eq!(ends, [FlowEnd::IdleTimeout, FlowEnd::Finished, FlowEnd::EndOfInput]);
    assert_eq!(rep.flows[1].packets, [2, 1], "the straggler is in the refused connection's record");
    assert_eq!(rep.counters.tcp_connections, 2);
    assert_eq!(rep.flows[2].outcome, FlowOutcome::Udp(UdpOutcome::OneWay));
}

#[test]
fn nonsense_never_panics() {
    // Every flag combination in every order on a few 4-tuples, with odd sequence numbers and a
    // clock that jumps back and forth.
    let mut r = Run::new(TrackerConfig { max_flows: 3, idle_timeout_secs: 1, records: true, stats: true });
    let mut x: u32 = 0x1234_5678;
    for i in 0..20_000u32 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let flags = (x & 0x1ff) as u16;
        let (a, b) = if x & 0x200 == 0 { (C, S) } else { (S, C) };
        let b = if x & 0x400 == 0 { b } else { ("10.0.0.1", (x >> 16) as u16 % 4) };
        let seq = if x & 0x800 == 0 { x } else { u32::MAX - (x & 3) };
        let secs = i64::from((i / 7) as u16) - if x & 0x1000 == 0 { 0 } else { 5 };
        let note =
            r.feed(&tcp_bytes(a, b, flags, seq, x.rotate_left(7), (x >> 24) as usize % 3), secs, u64::from(x % 1000));
        if let Some(c) = note.conn {
            assert!(c.packets >= 1);
        }
    }
    let rep = r.t.finish();
    assert!(!rep.flows.is_empty());
    assert!(r.t.stats().is_some());
}

#[test]
fn ipv6_connections_are_tracked() {
    let mut r = Run::records();
    let six = |src: &str, dst: &str, sp: u16, dp: u16, flags: u16, seq: u32, ack: u32| {
        let (Ok(IpAddr::V6(s)), Ok(IpAddr::V6(d))) = (src.parse::<IpAddr>(), dst.parse::<IpAddr>()) else {
            panic!("bad v6")
        };
        let mut v = vec![0x60, 0, 0, 0, 0, 20, 6, 64];
        v.extend_from_slice(&s.octets());
        v.extend_from_slice(&d.octets());
        let t = tcp_bytes(("0.0.0.0", sp), ("0.0.0.0", dp), flags, seq, ack, 0);
        v.extend_from_slice(t.get(20..).unwrap_or(&[]));
        v
    };
    r.feed(&six("::1", "::1", 40107, 8087, SYN, 1, 0), 1, 0);
    r.feed(&six("::1", "::1", 8087, 40107, SYN | ACK, 9, 2), 1, 15);
    let n = r.feed(&six("::1", "::1", 40107, 8087, ACK, 2, 10), 1, 32);
    assert_eq!(n.event, Some(TcpEvent::Established { rtt_nanos: Some(32_000) }));
    let rep = r.t.finish();
    assert_eq!(rep.flows[0].server.1, 8087);
    assert!(rep.flows[0].client.0.is_ipv6());
}

/// The memory budget: bounded per-connection state (about half of it the sequence analysis,
/// Zeek's history and the RTT samples), and a finished connection's tombstone a fifth of that.
#[test]
fn per_flow_state_stays_small() {
    assert!(std::mem::size_of::<TcpConn>() <= 528, "{}", std::mem::size_of::<TcpConn>());
    assert!(std::mem::size_of::<tcp::Tomb>() <= 120, "{}", std::mem::size_of::<tcp::Tomb>());
    assert!(std::mem::size_of::<UdpFlow>() <= 128, "{}", std::mem::size_of::<UdpFlow>());
    assert!(std::mem::size_of::<PacketNote>() <= 88, "{}", std::mem::size_of::<PacketNote>());
}

#[test]
fn records_stop_at_their_cap_and_the_rest_are_counted() {
    // MAX_RECORDS + 5 refused connections, each from its own client socket: the report keeps
    // the first MAX_RECORDS records, in order, and counts the others by outcome, so the
    // memory of --flows is bounded however many connections a capture holds.
    let mut r = Run::records();
    let extra = 5;
    let n = MAX_RECORDS + extra;
    for i in 0..n {
        let client = format!("10.{}.{}.{}", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
        let c = (client.as_str(), 40000);
        let t = (i / 1000) as i64;
        r.feed(&tcp_bytes(c, S, SYN, 1, 0, 0), t, 0);
        r.feed(&tcp_bytes(S, c, RST | ACK, 0, 2, 0), t, 10);
    }
    let rep = r.t.finish();
    assert_eq!(rep.flows.len(), MAX_RECORDS);
    assert!(rep.flows.iter().all(|f| f.outcome == FlowOutcome::Tcp(TcpOutcome::Refused)));
    assert!(rep.flows.windows(2).all(|w| w[0].id < w[1].id), "in the order the connections began");
    assert_eq!(rep.omitted.flows, extra as u64);
    assert_eq!(rep.omitted.packets, 2 * extra as u64);
    assert_eq!(rep.omitted.by_outcome, vec![("refused", extra as u64)]);
}
