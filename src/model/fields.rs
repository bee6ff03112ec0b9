//! Where every field sits in the TCP (RFC 9293) and UDP (RFC 768) headers: one table of bit
//! positions, so the bit-by-bit printer (`render::bits`) and the teaching card draw and read
//! fields from data instead of repeating magic numbers (the model is smoltcp's
//! `mod field { SRC_PORT: Field = 0..2, … }`).
//!
//! Positions count bits from the first bit on the wire (the most significant bit of byte 0),
//! as the RFC diagrams number them, so a field is `(first bit, width)` and its bytes follow:
//!
//! ```
//! use portlens::model::fields::{tcp, udp};
//! assert_eq!(tcp::SRC_PORT.bytes(), 0..2);
//! assert_eq!(tcp::DST_PORT.bytes(), 2..4);
//! assert_eq!(tcp::SEQ.bytes(), 4..8);
//! assert_eq!(udp::LENGTH.bytes(), 4..6);
//! // Reading a field is total: bytes the capture does not have give `None`.
//! assert_eq!(tcp::DST_PORT.read(&[0xcc, 0x75, 0x01, 0xbb]), Some(443));
//! assert_eq!(tcp::SEQ.read(&[0xcc, 0x75, 0x01, 0xbb]), None);
//! ```
//!
//! This is a leaf module: it depends on nothing else in the crate.

use std::ops::Range;

/// Which header field a [`Field`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldId {
    /// Source port (TCP and UDP).
    SrcPort,
    /// Destination port (TCP and UDP).
    DstPort,
    /// TCP sequence number.
    Seq,
    /// TCP acknowledgment number.
    Ack,
    /// TCP data offset: the header length in 32-bit words.
    DataOffset,
    /// TCP reserved bits (zero when sent).
    Reserved,
    /// TCP AE flag (Accurate ECN, RFC 9768; formerly NS, RFC 3540).
    Ae,
    /// TCP CWR flag.
    Cwr,
    /// TCP ECE flag.
    Ece,
    /// TCP URG flag.
    Urg,
    /// TCP ACK flag.
    AckFlag,
    /// TCP PSH flag.
    Psh,
    /// TCP RST flag.
    Rst,
    /// TCP SYN flag.
    Syn,
    /// TCP FIN flag.
    Fin,
    /// TCP receive window (unscaled).
    Window,
    /// Checksum (TCP and UDP).
    Checksum,
    /// TCP urgent pointer.
    Urgent,
    /// UDP length (header + data).
    Length,
}

impl FieldId {
    /// The protocol's own abbreviation of a one-bit flag field (`"SYN"`, `"AE"`); `None` for
    /// fields that are not flags. These are the same in every language.
    #[must_use]
    pub const fn flag_name(self) -> Option<&'static str> {
        Some(match self {
            FieldId::Ae => "AE",
            FieldId::Cwr => "CWR",
            FieldId::Ece => "ECE",
            FieldId::Urg => "URG",
            FieldId::AckFlag => "ACK",
            FieldId::Psh => "PSH",
            FieldId::Rst => "RST",
            FieldId::Syn => "SYN",
            FieldId::Fin => "FIN",
            _ => return None,
        })
    }
}

/// One header field: where it starts (in bits from the start of the header, RFC numbering)
/// and how many bits wide it is (1–32).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    /// Which field.
    pub id: FieldId,
    /// First bit, counted from the most significant bit of byte 0.
    pub bit: u16,
    /// Width in bits (1–32).
    pub bits: u16,
}

impl Field {
    /// A field `bits` wide starting at bit `bit`.
    #[must_use]
    pub const fn new(id: FieldId, bit: u16, bits: u16) -> Field {
        Field { id, bit, bits }
    }

    /// The bytes the field occupies (whole bytes, also for sub-byte fields):
    /// `tcp::SRC_PORT.bytes() == 0..2`, `tcp::DATA_OFFSET.bytes() == 12..13`.
    #[must_use]
    pub const fn bytes(&self) -> Range<usize> {
        let start = self.bit as usize / 8;
        let end = (self.bit as usize + self.bits as usize).div_ceil(8);
        start..end
    }

    /// The 32-bit row of an RFC diagram the field sits in (row 0 = bytes 0–3).
    #[must_use]
    pub const fn row(&self) -> usize {
        self.bit as usize / 32
    }

    /// The field's column within its 32-bit row (0–31).
    #[must_use]
    pub const fn column(&self) -> usize {
        self.bit as usize % 32
    }

    /// Reads the field's value from the header bytes `hdr` (which start at byte 0 of the
    /// header); `None` when the capture does not contain all of the field's bytes.
    #[must_use]
    pub fn read(&self, hdr: &[u8]) -> Option<u32> {
        let range = self.bytes();
        let start = range.start;
        let raw = hdr.get(range)?;
        let mut acc: u64 = 0;
        for &b in raw {
            acc = (acc << 8) | u64::from(b);
        }
        let end_bit = (start + raw.len()) * 8;
        let shift = end_bit.checked_sub(usize::from(self.bit) + usize::from(self.bits))?;
        let mask = if self.bits >= 32 {
            u64::from(u32::MAX)
        } else {
            (1u64 << self.bits) - 1
        };
        u32::try_from((acc >> shift) & mask).ok()
    }

    /// For a TCP flag field: its bit in the 12 bits after the data offset (the values of
    /// `model::tcp_flags`: FIN = 0x001 … AE = 0x100). `0` for fields outside those 12 bits.
    #[must_use]
    pub const fn flag_mask(&self) -> u16 {
        // The 12 flag bits are header bits 100..112; bit 111 is FIN (mask 1).
        if self.bits == 1 && self.bit >= 100 && self.bit < 112 {
            1 << (111 - self.bit)
        } else {
            0
        }
    }
}

/// The TCP header (RFC 9293, with the AE bit of RFC 9768).
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          Source Port          |       Destination Port        |
/// |                        Sequence Number                        |
/// |                    Acknowledgment Number                      |
/// |  Data |     |A|C|E|U|A|P|R|S|F|                               |
/// | Offset|Rsrvd|E|W|C|R|C|S|S|Y|I|            Window             |
/// |           Checksum            |         Urgent Pointer        |
/// |                           [Options]                           |
/// ```
pub mod tcp {
    use super::{Field, FieldId};

    /// Source port: bytes 0–1.
    pub const SRC_PORT: Field = Field::new(FieldId::SrcPort, 0, 16);
    /// Destination port: bytes 2–3.
    pub const DST_PORT: Field = Field::new(FieldId::DstPort, 16, 16);
    /// Sequence number: bytes 4–7.
    pub const SEQ: Field = Field::new(FieldId::Seq, 32, 32);
    /// Acknowledgment number: bytes 8–11.
    pub const ACK: Field = Field::new(FieldId::Ack, 64, 32);
    /// Data offset: the high 4 bits of byte 12.
    pub const DATA_OFFSET: Field = Field::new(FieldId::DataOffset, 96, 4);
    /// Reserved: 3 bits of byte 12.
    pub const RESERVED: Field = Field::new(FieldId::Reserved, 100, 3);
    /// AE: the low bit of byte 12.
    pub const AE: Field = Field::new(FieldId::Ae, 103, 1);
    /// CWR: bit 7 (high) of byte 13.
    pub const CWR: Field = Field::new(FieldId::Cwr, 104, 1);
    /// ECE.
    pub const ECE: Field = Field::new(FieldId::Ece, 105, 1);
    /// URG.
    pub const URG: Field = Field::new(FieldId::Urg, 106, 1);
    /// ACK (the flag).
    pub const ACK_FLAG: Field = Field::new(FieldId::AckFlag, 107, 1);
    /// PSH.
    pub const PSH: Field = Field::new(FieldId::Psh, 108, 1);
    /// RST.
    pub const RST: Field = Field::new(FieldId::Rst, 109, 1);
    /// SYN.
    pub const SYN: Field = Field::new(FieldId::Syn, 110, 1);
    /// FIN: bit 0 (low) of byte 13.
    pub const FIN: Field = Field::new(FieldId::Fin, 111, 1);
    /// Window: bytes 14–15.
    pub const WINDOW: Field = Field::new(FieldId::Window, 112, 16);
    /// Checksum: bytes 16–17.
    pub const CHECKSUM: Field = Field::new(FieldId::Checksum, 128, 16);
    /// Urgent pointer: bytes 18–19.
    pub const URGENT: Field = Field::new(FieldId::Urgent, 144, 16);

    /// Every fixed field, in wire order.
    pub const HEADER: [Field; 18] = [
        SRC_PORT,
        DST_PORT,
        SEQ,
        ACK,
        DATA_OFFSET,
        RESERVED,
        AE,
        CWR,
        ECE,
        URG,
        ACK_FLAG,
        PSH,
        RST,
        SYN,
        FIN,
        WINDOW,
        CHECKSUM,
        URGENT,
    ];

    /// The flag bits in wire order (AE first, FIN last).
    pub const FLAGS: [Field; 9] = [AE, CWR, ECE, URG, ACK_FLAG, PSH, RST, SYN, FIN];

    /// Length of the fixed header; options start here.
    pub const MIN_LEN: usize = 20;
    /// Longest header the data offset can announce (15 × 4).
    pub const MAX_LEN: usize = 60;
    /// Byte where options start.
    pub const OPTIONS: usize = MIN_LEN;
}

/// The UDP header (RFC 768).
///
/// ```text
///  0      7 8     15 16    23 24    31
/// +--------+--------+--------+--------+
/// |     Source      |   Destination   |
/// |      Port       |      Port       |
/// +--------+--------+--------+--------+
/// |     Length      |    Checksum     |
/// +--------+--------+--------+--------+
/// ```
pub mod udp {
    use super::{Field, FieldId};

    /// Source port: bytes 0–1.
    pub const SRC_PORT: Field = Field::new(FieldId::SrcPort, 0, 16);
    /// Destination port: bytes 2–3.
    pub const DST_PORT: Field = Field::new(FieldId::DstPort, 16, 16);
    /// Length (header + data): bytes 4–5.
    pub const LENGTH: Field = Field::new(FieldId::Length, 32, 16);
    /// Checksum: bytes 6–7.
    pub const CHECKSUM: Field = Field::new(FieldId::Checksum, 48, 16);

    /// Every field, in wire order.
    pub const HEADER: [Field; 4] = [SRC_PORT, DST_PORT, LENGTH, CHECKSUM];

    /// Length of the header.
    pub const LEN: usize = 8;
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::model::tcp_flags;

    #[test]
    fn byte_ranges_match_the_rfcs() {
        assert_eq!(tcp::SRC_PORT.bytes(), 0..2);
        assert_eq!(tcp::DST_PORT.bytes(), 2..4);
        assert_eq!(tcp::SEQ.bytes(), 4..8);
        assert_eq!(tcp::ACK.bytes(), 8..12);
        assert_eq!(tcp::DATA_OFFSET.bytes(), 12..13);
        assert_eq!(tcp::RESERVED.bytes(), 12..13);
        assert_eq!(tcp::AE.bytes(), 12..13);
        assert_eq!(tcp::CWR.bytes(), 13..14);
        assert_eq!(tcp::FIN.bytes(), 13..14);
        assert_eq!(tcp::WINDOW.bytes(), 14..16);
        assert_eq!(tcp::CHECKSUM.bytes(), 16..18);
        assert_eq!(tcp::URGENT.bytes(), 18..20);
        assert_eq!(udp::SRC_PORT.bytes(), 0..2);
        assert_eq!(udp::DST_PORT.bytes(), 2..4);
        assert_eq!(udp::LENGTH.bytes(), 4..6);
        assert_eq!(udp::CHECKSUM.bytes(), 6..8);
    }

    #[test]
    fn fields_tile_each_header_without_gaps_or_overlaps() {
        let mut next = 0;
        for f in tcp::HEADER {
            assert_eq!(f.bit, next, "{:?}", f.id);
            assert!(f.bits >= 1 && f.bits <= 32);
            assert_eq!(
                f.row(),
                (usize::from(f.bit) + usize::from(f.bits) - 1) / 32,
                "{:?} crosses a row",
                f.id
            );
            next += f.bits;
        }
        assert_eq!(usize::from(next), tcp::MIN_LEN * 8);
        let mut next = 0;
        for f in udp::HEADER {
            assert_eq!(f.bit, next);
            next += f.bits;
        }
        assert_eq!(usize::from(next), udp::LEN * 8);
    }

    #[test]
    fn flag_masks_agree_with_the_model() {
        let expected = [
            (tcp::AE, tcp_flags::AE),
            (tcp::CWR, tcp_flags::CWR),
            (tcp::ECE, tcp_flags::ECE),
            (tcp::URG, tcp_flags::URG),
            (tcp::ACK_FLAG, tcp_flags::ACK),
            (tcp::PSH, tcp_flags::PSH),
            (tcp::RST, tcp_flags::RST),
            (tcp::SYN, tcp_flags::SYN),
            (tcp::FIN, tcp_flags::FIN),
        ];
        for (f, mask) in expected {
            assert_eq!(f.flag_mask(), mask, "{:?}", f.id);
            assert!(f.id.flag_name().is_some());
        }
        assert_eq!(tcp::SRC_PORT.flag_mask(), 0);
        assert_eq!(tcp::DATA_OFFSET.flag_mask(), 0);
        assert_eq!(tcp::SRC_PORT.id.flag_name(), None);
    }

    #[test]
    fn read_extracts_values_and_is_total() {
        // The lesson's SYN: 52341 → 443, seq 0xb942_6a78, data offset 5, SYN, window 64240.
        let hdr = [
            0xcc, 0x75, 0x01, 0xbb, 0xb9, 0x42, 0x6a, 0x78, 0, 0, 0, 0, 0x50, 0x02, 0xfa, 0xf0,
            0x12, 0x34, 0, 0,
        ];
        assert_eq!(tcp::SRC_PORT.read(&hdr), Some(52341));
        assert_eq!(tcp::DST_PORT.read(&hdr), Some(443));
        assert_eq!(tcp::SEQ.read(&hdr), Some(0xb942_6a78));
        assert_eq!(tcp::ACK.read(&hdr), Some(0));
        assert_eq!(tcp::DATA_OFFSET.read(&hdr), Some(5));
        assert_eq!(tcp::RESERVED.read(&hdr), Some(0));
        assert_eq!(tcp::AE.read(&hdr), Some(0));
        assert_eq!(tcp::SYN.read(&hdr), Some(1));
        assert_eq!(tcp::FIN.read(&hdr), Some(0));
        assert_eq!(tcp::WINDOW.read(&hdr), Some(64240));
        assert_eq!(tcp::CHECKSUM.read(&hdr), Some(0x1234));
        let all_ones = [0xffu8; 20];
        assert_eq!(tcp::SEQ.read(&all_ones), Some(u32::MAX));
        assert_eq!(tcp::DATA_OFFSET.read(&all_ones), Some(15));
        assert_eq!(tcp::RESERVED.read(&all_ones), Some(7));
        assert_eq!(tcp::AE.read(&all_ones), Some(1));
        for n in 0..hdr.len() {
            let cut = hdr.get(..n).unwrap_or(&[]);
            for f in tcp::HEADER {
                let v = f.read(cut);
                assert_eq!(v.is_some(), f.bytes().end <= n, "{:?} with {n} bytes", f.id);
            }
        }
    }
}
