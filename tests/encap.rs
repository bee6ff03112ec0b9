//! Link types and encapsulations, on the fixtures `fixtures/make-encap-fixtures.py` writes into
//! `fixtures/encap/`: every file's packets decode to the flow the script put inside (addresses,
//! ports), and `-e` names the link header and shows its fields.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use serde_json::Value;

/// `(frame, "tcp"|"udp", source, destination, source port, destination port)`.
type Flow = (u64, &'static str, &'static str, &'static str, u64, u64);

const V4: (&str, &str) = ("192.0.2.10", "198.51.100.20");
const V6: (&str, &str) = ("2001:db8::10", "2001:db8::20");

fn tcp4(n: u64) -> Flow {
    (n, "tcp", V4.0, V4.1, 41000 + n, 443)
}
fn udp4(n: u64) -> Flow {
    (n, "udp", V4.0, V4.1, 42000 + n, 53)
}
fn tcp6(n: u64) -> Flow {
    (n, "tcp", V6.0, V6.1, 41000 + n, 443)
}

fn json(file: &str) -> Vec<Value> {
    let r = common::run(&["-r", &common::fixture(&format!("encap/{file}")), "--json"]);
    assert_eq!(r.code, Some(0), "{file}: {}", r.stderr);
    common::json_lines(&r.stdout)
}

fn line_e(file: &str) -> Vec<String> {
    let r = common::run(&["-r", &common::fixture(&format!("encap/{file}")), "-e", "-nn"]);
    assert_eq!(r.code, Some(0), "{file}: {}", r.stderr);
    r.stdout.lines().map(str::to_string).collect()
}

/// Every flow in `want` is what portlens reports for that frame.
fn flows(file: &str, want: &[Flow]) {
    let recs = json(file);
    for &(frame, tr, src, dst, sp, dp) in want {
        let v = recs.iter().find(|v| v["portlens"]["frame"].as_u64() == Some(frame)).unwrap_or_else(|| panic!("{file}: no frame {frame}"));
        assert_eq!(v["network"]["transport"].as_str(), Some(tr), "{file} frame {frame}: {v}");
        assert_eq!(v["source"]["ip"].as_str(), Some(src), "{file} frame {frame}: {v}");
        assert_eq!(v["destination"]["ip"].as_str(), Some(dst), "{file} frame {frame}: {v}");
        assert_eq!(v["source"]["port"].as_u64(), Some(sp), "{file} frame {frame}: {v}");
        assert_eq!(v["destination"]["port"].as_u64(), Some(dp), "{file} frame {frame}: {v}");
    }
}

/// Line `n` (0-based) of `-e` output contains every piece of `want`.
fn shows(file: &str, n: usize, want: &[&str]) {
    let lines = line_e(file);
    let line = lines.get(n).unwrap_or_else(|| panic!("{file}: no line {n}"));
    for w in want {
        assert!(line.contains(w), "{file} line {n} lacks {w:?}:\n{line}");
    }
}

#[test]
fn ppp_with_and_without_address_control_and_protocol_compression() {
    flows("ppp.pcap", &[tcp4(1), udp4(2), tcp6(3)]);
    shows("ppp.pcap", 0, &["PPP address 0xff, control 0x03, protocol 0x21", "TCP 192.0.2.10:41001 → 198.51.100.20:443"]);
    shows("ppp.pcap", 1, &["PPP protocol 0x21,", "UDP 192.0.2.10:42002"]);
    flows("ppp-hdlc.pcap", &[tcp4(1), udp4(2)]);
    shows("ppp-hdlc.pcap", 1, &["Cisco HDLC address 0x0f"]);
}

#[test]
fn cisco_hdlc_fddi_frame_relay_ipnet_atm_clip_and_ipoib() {
    flows("chdlc.pcap", &[tcp4(1), tcp6(2)]);
    shows("chdlc.pcap", 1, &["Cisco HDLC address 0x8f, control 0x00, protocol 0x86dd"]);
    shows("chdlc.pcap", 2, &["protocol 0x8035", "(no ports)"]);
    flows("fddi.pcap", &[tcp4(1), tcp6(2)]);
    shows("fddi.pcap", 0, &["FDDI frame control 0x50, src 02:00:00:00:00:0a, dst 02:00:00:00:00:14, ether type 0x0800"]);
    flows("frelay.pcap", &[tcp4(1), tcp6(2)]);
    shows("frelay.pcap", 0, &["Frame Relay dlci 100, nlpid 0xcc"]);
    flows("ipnet.pcap", &[tcp4(1), tcp6(2)]);
    flows("atm-clip.pcap", &[tcp4(1), udp4(2)]);
    flows("ipoib.pcap", &[tcp4(1), tcp6(2)]);
    shows("ipoib.pcap", 0, &["IPoIB src gid fe80::2:c903:a:1, dst gid fe80::2:c903:a:2, ether type 0x0800"]);
}

#[test]
fn nflog_finds_the_packet_in_tlv_9() {
    flows("nflog.pcap", &[tcp4(1), udp4(2), tcp6(3)]);
    shows("nflog.pcap", 0, &["NFLOG family 2, version 0, resource id 7, prefix portlens-log, payload length 40"]);
    let v = &json("nflog.pcap")[0];
    assert_eq!(v["portlens"]["link"]["type"], "nflog");
    assert_eq!(v["portlens"]["link"]["nflog"]["prefix"], "portlens-log");
}

#[test]
fn pktap_names_the_interface_and_process() {
    flows("pktap.pcap", &[tcp4(1), udp4(2)]);
    flows("pktap-user2.pcap", &[tcp4(1)]);
    shows("pktap.pcap", 0, &["PKTAP length 108, dlt 1, interface en0, pid 4242, command curl ▸ 02:00:00:00:00:0a → 02:00:00:00:00:14"]);
    let v = &json("pktap.pcap")[0];
    assert_eq!(v["portlens"]["link"]["type"], "ethernet");
    assert_eq!(v["portlens"]["link"]["pseudo_header"]["type"], "pktap");
    assert_eq!(v["portlens"]["link"]["pseudo_header"]["pktap"]["pid"], 4242);
    assert_eq!(v["portlens"]["link"]["pseudo_header"]["pktap"]["command"], "curl");
}

#[test]
fn arcnet_rfc1201_and_rfc1051() {
    flows("arcnet.pcap", &[tcp4(1), udp4(2)]);
    shows("arcnet.pcap", 0, &["ARCNET src 0x50, dst 0xbe, protocol 0xd4, framing rfc1201"]);
    shows("arcnet.pcap", 1, &["framing rfc1051"]);
    shows("arcnet.pcap", 2, &["split flag 0x02", "link-layer fragment after the first"]);
}

#[test]
fn ieee_802_11_alone_behind_radiotap_and_behind_ppi() {
    for f in ["wifi.pcap", "radiotap.pcap", "ppi.pcap"] {
        flows(f, &[tcp4(1), udp4(2)]);
    }
    shows("wifi.pcap", 0, &["802.11 type data, subtype 8, flags 0x01, src 02:00:00:00:00:0a, dst 02:00:00:00:00:14, bssid 02:00:00:00:00:aa"]);
    shows("wifi.pcap", 2, &["payload encrypted by 802.11 (protected frame)"]);
    shows("wifi.pcap", 3, &["type management", "(no ports)"]);
    shows("radiotap.pcap", 0, &["radiotap version 0, length 12, present 0x06 ▸ 802.11 type data"]);
    shows("ppi.pcap", 1, &["PPI version 0, length 8, dlt 105 ▸ 802.11 type data, subtype 0, flags 0x02"]);
}

#[test]
fn juniper_ethernet_and_switch_tags() {
    flows("juniper-ether.pcap", &[tcp4(1), udp4(2)]);
    shows("juniper-ether.pcap", 0, &["Juniper flags 0x81, direction in, extensions 6 ▸ 02:00:00:00:00:0a"]);
    flows("dsa-brcm.pcap", &[tcp4(1), udp4(2)]);
    shows("dsa-brcm.pcap", 0, &["Broadcom tag opcode 1, port 3, tag 0x20000003 ▸"]);
    flows("dsa-brcm-prepend.pcap", &[tcp4(1)]);
    flows("dsa.pcap", &[tcp4(1), udp4(2)]);
    shows("dsa.pcap", 0, &["Marvell DSA mode forward, device 0, port 2"]);
    shows("dsa.pcap", 1, &["mode from_cpu, device 0, port 1"]);
    flows("edsa.pcap", &[tcp4(1)]);
    shows("edsa.pcap", 0, &["Marvell EDSA mode forward"]);
}

#[test]
fn link_types_in_messages_have_their_names() {
    // A link type portlens does not decode is named (LINKTYPE_USER0 = 147).
    let r = common::run(&["-r", &common::fixture("unknown-linktype.pcap"), "-e"]);
    assert!(r.stdout.contains("link type 147 (USER0)"), "{}", r.stdout);
}
