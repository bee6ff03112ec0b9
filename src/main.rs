//! The `portlens` binary: parse arguments → run → exit code. Nothing else lives here.
//!
//! Exit codes: 0 done (also when stdout is closed early), 1 runtime error, 2 usage error.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use portlens::app::{self, AppError};
use portlens::cli::{Args, Command, Shell};
use portlens::settings::{
    FilterFileError, Settings, UsageError, filter_file_message, language, resolve_lang, try_help, usage_error_heading,
};
use portlens::vocab::Language;

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            if e.use_stderr() {
                // clap writes its messages in English; a Korean reader first gets what went wrong.
                let asked = std::env::args().skip(1).collect::<Vec<_>>();
                let ko = asked.windows(2).any(|w| matches!(w, [a, b] if a == "--lang" && b == "ko")) || asked.iter().any(|a| a == "--lang=ko");
                let lang = resolve_lang(ko.then_some(Language::Ko));
                if let Some(line) = usage_error_heading(clap_error_kind(&e), lang) {
                    eprintln!("portlens: {line}");
                }
            }
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    if let Some(shell) = args.completions {
        return completions(shell);
    }
    if args.man {
        return man();
    }
    if let Some(cmd) = &args.command {
        if matches!(cmd, Command::Sockets { .. } | Command::Who { .. }) {
            return machine_command(cmd, &args);
        }
        return subcommand(cmd, &args);
    }
    let lang = resolve_lang(args.lang.map(language));
    if args.list_interfaces {
        return report(app::list_interfaces(), lang);
    }
    let filter_text = match &args.filter_file {
        Some(path) => match read_filter_file(path) {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("portlens: {}", filter_file_message(path, &e, lang));
                return ExitCode::from(1);
            }
        },
        None => None,
    };
    let settings = match Settings::resolve(&args, filter_text) {
        Ok(s) => s,
        Err(UsageError(msg)) => {
            eprintln!("portlens: {msg}\n{}", try_help(lang));
            return ExitCode::from(2);
        }
    };
    report(app::run(&settings), settings.lang)
}

/// The kind of a command-line error, in the words `settings::usage_error_heading` knows.
fn clap_error_kind(e: &clap::Error) -> &'static str {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::UnknownArgument => "unknown argument",
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => "invalid value",
        ErrorKind::MissingRequiredArgument => "missing argument",
        ErrorKind::ArgumentConflict => "conflicting arguments",
        ErrorKind::InvalidSubcommand => "unknown command",
        ErrorKind::NoEquals | ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            "wrong number of values"
        }
        _ => "bad arguments",
    }
}

/// The most `-F FILE` reads: a filter is a few lines; `-F /dev/zero` must not fill memory.
const MAX_FILTER_FILE: u64 = 1 << 20;

/// Reads `-F FILE`, at most [`MAX_FILTER_FILE`] bytes.
fn read_filter_file(path: &str) -> Result<String, FilterFileError> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(FilterFileError::Io)?;
    let mut text = String::new();
    f.take(MAX_FILTER_FILE + 1).read_to_string(&mut text).map_err(FilterFileError::Io)?;
    if text.len() as u64 > MAX_FILTER_FILE {
        return Err(FilterFileError::TooLong(MAX_FILTER_FILE / 1024));
    }
    Ok(text)
}

fn report(r: Result<(), AppError>, lang: Language) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("portlens: {}", e.message(lang));
            ExitCode::from(e.exit_code())
        }
    }
}

/// `explain` and `services` (issue 3 wires them to the teaching module).
fn subcommand(cmd: &Command, args: &Args) -> ExitCode {
    use portlens::settings::{color_choice, resolve_color};
    use portlens::teach::{self, Options, SystemFacts, TeachError};
    let words = match cmd {
        Command::Explain { targets } => targets,
        Command::Services { query } => query,
        Command::Sockets { .. } | Command::Who { .. } => return machine_command(cmd, args),
    };
    // `--lang`/`--color` written after the subcommand's arguments arrive among them.
    let mut lang = resolve_lang(args.lang.map(language));
    let result = teach::split_output_flags(words).and_then(|flags| {
        lang = resolve_lang(flags.lang.or(args.lang.map(language)));
        let opts = Options {
            lang,
            color: resolve_color(flags.color.unwrap_or(color_choice(args.color))),
            facts: SystemFacts::read(),
        };
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let r = match cmd {
            Command::Explain { .. } => teach::run_explain(&mut out, &flags.rest, &opts),
            Command::Services { .. } => teach::run_services(&mut out, &flags.rest, &opts),
            Command::Sockets { .. } | Command::Who { .. } => Ok(()),
        };
        r.and_then(|()| std::io::Write::flush(&mut out).map_err(TeachError::Io))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            for line in e.messages(lang) {
                eprintln!("{line}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// `sockets` and `who`: the machine's socket table.
fn machine_command(cmd: &Command, args: &Args) -> ExitCode {
    use portlens::cli::SocketSource;
    use portlens::settings::{color_choice, language, resolve_color, resolve_lang};
    use portlens::sockets::SourceChoice;
    use portlens::teach::{self, Options, SocketsRequest, SystemFacts, TeachError};
    let opts = Options {
        lang: resolve_lang(args.lang.map(language)),
        color: resolve_color(color_choice(args.color)),
        facts: SystemFacts::read(),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let r = match cmd {
        Command::Sockets { listen, pid, json, numeric, source, filters } => {
            let req = SocketsRequest {
                filters: filters.clone(),
                listen: *listen,
                pids: pid.clone(),
                json: *json || args.json,
                numeric: *numeric || args.numeric > 1,
                source: match source {
                    SocketSource::Auto => SourceChoice::Auto,
                    SocketSource::Netlink => SourceChoice::Netlink,
                    SocketSource::Proc => SourceChoice::ProcNet,
                },
            };
            teach::run_sockets(&mut out, &req, &opts)
        }
        Command::Who { target } => teach::run_who(&mut out, target, &opts),
        Command::Explain { .. } | Command::Services { .. } => Ok(()),
    };
    match r.and_then(|()| std::io::Write::flush(&mut out).map_err(TeachError::Io)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            for line in e.messages(opts.lang) {
                eprintln!("{line}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}

fn completions(shell: Shell) -> ExitCode {
    use clap_complete::{generate, shells};
    let mut cmd = Args::command();
    let mut out = std::io::stdout();
    match shell {
        Shell::Bash => generate(shells::Bash, &mut cmd, "portlens", &mut out),
        Shell::Zsh => generate(shells::Zsh, &mut cmd, "portlens", &mut out),
        Shell::Fish => generate(shells::Fish, &mut cmd, "portlens", &mut out),
        Shell::Elvish => generate(shells::Elvish, &mut cmd, "portlens", &mut out),
        Shell::Powershell => generate(shells::PowerShell, &mut cmd, "portlens", &mut out),
    }
    ExitCode::SUCCESS
}

fn man() -> ExitCode {
    let man = clap_mangen::Man::new(Args::command());
    let mut out = std::io::stdout();
    match man.render(&mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("portlens: cannot write the man page: {e}");
            ExitCode::from(1)
        }
    }
}
