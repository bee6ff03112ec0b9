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
pub mod target;

use std::fmt;
use std::io::{self, Write};

pub use facts::SystemFacts;

use crate::i18n;
use crate::render::color::Palette;
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
}

impl TeachError {
    /// The exit status: 2 usage, 1 no match or write error, 0 when stdout was closed early.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            TeachError::Usage(_) => 2,
            TeachError::NoMatch(_) => 1,
            TeachError::Io(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
            TeachError::Io(_) => 1,
        }
    }

    /// The lines to print on stderr, each starting `portlens: ` (none for a closed stdout).
    #[must_use]
    pub fn messages(&self) -> Vec<String> {
        match self {
            TeachError::Usage(m) => m.iter().map(|l| format!("portlens: {l}")).collect(),
            TeachError::Io(e) if e.kind() == io::ErrorKind::BrokenPipe => Vec::new(),
            other => vec![format!("portlens: {other}")],
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
    for arg in targets {
        match target::parse(arg) {
            Ok(t) => parsed.push(t),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if parsed.is_empty() && errors.is_empty() {
        errors.push("explain: give at least one port (0–65535), IP:PORT or [IPv6]:PORT".into());
    }
    if !errors.is_empty() {
        return Err(TeachError::Usage(errors));
    }
    explain::cards(
        w,
        &parsed,
        i18n::texts(o.lang),
        Palette::new(o.color),
        &o.facts,
    )?;
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
                .messages()
                .is_empty()
        );
        assert_eq!(TeachError::Io(io::Error::other("x")).exit_code(), 1);
        assert!(
            TeachError::NoMatch("q".into())
                .messages()
                .iter()
                .all(|m| m.starts_with("portlens: "))
        );
    }
}
