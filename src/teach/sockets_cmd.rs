//! `portlens sockets`: the machine's socket table as `ss -tuanp` shows it, in portlens's words:
//! protocol, state (its meaning below the table), local and peer socket with service names,
//! the local port's class and whether it lies in this machine's ephemeral range, the holding
//! program, pid and user, the queues, and the time a timer has left (TIME_WAIT's end). Text
//! in English or Korean, or JSON Lines.

use std::io::{self, Write};
use std::net::IpAddr;

use crate::i18n::sockets::SocketTexts;
use crate::i18n::{PadLeft, PadRight, Texts, fill, width};
use crate::render::fmt::socket_string;
use crate::render::json::string as json_string;
use crate::services::{self, PortClass};
use crate::sockets::{Owner, Proto, Query, Socket, Source, State, Table, Timer, Unowned, Users};

use super::SystemFacts;

fn svc_proto(p: Proto) -> services::Proto {
    match p {
        Proto::Tcp => services::Proto::Tcp,
        Proto::Udp => services::Proto::Udp,
    }
}

/// `ip:port (service)`, or `*:*` for a peer that is not set.
#[must_use]
pub fn endpoint(proto: Proto, (ip, port): (IpAddr, u16), numeric: bool) -> String {
    if port == 0 && ip.is_unspecified() {
        return "*:*".to_string();
    }
    let mut s = socket_string(ip, port);
    if !numeric && let Some(name) = services::name(svc_proto(proto), port) {
        s.push_str(" (");
        s.push_str(name);
        s.push(')');
    }
    s
}

/// Whether a port lies in this machine's ephemeral range.
#[must_use]
pub fn is_ephemeral(port: u16, facts: &SystemFacts) -> bool {
    let (lo, hi) = facts.ephemeral.unwrap_or(services::LINUX_EPHEMERAL);
    (lo..=hi).contains(&port)
}

/// The port column: class, and "ephemeral" when in this machine's range.
fn port_words(port: u16, t: &Texts, st: &SocketTexts, facts: &SystemFacts) -> String {
    let mut s = t.class_short(PortClass::of(port)).to_string();
    if is_ephemeral(port, facts) {
        s.push_str(", ");
        s.push_str(st.ephemeral_short);
    }
    s
}

/// The program column: the first holder, `+N` for more, or why none is known.
fn program_words(owners: &[Owner], why: Option<Unowned>, st: &SocketTexts) -> String {
    match owners.first() {
        Some(o) if owners.len() > 1 => format!("{} +{}", o.name, owners.len() - 1),
        Some(o) => o.name.clone(),
        None => unowned_words(why, st).to_string(),
    }
}

/// Why a socket has no program, in words.
#[must_use]
pub fn unowned_words(why: Option<Unowned>, st: &SocketTexts) -> &'static str {
    match why {
        Some(Unowned::Kernel) => st.unowned_kernel,
        Some(Unowned::NotPermitted) => st.unowned_not_permitted,
        Some(Unowned::NoProcess) | None => st.unowned_no_process,
    }
}

/// Sorted for people: protocol, local port, listeners first, then addresses.
#[must_use]
pub fn sorted<'a>(table: &'a Table, q: &Query) -> Vec<&'a Socket> {
    let mut v: Vec<&Socket> = table.sockets.iter().filter(|s| q.wants(s, table.owners_of(s))).collect();
    v.sort_by(|a, b| {
        (a.proto, a.local.1, !a.state.is_listening(), a.state, a.local.0, a.peer)
            .cmp(&(b.proto, b.local.1, !b.state.is_listening(), b.state, b.local.0, b.peer))
    });
    v
}

/// The time a socket's timer has left, when one runs.
fn timer_words(s: &Socket, st: &SocketTexts) -> String {
    if s.timer == Timer::None {
        return String::new();
    }
    let secs = s.expires_ms.div_ceil(1000);
    match s.state {
        State::TimeWait => fill(st.left, &[("s", &secs)]),
        _ => format!("{} {}", s.timer.name().unwrap_or(""), fill(st.left, &[("s", &secs)])),
    }
}

/// Writes the table as text: columns, the meaning of each state shown, a summary.
pub fn write_text(
    w: &mut dyn Write,
    table: &Table,
    q: &Query,
    t: &Texts,
    st: &SocketTexts,
    facts: &SystemFacts,
    numeric: bool,
) -> io::Result<()> {
    let rows = sorted(table, q);
    let me = crate::sockets::my_uid();
    let mut users = Users::default();
    let mut cells: Vec<[String; 11]> = Vec::with_capacity(rows.len());
    let mut states: Vec<State> = Vec::new();
    for s in &rows {
        let owners = table.owners_of(s);
        let why = table.unowned_reason(s, me);
        let uid = owners.first().map_or(s.uid, |o| o.uid);
        let user = if s.inode == 0 && owners.is_empty() {
            String::new()
        } else {
            users.name(uid).map_or_else(|| uid.to_string(), str::to_string)
        };
        if !states.contains(&s.state) {
            states.push(s.state);
        }
        cells.push([
            s.proto.as_str().to_string(),
            s.state.name().to_string(),
            endpoint(s.proto, s.local, numeric),
            endpoint(s.proto, s.peer, numeric),
            port_words(s.local.1, t, st, facts),
            program_words(owners, why, st),
            owners.first().map(|o| o.pid.to_string()).unwrap_or_default(),
            user,
            s.recv_q.to_string(),
            s.send_q.to_string(),
            timer_words(s, st),
        ]);
    }
    let mut widths = st.columns.map(width);
    for row in &cells {
        for (wd, c) in widths.iter_mut().zip(row) {
            *wd = (*wd).max(width(c));
        }
    }
    let right = |i: usize| matches!(i, 6 | 8 | 9);
    let line = |w: &mut dyn Write, row: &[&str]| -> io::Result<()> {
        let mut out = String::new();
        for (i, (c, wd)) in row.iter().zip(widths).enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            if right(i) {
                out.push_str(&PadLeft(c, wd).to_string());
            } else if i + 1 == row.len() {
                out.push_str(c);
            } else {
                out.push_str(&PadRight(c, wd).to_string());
            }
        }
        writeln!(w, "{}", out.trim_end())
    };
    line(w, &st.columns)?;
    for row in &cells {
        let r: Vec<&str> = row.iter().map(String::as_str).collect();
        line(w, &r)?;
    }
    if !states.is_empty() {
        states.sort();
        writeln!(w)?;
        writeln!(w, "{}:", st.states)?;
        let nw = states.iter().map(|s| s.name().len()).max().unwrap_or(0);
        for s in states {
            writeln!(w, "  {}  {}", PadRight(s.name(), nw), st.state_meaning(s.name()))?;
        }
    }
    writeln!(w)?;
    let source = if table.sources.iter().all(|(_, s)| *s == Source::Netlink) { st.source_netlink } else { st.source_proc };
    writeln!(w, "{}", fill(st.summary, &[("n", &rows.len()), ("source", &source)]))?;
    if table.owners.not_permitted > 0 && rows.iter().any(|s| table.unowned_reason(s, me) == Some(Unowned::NotPermitted)) {
        writeln!(w, "{}", fill(st.need_sudo, &[("n", &table.owners.not_permitted)]))?;
    }
    Ok(())
}

fn json_endpoint(w: &mut dyn Write, proto: Proto, (ip, port): (IpAddr, u16), facts: &SystemFacts) -> io::Result<()> {
    if port == 0 && ip.is_unspecified() {
        return w.write_all(b"null");
    }
    write!(w, "{{\"ip\":\"{ip}\",\"port\":{port},\"port_class\":\"{}\",\"ephemeral\":{},\"service\":", PortClass::of(port), is_ephemeral(port, facts))?;
    match services::name(svc_proto(proto), port) {
        Some(n) => json_string(w, n)?,
        None => w.write_all(b"null")?,
    }
    w.write_all(b"}")
}

fn json_owner(w: &mut dyn Write, o: &Owner, users: &mut Users) -> io::Result<()> {
    write!(w, "{{\"pid\":{},\"name\":", o.pid)?;
    json_string(w, &o.name)?;
    write!(w, ",\"fd\":{},\"user\":{{\"id\":\"{}\",\"name\":", o.fd, o.uid)?;
    match users.name(o.uid) {
        Some(n) => json_string(w, n)?,
        None => w.write_all(b"null")?,
    }
    w.write_all(b"}}")
}

/// Writes one JSON object per socket (`"type": "socket"`): `network`, `state`, `local`, `peer`
/// (ip, port, port_class, ephemeral, service; `peer` null when not connected), `process` (ECS: pid, name; the first holder)
/// and `user`, every holder in `processes`, `process_unknown` (why none) and `socket` (inode,
/// uid, queues, timer).
pub fn write_json(w: &mut dyn Write, table: &Table, q: &Query, facts: &SystemFacts) -> io::Result<()> {
    let me = crate::sockets::my_uid();
    let mut users = Users::default();
    for s in sorted(table, q) {
        let owners = table.owners_of(s);
        write!(
            w,
            "{{\"type\":\"socket\",\"network\":{{\"transport\":\"{}\",\"type\":\"{}\"}},\"state\":\"{}\",\"local\":",
            s.proto.as_str(),
            if s.local.0.is_ipv4() { "ipv4" } else { "ipv6" },
            s.state.name()
        )?;
        json_endpoint(w, s.proto, s.local, facts)?;
        w.write_all(b",\"peer\":")?;
        json_endpoint(w, s.proto, s.peer, facts)?;
        match owners.first() {
            Some(o) => {
                write!(w, ",\"process\":{{\"pid\":{},\"name\":", o.pid)?;
                json_string(w, &o.name)?;
                write!(w, "}},\"user\":{{\"id\":\"{}\",\"name\":", o.uid)?;
                match users.name(o.uid) {
                    Some(n) => json_string(w, n)?,
                    None => w.write_all(b"null")?,
                }
                w.write_all(b"}")?;
            }
            None => {
                let why = table.unowned_reason(s, me).map_or("no-process", Unowned::as_str);
                write!(w, ",\"process\":null,\"process_unknown\":\"{why}\"")?;
            }
        }
        w.write_all(b",\"processes\":[")?;
        for (i, o) in owners.iter().enumerate() {
            if i > 0 {
                w.write_all(b",")?;
            }
            json_owner(w, o, &mut users)?;
        }
        write!(
            w,
            "],\"socket\":{{\"inode\":{},\"uid\":{},\"recv_q\":{},\"send_q\":{},\"timer\":",
            s.inode, s.uid, s.recv_q, s.send_q
        )?;
        match s.timer.name() {
            Some(n) => write!(w, "\"{n}\",\"expires_ms\":{}", s.expires_ms)?,
            None => w.write_all(b"null,\"expires_ms\":null")?,
        }
        w.write_all(b"}}\n")?;
    }
    Ok(())
}
