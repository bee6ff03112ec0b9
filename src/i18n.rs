//! Every user-facing teaching string of `--bits`, `explain` and `services`, in one place: a
//! [`Texts`] table of `&'static str` per language. Adding a language is adding one table and
//! one arm to [`texts`]; nothing else in the crate holds a teaching sentence.
//!
//! The Korean table uses the terms of the lesson portlens grew from (잘 알려진 포트, 등록된
//! 포트, 동적 포트, 소켓, 출발지/목적지 포트 …). Sentences with values carry `{name}`
//! placeholders that [`fill`] replaces, so word order can differ between languages.
//!
//! Korean text is twice as wide as Latin text on a terminal; [`width`] measures display
//! columns so that tables and diagrams line up in both languages.
//!
//! Arrows: `i18n → {model::fields, services, vocab}`; `render` and `teach` use it.

pub mod sockets;

use std::fmt::{self, Display, Write as _};

use crate::model::fields::FieldId;
use crate::services::{PortClass, Practice};
use crate::vocab::Language;

mod ko;

/// The words of the packet views (line, ladder), the reports (`--flows`, `--stats`) and the
/// error messages, keyed by their English text: `tr.s("refused")` is the English itself or
/// its Korean from the catalog in `i18n/ko.rs`. Sentences with values are templates for
/// [`fill`] (`tr.f("close {first}/4", …)`), so the Korean may order the words its own way.
/// `tests/korean.rs` reads the sources and fails when a key used with `.s(`/`.f(` has no
/// Korean.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tr(pub Language);

impl Tr {
    /// `en` in this language.
    #[must_use]
    #[inline]
    pub fn s(self, en: &'static str) -> &'static str {
        match self.0 {
            Language::En => en,
            Language::Ko => ko::words(en).unwrap_or(en),
        }
    }

    /// The template `en` in this language, with its `{placeholders}` filled.
    #[must_use]
    pub fn f(self, en: &'static str, args: &[(&str, &dyn Display)]) -> String {
        fill(self.s(en), args)
    }

    /// `client` or `server` in this language.
    #[must_use]
    pub fn side(self, client: bool) -> &'static str {
        self.s(if client { "client" } else { "server" })
    }
}

/// The Korean of an English key of [`Tr`], when the catalog has one.
#[must_use]
pub fn korean(en: &str) -> Option<&'static str> {
    ko::words(en)
}

/// All teaching strings of one language.
#[derive(Debug)]
pub struct Texts {
    /// The language of this table.
    pub lang: Language,
    // ---- --bits ----
    /// Label of the bit-number row.
    pub bit: &'static str,
    /// Label of the source-port row (short).
    pub src: &'static str,
    /// Label of the destination-port row (short).
    pub dst: &'static str,
    /// Label of the TCP flags row.
    pub flags: &'static str,
    /// Well-known class, short.
    pub well_known: &'static str,
    /// Registered class, short.
    pub registered: &'static str,
    /// Dynamic class, short.
    pub dynamic: &'static str,
    /// `{which}`: the port lies in the ephemeral range of these systems (`Linux, Windows`).
    pub ephemeral: &'static str,
    /// The flags were not captured.
    pub flags_not_captured: &'static str,

    // ---- --bits -v: header diagrams ----
    /// Caption of a TCP header diagram: `{len}` bytes, data offset `{off}`.
    pub tcp_caption: &'static str,
    /// Caption when the data offset was not captured.
    pub tcp_caption_unknown: &'static str,
    /// Caption when the data offset is below 5: `{off}`.
    pub tcp_caption_bad: &'static str,
    /// Caption of a UDP header diagram.
    pub udp_caption: &'static str,
    /// What the margins of a diagram show.
    pub diagram_legend: &'static str,
    /// Source Port.
    pub f_src_port: &'static str,
    /// Destination Port.
    pub f_dst_port: &'static str,
    /// Sequence Number.
    pub f_seq: &'static str,
    /// Acknowledgment Number.
    pub f_ack: &'static str,
    /// Data Offset.
    pub f_data_offset: &'static str,
    /// Reserved.
    pub f_reserved: &'static str,
    /// Window.
    pub f_window: &'static str,
    /// Checksum.
    pub f_checksum: &'static str,
    /// Urgent Pointer.
    pub f_urgent: &'static str,
    /// UDP Length.
    pub f_length: &'static str,
    /// Options.
    pub f_options: &'static str,
    /// `{a}–{b}`: the bytes of a field (`bytes 0–1`).
    pub bytes_range: &'static str,
    /// `{a}`: one byte (`byte 12`).
    pub byte_one: &'static str,
    /// `{n}`: a sequence or acknowledgment number relative to the first one.
    pub relative: &'static str,
    /// A field the capture did not reach.
    pub cut_value: &'static str,
    /// Where the capture stops: `{have}` of `{need}` header bytes, `{why}`.
    pub cut_here: &'static str,
    /// Why: snaplen kept `{caplen}` of `{len}` bytes.
    pub cut_by_snaplen: &'static str,
    /// Why: a length field says the packet ends there.
    pub cut_by_packet: &'static str,
    /// Note under a TCP diagram about bytes 12 and 13.
    pub byte12_note: &'static str,
    /// Where the TCP diagram's bits come from (RFC 793, 3168, 9768).
    pub tcp_history_note: &'static str,
    /// `{ports}` (`443 = 01 bb`): a port travels high byte first (network byte order).
    pub byte_order_note: &'static str,
    /// UDP source port 0.
    pub udp_src_zero: &'static str,
    /// UDP checksum 0.
    pub udp_checksum_zero: &'static str,
    /// `{n}` bytes of data follow the header.
    pub data_follows: &'static str,
    /// An option whose length byte is invalid.
    pub option_malformed: &'static str,

    // ---- explain ----
    /// Card title of a port: `{port}`.
    pub port_title: &'static str,
    /// Card title of a socket: `{socket}`.
    pub socket_title: &'static str,
    /// Label: binary.
    pub binary: &'static str,
    /// After the binary digits.
    pub binary_note: &'static str,
    /// Label: hexadecimal.
    pub hex: &'static str,
    /// Label: the two bytes.
    pub bytes: &'static str,
    /// `{hb}` `{hx}` `{h}` `{lb}` `{lx}` `{l}`: the high and low byte.
    pub high_low: &'static str,
    /// Label: the bytes as they travel.
    pub wire: &'static str,
    /// After the bytes on the wire.
    pub wire_note: &'static str,
    /// Label: the sum of the 1-bits.
    pub ones: &'static str,
    /// When no bit is 1.
    pub ones_none: &'static str,
    /// Label: the class.
    pub class: &'static str,
    /// Long class names with ranges.
    pub well_known_long: &'static str,
    /// Registered, long.
    pub registered_long: &'static str,
    /// Dynamic, long.
    pub dynamic_long: &'static str,
    /// What well-known ports are (one line each).
    pub well_known_meaning: &'static [&'static str],
    /// What registered ports are.
    pub registered_meaning: &'static [&'static str],
    /// What dynamic ports are.
    pub dynamic_meaning: &'static [&'static str],
    /// Port 0.
    pub port_zero: &'static str,
    /// Binding port 0 needs no privilege.
    pub bind_zero: &'static str,
    /// Label: facts of this machine.
    pub this_host: &'static str,
    /// `{start}` `{port}`: binding needs privileges here.
    pub bind_needs_root: &'static str,
    /// `{start}` `{port}`: any user may bind here.
    pub bind_free: &'static str,
    /// The setting could not be read.
    pub bind_unknown: &'static str,
    /// Label: the ephemeral ranges.
    pub ranges: &'static str,
    /// Linux range read from this machine.
    pub linux_here: &'static str,
    /// Linux default range (nothing readable).
    pub linux_default: &'static str,
    /// The IANA / Windows range.
    pub iana_windows: &'static str,
    /// `{port}` inside a range.
    pub inside: &'static str,
    /// `{port}` outside a range.
    pub outside: &'static str,
    /// How the OS uses the range.
    pub ranges_note: &'static str,
    /// Label: the IANA registry.
    pub iana: &'static str,
    /// IANA lists the port as Reserved: `{text}` is IANA's word.
    pub status_reserved: &'static str,
    /// IANA lists the port as Unassigned.
    pub status_unassigned: &'static str,
    /// The port is in the dynamic range, which IANA never assigns.
    pub status_dynamic: &'static str,
    /// IANA lists the port without a service name: `{text}` are IANA's words.
    pub status_unnamed: &'static str,
    /// Label: everyday practice.
    pub practice: &'static str,
    /// `{iana}` `{name}`: the registry and practice differ.
    pub practice_differs: &'static str,
    /// Label: IP address.
    pub ip_address: &'static str,
    /// Label: port number.
    pub port_number: &'static str,
    /// What the IP address answers.
    pub which_machine: &'static str,
    /// What the port answers.
    pub which_program: &'static str,
    /// Label: the analogy.
    pub analogy_label: &'static str,
    /// The apartment analogy.
    pub analogy: &'static str,
    /// Label: socket.
    pub socket: &'static str,
    /// What a socket is.
    pub socket_meaning: &'static str,
    /// Label: role.
    pub role: &'static str,
    /// `{ranges}`: a port in an ephemeral range, with no IANA name.
    pub role_client: &'static str,
    /// `{ranges}` `{name}`: a port in an ephemeral range that IANA also assigns.
    pub role_either: &'static str,
    /// `{name}`: a named port outside every ephemeral range.
    pub role_server_named: &'static str,
    /// An unnamed port outside every ephemeral range.
    pub role_server: &'static str,
    /// How to know for sure.
    pub role_how: &'static str,
    /// Port 0 in a socket.
    pub role_zero: &'static str,
    /// Kinds of addresses.
    pub ip_unspecified: &'static str,
    /// Loopback.
    pub ip_loopback: &'static str,
    /// RFC 1918 / ULA.
    pub ip_private: &'static str,
    /// Link-local.
    pub ip_link_local: &'static str,
    /// RFC 6598.
    pub ip_shared: &'static str,
    /// Documentation ranges.
    pub ip_documentation: &'static str,
    /// Multicast.
    pub ip_multicast: &'static str,
    /// Limited broadcast.
    pub ip_broadcast: &'static str,
    /// IPv4-mapped IPv6.
    pub ip_mapped: &'static str,
    /// Anything else.
    pub ip_global: &'static str,

    // ---- services ----
    /// Column headers of the services table.
    pub col_port: &'static str,
    /// IANA name column.
    pub col_iana: &'static str,
    /// Practice name column.
    pub col_practice: &'static str,
    /// Class column.
    pub col_class: &'static str,
    /// Description column.
    pub col_description: &'static str,
}

impl Texts {
    /// A port class, short (`well-known`, `잘 알려진 포트`).
    #[must_use]
    pub const fn class_short(&self, c: PortClass) -> &'static str {
        match c {
            PortClass::WellKnown => self.well_known,
            PortClass::Registered => self.registered,
            PortClass::Dynamic => self.dynamic,
        }
    }

    /// A port class, long, with its range.
    #[must_use]
    pub const fn class_long(&self, c: PortClass) -> &'static str {
        match c {
            PortClass::WellKnown => self.well_known_long,
            PortClass::Registered => self.registered_long,
            PortClass::Dynamic => self.dynamic_long,
        }
    }

    /// What a class means, one sentence per line.
    #[must_use]
    pub const fn class_meaning(&self, c: PortClass) -> &'static [&'static str] {
        match c {
            PortClass::WellKnown => self.well_known_meaning,
            PortClass::Registered => self.registered_meaning,
            PortClass::Dynamic => self.dynamic_meaning,
        }
    }

    /// The description of an everyday-practice entry in this language (English when the
    /// service table has none in it).
    #[must_use]
    pub const fn practice_desc(&self, p: &Practice) -> &'static str {
        match self.lang {
            Language::Ko => p.ko,
            Language::En => p.en,
        }
    }

    /// The everyday name of a practice entry in this language: a product or protocol name
    /// stays as it is (`MySQL`, `HTTPS-Alt`); a description used as a name is translated.
    #[must_use]
    pub fn practice_name(&self, p: &Practice) -> &'static str {
        match (self.lang, p.name) {
            (Language::Ko, "Dev web server") => "개발용 웹 서버",
            (_, name) => name,
        }
    }

    /// The name of a header field in diagrams (flags use their protocol abbreviation).
    #[must_use]
    pub const fn field(&self, id: FieldId) -> &'static str {
        match id {
            FieldId::SrcPort => self.f_src_port,
            FieldId::DstPort => self.f_dst_port,
            FieldId::Seq => self.f_seq,
            FieldId::Ack => self.f_ack,
            FieldId::DataOffset => self.f_data_offset,
            FieldId::Reserved => self.f_reserved,
            FieldId::Window => self.f_window,
            FieldId::Checksum => self.f_checksum,
            FieldId::Urgent => self.f_urgent,
            FieldId::Length => self.f_length,
            FieldId::Ae => "AE",
            FieldId::Cwr => "CWR",
            FieldId::Ece => "ECE",
            FieldId::Urg => "URG",
            FieldId::AckFlag => "ACK",
            FieldId::Psh => "PSH",
            FieldId::Rst => "RST",
            FieldId::Syn => "SYN",
            FieldId::Fin => "FIN",
        }
    }
}

/// The table for a language.
#[must_use]
pub const fn texts(lang: Language) -> &'static Texts {
    match lang {
        Language::En => &EN,
        Language::Ko => &KO,
    }
}

/// English (the default).
pub static EN: Texts = Texts {
    lang: Language::En,
    bit: "bit",
    src: "src",
    dst: "dst",
    flags: "flags",
    well_known: "well-known",
    registered: "registered",
    dynamic: "dynamic",
    ephemeral: "ephemeral ({which})",
    flags_not_captured: "(not captured: the capture ends before byte 13 of the TCP header)",

    tcp_caption: "TCP header (RFC 9293; AE bit: RFC 9768): {len} bytes = data offset {off} × 4",
    tcp_caption_unknown: "TCP header (RFC 9293; AE bit: RFC 9768): at least 20 bytes (the data offset was not captured)",
    tcp_caption_bad: "TCP header (RFC 9293; AE bit: RFC 9768): data offset {off} is below 5, an invalid header; the fixed 20 bytes are drawn",
    udp_caption: "UDP header (RFC 768): 8 bytes",
    diagram_legend: "left: byte offsets · top: bit numbers · right: the raw bytes in hex",
    f_src_port: "Source Port",
    f_dst_port: "Destination Port",
    f_seq: "Sequence Number",
    f_ack: "Acknowledgment Number",
    f_data_offset: "Data Offset",
    f_reserved: "Rsrvd",
    f_window: "Window",
    f_checksum: "Checksum",
    f_urgent: "Urgent Pointer",
    f_length: "Length",
    f_options: "Options",
    bytes_range: "bytes {a}–{b}",
    byte_one: "byte {a}",
    relative: "relative {n}",
    cut_value: "cut",
    cut_here: "the capture stops here: {have} of the {need} header bytes were captured ({why})",
    cut_by_snaplen: "the capture kept {caplen} of the frame's {len} bytes",
    cut_by_packet: "the packet itself ends there",
    byte12_note: "byte 12 = data offset (high 4 bits), reserved (3 bits), AE; byte 13 = CWR ECE URG ACK PSH RST SYN FIN",
    tcp_history_note: "RFC 793 (1981) drew 6 reserved bits and 6 flags (URG ACK PSH RST SYN FIN); RFC 3168 took two reserved bits for ECN (CWR, ECE), RFC 9768 a third for AE (accurate ECN)",
    byte_order_note: "on the wire a port is sent high byte first (network byte order, big-endian): {ports}",
    udp_src_zero: "source port 0: optional in UDP (RFC 768): the sender expects no reply",
    udp_checksum_zero: "checksum 0: not computed by the sender (allowed over IPv4, RFC 768; over IPv6 only for tunnels, RFC 6935)",
    data_follows: "{n} bytes of data follow the header",
    option_malformed: "malformed option",

    port_title: "port {port}",
    socket_title: "socket {socket}",
    binary: "binary",
    binary_note: "(16 bits: a port is 0–65535)",
    hex: "hex",
    bytes: "bytes",
    high_low: "high byte {hb} = {hx} = {h} · low byte {lb} = {lx} = {l}",
    wire: "on the wire",
    wire_note: "(high byte first: network byte order, as in the TCP/UDP header)",
    ones: "1-bits",
    ones_none: "none: every bit is 0",
    class: "class",
    well_known_long: "well-known port (0–1023), also called a system port",
    registered_long: "registered port (1024–49151), also called a user port",
    dynamic_long: "dynamic / private port (49152–65535), also called an ephemeral port",
    well_known_meaning: &[
        "IANA (the Internet Assigned Numbers Authority) assigns these to well-known services and protocols.",
        "On Unix, binding a port below 1024 needs root or the CAP_NET_BIND_SERVICE capability.",
    ],
    registered_meaning: &[
        "IANA registers these for specific services and applications, on request.",
        "Any user may use them (no special privileges needed).",
    ],
    dynamic_meaning: &[
        "IANA never assigns these: they are not registered to any service.",
        "The operating system hands them to clients automatically when they connect to a server.",
    ],
    port_zero: "IANA lists port 0 as Reserved: no packet should carry it. A program that binds port 0 asks the OS for any free ephemeral port, and gets one from the ephemeral range.",
    bind_zero: "binding port 0 needs no privilege: the kernel picks a free port from net.ipv4.ip_local_port_range",
    this_host: "this machine",
    bind_needs_root: "net.ipv4.ip_unprivileged_port_start = {start}: binding port {port} needs root or CAP_NET_BIND_SERVICE",
    bind_free: "net.ipv4.ip_unprivileged_port_start = {start}: any user may bind port {port}",
    bind_unknown: "net.ipv4.ip_unprivileged_port_start is not readable here (Linux's default is 1024)",
    ranges: "ephemeral",
    linux_here: "Linux, this machine (net.ipv4.ip_local_port_range)",
    linux_default: "Linux default (net.ipv4.ip_local_port_range not readable here)",
    iana_windows: "IANA / Windows",
    inside: "{port} is inside",
    outside: "{port} is outside",
    ranges_note: "When a client connects, the OS picks a free port from its range; it is given back when the connection ends.",
    iana: "IANA",
    status_reserved: "{text}: IANA keeps it back and assigns it to no service",
    status_unassigned: "Unassigned (free for IANA to assign)",
    status_dynamic: "not assigned: the dynamic range, which IANA never assigns",
    status_unnamed: "no service name; IANA: {text}",
    practice: "in practice",
    practice_differs: "IANA's name is {iana}; everyday use calls it {name}",
    ip_address: "IP address",
    port_number: "port",
    which_machine: "which machine?",
    which_program: "which program on that machine?",
    analogy_label: "like",
    analogy: "a postal address: IP address = the apartment building (e.g. 123-456), port = the unit number (e.g. 101, 202)",
    socket: "socket",
    socket_meaning: "IP address + port: one end of a conversation (an endpoint)",
    role: "role",
    role_client: "in the ephemeral range of {ranges}: most likely a client's end, picked by the OS for one connection",
    role_either: "in the ephemeral range of {ranges}, and IANA assigns it to {name}: a client's ephemeral port or a server listening on it",
    role_server_named: "fixed port of {name}, outside every ephemeral range: most likely a server's end, listening for clients",
    role_server: "outside every ephemeral range: most likely a server's end (a port chosen by hand), listening for clients",
    role_how: "only the connection tells for sure: the side that sent the SYN is the client (portlens -r FILE --flows)",
    role_zero: "port 0: not a real endpoint (binding port 0 means 'let the OS choose')",
    ip_unspecified: "unspecified address (any / not yet known)",
    ip_loopback: "loopback: this machine itself",
    ip_private: "private network",
    ip_link_local: "link-local: only valid on the local link",
    ip_shared: "shared address space for carrier-grade NAT (RFC 6598)",
    ip_documentation: "documentation example address",
    ip_multicast: "multicast: a group of machines, not one",
    ip_broadcast: "broadcast: every machine on the local network",
    ip_mapped: "an IPv4 address written as IPv6",
    ip_global: "public (global) address",

    col_port: "PORT",
    col_iana: "IANA NAME",
    col_practice: "IN PRACTICE",
    col_class: "CLASS",
    col_description: "DESCRIPTION",
};

/// Korean (한국어), in the lesson's terms.
pub static KO: Texts = Texts {
    lang: Language::Ko,
    bit: "비트",
    src: "출발지",
    dst: "목적지",
    flags: "플래그",
    well_known: "잘 알려진 포트",
    registered: "등록된 포트",
    dynamic: "동적 포트",
    ephemeral: "임시 포트 범위 ({which})",
    flags_not_captured: "(캡처되지 않음: TCP 헤더 13번 바이트 전에 캡처가 끝남)",

    tcp_caption: "TCP 헤더 (RFC 9293; AE 비트: RFC 9768): {len}바이트 = 헤더 길이 {off} × 4",
    tcp_caption_unknown: "TCP 헤더 (RFC 9293; AE 비트: RFC 9768): 최소 20바이트 (헤더 길이 필드가 캡처되지 않음)",
    tcp_caption_bad: "TCP 헤더 (RFC 9293; AE 비트: RFC 9768): 헤더 길이 {off}은(는) 5보다 작아 잘못된 헤더; 고정 20바이트만 그림",
    udp_caption: "UDP 헤더 (RFC 768): 8바이트",
    diagram_legend: "왼쪽: 바이트 위치 · 위: 비트 번호 · 오른쪽: 실제 바이트 (16진수)",
    f_src_port: "출발지 포트",
    f_dst_port: "목적지 포트",
    f_seq: "순서 번호",
    f_ack: "확인 응답 번호",
    f_data_offset: "헤더 길이",
    f_reserved: "예약",
    f_window: "윈도우 크기",
    f_checksum: "체크섬",
    f_urgent: "긴급 포인터",
    f_length: "길이",
    f_options: "옵션",
    bytes_range: "바이트 {a}–{b}",
    byte_one: "바이트 {a}",
    relative: "상대 {n}",
    cut_value: "잘림",
    cut_here: "캡처가 여기서 끝남: 헤더 {need}바이트 중 {have}바이트만 캡처됨 ({why})",
    cut_by_snaplen: "프레임 {len}바이트 중 {caplen}바이트만 저장됨",
    cut_by_packet: "패킷 자체가 여기서 끝남",
    byte12_note: "바이트 12 = 헤더 길이 (상위 4비트), 예약 (3비트), AE; 바이트 13 = CWR ECE URG ACK PSH RST SYN FIN",
    tcp_history_note: "RFC 793 (1981)에서는 예약 6비트와 플래그 6비트(URG ACK PSH RST SYN FIN)였고, RFC 3168이 예약 비트 두 개를 ECN용(CWR, ECE)으로, RFC 9768이 하나를 더 AE(정확한 ECN)로 가져왔습니다",
    byte_order_note: "포트 번호는 상위 바이트부터 전송됩니다 (네트워크 바이트 순서, 빅 엔디언): {ports}",
    udp_src_zero: "출발지 포트 0: UDP에서 출발지 포트는 선택 사항 (RFC 768): 보내는 쪽이 응답을 기대하지 않음",
    udp_checksum_zero: "체크섬 0: 보내는 쪽이 계산하지 않음 (IPv4에서는 허용, RFC 768; IPv6에서는 터널에서만, RFC 6935)",
    data_follows: "헤더 뒤에 데이터 {n}바이트",
    option_malformed: "잘못된 옵션",

    port_title: "포트 {port}",
    socket_title: "소켓 {socket}",
    binary: "2진수",
    binary_note: "(16비트: 포트 번호는 0 ~ 65535)",
    hex: "16진수",
    bytes: "바이트",
    high_low: "상위 바이트 {hb} = {hx} = {h} · 하위 바이트 {lb} = {lx} = {l}",
    wire: "전송 순서",
    wire_note: "(상위 바이트 먼저: TCP/UDP 헤더에 실리는 네트워크 바이트 순서)",
    ones: "1인 비트",
    ones_none: "없음: 모든 비트가 0",
    class: "분류",
    well_known_long: "잘 알려진 포트 (Well-Known Port, 0 ~ 1023), 시스템 포트라고도 함",
    registered_long: "등록된 포트 (Registered Port, 1024 ~ 49151), 사용자 포트(User Port)라고도 함",
    dynamic_long: "동적 포트 (Dynamic/Private Port, 49152 ~ 65535), 임시 포트(Ephemeral Port)라고도 함",
    well_known_meaning: &[
        "IANA (Internet Assigned Numbers Authority)가 관리하며, 잘 알려진 서비스/프로토콜에 할당합니다.",
        "Unix/Linux에서 1024 미만 포트를 열려면(bind) 관리자 권한(root) 또는 CAP_NET_BIND_SERVICE가 필요합니다.",
    ],
    registered_meaning: &[
        "IANA에 등록된 포트로, 특정 서비스나 애플리케이션이 사용합니다.",
        "일반 사용자도 사용 가능합니다 (특별한 권한 불필요).",
    ],
    dynamic_meaning: &[
        "IANA에 등록되지 않는 포트입니다.",
        "클라이언트가 서버에 연결할 때 운영체제가 자동으로 할당하고 관리합니다.",
    ],
    port_zero: "IANA는 포트 0을 예약(Reserved)해 두었으므로 패킷에 실리면 안 됩니다. 프로그램이 포트 0으로 bind하면 운영체제가 임시 포트 범위에서 빈 포트를 골라 줍니다.",
    bind_zero: "포트 0으로 bind하는 데는 권한이 필요 없음: 커널이 net.ipv4.ip_local_port_range에서 빈 포트를 골라 줌",
    this_host: "이 컴퓨터",
    bind_needs_root: "net.ipv4.ip_unprivileged_port_start = {start}: {port}번 포트를 열려면 관리자 권한(root) 또는 CAP_NET_BIND_SERVICE 필요",
    bind_free: "net.ipv4.ip_unprivileged_port_start = {start}: {port}번 포트는 일반 사용자도 열 수 있음",
    bind_unknown: "net.ipv4.ip_unprivileged_port_start를 읽을 수 없음 (Linux 기본값은 1024)",
    ranges: "동적 포트 범위",
    linux_here: "Linux, 이 컴퓨터 (net.ipv4.ip_local_port_range)",
    linux_default: "Linux 기본값 (net.ipv4.ip_local_port_range를 읽을 수 없음)",
    iana_windows: "IANA / Windows",
    inside: "{port}번은 범위 안",
    outside: "{port}번은 범위 밖",
    ranges_note: "클라이언트가 연결할 때 운영체제가 이 범위에서 빈 포트를 골라 할당하고, 연결이 끝나면 반환합니다.",
    iana: "IANA 등록",
    status_reserved: "예약됨 (IANA 표기: {text}): 어떤 서비스에도 할당하지 않는 포트",
    status_unassigned: "미할당 (IANA가 아직 아무 서비스에도 할당하지 않음)",
    status_dynamic: "할당 없음: IANA가 할당하지 않는 동적 포트 범위",
    status_unnamed: "서비스 이름 없음; IANA 표기: {text}",
    practice: "실제 사용",
    practice_differs: "IANA 이름은 {iana}, 실무에서는 {name}(으)로 부름",
    ip_address: "IP 주소",
    port_number: "포트 번호",
    which_machine: "어떤 컴퓨터인가?",
    which_program: "컴퓨터 안의 어떤 프로그램인가?",
    analogy_label: "비유",
    analogy: "IP 주소 = 아파트 주소 (예: 123-456번지), 포트 번호 = 호수 (예: 101호, 202호)",
    socket: "소켓",
    socket_meaning: "IP 주소 + 포트 번호의 조합: 네트워크 통신의 종단점 (Endpoint)",
    role: "역할",
    role_client: "{ranges}의 임시 포트 범위 안: 클라이언트 쪽일 가능성이 큼 (운영체제가 연결 하나를 위해 자동 할당)",
    role_either: "{ranges}의 임시 포트 범위 안이면서 IANA가 {name}에 할당한 포트: 클라이언트의 임시 포트일 수도, 이 포트로 기다리는 서버일 수도 있음",
    role_server_named: "{name}의 고정 포트, 어느 임시 포트 범위에도 들지 않음: 서버 쪽일 가능성이 큼 (클라이언트를 기다림)",
    role_server: "어느 임시 포트 범위에도 들지 않음: 서버 쪽일 가능성이 큼 (직접 정한 포트로 클라이언트를 기다림)",
    role_how: "확실한 것은 연결을 보아야 압니다: SYN을 보낸 쪽이 클라이언트 (portlens -r 파일 --flows)",
    role_zero: "포트 0: 실제 종단점이 아님 (포트 0으로 bind = 운영체제가 골라 줌)",
    ip_unspecified: "지정되지 않은 주소 (모든 주소 / 아직 모름)",
    ip_loopback: "루프백: 이 컴퓨터 자신",
    ip_private: "사설 네트워크",
    ip_link_local: "링크 로컬: 같은 링크 안에서만 유효",
    ip_shared: "통신사 NAT용 공유 주소 (RFC 6598)",
    ip_documentation: "문서용 예시 주소",
    ip_multicast: "멀티캐스트: 한 대가 아닌 여러 컴퓨터의 그룹",
    ip_broadcast: "브로드캐스트: 로컬 네트워크의 모든 컴퓨터",
    ip_mapped: "IPv6로 표기한 IPv4 주소",
    ip_global: "공인 (글로벌) 주소",

    col_port: "포트",
    col_iana: "IANA 이름",
    col_practice: "실제 이름",
    col_class: "분류",
    col_description: "설명",
};

/// Replaces each `{key}` in `template` by its value; unknown placeholders stay as written.
///
/// ```
/// use portlens::i18n::fill;
/// assert_eq!(fill("port {port}", &[("port", &443)]), "port 443");
/// assert_eq!(fill("{a}–{b} {c}", &[("a", &0), ("b", &1)]), "0–1 {c}");
/// ```
#[must_use]
pub fn fill(template: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let (before, after) = rest.split_at(open);
        out.push_str(before);
        let key_end = after.find('}');
        let key = key_end.and_then(|e| after.get(1..e));
        match (key, key_end) {
            (Some(k), Some(e)) => {
                match args.iter().find(|(name, _)| *name == k) {
                    Some((_, v)) => {
                        let _ = write!(out, "{v}");
                    }
                    None => out.push_str(after.get(..=e).unwrap_or("")),
                }
                rest = after.get(e + 1..).unwrap_or("");
            }
            _ => {
                out.push_str(after);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Terminal columns a character takes: 2 for Hangul and CJK (East Asian wide), 0 for
/// combining marks and zero-width characters, 1 otherwise.
#[must_use]
pub fn char_width(c: char) -> usize {
    let u = u32::from(c);
    match u {
        0x0300..=0x036F | 0x200B..=0x200F | 0xFE00..=0xFE0F | 0x1160..=0x11FF => 0,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

/// Terminal columns `s` takes (see [`char_width`]).
///
/// ```
/// use portlens::i18n::width;
/// assert_eq!(width("src"), 3);
/// assert_eq!(width("출발지"), 6);
/// assert_eq!(width("0–1"), 3);
/// ```
#[must_use]
pub fn width(s: &str) -> usize {
    // Every ASCII character is one column (`char_width`): most labels need no decoding.
    if s.is_ascii() {
        return s.len();
    }
    s.chars().map(char_width).sum()
}

/// `s` followed by spaces up to `cols` display columns (never truncates).
pub struct PadRight<'a>(pub &'a str, pub usize);

impl Display for PadRight<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)?;
        for _ in width(self.0)..self.1 {
            f.write_char(' ')?;
        }
        Ok(())
    }
}

/// Spaces up to `cols` display columns, then `s` (never truncates).
pub struct PadLeft<'a>(pub &'a str, pub usize);

impl Display for PadLeft<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for _ in width(self.0)..self.1 {
            f.write_char(' ')?;
        }
        f.write_str(self.0)
    }
}

/// `s` centred in `cols` display columns (extra space goes right); `s` itself is never cut.
#[must_use]
pub fn center(s: &str, cols: usize) -> String {
    let w = width(s);
    let left = cols.saturating_sub(w) / 2;
    let right = cols.saturating_sub(w).saturating_sub(left);
    let mut out = String::with_capacity(s.len() + cols);
    out.extend(std::iter::repeat_n(' ', left));
    out.push_str(s);
    out.extend(std::iter::repeat_n(' ', right));
    out
}

/// The longest prefix of `s` that fits `cols` display columns, with `…` when cut.
#[must_use]
pub fn clip(s: &str, cols: usize) -> String {
    if width(s) <= cols {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = char_width(c);
        if w + cw + 1 > cols {
            break;
        }
        out.push(c);
        w += cw;
    }
    if cols > 0 {
        out.push('…');
    }
    out
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_known_keys_only() {
        assert_eq!(fill("{port}번", &[("port", &80)]), "80번");
        assert_eq!(fill("no keys", &[]), "no keys");
        assert_eq!(fill("{x", &[("x", &1)]), "{x");
        assert_eq!(fill("{}{y}", &[("y", &"Y")]), "{}Y");
        assert_eq!(fill("{a}{a}", &[("a", &7)]), "77");
    }

    #[test]
    fn widths_count_hangul_twice() {
        assert_eq!(width("비트"), 4);
        assert_eq!(width("IP 주소"), 7);
        assert_eq!(PadRight("출발지", 8).to_string(), "출발지  ");
        assert_eq!(PadLeft("ab", 4).to_string(), "  ab");
        assert_eq!(center("ab", 5), " ab  ");
        assert_eq!(center("toolong", 3), "toolong");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("ab", 4), "ab");
        assert_eq!(width(&clip("가나다라", 5)), 5);
    }

    #[test]
    fn every_language_fills_every_string() {
        for t in [&EN, &KO] {
            for c in [
                PortClass::WellKnown,
                PortClass::Registered,
                PortClass::Dynamic,
            ] {
                assert!(!t.class_short(c).is_empty());
                assert!(!t.class_long(c).is_empty());
                assert!(!t.class_meaning(c).is_empty());
            }
            assert!(t.tcp_caption.contains("{len}") && t.tcp_caption.contains("{off}"));
            assert!(
                t.cut_here.contains("{have}")
                    && t.cut_here.contains("{need}")
                    && t.cut_here.contains("{why}")
            );
            assert!(t.bind_needs_root.contains("{start}") && t.bind_needs_root.contains("{port}"));
            assert!(t.high_low.contains("{hb}") && t.high_low.contains("{l}"));
        }
    }

    #[test]
    fn korean_uses_the_lessons_terms() {
        assert_eq!(KO.well_known, "잘 알려진 포트");
        assert_eq!(KO.registered, "등록된 포트");
        assert_eq!(KO.dynamic, "동적 포트");
        assert_eq!(KO.socket, "소켓");
        assert_eq!(KO.f_src_port, "출발지 포트");
        assert_eq!(KO.f_dst_port, "목적지 포트");
    }
}
