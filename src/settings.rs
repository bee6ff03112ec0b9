//! The second stage of argument handling: raw flags (`cli::Args`) resolved into what the run
//! will do — which source, which view, whether stdout is a terminal, buffering, colour,
//! language. Conflicts between flags are usage errors (exit 2) found here, before any I/O.

use std::io::IsTerminal;

use crate::capture::LiveOptions;
use crate::cli::{self, Args};
use crate::i18n::Tr;
use crate::render::fields::FieldsOptions;
use crate::render::line::LineOptions;
use crate::vocab::{ColorChoice, HexMode, Language, TsStyle};

/// Where packets come from.
#[derive(Clone, Debug)]
pub enum Input {
    /// Files read in turn (`-` = stdin).
    Files(Vec<String>),
    /// A live interface.
    Live(LiveOptions),
}

/// The per-packet view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// One line per packet.
    Line,
    /// Port bit diagrams.
    Bits,
    /// Ladder diagrams per TCP connection (printed as connections are reported).
    Ladder,
    /// JSON Lines.
    Json,
    /// Nothing per packet (`-w` alone, or only `--flows`/`--stats` wanted… still prints them).
    None,
}

/// Everything the run needs, resolved.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Packet source.
    pub input: Input,
    /// BPF filter expression.
    pub filter: Option<String>,
    /// Stop after this many packets.
    pub count: Option<u64>,
    /// `-w` path.
    pub write: Option<String>,
    /// Flush `-w` after each packet.
    pub write_flush: bool,
    /// Per-packet view.
    pub view: View,
    /// Connection table at the end.
    pub flows: bool,
    /// Counts at the end.
    pub stats: bool,
    /// `--json`: the reports (and flow records) are JSON Lines; packet records only when
    /// `view` is [`View::Json`].
    pub json: bool,
    /// `--flows --json`: each connection's record is written when it ends (a connection log),
    /// the ones still open at the end.
    pub flow_log: bool,
    /// `--fields`: the JSON records turned into tab-separated rows of these fields.
    pub fields: Option<FieldsOptions>,
    /// Line view options (also used by other views for shared choices).
    pub line: LineOptions,
    /// Flush stdout after every packet.
    pub line_buffered: bool,
    /// Colour output.
    pub color: bool,
    /// Teaching language.
    pub lang: Language,
    /// `-Z USER`.
    pub user: Option<String>,
    /// `--keep-root`.
    pub keep_root: bool,
    /// Sandbox a live capture after opening it (off with `--no-sandbox` or `--keep-root`).
    pub sandbox: bool,
    /// Flow tracker limits.
    pub flow_timeout_secs: u64,
    /// Flow table cap.
    pub max_flows: usize,
    /// Show a progress bar on stderr when summarising a file to a terminal.
    pub progress: bool,
    /// `-v` count.
    pub verbose: u8,
}

/// A usage error: the message (without the `portlens:` prefix).
#[derive(Debug)]
pub struct UsageError(pub String);

/// The line after a usage error, in the reader's language.
pub fn try_help(lang: Language) -> &'static str {
    Tr(lang).s("Try 'portlens --help' for more information.")
}

/// The first line of a command-line error in the reader's language, before clap's own
/// (English) message: `kind` is one of the kinds `main` names (`unknown argument` …); `None`
/// in English, where clap's message says it all.
pub fn usage_error_heading(kind: &'static str, lang: Language) -> Option<String> {
    let tr = Tr(lang);
    let what = match kind {
        "unknown argument" => tr.s("unknown argument"),
        "invalid value" => tr.s("invalid value"),
        "missing argument" => tr.s("missing argument"),
        "conflicting arguments" => tr.s("conflicting arguments"),
        "unknown command" => tr.s("unknown command"),
        "wrong number of values" => tr.s("wrong number of values"),
        _ => tr.s("bad arguments"),
    };
    (lang != Language::En).then(|| {
        tr.f("the command line is wrong: {what} (clap's details follow in English; see portlens --help)", &[("what", &what)])
    })
}

/// Why `-F FILE` could not be read.
#[derive(Debug)]
pub enum FilterFileError {
    /// Opening or reading it failed.
    Io(std::io::Error),
    /// It is longer than this many KiB.
    TooLong(u64),
}

/// The message for a `-F FILE` that could not be read, in the reader's language.
pub fn filter_file_message(path: &str, e: &FilterFileError, lang: Language) -> String {
    let tr = Tr(lang);
    let detail = match e {
        FilterFileError::Io(e) => e.to_string(),
        FilterFileError::TooLong(kib) => tr.f("it is longer than {n} KiB, too long for a filter expression", &[("n", kib)]),
    };
    tr.f("cannot read the filter file '{path}': {error}", &[("path", &path), ("error", &detail)])
}

/// Whether NO_COLOR asks for no colour (any non-empty value).
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Resolves `--color` against the terminal and NO_COLOR.
pub fn resolve_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stdout().is_terminal() && !no_color_env(),
    }
}

/// The command line's `--color` value in the crate's vocabulary.
pub fn color_choice(c: cli::ColorChoice) -> ColorChoice {
    match c {
        cli::ColorChoice::Auto => ColorChoice::Auto,
        cli::ColorChoice::Always => ColorChoice::Always,
        cli::ColorChoice::Never => ColorChoice::Never,
    }
}

/// The command line's `--lang` value in the crate's vocabulary.
pub fn language(l: cli::Lang) -> Language {
    match l {
        cli::Lang::En => Language::En,
        cli::Lang::Ko => Language::Ko,
    }
}

/// Resolves `--lang`, else LC_ALL / LC_MESSAGES / LANG (`ko*` → Korean).
pub fn resolve_lang(choice: Option<Language>) -> Language {
    match choice {
        Some(l) => l,
        None => {
            for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
                if let Ok(v) = std::env::var(var) {
                    if !v.is_empty() {
                        return if v.starts_with("ko") { Language::Ko } else { Language::En };
                    }
                }
            }
            Language::En
        }
    }
}

impl Settings {
    /// Resolves parsed arguments; `filter_text` is the content of `-F FILE` when given.
    pub fn resolve(a: &Args, filter_text: Option<String>) -> Result<Settings, UsageError> {
        let stdout_tty = std::io::stdout().is_terminal();
        let tr = Tr(resolve_lang(a.lang.map(language)));
        let usage = |en: &'static str| UsageError(tr.s(en).to_string());
        if !a.read.is_empty() && a.interface.is_some() {
            return Err(usage("-r and -i cannot be used together: read files or capture live, not both"));
        }
        if filter_text.is_some() && !a.expression.is_empty() {
            return Err(usage("give the filter either with -F FILE or as trailing arguments, not both"));
        }
        let filter = filter_text
            .map(|t| t.lines().map(|l| l.split('#').next().unwrap_or("")).collect::<Vec<_>>().join(" "))
            .or_else(|| (!a.expression.is_empty()).then(|| a.expression.join(" ")))
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty());
        if a.count == Some(0) {
            return Err(usage("-c needs a count of at least 1"));
        }
        let printing_view = a.bits || a.ladder || a.json || a.fields.is_some();
        if a.write.as_deref() == Some("-") && (printing_view || a.print || a.flows || a.stats) {
            return Err(usage("-w - writes the capture to stdout, so no view can print there too; write to a file instead"));
        }
        // --fields writes the JSON records (packets, or flows with --flows) as rows.
        let json = a.json || a.fields.is_some();
        let fields = match &a.fields {
            Some(list) => {
                let dataset = if a.flows { "portlens.flow" } else { "portlens.packet" };
                Some(FieldsOptions::parse(list, &a.fields_opts, dataset).map_err(UsageError)?)
            }
            None => None,
        };
        let view = if a.bits {
            View::Bits
        } else if a.ladder {
            View::Ladder
        } else if json {
            // `--flows --json` is the connection log alone (one kind of record, like Zeek's
            // conn.log); `--print` adds the packet records. `--fields` with `--flows` writes
            // the connections' rows.
            if a.flows && (!a.print || a.fields.is_some()) { View::None } else { View::Json }
        } else if (a.write.is_some() || a.flows || a.stats) && !a.print {
            // -w alone writes; --flows/--stats alone summarise. --print adds the line view.
            View::None
        } else {
            View::Line
        };
        let input = if a.read.is_empty() {
            Input::Live(LiveOptions {
                device: a.interface.clone(),
                snaplen: a.snaplen,
                promisc: !a.no_promisc,
                buffer_kib: a.buffer_kib,
                immediate: a.immediate || stdout_tty || a.line_buffered,
                filter: filter.clone(),
            })
        } else {
            Input::Files(a.read.clone())
        };
        let hex = match (a.hex, a.hex_ascii) {
            (0, 0) => HexMode::None,
            (x, xa) => HexMode::Hex { link: x >= 2 || xa >= 2, ascii: xa > 0 },
        };
        let line = LineOptions {
            ts: TsStyle::from_count(a.timestamps),
            nano: a.nano,
            verbose: a.verbose,
            quiet: a.quiet,
            services: a.numeric < 2,
            absolute_seq: a.absolute_seq,
            link: a.link_header,
            hex,
            number: a.number,
            lang: resolve_lang(a.lang.map(language)),
        };
        if a.max_flows == 0 {
            return Err(usage("--max-flows needs at least 1"));
        }
        Ok(Settings {
            input,
            filter,
            count: a.count,
            write: a.write.clone(),
            write_flush: a.packet_buffered,
            view,
            flows: a.flows,
            stats: a.stats,
            json,
            flow_log: json && a.flows,
            fields,
            line,
            line_buffered: a.line_buffered || stdout_tty,
            color: resolve_color(color_choice(a.color)),
            lang: line.lang,
            user: a.user.clone(),
            keep_root: a.keep_root,
            sandbox: !a.no_sandbox && !a.keep_root,
            flow_timeout_secs: a.flow_timeout,
            max_flows: a.max_flows,
            progress: !a.no_progress,
            verbose: a.verbose,
        })
    }
}
