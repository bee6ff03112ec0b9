//! What the connection tracker says about each packet, as plain data for the printers.
//!
//! The tracker (`crate::flow`) fills a [`PacketNote`] for every packet; the line, JSON and bits
//! views print it. Kept in `model` so that renderers never depend on the tracker itself.

use std::fmt;

/// The tracker's verdict on one packet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PacketNote {
    /// Sequence number relative to the sender's initial sequence number, when known.
    pub rel_seq: Option<u32>,
    /// Acknowledgment number relative to the peer's initial sequence number, when known.
    pub rel_ack: Option<u32>,
    /// What this packet did to its connection, if anything noteworthy.
    pub event: Option<TcpEvent>,
}

/// A step in a TCP connection's life that the line view annotates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpEvent {
    /// Handshake step 1 (SYN) or 2 (SYN+ACK) of 3.
    Handshake {
        /// 1 or 2.
        step: u8,
    },
    /// The ACK that completes the handshake, with the round-trip time SYN → ACK when measured.
    Established {
        /// Handshake RTT in nanoseconds.
        rtt_nanos: Option<u64>,
    },
    /// A teardown step (FIN or the ACK of a FIN): `step` of 4.
    Close {
        /// 1..=4.
        step: u8,
    },
    /// RST on an established or half-open connection.
    Reset,
    /// RST answering a SYN: nothing listens on the port.
    Refused,
}

impl fmt::Display for TcpEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TcpEvent::Handshake { step } => write!(f, "handshake {step}/3"),
            TcpEvent::Established { rtt_nanos: Some(n) } => {
                f.write_str("established, rtt ")?;
                fmt_duration(f, n)
            }
            TcpEvent::Established { rtt_nanos: None } => f.write_str("established"),
            TcpEvent::Close { step } => write!(f, "close {step}/4"),
            TcpEvent::Reset => f.write_str("reset"),
            TcpEvent::Refused => f.write_str("refused"),
        }
    }
}

/// Writes a duration the way people read it: `41µs`, `1.52ms`, `2.003s`.
pub fn fmt_duration(f: &mut dyn fmt::Write, nanos: u64) -> fmt::Result {
    if nanos < 1_000 {
        write!(f, "{nanos}ns")
    } else if nanos < 1_000_000 {
        write!(f, "{}µs", nanos / 1_000)
    } else if nanos < 1_000_000_000 {
        let us = nanos / 1_000;
        write!(f, "{}.{:02}ms", us / 1_000, (us % 1_000) / 10)
    } else {
        let ms = nanos / 1_000_000;
        write!(f, "{}.{:03}s", ms / 1_000, ms % 1_000)
    }
}
