#!/usr/bin/env python3
"""Write a large synthetic capture of many short TCP connections, for portlens' memory and speed
checks of the flow tracker (`--flows`, `--stats`, `--ladder`). Nothing here is committed output:
write the file somewhere temporary.

    scripts/make-many-flows.py /tmp/many-flows.pcap                 # 60,000 connections, ~760k packets
    scripts/make-many-flows.py /tmp/f.pcap --connections 1000 --seed 7

    /usr/bin/time -v target/release/portlens -r /tmp/many-flows.pcap --flows > /dev/null
    /usr/bin/time -v target/release/portlens -r /tmp/many-flows.pcap -w /dev/null   # read + decode only

The connections overlap (about --concurrent of them open at any moment) and end in every way the
tracker knows: most close normally (client or server first, 4-way or 3-way), some are reset,
some refused, a few never answered (SYN retried after 1 s and 3 s). Clients are 10.1.x.y with
ephemeral ports, servers 10.2.0.x on a handful of well-known and registered ports. Classic pcap,
Ethernet, microsecond timestamps; deterministic for a given --seed.

--udp F makes a share F of the flows UDP request/response exchanges (DNS, NTP, SNMP, mDNS,
QUIC-sized datagrams; one or two pairs each), and --ipv6 F sends a share F of all flows over
IPv6 (clients 2001:db8:1::/64, servers 2001:db8:2::x). Both default to 0, which keeps the
original all-IPv4-TCP output byte for byte. --clients N makes the flows come from N client
hosts spread over the address space (default: one client per flow, 10.1.x.y), as a server
sees them. --syn-flood makes every TCP flow a single unanswered SYN (a SYN flood or a scan:
the worst case for the tracker's and the ladder's tables, which fill with connections that
never end):

    scripts/make-many-flows.py /tmp/syn-flood.pcap --connections 200000 --syn-flood --clients 200000 scripts/bench.sh uses all three for its benchmark file:

    scripts/make-many-flows.py /tmp/bench.pcap --connections 60000 --udp 0.25 --ipv6 0.3 --clients 4096
"""

import argparse
import heapq
import random
import struct
import sys

SERVER_PORTS = [443, 80, 22, 3306, 5432, 8080, 6379, 25]


def ipv4(a):
    return bytes(a)


ETH_V4 = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"
ETH_V6 = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x86\xdd"


def ip_frame(src, dst, proto, l4):
    """Ethernet + IPv4 (4-byte addresses) or IPv6 (16-byte addresses) around a transport segment."""
    if len(src) == 16:
        ip = struct.pack("!IHBB16s16s", 0x60000000, len(l4), proto, 64, bytes(src), bytes(dst))
        return ETH_V6 + ip + l4
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0, ipv4(src), ipv4(dst))
    return ETH_V4 + ip + l4


def frame(src, dst, sport, dport, seq, ack, flags, payload):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50, flags, 64240, 0, 0)
    return ip_frame(src, dst, 6, tcp + bytes(payload))


def udp_frame(src, dst, sport, dport, payload):
    return ip_frame(src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + payload, 0) + bytes(payload))


SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10


UDP_PORTS = [53, 53, 53, 123, 161, 5353, 443]


# --clients N: flow i comes from client host i % N, at an address spread over the whole space
# (see client_host); 0 keeps one client per flow at 10.1.x.y / 2001:db8:1::x.
CLIENTS = 0
# --syn-flood: every TCP flow is one SYN, never answered.
SYN_FLOOD = False


def client_host(h, v6):
    """Client host h's address when --clients is given: unicast IPv4 addresses with every
    octet varying, or 2001:db8:1::/64 with a hashed interface id, as a server's capture sees
    clients from all over. (Consecutive 10.1.x.y addresses put every client in one bucket of
    tcpdump's address-name cache, whose hash reads the first 12 bits, and make tcpdump -nn
    quadratic in the number of hosts: not what a benchmark should compare.)"""
    if v6:
        return bytes([0x20, 0x01, 0x0D, 0xB8, 0, 1, 0, 0]) + struct.pack("!Q", ((h + 1) * 0x9E3779B97F4A7C15) & (2**64 - 1))
    x = ((h + 1) * 2654435761) & 0xFFFFFFFF
    first = 1 + (x >> 24) % 223
    if first in (10, 127):
        first += 1
    return (first, (x >> 16) & 0xFF, (x >> 8) & 0xFF, 1 + (x & 0xFF) % 254)


def addresses(i, v6):
    """Client and server address of flow i."""
    if v6:
        if CLIENTS:
            c = client_host(i % CLIENTS, True)
        else:
            c = bytes([0x20, 0x01, 0x0D, 0xB8, 0, 1] + [0] * 6) + struct.pack("!I", i + 1)
        s = bytes([0x20, 0x01, 0x0D, 0xB8, 0, 2] + [0] * 9) + bytes([1 + i % 20])
        return c, s
    c = client_host(i % CLIENTS, False) if CLIENTS else (10, 1, (i >> 8) & 0xFF, i & 0xFF)
    return c, (10, 2, 0, 1 + i % 20)


def udp_exchange(rng, i, start, v6):
    """The packets of UDP flow i (one or two request/response pairs) as (time_us, frame) pairs."""
    c, s = addresses(i, v6)
    cp = 32768 + (i * 7919) % 28000
    sp = UDP_PORTS[i % len(UDP_PORTS)]
    rtt = rng.randint(20, 3000)
    t = start
    out = []
    for _ in range(2 if rng.random() < 0.3 else 1):
        t += rng.randint(50, 500)
        out.append((t, udp_frame(c, s, cp, sp, rng.randint(30, 120))))
        t += rtt
        out.append((t, udp_frame(s, c, sp, cp, rng.randint(50, 500))))
    return out


def connection(rng, i, start, exchanges, v6=False):
    """The packets of connection i as (time_us, frame) pairs."""
    c, s = addresses(i, v6)
    cp = 32768 + (i * 7919) % 28000
    sp = SERVER_PORTS[i % len(SERVER_PORTS)]
    ci = rng.getrandbits(32)
    si = rng.getrandbits(32)
    rtt = rng.randint(20, 3000)
    t = start
    out = []

    def c2s(flags, seq, ack, n=0, dt=0):
        nonlocal t
        t += dt
        out.append((t, frame(c, s, cp, sp, seq, ack, flags, n)))

    def s2c(flags, seq, ack, n=0, dt=0):
        nonlocal t
        t += dt
        out.append((t, frame(s, c, sp, cp, seq, ack, flags, n)))

    kind = rng.random()
    c2s(SYN, ci, 0)
    if SYN_FLOOD:
        return out
    if kind < 0.01:  # no answer: retried after 1 s and 2 s more
        c2s(SYN, ci, 0, dt=1_000_000)
        c2s(SYN, ci, 0, dt=2_000_000)
        return out
    if kind < 0.05:  # refused
        s2c(RST | ACK, 0, ci + 1, dt=rtt // 2)
        return out
    s2c(SYN | ACK, si, ci + 1, dt=rtt // 2)
    c2s(ACK, ci + 1, si + 1, dt=rtt // 2)
    cs, ss = ci + 1, si + 1
    n = exchanges if exchanges > 0 else (2 if rng.random() < 0.55 else 1)
    for _ in range(n):
        req = rng.randint(40, 400)
        resp = rng.randint(40, 600)
        c2s(PSH | ACK, cs, ss, req, dt=rng.randint(50, 500))
        cs += req
        s2c(ACK, ss, cs, dt=rtt // 2)
        s2c(PSH | ACK, ss, cs, resp, dt=rng.randint(50, 2000))
        ss += resp
        c2s(ACK, cs, ss, dt=rtt // 2)
    if kind < 0.07:  # reset by the client
        c2s(RST | ACK, cs, ss, dt=1000)
        return out
    if kind < 0.5:  # client closes first
        c2s(FIN | ACK, cs, ss, dt=1000)
        s2c(ACK, ss, cs + 1, dt=rtt // 2)
        s2c(FIN | ACK, ss, cs + 1, dt=200)
        c2s(ACK, cs + 1, ss + 1, dt=rtt // 2)
    else:  # server closes first
        s2c(FIN | ACK, ss, cs, dt=1000)
        c2s(ACK, cs, ss + 1, dt=rtt // 2)
        c2s(FIN | ACK, cs, ss + 1, dt=200)
        s2c(ACK, ss + 1, cs + 1, dt=rtt // 2)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("output")
    ap.add_argument("--connections", type=int, default=60_000)
    ap.add_argument("--concurrent", type=int, default=2_000, help="connections open at once, roughly")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--exchanges",
        type=int,
        default=0,
        help="request/response exchanges per connection (default: 1 or 2 at random, ~12.6 packets a connection)",
    )
    ap.add_argument("--udp", type=float, default=0.0, help="share of flows that are UDP request/response (0..1)")
    ap.add_argument("--ipv6", type=float, default=0.0, help="share of flows over IPv6 (0..1)")
    ap.add_argument("--clients", type=int, default=0, help="client hosts, spread over the address space (0: one per flow)")
    ap.add_argument("--syn-flood", action="store_true", help="every TCP flow is a single unanswered SYN")
    a = ap.parse_args()
    global CLIENTS, SYN_FLOOD
    CLIENTS = max(0, a.clients)
    SYN_FLOOD = a.syn_flood
    rng = random.Random(a.seed)
    # The mix is drawn from its own generator, so that --udp 0 --ipv6 0 leaves the output as it was.
    mix = random.Random(a.seed + 0x5EED)
    # Connection i starts at i * gap, so about `concurrent` overlap (each lasts ~ 10–50 ms,
    # the no-answer ones 3 s).
    gap = max(1, 20_000 // max(1, a.concurrent))
    t0 = 1_795_459_097 * 1_000_000
    heap = []
    packets = 0
    with open(a.output, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

        def flush(until):
            nonlocal packets
            while heap and heap[0][0] <= until:
                t, _, fr = heapq.heappop(heap)
                f.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(fr), len(fr)))
                f.write(fr)
                packets += 1

        seq = 0
        for i in range(a.connections):
            start = t0 + i * gap
            flush(start)
            udp = a.udp > 0 and mix.random() < a.udp
            v6 = a.ipv6 > 0 and mix.random() < a.ipv6
            flow = udp_exchange(rng, i, start, v6) if udp else connection(rng, i, start, a.exchanges, v6)
            for t, fr in flow:
                heapq.heappush(heap, (t, seq, fr))
                seq += 1
        flush(float("inf"))
    print(f"{a.output}: {a.connections} flows, {packets} packets", file=sys.stderr)


if __name__ == "__main__":
    main()
