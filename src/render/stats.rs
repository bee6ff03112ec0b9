//! `--stats`: packet counts per transport, per server port, per service, per port class, and the
//! busiest sockets, as a text report or one `{"type":"stats"}` JSON record.
//!
//! The tracker counts raw numbers per port (as the server's port and as the client's); this
//! module adds the names and classes from the service registry, so the counting stays pure and
//! the registry is read in one place.

use std::io::{self, Write};

use super::fmt as f;
use super::json::{self, Record, string as json_string};
use super::words::bytes_string;
use crate::model::TsPrecision;
use crate::model::flow::{Count, FlowProto, PortCount, StatsReport};
use crate::i18n::{self, Tr};
use crate::services::{self, PortClass, Proto};
use crate::vocab::Language;

/// Rows listed per table in the text report.
pub const TOP: usize = 20;
/// Ports listed in the JSON record.
pub const JSON_PORTS: usize = 100;

/// What the report shows.
#[derive(Clone, Copy, Debug)]
pub struct StatsOptions {
    /// Service names (off with `-nn`).
    pub services: bool,
    /// Language of the text report (`--lang`); the JSON record stays English.
    pub lang: Language,
}

impl Default for StatsOptions {
    fn default() -> Self {
        StatsOptions { services: true, lang: Language::En }
    }
}

/// The ephemeral ranges client ports are counted in: (JSON key, name, range): Linux's
/// default and Windows'.
fn ephemeral_ranges(_o: &StatsOptions) -> [(&'static str, &'static str, (u16, u16)); 2] {
    [
        ("linux", "Linux", services::LINUX_EPHEMERAL),
        ("windows", "Windows (= IANA dynamic)", services::WINDOWS_EPHEMERAL),
    ]
}

fn proto(p: FlowProto) -> Proto {
    match p {
        FlowProto::Tcp => Proto::Tcp,
        FlowProto::Udp => Proto::Udp,
    }
}

fn add(a: &mut Count, b: Count) {
    a.packets = a.packets.saturating_add(b.packets);
    a.bytes = a.bytes.saturating_add(b.bytes);
}

/// Counts grouped for printing.
struct Grouped<'a> {
    /// Server ports, busiest first.
    ports: Vec<&'a PortCount>,
    /// Service name (of the server port) → counts, busiest first.
    services: Vec<(&'static str, FlowProto, Count)>,
    /// Per class: (ports seen as server, packets as server, ports seen as client, packets as client).
    classes: [(PortClass, u64, Count, u64, Count); 3],
    /// Client ports inside Linux's and Windows' ephemeral ranges, and inside neither:
    /// (ports, packets as client).
    ephemeral: [(u64, Count); 3],
}

fn group<'a>(rep: &'a StatsReport, o: &StatsOptions) -> Grouped<'a> {
    let mut ports: Vec<&PortCount> = rep.ports.iter().filter(|p| p.as_server.packets > 0).collect();
    ports.sort_by(|a, b| b.as_server.packets.cmp(&a.as_server.packets).then((a.proto, a.port).cmp(&(b.proto, b.port))));
    let mut svc: Vec<(&'static str, FlowProto, Count)> = Vec::new();
    if o.services {
        for p in &ports {
            if let Some(name) = services::name(proto(p.proto), p.port) {
                match svc.iter_mut().find(|(n, pr, _)| *n == name && *pr == p.proto) {
                    Some((_, _, c)) => add(c, p.as_server),
                    None => svc.push((name, p.proto, p.as_server)),
                }
            }
        }
    }
    svc.sort_by(|a, b| b.2.packets.cmp(&a.2.packets).then(a.0.cmp(b.0)));
    let mut classes = [PortClass::WellKnown, PortClass::Registered, PortClass::Dynamic]
        .map(|c| (c, 0u64, Count::default(), 0u64, Count::default()));
    for p in &rep.ports {
        let class = PortClass::of(p.port);
        if let Some(row) = classes.iter_mut().find(|r| r.0 == class) {
            if p.as_server.packets > 0 {
                row.1 += 1;
                add(&mut row.2, p.as_server);
            }
            if p.as_client.packets > 0 {
                row.3 += 1;
                add(&mut row.4, p.as_client);
            }
        }
    }
    let ranges = ephemeral_ranges(o);
    let mut ephemeral = [(0u64, Count::default()); 3];
    for p in rep.ports.iter().filter(|p| p.as_client.packets > 0) {
        let mut inside = false;
        for (slot, (_, _, (lo, hi))) in ephemeral.iter_mut().zip(ranges) {
            if (lo..=hi).contains(&p.port) {
                inside = true;
                slot.0 += 1;
                add(&mut slot.1, p.as_client);
            }
        }
        if !inside && let Some(slot) = ephemeral.get_mut(2) {
            slot.0 += 1;
            add(&mut slot.1, p.as_client);
        }
    }
    Grouped { ports, services: svc, classes, ephemeral }
}

fn table<W: Write + ?Sized>(w: &mut W, head: &[&str], right: &[bool], rows: &[Vec<String>]) -> io::Result<()> {
    let mut widths: Vec<usize> = head.iter().map(|h| i18n::width(h)).collect();
    for r in rows {
        for (wd, c) in widths.iter_mut().zip(r) {
            *wd = (*wd).max(i18n::width(c));
        }
    }
    let n = head.len();
    let line = |w: &mut W, cells: &mut dyn Iterator<Item = &str>| -> io::Result<()> {
        w.write_all(b"  ")?;
        for (i, ((c, wd), r)) in cells.zip(widths.iter()).zip(right).enumerate() {
            if i > 0 {
                w.write_all(b"  ")?;
            }
            let fill = wd.saturating_sub(i18n::width(c));
            if *r {
                write!(w, "{:fill$}{c}", "")?;
            } else if i + 1 == n {
                w.write_all(c.as_bytes())?;
            } else {
                write!(w, "{c}{:fill$}", "")?;
            }
        }
        w.write_all(b"\n")
    };
    line(w, &mut head.iter().copied())?;
    for r in rows {
        line(w, &mut r.iter().map(String::as_str))?;
    }
    Ok(())
}

fn count_str(c: Count) -> [String; 2] {
    [c.packets.to_string(), bytes_string(c.bytes)]
}

/// Writes the text report.
pub fn write_text<W: Write + ?Sized>(w: &mut W, rep: &StatsReport, o: &StatsOptions) -> io::Result<()> {
    let g = group(rep, o);
    let tr = Tr(o.lang);
    let t = tr.f(
        "Packets: {n} ({bytes}): TCP {tcp}, UDP {udp}, ICMP {icmp}, other {other}",
        &[
            ("n", &rep.total.packets),
            ("bytes", &bytes_string(rep.total.bytes)),
            ("tcp", &rep.tcp.packets),
            ("udp", &rep.udp.packets),
            ("icmp", &rep.icmp.packets),
            ("other", &rep.other.packets),
        ],
    );
    writeln!(w, "{t}")?;
    if rep.ports.is_empty() {
        return writeln!(w, "  {}", tr.s("(no TCP or UDP packets, so no ports)"));
    }
    let class = |c: PortClass| -> String {
        match o.lang {
            Language::En => c.as_str().to_string(),
            Language::Ko => i18n::texts(o.lang).class_short(c).to_string(),
        }
    };

    writeln!(w, "\n{}", tr.s("Server ports (each TCP/UDP packet counts once, for the port of the side that serves):"))?;
    let rows: Vec<Vec<String>> = g
        .ports
        .iter()
        .take(TOP)
        .map(|p| {
            let [pk, by] = count_str(p.as_server);
            let name = if o.services { services::name(proto(p.proto), p.port) } else { None };
            vec![
                p.port.to_string(),
                p.proto.as_str().to_string(),
                class(PortClass::of(p.port)),
                name.unwrap_or("-").to_string(),
                pk,
                by,
            ]
        })
        .collect();
    table(
        w,
        &["PORT", "PROTO", "CLASS", "SERVICE", "PACKETS", "BYTES"].map(|h| tr.s(h)),
        &[true, false, false, false, true, true],
        &rows,
    )?;
    if g.ports.len() > TOP {
        writeln!(w, "{}", tr.f("  … {n} more server ports", &[("n", &(g.ports.len() - TOP))]))?;
    }

    if o.services {
        writeln!(w, "\n{}", tr.s("Services (by the server port's IANA name):"))?;
        if g.services.is_empty() {
            writeln!(w, "  {}", tr.s("(no server port has a registered name)"))?;
        } else {
            let rows: Vec<Vec<String>> = g
                .services
                .iter()
                .take(TOP)
                .map(|(n, p, c)| {
                    let [pk, by] = count_str(*c);
                    vec![n.to_string(), p.as_str().to_string(), pk, by]
                })
                .collect();
            table(w, &["SERVICE", "PROTO", "PACKETS", "BYTES"].map(|h| tr.s(h)), &[false, false, true, true], &rows)?;
        }
    }

    writeln!(w, "\n{}", tr.s("Port classes (RFC 6335):"))?;
    let rows: Vec<Vec<String>> = g
        .classes
        .iter()
        .map(|(c, sp, sc, cp, cc)| {
            let (lo, hi) = c.range();
            vec![
                class(*c),
                format!("{lo}–{hi}"),
                sp.to_string(),
                sc.packets.to_string(),
                cp.to_string(),
                cc.packets.to_string(),
            ]
        })
        .collect();
    table(
        w,
        &["CLASS", "RANGE", "SERVER PORTS", "PACKETS", "CLIENT PORTS", "PACKETS"].map(|h| tr.s(h)),
        &[false, false, true, true, true, true],
        &rows,
    )?;

    writeln!(
        w,
        "\n{}",
        tr.s("Client ports by ephemeral range (the OS picks a client's port from its range, whatever the class):")
    )?;
    let ranges = ephemeral_ranges(o);
    let rows: Vec<Vec<String>> = g
        .ephemeral
        .iter()
        .enumerate()
        .map(|(i, (ports, c))| {
            let (name, range) = match ranges.get(i) {
                Some((_, n, (lo, hi))) => (tr.s(n).to_string(), format!("{lo}–{hi}")),
                None => (tr.s("in neither").to_string(), "-".to_string()),
            };
            vec![name, range, ports.to_string(), c.packets.to_string()]
        })
        .collect();
    table(w, &["RANGE", "PORTS", "CLIENT PORTS", "PACKETS"].map(|h| tr.s(h)), &[false, false, true, true], &rows)?;

    writeln!(
        w,
        "\n{}",
        tr.f(
            "Top sockets (both ends of every packet count){approx}:",
            &[(
                "approx",
                &if rep.sockets_approximate {
                    tr.s(" — approximate: rarely seen sockets were dropped to bound memory")
                } else {
                    ""
                }
            )]
        )
    )?;
    let rows: Vec<Vec<String>> = rep
        .sockets
        .iter()
        .take(TOP)
        .map(|s| {
            let [pk, by] = count_str(s.count);
            let name = if o.services { services::name(proto(s.proto), s.port) } else { None };
            vec![f::socket_string(s.ip, s.port), s.proto.as_str().to_string(), name.unwrap_or("-").to_string(), pk, by]
        })
        .collect();
    table(w, &["SOCKET", "PROTO", "SERVICE", "PACKETS", "BYTES"].map(|h| tr.s(h)), &[false, false, false, true, true], &rows)
}

fn count_json<W: Write + ?Sized>(w: &mut W, c: Count) -> io::Result<()> {
    write!(w, "{{\"packets\":{},\"bytes\":{}}}", c.packets, c.bytes)
}

/// Writes the `{"type":"stats"}` record (one line).
pub fn write_json<W: Write + ?Sized>(w: &mut W, rep: &StatsReport, o: &StatsOptions) -> io::Result<()> {
    let g = group(rep, o);
    json::head(w, super::flows::stats_time(rep.clock), TsPrecision::Micro, Record::Stats)?;
    w.write_all(b"},\"portlens\":{\"stats\":{\"packets\":")?;
    f::uint(w, rep.total.packets)?;
    w.write_all(b",\"bytes\":")?;
    f::uint(w, rep.total.bytes)?;
    w.write_all(b",\"network\":{\"tcp\":")?;
    count_json(w, rep.tcp)?;
    w.write_all(b",\"udp\":")?;
    count_json(w, rep.udp)?;
    w.write_all(b",\"icmp\":")?;
    count_json(w, rep.icmp)?;
    w.write_all(b",\"other\":")?;
    count_json(w, rep.other)?;
    write!(w, "}},\"server_ports_seen\":{},\"ports\":[", g.ports.len())?;
    for (i, p) in g.ports.iter().take(JSON_PORTS).enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        write!(
            w,
            "{{\"transport\":\"{}\",\"port\":{},\"port_class\":\"{}\",\"service\":",
            p.proto.as_str(),
            p.port,
            PortClass::of(p.port).as_str()
        )?;
        match if o.services { services::name(proto(p.proto), p.port) } else { None } {
            Some(n) => json_string(w, n)?,
            None => w.write_all(b"null")?,
        }
        w.write_all(b",\"as_server\":")?;
        count_json(w, p.as_server)?;
        w.write_all(b",\"as_client\":")?;
        count_json(w, p.as_client)?;
        w.write_all(b"}")?;
    }
    w.write_all(b"],\"services\":[")?;
    for (i, (n, p, c)) in g.services.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        w.write_all(b"{\"name\":")?;
        json_string(w, n)?;
        write!(w, ",\"transport\":\"{}\",\"packets\":{},\"bytes\":{}}}", p.as_str(), c.packets, c.bytes)?;
    }
    w.write_all(b"],\"port_classes\":[")?;
    for (i, (c, sp, sc, cp, cc)) in g.classes.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        let (lo, hi) = c.range();
        write!(w, "{{\"class\":\"{}\",\"range\":[{lo},{hi}],\"server_ports\":{sp},\"as_server\":", c.as_str())?;
        count_json(w, *sc)?;
        write!(w, ",\"client_ports\":{cp},\"as_client\":")?;
        count_json(w, *cc)?;
        w.write_all(b"}")?;
    }
    w.write_all(b"],\"client_ports_by_ephemeral_range\":[")?;
    let ranges = ephemeral_ranges(o);
    for (i, (ports, c)) in g.ephemeral.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        match ranges.get(i) {
            Some((key, _, (lo, hi))) => write!(w, "{{\"system\":\"{key}\",\"range\":[{lo},{hi}],")?,
            None => w.write_all(b"{\"system\":null,\"range\":null,")?,
        }
        write!(w, "\"client_ports\":{ports},\"as_client\":")?;
        count_json(w, *c)?;
        w.write_all(b"}")?;
    }
    w.write_all(b"],\"sockets\":[")?;
    for (i, s) in rep.sockets.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        write!(w, "{{\"transport\":\"{}\",\"ip\":\"", s.proto.as_str())?;
        f::ip(w, s.ip)?;
        write!(w, "\",\"port\":{},\"packets\":{},\"bytes\":{}}}", s.port, s.count.packets, s.count.bytes)?;
    }
    writeln!(w, "],\"sockets_approximate\":{}}}}}}}", rep.sockets_approximate)
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    #[test]
    fn headings_and_range_names_have_korean() {
        for h in ["PORT", "PROTO", "CLASS", "SERVICE", "PACKETS", "BYTES", "RANGE", "SERVER PORTS", "CLIENT PORTS", "PORTS", "SOCKET"] {
            assert!(crate::i18n::korean(h).is_some(), "{h}");
        }
        for (_, name, _) in ephemeral_ranges(&StatsOptions::default()) {
            assert!(crate::i18n::korean(name).is_some(), "{name}");
        }
    }

    use super::*;
    use crate::model::flow::SocketCount;

    fn c(packets: u64, bytes: u64) -> Count {
        Count { packets, bytes }
    }

    fn report() -> StatsReport {
        StatsReport {
            total: c(12, 1200),
            tcp: c(10, 1000),
            udp: c(2, 200),
            ports: vec![
                PortCount { proto: FlowProto::Tcp, port: 443, as_server: c(10, 1000), as_client: c(0, 0) },
                PortCount { proto: FlowProto::Tcp, port: 52341, as_server: c(0, 0), as_client: c(10, 1000) },
                PortCount { proto: FlowProto::Udp, port: 5353, as_server: c(2, 200), as_client: c(2, 200) },
            ],
            sockets: vec![SocketCount {
                proto: FlowProto::Tcp,
                ip: [10, 0, 0, 1].into(),
                port: 443,
                count: c(10, 1000),
            }],
            ..StatsReport::default()
        }
    }

    #[test]
    fn text_groups_by_service_and_class() {
        let mut v = Vec::new();
        write_text(&mut v, &report(), &StatsOptions::default()).unwrap();
        let s = String::from_utf8(v).unwrap();
        assert!(s.contains("Packets: 12 (1.2 kB): TCP 10, UDP 2, ICMP 0, other 0"), "{s}");
        assert!(s.contains("   443  tcp    well-known  https         10  1.0 kB"), "{s}");
        assert!(s.contains("  https    tcp         10  1.0 kB"), "{s}");
        assert!(s.contains("  well-known  0–1023                  1       10             0        0"), "{s}");
        assert!(s.contains("  dynamic     49152–65535             0        0             1       10"), "{s}");
        assert!(s.contains("  10.0.0.1:443  tcp    https         10  1.0 kB"), "{s}");
    }

    #[test]
    fn json_record() {
        let mut v = Vec::new();
        write_json(&mut v, &report(), &StatsOptions::default()).unwrap();
        let s = String::from_utf8(v).unwrap();
        assert!(
            s.contains("\"dataset\":\"portlens.stats\"},\"portlens\":{\"stats\":{\"packets\":12,\"bytes\":1200,\"network\":{\"tcp\":{\"packets\":10"),
            "{s}"
        );
        assert!(s.contains("{\"transport\":\"tcp\",\"port\":443,\"port_class\":\"well-known\",\"service\":\"https\",\"as_server\":{\"packets\":10,\"bytes\":1000}"), "{s}");
        assert!(s.contains("{\"name\":\"https\",\"transport\":\"tcp\",\"packets\":10,\"bytes\":1000}"), "{s}");
        assert!(s.ends_with("\"sockets_approximate\":false}}}\n"), "{s}");
    }
}
