//! Zeek's vocabulary for a TCP connection: the `history` string (`ShADadFf` …) and the
//! `conn_state` code (`S0`, `SF`, `REJ`, `RSTO` …) that analysts know from `conn.log`, so that
//! portlens' records can be checked against Zeek's and joined with them.
//!
//! History letters (upper case when the client, Zeek's originator, sent the packet): `S` SYN,
//! `H` SYN,ACK, `A` pure ACK, `D` payload, `F` FIN, `R` RST, `Q` SYN with FIN or RST, `I`
//! inconsistent flags; each once per direction. `T` (retransmitted payload), `W` (zero window)
//! and `G` (a gap: a segment the capture missed) are repeated on a log scale: the second letter
//! means at least 10 times, the third 100 times … as Zeek does. The state code is derived
//! from what each endpoint sent, by Zeek's own rules (`base/protocols/conn/main.zeek`).

use arrayvec::ArrayVec;

use crate::model::flow::{Analysis, MAX_HISTORY, ZeekState};
use crate::model::tcp_flags;

use super::PerDir;

/// What one endpoint sent, as Zeek's endpoint states need it (bits below).
type Sent = u8;
const SENT_SYN: u8 = 1;
const SENT_SYNACK: u8 = 2;
const SENT_FIN: u8 = 4;
const SENT_RST: u8 = 8;
const SENT_ANY: u8 = 16;

/// Zeek's endpoint states (`TCP_INACTIVE` …).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Endpoint {
    Inactive,
    SynSent,
    SynAckSent,
    Partial,
    Established,
    Closed,
    Reset,
}

/// The history letters and the endpoint facts of one connection.
#[derive(Clone, Debug, Default)]
pub(crate) struct Zeek {
    history: ArrayVec<u8, MAX_HISTORY>,
    /// Letters already written once, per direction (bit = letter − 'A').
    once: PerDir<u32>,
    /// Retransmissions, zero windows and gaps per direction (log-scale letters).
    logs: PerDir<[u16; 3]>,
    sent: PerDir<Sent>,
}

impl Zeek {
    fn letter(&mut self, from_client: bool, upper: u8) {
        let c = if from_client { upper } else { upper.to_ascii_lowercase() };
        let _ = self.history.try_push(c);
    }

    fn once(&mut self, dir: u8, from_client: bool, upper: u8) {
        let bit = 1u32 << (upper.wrapping_sub(b'A') & 31);
        let seen = self.once.at_mut(dir);
        if *seen & bit == 0 {
            *seen |= bit;
            self.letter(from_client, upper);
        }
    }

    fn log(&mut self, dir: u8, from_client: bool, which: usize, upper: u8) {
        let Some(n) = self.logs.at_mut(dir).get_mut(which) else { return };
        *n = n.saturating_add(1);
        let n = *n;
        // 1, 10, 100, 1000, 10000 (the counter stops at 65535).
        let mut t = 1u16;
        while t < n {
            t = t.saturating_mul(10);
        }
        if t == n {
            self.letter(from_client, upper);
        }
    }

    /// Notes one segment sent in direction `dir` (accepted RSTs only: an ignored one is not an
    /// abort).
    pub fn segment(&mut self, dir: u8, from_client: bool, flags: u16, payload: u32, analysis: Analysis, rst_counts: bool) {
        let dir = dir & 1;
        let syn = flags & tcp_flags::SYN != 0;
        let ack = flags & tcp_flags::ACK != 0;
        let fin = flags & tcp_flags::FIN != 0;
        let rst = flags & tcp_flags::RST != 0;
        let s = self.sent.at_mut(dir);
        *s |= SENT_ANY;
        if syn && (fin || rst) {
            self.once(dir, from_client, b'Q');
        } else if syn {
            if ack {
                *s |= SENT_SYNACK;
                self.once(dir, from_client, b'H');
            } else {
                *s |= SENT_SYN;
                self.once(dir, from_client, b'S');
            }
        }
        if fin {
            *self.sent.at_mut(dir) |= SENT_FIN;
            self.once(dir, from_client, b'F');
        }
        if rst && rst_counts {
            *self.sent.at_mut(dir) |= SENT_RST;
            self.once(dir, from_client, b'R');
        }
        if payload > 0 {
            self.once(dir, from_client, b'D');
        } else if ack && !syn && !fin && !rst {
            self.once(dir, from_client, b'A');
        }
        if analysis.is_retransmission() && payload > 0 {
            self.log(dir, from_client, 0, b'T');
        }
        if analysis.has(Analysis::ZERO_WINDOW) {
            self.log(dir, from_client, 1, b'W');
        }
        if analysis.has(Analysis::LOST_SEGMENT) {
            self.log(dir, from_client, 2, b'G');
        }
    }

    /// The history string's letters.
    pub fn history(&self) -> &ArrayVec<u8, MAX_HISTORY> {
        &self.history
    }

    fn endpoint(&self, dir: u8, established: bool) -> Endpoint {
        let s = *self.sent.at(dir);
        if s & SENT_RST != 0 {
            Endpoint::Reset
        } else if s & SENT_FIN != 0 {
            Endpoint::Closed
        } else if established && s != 0 {
            Endpoint::Established
        } else if s & SENT_SYNACK != 0 {
            Endpoint::SynAckSent
        } else if s & SENT_SYN != 0 {
            Endpoint::SynSent
        } else if s & SENT_ANY != 0 {
            Endpoint::Partial
        } else {
            Endpoint::Inactive
        }
    }

    /// Zeek's `conn_state`, `client` being the direction index of the originator;
    /// `established` whether the handshake completed; `payload` the payload bytes each way
    /// (originator first).
    pub fn state(&self, client: u8, established: bool, payload: [u64; 2]) -> ZeekState {
        use Endpoint as E;
        let os = self.endpoint(client & 1, established);
        let rs = self.endpoint((client & 1) ^ 1, established);
        let o_inactive = matches!(os, E::Inactive | E::Partial);
        let r_inactive = matches!(rs, E::Inactive | E::Partial);
        if rs == E::Reset {
            if matches!(os, E::SynSent | E::SynAckSent) || (os == E::Reset && payload == [0, 0]) {
                ZeekState::Rej
            } else if o_inactive {
                ZeekState::Rstrh
            } else {
                ZeekState::Rstr
            }
        } else if os == E::Reset {
            if r_inactive {
                if self.syn_then_rst() { ZeekState::Rstos0 } else { ZeekState::Oth }
            } else {
                ZeekState::Rsto
            }
        } else if rs == E::Closed && os == E::Closed {
            ZeekState::SF
        } else if os == E::Closed {
            if r_inactive { ZeekState::Sh } else { ZeekState::S2 }
        } else if rs == E::Closed {
            if o_inactive { ZeekState::Shr } else { ZeekState::S3 }
        } else if os == E::SynSent && rs == E::Inactive {
            ZeekState::S0
        } else if os == E::Established && rs == E::Established {
            ZeekState::S1
        } else {
            ZeekState::Oth
        }
    }

    /// Zeek's `^?S[^HAFGIQ]*R.*` on the history: a SYN, then a RST before any answer.
    fn syn_then_rst(&self) -> bool {
        let h = self.history.as_slice();
        let h = h.strip_prefix(b"^").unwrap_or(h);
        let Some(rest) = h.strip_prefix(b"S") else { return false };
        for c in rest {
            match c {
                b'R' => return true,
                b'H' | b'A' | b'F' | b'G' | b'I' | b'Q' => return false,
                _ => {}
            }
        }
        false
    }
}
