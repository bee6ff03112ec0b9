//! Port-scan detection: one source opening connections to many ports of one host, mostly
//! refused (RST) or unanswered.
//!
//! A pair (source, target) is followed from its first *failed* attempt on: a SYN refused by RST,
//! or one never answered. From then on the detector counts the failures, the distinct ports they
//! went to (a short list first, a 65,536-bit map once a pair touches many ports), and the
//! attempts the target accepted (SYN,ACK: open ports). Ordinary traffic, whose connections
//! succeed, therefore costs nothing here. Memory is bounded: at most [`MAX_PAIRS`] pairs are
//! followed; when the map is full, pairs that touched only a few ports are dropped, and if that
//! frees too little, new pairs are counted as dropped instead of followed. At most
//! [`MAX_BITMAPS`] pairs hold a bitmap (8 KiB each); a pair that needs one when they are all in
//! use keeps its short list, and its port count is then a lower bound, said so in the report.
//! Worst case: the map of 16,384 pairs (32,768 buckets of 129 B ≈ 4 MiB) + 1,024 bitmaps × 8 KiB
//! (8 MiB) ≈ 12 MiB.

use std::net::IpAddr;

use arrayvec::ArrayVec;
use rustc_hash::FxHashMap;

use crate::model::flow::Detection;

/// Most (source, target) pairs followed at once.
pub const MAX_PAIRS: usize = 16_384;
/// Distinct ports from which a pair counts as a scan.
pub const MIN_PORTS: u32 = 10;

/// Most pairs holding a 65,536-bit map of ports at once (8 MiB in all).
pub const MAX_BITMAPS: usize = 1_024;

/// Ports kept in the short list before switching to a bitmap.
const FEW: usize = 16;

#[derive(Clone, Debug)]
enum PortSet {
    Few(ArrayVec<u16, FEW>),
    Many { bits: Box<[u64; 1024]>, count: u32 },
    /// The short list is full and no bitmap was free: at least this many ports.
    AtLeast(ArrayVec<u16, FEW>),
}

impl PortSet {
    /// Adds a port; true when it was new (or may have been, once the count is a lower bound).
    /// `free_bitmaps` is the budget left; taking a bitmap takes one from it.
    fn insert(&mut self, port: u16, free_bitmaps: &mut usize) -> bool {
        match self {
            PortSet::AtLeast(v) => !v.contains(&port),
            PortSet::Few(v) => {
                if v.contains(&port) {
                    return false;
                }
                if v.try_push(port).is_ok() {
                    return true;
                }
                if *free_bitmaps == 0 {
                    *self = PortSet::AtLeast(v.clone());
                    return true;
                }
                *free_bitmaps -= 1;
                let mut bits = Box::new([0u64; 1024]);
                let mut count = 0;
                for p in v.iter().copied().chain(std::iter::once(port)) {
                    if let Some(w) = bits.get_mut(usize::from(p >> 6)) {
                        if *w & (1 << (p & 63)) == 0 {
                            count += 1;
                        }
                        *w |= 1 << (p & 63);
                    }
                }
                *self = PortSet::Many { bits, count };
                true
            }
            PortSet::Many { bits, count } => match bits.get_mut(usize::from(port >> 6)) {
                Some(w) if *w & (1 << (port & 63)) == 0 => {
                    *w |= 1 << (port & 63);
                    *count += 1;
                    true
                }
                _ => false,
            },
        }
    }

    fn len(&self) -> u32 {
        match self {
            PortSet::Few(v) | PortSet::AtLeast(v) => v.len() as u32,
            PortSet::Many { count, .. } => *count,
        }
    }

    fn has_bitmap(&self) -> bool {
        matches!(self, PortSet::Many { .. })
    }
}

#[derive(Clone, Debug)]
struct Pair {
    attempts: u64,
    refused: u64,
    open: u64,
    ports: PortSet,
    lo: u16,
    hi: u16,
    open_ports: ArrayVec<u16, 8>,
}

/// The detector.
#[derive(Debug)]
pub(crate) struct ScanDetector {
    pairs: FxHashMap<(IpAddr, IpAddr), Pair>,
    /// Bitmaps that may still be handed out.
    free_bitmaps: usize,
    /// Pairs not followed because the map was full.
    pub dropped: u64,
}

impl Default for ScanDetector {
    fn default() -> Self {
        Self::with_bitmaps(MAX_BITMAPS)
    }
}

impl ScanDetector {
    /// A detector that hands out at most `bitmaps` port bitmaps.
    pub fn with_bitmaps(bitmaps: usize) -> Self {
        Self { pairs: FxHashMap::default(), free_bitmaps: bitmaps, dropped: 0 }
    }

    /// An attempt from `src` to `dst`:`port` failed: refused by RST (`refused`) or never answered.
    pub fn failed(&mut self, src: IpAddr, dst: IpAddr, port: u16, refused: bool) {
        if !self.pairs.contains_key(&(src, dst)) && self.pairs.len() >= MAX_PAIRS && !self.make_room() {
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        let p = self.pairs.entry((src, dst)).or_insert_with(|| Pair {
            attempts: 0,
            refused: 0,
            open: 0,
            ports: PortSet::Few(ArrayVec::new()),
            lo: port,
            hi: port,
            open_ports: ArrayVec::new(),
        });
        p.attempts = p.attempts.saturating_add(1);
        if refused {
            p.refused = p.refused.saturating_add(1);
        }
        p.ports.insert(port, &mut self.free_bitmaps);
        p.lo = p.lo.min(port);
        p.hi = p.hi.max(port);
    }

    /// The attempt from `src` to `dst`:`port` was answered by SYN,ACK: the port is open. Counted
    /// only for pairs already followed (that had a failure before).
    pub fn open(&mut self, src: IpAddr, dst: IpAddr, port: u16) {
        if let Some(p) = self.pairs.get_mut(&(src, dst)) {
            p.attempts = p.attempts.saturating_add(1);
            p.open = p.open.saturating_add(1);
            p.ports.insert(port, &mut self.free_bitmaps);
            p.lo = p.lo.min(port);
            p.hi = p.hi.max(port);
            if !p.open_ports.contains(&port) {
                let _ = p.open_ports.try_push(port);
            }
        }
    }

    /// Drops the pairs that touched few ports; true when that freed a quarter of the map.
    fn make_room(&mut self) -> bool {
        let before = self.pairs.len();
        let mut freed_bitmaps = 0;
        self.pairs.retain(|_, p| {
            let keep = p.ports.len() >= 3;
            if !keep && p.ports.has_bitmap() {
                freed_bitmaps += 1;
            }
            keep
        });
        self.free_bitmaps += freed_bitmaps;
        let freed = before - self.pairs.len();
        self.dropped = self.dropped.saturating_add(freed as u64);
        freed * 4 >= MAX_PAIRS
    }

    /// The pairs that look like scans: at least [`MIN_PORTS`] distinct ports and more than half
    /// of the attempts refused or unanswered. Sorted by source, then target.
    pub fn report(&self) -> Vec<Detection> {
        let mut out: Vec<Detection> = self
            .pairs
            .iter()
            .filter_map(|(&(source, target), p)| {
                let ports = p.ports.len();
                let unanswered = p.attempts.saturating_sub(p.refused).saturating_sub(p.open);
                let failed = p.refused.saturating_add(unanswered);
                (ports >= MIN_PORTS && failed.saturating_mul(2) > p.attempts).then(|| Detection::PortScan {
                    source,
                    target,
                    ports,
                    ports_at_least: matches!(p.ports, PortSet::AtLeast(_)),
                    lo: p.lo,
                    hi: p.hi,
                    attempts: p.attempts,
                    refused: p.refused,
                    open: p.open,
                    unanswered,
                    open_ports: p.open_ports.clone(),
                })
            })
            .collect();
        out.sort_by_key(|d| match d {
            Detection::PortScan { source, target, .. } => (*source, *target),
            _ => (IpAddr::from([0u8; 4]), IpAddr::from([0u8; 4])),
        });
        out
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn many_refused_ports_are_a_scan_and_one_port_is_not() {
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let c: IpAddr = [10, 0, 0, 3].into();
        let mut s = ScanDetector::default();
        for port in 1000..1200 {
            if port != 1022 {
                s.failed(a, b, port, port % 2 == 0);
            } else {
                s.open(a, b, port);
            }
        }
        for _ in 0..50 {
            s.failed(a, c, 443, true);
        }
        let r = s.report();
        assert_eq!(r.len(), 1, "{r:?}");
        match &r[0] {
            Detection::PortScan { source, target, ports, lo, hi, refused, open, unanswered, open_ports, .. } => {
                assert_eq!((*source, *target), (a, b));
                assert_eq!((*ports, *lo, *hi), (200, 1000, 1199));
                assert_eq!((*refused, *open, *unanswered), (99, 1, 100));
                assert_eq!(open_ports.as_slice(), &[1022]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bitmap_counts_distinct_ports_once() {
        let mut p = PortSet::Few(ArrayVec::new());
        let mut budget = 1;
        for port in (0..40u16).chain(0..40).chain([65535, 65535]) {
            p.insert(port, &mut budget);
        }
        assert_eq!((p.len(), budget), (41, 0));
    }

    #[test]
    fn bitmaps_are_capped_and_the_rest_say_at_least() {
        let a: IpAddr = [10, 0, 0, 1].into();
        let mut s = ScanDetector::with_bitmaps(2);
        for host in 2..6u8 {
            for port in 1..=100 {
                s.failed(a, [10, 0, 0, host].into(), port, true);
            }
        }
        let r = s.report();
        assert_eq!(r.len(), 4, "{r:?}");
        let counts: Vec<(u32, bool)> = r
            .iter()
            .map(|d| match d {
                Detection::PortScan { ports, ports_at_least, lo, hi, attempts, .. } => {
                    assert_eq!((*lo, *hi, *attempts), (1, 100, 100), "range and attempts stay exact");
                    (*ports, *ports_at_least)
                }
                other => panic!("{other:?}"),
            })
            .collect();
        // The first two pairs got the two bitmaps and count exactly; the others keep their first
        // FEW ports and say the count is a lower bound.
        assert_eq!(counts, vec![(100, false), (100, false), (FEW as u32, true), (FEW as u32, true)]);
    }

    #[test]
    fn dropping_a_pair_gives_its_bitmap_back() {
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let mut s = ScanDetector::with_bitmaps(1);
        for port in 1..=40 {
            s.failed(a, b, port, true);
        }
        assert_eq!(s.free_bitmaps, 0);
        // make_room drops pairs with fewer than 3 ports only; pretend this one is small.
        s.pairs.values_mut().for_each(|p| {
            if let PortSet::Many { count, .. } = &mut p.ports {
                *count = 1;
            }
        });
        s.make_room();
        assert_eq!((s.pairs.len(), s.free_bitmaps), (0, 1));
    }
}
