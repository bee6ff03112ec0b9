//! Community ID v1 (`network.community_id`) against the public specification's test vectors:
//! `../shared/community-id/` holds the spec's captures and its expected IDs (default seed,
//! base64). Every flow of the spec's baseline must get the spec's ID on every packet portlens
//! prints for it, and `--flows` records must carry the same ID as their packets. Skipped, with
//! a message, when `../shared` is not beside the checkout.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn vectors() -> Option<PathBuf> {
    let dir = common::shared_pcaps()?.parent()?.join("community-id");
    dir.is_dir().then_some(dir)
}

/// portlens' packet records of the spec's combined capture (decompressed with gzip).
fn packets(dir: &std::path::Path) -> Vec<Value> {
    let tmp = tempfile::tempdir().unwrap();
    let pcap = tmp.path().join("combined.pcap");
    let out = Command::new("gzip").arg("-dc").arg(dir.join("combined.pcap.gz")).output().expect("gzip");
    assert!(out.status.success());
    std::fs::write(&pcap, &out.stdout).unwrap();
    let run = common::run(&["-r", &pcap.display().to_string(), "--json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    common::json_lines(&run.stdout)
}

/// Whether packet `p` belongs to the baseline entry `e` (addresses, protocol, ports; for ICMP
/// the type, which the spec writes as the source port).
fn same_flow(p: &Value, e: &Value) -> bool {
    let proto = e["proto"].as_u64().unwrap();
    if p["source"]["ip"] != e["saddr"] || p["destination"]["ip"] != e["daddr"] || p["network"]["iana_number"] != proto.to_string().as_str() {
        return false;
    }
    match proto {
        1 | 58 => p["portlens"]["icmp"]["type"] == e["sport"],
        6 | 17 => p["source"]["port"] == e["sport"] && p["destination"]["port"] == e["dport"],
        _ => true,
    }
}

#[test]
fn every_packet_gets_the_ids_of_the_spec() {
    let Some(dir) = vectors() else {
        eprintln!("skipped: ../shared/community-id is not beside this checkout");
        return;
    };
    if !common::have("gzip") {
        eprintln!("skipped: gzip is not installed");
        return;
    }
    let baseline: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("baseline_deflt.json")).unwrap()).unwrap();
    assert!(baseline.len() >= 20);
    let pkts = packets(&dir);
    let mut checked = 0;
    for e in &baseline {
        let ours: Vec<&Value> = pkts.iter().filter(|p| same_flow(p, e)).collect();
        assert!(!ours.is_empty(), "no packet of {e}");
        for p in ours {
            assert_eq!(p["network"]["community_id"], e["communityid"], "frame {}: {e}", p["portlens"]["frame"]);
            checked += 1;
        }
    }
    eprintln!("{} baseline flows, {checked} packets checked", baseline.len());
    // Packets without IP (ARP) have no ID.
    assert!(pkts.iter().filter(|p| p["network"]["type"] == "arp").all(|p| p["network"]["community_id"].is_null()));
}

#[test]
fn flow_records_carry_the_id_of_their_packets() {
    let run = common::run(&["-r", &common::fixture("lesson.pcap"), "--json", "--flows", "--print"]);
    let all = common::json_lines(&run.stdout);
    let flows: Vec<&Value> = all.iter().filter(|v| v["event"]["dataset"] == "portlens.flow").collect();
    assert!(flows.len() >= 3);
    for f in flows {
        let id = f["network"]["community_id"].as_str().unwrap();
        assert!(id.starts_with("1:") && id.len() == 30, "{id}");
        let pkt = all
            .iter()
            .find(|p| p["event"]["dataset"] == "portlens.packet" && p["source"]["port"] == f["source"]["port"] && p["source"]["ip"] == f["source"]["ip"])
            .unwrap();
        assert_eq!(pkt["network"]["community_id"], id);
    }
}
