//! `portlens services QUERY`: search the service registry by name, number or description
//! (`mysql` → 3306/tcp, `443` → https, `elasticsearch` → 9200) and print a table with the IANA
//! name and the everyday name side by side:
//!
//! ```text
//! PORT      IANA NAME      IN PRACTICE  CLASS       DESCRIPTION
//! 3306/tcp  mysql          MySQL        registered  MySQL Database
//! ```
//!
//! The search itself is `services::search` (ranked best first; this module only prints). The
//! description is the everyday-practice one in the chosen language when the port has one,
//! else IANA's. Like `grep`, no match is exit status 1 (with a message on stderr), so scripts
//! can test `portlens services foo`; a number above 65535 is a usage error (exit 2).

use std::io::{self, Write};

use crate::i18n::{self, PadRight, Texts, width};
use crate::vocab::Language;
use crate::render::color::{Palette, Style};
use super::explain::status_words;
use crate::services::{self, PortClass, Proto, SearchHit};

/// Why `services` printed nothing.
#[derive(Debug, PartialEq, Eq)]
pub enum NoResult {
    /// The query is a number outside 0–65535 (a usage error).
    BadPort(String),
    /// Nothing matched.
    NoMatch(String),
}

/// Checks the query: a plain number must be a port (0–65535).
pub fn check_query(query: &str, lang: Language) -> Result<(), NoResult> {
    let q = query.trim();
    let digits = q.strip_prefix(':').unwrap_or(q);
    let num = digits.split('/').next().unwrap_or("");
    if !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) && num.parse::<u16>().is_err() {
        return Err(NoResult::BadPort(i18n::Tr(lang).f(
            "services: '{q}' is not a port number: ports are 0–65535",
            &[("q", &q.escape_debug())],
        )));
    }
    Ok(())
}

/// One row of the table.
struct Row {
    port: String,
    iana: &'static str,
    practice: &'static str,
    class: PortClass,
    description: String,
}

fn row(h: &SearchHit, t: &Texts) -> Row {
    let proto = match h.proto {
        Some(p) => p.as_str(),
        None => "tcp,udp",
    };
    let description = match (h.practice, h.service) {
        (Some(p), _) => t.practice_desc(p),
        (None, Some(s)) => s.description,
        (None, None) => "",
    }
    .to_string();
    Row {
        port: format!("{}/{proto}", h.port),
        iana: h.service.map_or("-", |s| s.name),
        practice: h.practice.map_or("-", |p| t.practice_name(p)),
        class: PortClass::of(h.port),
        description,
    }
}

/// Searches and writes the table; `Err` when there is nothing to print.
pub fn write(
    w: &mut dyn Write,
    query: &str,
    t: &Texts,
    pal: Palette,
) -> io::Result<Result<(), NoResult>> {
    if let Err(e) = check_query(query, t.lang) {
        return Ok(Err(e));
    }
    let hits = services::search(query);
    let mut rows: Vec<Row> = hits.iter().map(|h| row(h, t)).collect();
    if let Some((port, only)) = services::port_query(query) {
        // A port without a name on TCP or UDP still gets a row: IANA's own status.
        for proto in [Proto::Tcp, Proto::Udp] {
            let covered = hits
                .iter()
                .any(|h| h.proto.is_none_or(|p| p == proto));
            if covered || only.is_some_and(|o| o != proto) {
                continue;
            }
            // TCP first, UDP after every TCP row, the rest (SCTP, DCCP, practice) after.
            let at = match proto {
                Proto::Tcp => 0,
                _ => rows.iter().take_while(|r| r.port.ends_with("/tcp")).count(),
            };
            rows.insert(
                at,
                Row {
                    port: format!("{port}/{proto}"),
                    iana: "-",
                    practice: "-",
                    class: PortClass::of(port),
                    description: status_words(t, proto, port),
                },
            );
        }
    }
    if rows.is_empty() {
        return Ok(Err(NoResult::NoMatch(query.trim().to_string())));
    }
    let cw = |head: &str, f: &dyn Fn(&Row) -> usize| {
        rows.iter().map(f).max().unwrap_or(0).max(width(head))
    };
    let w_port = cw(t.col_port, &|r| width(&r.port));
    let w_iana = cw(t.col_iana, &|r| width(r.iana));
    let w_prac = cw(t.col_practice, &|r| width(r.practice));
    let w_class = cw(t.col_class, &|r| width(t.class_short(r.class)));
    let header = format!(
        "{}  {}  {}  {}  {}",
        PadRight(t.col_port, w_port),
        PadRight(t.col_iana, w_iana),
        PadRight(t.col_practice, w_prac),
        PadRight(t.col_class, w_class),
        t.col_description
    );
    writeln!(w, "{}", pal.paint(Style::Heading, header))?;
    for r in &rows {
        writeln!(
            w,
            "{}  {}  {}  {}  {}",
            PadRight(&r.port, w_port),
            pal.paint(Style::Name, PadRight(r.iana, w_iana)),
            PadRight(r.practice, w_prac),
            pal.paint(
                Style::of_class(r.class),
                PadRight(t.class_short(r.class), w_class)
            ),
            r.description
        )?;
    }
    Ok(Ok(()))
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::i18n::{EN, KO};

    fn run(q: &str, t: &Texts) -> (String, Result<(), NoResult>) {
        let mut v = Vec::new();
        let r = write(&mut v, q, t, Palette::new(false)).expect("write");
        (String::from_utf8(v).expect("utf8"), r)
    }

    #[test]
    fn mysql_first_row_is_3306_tcp() {
        let (s, r) = run("mysql", &EN);
        assert_eq!(r, Ok(()));
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines.first().is_some_and(|l| l.starts_with("PORT")), "{s}");
        let first: Vec<&str> = lines
            .get(1)
            .map(|l| l.split_whitespace().collect())
            .unwrap_or_default();
        assert_eq!(
            first.get(..4),
            Some(&["3306/tcp", "mysql", "MySQL", "registered"][..]),
            "{s}"
        );
    }

    #[test]
    fn number_and_practice_queries() {
        let (s, _) = run("443", &EN);
        assert!(
            s.lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("443/tcp") && l.contains("https")),
            "{s}"
        );
        let (s, _) = run("elasticsearch", &EN);
        assert!(
            s.lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("9200/tcp") && l.contains("wap-wsp")),
            "{s}"
        );
        let (s, _) = run("mysql", &KO);
        assert!(s.starts_with("포트"), "{s}");
        assert!(s.contains("등록된 포트"), "{s}");
    }

    #[test]
    fn no_match_and_bad_numbers() {
        assert_eq!(
            run("zzzzqqqq", &EN).1,
            Err(NoResult::NoMatch("zzzzqqqq".into()))
        );
        assert!(matches!(run("70000", &EN).1, Err(NoResult::BadPort(m)) if m.contains("0–65535")));
        assert!(matches!(run("70000/tcp", &EN).1, Err(NoResult::BadPort(_))));
        assert!(run("", &EN).1.is_err());
    }
}
