#!/usr/bin/env bash
# Why this exists: `portlens sockets` must be as fast as `ss -tuanp` on a machine with 50,000
# sockets (issue 10). This script makes that machine, bounded: a network namespace pl-10-bench
# with Python servers on 127.0.0.1:8080… and clients holding N/2 connections to them, 5,000 a
# pair (N sockets in all, plus per pair a listener, a UDP socket and one TIME_WAIT: no process
# needs more descriptors than a default hard limit allows), then times with hyperfine
#   ss -tuanp            (the kernel's table through netlink, programs from /proc/PID/fd)
#   portlens sockets -n  (the same facts, in words)
#   portlens sockets --json
# and removes the namespace and the processes. Prints hyperfine's markdown table.
#
#   sudo scripts/bench-sockets.sh                 # 50,000 sockets, release binary
#   sudo PORTLENS=target/ci/portlens scripts/bench-sockets.sh --sockets 20000 --no-build
#
# Needs root (namespaces), ip, ss, python3 and hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."

sockets=50000
runs=10
build=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sockets) sockets=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "bench-sockets.sh: unknown option $1 (--sockets N, --runs N, --no-build)" >&2; exit 2 ;;
  esac
done
if (( sockets < 2 || sockets > 100000 )); then
  echo "bench-sockets.sh: --sockets must be 2..100000" >&2
  exit 2
fi
for tool in ip ss python3 hyperfine; do
  command -v "$tool" >/dev/null || { echo "bench-sockets.sh: needs $tool" >&2; exit 1; }
done
me=bench-sockets.sh
. scripts/portlens-bin.sh

ns=pl-10-bench
ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="10000 60999"
dir=$(mktemp -d /tmp/pl-10-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
left=$((sockets / 2))
port=8080
while (( left > 0 )); do
  n=$(( left < 5000 ? left : 5000 ))
  # Each scene holds its sockets until its stdin closes (or 300 s pass).
  mkfifo "$dir/in.$port"
  SCENE_HOLD=300 ip netns exec "$ns" python3 tests/programs/scene.py table "$n" "$port" <"$dir/in.$port" >"$dir/out.$port" &
  pids+=($!)
  exec {fd}>"$dir/in.$port"
  for _ in $(seq 1 600); do
    [[ -s $dir/out.$port ]] && break
    sleep 0.1
  done
  left=$((left - n))
  port=$((port + 1))
done
echo "sockets in $ns: $(ip netns exec "$ns" ss -tuanH | wc -l) (ss -tuanH | wc -l)"
ip netns exec "$ns" hyperfine -N --warmup 2 --runs "$runs" --style none --export-markdown "$dir/table.md" \
  "ss -tuanp" "$PORTLENS sockets -n" "$PORTLENS sockets --json" >&2
cat "$dir/table.md"
