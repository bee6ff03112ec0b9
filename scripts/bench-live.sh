#!/usr/bin/env bash
# Why this exists: PRODUCT.md promises that live capture "keeps up with loopback traffic that
# makes tcpdump drop packets". This script checks it, bounded: it floods `lo` with UDP
# datagrams at fixed rates (a fixed count per rate, to 127.0.0.1 on a port nobody listens on),
# captures the same flood with portlens and with tcpdump (writing a file, printing lines to a
# file, or both), stops each capture with SIGINT after the flood, and compares what each one
# says it captured and what the kernel says it dropped ("N packets dropped by kernel" on
# stderr, printed by both at exit). Prints a markdown table.
#
#   sudo scripts/bench-live.sh        # 100k, 200k, 300k pkt/s × 2 s, 2 senders, -B default and 128 KiB
#   sudo scripts/bench-live.sh --rates "50000 300000" --seconds 1 --rounds 3 --buffers default
#
# Options: --rates "R …" (packets/s asked, 1..2,000,000 each), --seconds S (flood length,
# 1..10; count = rate × S), --rounds N (repeat everything, 1..10; the table shows medians),
# --senders N (1..4 sending processes sharing the rate, default 2: on a small machine one sender
# cannot outrun either tool; several also take the CPU from the capture), --buffers "B …"
# (kernel buffer for both tools, `-B` in KiB, or `default` for each tool's default of 2 MiB;
# default "default 128": a 2-core VM's loopback makes neither tool drop with 2 MiB, a small
# buffer shows who keeps up), --port P (default 47999), --size B (UDP payload, default 100),
# --dir DIR, --no-build. A sender that cannot keep the rate sends as fast as it can until its
# deadline (twice the planned time plus 1 s): the table shows what was sent and how fast.
# Needs root (live capture), tcpdump, python3 and a C compiler (the sender: python cannot send
# fast enough to make anything drop). Traffic goes only to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

rates="100000 200000 300000"
seconds=2
rounds=1
senders=2
buffers="default 128"
port=47999
size=100
dir=${BENCH_DIR:-/tmp/portlens-bench-live}
build=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rates) rates=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --senders) senders=$2; shift 2 ;;
    --buffers) buffers=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "bench-live.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [[ $seconds -lt 1 || $seconds -gt 10 || $rounds -lt 1 || $rounds -gt 10 || $size -lt 1 || $size -gt 1400 ||
      $senders -lt 1 || $senders -gt 4 ]]; then
  echo "bench-live.sh: --seconds must be 1..10, --rounds 1..10, --size 1..1400, --senders 1..4" >&2
  exit 2
fi
for b in $buffers; do
  if [[ $b != default && ! ( $b =~ ^[0-9]+$ && $b -ge 1 ) ]]; then
    echo "bench-live.sh: --buffers takes sizes in KiB or 'default' (got $b)" >&2
    exit 2
  fi
done
for r in $rates; do
  if [[ ! $r =~ ^[0-9]+$ || $r -lt 1 || $r -gt 2000000 ]]; then
    echo "bench-live.sh: each rate must be 1..2000000 packets/s (got $r)" >&2
    exit 2
  fi
done
if [[ $(id -u) -ne 0 ]]; then
  echo "bench-live.sh: live capture needs root: sudo $0 $*" >&2
  exit 1
fi
cc=$(command -v cc || command -v gcc || true)
for tool in tcpdump python3 "$cc"; do
  if [[ -z $tool ]] || ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench-live.sh: needs tcpdump, python3 and a C compiler (apt-get install tcpdump python3 gcc)" >&2
    exit 1
  fi
done

me=bench-live.sh
# shellcheck source=scripts/portlens-bin.sh
. scripts/portlens-bin.sh

mkdir -p "$dir"
# The sender: COUNT datagrams of SIZE bytes to 127.0.0.1:PORT at RATE per second, paced
# against the clock in batches of up to 32 (sendmmsg), from an unconnected socket (so the ICMP
# port-unreachable replies do not turn into errors that stop sends). Bounded by COUNT and by a
# deadline of twice the planned time plus one second. Prints: sent, seconds, errors.
cat > "$dir/udp-flood.c" <<'C'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: udp-flood PORT COUNT RATE SIZE\n");
        return 2;
    }
    int port = atoi(argv[1]);
    long count = atol(argv[2]);
    double rate = atof(argv[3]);
    int size = atoi(argv[4]);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) { perror("socket"); return 1; }
    int sndbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
    static char payload[1500];
    memset(payload, 'x', sizeof payload);
    enum { BATCH = 32 };
    struct iovec iov[BATCH];
    struct mmsghdr msgs[BATCH];
    for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = payload;
        iov[i].iov_len = size;
        memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_name = &dst;
        msgs[i].msg_hdr.msg_namelen = sizeof dst;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    long sent = 0, errors = 0;
    double t0 = now(), deadline = t0 + 2.0 * count / rate + 1.0;
    while (sent < count) {
        double t = now();
        if (t > deadline) break;
        long due = (long)((t - t0) * rate) + 1;
        if (due > count) due = count;
        if (due <= sent) {
            double wait = t0 + (double)sent / rate - t;
            if (wait > 100e-6) {
                struct timespec ts = { 0, (long)(wait * 1e9) };
                nanosleep(&ts, NULL);
            }
            continue;
        }
        long n = due - sent;
        if (n > BATCH) n = BATCH;
        int r = sendmmsg(fd, msgs, (unsigned)n, 0);
        if (r < 0) {
            errors++;
            sent++; /* counted as sent (and lost) so that the loop ends */
        } else {
            sent += r;
        }
    }
    printf("%ld %.6f %ld\n", sent, now() - t0, errors);
    return 0;
}
C
"$cc" -O2 -o "$dir/udp-flood" "$dir/udp-flood.c"

export TZ=UTC LC_ALL=C
PORTLENS=$PORTLENS RATES=$rates SECONDS_EACH=$seconds ROUNDS=$rounds PORT=$port SIZE=$size DIR=$dir \
  SENDERS=$senders BUFFERS=$buffers \
  python3 - <<'PY'
import os, re, signal, statistics, struct, subprocess, sys, time

pl = os.environ["PORTLENS"]
rates = [int(r) for r in os.environ["RATES"].split()]
secs = int(os.environ["SECONDS_EACH"])
rounds = int(os.environ["ROUNDS"])
port = os.environ["PORT"]
size = os.environ["SIZE"]
d = os.environ["DIR"]
senders = int(os.environ["SENDERS"])
buffers = os.environ["BUFFERS"].split()
flood = os.path.join(d, "udp-flood")
flt = ["udp", "port", port]
pcap, out = os.path.join(d, "x.pcap"), os.path.join(d, "out.txt")
KEYS = ["pl_w_print", "pl_w", "pl_line", "td_w", "td_line"]


def config(key, buffer):
    """(argv, stdout file or None, the command as the table shows it) of one capture."""
    buf = [] if buffer == "default" else ["-B", buffer]
    b = "" if buffer == "default" else f"-B {buffer} "
    return {
        "pl_w_print": ([pl, "-i", "lo"] + buf + ["-w", pcap, "--print"] + flt, out,
                       f"portlens -i lo {b}-w x.pcap --print udp port {port} > out.txt"),
        "pl_w": ([pl, "-i", "lo"] + buf + ["-w", pcap] + flt, None, f"portlens -i lo {b}-w x.pcap udp port {port}"),
        "pl_line": ([pl, "-i", "lo"] + buf + flt, out, f"portlens -i lo {b}udp port {port} > out.txt"),
        "td_w": (["tcpdump", "-i", "lo"] + buf + ["-w", pcap] + flt, None, f"tcpdump -i lo {b}-w x.pcap udp port {port}"),
        "td_line": (["tcpdump", "-i", "lo"] + buf + ["-nn"] + flt, out, f"tcpdump -i lo {b}-nn udp port {port} > out.txt"),
    }[key]


def pcap_count(path):
    """Records in a pcap file (either byte order, any timestamp precision)."""
    try:
        with open(path, "rb") as f:
            head = f.read(24)
            if len(head) < 24:
                return 0
            endian = "<" if head[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
            n = 0
            while True:
                h = f.read(16)
                if len(h) < 16:
                    return n
                f.seek(struct.unpack(endian + "I", h[8:12])[0], 1)
                n += 1
    except OSError:
        return 0


def line_count(path):
    """Non-empty lines (tcpdump prints an empty line when SIGINT stops it)."""
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


def trial(key, buffer, rate):
    argv, stdout_path, _ = config(key, buffer)
    count = rate * secs
    for p in (pcap, out):
        if os.path.exists(p):
            os.unlink(p)
    err_path = os.path.join(d, "stderr.txt")
    with open(err_path, "wb") as err, open(stdout_path or os.devnull, "wb") as so:
        cap = subprocess.Popen(argv, stdout=so, stderr=err, stdin=subprocess.DEVNULL)
        # Wait (bounded) until the capture says it is listening.
        t_end = time.time() + 10
        while time.time() < t_end:
            with open(err_path, "rb") as f:
                if b"listening on" in f.read():
                    break
            if cap.poll() is not None:
                break
            time.sleep(0.05)
        else:
            cap.kill()
            sys.exit(f"bench-live.sh: {' '.join(argv)} did not start listening within 10 s")
        if cap.poll() is not None:
            sys.exit(f"bench-live.sh: {' '.join(argv)} exited: {open(err_path).read()[-500:]}")
        time.sleep(0.3)
        each = [count // senders + (1 if i < count % senders else 0) for i in range(senders)]
        procs = [subprocess.Popen([flood, port, str(n), str(rate / senders), size], stdout=subprocess.PIPE, text=True)
                 for n in each]
        sent = errors = 0
        elapsed = 0.0
        for fp in procs:
            o, _ = fp.communicate(timeout=4 * secs + 10)
            n_sent, n_s, n_err = o.split()
            sent, elapsed, errors = sent + int(n_sent), max(elapsed, float(n_s)), errors + int(n_err)
        # Let the capture read what the kernel holds: tcpdump hands over a TPACKET_V3 block only
        # when it is full or its 1 s timeout expires, and drops the rest at SIGINT uncounted.
        time.sleep(1.5)
        cap.send_signal(signal.SIGINT)
        try:
            cap.wait(timeout=30)
        except subprocess.TimeoutExpired:
            cap.kill()
            cap.wait()
            sys.exit(f"bench-live.sh: {' '.join(argv)} did not stop within 30 s of SIGINT")
    text = open(err_path, encoding="utf-8", errors="replace").read()
    m = re.search(r"(\d+) packets? dropped by kernel", text)
    return {
        "sent": sent, "send_s": elapsed, "send_err": errors,
        "dropped": int(m.group(1)) if m else None,
        "got": pcap_count(pcap) if "-w" in argv else line_count(out),
        "printed": line_count(out) if stdout_path else None,
    }


results = {}
t_start = time.time()
for r in range(rounds):
    for bi, buffer in enumerate(buffers):
        for ri, rate in enumerate(rates):
            k0 = (r + bi + ri) % len(KEYS)
            for key in KEYS[k0:] + KEYS[:k0]:  # the order changes between rates, buffers and rounds
                res = trial(key, buffer, rate)
                results.setdefault((buffer, rate, key), []).append(res)
                print(f"bench-live.sh: -B {buffer} {rate} pkt/s {key}: sent {res['sent']} in {res['send_s']:.2f} s, "
                      f"kernel dropped {res['dropped']}, output has {res['got']}", file=sys.stderr)
print(f"bench-live.sh: done in {time.time() - t_start:.0f} s", file=sys.stderr)


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()


cpu = sh("lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1")
git = sh("git describe --always --dirty 2>/dev/null || echo unknown")
print(f"Measured {time.strftime('%Y-%m-%d %H:%M %Z')} by `scripts/bench-live.sh` (portlens {git}): "
      f"{rounds} round(s) (medians), {secs} s of flood per rate from {senders} sending process(es); "
      f"UDP payload {size} B to 127.0.0.1:{port} (nobody listens).")
print(f"Machine: {cpu}, {os.cpu_count()} cores, Linux {os.uname().release}; "
      f"{sh(pl + ' --version')}; {sh('tcpdump --version 2>&1 | head -1')}; default snap length for both.")
print()
print("| kernel buffer | rate asked (pkt/s) | sent (achieved rate) | capture | lost | kernel drops | in the output | lines printed |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for buffer in buffers:
    for rate in rates:
        for key in KEYS:
            rs = results[(buffer, rate, key)]
            sent = med([x["sent"] for x in rs])
            achieved = med([x["sent"] / x["send_s"] for x in rs])
            drops = med([x["dropped"] for x in rs])
            got = med([x["got"] for x in rs])
            printed = med([x["printed"] for x in rs])
            lost = sent - got
            drops_s = "?" if drops is None else f"{drops:,.0f}"
            printed_s = "—" if printed is None else f"{printed:,.0f}"
            bs = "default (2 MiB)" if buffer == "default" else f"{buffer} KiB"
            print(f"| {bs} | {rate:,} | {sent:,.0f} ({achieved / 1e3:,.0f} k/s) | `{config(key, buffer)[2]}` | "
                  f"**{lost:,.0f} ({100 * lost / sent:.1f} %)** | {drops_s} | {got:,.0f} | {printed_s} |")
print()
print("\"lost\" = sent − in the output: what each capture did not get, the number to compare. \"in the output\" "
      "counts the records of the -w file, or the lines printed when there is no -w. \"kernel drops\" is what each "
      "tool prints at exit (libpcap's ps_drop + ps_ifdrop); on `lo` the kernel hands the capture socket every "
      "datagram twice (as sent and as received; libpcap discards the first), so it counts up to twice the loss. "
      "The senders run on the same 2 cores as the capture and take CPU time from it.")
PY
