//! The Community ID (version 1) of a flow: `1:` and the base64 of a SHA-1 over the flow's
//! endpoints in a fixed order, so that Zeek, Suricata, Arkime, Elastic and portlens name the
//! same conversation with the same string (ECS `network.community_id`). The specification is
//! corelight/community-id-spec; `tests/community_id.rs` checks this code against its test
//! vectors.
//!
//! Hashed, in network byte order: seed (2 bytes), source address, destination address,
//! protocol (1 byte), a zero byte, source port, destination port (2 bytes each; omitted for
//! protocols without ports). The endpoints are ordered so that the smaller (address, port)
//! comes first, and both directions give the same ID. ICMP and ICMPv6 use the type as the
//! source "port" and, for request/reply types, the counterpart type as the destination (so a
//! request and its reply share an ID); other ICMP types use the code and are never reordered.
//!
//! SHA-1 and base64 are written out here (about 80 lines) rather than taken from a crate: the
//! input is always one or two 64-byte blocks.

use std::net::IpAddr;

/// The counterpart of an ICMP (v4) request/reply type.
const fn icmp4_counterpart(t: u8) -> Option<u8> {
    Some(match t {
        8 => 0,
        0 => 8,
        13 => 14,
        14 => 13,
        15 => 16,
        16 => 15,
        10 => 9,
        9 => 10,
        17 => 18,
        18 => 17,
        _ => return None,
    })
}

/// The counterpart of an ICMPv6 request/reply type.
const fn icmp6_counterpart(t: u8) -> Option<u8> {
    Some(match t {
        128 => 129,
        129 => 128,
        130 => 131,
        131 => 130,
        133 => 134,
        134 => 133,
        135 => 136,
        136 => 135,
        139 => 140,
        140 => 139,
        144 => 145,
        145 => 144,
        _ => return None,
    })
}

/// What a packet or flow is identified by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ports {
    /// TCP, UDP, SCTP …: the two ports.
    Ports(u16, u16),
    /// ICMP or ICMPv6: type and code.
    Icmp {
        /// ICMPv6 rather than ICMP.
        v6: bool,
        /// Type.
        icmp_type: u8,
        /// Code.
        code: u8,
    },
    /// A protocol without ports.
    None,
}

/// The Community ID v1 of a flow from `src` to `dst` over IP protocol `proto`, with `seed`
/// (0 by default), written `1:` + base64 into `out` (32 bytes: `1:` and 28 base64 characters).
/// Returns the text (`None` when the two addresses are of different families).
pub fn community_id(src: IpAddr, dst: IpAddr, proto: u8, ports: Ports, seed: u16, out: &mut [u8; 30]) -> Option<&str> {
    let (mut sp, mut dp, one_way, has_ports) = match ports {
        Ports::Ports(a, b) => (a, b, false, true),
        Ports::Icmp { v6, icmp_type, code } => {
            let other = if v6 { icmp6_counterpart(icmp_type) } else { icmp4_counterpart(icmp_type) };
            match other {
                Some(o) => (u16::from(icmp_type), u16::from(o), false, true),
                None => (u16::from(icmp_type), u16::from(code), true, true),
            }
        }
        Ports::None => (0, 0, false, false),
    };
    let mut buf = [0u8; 2 + 16 + 16 + 2 + 4];
    let mut n = 0;
    let mut put = |b: &[u8], buf: &mut [u8; 40]| {
        for &x in b {
            if let Some(slot) = buf.get_mut(n) {
                *slot = x;
            }
            n += 1;
        }
    };
    let (a, b) = match (src, dst) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (a.octets().to_vec(), b.octets().to_vec()),
        (IpAddr::V6(a), IpAddr::V6(b)) => (a.octets().to_vec(), b.octets().to_vec()),
        _ => return None,
    };
    let (mut a, mut b) = (a, b);
    if !one_way && (a > b || (a == b && sp > dp)) {
        std::mem::swap(&mut a, &mut b);
        std::mem::swap(&mut sp, &mut dp);
    }
    put(&seed.to_be_bytes(), &mut buf);
    put(&a, &mut buf);
    put(&b, &mut buf);
    put(&[proto, 0], &mut buf);
    if has_ports {
        put(&sp.to_be_bytes(), &mut buf);
        put(&dp.to_be_bytes(), &mut buf);
    }
    let digest = sha1(buf.get(..n).unwrap_or(&[]));
    out[0] = b'1';
    out[1] = b':';
    let tail = out.get_mut(2..).unwrap_or(&mut []);
    base64(&digest, tail);
    std::str::from_utf8(out).ok()
}

/// SHA-1 (FIPS 180-4) of a short message.
fn sha1(msg: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0];
    let bits = (msg.len() as u64).wrapping_mul(8);
    let mut data = msg.to_vec();
    data.push(0x80);
    while data.len() % 64 != 56 {
        data.push(0);
    }
    data.extend_from_slice(&bits.to_be_bytes());
    for block in data.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            if let (Some(slot), Ok(bytes)) = (w.get_mut(i), <[u8; 4]>::try_from(word)) {
                *slot = u32::from_be_bytes(bytes);
            }
        }
        for i in 16..80 {
            let at = |j: usize| w.get(j).copied().unwrap_or(0);
            let x = at(i - 3) ^ at(i - 8) ^ at(i - 14) ^ at(i - 16);
            if let Some(slot) = w.get_mut(i) {
                *slot = x.rotate_left(1);
            }
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a.rotate_left(5).wrapping_add(f).wrapping_add(e).wrapping_add(k).wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (hv, v) in h.iter_mut().zip([a, b, c, d, e]) {
            *hv = hv.wrapping_add(v);
        }
    }
    let mut out = [0u8; 20];
    for (o, v) in out.chunks_exact_mut(4).zip(h) {
        o.copy_from_slice(&v.to_be_bytes());
    }
    out
}

/// Standard base64 with padding of 20 bytes into 28 characters.
fn base64(input: &[u8; 20], out: &mut [u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sym = |i: u32| ALPHABET.get((i & 63) as usize).copied().unwrap_or(b'=');
    let mut o = 0;
    let mut emit = |c: u8, out: &mut [u8]| {
        if let Some(slot) = out.get_mut(o) {
            *slot = c;
        }
        o += 1;
    };
    for chunk in input.chunks(3) {
        let b0 = u32::from(chunk.first().copied().unwrap_or(0));
        let b1 = u32::from(chunk.get(1).copied().unwrap_or(0));
        let b2 = u32::from(chunk.get(2).copied().unwrap_or(0));
        let v = b0 << 16 | b1 << 8 | b2;
        emit(sym(v >> 18), out);
        emit(sym(v >> 12), out);
        emit(if chunk.len() > 1 { sym(v >> 6) } else { b'=' }, out);
        emit(if chunk.len() > 2 { sym(v) } else { b'=' }, out);
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn sha1_of_known_strings() {
        let hex = |d: [u8; 20]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(hex(sha1(b"abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(hex(sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        let long = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(hex(sha1(long)), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    }

    #[test]
    fn the_spec_readme_example() {
        // From the spec's README: TCP 128.232.110.120:34855 → 66.35.250.204:80.
        let mut out = [0u8; 30];
        let id = community_id(
            "128.232.110.120".parse().unwrap(),
            "66.35.250.204".parse().unwrap(),
            6,
            Ports::Ports(34855, 80),
            0,
            &mut out,
        );
        assert_eq!(id, Some("1:LQU9qZlK+B5F3KDmev6m5PMibrg="));
        // The other direction gives the same ID.
        let mut out2 = [0u8; 30];
        let back = community_id(
            "66.35.250.204".parse().unwrap(),
            "128.232.110.120".parse().unwrap(),
            6,
            Ports::Ports(80, 34855),
            0,
            &mut out2,
        );
        assert_eq!(back, Some("1:LQU9qZlK+B5F3KDmev6m5PMibrg="));
    }
}
