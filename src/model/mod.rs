//! The decoded packet record: plain data that the decoder produces and every other module reads.
//!
//! This is a leaf module: it depends on nothing else in the crate. A record borrows the frame bytes
//! it was decoded from (`Packet::data`), so producing one never allocates. Fields that the capture
//! did not contain (snaplen cut the packet) are absent rather than zero: see [`TcpInfo::captured`],
//! [`Warning`] and [`Truncation`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use arrayvec::ArrayVec;

pub mod community_id;
pub mod fields;
pub mod flow;

/// A capture timestamp: seconds since the Unix epoch (may be negative or beyond 2106) and
/// nanoseconds within the second (always `< 1_000_000_000`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    pub secs: i64,
    /// Nanoseconds, `0..1_000_000_000`.
    pub nanos: u32,
}

impl Timestamp {
    /// Builds a timestamp from seconds and a sub-second count that may overflow one second
    /// (some files store `usec >= 1_000_000`); the excess is carried into the seconds.
    pub fn new(secs: i64, nanos: u64) -> Timestamp {
        let carry = (nanos / 1_000_000_000) as i64;
        Timestamp { secs: secs.saturating_add(carry), nanos: (nanos % 1_000_000_000) as u32 }
    }

    /// Nanoseconds since the epoch as a signed 128-bit number (never overflows).
    pub fn as_nanos(self) -> i128 {
        self.secs as i128 * 1_000_000_000 + self.nanos as i128
    }

    /// `self - earlier` in nanoseconds (negative when the clock went backwards).
    pub fn nanos_since(self, earlier: Timestamp) -> i128 {
        self.as_nanos() - earlier.as_nanos()
    }

    /// The time `nanos` nanoseconds earlier (saturating at the ends of the range).
    pub fn minus_nanos(self, nanos: i128) -> Timestamp {
        let t = self.as_nanos().saturating_sub(nanos);
        let secs = i64::try_from(t.div_euclid(1_000_000_000)).unwrap_or(if t < 0 { i64::MIN } else { i64::MAX });
        Timestamp { secs, nanos: t.rem_euclid(1_000_000_000) as u32 }
    }
}

/// The resolution a capture file stores timestamps in; decides how many digits are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TsPrecision {
    /// Microseconds (classic pcap, pcapng default).
    #[default]
    Micro,
    /// Nanoseconds (pcap nanosecond magic, pcapng `if_tsresol` finer than µs).
    Nano,
}

/// A link-layer header type number (LINKTYPE_*), with the upper bits of the pcap field masked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkType(pub u16);

impl LinkType {
    /// BSD loopback, 4-byte address family in host byte order.
    pub const NULL: LinkType = LinkType(0);
    /// Ethernet II / 802.3.
    pub const ETHERNET: LinkType = LinkType(1);
    /// Raw IP as some BSDs number it (DLT_RAW = 12).
    pub const RAW_12: LinkType = LinkType(12);
    /// Raw IP as OpenBSD numbers it (DLT_RAW = 14).
    pub const RAW_14: LinkType = LinkType(14);
    /// Raw IPv4 or IPv6, version from the first nibble.
    pub const RAW: LinkType = LinkType(101);
    /// OpenBSD loopback, 4-byte address family in network byte order.
    pub const LOOP: LinkType = LinkType(108);
    /// Linux "cooked" capture v1 (16-byte header).
    pub const LINUX_SLL: LinkType = LinkType(113);
    /// Raw IPv4 only.
    pub const IPV4: LinkType = LinkType(228);
    /// Raw IPv6 only.
    pub const IPV6: LinkType = LinkType(229);
    /// Linux "cooked" capture v2 (20-byte header).
    pub const LINUX_SLL2: LinkType = LinkType(276);

    /// A short name for the link type, as tcpdump's `-L` would print it, or `None` when unknown.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "NULL",
            1 => "EN10MB",
            12 | 14 | 101 => "RAW",
            108 => "LOOP",
            113 => "LINUX_SLL",
            228 => "IPV4",
            229 => "IPV6",
            276 => "LINUX_SLL2",
            6 => "IEEE802",
            8 => "SLIP",
            9 => "PPP",
            10 => "FDDI",
            50 => "PPP_HDLC",
            51 => "PPP_ETHER",
            100 => "ATM_RFC1483",
            104 => "C_HDLC",
            105 => "IEEE802_11",
            106 => "ATM_CLIP",
            107 => "FRELAY",
            117 => "PFLOG",
            119 => "PRISM_HEADER",
            123 => "SUNATM",
            127 => "IEEE802_11_RADIO",
            129 => "ARCNET_LINUX",
            130 => "JUNIPER_MLPPP",
            131 => "JUNIPER_MLFR",
            132 => "JUNIPER_ES",
            133 => "JUNIPER_GGSN",
            134 => "JUNIPER_MFR",
            135 => "JUNIPER_ATM2",
            136 => "JUNIPER_SERVICES",
            137 => "JUNIPER_ATM1",
            138 => "APPLE_IP_OVER_IEEE1394",
            139 => "MTP2_WITH_PHDR",
            140 => "MTP2",
            141 => "MTP3",
            147..=162 => USER_NAMES.get(usize::from(self.0 - 147)).copied().unwrap_or("USER"),
            163 => "IEEE802_11_RADIO_AVS",
            164 => "JUNIPER_MONITOR",
            165 => "BACNET_MS_TP",
            166 => "PPP_PPPD",
            169 => "GPRS_LLC",
            177 => "LINUX_LAPD",
            178 => "JUNIPER_ETHER",
            179 => "JUNIPER_PPP",
            180 => "JUNIPER_FRELAY",
            181 => "JUNIPER_CHDLC",
            182 => "MFR",
            187 => "BLUETOOTH_HCI_H4",
            189 => "USB_LINUX",
            192 => "PPI",
            195 => "IEEE802_15_4_WITHFCS",
            197 => "ERF",
            220 => "USB_LINUX_MMAPPED",
            226 => "IPNET",
            227 => "CAN_SOCKETCAN",
            230 => "IEEE802_15_4_NOFCS",
            231 => "DBUS",
            239 => "NFLOG",
            242 => "IPOIB",
            249 => "USBPCAP",
            253 => "NETLINK",
            258 => "PKTAP",
            263 => "IPMI_HPM_2",
            271 => "VSOCK",
            272 => "NORDIC_BLE",
            274 => "ETHERNET_MPACKET",
            275 => "DISPLAYPORT_AUX",
            281 => "DSA_TAG_BRCM",
            282 => "DSA_TAG_BRCM_PREPEND",
            283 => "IEEE802_15_4_TAP",
            284 => "DSA_TAG_DSA",
            285 => "DSA_TAG_EDSA",
            _ => return None,
        })
    }
}

/// libpcap's names of LINKTYPE_USER0 … LINKTYPE_USER15 (147 … 162).
const USER_NAMES: [&str; 16] = [
    "USER0", "USER1", "USER2", "USER3", "USER4", "USER5", "USER6", "USER7", "USER8", "USER9", "USER10", "USER11",
    "USER12", "USER13", "USER14", "USER15",
];

/// One frame exactly as the capture source delivered it, before decoding.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    /// When the frame was captured.
    pub ts: Timestamp,
    /// Bytes on the wire (may exceed `data.len()` when snaplen cut the frame).
    pub len: u32,
    /// The link-layer header type of the interface the frame came from.
    pub linktype: LinkType,
    /// The captured bytes (`caplen` = `data.len()`).
    pub data: &'a [u8],
    /// Index of the capture interface (pcapng IDB number; 0 otherwise).
    pub interface: u32,
    /// Timestamp resolution of the source, for printing.
    pub precision: TsPrecision,
}

/// Maximum number of VLAN tags recorded per frame (more are counted but not kept).
pub const MAX_VLANS: usize = 4;

/// The link layer as decoded.
// `Header` is the large variant (its fields are kept inline): the record lives on the stack, one
// per frame, and boxing it would allocate for every packet of those link types.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// Ethernet II, possibly with 802.1Q / 802.1ad tags (outermost first).
    Ethernet {
        /// Source MAC.
        src: [u8; 6],
        /// Destination MAC.
        dst: [u8; 6],
        /// The EtherType after all VLAN tags (what the network layer is).
        ether_type: u16,
        /// VLAN ids, outermost first.
        vlans: ArrayVec<u16, MAX_VLANS>,
    },
    /// IEEE 802.3 frame with a length field instead of an EtherType (LLC/SNAP follows).
    Ieee8023 {
        /// Source MAC.
        src: [u8; 6],
        /// Destination MAC.
        dst: [u8; 6],
        /// The 802.3 length field.
        length: u16,
        /// EtherType from a SNAP header when present.
        snap_ether_type: Option<u16>,
    },
    /// Linux cooked capture (SLL v1 or v2).
    LinuxSll {
        /// 1 or 2.
        version: u8,
        /// Packet type: 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 outgoing.
        packet_type: u16,
        /// ARPHRD_* device type (1 Ethernet, 772 loopback, …).
        arphrd: u16,
        /// Link-layer source address (first `addr_len` bytes are valid, at most 8).
        addr: [u8; 8],
        /// Number of valid bytes in `addr` as the header states it (may exceed 8).
        addr_len: u16,
        /// Protocol field (an EtherType for most devices).
        protocol: u16,
        /// Interface index (SLL2 only; 0 for v1).
        ifindex: u32,
    },
    /// BSD NULL / OpenBSD LOOP: a 4-byte address family.
    Null {
        /// The address family as read (2 = IPv4; 24, 28, 30 = IPv6 on the BSDs; 10 on Linux).
        family: u32,
    },
    /// Another link header portlens decodes (PPP, Cisco HDLC, FDDI, 802.11, NFLOG …): its kind
    /// and its fields.
    Header(LinkHeader),
    /// No link header: the frame starts with the IP header.
    Raw,
    /// A link type portlens does not decode; the bytes are shown as they are.
    Unknown,
    /// The link header itself was cut short.
    Truncated,
}

impl Link {
    /// The VLAN ids in the frame, outermost first (empty when none).
    pub fn vlans(&self) -> &[u16] {
        match self {
            Link::Ethernet { vlans, .. } => vlans.as_slice(),
            _ => &[],
        }
    }
}

/// The kinds of link and capture headers that [`Link::Header`] and [`Packet::pseudo`] hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkKind {
    /// PPP (link type 9, and 50 in HDLC-like framing): address, control, protocol.
    Ppp,
    /// Cisco HDLC (104): address, control, EtherType.
    CiscoHdlc,
    /// FDDI (10): frame control, MACs, LLC/SNAP.
    Fddi,
    /// IEEE 802.11 (105): frame control, up to four MACs, LLC/SNAP.
    Ieee80211,
    /// Linux netfilter log (239): the IP packet in TLV 9.
    Nflog,
    /// IP over InfiniBand (242).
    Ipoib,
    /// Linux ARCNET (129), RFC 1051 or RFC 1201 framing.
    Arcnet,
    /// Frame Relay (107) with an RFC 2427 NLPID.
    FrameRelay,
    /// Solaris ipnet (226).
    Ipnet,
    /// Linux ATM CLIP (106): LLC/SNAP then IP.
    AtmClip,
    /// Apple PKTAP pseudo-header (258, and 149 as Apple writes it).
    Pktap,
    /// Radiotap pseudo-header (127) in front of 802.11.
    Radiotap,
    /// Per-Packet Information pseudo-header (192).
    Ppi,
    /// Juniper pseudo-header (178, Juniper Ethernet).
    Juniper,
    /// Broadcom switch tag (281 after the MACs, 282 prepended).
    BrcmTag,
    /// Marvell DSA tag (284).
    MarvellDsa,
    /// Marvell EDSA tag (285).
    MarvellEdsa,
}

impl LinkKind {
    /// The name people read (`-e`).
    pub fn name(self) -> &'static str {
        match self {
            LinkKind::Ppp => "PPP",
            LinkKind::CiscoHdlc => "Cisco HDLC",
            LinkKind::Fddi => "FDDI",
            LinkKind::Ieee80211 => "802.11",
            LinkKind::Nflog => "NFLOG",
            LinkKind::Ipoib => "IPoIB",
            LinkKind::Arcnet => "ARCNET",
            LinkKind::FrameRelay => "Frame Relay",
            LinkKind::Ipnet => "ipnet",
            LinkKind::AtmClip => "ATM CLIP",
            LinkKind::Pktap => "PKTAP",
            LinkKind::Radiotap => "radiotap",
            LinkKind::Ppi => "PPI",
            LinkKind::Juniper => "Juniper",
            LinkKind::BrcmTag => "Broadcom tag",
            LinkKind::MarvellDsa => "Marvell DSA",
            LinkKind::MarvellEdsa => "Marvell EDSA",
        }
    }

    /// The stable identifier JSON carries.
    pub fn key(self) -> &'static str {
        match self {
            LinkKind::Ppp => "ppp",
            LinkKind::CiscoHdlc => "cisco_hdlc",
            LinkKind::Fddi => "fddi",
            LinkKind::Ieee80211 => "ieee802_11",
            LinkKind::Nflog => "nflog",
            LinkKind::Ipoib => "ipoib",
            LinkKind::Arcnet => "arcnet",
            LinkKind::FrameRelay => "frame_relay",
            LinkKind::Ipnet => "ipnet",
            LinkKind::AtmClip => "atm_clip",
            LinkKind::Pktap => "pktap",
            LinkKind::Radiotap => "radiotap",
            LinkKind::Ppi => "ppi",
            LinkKind::Juniper => "juniper",
            LinkKind::BrcmTag => "brcm_tag",
            LinkKind::MarvellDsa => "dsa",
            LinkKind::MarvellEdsa => "edsa",
        }
    }
}

/// One field of a link or capture header, as its kind of value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldValue {
    /// A number shown in decimal.
    Num(u64),
    /// A number shown in hexadecimal (protocol numbers, flags, tags).
    Hex(u64),
    /// A MAC address.
    Mac([u8; 6]),
    /// An address shown as IPv6 (an InfiniBand GID).
    Gid(Ipv6Addr),
    /// A short text from the header (interface or process name), cut to 16 bytes.
    Text(arrayvec::ArrayString<16>),
    /// A fixed word.
    Word(&'static str),
}

/// Maximum number of fields kept per link or capture header.
pub const MAX_LINK_FIELDS: usize = 8;

/// A decoded link or capture header: its kind and its fields in header order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkHeader {
    /// What header this is.
    pub kind: LinkKind,
    /// `(name, value)` in header order; names are stable lower-case identifiers.
    pub fields: ArrayVec<(&'static str, FieldValue), MAX_LINK_FIELDS>,
}

impl LinkHeader {
    /// An empty header of `kind`.
    pub fn new(kind: LinkKind) -> LinkHeader {
        LinkHeader { kind, fields: ArrayVec::new() }
    }

    /// Adds a field if there is room.
    pub fn push(&mut self, name: &'static str, value: FieldValue) {
        let _ = self.fields.try_push((name, value));
    }
}

/// An IPv4 or IPv6 fragment (the packet is a piece of a larger datagram).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fragment {
    /// Offset of this piece in the original datagram, in bytes.
    pub offset: u32,
    /// More fragments follow.
    pub more: bool,
    /// Identification field (IPv4: 16 bits, IPv6: 32 bits).
    pub id: u32,
}

/// IPv4 header fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Info {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Header length in bytes (IHL × 4).
    pub header_len: u8,
    /// DSCP/ECN byte.
    pub tos: u8,
    /// Total length field as sent (0 for TSO/GRO captures).
    pub total_len: u16,
    /// Identification.
    pub id: u16,
    /// Don't-fragment flag.
    pub dont_fragment: bool,
    /// Time to live.
    pub ttl: u8,
    /// Protocol number of the payload.
    pub protocol: u8,
    /// Header checksum as sent.
    pub checksum: u16,
    /// Set when this packet is a fragment (MF set or offset ≠ 0).
    pub fragment: Option<Fragment>,
}

/// Maximum number of IPv6 extension headers recorded.
pub const MAX_IPV6_EXTS: usize = 8;

/// IPv6 header fields and the chain of extension headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipv6Info {
    /// Source address.
    pub src: Ipv6Addr,
    /// Destination address.
    pub dst: Ipv6Addr,
    /// Traffic class.
    pub traffic_class: u8,
    /// Flow label (20 bits).
    pub flow_label: u32,
    /// Payload length field (0 for jumbograms).
    pub payload_len: u16,
    /// Hop limit.
    pub hop_limit: u8,
    /// The extension headers in order, as IP protocol numbers (0 hop-by-hop, 43 routing, 44
    /// fragment, 51 AH, 60 destination options, …).
    pub exts: ArrayVec<u8, MAX_IPV6_EXTS>,
    /// The protocol after the last extension header.
    pub protocol: u8,
    /// Set when a fragment header says this is a piece of a larger datagram.
    pub fragment: Option<Fragment>,
}

/// ARP (Ethernet/IPv4) fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArpInfo {
    /// 1 request, 2 reply, others as numbered by IANA.
    pub operation: u16,
    /// Sender hardware address (when Ethernet).
    pub sender_mac: [u8; 6],
    /// Sender protocol address (when IPv4).
    pub sender_ip: Ipv4Addr,
    /// Target hardware address.
    pub target_mac: [u8; 6],
    /// Target protocol address.
    pub target_ip: Ipv4Addr,
}

/// The network layer as decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Net {
    /// Nothing past the link layer was decoded.
    None,
    /// IPv4.
    Ipv4(Ipv4Info),
    /// IPv6.
    Ipv6(Ipv6Info),
    /// ARP for IPv4 over Ethernet (other hardware/protocol combinations are `Other`).
    Arp(ArpInfo),
    /// Some other EtherType (or address family) that portlens does not decode.
    Other {
        /// The EtherType (or 0 when the link gave none).
        ether_type: u16,
    },
}

impl Net {
    /// Source and destination IP addresses, when the network layer is IP.
    pub fn addrs(&self) -> Option<(IpAddr, IpAddr)> {
        match self {
            Net::Ipv4(ip) => Some((IpAddr::V4(ip.src), IpAddr::V4(ip.dst))),
            Net::Ipv6(ip) => Some((IpAddr::V6(ip.src), IpAddr::V6(ip.dst))),
            _ => None,
        }
    }

    /// The fragment description, when this IP packet is a fragment.
    pub fn fragment(&self) -> Option<Fragment> {
        match self {
            Net::Ipv4(ip) => ip.fragment,
            Net::Ipv6(ip) => ip.fragment,
            _ => None,
        }
    }

    /// The IP protocol number of the payload (after IPv6 extension headers).
    pub fn protocol(&self) -> Option<u8> {
        match self {
            Net::Ipv4(ip) => Some(ip.protocol),
            Net::Ipv6(ip) => Some(ip.protocol),
            _ => None,
        }
    }
}

/// TCP flag bits as they sit in the 12 bits after the data offset (tshark's `tcp.flags`).
pub mod tcp_flags {
    /// No more data from sender.
    pub const FIN: u16 = 0x001;
    /// Synchronize sequence numbers.
    pub const SYN: u16 = 0x002;
    /// Reset the connection.
    pub const RST: u16 = 0x004;
    /// Push function.
    pub const PSH: u16 = 0x008;
    /// Acknowledgment field significant.
    pub const ACK: u16 = 0x010;
    /// Urgent pointer field significant.
    pub const URG: u16 = 0x020;
    /// ECN-Echo.
    pub const ECE: u16 = 0x040;
    /// Congestion window reduced.
    pub const CWR: u16 = 0x080;
    /// Accurate ECN (formerly NS, RFC 3540).
    pub const AE: u16 = 0x100;
    /// Names in the order the line view prints them (tcpdump's order: SYN first).
    pub const NAMES: [(u16, &str); 9] = [
        (SYN, "SYN"),
        (FIN, "FIN"),
        (RST, "RST"),
        (PSH, "PSH"),
        (ACK, "ACK"),
        (URG, "URG"),
        (ECE, "ECE"),
        (CWR, "CWR"),
        (AE, "AE"),
    ];
}

/// TCP header fields. Fields the capture did not contain are `None`; ports are present whenever
/// at least the first four header bytes were captured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpInfo {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number (raw).
    pub seq: Option<u32>,
    /// Acknowledgment number (raw; meaningful when ACK is set).
    pub ack: Option<u32>,
    /// Header length in bytes from the data-offset field (20–60 when valid).
    pub header_len: Option<u8>,
    /// The 12 flag bits after the data offset (3 reserved bits included).
    pub flags: Option<u16>,
    /// Window field, unscaled.
    pub window: Option<u16>,
    /// Checksum as sent.
    pub checksum: Option<u16>,
    /// Urgent pointer.
    pub urgent: Option<u16>,
    /// Bytes of the TCP header present in the capture (4..=header_len).
    pub captured: u16,
    /// The options that were captured, decoded.
    pub options: TcpOptions,
    /// Payload length according to the IP length fields (what was sent, not what was captured).
    pub payload_len: u32,
    /// Payload bytes present in the capture.
    pub payload_captured: u32,
}

/// Maximum number of TCP options listed per segment.
pub const MAX_TCP_OPTIONS: usize = 12;

/// TCP options, decoded from the captured option bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TcpOptions {
    /// Every option in order: (kind, total length as stated; 1 for NOP/EOL).
    pub list: ArrayVec<(u8, u8), MAX_TCP_OPTIONS>,
    /// Maximum segment size (kind 2).
    pub mss: Option<u16>,
    /// Window scale shift count (kind 3).
    pub wscale: Option<u8>,
    /// SACK permitted (kind 4).
    pub sack_permitted: bool,
    /// SACK blocks (kind 5), left and right edges.
    pub sack: ArrayVec<(u32, u32), 4>,
    /// Timestamps (kind 8): TSval, TSecr.
    pub timestamps: Option<(u32, u32)>,
    /// An option's length byte was invalid or ran past the header; decoding stopped there.
    pub malformed: bool,
    /// The option bytes were cut by the capture.
    pub cut: bool,
}

impl TcpOptions {
    /// Readable name of an option kind, as tcpdump prints it.
    pub fn kind_name(kind: u8) -> &'static str {
        match kind {
            0 => "eol",
            1 => "nop",
            2 => "mss",
            3 => "wscale",
            4 => "sackOK",
            5 => "sack",
            8 => "TS",
            19 => "md5",
            28 => "uto",
            29 => "tcp-ao",
            30 => "mptcp",
            34 => "tfo",
            253 | 254 => "exp",
            _ => "unknown",
        }
    }
}

impl TcpInfo {
    /// True when `flag` (one of [`tcp_flags`]) is set; false when unset or not captured.
    pub fn has(&self, flag: u16) -> bool {
        self.flags.is_some_and(|f| f & flag != 0)
    }
}

/// UDP header fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UdpInfo {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Length field (header + payload) when captured.
    pub length: Option<u16>,
    /// Checksum when captured.
    pub checksum: Option<u16>,
    /// Bytes of the UDP header present in the capture (4..=8).
    pub captured: u16,
    /// Payload length (from the UDP length field, else from the IP length).
    pub payload_len: u32,
    /// Payload bytes present in the capture.
    pub payload_captured: u32,
}

/// An IP + transport header quoted inside an ICMP error (what the error is about).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quoted {
    /// Source address of the packet that caused the error.
    pub src: IpAddr,
    /// Destination address of the packet that caused the error.
    pub dst: IpAddr,
    /// Its IP protocol.
    pub protocol: u8,
    /// Its ports, when the quote reached them (TCP/UDP).
    pub ports: Option<(u16, u16)>,
}

/// ICMP or ICMPv6.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IcmpInfo {
    /// True for ICMPv6.
    pub v6: bool,
    /// Type.
    pub icmp_type: u8,
    /// Code.
    pub code: u8,
    /// Echo identifier and sequence number, for echo request/reply.
    pub echo: Option<(u16, u16)>,
    /// The offending packet's headers, for error messages.
    pub quoted: Option<Quoted>,
}

impl IcmpInfo {
    /// True for "destination unreachable, port unreachable" (ICMP 3/3, ICMPv6 1/4).
    pub fn is_port_unreachable(&self) -> bool {
        if self.v6 { self.icmp_type == 1 && self.code == 4 } else { self.icmp_type == 3 && self.code == 3 }
    }
}

/// The transport layer as decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Nothing decoded (no IP, or the IP payload was not captured).
    None,
    /// TCP (possibly partial: see [`TcpInfo::captured`]).
    Tcp(TcpInfo),
    /// UDP (possibly partial).
    Udp(UdpInfo),
    /// ICMP / ICMPv6.
    Icmp(IcmpInfo),
    /// A non-first fragment: the transport header is in an earlier piece, so no ports here.
    Fragment {
        /// The IP protocol of the whole datagram.
        protocol: u8,
    },
    /// Another IP protocol (IGMP, GRE, ESP, SCTP, …), not decoded further.
    Other {
        /// The IP protocol number.
        protocol: u8,
    },
}

impl Transport {
    /// Source and destination ports, when the transport is TCP or UDP.
    pub fn ports(&self) -> Option<(u16, u16)> {
        match self {
            Transport::Tcp(t) => Some((t.src_port, t.dst_port)),
            Transport::Udp(u) => Some((u.src_port, u.dst_port)),
            _ => None,
        }
    }
}

/// A protocol layer, for saying where decoding stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    /// Link-layer header (Ethernet, SLL, NULL …).
    Link,
    /// VLAN tag.
    Vlan,
    /// IPv4 header.
    Ipv4,
    /// IPv6 header.
    Ipv6,
    /// IPv6 extension header.
    Ipv6Ext,
    /// ARP.
    Arp,
    /// TCP header.
    Tcp,
    /// UDP header.
    Udp,
    /// ICMP header.
    Icmp,
    /// ICMPv6 header.
    Icmpv6,
}

impl Layer {
    /// A readable name ("TCP header").
    pub fn name(self) -> &'static str {
        match self {
            Layer::Link => "link-layer header",
            Layer::Vlan => "VLAN tag",
            Layer::Ipv4 => "IPv4 header",
            Layer::Ipv6 => "IPv6 header",
            Layer::Ipv6Ext => "IPv6 extension header",
            Layer::Arp => "ARP packet",
            Layer::Tcp => "TCP header",
            Layer::Udp => "UDP header",
            Layer::Icmp => "ICMP header",
            Layer::Icmpv6 => "ICMPv6 header",
        }
    }
}

/// Where a header was cut: which layer, how many bytes it needed and how many were there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Truncation {
    /// The layer that was short.
    pub layer: Layer,
    /// Byte offset of that layer in the frame.
    pub offset: u32,
    /// Bytes the header needs.
    pub needed: u32,
    /// Bytes that were available.
    pub have: u32,
    /// True when the capture length was the limit (snaplen), false when a length field inside the
    /// packet (IP total length, …) said the packet ends earlier.
    pub by_snaplen: bool,
}

/// Something odd about a packet, kept as data and rendered to words by the printers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Warning {
    /// A header was cut short.
    Truncated(Truncation),
    /// The IP version nibble does not match what the link layer announced.
    BadIpVersion {
        /// The version nibble found.
        found: u8,
    },
    /// IPv4 IHL below 5 or IPv6/IPv4 header otherwise invalid.
    BadIpHeader {
        /// The layer.
        layer: Layer,
    },
    /// IPv4 total length 0 (TSO/GRO capture); the captured length was used instead.
    IpTotalLengthZero,
    /// An IP length field claims more bytes than the frame has on the wire.
    IpLengthBeyondFrame {
        /// Claimed length.
        claimed: u32,
        /// Bytes available.
        available: u32,
    },
    /// An IPv6 extension header could not be decoded (bad order, bad length …).
    BadIpv6Ext {
        /// The extension header's protocol number.
        protocol: u8,
    },
    /// The TCP data offset is below 5 (the header cannot be shorter than 20 bytes).
    BadTcpDataOffset {
        /// The data-offset field (header length in 32-bit words).
        words: u8,
    },
    /// The UDP length field disagrees with the IP payload length.
    UdpLengthMismatch {
        /// UDP length field.
        udp: u16,
        /// Bytes the IP layer gives the datagram.
        ip: u32,
    },
    /// The frame's captured length exceeds its original length (a broken capture record).
    CaplenExceedsLen,
    /// The link type is not one portlens decodes.
    UnknownLinkType(LinkType),
    /// The Ethernet frame carries a protocol not decoded (LLDP, MPLS, …).
    UnsupportedEtherType(u16),
    /// A BSD loopback family that is neither IPv4 nor IPv6.
    UnknownFamily(u32),
    /// More VLAN tags than portlens keeps.
    TooManyVlanTags,
    /// The timestamp's sub-second field was out of range and was carried into the seconds.
    TimestampCarried,
    /// The payload is encrypted, so nothing past this header can be decoded.
    Encrypted(Encrypted),
    /// The frame is a piece of a larger link-layer frame (an ARCNET or 802.11 fragment after
    /// the first): the network header is in the first piece.
    LinkFragment,
}

/// What encrypted the payload (see [`Warning::Encrypted`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encrypted {
    /// An 802.11 frame with the Protected bit (WEP, TKIP, CCMP, GCMP).
    Wifi,
    /// IPsec ESP.
    Esp,
    /// MACsec with confidentiality (the E bit).
    Macsec,
}

impl Encrypted {
    /// The name of the encryption.
    pub fn name(self) -> &'static str {
        match self {
            Encrypted::Wifi => "802.11 (protected frame)",
            Encrypted::Esp => "IPsec ESP",
            Encrypted::Macsec => "MACsec",
        }
    }
}

/// Maximum number of warnings kept per packet (further ones are dropped).
pub const MAX_WARNINGS: usize = 4;

/// Fixed-capacity warning list (no allocation per packet).
pub type Warnings = ArrayVec<Warning, MAX_WARNINGS>;

/// One decoded packet. Borrowed from the frame bytes; cheap to copy around by reference.
#[derive(Clone, Debug)]
pub struct Packet<'a> {
    /// 1-based number of the frame in the order read.
    pub frame: u64,
    /// Capture time.
    pub ts: Timestamp,
    /// Timestamp resolution of the source.
    pub precision: TsPrecision,
    /// Original length on the wire.
    pub len: u32,
    /// Link type the frame was decoded with.
    pub linktype: LinkType,
    /// Capture interface index.
    pub interface: u32,
    /// The captured bytes (`caplen` = `data.len()`).
    pub data: &'a [u8],
    /// Link layer.
    pub link: Link,
    /// A capture pseudo-header or switch tag in front of (or inside) the link header: PKTAP,
    /// radiotap, PPI, Juniper, DSA/EDSA, Broadcom tags.
    pub pseudo: Option<LinkHeader>,
    /// Byte offset of the network header in `data` (= link header length).
    pub net_offset: u32,
    /// Network layer.
    pub net: Net,
    /// Byte offset of the transport header in `data` (meaningful when `transport` is TCP/UDP/ICMP).
    pub transport_offset: u32,
    /// Transport layer.
    pub transport: Transport,
    /// Everything odd about the packet.
    pub warnings: Warnings,
}

impl<'a> Packet<'a> {
    /// Captured length.
    pub fn caplen(&self) -> u32 {
        self.data.len() as u32
    }

    /// The first truncation warning, if the packet was cut.
    pub fn truncation(&self) -> Option<Truncation> {
        self.warnings.iter().find_map(|w| match w {
            Warning::Truncated(t) => Some(*t),
            _ => None,
        })
    }

    /// Adds a warning if there is room (never fails).
    pub fn warn(&mut self, w: Warning) {
        let _ = self.warnings.try_push(w);
    }

    /// The transport header bytes that were captured (empty when there is no TCP/UDP/ICMP).
    pub fn transport_bytes(&self) -> &'a [u8] {
        match self.transport {
            Transport::Tcp(_) | Transport::Udp(_) | Transport::Icmp(_) => {
                self.data.get(self.transport_offset as usize..).unwrap_or(&[])
            }
            _ => &[],
        }
    }
}

/// IANA names of common IP protocol numbers, for lines without ports.
pub fn ip_protocol_name(p: u8) -> Option<&'static str> {
    Some(match p {
        0 => "HOPOPT",
        1 => "ICMP",
        2 => "IGMP",
        4 => "IPIP",
        6 => "TCP",
        17 => "UDP",
        41 => "IPv6",
        43 => "IPv6-Route",
        44 => "IPv6-Frag",
        47 => "GRE",
        50 => "ESP",
        51 => "AH",
        58 => "ICMPv6",
        59 => "IPv6-NoNxt",
        60 => "IPv6-Opts",
        89 => "OSPF",
        103 => "PIM",
        112 => "VRRP",
        115 => "L2TP",
        132 => "SCTP",
        135 => "Mobility",
        136 => "UDPLite",
        _ => return None,
    })
}

/// Names of common EtherTypes.
pub fn ether_type_name(t: u16) -> Option<&'static str> {
    Some(match t {
        0x0800 => "IPv4",
        0x0806 => "ARP",
        0x86dd => "IPv6",
        0x8100 => "802.1Q",
        0x88a8 => "802.1ad",
        0x9100 => "QinQ",
        0x8035 => "RARP",
        0x8847 => "MPLS",
        0x8848 => "MPLS multicast",
        0x8863 => "PPPoE discovery",
        0x8864 => "PPPoE session",
        0x888e => "EAPOL",
        0x88cc => "LLDP",
        0x88e5 => "MACsec",
        0x88f7 => "PTP",
        0x8809 => "Slow protocols",
        0x22f0 => "AVTP",
        0x0842 => "Wake-on-LAN",
        0x9000 => "Loopback",
        _ => return None,
    })
}
