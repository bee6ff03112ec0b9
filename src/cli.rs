//! The command line, as clap definitions only: help text, shell completions and the man page
//! are all generated from these. Flag letters follow tcpdump wherever tcpdump has the flag.

use clap::{ArgAction, Parser, Subcommand, ValueEnum};

/// `--color`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is not set.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// `--lang`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    /// English.
    En,
    /// Korean (한국어).
    Ko,
}

/// `sockets --source`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum SocketSource {
    /// netlink sock_diag, and /proc/net where netlink cannot be used.
    #[default]
    Auto,
    /// netlink sock_diag only (what ss uses).
    Netlink,
    /// /proc/net/{tcp,tcp6,udp,udp6} only.
    Proc,
}

/// Shells for `--completions`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
    /// Elvish.
    Elvish,
    /// PowerShell.
    Powershell,
}

/// portlens — which program on which machine talks to which, through which ports, and how far
/// did the TCP conversation get.
#[derive(Debug, Parser)]
#[command(
    name = "portlens",
    version,
    about = "Packet header decoder and sniffer that explains ports, sockets and TCP connections",
    long_about = "portlens reads a live interface (-i, needs root or CAP_NET_RAW) or pcap/pcapng files (-r) \
                  and prints every packet's ports, sockets and TCP flags; --bits shows port numbers bit by bit, \
                  --ladder and --flows show how far each TCP connection got, --json prints JSON Lines.\n\n\
                  Trailing arguments form a BPF filter expression, as in tcpdump: portlens -r f.pcap tcp port 80",
    after_help = "Examples:\n  sudo portlens -i eth0 'tcp port 443'\n  portlens -r capture.pcap --flows\n  \
                  portlens -r lesson.pcap --bits\n  portlens explain 443 52341 192.168.1.10:52341\n  \
                  portlens services mysql\n  portlens -r capture.pcap --json | jq .\n\n\
                  Exit status: 0 done, 1 runtime error (file, interface, filter, truncated capture), 2 usage error."
)]
pub struct Args {
    /// Subcommands (explain, services, sockets, who).
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Capture live on this interface ("any" for all); without -i and -r, the first up, non-loopback one.
    #[arg(short = 'i', long = "interface", value_name = "IFACE", help_heading = "Capture")]
    pub interface: Option<String>,

    /// List the interfaces portlens can capture on, with flags and addresses.
    #[arg(short = 'D', long = "list-interfaces", help_heading = "Capture")]
    pub list_interfaces: bool,

    /// Read packets from a pcap or pcapng file ("-" = stdin); repeat to read several files in turn.
    #[arg(short = 'r', long = "read", value_name = "FILE", action = ArgAction::Append, help_heading = "Capture")]
    pub read: Vec<String>,

    /// Write the (filtered) packets, unmodified, to a pcap file ("-" = stdout; a name ending in .pcapng writes pcapng).
    #[arg(short = 'w', long = "write", value_name = "FILE", help_heading = "Capture")]
    pub write: Option<String>,

    /// Also print the line view with -w, --flows or --stats (which alone print no per-packet lines).
    #[arg(long = "print", help_heading = "Capture")]
    pub print: bool,

    /// With -w, flush the file after every packet.
    #[arg(short = 'U', long = "packet-buffered", help_heading = "Capture")]
    pub packet_buffered: bool,

    /// Read the filter expression from FILE (instead of trailing arguments).
    #[arg(short = 'F', value_name = "FILE", help_heading = "Capture")]
    pub filter_file: Option<String>,

    /// Stop after N packets (after filtering).
    #[arg(short = 'c', value_name = "N", help_heading = "Capture")]
    pub count: Option<u64>,

    /// Snapshot length for live capture: bytes kept of each packet (0 = 262144).
    #[arg(short = 's', long = "snapshot-length", value_name = "SNAPLEN", default_value_t = 262_144, help_heading = "Capture")]
    pub snaplen: u32,

    /// Do not put the interface into promiscuous mode.
    #[arg(short = 'p', long = "no-promiscuous-mode", help_heading = "Capture")]
    pub no_promisc: bool,

    /// Kernel capture buffer size in KiB.
    #[arg(short = 'B', long = "buffer-size", value_name = "KiB", help_heading = "Capture")]
    pub buffer_kib: Option<u32>,

    /// Deliver packets as they arrive (default: on when stdout is a terminal).
    #[arg(long = "immediate", help_heading = "Capture")]
    pub immediate: bool,

    /// Line-buffered output (flush after every packet), e.g. to pipe into grep.
    #[arg(short = 'l', help_heading = "Capture")]
    pub line_buffered: bool,

    /// Drop root privileges to USER right after the capture (and any -w file) is opened.
    #[arg(short = 'Z', long = "relinquish-privileges", value_name = "USER", help_heading = "Capture")]
    pub user: Option<String>,

    /// Keep running as root after opening the capture (no privilege drop, no sandbox).
    #[arg(long = "keep-root", help_heading = "Capture")]
    pub keep_root: bool,

    /// Do not sandbox a live capture after opening it. By default the filesystem becomes read-only
    /// (Landlock) and exec, new sockets, ptrace, mounts and uid changes are refused (seccomp).
    #[arg(long = "no-sandbox", help_heading = "Capture")]
    pub no_sandbox: bool,

    /// portlens never looks names up in DNS; -nn also hides service names.
    #[arg(short = 'n', action = ArgAction::Count, help_heading = "Output")]
    pub numeric: u8,

    /// Timestamps: -t none, -tt epoch seconds, -ttt delta to previous, -tttt date and time, -ttttt since first.
    #[arg(short = 't', action = ArgAction::Count, help_heading = "Output")]
    pub timestamps: u8,

    /// Print nanoseconds where the capture has them.
    #[arg(long = "nano", help_heading = "Output")]
    pub nano: bool,

    /// Print the link-layer header (MACs, VLAN tags, cooked-capture fields).
    #[arg(short = 'e', help_heading = "Output")]
    pub link_header: bool,

    /// Hex dump of each packet from the network header (-xx: whole frame).
    #[arg(short = 'x', action = ArgAction::Count, help_heading = "Output")]
    pub hex: u8,

    /// Hex and ASCII dump of each packet (-XX: whole frame).
    #[arg(short = 'X', action = ArgAction::Count, help_heading = "Output")]
    pub hex_ascii: u8,

    /// More detail (IP fields, TCP options; with --bits, the whole TCP/UDP header diagram).
    #[arg(short = 'v', action = ArgAction::Count, help_heading = "Output")]
    pub verbose: u8,

    /// Less detail.
    #[arg(short = 'q', help_heading = "Output")]
    pub quiet: bool,

    /// Absolute TCP sequence numbers (default: relative to each side's first).
    #[arg(short = 'S', long = "absolute-tcp-sequence-numbers", help_heading = "Output")]
    pub absolute_seq: bool,

    /// Print each packet's frame number first.
    #[arg(short = '#', long = "number", help_heading = "Output")]
    pub number: bool,

    /// Colour: auto (terminal, honours NO_COLOR), always, never.
    #[arg(long = "color", value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN", help_heading = "Output", global = true)]
    pub color: ColorChoice,

    /// Language of explanations and labels (default from LANG/LC_ALL: ko_* → Korean).
    #[arg(long = "lang", value_enum, help_heading = "Output", global = true)]
    pub lang: Option<Lang>,

    /// View: each port field bit by bit, with class and service (teaching).
    #[arg(long = "bits", help_heading = "Views", conflicts_with_all = ["json", "ladder", "fields"])]
    pub bits: bool,

    /// View: the SYN/ACK flow of each TCP connection as a ladder diagram.
    #[arg(long = "ladder", help_heading = "Views", conflicts_with_all = ["json", "bits", "fields"])]
    pub ladder: bool,

    /// View: tab-separated values of these JSON fields, one row per packet (per connection
    /// with --flows), with a header line, like tshark -T fields -e …
    /// (e.g. source.ip,destination.port,tcp.flags; see README "JSON schema").
    #[arg(long = "fields", value_name = "FIELD,…", help_heading = "Views", conflicts_with_all = ["bits", "ladder"])]
    pub fields: Option<String>,

    /// With --fields, tshark's -E options: header=y|n, separator=/t|/s|C, quote=d|s|n,
    /// aggregator=C (repeat -E for several).
    #[arg(short = 'E', value_name = "KEY=VALUE", help_heading = "Views", requires = "fields")]
    pub fields_opts: Vec<String>,

    /// View: JSON Lines, one object per packet (Elastic Common Schema field names).
    #[arg(long = "json", help_heading = "Views", conflicts_with_all = ["bits", "ladder"])]
    pub json: bool,

    /// A connection table at the end (or on Ctrl-C); alone it prints only the table (add --print for lines).
    #[arg(long = "flows", help_heading = "Views")]
    pub flows: bool,

    /// Per-port, per-service and per-class counts at the end; alone it prints only the counts.
    #[arg(long = "stats", help_heading = "Views")]
    pub stats: bool,

    /// Forget a connection after this many seconds without packets.
    #[arg(long = "flow-timeout", value_name = "SECS", default_value_t = 300, help_heading = "Views")]
    pub flow_timeout: u64,

    /// Track at most this many connections at once (the oldest idle ones are evicted first).
    #[arg(long = "max-flows", value_name = "N", default_value_t = 100_000, help_heading = "Views")]
    pub max_flows: usize,

    /// Never show a progress bar.
    #[arg(long = "no-progress", help_heading = "Views")]
    pub no_progress: bool,

    /// Print shell completions for SHELL and exit.
    #[arg(long = "completions", value_enum, value_name = "SHELL", help_heading = "Other")]
    pub completions: Option<Shell>,

    /// Print the man page (roff) and exit.
    #[arg(long = "man", help_heading = "Other")]
    pub man: bool,

    /// BPF filter expression (pcap-filter(7)), e.g. tcp port 443.
    #[arg(value_name = "EXPRESSION")]
    pub expression: Vec<String>,
}

/// Subcommands. Their names never collide with a BPF expression.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The teaching card of a port or socket: bits, hex, class, services, ranges.
    Explain {
        /// Ports (443), sockets (192.168.1.10:52341) or IPv6 sockets ([2001:db8::1]:443).
        #[arg(value_name = "PORT|IP:PORT", required = true, allow_hyphen_values = true)]
        targets: Vec<String>,
    },
    /// This machine's sockets, as `ss -tuanp` shows them, with programs and what each state means.
    #[command(after_help = "Filters combine with \"and\"; several of one kind with \"or\":\n  \
                            portlens sockets --listen          listening sockets (TCP LISTEN, UDP not connected)\n  \
                            portlens sockets tcp 443           TCP sockets with local or peer port 443 (also :443)\n  \
                            portlens sockets python3 --pid 4690  sockets of programs named python3… or pid 4690\n\n\
                            Without root, other users' programs cannot be named: sudo portlens sockets.")]
    Sockets {
        /// Only listening sockets: TCP LISTEN and UDP sockets that are not connected (as ss -l).
        #[arg(short = 'l', long = "listen")]
        listen: bool,
        /// Only sockets held by this process id (repeat for more).
        #[arg(long = "pid", value_name = "PID")]
        pid: Vec<u32>,
        /// JSON Lines, one object per socket.
        #[arg(long = "json")]
        json: bool,
        /// Do not name services beside ports.
        #[arg(short = 'n', long = "numeric")]
        numeric: bool,
        /// Where the table comes from: netlink sock_diag (as ss), /proc/net, or netlink with /proc/net as fallback.
        #[arg(long = "source", value_enum, default_value_t = SocketSource::Auto)]
        source: SocketSource,
        /// tcp, udp, a port (80, :443) or part of a program name; a port matches the local or the peer side.
        #[arg(value_name = "FILTER")]
        filters: Vec<String>,
    },
    /// Which programs hold PORT, in which state, and whether a server can start there (lsof -i :80, fuser 80/tcp).
    Who {
        /// A port (80, :80), optionally with its protocol (80/tcp, 53/udp).
        #[arg(value_name = "PORT[/PROTO]")]
        target: String,
    },
    /// Search the service registry by name, number or description (mysql → 3306/tcp).
    Services {
        /// A service name, port number (443, 443/tcp) or words from a description.
        #[arg(value_name = "QUERY", required = true, num_args = 1.., allow_hyphen_values = true)]
        query: Vec<String>,
    },
}
