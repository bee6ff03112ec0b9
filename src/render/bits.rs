//! The teaching view (`--bits`): every TCP/UDP packet's two 16-bit port fields bit by bit,
//! with decimal, hex, port class and service, and the TCP flag bits by name, exactly as in
//! PRODUCT.md:
//!
//! ```text
//! #1 18:38:17.686702 TCP 192.168.1.10:52341 → 142.250.185.78:443 [SYN]
//!           bit  15 14 13 12 11 10  9  8  7  6  5  4  3  2  1  0
//!    src  52341   1  1  0  0  1  1  0  0  0  1  1  1  0  1  0  1   0xCC75  dynamic (ephemeral)
//!    dst    443   0  0  0  0  0  0  0  1  1  0  1  1  1  0  1  1   0x01BB  well-known · https
//!    flags        CWR ECE URG ACK PSH RST SYN FIN
//!                   0   0   0   0   0   0   1   0
//! ```
//!
//! With `-v` it adds the whole TCP (RFC 9293) or UDP (RFC 768) header as an RFC-style diagram
//! in 32-bit rows: field names with their byte offsets, the real values, and the raw bytes in
//! hex. The diagram is drawn from the field table in `model::fields` and reads every value from
//! the captured bytes, so a header cut by the snapshot length is drawn as far as it goes, with
//! a line saying where it stops. Packets without ports get one line (the line view's text).
//! The AE flag (RFC 9768, formerly NS) is shown when it is set or with `-v`.
//!
//! Labels come from `i18n` (English or Korean); Korean labels are double-width, so all
//! alignment is done in display columns.

use std::io::{self, Write};

use super::PacketView;
use super::color::{Palette, Style};
use super::fmt as f;
use super::hexdump;
use super::line::{LineOptions, LineView};
use super::time::Clock;
use crate::model::fields::{self, Field, FieldId};
use crate::model::flow::PacketNote;
use crate::model::{Packet, TcpInfo, TcpOptions, Transport, UdpInfo, tcp_flags};
use crate::services::{self, PortClass, Proto};
use crate::vocab::{HexMode, Language, TsStyle};
use crate::i18n::{self, PadLeft, PadRight, Texts, center, clip, fill, width};

/// Spaces before a row label.
const INDENT: usize = 3;
/// Columns of the decimal port, right-aligned (`  52341`).
const PORT_W: usize = 7;
/// Columns of one bit cell (`  1`).
const CELL: usize = 3;
/// Columns of one flag cell (` SYN`).
const FLAG_CELL: usize = 4;
/// Columns left of a header diagram: indent + byte range (`12–15`) + space.
const DIAGRAM_LEFT: usize = INDENT + 5 + 1;

/// Column geometry of the port rows, which depends on how wide the labels of the language
/// are (`src` is 3 columns, `출발지` is 6).
#[derive(Clone, Copy, Debug)]
pub struct PortGrid {
    label_w: usize,
}

impl PortGrid {
    /// The grid for a language's labels.
    #[must_use]
    pub fn new(t: &Texts) -> PortGrid {
        PortGrid {
            label_w: width(t.src).max(width(t.dst)),
        }
    }

    /// Columns before the first bit cell's separator (13 in English).
    #[must_use]
    pub const fn prefix(&self) -> usize {
        INDENT + self.label_w + PORT_W
    }
}

/// Writes the 16 bit cells of `port`, most significant first (`  1  1  0 …`).
pub fn write_bit_cells(w: &mut dyn Write, pal: Palette, port: u16) -> io::Result<()> {
    if !pal.is_on() {
        // Plain text: one write of the 16 cells.
        let mut cells = [b' '; 16 * CELL];
        for (i, b) in (0..16u8).rev().enumerate() {
            if let Some(c) = cells.get_mut(i * CELL + CELL - 1) {
                *c = if port >> b & 1 == 1 { b'1' } else { b'0' };
            }
        }
        return w.write_all(&cells);
    }
    for b in (0..16u8).rev() {
        write!(w, "{}", pal.bit(port >> b & 1 == 1, CELL))?;
    }
    Ok(())
}

/// Writes `n` spaces.
fn spaces(w: &mut dyn Write, n: usize) -> io::Result<()> {
    const SP: [u8; 64] = [b' '; 64];
    let mut left = n;
    while left > 0 {
        let k = left.min(SP.len());
        w.write_all(SP.get(..k).unwrap_or(&[]))?;
        left -= k;
    }
    Ok(())
}

/// The service text after the class: the IANA name, with the everyday name when it differs
/// (`wap-wsp (Elasticsearch)`), or the everyday name alone when IANA has none.
#[must_use]
pub fn service_label(proto: Proto, port: u16) -> Option<String> {
    let iana = services::name(proto, port);
    let practice = services::practice_for(proto, port).map(|p| p.name);
    match (iana, practice) {
        (Some(i), Some(p)) if !i.eq_ignore_ascii_case(p) => Some(format!("{i} ({p})")),
        (Some(i), _) => Some(i.to_string()),
        (None, Some(p)) => Some(p.to_string()),
        (None, None) => None,
    }
}

/// The set TCP flags from bit 0 up (`FIN`, `SYN`, `RST`, `PSH`, `ACK`, `URG`, `ECE`, `CWR`,
/// `AE`): the order of the bits, as Wireshark lists them (`SYN,ACK`, `FIN,PSH,ACK`); the flags
/// row below draws the same bits from the high one down, as the header does.
fn flags_in_bit_order<W: Write + ?Sized>(w: &mut W, t: &Texts, fl: u16) -> io::Result<()> {
    let mut first = true;
    for fd in fields::tcp::FLAGS.iter().rev() {
        if fl & fd.flag_mask() != 0 {
            if !first {
                w.write_all(b",")?;
            }
            w.write_all(t.field(fd.id).as_bytes())?;
            first = false;
        }
    }
    if first {
        w.write_all(b"none")?;
    }
    Ok(())
}

/// Writes the rows of the bits view: bit numbers, port rows, flag rows.
#[derive(Clone, Copy, Debug)]
pub struct PortRows<'t> {
    /// Colour.
    pub pal: Palette,
    /// Labels.
    pub t: &'t Texts,
    /// Column geometry (from the labels).
    pub grid: PortGrid,
    /// Print service names (off with `-nn`).
    pub names: bool,
    /// The Linux ephemeral range to mark ports with (the default one for files).
    pub linux_ephemeral: (u16, u16),
}

impl<'t> PortRows<'t> {
    /// Rows in language `t`.
    #[must_use]
    pub fn new(t: &'t Texts, pal: Palette, names: bool) -> PortRows<'t> {
        PortRows {
            pal,
            t,
            grid: PortGrid::new(t),
            names,
            linux_ephemeral: services::LINUX_EPHEMERAL,
        }
    }

    /// Writes the bit-number row: `          bit  15 14 … 0`.
    pub fn bit_numbers(&self, w: &mut dyn Write) -> io::Result<()> {
        write!(w, "{} ", PadLeft(self.t.bit, self.grid.prefix()))?;
        for b in (0..16u8).rev() {
            write!(
                w,
                "{}",
                self.pal.paint(Style::Dim, format_args!("{b:>CELL$}"))
            )?;
        }
        w.write_all(b"\n")
    }

    /// Writes one port row: label, decimal, the 16 bits, hex, class and service.
    pub fn port(&self, w: &mut dyn Write, label: &str, port: u16, proto: Proto) -> io::Result<()> {
        let (pal, t) = (self.pal, self.t);
        if !pal.is_on() {
            // The same text as below, without the formatting machinery.
            spaces(w, INDENT)?;
            w.write_all(label.as_bytes())?;
            spaces(w, self.grid.label_w.saturating_sub(width(label)))?;
            let mut num = itoa::Buffer::new();
            let digits = num.format(port);
            spaces(w, PORT_W.saturating_sub(digits.len()))?;
            w.write_all(digits.as_bytes())?;
            w.write_all(b" ")?;
            write_bit_cells(w, pal, port)?;
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            let nib = |k: u16| HEX.get(usize::from(port >> k & 0xf)).copied().unwrap_or(b'0');
            w.write_all(&[b' ', b' ', b' ', b'0', b'x', nib(12), nib(8), nib(4), nib(0), b' ', b' '])?;
            let class = PortClass::of(port);
            w.write_all(t.class_short(class).as_bytes())?;
            if let Some(which) = services::ephemeral_systems(port, self.linux_ephemeral) {
                w.write_all(" · ".as_bytes())?;
                w.write_all(fill(t.ephemeral, &[("which", &which)]).as_bytes())?;
            }
            if let Some(name) = service_label(proto, port).filter(|_| self.names) {
                w.write_all(" · ".as_bytes())?;
                w.write_all(name.as_bytes())?;
            }
            return w.write_all(b"\n");
        }
        write!(
            w,
            "{:INDENT$}{}{port:>PORT_W$} ",
            "",
            PadRight(label, self.grid.label_w)
        )?;
        write_bit_cells(w, pal, port)?;
        let class = PortClass::of(port);
        write!(
            w,
            "   0x{port:04X}  {}",
            pal.paint(Style::of_class(class), t.class_short(class))
        )?;
        if let Some(which) = services::ephemeral_systems(port, self.linux_ephemeral) {
            write!(w, " · {}", fill(t.ephemeral, &[("which", &which)]))?;
        }
        if let Some(name) = service_label(proto, port).filter(|_| self.names) {
            write!(w, " · {}", pal.paint(Style::Name, name))?;
        }
        w.write_all(b"\n")
    }

    /// Writes the two TCP flag rows (names, then 0/1 under each name). AE is shown when set
    /// or when `with_ae`.
    pub fn flags(&self, w: &mut dyn Write, flags: Option<u16>, with_ae: bool) -> io::Result<()> {
        let (pal, t) = (self.pal, self.t);
        let Some(fl) = flags else {
            return writeln!(
                w,
                "{:INDENT$}{} {}",
                "",
                t.flags,
                pal.paint(Style::Warn, t.flags_not_captured)
            );
        };
        let show_ae = with_ae || fl & tcp_flags::AE != 0;
        let shown = fields::tcp::FLAGS
            .iter()
            .filter(|fd| show_ae || fd.id != FieldId::Ae);
        // The CWR column stays put; AE, when shown, goes one cell to the left of it.
        let start = (self.grid.prefix() + 2).saturating_sub(if show_ae { FLAG_CELL } else { 0 });
        write!(
            w,
            "{:INDENT$}{}",
            "",
            PadRight(t.flags, start.saturating_sub(INDENT))
        )?;
        for fd in shown.clone() {
            write!(w, "{:>FLAG_CELL$}", t.field(fd.id))?;
        }
        w.write_all(b"\n")?;
        write!(w, "{:start$}", "")?;
        for fd in shown {
            write!(w, "{}", pal.bit(fl & fd.flag_mask() != 0, FLAG_CELL))?;
        }
        w.write_all(b"\n")
    }
}

/// The `--bits` view.
pub struct BitsView {
    opts: LineOptions,
    clock: Clock,
    pal: Palette,
    rows: PortRows<'static>,
    /// Prints packets without ports (no timestamp: the bits view writes it).
    other: LineView,
    /// Something was printed already.
    started: bool,
    /// The previous packet was a multi-line block.
    prev_block: bool,
    /// Rows already drawn, by what they depend on (see [`RowCache`]).
    cache: RowCache,
    /// The parts of the `-v` diagrams that do not depend on the packet (see [`Shapes`]).
    shapes: Shapes,
}

/// The rows of the bits view depend only on a port (and which side it is) or on the flag
/// bits, never on the rest of the packet; a capture repeats the same few ports and flag
/// combinations, so each row is drawn once and then copied. Bounded: past `MAX_CACHED` rows,
/// new ones are drawn every time.
#[derive(Default)]
struct RowCache {
    bit_numbers: Vec<u8>,
    rows: rustc_hash::FxHashMap<(u8, u32), Box<[u8]>>,
}

/// Most rows kept by [`RowCache`] (each is about 100 bytes).
const MAX_CACHED: usize = 20_000;

impl RowCache {
    /// Writes the row for `key`, drawing it with `draw` the first time.
    #[inline]
    fn write<W: Write + ?Sized>(
        &mut self,
        w: &mut W,
        key: (u8, u32),
        draw: impl FnOnce(&mut Vec<u8>) -> io::Result<()>,
    ) -> io::Result<()> {
        if let Some(row) = self.rows.get(&key) {
            return w.write_all(row);
        }
        let mut row = Vec::with_capacity(128);
        draw(&mut row)?;
        w.write_all(&row)?;
        if self.rows.len() < MAX_CACHED {
            self.rows.insert(key, row.into_boxed_slice());
        }
        Ok(())
    }
}

impl BitsView {
    /// A bits view with the line options (timestamps, `-v`, `-nn`, `-x`), colour and language.
    #[must_use]
    pub fn new(opts: LineOptions, color: bool, lang: Language) -> BitsView {
        let t = i18n::texts(lang);
        BitsView {
            opts,
            clock: Clock::new(opts.ts, opts.nano),
            pal: Palette::new(color),
            rows: PortRows::new(t, Palette::new(color), opts.services),
            other: LineView::new(LineOptions {
                ts: TsStyle::None,
                number: false,
                lang,
                ..opts
            }),
            started: false,
            prev_block: false,
            cache: RowCache::default(),
            shapes: Shapes::default(),
        }
    }

    fn headline<W: Write + ?Sized>(&mut self, w: &mut W, pkt: &Packet<'_>, proto: &str) -> io::Result<()> {
        let (Some((s, d)), Some((sp, dp))) = (pkt.net.addrs(), pkt.transport.ports()) else {
            return Ok(());
        };
        w.write_all(proto.as_bytes())?;
        w.write_all(b" ")?;
        f::socket(w, s, sp)?;
        w.write_all(" → ".as_bytes())?;
        f::socket(w, d, dp)?;
        if let Transport::Tcp(TcpInfo {
            flags: Some(fl), ..
        }) = &pkt.transport
        {
            w.write_all(b" [")?;
            flags_in_bit_order(w, self.rows.t, *fl)?;
            w.write_all(b"]")?;
        }
        for warn in pkt.warnings.iter().filter(|x| !f::is_quiet(x)) {
            w.write_all(b" ")?;
            let mut v = Vec::new();
            f::warning_in(&mut v, warn, pkt, i18n::Tr(self.rows.t.lang))?;
            let text = String::from_utf8_lossy(&v);
            write!(
                w,
                "{}",
                self.pal.paint(Style::Warn, format_args!("[{text}]"))
            )?;
        }
        w.write_all(b"\n")
    }

    fn ports<W: Write + ?Sized>(&mut self, w: &mut W, proto: Proto, sp: u16, dp: u16) -> io::Result<()> {
        let r = self.rows;
        if self.cache.bit_numbers.is_empty() {
            r.bit_numbers(&mut self.cache.bit_numbers)?;
        }
        w.write_all(&self.cache.bit_numbers)?;
        let p = u32::from(proto == Proto::Udp) << 16;
        self.cache.write(w, (0, p | u32::from(sp)), |v| r.port(v, r.t.src, sp, proto))?;
        self.cache.write(w, (1, p | u32::from(dp)), |v| r.port(v, r.t.dst, dp, proto))
    }

    fn flags<W: Write + ?Sized>(&mut self, w: &mut W, flags: Option<u16>, verbose: bool) -> io::Result<()> {
        let r = self.rows;
        let key = flags.map_or(1 << 17, |f| u32::from(f) | u32::from(verbose) << 16);
        self.cache.write(w, (2, key), |v| r.flags(v, flags, verbose))
    }
}

impl PacketView for BitsView {
    fn packet(&mut self, mut w: &mut dyn Write, pkt: &Packet<'_>, note: &PacketNote) -> io::Result<()> {
        BitsView::packet(self, &mut w, pkt, note)
    }
}

impl BitsView {
    /// Writes one packet. Generic over the writer, so that the binary's stdout buffer is
    /// written to directly rather than through a `dyn Write` call per piece (the reason the
    /// [`PacketView`] impl forwards here).
    pub fn packet<W: Write>(&mut self, w: &mut W, pkt: &Packet<'_>, note: &PacketNote) -> io::Result<()> {
        // A blank line around each multi-line block; one-line packets stay together.
        let block = matches!(
            (&pkt.transport, pkt.net.addrs()),
            (Transport::Tcp(_) | Transport::Udp(_), Some(_))
        );
        if self.started && (block || self.prev_block) {
            w.write_all(b"\n")?;
        }
        self.started = true;
        self.prev_block = block;
        if self.pal.is_on() {
            write!(w, "{} ", self.pal.paint(Style::Heading, format_args!("#{}", pkt.frame)))?;
        } else {
            w.write_all(b"#")?;
            f::uint(w, pkt.frame)?;
            w.write_all(b" ")?;
        }
        self.clock.write(w, pkt.ts, pkt.precision)?;
        let verbose = self.opts.verbose > 0;
        match (&pkt.transport, pkt.net.addrs()) {
            (Transport::Tcp(tcp), Some(_)) => {
                self.headline(w, pkt, "TCP")?;
                self.ports(w, Proto::Tcp, tcp.src_port, tcp.dst_port)?;
                self.flags(w, tcp.flags, verbose)?;
                if verbose {
                    w.write_all(b"\n")?;
                    tcp_diagram(w, &mut self.shapes, self.pal, self.rows.t, pkt, tcp, note)?;
                }
            }
            (Transport::Udp(udp), Some(_)) => {
                self.headline(w, pkt, "UDP")?;
                self.ports(w, Proto::Udp, udp.src_port, udp.dst_port)?;
                if verbose {
                    w.write_all(b"\n")?;
                    udp_diagram(w, &mut self.shapes, self.pal, self.rows.t, pkt, udp)?;
                }
            }
            // No ports: one line, as the line view writes it (it also does -x).
            _ => return self.other.packet(w, pkt, note),
        }
        if let HexMode::Hex { link, ascii } = self.opts.hex {
            let from = if link { 0 } else { pkt.net_offset as usize };
            hexdump::dump(w, pkt.data.get(from..).unwrap_or(&[]), ascii)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// RFC-style header diagrams (-v)

/// One box of a diagram row.
struct Cell {
    /// Bits wide (the box is `2 × bits − 1` columns inside).
    bits: usize,
    /// Name lines, top to bottom.
    lines: Vec<String>,
    /// The value line; `None` for boxes without one (options).
    value: Option<(String, Option<Style>)>,
}

impl Cell {
    fn inner(&self) -> usize {
        (2 * self.bits).saturating_sub(1)
    }
}

/// The name lines of a fixed field: `Source Port · bytes 0–1` when it fits, else the name,
/// else the name's words one per line; a flag's abbreviation is written downwards.
fn field_lines(t: &Texts, fd: &Field) -> Vec<String> {
    let inner = (2 * usize::from(fd.bits)).saturating_sub(1);
    if let Some(abbrev) = fd.id.flag_name() {
        return abbrev.chars().map(String::from).collect();
    }
    let name = t.field(fd.id);
    let full = format!(
        "{name} · {}",
        byte_range(t, fd.bytes().start, fd.bytes().end.saturating_sub(1))
    );
    if width(&full) <= inner {
        vec![full]
    } else if width(name) <= inner {
        vec![name.to_string()]
    } else {
        name.split(' ').map(|word| clip(word, inner)).collect()
    }
}

/// `bytes 0–1` or `byte 12`.
fn byte_range(t: &Texts, a: usize, b: usize) -> String {
    if a == b {
        fill(t.byte_one, &[("a", &a)])
    } else {
        fill(t.bytes_range, &[("a", &a), ("b", &b)])
    }
}

/// The value of a fixed field as read from the captured bytes.
fn field_value(t: &Texts, fd: &Field, hdr: &[u8], rel: Option<u32>) -> (String, Option<Style>) {
    let inner = (2 * usize::from(fd.bits)).saturating_sub(1);
    let Some(v) = fd.read(hdr) else {
        let cut = if width(t.cut_value) <= inner {
            t.cut_value.to_string()
        } else {
            "?".to_string()
        };
        return (cut, Some(Style::Warn));
    };
    let text = match fd.id {
        FieldId::Seq | FieldId::Ack => match rel.filter(|r| *r != v) {
            Some(r) => format!("{v} ({})", fill(t.relative, &[("n", &r)])),
            None => v.to_string(),
        },
        FieldId::Reserved => format!("{v:03b}"),
        FieldId::Checksum => format!("0x{v:04x}"),
        _ if fd.bits == 1 => {
            return (v.to_string(), (v == 1).then_some(Style::One));
        }
        _ => v.to_string(),
    };
    (clip(&text, inner), None)
}

/// The fixed fields of row `row` of a header table; their name lines only `with_names`.
fn fixed_cells(
    t: &Texts,
    table: &[Field],
    row: usize,
    hdr: &[u8],
    note: &PacketNote,
    ack_set: bool,
    with_names: bool,
) -> Vec<Cell> {
    table
        .iter()
        .filter(|fd| fd.row() == row)
        .map(|fd| {
            let rel = match fd.id {
                FieldId::Seq => note.rel_seq,
                FieldId::Ack if ack_set => note.rel_ack,
                _ => None,
            };
            Cell {
                bits: usize::from(fd.bits),
                lines: if with_names { field_lines(t, fd) } else { Vec::new() },
                value: Some(field_value(t, fd, hdr, rel)),
            }
        })
        .collect()
}

/// The parts of the `-v` diagrams that depend only on the header's kind and length, never
/// on its values: the lines above a diagram (caption, legend, ruler) and the name lines of
/// each fixed row. Drawn once per view and copied afterwards (a handful of entries: TCP data
/// offsets 0–15, the UDP header).
#[derive(Default)]
struct Shapes {
    /// Heading by (TCP?, data offset when read).
    headings: rustc_hash::FxHashMap<(bool, Option<u32>), Vec<u8>>,
    /// Name lines by (TCP?, row).
    names: rustc_hash::FxHashMap<(bool, usize), RowNames>,
}

impl Shapes {
    /// Writes the heading for `key`, drawing it with `caption` the first time.
    fn heading(
        &mut self,
        w: &mut dyn Write,
        pal: Palette,
        t: &Texts,
        key: (bool, Option<u32>),
        caption: impl FnOnce() -> String,
    ) -> io::Result<()> {
        if let Some(h) = self.headings.get(&key) {
            return w.write_all(h);
        }
        let mut h = Vec::new();
        diagram_heading(&mut h, pal, t, &caption())?;
        w.write_all(&h)?;
        self.headings.insert(key, h);
        Ok(())
    }

    /// Draws fixed row `row` of `table` with its name lines drawn once.
    #[allow(clippy::too_many_arguments)]
    fn fixed_row(
        &mut self,
        w: &mut dyn Write,
        pal: Palette,
        t: &Texts,
        (tcp, table): (bool, &[Field]),
        row: usize,
        hdr: &[u8],
        note: &PacketNote,
        ack_set: bool,
    ) -> io::Result<()> {
        let first = row * 4;
        let names = match self.names.entry((tcp, row)) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let cells = fixed_cells(t, table, row, hdr, note, ack_set, true);
                e.insert(row_names(pal, first, &cells)?)
            }
        };
        let cells = fixed_cells(t, table, row, hdr, note, ack_set, false);
        draw_row(w, pal, first, hdr, &cells, names)
    }
}

/// The lines above a header diagram: its caption, the legend and the bit ruler.
fn diagram_heading(w: &mut dyn Write, pal: Palette, t: &Texts, caption: &str) -> io::Result<()> {
    writeln!(w, "{:INDENT$}{}", "", pal.paint(Style::Heading, caption))?;
    writeln!(w, "{:INDENT$}{}", "", pal.paint(Style::Dim, t.diagram_legend))?;
    ruler(w, pal)
}

fn ruler(w: &mut dyn Write, pal: Palette) -> io::Result<()> {
    let mut tens = String::new();
    let mut units = String::new();
    for i in 0..32u8 {
        tens.push(if i % 10 == 0 {
            char::from(b'0' + i / 10)
        } else {
            ' '
        });
        units.push(char::from(b'0' + i % 10));
        if i < 31 {
            tens.push(' ');
            units.push(' ');
        }
    }
    let pad = DIAGRAM_LEFT + 1;
    writeln!(w, "{:pad$}{}", "", pal.paint(Style::Dim, tens.trim_end()))?;
    writeln!(w, "{:pad$}{}", "", pal.paint(Style::Dim, units))?;
    border(w)
}

fn border(w: &mut dyn Write) -> io::Result<()> {
    write!(w, "{:DIAGRAM_LEFT$}+", "")?;
    for _ in 0..32 {
        w.write_all(b"-+")?;
    }
    w.write_all(b"\n")
}

/// The name lines of a row: the first one without its raw bytes (which differ per packet),
/// and the lines under it, each ending in a newline.
struct RowNames {
    first: Vec<u8>,
    rest: Vec<u8>,
}

/// Draws the name lines of one 32-bit row (the first one with the row's byte range on the
/// left; the raw bytes on its right are added by [`draw_row`]).
fn row_names(pal: Palette, first_byte: usize, cells: &[Cell]) -> io::Result<RowNames> {
    let n = cells
        .iter()
        .map(|c| c.lines.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let margin = format!("{first_byte}–{}", first_byte + 3);
    let (mut first, mut rest) = (Vec::new(), Vec::new());
    for j in 0..n {
        let w: &mut Vec<u8> = if j == 0 { &mut first } else { &mut rest };
        if j == 0 {
            write!(
                w,
                "{:INDENT$}{} |",
                "",
                pal.paint(Style::Dim, format_args!("{margin:>5}"))
            )?;
        } else {
            write!(w, "{:DIAGRAM_LEFT$}|", "")?;
        }
        for c in cells {
            let top = (n - c.lines.len().min(n)) / 2;
            let line = j
                .checked_sub(top)
                .and_then(|k| c.lines.get(k))
                .map(String::as_str)
                .unwrap_or("");
            write!(w, "{}|", center(&clip(line, c.inner()), c.inner()))?;
        }
        if j > 0 {
            w.push(b'\n');
        }
    }
    Ok(RowNames { first, rest })
}

/// Draws one 32-bit row: name lines (the first one with the row's byte range on the left
/// and its raw bytes on the right), then the value line.
fn draw_row(
    w: &mut dyn Write,
    pal: Palette,
    first_byte: usize,
    hdr: &[u8],
    cells: &[Cell],
    names: &RowNames,
) -> io::Result<()> {
    let mut raw = [0u8; 4 * 3 * 2];
    let mut n = 0;
    for i in first_byte..first_byte + 4 {
        let piece: &[u8] = match hdr.get(i) {
            Some(&b) => &[hex_digit(b >> 4), hex_digit(b & 15)],
            None => "··".as_bytes(),
        };
        let sep: &[u8] = if n > 0 { b" " } else { b"" };
        for &x in sep.iter().chain(piece) {
            if let Some(d) = raw.get_mut(n) {
                *d = x;
                n += 1;
            }
        }
    }
    let raw = std::str::from_utf8(raw.get(..n).unwrap_or(&[])).unwrap_or("");
    w.write_all(&names.first)?;
    write!(w, "  {}", pal.paint(Style::Dim, raw))?;
    w.write_all(b"\n")?;
    w.write_all(&names.rest)?;
    if cells.iter().any(|c| c.value.is_some()) {
        write!(w, "{:DIAGRAM_LEFT$}|", "")?;
        for c in cells {
            let (text, style) = c.value.clone().unwrap_or_default();
            let inner = c.inner();
            let text = clip(&text, inner);
            let left = inner.saturating_sub(width(&text)) / 2;
            let right = inner.saturating_sub(width(&text)).saturating_sub(left);
            match style {
                Some(s) => write!(w, "{:left$}{}{:right$}|", "", pal.paint(s, &text), "")?,
                None => {
                    spaces(w, left)?;
                    w.write_all(text.as_bytes())?;
                    spaces(w, right)?;
                    w.write_all(b"|")?;
                }
            }
        }
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// The lower-case hex digit of a nibble.
fn hex_digit(n: u8) -> u8 {
    b"0123456789abcdef".get(usize::from(n & 15)).copied().unwrap_or(b'0')
}

/// The line that says where a cut header stops.
fn cut_line(
    w: &mut dyn Write,
    pal: Palette,
    t: &Texts,
    pkt: &Packet<'_>,
    have: usize,
    need: usize,
) -> io::Result<()> {
    write!(w, "{:DIAGRAM_LEFT$}", "")?;
    for i in 0..33 {
        w.write_all(if i < 32 { "~ ".as_bytes() } else { b"~\n" })?;
    }
    let by_snaplen = pkt
        .truncation()
        .map_or(pkt.caplen() < pkt.len, |tr| tr.by_snaplen);
    let why = if by_snaplen {
        fill(
            t.cut_by_snaplen,
            &[("caplen", &pkt.caplen()), ("len", &pkt.len)],
        )
    } else {
        t.cut_by_packet.to_string()
    };
    let msg = fill(
        t.cut_here,
        &[("have", &have), ("need", &need), ("why", &why)],
    );
    writeln!(w, "{:DIAGRAM_LEFT$}{}", "", pal.paint(Style::Warn, msg))
}

/// Writes the TCP header diagram.
fn tcp_diagram(
    w: &mut dyn Write,
    shapes: &mut Shapes,
    pal: Palette,
    t: &Texts,
    pkt: &Packet<'_>,
    tcp: &TcpInfo,
    note: &PacketNote,
) -> io::Result<()> {
    use fields::tcp;
    let bytes = pkt.transport_bytes();
    let available = bytes.len().min(usize::from(tcp.captured)).min(tcp::MAX_LEN);
    let offset = tcp::DATA_OFFSET.read(bytes.get(..available).unwrap_or(&[]));
    let need = match offset {
        Some(off) if off >= 5 => off as usize * 4,
        _ => tcp::MIN_LEN,
    };
    let have = available.min(need);
    let hdr = bytes.get(..have).unwrap_or(&[]);
    shapes.heading(w, pal, t, (true, offset), || match offset {
        Some(off) if off >= 5 => fill(t.tcp_caption, &[("len", &(off * 4)), ("off", &off)]),
        Some(off) => fill(t.tcp_caption_bad, &[("off", &off)]),
        None => t.tcp_caption_unknown.to_string(),
    })?;
    let ack_set = tcp.has(tcp_flags::ACK);
    let spans = option_spans(t, &tcp.options, need);
    for row in 0..need / 4 {
        let first = row * 4;
        if first >= have {
            break;
        }
        if first < tcp::MIN_LEN {
            shapes.fixed_row(w, pal, t, (true, &tcp::HEADER), row, hdr, note, ack_set)?;
        } else {
            let cells = [options_cell(t, &spans, first, need)];
            draw_row(w, pal, first, hdr, &cells, &row_names(pal, first, &cells)?)?;
        }
        if first + 4 <= have {
            border(w)?;
        }
    }
    if have < need {
        cut_line(w, pal, t, pkt, have, need)?;
    }
    if have > 12 {
        writeln!(w, "{:INDENT$}{}", "", pal.paint(Style::Dim, t.byte12_note))?;
        writeln!(w, "{:INDENT$}{}", "", pal.paint(Style::Dim, t.tcp_history_note))?;
    }
    byte_order(w, pal, t, hdr)?;
    if tcp.payload_len > 0 {
        writeln!(
            w,
            "{:INDENT$}{}",
            "",
            fill(t.data_follows, &[("n", &tcp.payload_len)])
        )?;
    }
    Ok(())
}

/// The note that ports travel high byte first, with the captured bytes of both ports
/// (`52341 = cc 75, 443 = 01 bb`).
fn byte_order(w: &mut dyn Write, pal: Palette, t: &Texts, hdr: &[u8]) -> io::Result<()> {
    let [a, b, c, d, ..] = *hdr else {
        return Ok(());
    };
    let ports = format!(
        "{} = {a:02x} {b:02x}, {} = {c:02x} {d:02x}",
        u16::from_be_bytes([a, b]),
        u16::from_be_bytes([c, d])
    );
    writeln!(
        w,
        "{:INDENT$}{}",
        "",
        pal.paint(Style::Dim, fill(t.byte_order_note, &[("ports", &ports)]))
    )
}

/// Writes the UDP header diagram.
fn udp_diagram(
    w: &mut dyn Write,
    shapes: &mut Shapes,
    pal: Palette,
    t: &Texts,
    pkt: &Packet<'_>,
    udp: &UdpInfo,
) -> io::Result<()> {
    use fields::udp as u;
    let bytes = pkt.transport_bytes();
    let have = bytes.len().min(usize::from(udp.captured)).min(u::LEN);
    let hdr = bytes.get(..have).unwrap_or(&[]);
    shapes.heading(w, pal, t, (false, None), || t.udp_caption.to_string())?;
    for row in 0..u::LEN / 4 {
        let first = row * 4;
        if first >= have {
            break;
        }
        shapes.fixed_row(w, pal, t, (false, &u::HEADER), row, hdr, &PacketNote::default(), false)?;
        if first + 4 <= have {
            border(w)?;
        }
    }
    if have < u::LEN {
        cut_line(w, pal, t, pkt, have, u::LEN)?;
    }
    byte_order(w, pal, t, hdr)?;
    if let [0, 0, ..] = hdr {
        writeln!(w, "{:INDENT$}{}", "", t.udp_src_zero)?;
    }
    if let [_, _, _, _, _, _, 0, 0, ..] = hdr {
        writeln!(w, "{:INDENT$}{}", "", t.udp_checksum_zero)?;
    }
    if udp.payload_len > 0 {
        writeln!(
            w,
            "{:INDENT$}{}",
            "",
            fill(t.data_follows, &[("n", &udp.payload_len)])
        )?;
    }
    Ok(())
}

/// Each decoded option with the header bytes it occupies: (first byte, last byte, text).
fn option_spans(t: &Texts, o: &TcpOptions, header_len: usize) -> Vec<(usize, usize, String)> {
    let mut spans = Vec::new();
    let mut at = fields::tcp::OPTIONS;
    let mut sack = o.sack.iter();
    let last = header_len.saturating_sub(1);
    for &(kind, len) in &o.list {
        if at > last {
            break;
        }
        let size = match kind {
            0 | 1 => 1,
            _ => usize::from(len).max(2),
        };
        let text = match kind {
            0 => "eol".to_string(),
            1 => "nop".to_string(),
            2 => o
                .mss
                .map_or_else(|| "mss ?".to_string(), |m| format!("mss {m}")),
            3 => o
                .wscale
                .map_or_else(|| "wscale ?".to_string(), |s| format!("wscale {s}")),
            4 => "sackOK".to_string(),
            5 => {
                let n = usize::from(len.saturating_sub(2)) / 8;
                let mut s = format!("sack {n}");
                for (l, r) in sack.by_ref().take(n) {
                    s.push_str(&format!(" {{{l}:{r}}}"));
                }
                s
            }
            8 => o.timestamps.map_or_else(
                || "TS ?".to_string(),
                |(v, e)| format!("TS val {v} ecr {e}"),
            ),
            k => format!("{}-{k} len {len}", TcpOptions::kind_name(k)),
        };
        let end = (at + size - 1).min(last);
        spans.push((at, end, text));
        at += size;
        if kind == 0 {
            break;
        }
    }
    if o.malformed && at <= last {
        spans.push((at, last, t.option_malformed.to_string()));
    }
    spans
}

/// The box of one 32-bit row of options: the options that start in it, with their bytes.
fn options_cell(
    t: &Texts,
    spans: &[(usize, usize, String)],
    first: usize,
    header_len: usize,
) -> Cell {
    let mut text = String::new();
    for (a, b, s) in spans
        .iter()
        .filter(|(a, ..)| (first..first + 4).contains(a))
    {
        if !text.is_empty() {
            text.push_str(", ");
        }
        let range = if a == b {
            a.to_string()
        } else {
            format!("{a}–{b}")
        };
        text.push_str(&format!("{s} ({range})"));
    }
    if text.is_empty() {
        // A row inside a long option: say which one continues here.
        if let Some((a, b, s)) = spans.iter().find(|(a, b, _)| *a < first && *b >= first) {
            let name = s.split(' ').next().unwrap_or("");
            text = format!("… {name} ({a}–{b})");
        }
    }
    let mut lines = Vec::new();
    if first == fields::tcp::OPTIONS {
        let label = format!(
            "{} · {}",
            t.f_options,
            byte_range(t, first, header_len.saturating_sub(1))
        );
        lines.push(label);
    }
    lines.push(text);
    Cell {
        bits: 32,
        lines,
        value: None,
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::model::{Ipv4Info, Link, LinkType, Net, Timestamp, TsPrecision, Warnings};
    use std::net::Ipv4Addr;

    fn render_ports(lang: Language) -> String {
        let t = i18n::texts(lang);
        let r = PortRows::new(t, Palette::new(false), true);
        let mut v = Vec::new();
        r.bit_numbers(&mut v).expect("write");
        r.port(&mut v, t.src, 52341, Proto::Tcp).expect("write");
        r.port(&mut v, t.dst, 443, Proto::Tcp).expect("write");
        r.flags(&mut v, Some(tcp_flags::SYN), false).expect("write");
        String::from_utf8(v).expect("utf8")
    }

    /// Removes ANSI SGR sequences.
    fn strip_ansi(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for d in chars.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn plain_port_rows_are_the_coloured_rows_without_colour() {
        for lang in [Language::En, Language::Ko] {
            let t = i18n::texts(lang);
            let plain = PortRows::new(t, Palette::new(false), true);
            let colour = PortRows::new(t, Palette::new(true), true);
            for port in [0u16, 1, 22, 80, 443, 1023, 1024, 3306, 9200, 27017, 49151, 49152, 52341, 65535] {
                for proto in [Proto::Tcp, Proto::Udp] {
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    plain.port(&mut a, t.src, port, proto).expect("write");
                    colour.port(&mut b, t.src, port, proto).expect("write");
                    let b = String::from_utf8(b).expect("utf8");
                    assert!(b.contains('\x1b'), "coloured");
                    assert_eq!(String::from_utf8(a).expect("utf8"), strip_ansi(&b), "{port}/{proto:?} {lang:?}");
                }
            }
        }
    }

    #[test]
    fn port_rows_match_the_spec_exactly() {
        let expected = "          bit  15 14 13 12 11 10  9  8  7  6  5  4  3  2  1  0
   src  52341   1  1  0  0  1  1  0  0  0  1  1  1  0  1  0  1   0xCC75  dynamic · ephemeral (Linux, Windows)
   dst    443   0  0  0  0  0  0  0  1  1  0  1  1  1  0  1  1   0x01BB  well-known · https
   flags        CWR ECE URG ACK PSH RST SYN FIN
                  0   0   0   0   0   0   1   0
";
        assert_eq!(render_ports(Language::En), expected);
    }

    #[test]
    fn a_linux_client_port_is_registered_and_ephemeral() {
        // 38836 is a real Linux client port: IANA class registered, yet inside Linux's
        // ephemeral range 32768–60999 (and outside Windows' 49152–65535).
        let r = PortRows::new(i18n::texts(Language::En), Palette::new(false), true);
        let mut v = Vec::new();
        r.port(&mut v, "src", 38836, Proto::Tcp).expect("write");
        let s = String::from_utf8(v).expect("utf8");
        assert!(s.ends_with("0x97B4  registered · ephemeral (Linux)\n"), "{s}");
        let mut v = Vec::new();
        r.port(&mut v, "dst", 8080, Proto::Tcp).expect("write");
        let s = String::from_utf8(v).expect("utf8");
        assert!(!s.contains("ephemeral"), "{s}");
    }

    #[test]
    fn the_heading_lists_flags_in_bit_order() {
        let mut v = Vec::new();
        let t = i18n::texts(Language::En);
        let all = tcp_flags::FIN | tcp_flags::SYN | tcp_flags::PSH | tcp_flags::ACK | tcp_flags::CWR;
        flags_in_bit_order(&mut v, t, all).expect("write");
        assert_eq!(String::from_utf8(v).expect("utf8"), "FIN,SYN,PSH,ACK,CWR");
    }

    #[test]
    fn korean_rows_stay_aligned_in_display_columns() {
        let out = render_ports(Language::Ko);
        let lines: Vec<&str> = out.lines().collect();
        // The last bit digit sits in the same display column on the number and port rows.
        let col = |l: &str, needle: char| l.rfind(needle).map(|i| width(l.get(..i).unwrap_or("")));
        let bit0 = lines.first().and_then(|l| col(l, '0'));
        let src_end = lines
            .get(1)
            .and_then(|l| l.find("   0x").map(|i| width(l.get(..i).unwrap_or(""))));
        assert_eq!(bit0.map(|c| c + 1), src_end, "{out}");
        assert!(out.contains("출발지"), "{out}");
        assert!(out.contains("동적 포트 · 임시 포트 범위 (Linux, Windows)"), "{out}");
        assert!(out.contains("잘 알려진 포트 · https"), "{out}");
    }

    #[test]
    fn ae_flag_is_shown_when_set_and_keeps_the_cwr_column() {
        let r = PortRows::new(i18n::texts(Language::En), Palette::new(false), true);
        let mut v = Vec::new();
        r.flags(&mut v, Some(tcp_flags::AE | tcp_flags::ACK), false)
            .expect("write");
        let s = String::from_utf8(v).expect("utf8");
        assert_eq!(
            s,
            "   flags     AE CWR ECE URG ACK PSH RST SYN FIN\n              1   0   0   0   1   0   0   0   0\n"
        );
    }

    #[test]
    fn lesson_bit_strings() {
        for (port, bits) in [
            (80, "0000000001010000"),
            (443, "0000000110111011"),
            (3306, "0000110011101010"),
        ] {
            let mut v = Vec::new();
            write_bit_cells(&mut v, Palette::new(false), port).expect("write");
            let s: String = String::from_utf8(v)
                .expect("utf8")
                .split_whitespace()
                .collect();
            assert_eq!(s, bits, "{port}");
        }
    }

    #[test]
    fn service_labels_show_iana_and_practice_side_by_side() {
        assert_eq!(service_label(Proto::Tcp, 443).as_deref(), Some("https"));
        assert_eq!(
            service_label(Proto::Tcp, 9200).as_deref(),
            Some("wap-wsp (Elasticsearch)")
        );
        assert_eq!(
            service_label(Proto::Tcp, 465).as_deref(),
            Some("urd (SMTPS)")
        );
        assert_eq!(
            service_label(Proto::Udp, 51820).as_deref(),
            Some("WireGuard")
        );
        assert_eq!(service_label(Proto::Tcp, 65535), None);
    }

    fn packet(data: &[u8], transport: Transport, caplen_cut: bool) -> Packet<'_> {
        let len = data.len() as u32 + if caplen_cut { 20 } else { 0 };
        Packet {
            frame: 1,
            ts: Timestamp::default(),
            precision: TsPrecision::Micro,
            len,
            linktype: LinkType::RAW,
            interface: 0,
            data,
            link: Link::Raw,
            pseudo: None,
            net_offset: 0,
            net: Net::Ipv4(Ipv4Info {
                src: Ipv4Addr::new(192, 168, 1, 10),
                dst: Ipv4Addr::new(142, 250, 185, 78),
                header_len: 20,
                tos: 0,
                total_len: 0,
                id: 0,
                dont_fragment: false,
                ttl: 64,
                protocol: 6,
                checksum: 0,
                fragment: None,
            }),
            transport_offset: 20,
            transport,
            warnings: Warnings::new(),
        }
    }

    fn tcp_info(captured: u16) -> TcpInfo {
        let mut options = TcpOptions::default();
        if captured >= 24 {
            options.list.push((2, 4));
            options.mss = Some(1460);
        } else if captured > 20 {
            options.list.push((2, 4));
            options.cut = true;
        }
        TcpInfo {
            src_port: 52341,
            dst_port: 443,
            seq: None,
            ack: None,
            header_len: None,
            flags: None,
            window: None,
            checksum: None,
            urgent: None,
            captured,
            options,
            payload_len: 0,
            payload_captured: 0,
        }
    }

    #[test]
    fn verbose_diagram_of_every_cut_length_never_panics_and_says_where_it_stops() {
        let mut frame = vec![0x45u8; 20];
        frame.extend_from_slice(&[
            0xcc, 0x75, 0x01, 0xbb, 0xb9, 0x42, 0x6a, 0x78, 0, 0, 0, 0, 0x60, 0x02, 0xfa, 0xf0,
            0x12, 0x34, 0, 0, 2, 4, 5, 0xb4,
        ]);
        // One cache of shapes per language, used by every cut length in turn: what is drawn
        // from it must equal what a fresh one draws.
        let mut kept = [Shapes::default(), Shapes::default()];
        for cut in 20..=frame.len() {
            let data = frame.get(..cut).unwrap_or(&[]);
            let captured = (cut - 20) as u16;
            let pkt = packet(data, Transport::Tcp(tcp_info(captured)), cut < frame.len());
            for (lang, shapes) in [Language::En, Language::Ko].into_iter().zip(kept.iter_mut()) {
                let mut again = Vec::new();
                tcp_diagram(
                    &mut again,
                    shapes,
                    Palette::new(true),
                    i18n::texts(lang),
                    &pkt,
                    &tcp_info(captured),
                    &PacketNote::default(),
                )
                .expect("write");
                let mut fresh = Vec::new();
                tcp_diagram(
                    &mut fresh,
                    &mut Shapes::default(),
                    Palette::new(true),
                    i18n::texts(lang),
                    &pkt,
                    &tcp_info(captured),
                    &PacketNote::default(),
                )
                .expect("write");
                assert_eq!(String::from_utf8_lossy(&again), String::from_utf8_lossy(&fresh), "{cut}");
                let mut out = Vec::new();
                tcp_diagram(
                    &mut out,
                    &mut Shapes::default(),
                    Palette::new(false),
                    i18n::texts(lang),
                    &pkt,
                    &tcp_info(captured),
                    &PacketNote::default(),
                )
                .expect("write");
                let s = String::from_utf8(out).expect("utf8");
                if cut < frame.len() {
                    assert!(
                        s.contains(&format!("{captured} of the")) || lang == Language::Ko,
                        "{cut}: {s}"
                    );
                    assert!(s.contains("~ ~ ~"), "{cut}: {s}");
                } else {
                    assert!(!s.contains("~ ~"), "{s}");
                    assert!(s.contains("mss 1460 (20–23)"), "{s}");
                }
            }
        }
    }

    #[test]
    fn diagram_rows_are_65_columns_wide_in_both_languages() {
        let mut frame = vec![0x45u8; 20];
        frame.extend_from_slice(&[
            0xcc, 0x75, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x12, 0xfa, 0xf0, 0, 0, 0, 0,
        ]);
        let pkt = packet(&frame, Transport::Tcp(tcp_info(20)), false);
        for lang in [Language::En, Language::Ko] {
            let mut out = Vec::new();
            tcp_diagram(
                &mut out,
                &mut Shapes::default(),
                Palette::new(false),
                i18n::texts(lang),
                &pkt,
                &tcp_info(20),
                &PacketNote::default(),
            )
            .expect("write");
            let s = String::from_utf8(out).expect("utf8");
            for l in s.lines().filter(|l| l.contains('|')) {
                let a = l.find('|').unwrap_or(0);
                let b = l.rfind('|').unwrap_or(0);
                assert_eq!(width(l.get(a..=b).unwrap_or("")), 65, "{l}");
            }
            assert!(s.contains("52341") && s.contains("443"), "{s}");
        }
    }

    /// Arbitrary bytes (mostly IPv4/IPv6 + TCP/UDP shaped, cut anywhere, fields random)
    /// through the real decoder and the bits view with diagrams, in both languages: the view
    /// never panics and always writes something.
    #[test]
    fn bits_view_is_total_on_arbitrary_packets() {
        use crate::decode::decode;
        use crate::model::Frame;
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for i in 0..3000u32 {
            let mut data: Vec<u8> = (0..(next() % 120) as usize).map(|_| next() as u8).collect();
            // Shape most frames as raw IPv4 or IPv6 carrying TCP or UDP.
            let mut set = |at: usize, f: &dyn Fn(u8) -> u8| {
                if let Some(b) = data.get_mut(at) {
                    *b = f(*b);
                }
            };
            let proto = if next() % 2 == 0 { 6 } else { 17 };
            match i % 4 {
                0 | 1 => {
                    set(0, &|_| 0x45);
                    set(9, &|_| proto);
                    set(6, &|b| b & 0x40);
                    set(7, &|_| 0);
                }
                2 => {
                    set(0, &|b| 0x60 | (b & 0x0f));
                    set(6, &|_| proto);
                }
                _ => {}
            }
            let frame = Frame {
                ts: Timestamp::default(),
                len: data.len() as u32 + (next() % 40) as u32,
                linktype: LinkType::RAW,
                data: &data,
                interface: 0,
                precision: TsPrecision::Micro,
            };
            let pkt = decode(&frame, u64::from(i) + 1);
            for lang in [Language::En, Language::Ko] {
                for verbose in [0, 1] {
                    let opts = LineOptions {
                        verbose,
                        ..LineOptions::default()
                    };
                    let mut view = BitsView::new(opts, i % 2 == 0, lang);
                    let mut out = Vec::new();
                    view.packet(&mut out, &pkt, &PacketNote::default())
                        .expect("write");
                    assert!(!out.is_empty());
                    assert!(String::from_utf8(out).is_ok());
                }
            }
        }
    }
}
