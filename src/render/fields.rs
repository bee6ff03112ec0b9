//! `--fields a,b,c`: tab-separated values of chosen fields, as `tshark -T fields -e …` writes
//! them, for `cut`, `sort`, `awk`, spreadsheets and `COPY … FROM`.
//!
//! Every documented JSON field can be chosen, by its key path (`source.ip`,
//! `destination.port`, `event.action`, `portlens.tcp.flags`; the `portlens.` may be left out:
//! `tcp.flags`). The records are the JSON records (packets, or flows with `--flows`): a
//! [`FieldsWriter`] sits between the JSON view and stdout and turns each record into one row
//! as it passes, so that the fields and their values are the JSON's, by construction. A string
//! is written as its text (quoted with `-E quote=d|s`), a number as it is, `null` or a missing
//! field as nothing, an array as its items joined by the aggregator (`,`), an object as JSON.
//! `-E header=n` drops the header line; `-E separator=/t|/s|C`, `-E aggregator=C` as tshark.

use std::io::{self, Write};

/// How the rows are written (tshark's `-E` options).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldsOptions {
    /// The chosen fields, in order, as typed.
    pub fields: Vec<String>,
    /// Write a header line with the field names (`-E header=y`, the default).
    pub header: bool,
    /// Between fields (`-E separator=`, tab by default).
    pub separator: u8,
    /// Between the items of an array (`-E aggregator=`, `,` by default).
    pub aggregator: u8,
    /// Around strings (`-E quote=d` `"`, `s` `'`, `n` none, the default).
    pub quote: Option<u8>,
    /// The records to write: `portlens.packet` or `portlens.flow`.
    pub dataset: &'static str,
}

impl FieldsOptions {
    /// Parses the fields list and `-E key=value` options (tshark's names); an error says what
    /// was wrong.
    pub fn parse(list: &str, opts: &[String], dataset: &'static str) -> Result<FieldsOptions, String> {
        let fields: Vec<String> = list.split(',').map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect();
        if fields.is_empty() {
            return Err("--fields needs at least one field name, e.g. --fields source.ip,destination.port".into());
        }
        if let Some(bad) = fields.iter().find(|f| !f.bytes().all(|b| b.is_ascii_alphanumeric() || b"._@".contains(&b))) {
            return Err(format!("--fields: '{bad}' is not a field name (letters, digits, '_', '.' and '@'; see README \"JSON schema\")"));
        }
        let mut o = FieldsOptions { fields, header: true, separator: b'\t', aggregator: b',', quote: None, dataset };
        for opt in opts {
            let (k, v) = opt.split_once('=').ok_or_else(|| format!("-E {opt}: write it as key=value (header=y, separator=/t, quote=d, aggregator=,)"))?;
            let one = |v: &str| -> Result<u8, String> {
                match v {
                    "/t" => Ok(b'\t'),
                    "/s" => Ok(b' '),
                    _ => match v.as_bytes() {
                        [c] if c.is_ascii() => Ok(*c),
                        _ => Err(format!("-E {k}={v}: one ASCII character, /t (tab) or /s (space)")),
                    },
                }
            };
            match k {
                "header" => {
                    o.header = match v {
                        "y" => true,
                        "n" => false,
                        _ => return Err(format!("-E header={v}: y or n")),
                    }
                }
                "separator" => o.separator = one(v)?,
                "aggregator" => o.aggregator = one(v)?,
                "quote" => {
                    o.quote = match v {
                        "d" => Some(b'"'),
                        "s" => Some(b'\''),
                        "n" => None,
                        _ => return Err(format!("-E quote={v}: d (double), s (single) or n (none)")),
                    }
                }
                _ => return Err(format!("-E {k}: portlens knows header, separator, aggregator and quote")),
            }
        }
        Ok(o)
    }
}

/// A JSON value's place in one record line.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: usize,
    end: usize,
}

/// Turns the JSON Lines written through it into rows of the chosen fields.
pub struct FieldsWriter<W: Write> {
    inner: W,
    opts: FieldsOptions,
    /// Each field as key paths to try (`tcp.flags` is also `portlens.tcp.flags`).
    paths: Vec<(Vec<u8>, Vec<u8>)>,
    line: Vec<u8>,
    found: Vec<Option<Span>>,
    header_done: bool,
    key: Vec<u8>,
}

impl<W: Write> FieldsWriter<W> {
    /// A writer in front of `inner`.
    pub fn new(inner: W, opts: FieldsOptions) -> FieldsWriter<W> {
        let paths = opts
            .fields
            .iter()
            .map(|f| (f.as_bytes().to_vec(), format!("portlens.{f}").into_bytes()))
            .collect();
        let n = opts.fields.len();
        FieldsWriter { inner, opts, paths, line: Vec::with_capacity(4096), found: vec![None; n], header_done: false, key: Vec::new() }
    }

    fn header(&mut self) -> io::Result<()> {
        self.header_done = true;
        if !self.opts.header {
            return Ok(());
        }
        for (i, f) in self.opts.fields.iter().enumerate() {
            if i > 0 {
                self.inner.write_all(&[self.opts.separator])?;
            }
            self.inner.write_all(f.as_bytes())?;
        }
        self.inner.write_all(b"\n")
    }

    /// One whole record (without its newline).
    fn record(&mut self, start: usize, end: usize) -> io::Result<()> {
        let line = self.line.get(start..end).unwrap_or(&[]);
        // Only the records of the chosen dataset (packets or flows), found near the start.
        let head = line.get(..line.len().min(400)).unwrap_or(&[]);
        let want = self.opts.dataset.as_bytes();
        let ours = head.windows(want.len() + 2).any(|w| w.first() == Some(&b'"') && w.get(1..=want.len()) == Some(want) && w.last() == Some(&b'"'));
        if !ours {
            return Ok(());
        }
        if !self.header_done {
            self.header()?;
        }
        let line = self.line.get(start..end).unwrap_or(&[]);
        self.found.iter_mut().for_each(|f| *f = None);
        self.key.clear();
        scan(line, 0, &mut self.key, &self.paths, &mut self.found);
        for i in 0..self.found.len() {
            if i > 0 {
                self.inner.write_all(&[self.opts.separator])?;
            }
            if let Some(sp) = self.found.get(i).copied().flatten() {
                let v = self.line.get(start..end).and_then(|l| l.get(sp.start..sp.end)).unwrap_or(&[]);
                cell(&mut self.inner, v, &self.opts)?;
            }
        }
        self.inner.write_all(b"\n")
    }
}

impl<W: Write> Write for FieldsWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let old = self.line.len();
        self.line.extend_from_slice(buf);
        if !buf.contains(&b'\n') {
            return Ok(buf.len());
        }
        // Only the bytes just added can hold a new end of line.
        let (mut from, mut search) = (0, old);
        while let Some(p) = self.line.get(search..).and_then(|l| l.iter().position(|&b| b == b'\n')) {
            let nl = search + p;
            self.record(from, nl)?;
            from = nl + 1;
            search = from;
        }
        self.line.drain(..from);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Walks the JSON value at `at` (our own output: valid JSON), recording where each wanted
/// path's value lies. `key` holds the path so far. Returns the index after the value.
fn scan(s: &[u8], mut at: usize, key: &mut Vec<u8>, paths: &[(Vec<u8>, Vec<u8>)], found: &mut [Option<Span>]) -> usize {
    let start = at;
    let end = match s.get(at) {
        Some(b'{') => {
            at += 1;
            loop {
                match s.get(at) {
                    Some(b'}') => break at + 1,
                    Some(b',') => at += 1,
                    Some(b'"') => {
                        let k_end = string_end(s, at);
                        let saved = key.len();
                        if !key.is_empty() {
                            key.push(b'.');
                        }
                        key.extend_from_slice(s.get(at + 1..k_end.saturating_sub(1)).unwrap_or(&[]));
                        at = k_end + 1; // the ':'
                        at = scan(s, at, key, paths, found);
                        key.truncate(saved);
                    }
                    _ => break at.max(s.len()),
                }
            }
        }
        Some(b'[') => {
            at += 1;
            let mut depth = 1usize;
            while depth > 0 {
                match s.get(at) {
                    Some(b'"') => at = string_end(s, at),
                    Some(b'[' | b'{') => {
                        depth += 1;
                        at += 1;
                    }
                    Some(b']' | b'}') => {
                        depth -= 1;
                        at += 1;
                    }
                    Some(_) => at += 1,
                    None => break,
                }
            }
            at
        }
        Some(b'"') => string_end(s, at),
        Some(_) => {
            while s.get(at).is_some_and(|b| !matches!(b, b',' | b'}' | b']')) {
                at += 1;
            }
            at
        }
        None => at,
    };
    for (i, (short, long)) in paths.iter().enumerate() {
        if (key.as_slice() == short.as_slice() || key.as_slice() == long.as_slice()) && !key.is_empty() {
            if let Some(f) = found.get_mut(i) {
                *f = Some(Span { start, end });
            }
        }
    }
    end
}

/// The index after the string starting at `at` (its closing quote + 1).
fn string_end(s: &[u8], at: usize) -> usize {
    let mut i = at + 1;
    while let Some(&b) = s.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// Writes one value as a cell.
fn cell<W: Write + ?Sized>(w: &mut W, v: &[u8], o: &FieldsOptions) -> io::Result<()> {
    match v.first() {
        Some(b'"') => text(w, v, o),
        Some(b'[') => {
            let inner = v.get(1..v.len().saturating_sub(1)).unwrap_or(&[]);
            if inner.first().is_some_and(|b| matches!(b, b'{' | b'[')) {
                return w.write_all(v);
            }
            let mut at = 0;
            let mut first = true;
            while at < inner.len() {
                let end = match inner.get(at) {
                    Some(b'"') => string_end(inner, at),
                    _ => inner.get(at..).and_then(|r| r.iter().position(|&b| b == b',')).map_or(inner.len(), |p| at + p),
                };
                if !first {
                    w.write_all(&[o.aggregator])?;
                }
                first = false;
                cell(w, inner.get(at..end).unwrap_or(&[]), o)?;
                at = end + 1;
            }
            Ok(())
        }
        Some(b'n') if v == b"null" => Ok(()),
        _ => w.write_all(v),
    }
}

/// A JSON string as text: escapes undone, except that a tab, newline or the separator inside
/// it stays escaped (`\t`, `\n`) so a row stays one line of its columns.
fn text<W: Write + ?Sized>(w: &mut W, v: &[u8], o: &FieldsOptions) -> io::Result<()> {
    let body = v.get(1..v.len().saturating_sub(1)).unwrap_or(&[]);
    if let Some(q) = o.quote {
        w.write_all(&[q])?;
    }
    let mut i = 0;
    while let Some(&b) = body.get(i) {
        if b == b'\\' {
            match body.get(i + 1) {
                Some(b'"') => w.write_all(b"\"")?,
                Some(b'\\') => w.write_all(b"\\")?,
                Some(b'n') => w.write_all(b"\\n")?,
                Some(b't') => w.write_all(b"\\t")?,
                Some(&c) => w.write_all(&[b'\\', c])?,
                None => {}
            }
            i += 2;
        } else {
            if b == o.separator {
                w.write_all(if b == b'\t' { b"\\t" } else { b"\\" })?;
                if b != b'\t' {
                    w.write_all(&[b])?;
                }
            } else {
                w.write_all(&[b])?;
            }
            i += 1;
        }
    }
    if let Some(q) = o.quote {
        w.write_all(&[q])?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn rows(fields: &str, opts: &[&str], input: &str) -> String {
        let o = FieldsOptions::parse(fields, &opts.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "portlens.packet").unwrap();
        let mut w = FieldsWriter::new(Vec::new(), o);
        // Written in two pieces, as a buffer might split it.
        let (a, b) = input.split_at(input.len() / 2);
        w.write_all(a.as_bytes()).unwrap();
        w.write_all(b.as_bytes()).unwrap();
        String::from_utf8(w.inner).unwrap()
    }

    const REC: &str = r#"{"@timestamp":"2026-11-23T20:01:51.286381Z","event":{"dataset":"portlens.packet","action":"handshake-1"},"source":{"ip":"192.168.1.10","port":52341},"portlens":{"frame":1,"tcp":{"flags":["SYN","ACK"],"rel_ack":null,"options":{"sack":[[1,2],[3,4]]}},"warnings":["a\ttab \"q\""]}}
{"@timestamp":"2026-11-23T20:01:53Z","event":{"dataset":"portlens.flow"}}
"#;

    #[test]
    fn fields_by_path_with_or_without_the_portlens_prefix() {
        let out = rows("frame,source.ip,source.port,tcp.flags,portlens.tcp.rel_ack,event.action,nope,@timestamp", &[], REC);
        assert_eq!(
            out,
            "frame\tsource.ip\tsource.port\ttcp.flags\tportlens.tcp.rel_ack\tevent.action\tnope\t@timestamp\n\
             1\t192.168.1.10\t52341\tSYN,ACK\t\thandshake-1\t\t2026-11-23T20:01:51.286381Z\n"
        );
    }

    #[test]
    fn tshark_e_options() {
        let out = rows("source.ip,tcp.flags,warnings", &["header=n", "separator=;", "quote=d", "aggregator=/s"], REC);
        assert_eq!(out, "\"192.168.1.10\";\"SYN\" \"ACK\";\"a\\ttab \"q\"\"\n");
        let out = rows("tcp.options.sack", &["header=n"], REC);
        assert_eq!(out, "[[1,2],[3,4]]\n");
        assert!(FieldsOptions::parse("a", &["header=maybe".into()], "portlens.packet").is_err());
        assert!(FieldsOptions::parse("", &[], "portlens.packet").is_err());
        assert!(FieldsOptions::parse("a b", &[], "portlens.packet").is_err());
    }
}
