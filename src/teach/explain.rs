//! `portlens explain`: the teaching card of a port or socket.
//!
//! A port card shows the 16 bits grouped by nibble with the hex digit of each nibble, the
//! binary and hex forms, the high/low byte arithmetic (`1 × 256 + 187 = 443`), the sum of
//! the 1-bits, the class and what it means (who assigns it; whether binding needs root on
//! Unix, with this machine's `ip_unprivileged_port_start`), the ephemeral ranges (Linux's,
//! read from this machine, and IANA's/Windows') for ports that fall in one, and the TCP and
//! UDP names of the IANA registry beside the names used in practice. A socket card first
//! shows which part of `IP:PORT` finds the machine and which finds the program.
//!
//! Rendering is pure: it takes the facts of the machine ([`SystemFacts`]) as an argument and
//! writes to any `io::Write`.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::facts::{LINUX_DEFAULT_EPHEMERAL, SystemFacts};
use crate::i18n::{PadRight, Texts, fill, width};
use super::target::Target;
use crate::render::color::{Palette, Style};
use crate::services::{self, PortClass, Proto, Status};

/// Spaces before a label.
const INDENT: usize = 2;

/// The IANA dynamic range, which Windows also uses for ephemeral ports.
pub const IANA_DYNAMIC: (u16, u16) = services::WINDOWS_EPHEMERAL;

/// Writes the cards of `targets`, separated by blank lines.
pub fn cards(
    w: &mut dyn Write,
    targets: &[Target],
    t: &Texts,
    pal: Palette,
    facts: &SystemFacts,
) -> io::Result<()> {
    for (i, target) in targets.iter().enumerate() {
        if i > 0 {
            w.write_all(b"\n")?;
        }
        card(w, target, t, pal, facts)?;
    }
    Ok(())
}

/// Writes one card.
pub fn card(
    w: &mut dyn Write,
    target: &Target,
    t: &Texts,
    pal: Palette,
    facts: &SystemFacts,
) -> io::Result<()> {
    let lw = label_width(t);
    if let Target::Socket(ip, port) = *target {
        socket_part(w, ip, port, t, pal, facts, lw)?;
        w.write_all(b"\n")?;
    }
    port_card(w, target.port(), t, pal, facts, lw)
}

/// Columns of the label column: the widest label of the language plus two.
fn label_width(t: &Texts) -> usize {
    [
        t.bit,
        t.binary,
        t.hex,
        t.bytes,
        t.wire,
        t.ones,
        t.class,
        t.this_host,
        t.ranges,
        t.iana,
        t.practice,
        t.ip_address,
        t.port_number,
        t.analogy_label,
        t.socket,
        t.role,
    ]
    .iter()
    .map(|s| width(s))
    .max()
    .unwrap_or(0)
        + 2
}

fn label(w: &mut dyn Write, text: &str, lw: usize) -> io::Result<()> {
    write!(w, "{:INDENT$}{}", "", PadRight(text, lw))
}

fn blank_label(w: &mut dyn Write, lw: usize) -> io::Result<()> {
    write!(w, "{:w$}", "", w = INDENT + lw)
}

/// The 16 bits grouped by nibble: bit numbers, bits, and a brace with the hex digit under
/// each nibble.
fn nibble_diagram(
    w: &mut dyn Write,
    port: u16,
    t: &Texts,
    pal: Palette,
    lw: usize,
) -> io::Result<()> {
    label(w, t.bit, lw)?;
    for nib in 0..4u8 {
        if nib > 0 {
            w.write_all(b"  ")?;
        }
        for k in 0..4u8 {
            let b = 15 - (nib * 4 + k);
            write!(w, "{}", pal.paint(Style::Dim, format_args!("{b:>3}")))?;
        }
    }
    w.write_all(b"\n")?;
    blank_label(w, lw)?;
    for nib in 0..4u8 {
        if nib > 0 {
            w.write_all(b"  ")?;
        }
        for k in 0..4u8 {
            let b = 15 - (nib * 4 + k);
            write!(w, "{}", pal.bit(port >> b & 1 == 1, 3))?;
        }
    }
    w.write_all(b"\n")?;
    blank_label(w, lw)?;
    for nib in 0..4u8 {
        if nib > 0 {
            w.write_all(b"  ")?;
        }
        let digit = (port >> (12 - 4 * u16::from(nib))) & 0xf;
        write!(
            w,
            " └────{}────┘",
            pal.paint(Style::Name, format_args!("{digit:X}"))
        )?;
    }
    w.write_all(b"\n")
}

/// `0000 0001 1011 1011` (the low `bits` bits of `n`, grouped by nibble) with the 1s coloured.
fn binary(n: u16, pal: Palette, bits: u8) -> String {
    let mut s = String::new();
    for i in (0..bits).rev() {
        if n >> i & 1 == 1 {
            s.push_str(&pal.paint(Style::One, "1").to_string());
        } else {
            s.push('0');
        }
        if i % 4 == 0 && i > 0 {
            s.push(' ');
        }
    }
    s
}

/// The sum of the 1-bits: `256 + 128 + 32 + 16 + 8 + 2 + 1`.
#[must_use]
pub fn ones_sum(port: u16) -> Option<String> {
    let terms: Vec<String> = (0..16u32)
        .rev()
        .filter(|b| port >> b & 1 == 1)
        .map(|b| (1u32 << b).to_string())
        .collect();
    (!terms.is_empty()).then(|| terms.join(" + "))
}

/// Writes the card of a port.
fn port_card(
    w: &mut dyn Write,
    port: u16,
    t: &Texts,
    pal: Palette,
    facts: &SystemFacts,
    lw: usize,
) -> io::Result<()> {
    writeln!(
        w,
        "{}",
        pal.paint(Style::Heading, fill(t.port_title, &[("port", &port)]))
    )?;
    nibble_diagram(w, port, t, pal, lw)?;

    label(w, t.binary, lw)?;
    writeln!(
        w,
        "{}  {}",
        binary(port, pal, 16),
        pal.paint(Style::Dim, t.binary_note)
    )?;
    label(w, t.hex, lw)?;
    writeln!(w, "0x{port:04X}")?;
    let (h, l) = (port >> 8, port & 0xff);
    label(w, t.bytes, lw)?;
    let hb = binary(h, pal, 8);
    let lb = binary(l, pal, 8);
    let hx = format!("0x{h:02X}");
    let lx = format!("0x{l:02X}");
    writeln!(
        w,
        "{}",
        fill(
            t.high_low,
            &[
                ("hb", &hb),
                ("hx", &hx),
                ("h", &h),
                ("lb", &lb),
                ("lx", &lx),
                ("l", &l)
            ]
        )
    )?;
    blank_label(w, lw)?;
    writeln!(w, "{h} × 256 + {l} = {}", pal.paint(Style::Heading, port))?;
    label(w, t.wire, lw)?;
    writeln!(
        w,
        "{h:02x} {l:02x}  {}",
        pal.paint(Style::Dim, t.wire_note)
    )?;
    label(w, t.ones, lw)?;
    match ones_sum(port) {
        Some(sum) => writeln!(w, "{sum} = {port}")?,
        None => writeln!(w, "{}", t.ones_none)?,
    }

    w.write_all(b"\n")?;
    let class = PortClass::of(port);
    label(w, t.class, lw)?;
    writeln!(
        w,
        "{}",
        pal.paint(Style::of_class(class), t.class_long(class))
    )?;
    for line in t.class_meaning(class) {
        blank_label(w, lw)?;
        writeln!(w, "{line}")?;
    }
    if port == 0 {
        blank_label(w, lw)?;
        writeln!(w, "{}", t.port_zero)?;
    }
    label(w, t.this_host, lw)?;
    match facts.unprivileged_port_start {
        _ if port == 0 => writeln!(w, "{}", t.bind_zero)?,
        Some(start) if u32::from(port) < start => {
            writeln!(
                w,
                "{}",
                fill(t.bind_needs_root, &[("start", &start), ("port", &port)])
            )?;
        }
        Some(start) => writeln!(
            w,
            "{}",
            fill(t.bind_free, &[("start", &start), ("port", &port)])
        )?,
        None => writeln!(w, "{}", t.bind_unknown)?,
    }
    ephemeral(w, port, t, pal, facts, lw)?;

    w.write_all(b"\n")?;
    registry(w, port, t, pal, lw)
}

fn in_range(port: u16, (lo, hi): (u16, u16)) -> bool {
    (lo..=hi).contains(&port)
}

/// The ephemeral ranges, for a port inside Linux's or IANA's.
fn ephemeral(
    w: &mut dyn Write,
    port: u16,
    t: &Texts,
    pal: Palette,
    facts: &SystemFacts,
    lw: usize,
) -> io::Result<()> {
    let (linux, linux_name) = match facts.ephemeral {
        Some(r) => (r, t.linux_here),
        None => (LINUX_DEFAULT_EPHEMERAL, t.linux_default),
    };
    if !in_range(port, linux) && !in_range(port, IANA_DYNAMIC) {
        return Ok(());
    }
    let nw = width(linux_name).max(width(t.iana_windows));
    for (i, (name, range)) in [(linux_name, linux), (t.iana_windows, IANA_DYNAMIC)]
        .into_iter()
        .enumerate()
    {
        if i == 0 {
            label(w, t.ranges, lw)?;
        } else {
            blank_label(w, lw)?;
        }
        let (verdict, style) = if in_range(port, range) {
            (t.inside, Style::One)
        } else {
            (t.outside, Style::Dim)
        };
        let span = format!("{}–{}", range.0, range.1);
        writeln!(
            w,
            "{}  {span:<11}  {}",
            PadRight(name, nw),
            pal.paint(style, fill(verdict, &[("port", &port)]))
        )?;
    }
    blank_label(w, lw)?;
    writeln!(w, "{}", t.ranges_note)
}

/// The IANA names (TCP, UDP) and the everyday-practice name.
fn registry(w: &mut dyn Write, port: u16, t: &Texts, pal: Palette, lw: usize) -> io::Result<()> {
    let protos = [Proto::Tcp, Proto::Udp];
    let nw = protos
        .iter()
        .flat_map(|&p| services::entries(p, port))
        .map(|s| width(s.name))
        .max()
        .unwrap_or(0);
    for (i, proto) in protos.into_iter().enumerate() {
        let entries = services::entries(proto, port);
        let pp = format!("{port}/{proto}");
        if entries.is_empty() {
            if i == 0 {
                label(w, t.iana, lw)?
            } else {
                blank_label(w, lw)?
            }
            writeln!(
                w,
                "{pp:<9}  {}",
                pal.paint(Style::Dim, status_words(t, proto, port))
            )?;
        }
        for (j, s) in entries.iter().enumerate() {
            if i == 0 && j == 0 {
                label(w, t.iana, lw)?
            } else {
                blank_label(w, lw)?
            }
            let name = pal.paint(Style::Name, PadRight(s.name, nw));
            writeln!(w, "{pp:<9}  {name}  {}", s.description)?;
        }
    }
    let Some(p) = services::practice(port) else {
        return Ok(());
    };
    label(w, t.practice, lw)?;
    let on = match p.proto {
        Some(pr) => pr.as_str(),
        None => "tcp/udp",
    };
    let desc = t.practice_desc(p);
    writeln!(w, "{} ({on}): {desc}", pal.paint(Style::Name, t.practice_name(p)))?;
    let differing = protos
        .into_iter()
        .filter(|&pr| p.applies_to(pr))
        .filter_map(|pr| services::name(pr, port))
        .find(|iana| !iana.eq_ignore_ascii_case(p.name));
    if let Some(iana) = differing {
        blank_label(w, lw)?;
        writeln!(
            w,
            "{}",
            fill(t.practice_differs, &[("iana", &iana), ("name", &p.name)])
        )?;
    }
    Ok(())
}

/// What IANA says of a port that has no service name on `proto`, in words.
#[must_use]
pub fn status_words(t: &Texts, proto: Proto, port: u16) -> String {
    match services::status(proto, port) {
        Status::Reserved(text) => fill(t.status_reserved, &[("text", &text)]),
        Status::Unnamed(text) => fill(t.status_unnamed, &[("text", &text)]),
        Status::Unassigned => t.status_unassigned.to_string(),
        Status::Dynamic => t.status_dynamic.to_string(),
        Status::Assigned(names) => names.iter().map(|s| s.name).collect::<Vec<_>>().join(", "),
    }
}

/// A brace under `n` columns: `└──┬──┘`.
fn brace(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => "↑".to_string(),
        2 => "└┘".to_string(),
        _ => {
            let k = (n - 3) / 2;
            format!("└{}┬{}┘", "─".repeat(k), "─".repeat(n - 3 - k))
        }
    }
}

/// The socket part of a card: `IP:PORT` with a brace under each part and what each answers.
fn socket_part(
    w: &mut dyn Write,
    ip: IpAddr,
    port: u16,
    t: &Texts,
    pal: Palette,
    facts: &SystemFacts,
    lw: usize,
) -> io::Result<()> {
    let ip_text = match ip {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => format!("[{a}]"),
    };
    let port_text = port.to_string();
    let socket = format!("{ip_text}:{port_text}");
    let title = fill(t.socket_title, &[("socket", &socket)]);
    writeln!(w, "{}", pal.paint(Style::Heading, &title))?;
    // Where the socket starts in the title.
    let lead = title
        .find(&socket)
        .map_or(0, |i| width(title.get(..i).unwrap_or("")));
    let ip_w = width(&ip_text);
    let port_at = lead + ip_w + 1;
    writeln!(w, "{:lead$}{} {}", "", brace(ip_w), brace(port_text.len()))?;
    // Labels centred under the braces, never overlapping.
    let ip_mid = lead + ip_w / 2;
    let port_mid = port_at + port_text.len() / 2;
    let a = ip_mid.saturating_sub(width(t.ip_address) / 2);
    let b = port_mid
        .saturating_sub(width(t.port_number) / 2)
        .max(a + width(t.ip_address) + 2);
    writeln!(
        w,
        "{:a$}{}{:gap$}{}",
        "",
        t.ip_address,
        "",
        t.port_number,
        gap = b - a - width(t.ip_address)
    )?;

    let vw = ip_w.max(port_text.len());
    label(w, t.ip_address, lw)?;
    writeln!(
        w,
        "{}  {} · {}",
        PadRight(&ip_text, vw),
        t.which_machine,
        ip_kind(t, ip)
    )?;
    label(w, t.port_number, lw)?;
    writeln!(w, "{}  {}", PadRight(&port_text, vw), t.which_program)?;
    label(w, t.analogy_label, lw)?;
    writeln!(w, "{}", t.analogy)?;
    label(w, t.socket, lw)?;
    writeln!(w, "{}", t.socket_meaning)?;
    label(w, t.role, lw)?;
    writeln!(w, "{}", role(t, port, facts))?;
    if port != 0 {
        blank_label(w, lw)?;
        writeln!(w, "{}", t.role_how)?;
    }
    Ok(())
}

/// Which end a port alone most likely is, from the ephemeral ranges it lies in (this
/// machine's Linux range and Windows') and whether IANA names it. The IANA class alone does
/// not decide: Linux picks client ports from 32768–60999, most of which is "registered".
fn role(t: &Texts, port: u16, facts: &SystemFacts) -> String {
    if port == 0 {
        return t.role_zero.to_string();
    }
    let name = services::practice(port)
        .map(|p| p.name)
        .or_else(|| services::name(Proto::Tcp, port))
        .or_else(|| services::name(Proto::Udp, port));
    let linux = facts.ephemeral.unwrap_or(LINUX_DEFAULT_EPHEMERAL);
    match (services::ephemeral_systems(port, linux), name) {
        (Some(ranges), None) => fill(t.role_client, &[("ranges", &ranges)]),
        (Some(ranges), Some(n)) => fill(t.role_either, &[("ranges", &ranges), ("name", &n)]),
        (None, Some(n)) => fill(t.role_server_named, &[("name", &n)]),
        (None, None) => t.role_server.to_string(),
    }
}

/// What kind of address an IP is, in words (`IPv4, private network (RFC 1918)`).
#[must_use]
pub fn ip_kind(t: &Texts, ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => format!("IPv4, {}", v4_kind(t, a)),
        IpAddr::V6(a) => format!("IPv6, {}", v6_kind(t, a)),
    }
}

fn v4_kind(t: &Texts, a: Ipv4Addr) -> String {
    let [o0, o1, o2, _] = a.octets();
    if a.is_unspecified() {
        t.ip_unspecified.into()
    } else if a.is_loopback() {
        t.ip_loopback.into()
    } else if a.is_private() {
        format!("{} (RFC 1918)", t.ip_private)
    } else if a.is_link_local() {
        t.ip_link_local.into()
    } else if o0 == 100 && (64..128).contains(&o1) {
        t.ip_shared.into()
    } else if matches!((o0, o1, o2), (192, 0, 2) | (198, 51, 100) | (203, 0, 113)) {
        format!("{} (RFC 5737)", t.ip_documentation)
    } else if a.is_multicast() {
        t.ip_multicast.into()
    } else if a.is_broadcast() {
        t.ip_broadcast.into()
    } else {
        t.ip_global.into()
    }
}

fn v6_kind(t: &Texts, a: Ipv6Addr) -> String {
    let s = a.segments();
    let first = s.first().copied().unwrap_or(0);
    if a.is_unspecified() {
        t.ip_unspecified.into()
    } else if a.is_loopback() {
        t.ip_loopback.into()
    } else if let Some(v4) = a.to_ipv4_mapped() {
        format!("{} ({})", t.ip_mapped, v4_kind(t, v4))
    } else if first & 0xffc0 == 0xfe80 {
        t.ip_link_local.into()
    } else if first & 0xfe00 == 0xfc00 {
        format!("{} (fc00::/7)", t.ip_private)
    } else if a.is_multicast() {
        t.ip_multicast.into()
    } else if first == 0x2001 && s.get(1) == Some(&0x0db8) {
        format!("{} (RFC 3849)", t.ip_documentation)
    } else {
        t.ip_global.into()
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::i18n::{EN, KO};

    fn facts() -> SystemFacts {
        SystemFacts {
            ephemeral: Some((32768, 60999)),
            unprivileged_port_start: Some(1024),
        }
    }

    fn render(target: Target, t: &Texts) -> String {
        let mut v = Vec::new();
        card(&mut v, &target, t, Palette::new(false), &facts()).expect("write");
        String::from_utf8(v).expect("utf8")
    }

    #[test]
    fn lesson_bit_strings_and_arithmetic() {
        let s = render(Target::Port(80), &EN);
        assert!(s.contains("0000 0000 0101 0000"), "{s}");
        assert!(s.contains("0 × 256 + 80 = 80"), "{s}");
        let s = render(Target::Port(443), &EN);
        assert!(s.contains("0000 0001 1011 1011"), "{s}");
        assert!(s.contains("0x01BB"), "{s}");
        assert!(s.contains("1 × 256 + 187 = 443"), "{s}");
        assert!(s.contains("256 + 128 + 32 + 16 + 8 + 2 + 1 = 443"), "{s}");
        let s = render(Target::Port(3306), &EN);
        assert!(s.contains("0000 1100 1110 1010"), "{s}");
        assert!(s.contains("12 × 256 + 234 = 3306"), "{s}");
    }

    #[test]
    fn class_boundaries() {
        for (port, class) in [
            (0, "well-known"),
            (1023, "well-known"),
            (1024, "registered"),
            (49151, "registered"),
            (49152, "dynamic"),
            (65535, "dynamic"),
        ] {
            let s = render(Target::Port(port), &EN);
            let class_line = s
                .lines()
                .find(|l| l.trim_start().starts_with("class"))
                .unwrap_or("");
            assert!(class_line.contains(class), "{port}: {class_line}");
        }
        let s = render(Target::Port(1023), &EN);
        assert!(s.contains("binding port 1023 needs root"), "{s}");
        let s = render(Target::Port(1024), &EN);
        assert!(s.contains("any user may bind port 1024"), "{s}");
    }

    #[test]
    fn ephemeral_ranges_show_for_ports_in_either_range() {
        let s = render(Target::Port(52341), &EN);
        assert!(
            s.contains("32768–60999") && s.contains("49152–65535"),
            "{s}"
        );
        assert_eq!(s.matches("52341 is inside").count(), 2, "{s}");
        let s = render(Target::Port(40000), &EN);
        assert!(
            s.contains("40000 is inside") && s.contains("40000 is outside"),
            "{s}"
        );
        let s = render(Target::Port(443), &EN);
        assert!(!s.contains("49152–65535  "), "{s}");
        let s = render(Target::Port(62000), &EN);
        assert!(
            s.contains("62000 is outside") && s.contains("62000 is inside"),
            "{s}"
        );
    }

    #[test]
    fn iana_and_practice_side_by_side() {
        let s = render(Target::Port(465), &EN);
        assert!(s.contains("465/tcp") && s.contains("urd"), "{s}");
        assert!(s.contains("SMTPS (tcp)"), "{s}");
        assert!(
            s.contains("IANA's name is urd; everyday use calls it SMTPS"),
            "{s}"
        );
        let s = render(Target::Port(9200), &EN);
        assert!(s.contains("wap-wsp") && s.contains("Elasticsearch"), "{s}");
        let s = render(Target::Port(65535), &EN);
        assert!(s.contains("65535/tcp  not assigned"), "{s}");
    }

    #[test]
    fn socket_card_finds_machine_and_program() {
        let s = render(
            Target::Socket(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 10)), 52341),
            &EN,
        );
        assert!(
            s.starts_with("socket 192.168.1.10:52341\n       └────┬─────┘ └─┬─┘\n"),
            "{s}"
        );
        assert!(
            s.contains("which machine?") && s.contains("private network (RFC 1918)"),
            "{s}"
        );
        assert!(s.contains("client"), "{s}");
        assert!(s.contains("\nport 52341\n"), "{s}");
        let s = render(
            Target::Socket(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 10)), 52341),
            &KO,
        );
        assert!(s.starts_with("소켓 192.168.1.10:52341\n"), "{s}");
        assert!(s.contains("아파트") && s.contains("동적 포트"), "{s}");
    }

    #[test]
    fn ip_kinds() {
        let k = |s: &str| ip_kind(&EN, s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
        assert!(k("127.0.0.1").contains("loopback"));
        assert!(k("10.1.2.3").contains("RFC 1918"));
        assert!(k("142.250.185.78").contains("public"));
        assert!(k("203.0.113.50").contains("RFC 5737"));
        assert!(k("224.0.0.251").contains("multicast"));
        assert!(k("fe80::1").contains("link-local"));
        assert!(k("fd00::1").contains("fc00::/7"));
        assert!(k("2001:db8::1").contains("RFC 3849"));
        assert!(k("::ffff:192.168.1.1").contains("RFC 1918"));
        assert!(k("::").contains("unspecified"));
    }

    #[test]
    fn brace_widths() {
        for n in 0..30 {
            assert_eq!(width(&brace(n)), n, "{n}");
        }
    }
}
