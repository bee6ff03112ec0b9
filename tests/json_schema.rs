//! Pins the JSON Lines contract (PRODUCT.md "JSON Lines contract", README "JSON schema"):
//! the exact record for a known packet, the required keys and their types on every packet of
//! every fixture, numbers as numbers, frame numbers equal to tshark's, and no duplicate keys.
//! (`tests/ecs.rs` checks every record type against ECS and `schemas/`.)
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use common::{fixture, is_rfc3339_utc, json_lines, run};

/// Deserializes any JSON and fails on an object with a repeated key (serde_json's `Value`
/// would silently keep the last one).
struct NoDuplicates;

impl<'de> Deserialize<'de> for NoDuplicates {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NoDuplicates;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E>(self, _: bool) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates)
            }
            fn visit_i64<E>(self, _: i64) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates)
            }
            fn visit_u64<E>(self, _: u64) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates)
            }
            fn visit_f64<E>(self, _: f64) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates)
            }
            fn visit_str<E>(self, _: &str) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates)
            }
            fn visit_unit<E>(self) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<NoDuplicates, A::Error> {
                while a.next_element::<NoDuplicates>()?.is_some() {}
                Ok(NoDuplicates)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<NoDuplicates, A::Error> {
                let mut seen = BTreeSet::new();
                while let Some(k) = m.next_key::<String>()? {
                    if !seen.insert(k.clone()) {
                        return Err(de::Error::custom(format!("duplicate key {k:?}")));
                    }
                    m.next_value::<NoDuplicates>()?;
                }
                Ok(NoDuplicates)
            }
        }
        d.deserialize_any(V)
    }
}

#[test]
fn the_first_lesson_packet_is_exactly_this_record() {
    let r = run(&["-r", &fixture("lesson.pcap"), "--json", "-c", "1"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout.trim_end(),
        r#"{"@timestamp":"2026-11-23T20:01:51.286381Z","ecs":{"version":"8.17.0"},"event":{"kind":"event","category":["network"],"type":["info"],"dataset":"portlens.packet","action":"handshake-1"},"network":{"type":"ipv4","transport":"tcp","iana_number":"6","community_id":"1:QNUu9NSBu9ivR8qmpfbBXBMEpLw="},"source":{"ip":"192.168.1.10","port":52341,"mac":"02-00-00-00-01-0A"},"destination":{"ip":"142.250.185.78","port":443,"mac":"02-00-00-00-01-4E"},"portlens":{"frame":1,"caplen":74,"len":74,"link":{"type":"ethernet","linktype":1,"ether_type":2048},"source":{"port_class":"dynamic","service":null},"destination":{"port_class":"well-known","service":"https"},"tcp":{"flags":["SYN"],"flags_raw":2,"seq":768323065,"ack":0,"window":64240,"payload_len":0,"header_len":40,"rel_seq":0,"rel_ack":null,"options":{"mss":1460,"wscale":10,"sack_permitted":true,"timestamps":[2339561897,0],"kinds":[2,4,8,1,3]}},"ip":{"version":4,"ttl":64,"id":10509,"header_len":20,"total_len":60,"dont_fragment":true},"warnings":[]}}"#
    );
}

#[test]
fn measured_values_are_fields_and_actions_come_from_the_fixed_list() {
    let js = json_lines(&run(&["-r", &fixture("lesson.pcap"), "--json"]).stdout);
    // The handshake's last ACK: `established`, and the RTT as a number of its own.
    assert_eq!(js[2]["event"]["action"], "established");
    assert_eq!(js[2]["portlens"]["tcp"]["rtt_ns"], 59000);
    let actions: Vec<&str> = js.iter().filter_map(|p| p["event"]["action"].as_str()).collect();
    assert!(actions.contains(&"close-1") && actions.contains(&"close-4"), "{actions:?}");
    let allowed = [
        "handshake-1", "handshake-2", "syn-retry", "port-reuse", "simultaneous-open", "established", "close-1",
        "close-1-2", "close-2", "close-2-3", "close-3", "close-3-4", "close-4", "reset", "refused", "rst-ignored",
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for f in std::fs::read_dir(&dir).expect("fixtures").filter_map(|e| e.ok().map(|e| e.path())) {
        if f.extension().is_some_and(|e| e == "pcap") {
            for p in json_lines(&run(&["-r", &f.display().to_string(), "--json"]).stdout) {
                if let Some(a) = p["event"].get("action") {
                    assert!(allowed.contains(&a.as_str().unwrap_or("")), "{}: {a}", f.display());
                }
            }
        }
    }
}

#[test]
fn a_time_past_year_9999_is_clamped_into_rfc3339_with_a_warning() {
    // A classic pcap whose first record's seconds field says 0xFFFFFFFF is year 2106 (fine);
    // a pcapng with if_tsoffset can reach far beyond. Build one: SHB, IDB with if_tsoffset
    // 2^44 s, one EPB.
    let mut f = Vec::new();
    let block = |f: &mut Vec<u8>, ty: u32, body: &[u8]| {
        let len = (12 + body.len()) as u32;
        f.extend_from_slice(&ty.to_le_bytes());
        f.extend_from_slice(&len.to_le_bytes());
        f.extend_from_slice(body);
        f.extend_from_slice(&len.to_le_bytes());
    };
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    block(&mut f, 0x0A0D_0D0A, &shb);
    let mut idb = Vec::new();
    idb.extend_from_slice(&101u16.to_le_bytes()); // raw IP
    idb.extend_from_slice(&0u16.to_le_bytes());
    idb.extend_from_slice(&65535u32.to_le_bytes());
    idb.extend_from_slice(&14u16.to_le_bytes()); // if_tsoffset
    idb.extend_from_slice(&8u16.to_le_bytes());
    idb.extend_from_slice(&(1i64 << 44).to_le_bytes());
    idb.extend_from_slice(&[0, 0, 0, 0]); // opt_endofopt
    block(&mut f, 1, &idb);
    let pkt: [u8; 20] = [0x45, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
    let mut epb = Vec::new();
    epb.extend_from_slice(&0u32.to_le_bytes());
    epb.extend_from_slice(&0u32.to_le_bytes());
    epb.extend_from_slice(&0u32.to_le_bytes());
    epb.extend_from_slice(&20u32.to_le_bytes());
    epb.extend_from_slice(&20u32.to_le_bytes());
    epb.extend_from_slice(&pkt);
    block(&mut f, 6, &epb);
    let r = common::run_with_stdin(&["-r", "-", "--json"], Some(&f));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let js = json_lines(&r.stdout);
    assert_eq!(js.len(), 1, "{}", r.stdout);
    assert_eq!(js[0]["@timestamp"], "9999-12-31T23:59:59.999999Z", "{}", r.stdout);
    let w = js[0]["portlens"]["warnings"].as_array().expect("warnings");
    assert!(w.iter().any(|w| w.as_str().is_some_and(|s| s.contains("outside the years 0000-9999"))), "{w:?}");
}

fn check_endpoint(p: &Value, key: &str, with_port: bool) {
    let e = &p[key];
    assert!(e["ip"].as_str().is_some_and(|s| s.parse::<std::net::IpAddr>().is_ok()), "{key}.ip: {p}");
    if with_port {
        assert!(e["port"].as_u64().is_some_and(|n| n <= 65535), "{key}.port: {p}");
        let facts = &p["portlens"][key];
        let class = facts["port_class"].as_str().expect("port_class");
        let port = e["port"].as_u64().unwrap_or(0);
        let want = match port {
            0..=1023 => "well-known",
            1024..=49151 => "registered",
            _ => "dynamic",
        };
        assert_eq!(class, want, "portlens.{key}.port_class for {port}");
        assert!(facts["service"].is_string() || facts["service"].is_null(), "portlens.{key}.service: {p}");
    } else {
        assert!(e.get("port").is_none(), "no ports here: {p}");
    }
}

/// tshark's `tcp.analysis.*` names, which `tcp.analysis` uses.
const ANALYSIS_NAMES: [&str; 14] = [
    "retransmission",
    "fast_retransmission",
    "spurious_retransmission",
    "out_of_order",
    "lost_segment",
    "ack_lost_segment",
    "duplicate_ack",
    "zero_window",
    "zero_window_probe",
    "zero_window_probe_ack",
    "window_full",
    "window_update",
    "keep_alive",
    "keep_alive_ack",
];

/// Checks one packet record against the contract.
fn check_packet(p: &Value) {
    assert_eq!(p["event"]["dataset"], "portlens.packet");
    assert_eq!(p["event"]["kind"], "event");
    assert_eq!(p["ecs"]["version"], "8.17.0");
    let pl = &p["portlens"];
    assert!(pl["frame"].as_u64().is_some_and(|n| n >= 1), "{p}");
    assert!(p["@timestamp"].as_str().is_some_and(is_rfc3339_utc), "@timestamp: {p}");
    assert!(pl["caplen"].is_u64() && pl["len"].is_u64(), "{p}");
    if let Some(n) = p.get("network") {
        assert!(n["type"].is_string() || n.get("type").is_none(), "{p}");
        if let Some(i) = n.get("iana_number") {
            assert!(i.as_str().is_some_and(|s| s.parse::<u8>().is_ok()), "network.iana_number is a keyword: {p}");
        }
    }
    // Community ID v1 wherever there are IP addresses (but for fragments after the first).
    if let Some(id) = p["network"].get("community_id") {
        let id = id.as_str().expect("network.community_id is a string");
        assert!(id.starts_with("1:") && id.len() == 30, "{p}");
    } else if pl["tcp"].is_object() || pl["udp"].is_object() {
        panic!("no community_id: {p}");
    }
    assert!(pl["warnings"].as_array().is_some_and(|w| w.iter().all(Value::is_string)), "{p}");
    match p["network"]["transport"].as_str() {
        Some("tcp") if pl["tcp"].is_object() => {
            check_endpoint(p, "source", true);
            check_endpoint(p, "destination", true);
            let t = &pl["tcp"];
            assert!(t["payload_len"].is_u64(), "{p}");
            if !t["flags"].is_null() {
                assert!(t["flags"].as_array().is_some_and(|f| f.iter().all(Value::is_string)));
                let raw = t["flags_raw"].as_u64().expect("flags_raw");
                assert!(raw < 4096, "12 bits");
                let names = t["flags"].as_array().map(Vec::len).unwrap_or(0);
                assert_eq!(names as u32, (raw & 0x1ff).count_ones(), "one name per flag bit: {p}");
            }
            for k in ["seq", "ack", "window"] {
                assert!(t[k].is_u64() || t[k].is_null(), "tcp.{k}: {p}");
            }
            // tshark's tcp.analysis names, only when there is a verdict; the duplicate-ACK
            // number only with a duplicate ACK.
            if let Some(a) = t.get("analysis") {
                let names = a.as_array().expect("tcp.analysis is an array");
                assert!(!names.is_empty(), "{p}");
                for n in names {
                    assert!(ANALYSIS_NAMES.contains(&n.as_str().unwrap_or("")), "{p}");
                }
                assert_eq!(t.get("duplicate_ack_num").is_some(), names.iter().any(|n| n == "duplicate_ack"), "{p}");
            }
            assert!(pl.get("udp").is_none());
        }
        Some("udp") if pl["udp"].is_object() => {
            check_endpoint(p, "source", true);
            check_endpoint(p, "destination", true);
            assert!(pl["udp"]["payload_len"].is_u64());
            assert!(pl["udp"]["length"].is_u64() || pl["udp"]["length"].is_null());
            assert!(pl.get("tcp").is_none());
        }
        _ => {
            if p["network"]["type"] == "ipv4" || p["network"]["type"] == "ipv6" {
                check_endpoint(p, "source", false);
                check_endpoint(p, "destination", false);
            }
        }
    }
}

#[test]
fn every_packet_of_every_fixture_follows_the_contract() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut n = 0;
    let list = |d: &std::path::Path| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(d).expect("fixtures").filter_map(|e| e.ok().map(|e| e.path())).collect()
    };
    // The fixtures and those in their sub-directories (encap/, kernel/, synth/).
    let mut files: Vec<_> = list(&dir).into_iter().flat_map(|p| if p.is_dir() { list(&p) } else { vec![p] }).collect();
    files.sort();
    for f in files.iter().filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng")) {
        let r = run(&["-r", &f.display().to_string(), "--json"]);
        assert!(matches!(r.code, Some(0) | Some(1)), "{}: {}", f.display(), r.stderr);
        for (i, line) in r.stdout.lines().enumerate() {
            serde_json::from_str::<NoDuplicates>(line).unwrap_or_else(|e| panic!("{} line {}: {e}: {line}", f.display(), i + 1));
        }
        for (i, p) in json_lines(&r.stdout).iter().enumerate() {
            check_packet(p);
            assert_eq!(p["portlens"]["frame"].as_u64(), Some(i as u64 + 1), "frames count from 1 in order: {}", f.display());
            n += 1;
        }
    }
    assert!(n > 500, "checked {n} packets");
}

#[test]
fn frame_numbers_count_every_packet_read_even_when_filtered() {
    // Frame numbers stay those of the file (tshark's), so a filter leaves gaps.
    let js = json_lines(&run(&["-r", &fixture("mixed-linktypes.pcapng"), "--json", "udp"]).stdout);
    let frames: Vec<u64> = js.iter().filter_map(|p| p["portlens"]["frame"].as_u64()).collect();
    assert_eq!(frames, vec![2, 5]);
}

#[test]
fn packets_without_ports_still_get_a_record() {
    let js = json_lines(&run(&["-r", &fixture("arp-icmp.pcap"), "--json"]).stdout);
    assert_eq!(js.len(), 12);
    assert_eq!(js[0]["network"]["type"], "arp");
    assert_eq!(js[0]["portlens"]["arp"]["target_ip"], "192.0.2.1");
    let unreachable = &js[4];
    assert_eq!(unreachable["network"]["transport"], "icmp");
    assert_eq!(unreachable["portlens"]["icmp"]["type"], 3);
    assert_eq!(unreachable["portlens"]["icmp"]["code"], 3);
    assert_eq!(unreachable["portlens"]["icmp"]["about"]["destination"]["port"], 53);
    assert!(js.iter().any(|p| p["network"]["transport"] == "ipv6-icmp"));
    assert!(js.iter().any(|p| p["network"]["transport"] == "gre"));
    let unknown = json_lines(&run(&["-r", &fixture("unknown-linktype.pcap"), "--json"]).stdout);
    assert_eq!(unknown[0]["portlens"]["link"]["type"], "unknown");
    assert_eq!(unknown[0]["portlens"]["link"]["linktype"], 147);
    assert!(unknown[0].get("network").is_none(), "no ECS field is written null: {}", unknown[0]);
}
