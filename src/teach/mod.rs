//! The teaching side of portlens: `portlens explain PORT|IP:PORT …` (the card of a port or
//! socket) and `portlens services QUERY` (search the service registry), in English or Korean.
//!
//! * [`target`]: parsing `explain` arguments (usage errors name the range 0–65535).
//! * [`facts`]: this machine's port settings from `/proc`, injectable for tests.
//! * [`explain`], [`services_cmd`]: the renderers, writing to any `io::Write`.
//!
//! Arrows: `teach → {render, i18n, services, model, vocab}` (the strings in every language
//! live in `crate::i18n`, which `render::bits` uses too). The binary calls [`run_explain`] and
//! [`run_services`] and maps [`TeachError::exit_code`] to the process exit status.

pub mod explain;
pub mod facts;
pub mod services_cmd;
pub mod sockets_cmd;
pub mod target;
pub mod who;

use std::fmt;
use std::io::{self, Write};

pub use facts::SystemFacts;

use crate::i18n;
use crate::render::color::Palette;
use crate::sockets::{Proto, Query, SourceChoice, Table};
use crate::vocab::{ColorChoice, Language};

/// How to write the teaching output.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Language of the explanations.
    pub lang: Language,
    /// Write ANSI colours.
    pub color: bool,
    /// The machine's port settings (read once; fixed in tests).
    pub facts: SystemFacts,
}

/// Why a teaching command failed.
#[derive(Debug)]
pub enum TeachError {
    /// Bad arguments (exit 2); one message per bad argument, without the `portlens: ` prefix.
    Usage(Vec<String>),
    /// `services` found nothing (exit 1, like grep).
    NoMatch(String),
    /// Writing the output failed.
    Io(io::Error),
    /// The machine could not be asked (the socket table unreadable): exit 1.
    Runtime(String),
}

impl TeachError {
    /// The exit status: 2 usage, 1 no match or write error, 0 when stdout was closed early.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            TeachError::Usage(_) => 2,
            TeachError::NoMatch(_) | TeachError::Runtime(_) => 1,
            TeachError::Io(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
            TeachError::Io(_) => 1,
        }
    }

    /// The lines to print on stderr, each starting `portlens: ` (none for a closed stdout), in
    /// the reader's language (usage messages were made in it).
    pub fn messages(&self, lang: Language) -> Vec<String> {
        let tr = i18n::Tr(lang);
        match self {
            TeachError::Usage(m) => m.iter().map(|l| format!("portlens: {l}")).collect(),
            TeachError::Io(e) if e.kind() == io::ErrorKind::BrokenPipe => Vec::new(),
            TeachError::NoMatch(q) => vec![format!(
                "portlens: {}",
                tr.f(
                    "services: nothing matches '{query}' (try a service name like mysql, a port like 443 or 443/tcp, or words of a description)",
                    &[("query", &q.escape_debug())]
                )
            )],
            TeachError::Io(e) => vec![format!("portlens: {}", tr.f("cannot write the output: {error}", &[("error", e)]))],
            // Said in the reader's language where it was made.
            TeachError::Runtime(m) => vec![format!("portlens: {m}")],
        }
    }
}

impl fmt::Display for TeachError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TeachError::Usage(m) => f.write_str(&m.join("; ")),
            TeachError::NoMatch(q) => write!(
                f,
                "services: nothing matches '{}' (try a service name like mysql, a port like 443 or 443/tcp, or words of a description)",
                q.escape_debug()
            ),
            TeachError::Io(e) => write!(f, "cannot write the output: {e}"),
            TeachError::Runtime(m) => f.write_str(m),
        }
    }
}

impl From<io::Error> for TeachError {
    fn from(e: io::Error) -> Self {
        TeachError::Io(e)
    }
}

/// `--lang` and `--color` given after a subcommand's arguments, taken out of them.
///
/// The subcommands accept values starting with `-` (so that `explain -1` can say why it is
/// not a port), which makes clap hand a trailing `--lang ko` to them as two more targets.
/// This splits those output flags back out; once the flags are declared `global` in `cli`,
/// clap does it and this finds nothing to take.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutputFlags {
    /// The remaining arguments.
    pub rest: Vec<String>,
    /// `--lang`, when given among the arguments.
    pub lang: Option<Language>,
    /// `--color`, when given among the arguments.
    pub color: Option<ColorChoice>,
}

/// Splits `--lang X`, `--lang=X`, `--color X`, `--color=X` (and `--colour`) out of `args`;
/// everything after `--` is kept as it is. A bad value is a usage error.
pub fn split_output_flags(args: &[String]) -> Result<OutputFlags, TeachError> {
    let mut out = OutputFlags::default();
    let mut errors = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--" {
            out.rest.extend(it.by_ref().cloned());
            break;
        }
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (a.as_str(), None),
        };
        match flag {
            "--lang" | "--color" | "--colour" => {
                let Some(value) = inline.or_else(|| it.next().cloned()) else {
                    errors.push(format!("{flag} needs a value"));
                    continue;
                };
                if flag == "--lang" {
                    match value.as_str() {
                        "en" => out.lang = Some(Language::En),
                        "ko" => out.lang = Some(Language::Ko),
                        v => errors.push(format!(
                            "invalid value '{}' for --lang: use en or ko",
                            v.escape_debug()
                        )),
                    }
                } else {
                    match value.as_str() {
                        "auto" => out.color = Some(ColorChoice::Auto),
                        "always" => out.color = Some(ColorChoice::Always),
                        "never" => out.color = Some(ColorChoice::Never),
                        v => errors.push(format!(
                            "invalid value '{}' for --color: use auto, always or never",
                            v.escape_debug()
                        )),
                    }
                }
            }
            _ => out.rest.push(a.clone()),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(TeachError::Usage(errors))
    }
}

/// `portlens explain`: parses every target first (any bad one is a usage error and nothing
/// is printed), then writes one card per target.
pub fn run_explain(w: &mut dyn Write, targets: &[String], o: &Options) -> Result<(), TeachError> {
    let mut parsed = Vec::with_capacity(targets.len());
    let mut errors = Vec::new();
    let tr = i18n::Tr(o.lang);
    for arg in targets {
        match target::parse_in(arg, tr) {
            Ok(t) => parsed.push(t),
            Err(e) => errors.push(tr.f(
                "explain: '{input}': {reason}",
                &[("input", &e.input.escape_debug()), ("reason", &e.reason)],
            )),
        }
    }
    if parsed.is_empty() && errors.is_empty() {
        errors.push(tr.s("explain: give at least one port (0–65535), IP:PORT or [IPv6]:PORT").to_string());
    }
    if !errors.is_empty() {
        return Err(TeachError::Usage(errors));
    }
    let t = i18n::texts(o.lang);
    let st = i18n::sockets::socket_texts(o.lang);
    // "On this machine now" under a port's card: read the socket table once, if any bare port
    // is asked about (a socket target is about another machine's address, maybe).
    let table = parsed
        .iter()
        .any(|p| matches!(p, target::Target::Port(_)))
        .then(|| machine_table(&[Proto::Tcp, Proto::Udp], SourceChoice::Auto))
        // A `/proc` copy without the socket files says nothing about sockets.
        .filter(|r| r.is_ok() || std::env::var_os(facts::PROC_ENV).is_none_or(|v| v.is_empty()));
    for (i, target) in parsed.iter().enumerate() {
        if i > 0 {
            w.write_all(b"\n")?;
        }
        explain::card(w, target, t, Palette::new(o.color), &o.facts)?;
        if let (target::Target::Port(port), Some(table)) = (target, &table) {
            now_lines(w, table, *port, t, st, &o.facts)?;
        }
    }
    w.flush()?;
    Ok(())
}

/// `explain PORT`'s "On this machine now" lines: each protocol's verdict, as `who` says it.
/// Nothing when the table could not be read from a `/proc` copy that lacks it.
fn now_lines(
    w: &mut dyn Write,
    table: &Result<Table, String>,
    port: u16,
    t: &i18n::Texts,
    st: &i18n::sockets::SocketTexts,
    facts: &SystemFacts,
) -> Result<(), TeachError> {
    writeln!(w)?;
    writeln!(w, "{}", st.now_title)?;
    match table {
        Ok(table) => {
            for proto in [Proto::Tcp, Proto::Udp] {
                for (i, line) in who::verdict(table, port, proto, t, st, facts).iter().enumerate() {
                    let head = if i == 0 { proto.as_str() } else { "" };
                    writeln!(w, "  {head:<4} {line}")?;
                }
            }
        }
        Err(why) => writeln!(w, "  {}", i18n::fill(st.cannot_read, &[("why", why)]))?,
    }
    Ok(())
}

/// The machine's socket table: netlink and `/proc`, or only the files of a `/proc` copy named
/// by `PORTLENS_PROC` (a copy of another machine's files says nothing of this one's netlink).
fn machine_table(protos: &[Proto], choice: SourceChoice) -> Result<Table, String> {
    let root = std::env::var_os(facts::PROC_ENV).filter(|v| !v.is_empty());
    let (root, choice) = match root {
        Some(r) => (std::path::PathBuf::from(r), SourceChoice::ProcNet),
        None => (std::path::PathBuf::from("/proc"), choice),
    };
    crate::sockets::read(&root, choice, protos).map_err(|e| e.0)
}

/// What `portlens sockets` was asked.
#[derive(Clone, Debug, Default)]
pub struct SocketsRequest {
    /// Words: `tcp`, `udp`, ports, program names.
    pub filters: Vec<String>,
    /// `--listen`.
    pub listen: bool,
    /// `--pid`.
    pub pids: Vec<u32>,
    /// `--json`.
    pub json: bool,
    /// `-n`: no service names.
    pub numeric: bool,
    /// `--source`.
    pub source: SourceChoice,
}

/// Turns the filter words into a query: `tcp`/`udp`, a port (`80`, `:443`, `80/tcp`), or
/// part of a program name. A number that is not a port is a usage error.
pub fn sockets_query(req: &SocketsRequest) -> Result<Query, TeachError> {
    let mut q = Query { listen: req.listen, pids: req.pids.clone(), ..Query::default() };
    let mut errors = Vec::new();
    for word in &req.filters {
        match word.to_ascii_lowercase().as_str() {
            "tcp" => q.protos.push(Proto::Tcp),
            "udp" => q.protos.push(Proto::Udp),
            _ => match who::parse_target(word) {
                Ok((port, protos)) => {
                    q.ports.push(port);
                    if protos.len() == 1 {
                        q.protos.extend(protos);
                    }
                }
                Err(e) if word.trim_start_matches(':').bytes().next().is_some_and(|b| b.is_ascii_digit()) => {
                    errors.push(e.replacen("who:", "sockets:", 1));
                }
                Err(_) => q.programs.push(word.clone()),
            },
        }
    }
    if errors.is_empty() { Ok(q) } else { Err(TeachError::Usage(errors)) }
}

/// `portlens sockets`.
pub fn run_sockets(w: &mut dyn Write, req: &SocketsRequest, o: &Options) -> Result<(), TeachError> {
    let q = sockets_query(req)?;
    let table = machine_table(&q.protos(), req.source).map_err(TeachError::Runtime)?;
    if req.json {
        sockets_cmd::write_json(w, &table, &q, &o.facts)?;
    } else {
        let st = i18n::sockets::socket_texts(o.lang);
        sockets_cmd::write_text(w, &table, &q, i18n::texts(o.lang), st, &o.facts, req.numeric)?;
    }
    w.flush()?;
    Ok(())
}

/// `portlens who PORT[/PROTO]`.
pub fn run_who(w: &mut dyn Write, target: &str, o: &Options) -> Result<(), TeachError> {
    let (port, protos) = who::parse_target(target).map_err(|e| TeachError::Usage(vec![e]))?;
    let table = machine_table(&protos, SourceChoice::Auto).map_err(TeachError::Runtime)?;
    let st = i18n::sockets::socket_texts(o.lang);
    who::write(w, &table, port, &protos, i18n::texts(o.lang), st, &o.facts)?;
    w.flush()?;
    Ok(())
}

/// `portlens services`: the words of the query are joined with spaces.
pub fn run_services(w: &mut dyn Write, query: &[String], o: &Options) -> Result<(), TeachError> {
    let q = query.join(" ");
    match services_cmd::write(w, &q, i18n::texts(o.lang), Palette::new(o.color))? {
        Ok(()) => {
            w.flush()?;
            Ok(())
        }
        Err(services_cmd::NoResult::BadPort(m)) => Err(TeachError::Usage(vec![m])),
        Err(services_cmd::NoResult::NoMatch(q)) => Err(TeachError::NoMatch(q)),
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn output_flags_are_split_out() {
        let f = split_output_flags(&strings(&["443", "--lang", "ko", "--color=never", "-1"]))
            .expect("ok");
        assert_eq!(f.rest, strings(&["443", "-1"]));
        assert_eq!(f.lang, Some(Language::Ko));
        assert_eq!(f.color, Some(ColorChoice::Never));
        let f = split_output_flags(&strings(&["--", "--lang"])).expect("ok");
        assert_eq!(f.rest, strings(&["--lang"]));
        assert!(split_output_flags(&strings(&["--lang", "fr"])).is_err());
        assert!(split_output_flags(&strings(&["--color"])).is_err());
    }

    #[test]
    fn explain_reports_every_bad_target_and_prints_nothing() {
        let o = Options {
            lang: Language::En,
            color: false,
            facts: SystemFacts::default(),
        };
        let mut v = Vec::new();
        let e = run_explain(&mut v, &strings(&["443", "70000", "abc"]), &o);
        assert!(v.is_empty());
        match e {
            Err(TeachError::Usage(m)) => assert_eq!(m.len(), 2, "{m:?}"),
            other => panic!("expected a usage error, got {other:?}"),
        }
        assert!(matches!(
            run_explain(&mut v, &[], &o),
            Err(TeachError::Usage(_))
        ));
    }

    #[test]
    fn exit_codes() {
        assert_eq!(TeachError::Usage(vec![]).exit_code(), 2);
        assert_eq!(TeachError::NoMatch(String::new()).exit_code(), 1);
        assert_eq!(
            TeachError::Io(io::Error::from(io::ErrorKind::BrokenPipe)).exit_code(),
            0
        );
        assert!(
            TeachError::Io(io::Error::from(io::ErrorKind::BrokenPipe))
                .messages(Language::En)
                .is_empty()
        );
        assert_eq!(TeachError::Io(io::Error::other("x")).exit_code(), 1);
        assert!(
            TeachError::NoMatch("q".into())
                .messages(Language::En)
                .iter()
                .all(|m| m.starts_with("portlens: "))
        );
    }
}
