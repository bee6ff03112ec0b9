//! What `portlens explain` accepts: a port (`443`, or in hex `0x01bb`, or in binary
//! `0b0000000110111011`), an IPv4 socket (`192.168.1.10:52341`) or an IPv6 socket in brackets
//! (`[2001:db8::1]:443`). Anything else is a usage error whose
//! message names the valid range 0–65535 and what to write instead; no input panics.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::i18n::Tr;
use crate::vocab::Language;

/// One thing to explain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A port number.
    Port(u16),
    /// An IP address and a port.
    Socket(IpAddr, u16),
}

impl Target {
    /// The port of the target.
    #[must_use]
    pub const fn port(&self) -> u16 {
        match *self {
            Target::Port(p) | Target::Socket(_, p) => p,
        }
    }
}

/// Why an argument is not a target: the argument as given and the reason in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetError {
    /// The argument as given.
    pub input: String,
    /// What is wrong and what to write instead (always mentions 0–65535).
    pub reason: String,
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "explain: '{}': {}",
            self.input.escape_debug(),
            self.reason
        )
    }
}

impl std::error::Error for TargetError {}

/// Parses a port written in hex (`0x01bb`) or binary (`0b0000000110111011`, `_` allowed
/// between digits, as in Rust); `None` when `s` has neither prefix.
fn parse_radix(s: &str, tr: Tr) -> Option<Result<u16, String>> {
    let (digits, radix, name) = if let Some(d) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (d, 16, tr.s("hex"))
    } else if let Some(d) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
        (d, 2, tr.s("binary"))
    } else {
        return None;
    };
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    if clean.is_empty() || !clean.chars().all(|c| c.is_digit(radix)) {
        return Some(Err(tr.f(
            "'{s}' is not a {name} number: write 0x01bb or 0b0000000110111011 for a port 0–65535",
            &[("s", &s.escape_debug()), ("name", &name)],
        )));
    }
    Some(u16::from_str_radix(&clean, radix).map_err(|_| {
        tr.f("{s} is more than 16 bits: a port is 0–65535 (0x0000–0xffff)", &[("s", &s)])
    }))
}

/// Parses a port number: decimal digits only, 0–65535.
fn parse_port(s: &str, tr: Tr) -> Result<u16, String> {
    if s.is_empty() {
        return Err(tr.s("the port is missing: a port is a number from 0 to 65535").to_string());
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse::<u16>()
            .map_err(|_| tr.f("port {s} is out of range: a port is a 16-bit number, 0–65535", &[("s", &s)]));
    }
    if s.strip_prefix('-').is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())) {
        return Err(tr.f("port {s} is negative: a port is a number from 0 to 65535", &[("s", &s)]));
    }
    Err(tr.f("'{s}' is not a port number: a port is a number from 0 to 65535", &[("s", &s.escape_debug())]))
}

/// Parses one `explain` argument (messages in English; [`parse_in`] for another language).
///
/// ```
/// use std::net::{IpAddr, Ipv6Addr};
/// use portlens::teach::target::{parse, Target};
/// assert_eq!(parse("443"), Ok(Target::Port(443)));
/// assert_eq!(parse("[::1]:80"), Ok(Target::Socket(IpAddr::V6(Ipv6Addr::LOCALHOST), 80)));
/// assert!(parse("70000").unwrap_err().reason.contains("0–65535"));
/// ```
pub fn parse(arg: &str) -> Result<Target, TargetError> {
    parse_in(arg, Tr(Language::En))
}

/// Parses one `explain` argument; a bad one is said in the language of `tr`.
pub fn parse_in(arg: &str, tr: Tr) -> Result<Target, TargetError> {
    let err = |reason: String| TargetError { input: arg.to_string(), reason };
    let s = arg.trim();
    if s.is_empty() {
        return Err(err(tr.s("an empty argument is not a port: give a port (0–65535), IP:PORT or [IPv6]:PORT").to_string()));
    }
    if let Some(rest) = s.strip_prefix('[') {
        let Some((addr, after)) = rest.split_once(']') else {
            return Err(err(tr.s("the '[' of an IPv6 address is not closed: write [IPv6]:PORT with PORT 0–65535").to_string()));
        };
        let ip = parse_v6(addr, tr).map_err(err)?;
        return match after.strip_prefix(':') {
            None if after.is_empty() => {
                Err(err(tr.f("no port: write [{addr}]:PORT with PORT 0–65535", &[("addr", &addr)])))
            }
            None => Err(err(tr.f(
                "'{after}' after ']' is not ':PORT': write [{addr}]:PORT with PORT 0–65535",
                &[("after", &after.escape_debug()), ("addr", &addr)],
            ))),
            Some(p) => parse_port(p, tr).map(|port| Target::Socket(IpAddr::V6(ip), port)).map_err(err),
        };
    }
    if let Some(r) = parse_radix(s, tr) {
        return r.map(Target::Port).map_err(err);
    }
    if s.bytes().all(|b| b.is_ascii_digit()) || s.starts_with('-') || s.starts_with('+') {
        return parse_port(s, tr).map(Target::Port).map_err(err);
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        let how = match ip {
            IpAddr::V4(_) => format!("{ip}:PORT"),
            IpAddr::V6(_) => format!("[{ip}]:PORT"),
        };
        return Err(err(tr.f("an IP address alone has no port: write {how} with PORT 0–65535", &[("how", &how)])));
    }
    match s.matches(':').count() {
        0 => Err(err(tr.f(
            "not a port number or socket: give a port (0–65535), IP:PORT or [IPv6]:PORT (to search services by name: portlens services {s})",
            &[("s", &s.escape_debug())],
        ))),
        1 => {
            let (host, port) = s.split_once(':').unwrap_or((s, ""));
            let ip = host.parse::<Ipv4Addr>().map_err(|_| {
                err(tr.f(
                    "'{host}' is not an IPv4 address (portlens does no DNS look-ups): give a port (0–65535), IP:PORT or [IPv6]:PORT",
                    &[("host", &host.escape_debug())],
                ))
            })?;
            parse_port(port, tr).map(|p| Target::Socket(IpAddr::V4(ip), p)).map_err(err)
        }
        _ => Err(err(tr.s("write an IPv6 socket with brackets, [IPv6]:PORT, with PORT 0–65535").to_string())),
    }
}

fn parse_v6(addr: &str, tr: Tr) -> Result<Ipv6Addr, String> {
    if addr.contains('%') {
        return Err(tr.s("zone ids ('%…') are not supported: write [IPv6]:PORT with PORT 0–65535").to_string());
    }
    addr.parse::<Ipv6Addr>().map_err(|_| {
        tr.f("'{addr}' is not an IPv6 address: write [IPv6]:PORT with PORT 0–65535", &[("addr", &addr.escape_debug())])
    })
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn good_targets() {
        assert_eq!(parse("0"), Ok(Target::Port(0)));
        assert_eq!(parse("65535"), Ok(Target::Port(65535)));
        assert_eq!(parse(" 80 "), Ok(Target::Port(80)));
        assert_eq!(
            parse("192.168.1.10:52341"),
            Ok(Target::Socket(
                IpAddr::V4(Ipv4Addr::new(192, 168, 1, 10)),
                52341
            ))
        );
        assert_eq!(
            parse("[2001:db8::1]:443"),
            Ok(Target::Socket(
                IpAddr::V6("2001:db8::1".parse().unwrap_or(Ipv6Addr::UNSPECIFIED)),
                443
            ))
        );
    }

    #[test]
    fn hex_and_binary_ports() {
        assert_eq!(parse("0x01bb"), Ok(Target::Port(443)));
        assert_eq!(parse("0X01BB"), Ok(Target::Port(443)));
        assert_eq!(parse("0b0000000110111011"), Ok(Target::Port(443)));
        assert_eq!(parse("0b0000_0001_1011_1011"), Ok(Target::Port(443)));
        assert_eq!(parse("0xffff"), Ok(Target::Port(65535)));
        for bad in ["0x10000", "0x", "0xg1", "0b2", "0b11111111111111111"] {
            let e = parse(bad);
            assert!(e.as_ref().is_err_and(|e| e.reason.contains("0–65535")), "{bad}: {e:?}");
        }
    }

    #[test]
    fn bad_targets_name_the_range() {
        for bad in [
            "70000",
            "65536",
            "-1",
            "abc",
            "1.2.3.4:99999",
            "[::1]",
            "1.2.3.4:",
            "[::1]:80:",
            "",
            " ",
            "+80",
            "1.2.3.4",
            "::1",
            "2001:db8::1:443",
            "[::1",
            "[zz]:80",
            "[fe80::1%eth0]:80",
            "localhost:80",
            "1.2.3.4:-5",
            "1.2.3.4:8a",
            "99999999999999999999999999",
            "[::1]x",
            "[]:80",
            ":80",
            "４４３",
            "🦀",
            "\u{0}",
        ] {
            let e = parse(bad);
            assert!(e.is_err(), "{bad:?} was accepted");
            if let Err(e) = e {
                assert!(
                    e.reason.contains("0–65535") || e.reason.contains("0 to 65535"),
                    "{bad:?}: {}",
                    e.reason
                );
                assert_eq!(e.input, bad);
                assert!(e.to_string().starts_with("explain: '"));
            }
        }
    }
}
