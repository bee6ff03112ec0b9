#!/usr/bin/env bash
# The README's first command: installs libpcap-dev if it is missing, builds portlens and runs
# it on a bundled capture (a real TCP exchange to 142.250.185.78:443, :80 and :3306) — the line
# view, then the connection table.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cargo build --release --quiet
target/release/portlens -r fixtures/lesson.pcap --print --flows "$@"
