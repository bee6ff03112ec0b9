#!/usr/bin/env bash
# Why this exists: PRODUCT.md promises that portlens is measured against tcpdump and tshark on
# the same large file (line view 10× tcpdump, --json 5× tcpdump and 100× tshark -T ek, --bits
# 2× tcpdump, --flows within 2× of read + decode, memory flat in the number of packets). This
# script makes that file (deterministic, with scripts/make-many-flows.py), times whole runs of
# portlens and of the comparators in alternation (every command once per round, ≥5 rounds,
# medians), takes each run's peak RSS from /usr/bin/time -f %M, and prints the markdown table
# that goes into PERFORMANCE.md's "Results", with the machine it ran on.
#
#   scripts/bench.sh                      # build release, ~600k packets, 5 rounds (a few minutes)
#   scripts/bench.sh --runs 9             # more rounds on a noisy machine
#   scripts/bench.sh --quick              # 3 rounds of a 100k-packet file: a smoke test, not a result
#   PORTLENS=target/release/portlens scripts/bench.sh --no-build
#   sudo scripts/bench.sh --all           # every benchmark: this table, then scripts/bench-live.sh
#                                         # (live drops; needs root) and the criterion benches
#
# Options: --runs N (rounds, default 5), --flows N (flows in the file, default 60000; the
# memory check also reads a file of 2N), --tshark-packets N (prefix tshark decodes, default
# 20000), --dir DIR (where the captures are cached, default /tmp/portlens-bench), --no-build,
# --all (also the live and criterion benchmarks, after the table).
# The table is also written to DIR/results.md; every run's time to DIR/runs.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5
flows=60000
tshark_packets=20000
dir=${BENCH_DIR:-/tmp/portlens-bench}
build=1
all=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --flows) flows=$2; shift 2 ;;
    --tshark-packets) tshark_packets=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --quick) runs=3; flows=10000; tshark_packets=5000; shift ;;
    --all) all=1; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [[ $runs -lt 1 || $runs -gt 100 ]]; then
  echo "bench.sh: --runs must be 1..100" >&2
  exit 2
fi

for tool in tcpdump tshark python3 /usr/bin/time; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench.sh: $tool is missing (scripts/deps.sh --test installs tcpdump and tshark; /usr/bin/time is Debian's 'time')" >&2
    exit 1
  fi
done

me=bench.sh
# shellcheck source=scripts/portlens-bin.sh
. scripts/portlens-bin.sh

# The capture: TCP connections (handshake, request, response, close; some reset, refused or
# unanswered), a quarter of the flows UDP request/response, 30 % of all flows over IPv6, from
# 4096 client hosts spread over the address space to 20 servers; Ethernet, classic pcap.
mkdir -p "$dir"
gen=scripts/make-many-flows.py
mix=(--udp 0.25 --ipv6 0.3 --clients 4096 --seed 1)
# The files are cached in DIR under names that carry the arguments that differ; a newer
# generator makes them again.
make_capture() { # make_capture FLOWS FILE
  if [[ ! -s $2 || $gen -nt $2 ]]; then
    echo "bench.sh: writing $2 ($1 flows)" >&2
    python3 "$gen" "$2.tmp" --connections "$1" "${mix[@]}" >&2
    mv "$2.tmp" "$2"
  fi
}
file1=$dir/bench-$flows.pcap
file2=$dir/bench-$((2 * flows)).pcap
make_capture "$flows" "$file1"
make_capture "$((2 * flows))" "$file2"
# The same flows started further apart (3.3 ms instead of 10 µs for the default 60000 flows):
# F's flows all start within 0.6 s, so every finished connection is still in its 60 s TIME_WAIT
# at the end and the tracker's tables grow with the file (up to --max-flows); S spans about
# 200 s and S2 twice that, long enough (more than the 60 s TIME_WAIT plus the 15 s between
# sweeps, twice over) for the tables to reach their steady size. The memory check reads these.
gap_us=$(( (180000000 + flows - 1) / flows ))
concurrent=$(( 20000 / gap_us ))
[[ $concurrent -ge 1 ]] || concurrent=1
mix=(--udp 0.25 --ipv6 0.3 --clients 4096 --seed 1 --concurrent "$concurrent")
sparse1=$dir/bench-$flows-c$concurrent.pcap
sparse2=$dir/bench-$((2 * flows))-c$concurrent.pcap
make_capture "$flows" "$sparse1"
make_capture "$((2 * flows))" "$sparse2"
# The same connections with more packets each: E1 has one request/response exchange per TCP
# connection (11 packets), E8 eight (39 packets). What --flows keeps depends on the connections,
# so its memory must not change between them.
efl=$(( flows / 4 ))
mix=(--udp 0.25 --ipv6 0.3 --clients 4096 --seed 1 --exchanges 1)
ex1=$dir/bench-$efl-x1.pcap
make_capture "$efl" "$ex1"
mix=(--udp 0.25 --ipv6 0.3 --clients 4096 --seed 1 --exchanges 8)
ex8=$dir/bench-$efl-x8.pcap
make_capture "$efl" "$ex8"
mix=(--udp 0.25 --ipv6 0.3 --clients 4096 --seed 1)

export TZ=UTC LC_ALL=C
PORTLENS=$PORTLENS FILE1=$file1 FILE2=$file2 SPARSE1=$sparse1 SPARSE2=$sparse2 EX1=$ex1 EX8=$ex8 SPARSE_CONCURRENT=$concurrent FLOWS=$flows RUNS=$runs TSHARK_PACKETS=$tshark_packets \
  BENCH_DIR=$dir GEN_ARGS="--connections $flows ${mix[*]}" python3 - <<'PY'
import os, statistics, struct, subprocess, sys, time

pl = os.environ["PORTLENS"]
f1, f2 = os.environ["FILE1"], os.environ["FILE2"]
s1, s2 = os.environ["SPARSE1"], os.environ["SPARSE2"]
e1, e8 = os.environ["EX1"], os.environ["EX8"]
runs = int(os.environ["RUNS"])
tn = int(os.environ["TSHARK_PACKETS"])
out_dir = os.environ["BENCH_DIR"]


def count_packets(path):
    """Records in a classic pcap file and the seconds they span (the generator writes
    little-endian microsecond pcap)."""
    n, first, last = 0, None, 0
    with open(path, "rb") as f:
        f.seek(24)
        while True:
            h = f.read(16)
            if len(h) < 16:
                return n, (last - (first or 0))
            secs, usecs, caplen = struct.unpack("<III", h[:12])
            last = secs + usecs / 1e6
            first = last if first is None else first
            f.seek(caplen, 1)
            n += 1


(n1, span1), (n2, span2) = count_packets(f1), count_packets(f2)
(_, span_s1), (_, span_s2) = count_packets(s1), count_packets(s2)
(ne1, _), (ne8, _) = count_packets(e1), count_packets(e8)
tn = min(tn, n1)

# id → (argv, what it is). Every command's stdout goes to /dev/null.
cmds = {
    "pl_line": ([pl, "-r", f1], "portlens -r F"),
    "pl_json": ([pl, "-r", f1, "--json"], "portlens -r F --json"),
    "pl_bits": ([pl, "-r", f1, "--bits"], "portlens -r F --bits"),
    "pl_flows": ([pl, "-r", f1, "--flows"], "portlens -r F --flows"),
    "pl_read": ([pl, "-r", f1, "-w", "/dev/null"], "portlens -r F -w /dev/null (read + decode)"),
    "td": (["tcpdump", "-nn", "-r", f1], "tcpdump -nn -r F"),
    "ts": (["tshark", "-r", f1, "-c", str(tn), "-T", "ek"], f"tshark -r F -c {tn} -T ek"),
    "ts1": (["tshark", "-r", f1, "-c", "1", "-T", "ek"], "tshark -r F -c 1 -T ek (start-up)"),
    "pl_line2": ([pl, "-r", f2], "portlens -r F2"),
    "pl_flows2": ([pl, "-r", f2, "--flows"], "portlens -r F2 --flows"),
    "s_line1": ([pl, "-r", s1], "portlens -r S"),
    "s_line2": ([pl, "-r", s2], "portlens -r S2"),
    "s_flows1": ([pl, "-r", s1, "--flows"], "portlens -r S --flows"),
    "s_flows2": ([pl, "-r", s2, "--flows"], "portlens -r S2 --flows"),
    "e_flows1": ([pl, "-r", e1, "--flows"], "portlens -r E1 --flows"),
    "e_flows8": ([pl, "-r", e8, "--flows"], "portlens -r E8 --flows"),
}
npk = {"ts": tn, "ts1": 1, "pl_line2": n2, "pl_flows2": n2, "s_line1": n1, "s_flows1": n1, "s_line2": n2, "s_flows2": n2, "e_flows1": ne1, "e_flows8": ne8}
times = {k: [] for k in cmds}
rss = {k: [] for k in cmds}
rss_file = os.path.join(out_dir, "rss.txt")
log = open(os.path.join(out_dir, "runs.tsv"), "w")
log.write("round\tcommand\tseconds\tmax_rss_kb\n")

order = list(cmds)
t_start = time.time()
load_before = os.getloadavg()
for r in range(runs):
    # Every command once per round (A B C … A B C …), starting one further each round, so
    # that a burst of load from elsewhere falls on different commands.
    k0 = r % len(order)
    for k in order[k0:] + order[:k0]:
        argv = ["/usr/bin/time", "-f", "%M", "-o", rss_file] + cmds[k][0]
        t0 = time.perf_counter()
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t0
        if p.returncode != 0:
            sys.exit(f"bench.sh: {' '.join(cmds[k][0])} failed ({p.returncode}): {p.stderr.decode()[-500:]}")
        with open(rss_file) as f:
            kb = int(f.read().split()[-1])
        times[k].append(dt)
        rss[k].append(kb)
        log.write(f"{r + 1}\t{k}\t{dt:.4f}\t{kb}\n")
    print(f"bench.sh: round {r + 1}/{runs} done ({time.time() - t_start:.0f} s)", file=sys.stderr)
log.close()
load_after = os.getloadavg()

med = {k: statistics.median(v) for k, v in times.items()}
mrss = {k: statistics.median(v) for k, v in rss.items()}


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def rate(pkts, s):
    return f"{pkts / s / 1e6:.2f} M pkt/s" if pkts / s >= 1e6 else f"{pkts / s / 1e3:.1f} k pkt/s"


def faster(r):
    return f"{r:.2f}× faster" if r >= 1 else f"{1 / r:.2f}× slower"


def yes(ok):
    return "**yes**" if ok else "**no**"


# tshark: per-packet cost from the prefix minus its start-up (the conservative comparison: it
# makes tshark look faster than its whole-run rate would).
ts_marginal = max(med["ts"] - med["ts1"], 1e-9) / max(tn - 1, 1)
ts_rate = 1 / ts_marginal
pl_json_rate = n1 / med["pl_json"]

rows = []


def row(view, pl_s, comp, comp_s, ratio_text, target, ok):
    rows.append(f"| {view} | {pl_s} | {comp} | {comp_s} | {ratio_text} | {target} | {yes(ok)} |")


r_line = med["td"] / med["pl_line"]
row("line (`-r F > /dev/null`)", f"{med['pl_line']:.3f}", "`tcpdump -nn -r F`", f"{med['td']:.3f}",
    faster(r_line), "≥ 10× faster", r_line >= 10)
r_json = med["td"] / med["pl_json"]
row("`--json`", f"{med['pl_json']:.3f}", "`tcpdump -nn -r F`", f"{med['td']:.3f}",
    faster(r_json), "≥ 5× faster", r_json >= 5)
r_ts = pl_json_rate / ts_rate
row("`--json`, per packet", f"{med['pl_json']:.3f} ({rate(n1, med['pl_json'])})",
    f"`tshark -T ek` on the first {tn:,} packets¹", f"{med['ts']:.3f} ({rate(1, ts_marginal)})",
    f"{r_ts:.0f}× faster per packet", "≥ 100× faster", r_ts >= 100)
r_bits = med["td"] / med["pl_bits"]
row("`--bits`", f"{med['pl_bits']:.3f}", "`tcpdump -nn -r F`", f"{med['td']:.3f}",
    faster(r_bits), "≥ 2× faster", r_bits >= 2)
r_flows = med["pl_flows"] / med["pl_read"]
row("`--flows` (prints only the table)", f"{med['pl_flows']:.3f}", "`portlens -r F -w /dev/null` (read + decode)²",
    f"{med['pl_read']:.3f}", f"{r_flows:.2f}× its time", "≤ 2×", r_flows <= 2)
FLAT = 1.15
m = mrss["s_line2"] / mrss["s_line1"]
row("memory, line view: peak RSS S → S2 (2× packets, 2× connections)⁴",
    f"{mrss['s_line1'] / 1024:.1f} MiB → {mrss['s_line2'] / 1024:.1f} MiB",
    "the same run on a file twice as long", "", f"{m:.2f}×", f"flat (≤ {FLAT}×)", m <= FLAT)
m = mrss["e_flows8"] / mrss["e_flows1"]
row(f"memory, `--flows`: peak RSS E1 → E8 (the same connections, {ne8 / ne1:.1f}× packets)⁵",
    f"{mrss['e_flows1'] / 1024:.1f} MiB → {mrss['e_flows8'] / 1024:.1f} MiB",
    "the same run with more packets per connection", "", f"{m:.2f}×", f"flat (≤ {FLAT}×)", m <= FLAT)
per_conn = (mrss["s_flows2"] - mrss["s_flows1"]) * 1024 / max(1, 0.75 * int(os.environ["FLOWS"]))
rows.append(f"| memory, `--flows`: peak RSS S → S2 (2× connections)³ | {mrss['s_flows1'] / 1024:.1f} MiB → "
            f"{mrss['s_flows2'] / 1024:.1f} MiB | the same run on a file twice as long |  | "
            f"{mrss['s_flows2'] / mrss['s_flows1']:.2f}× (about {per_conn:.0f} bytes per extra TCP connection) | "
            "grows with connections only, up to its cap | — |")

git = sh("git describe --always --dirty 2>/dev/null || echo unknown")
cpu = sh("lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1") or sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2")
mhz = sh("lscpu | sed -n 's/^CPU max MHz:[[:space:]]*//p' | head -1")
lines = []
p = lines.append
p(f"Measured {time.strftime('%Y-%m-%d %H:%M %Z')} by `scripts/bench.sh` (portlens {git}): medians of {runs} alternating rounds.")
p("")
with open("/proc/meminfo") as f:
    mem_gib = int(f.readline().split()[1]) / 1024 / 1024
p(f"- **Machine**: {cpu}{' (max ' + mhz + ' MHz)' if mhz else ''}, {os.cpu_count()} cores, "
  f"{mem_gib:.0f} GiB RAM; Linux {os.uname().release}; "
  f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after (shared machine: other work may run alongside).")
p(f"- **Tools**: {sh(pl + ' --version')}; {sh('tcpdump --version 2>&1 | head -1')} "
  f"({sh('tcpdump --version 2>&1 | sed -n 2p')}); {sh('tshark --version | head -1').rstrip('.')}; {sh('rustc --version')}.")
p(f"- **F** = `{os.path.basename(f1)}`: {n1:,} packets, {os.path.getsize(f1) / 1e6:.1f} MB, made by "
  f"`scripts/make-many-flows.py {os.environ['GEN_ARGS']}`: "
  "TCP connections with handshake, request, response and close (some reset, refused or unanswered), "
  "25 % of flows UDP request/response, 30 % of flows over IPv6, from 4096 client hosts to 20 servers, "
  f"Ethernet, classic pcap; a new flow every 10 µs (about 2000 open at once), so F spans {span1:.1f} s. "
  f"**F2**: twice the flows ({n2:,} packets, {span2:.1f} s). **S**, **S2**: the same as F and F2 with the flows "
  f"further apart (`--concurrent {os.environ['SPARSE_CONCURRENT']}`), spanning {span_s1:.0f} s and {span_s2:.0f} s.")
p("- Every command's stdout goes to `/dev/null`; `TZ=UTC`. Times are whole runs (start-up included), in seconds.")
p("")
p("| view | portlens median (s) | compared with | its median (s) | ratio | target | met |")
p("| --- | --- | --- | --- | --- | --- | --- |")
lines.extend(rows)
p("")
p(f"¹ tshark decodes about {ts_rate / 1e3:.1f} k packets/s, so it runs on a prefix of the same file (`-c {tn}`) and the "
  "rates per packet are compared: portlens' rate over the whole file against tshark's marginal rate "
  f"(time for {tn:,} packets minus its start-up, `-c 1`: {med['ts1']:.2f} s). Counting tshark's start-up would "
  f"make the ratio larger ({pl_json_rate / (tn / med['ts']):.0f}×).")
p("² `-w /dev/null` with no view: reads every frame, decodes it (app.rs decodes before it looks at the view; "
  "the tracker is off) and writes the frame out again. It is the floor the other views are measured against.")
p("³ `--flows` keeps one record per finished connection for its table (up to `flow::MAX_RECORDS` = 200,000; "
  "beyond it the table says how many were left out), so its memory grows with the number of connections until "
  "that cap, and not with their packets (⁵).")
p(f"⁴ S and S2 span {span_s1:.0f} s and {span_s2:.0f} s, longer than the 60 s TIME_WAIT a finished connection "
  "is remembered for (plus the 15 s between sweeps): the tracker's tables reach a steady size, set by the "
  "connection rate, `--flow-timeout` and `--max-flows`, not by the length of the file. "
  f"On F and F2 ({span1:.1f} s and {span2:.1f} s of traffic) every finished connection is still in its TIME_WAIT "
  "at the end, so their tables grow with the file up to `--max-flows` (100,000): "
  f"line view {mrss['pl_line'] / 1024:.1f} MiB → {mrss['pl_line2'] / 1024:.1f} MiB.")
p(f"⁵ E1 and E8: the same {int(os.environ['FLOWS']) // 4:,} flows made with `--exchanges 1` and `--exchanges 8` "
  f"({ne1:,} and {ne8:,} packets).")
p("")
p("All commands (median, fastest, slowest, peak RSS median):")
p("")
p("| command | median s | min s | max s | packets/s | peak RSS |")
p("| --- | --- | --- | --- | --- | --- |")
for k, (argv, what) in cmds.items():
    n = npk.get(k, n1)
    r = "—" if k == "ts1" else rate(n, med[k])
    p(f"| `{what}` | {med[k]:.3f} | {min(times[k]):.3f} | {max(times[k]):.3f} | {r} | {mrss[k] / 1024:.1f} MiB |")
text = "\n".join(lines) + "\n"
with open(os.path.join(out_dir, "results.md"), "w") as f:
    f.write(text)
sys.stdout.write(text)
print(f"bench.sh: table also in {os.path.join(out_dir, 'results.md')}; every run in {os.path.join(out_dir, 'runs.tsv')}", file=sys.stderr)
PY

if [[ $all -eq 1 ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    PORTLENS=$PORTLENS scripts/bench-live.sh --no-build
  else
    echo "bench.sh: the live benchmark needs root: sudo scripts/bench-live.sh" >&2
  fi
  cargo bench --bench decode --bench views --bench flow
fi
