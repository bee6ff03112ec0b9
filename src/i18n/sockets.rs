//! The strings of `portlens sockets`, `portlens who` and `explain`'s "on this machine now"
//! lines, per language. The Korean words are the lesson's (프로토콜, 로컬 주소, 외부 주소, 상태,
//! 포트 충돌, "Address already in use"). Sentences carry `{name}` placeholders for
//! [`super::fill`].

use crate::vocab::Language;

/// The strings of the socket commands in one language.
#[derive(Debug)]
pub struct SocketTexts {
    /// The language of this table.
    pub lang: Language,
    /// Column headings: protocol, state, local, peer, port, program, pid, user, recv-q,
    /// send-q, timer.
    pub columns: [&'static str; 11],
    /// "{n} sockets" summary line, with the source.
    pub summary: &'static str,
    /// The source words: netlink, /proc/net.
    pub source_netlink: &'static str,
    /// `/proc/net` source.
    pub source_proc: &'static str,
    /// Heading before the state legend.
    pub states: &'static str,
    /// Why no program: TIME_WAIT / kernel.
    pub unowned_kernel: &'static str,
    /// Why no program: another user's process.
    pub unowned_not_permitted: &'static str,
    /// Why no program: no visible process.
    pub unowned_no_process: &'static str,
    /// The footnote when other users' processes could not be read.
    pub need_sudo: &'static str,
    /// Time left on a timer: `{s}` seconds.
    pub left: &'static str,
    /// "ephemeral" beside a port class.
    pub ephemeral_short: &'static str,
    /// `who` heading: `{port}`, `{proto}`.
    pub who_title: &'static str,
    /// `who`: nothing holds the port.
    pub who_free: &'static str,
    /// `who`: a listener: `{program}`, `{pid}`, `{socket}`.
    pub who_listener: &'static str,
    /// `who`: a listener whose program is not known: `{socket}`, `{why}`.
    pub who_listener_unknown: &'static str,
    /// `who`: what to do about a listener: `{pid}`, `{free}`.
    pub who_listener_fix: &'static str,
    /// `who`: another port when the listener's program is not known: `{free}`.
    pub who_other_port: &'static str,
    /// `who`: a bound UDP socket: `{program}`, `{socket}`.
    pub who_udp_bound: &'static str,
    /// `who`: only TIME_WAIT: `{secs}`.
    pub who_time_wait: &'static str,
    /// `who`: connections but no listener: `{n}`.
    pub who_connections: &'static str,
    /// "On this machine now" heading (explain).
    pub now_title: &'static str,
    /// The socket table could not be read: `{why}`.
    pub cannot_read: &'static str,
}

impl SocketTexts {
    /// What a state means, in a few words.
    #[must_use]
    pub fn state_meaning(&self, state: &str) -> &'static str {
        state_meaning(matches!(self.lang, Language::Ko), state)
    }
}

const STATE_MEANINGS: &[(&str, &str, &str)] = &[
    ("LISTEN", "waits for connections", "연결을 기다리는 중"),
    ("ESTABLISHED", "an open connection", "연결됨"),
    ("SYN_SENT", "SYN sent, waiting for the answer", "SYN을 보내고 응답을 기다리는 중"),
    ("SYN_RECV", "SYN received, SYN,ACK sent", "SYN을 받고 SYN,ACK를 보냄"),
    ("NEW_SYN_RECV", "a connection being accepted (SYN,ACK sent)", "받아들이는 중인 연결 (SYN,ACK 보냄)"),
    ("FIN_WAIT1", "this side closed, waiting for the ACK", "이쪽이 먼저 닫고 ACK를 기다리는 중"),
    ("FIN_WAIT2", "this side closed, waiting for the peer's FIN", "이쪽이 먼저 닫고 상대의 FIN을 기다리는 중"),
    ("CLOSE_WAIT", "the peer closed; this program has not closed yet", "상대가 닫았고 이 프로그램은 아직 닫지 않음"),
    ("CLOSING", "both sides closed at once", "양쪽이 동시에 닫는 중"),
    ("LAST_ACK", "the peer closed first, this side's FIN waits for its ACK", "상대가 먼저 닫음, 이쪽 FIN의 ACK를 기다리는 중"),
    (
        "TIME_WAIT",
        "closed; the kernel holds the port 60 s so late packets are not taken for a new connection",
        "닫힘; 늦게 온 패킷이 새 연결로 오인되지 않도록 커널이 포트를 60초 동안 잡아 둠",
    ),
    ("CLOSE", "closed", "닫힘"),
    ("UNCONN", "UDP, bound, not connected: receives from anyone", "UDP, 포트에 묶였고 연결 없음: 누구에게서나 받음"),
    ("UNKNOWN", "a state this program does not know", "알 수 없는 상태"),
];

/// What a state (by its name) means, in English or Korean.
#[must_use]
pub fn state_meaning(ko: bool, state: &str) -> &'static str {
    STATE_MEANINGS
        .iter()
        .find(|(name, _, _)| *name == state)
        .map_or("", |(_, en, k)| if ko { k } else { en })
}

/// English.
pub static EN: SocketTexts = SocketTexts {
    lang: Language::En,
    columns: ["PROTO", "STATE", "LOCAL", "PEER", "PORT", "PROGRAM", "PID", "USER", "RECV-Q", "SEND-Q", "TIMER"],
    summary: "Sockets shown: {n}, from {source}",
    source_netlink: "the kernel's table (netlink sock_diag, as ss)",
    source_proc: "/proc/net/{tcp,tcp6,udp,udp6}",
    states: "States",
    unowned_kernel: "(kernel)",
    unowned_not_permitted: "(not permitted)",
    unowned_no_process: "(no process)",
    need_sudo: "{n} processes of other users could not be read: sockets marked (not permitted) need sudo to name their program",
    left: "{s} s left",
    ephemeral_short: "ephemeral",
    who_title: "Port {port}/{proto} on this machine now",
    who_free: "Nothing uses {port}/{proto}: the port is free.",
    who_listener: "bind() on {port}/{proto} fails with EADDRINUSE (\"Address already in use\"): {program} (pid {pid}) listens on {socket}.",
    who_listener_unknown: "bind() on {port}/{proto} fails with EADDRINUSE (\"Address already in use\"): a program listens on {socket} {why}.",
    who_listener_fix: "Stop that program (kill {pid}) or choose another port: {free} is free.",
    who_other_port: "Choose another port: {free} is free.",
    who_udp_bound: "bind() on {port}/udp fails with EADDRINUSE (\"Address already in use\"): {program} has bound {socket}.",
    who_time_wait: "Only TIME_WAIT sockets hold {port}/{proto}: the port frees itself within {secs} s. A server that sets SO_REUSEADDR binds it at once if the program that held it had set SO_REUSEADDR too (most servers do); otherwise bind() fails with EADDRINUSE until then.",
    who_connections: "No listener, but {n} connections still use {port}/{proto} as their local port: bind() fails with EADDRINUSE unless the new server and those sockets set SO_REUSEADDR.",
    now_title: "On this machine now",
    cannot_read: "The socket table could not be read: {why}",
};

/// Korean (the lesson's words).
pub static KO: SocketTexts = SocketTexts {
    lang: Language::Ko,
    columns: ["프로토콜", "상태", "로컬 주소", "외부 주소", "포트", "프로그램", "PID", "사용자", "수신 큐", "송신 큐", "타이머"],
    summary: "소켓 {n}개, 출처: {source}",
    source_netlink: "커널의 소켓 표 (netlink sock_diag, ss와 같음)",
    source_proc: "/proc/net/{tcp,tcp6,udp,udp6}",
    states: "상태",
    unowned_kernel: "(커널)",
    unowned_not_permitted: "(권한 없음)",
    unowned_no_process: "(프로세스 없음)",
    need_sudo: "다른 사용자의 프로세스 {n}개를 읽을 수 없음: (권한 없음) 표시된 소켓의 프로그램을 보려면 sudo가 필요",
    left: "{s}초 남음",
    ephemeral_short: "임시 포트",
    who_title: "지금 이 컴퓨터의 {port}/{proto} 포트",
    who_free: "{port}/{proto} 포트를 쓰는 것이 없음: 사용 가능한 포트.",
    who_listener: "포트 충돌: {port}/{proto}에 bind()하면 EADDRINUSE (\"Address already in use\") 오류: {program} (PID {pid})이(가) {socket}에서 연결을 기다리는 중.",
    who_listener_unknown: "포트 충돌: {port}/{proto}에 bind()하면 EADDRINUSE (\"Address already in use\") 오류: 어떤 프로그램이 {socket}에서 연결을 기다리는 중 {why}.",
    who_listener_fix: "그 프로그램을 종료하거나 (kill {pid}) 다른 포트를 사용: {free} 포트는 비어 있음.",
    who_other_port: "다른 포트를 사용: {free} 포트는 비어 있음.",
    who_udp_bound: "포트 충돌: {port}/udp에 bind()하면 EADDRINUSE (\"Address already in use\") 오류: {program}이(가) {socket}을(를) 사용 중.",
    who_time_wait: "{port}/{proto}는 TIME_WAIT 소켓만 잡고 있음: {secs}초 안에 저절로 풀림. 전에 이 포트를 쓴 프로그램도 SO_REUSEADDR 옵션을 썼다면(대부분의 서버) SO_REUSEADDR를 쓰는 서버는 지금 바로 bind()할 수 있고, 아니면 그때까지 EADDRINUSE로 실패.",
    who_connections: "연결을 기다리는 프로그램은 없지만 연결 {n}개가 아직 {port}/{proto}를 로컬 포트로 사용: 새 서버와 그 소켓들이 SO_REUSEADDR를 쓰지 않으면 bind()는 EADDRINUSE로 실패.",
    now_title: "지금 이 컴퓨터에서",
    cannot_read: "소켓 표를 읽을 수 없음: {why}",
};

/// The table of a language.
#[must_use]
pub const fn socket_texts(lang: Language) -> &'static SocketTexts {
    match lang {
        Language::En => &EN,
        Language::Ko => &KO,
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_a_meaning_in_both_languages() {
        for (name, en, ko) in STATE_MEANINGS {
            assert_eq!(state_meaning(false, name), *en);
            assert_eq!(state_meaning(true, name), *ko);
        }
        assert_eq!(EN.state_meaning("LISTEN"), "waits for connections");
        assert_eq!(KO.state_meaning("LISTEN"), "연결을 기다리는 중");
    }
}
