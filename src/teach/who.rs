//! `portlens who PORT[/PROTO]` (the `lsof -i :80` / `fuser 80/tcp` question): which programs
//! hold the port, in which state, and what that means for someone about to start a server on
//! it: a listener makes `bind()` fail with EADDRINUSE (and names the program to stop, or a free
//! port); only TIME_WAIT sockets mean the port frees itself within N seconds, or at once with
//! SO_REUSEADDR; nothing means the port is free (and whether an unprivileged user may bind it
//! here). `explain PORT` prints the same verdicts under "On this machine now".

use std::io::{self, Write};

use crate::i18n::sockets::SocketTexts;
use crate::i18n::{PadRight, Texts, fill, width};
use crate::sockets::{Proto, Socket, State, Table, Unowned, Users, my_uid};

use super::SystemFacts;
use super::sockets_cmd::{endpoint, unowned_words};

/// Parses `80`, `:80`, `80/tcp`, `tcp/80`, `80/udp`: the port and the protocols asked about
/// (both when none is named).
pub fn parse_target(arg: &str) -> Result<(u16, Vec<Proto>), String> {
    use crate::services::{self, Proto as S};
    match services::port_query(arg) {
        Some((port, None)) => Ok((port, vec![Proto::Tcp, Proto::Udp])),
        Some((port, Some(S::Tcp))) => Ok((port, vec![Proto::Tcp])),
        Some((port, Some(S::Udp))) => Ok((port, vec![Proto::Udp])),
        Some((_, Some(p))) => Err(format!("who: portlens sees TCP and UDP sockets only, not {p:?} (use 80, 80/tcp or 80/udp)")),
        None => Err(format!("who: '{}' is not a port: give 0–65535, optionally with /tcp or /udp (80, :443, 53/udp)", arg.escape_debug())),
    }
}

/// The sockets of `proto` whose local port is `port`, listeners first.
#[must_use]
pub fn holders(table: &Table, port: u16, proto: Proto) -> Vec<&Socket> {
    let mut v: Vec<&Socket> = table.sockets.iter().filter(|s| s.proto == proto && s.local.1 == port).collect();
    v.sort_by_key(|s| (!s.state.is_listening(), s.state, s.local.0, s.peer));
    v
}

/// The next port above `port` (wrapping below 65535 to 1024) on which no socket of `proto`
/// is bound.
fn free_port(table: &Table, port: u16, proto: Proto) -> Option<u16> {
    let used = |p: u16| table.sockets.iter().any(|s| s.proto == proto && s.local.1 == p);
    (port.saturating_add(1)..=u16::MAX).chain(1024..port).find(|&p| p != 0 && !used(p))
}

/// Who holds a socket, in words: `python3 (pid 4690, user alice)`, or why nobody is named.
fn holder_words(table: &Table, s: &Socket, st: &SocketTexts, users: &mut Users) -> String {
    let owners = table.owners_of(s);
    if owners.is_empty() {
        return unowned_words(table.unowned_reason(s, my_uid()), st).to_string();
    }
    owners
        .iter()
        .map(|o| {
            let user = users.name(o.uid).map_or_else(|| o.uid.to_string(), str::to_string);
            format!("{} (pid {}, {user})", o.name, o.pid)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The verdict for someone about to start a server on `port`/`proto`, one or two sentences.
#[must_use]
pub fn verdict(table: &Table, port: u16, proto: Proto, t: &Texts, st: &SocketTexts, facts: &SystemFacts) -> Vec<String> {
    let held = holders(table, port, proto);
    let args_base = |extra: &[(&str, &dyn std::fmt::Display)]| -> Vec<(String, String)> {
        let mut v = vec![("port".to_string(), port.to_string()), ("proto".to_string(), proto.as_str().to_string())];
        v.extend(extra.iter().map(|(k, d)| ((*k).to_string(), d.to_string())));
        v
    };
    let say = |template: &str, extra: &[(&str, &dyn std::fmt::Display)]| -> String {
        let owned = args_base(extra);
        let refs: Vec<(&str, &dyn std::fmt::Display)> =
            owned.iter().map(|(k, v)| (k.as_str(), v as &dyn std::fmt::Display)).collect();
        fill(template, &refs)
    };
    let free = free_port(table, port, proto).map_or_else(String::new, |p| format!("{p}/{}", proto.as_str()));
    let me = my_uid();
    let listener = held.iter().find(|s| match proto {
        Proto::Tcp => s.state == State::Listen,
        Proto::Udp => true,
    });
    if let Some(s) = listener {
        let socket = crate::render::fmt::socket_string(s.local.0, s.local.1);
        let owners = table.owners_of(s);
        let pids = owners.iter().map(|o| o.pid.to_string()).collect::<Vec<_>>().join(" ");
        let mut out = Vec::new();
        match (owners.first(), proto) {
            (Some(o), Proto::Tcp) => {
                out.push(say(st.who_listener, &[("program", &o.name), ("pid", &o.pid), ("socket", &socket)]));
                out.push(say(st.who_listener_fix, &[("pid", &pids), ("free", &free)]));
            }
            (Some(o), Proto::Udp) => {
                out.push(say(st.who_udp_bound, &[("program", &format!("{} (pid {})", o.name, o.pid)), ("socket", &socket)]));
                out.push(say(st.who_listener_fix, &[("pid", &pids), ("free", &free)]));
            }
            (None, _) => {
                let why = unowned_words(table.unowned_reason(s, me), st);
                out.push(say(st.who_listener_unknown, &[("socket", &socket), ("why", &why)]));
                out.push(say(st.who_other_port, &[("free", &free)]));
            }
        }
        if table.unowned_reason(s, me) == Some(Unowned::NotPermitted) {
            out.push(fill(st.need_sudo, &[("n", &table.owners.not_permitted)]));
        }
        return out;
    }
    if !held.is_empty() {
        if held.iter().all(|s| s.state == State::TimeWait) {
            let secs = held.iter().map(|s| s.expires_ms.div_ceil(1000)).max().unwrap_or(0);
            return vec![say(st.who_time_wait, &[("secs", &secs)])];
        }
        return vec![say(st.who_connections, &[("n", &held.len())])];
    }
    let mut out = vec![say(st.who_free, &[])];
    out.push(match facts.unprivileged_port_start {
        Some(start) if u32::from(port) < start => fill(t.bind_needs_root, &[("start", &start), ("port", &port)]),
        Some(start) => fill(t.bind_free, &[("start", &start), ("port", &port)]),
        None => t.bind_unknown.to_string(),
    });
    out
}

/// Writes `who`: per protocol, a heading, the sockets on the port (state, local ⇄ peer,
/// holder, time left), then the verdict.
pub fn write(
    w: &mut dyn Write,
    table: &Table,
    port: u16,
    protos: &[Proto],
    t: &Texts,
    st: &SocketTexts,
    facts: &SystemFacts,
) -> io::Result<()> {
    let mut users = Users::default();
    for (i, &proto) in protos.iter().enumerate() {
        if i > 0 {
            writeln!(w)?;
        }
        writeln!(w, "{}", fill(st.who_title, &[("port", &port), ("proto", &proto.as_str())]))?;
        let held = holders(table, port, proto);
        let rows: Vec<[String; 4]> = held
            .iter()
            .map(|s| {
                let ends = if s.state.is_listening() {
                    endpoint(proto, s.local, true)
                } else {
                    format!("{} ⇄ {}", endpoint(proto, s.local, true), endpoint(proto, s.peer, true))
                };
                let left = if s.state == State::TimeWait {
                    fill(st.left, &[("s", &s.expires_ms.div_ceil(1000))])
                } else {
                    String::new()
                };
                [s.state.name().to_string(), ends, holder_words(table, s, st, &mut users), left]
            })
            .collect();
        let w0 = rows.iter().map(|r| width(&r[0])).max().unwrap_or(0);
        let w1 = rows.iter().map(|r| width(&r[1])).max().unwrap_or(0);
        for r in &rows {
            let line = format!("  {}  {}  {}  {}", PadRight(&r[0], w0), PadRight(&r[1], w1), r[2], r[3]);
            writeln!(w, "{}", line.trim_end())?;
        }
        for l in verdict(table, port, proto, t, st, facts) {
            writeln!(w, "  {l}")?;
        }
    }
    Ok(())
}
