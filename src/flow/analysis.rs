//! TCP sequence analysis of one connection, segment by segment, with tshark's rules and names
//! (`tcp.analysis.*`): retransmissions (plain, fast, spurious), out-of-order segments, segments
//! the capture missed, duplicate ACKs, zero windows and their probes, full windows, window
//! updates and keep-alives; and round-trip times sampled on the way (Karn's rule).
//!
//! The rules follow Wireshark's `tcp_analyze_sequence_number` so that the two tools can be
//! cross-checked packet by packet (`tests/tcp_analysis.rs` does it over every capture); where
//! portlens decides differently on purpose, that test lists the case and the kernel capture
//! that shows who is right.
//!
//! Constant memory per connection (two small direction records, one timed segment each), a
//! few comparisons per segment, no allocation.

use crate::model::flow::{Analysis, RttStats};
use crate::model::{Timestamp, tcp_flags};

use super::PerDir;
use super::tcp::Segment;

/// `a < b` in sequence space.
#[inline]
fn lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

/// `a > b` in sequence space.
#[inline]
fn gt(a: u32, b: u32) -> bool {
    lt(b, a)
}

/// Window scaling of one direction, as Wireshark tracks it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Scale {
    /// No SYN seen: the scale is not known.
    #[default]
    Unknown,
    /// The handshake showed that scaling is not used.
    None,
    /// The shift count from the SYN's window-scale option.
    Shift(u8),
}

/// A capture time as nanoseconds since the epoch (saturating): half the size of a
/// [`Timestamp`], and this module keeps five per connection.
type Nanos = i64;

fn nanos(t: Timestamp) -> Nanos {
    i64::try_from(t.as_nanos()).unwrap_or(if t.secs < 0 { i64::MIN } else { i64::MAX })
}

/// Nanoseconds from `earlier` to `later`, 0 when the clock went backwards.
fn between(earlier: Nanos, later: Nanos) -> u64 {
    u64::try_from(later.saturating_sub(earlier)).unwrap_or(0)
}

/// What is known about one direction's sequence space.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SeqDir {
    /// The highest "next sequence number" seen (sequence number + length, SYN and FIN count 1).
    nextseq: Option<u32>,
    /// The highest sequence number such that everything below it was seen in order.
    maxseqtobeacked: Option<u32>,
    /// The acknowledgment number this direction sent last (0 without the ACK flag).
    lastack: Option<u32>,
    /// The window this direction advertised last (unscaled).
    window: Option<u16>,
    /// The verdicts on this direction's previous segment.
    last: Analysis,
    /// Duplicate ACKs in a row; -1 after an ACK of unseen data in the other direction (so that
    /// one lost segment is reported once, as tshark does).
    dupacks: i32,
    scale: Scale,
    /// When `nextseq` last advanced.
    nextseq_time: Nanos,
    /// When `lastack` was sent.
    lastack_time: Nanos,
    /// The segment being timed for an RTT sample: the sequence number that acknowledges it
    /// (`timed_end`, valid when `timing`), and when it was sent.
    timed_end: u32,
    timing: bool,
    timed_at: Nanos,
    /// The latest hole in the sequence space (bytes never seen: `gap_start..gap_end`, valid
    /// when `gap`): a segment there is new data arriving late, not a retransmission.
    gap_start: u32,
    gap_end: u32,
    gap: bool,
}

/// The analysis state of one connection.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Analyzer {
    dirs: PerDir<SeqDir>,
    /// RTT samples.
    pub rtt: RttStats,
}

impl Analyzer {
    /// The verdicts on one segment (its direction's state updated). `handshake_rtt` is the
    /// connection's SYN → ACK time when known (it decides out-of-order against retransmission).
    /// Also returns, for a duplicate ACK, its number in the row (else 0).
    pub fn segment(&mut self, seg: &Segment, handshake_rtt: Option<u64>) -> (Analysis, u16) {
        let d = seg.dir & 1;
        let flags = seg.flags;
        let syn = flags & tcp_flags::SYN != 0;
        let ackf = flags & tcp_flags::ACK != 0;
        let sfr = flags & (tcp_flags::SYN | tcp_flags::FIN | tcp_flags::RST) != 0;
        let seq = seg.seq;
        let ack = if ackf { seg.ack.unwrap_or(0) } else { 0 };
        let len = seg.payload;
        let window = seg.window;
        let now = nanos(seg.ts);
        if syn {
            self.window_scaling(d, ackf, seg.wscale);
        }
        let (fwd, rev) = if d == 0 { (&mut self.dirs.0, &mut self.dirs.1) } else { (&mut self.dirs.1, &mut self.dirs.0) };
        let mut a = 0u16;

        'fwd: {
            // Zero-window probe: one byte at the next sequence number into a zero window.
            if len == 1 && fwd.nextseq == Some(seq) && rev.window == Some(0) {
                a |= Analysis::ZERO_WINDOW_PROBE;
                break 'fwd;
            }
            if window == Some(0) && !sfr {
                a |= Analysis::ZERO_WINDOW;
            }
            // A hole before this segment: something was not captured.
            if let Some(n) = fwd.nextseq {
                if gt(seq, n) && flags & tcp_flags::RST == 0 {
                    a |= Analysis::LOST_SEGMENT;
                    fwd.gap = true;
                    fwd.gap_start = n;
                    fwd.gap_end = seq;
                }
            }
            let next = fwd.nextseq;
            if len <= 1 && !sfr && next.is_some_and(|n| seq == n.wrapping_sub(1)) {
                a |= Analysis::KEEP_ALIVE;
            }
            let same_place = next == Some(seq) && fwd.lastack == Some(ack) && !sfr && len == 0;
            if same_place && window.is_some_and(|w| w != 0) && window != fwd.window {
                a |= Analysis::WINDOW_UPDATE;
            }
            if len > 0 && !sfr {
                if let (Some(la), Some(w), s) = (rev.lastack, rev.window, rev.scale) {
                    let shift = match s {
                        Scale::Unknown => None,
                        Scale::None => Some(0),
                        Scale::Shift(n) => Some(n.min(14)),
                    };
                    if let Some(sh) = shift {
                        if seq.wrapping_add(len) == la.wrapping_add(u32::from(w) << sh) {
                            a |= Analysis::WINDOW_FULL;
                        }
                    }
                }
            }
            if same_place && window.is_some_and(|w| w != 0) && window == fwd.window && rev.last.has(Analysis::KEEP_ALIVE) {
                a |= Analysis::KEEP_ALIVE_ACK;
                break 'fwd;
            }
            if same_place && window == Some(0) && fwd.window == Some(0) && rev.last.has(Analysis::ZERO_WINDOW_PROBE) {
                a |= Analysis::ZERO_WINDOW_PROBE_ACK;
                break 'fwd;
            }
            if same_place && window.is_some_and(|w| w != 0) && window == fwd.window {
                fwd.dupacks = if fwd.dupacks == -1 { 1 } else { fwd.dupacks.saturating_add(1) };
                a |= Analysis::DUPLICATE_ACK;
            }
        }
        if fwd.lastack != Some(ack) {
            fwd.dupacks = 0;
        }
        // An ACK for data the capture never showed: reported once per hole (the other
        // direction's duplicate-ACK counter marks it, as in tshark).
        if ackf {
            if let Some(m) = rev.maxseqtobeacked {
                if gt(ack, m) {
                    let next = rev.nextseq.unwrap_or(m);
                    if lt(m, next) {
                        rev.maxseqtobeacked = rev.nextseq;
                        a |= Analysis::ACK_LOST_SEGMENT;
                    } else {
                        if rev.dupacks == 0 {
                            a |= Analysis::ACK_LOST_SEGMENT;
                        }
                        rev.dupacks = -1;
                    }
                }
            }
        }
        // Data (or SYN/FIN) that does not advance the sequence number.
        let fin_or_syn = flags & (tcp_flags::SYN | tcp_flags::FIN) != 0;
        'retrans: {
            if !(len > 0 || fin_or_syn) || a & Analysis::KEEP_ALIVE != 0 {
                break 'retrans;
            }
            // Data the receiver had already acknowledged (tshark checks this first).
            if len > 0 {
                if let Some(la) = rev.lastack.filter(|la| *la != 0) {
                    if !gt(seq.wrapping_add(len), la) {
                        a |= Analysis::SPURIOUS_RETRANSMISSION;
                        break 'retrans;
                    }
                }
            }
            let Some(n) = fwd.nextseq else { break 'retrans };
            let mut not_advanced = lt(seq, n);
            if len > 1 && n.wrapping_sub(1) == seq {
                not_advanced = false;
            }
            let since_ack = between(rev.lastack_time, now);
            if not_advanced && rev.dupacks >= 2 && rev.lastack == Some(seq) && since_ack < 20_000_000 {
                a |= Analysis::FAST_RETRANSMISSION;
                break 'retrans;
            }
            let since_next = between(fwd.nextseq_time, now);
            let ooo_thres = match handshake_rtt {
                Some(r) if r > 0 => r,
                _ => 3_000_000,
            };
            let end = seq.wrapping_add(len).wrapping_add(u32::from(fin_or_syn));
            // tshark calls any segment below the highest sequence number "out-of-order" when it
            // comes soon after that highest one; portlens does so only for bytes never seen (a
            // hole): bytes seen before and sent again are a retransmission, however soon — the
            // kernel counts them in TcpRetransSegs (fixtures/kernel/k-loss).
            let in_gap = fwd.gap && !lt(seq, fwd.gap_start) && lt(seq, fwd.gap_end);
            if in_gap {
                if seq == fwd.gap_start {
                    fwd.gap_start = end;
                    fwd.gap = lt(end, fwd.gap_end);
                }
                if not_advanced && since_next < ooo_thres && n != end {
                    a |= Analysis::OUT_OF_ORDER;
                    break 'retrans;
                }
            }
            if not_advanced {
                a |= Analysis::RETRANSMISSION;
            }
        }

        // Bookkeeping: the highest next sequence number, the in-order edge, last ack/window.
        let end = seq.wrapping_add(len).wrapping_add(u32::from(fin_or_syn));
        let probe = a & Analysis::ZERO_WINDOW_PROBE != 0;
        let advances = fwd.nextseq.is_none_or(|n| gt(end, n));
        if advances && !probe {
            fwd.nextseq = Some(end);
            fwd.nextseq_time = now;
        }
        if (fwd.maxseqtobeacked.is_none() || fwd.maxseqtobeacked == Some(seq)) && !probe {
            fwd.maxseqtobeacked = fwd.nextseq;
        }
        fwd.window = window;
        fwd.lastack = Some(ack);
        fwd.lastack_time = now;
        // tshark also sets the plain flag on fast and spurious retransmissions.
        if a & (Analysis::FAST_RETRANSMISSION | Analysis::SPURIOUS_RETRANSMISSION) != 0 {
            a |= Analysis::RETRANSMISSION;
        }
        let verdict = Analysis(a);
        fwd.last = verdict;
        let dup = if verdict.has(Analysis::DUPLICATE_ACK) { u16::try_from(fwd.dupacks.max(0)).unwrap_or(u16::MAX) } else { 0 };

        // RTT (Karn's rule): time one new segment per direction until the ACK that covers it;
        // a retransmission of the timed range spoils the sample.
        if len > 0 || fin_or_syn {
            let resent = verdict.is_retransmission() || a & Analysis::OUT_OF_ORDER != 0;
            if fwd.timing {
                if resent && lt(seq, fwd.timed_end) {
                    fwd.timing = false;
                }
            } else if advances && !probe && !resent {
                fwd.timing = true;
                fwd.timed_end = end;
                fwd.timed_at = now;
            }
        }
        if ackf && rev.timing && !lt(ack, rev.timed_end) {
            rev.timing = false;
            self.rtt.add(between(rev.timed_at, now));
        }
        (verdict, dup)
    }

    /// A SYN in direction `d` (with ACK: the SYN,ACK) carrying window scale `wscale`.
    fn window_scaling(&mut self, d: u8, synack: bool, wscale: Option<u8>) {
        let (fwd, rev) = if d == 0 { (&mut self.dirs.0, &mut self.dirs.1) } else { (&mut self.dirs.1, &mut self.dirs.0) };
        match wscale {
            Some(s) => {
                if synack && rev.scale == Scale::None {
                    fwd.scale = Scale::None;
                } else {
                    fwd.scale = Scale::Shift(s);
                }
            }
            None => {
                fwd.scale = Scale::None;
                rev.scale = Scale::None;
            }
        }
    }

    /// Whether a RST sent in direction `d` with sequence number `seq` falls outside the window
    /// the receiver advertised (RFC 5961 §3: the receiver ignores it). Only when the receiver's
    /// ACK and window are known; the receiver's next expected byte is its last ACK.
    pub fn rst_out_of_window(&self, d: u8, seq: u32) -> bool {
        let rev = self.dirs.at(d ^ 1);
        let fwd = self.dirs.at(d);
        let (Some(rcv_nxt), Some(w)) = (rev.lastack, rev.window) else { return false };
        if rcv_nxt == 0 || fwd.nextseq == Some(seq) {
            return false;
        }
        let shift = match rev.scale {
            Scale::Shift(n) => n.min(14),
            _ => 0,
        };
        let wnd = (u32::from(w) << shift).max(1);
        seq.wrapping_sub(rcv_nxt) >= wnd
    }
}
