#!/usr/bin/env python3
"""Builds the fuzzers' seed corpora from the project's fixtures (and ../shared/pcaps with
--shared): seeds/file_reader/ gets each capture file as it is; seeds/decode_render/ gets each
file's first packets one by one and as one sequence (once more with --stats), in the input
format that portlens_fuzz::decode_render documents (link type, two flag bytes, then
length/time-step/bytes records). Run from anywhere: python3 fuzz/make_seeds.py [--shared]
[--out DIR]. --shared adds ../shared/pcaps and ../shared/pcaps-extra (a file larger than the
file_reader limit gives its first 64 KiB); --out writes the seeds under DIR instead of seeds/
(scripts/fuzz.sh does, so that the committed seeds stay as they are).
"""
import hashlib
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MAX_FILE = 64 * 1024  # the file_reader seeds stay small; libFuzzer caps inputs anyway
PER_FILE = 12  # single-packet seeds per capture file (the sequences carry the rest)


def read_pcap(b):
    """Yields (linktype, bytes) for each record of a classic pcap file."""
    magic = b[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\x34\xcd\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d", b"\xa1\xb2\xcd\x34"):
        e = ">"
    else:
        return
    hlen = 24 if magic in (b"\x34\xcd\xb2\xa1", b"\xa1\xb2\xcd\x34") else 16
    lt = struct.unpack(e + "I", b[20:24])[0] & 0xFFFF
    p = 24
    while p + hlen <= len(b):
        caplen = struct.unpack(e + "I", b[p + 8:p + 12])[0]
        data = b[p + hlen:p + hlen + caplen]
        if len(data) < caplen:
            return
        yield lt, data
        p += hlen + caplen


def read_pcapng(b):
    """Yields (linktype, bytes) for each packet block of a pcapng file."""
    p, e, ifaces = 0, "<", []
    while p + 12 <= len(b):
        if b[p:p + 4] == b"\x0a\x0d\x0d\x0a":
            e = ">" if b[p + 8:p + 12] == b"\x1a\x2b\x3c\x4d" else "<"
            ifaces = []
        btype, total = struct.unpack(e + "II", b[p:p + 8])
        if total < 12 or p + total > len(b):
            return
        body = b[p + 8:p + total - 4]
        if btype == 1 and len(body) >= 8:
            ifaces.append(struct.unpack(e + "H", body[:2])[0])
        elif btype == 6 and len(body) >= 20:
            iface, _, _, caplen = struct.unpack(e + "IIII", body[:16])
            if iface < len(ifaces):
                yield ifaces[iface], body[20:20 + caplen]
        elif btype == 3 and len(body) >= 4 and ifaces:
            yield ifaces[0], body[4:]
        p += total


def packets(b):
    return read_pcapng(b) if b[:4] == b"\x0a\x0d\x0d\x0a" else read_pcap(b)


def record(data, step=1):
    data = data[:0xFFFF]  # the format's length field is 16 bits
    return struct.pack(">HB", len(data), step) + data


def write(dirname, content):
    os.makedirs(dirname, exist_ok=True)
    name = hashlib.sha1(content).hexdigest()
    with open(os.path.join(dirname, name), "wb") as f:
        f.write(content)


def main():
    sources = [os.path.join(ROOT, "fixtures"), os.path.join(ROOT, "fixtures", "encap")]
    if "--shared" in sys.argv:
        for sub in ("pcaps", "pcaps-extra"):
            shared = os.path.join(ROOT, "..", "shared", sub)
            if os.path.isdir(shared):
                sources.append(shared)
    out = os.path.join(HERE, "seeds")
    if "--out" in sys.argv:
        out = sys.argv[sys.argv.index("--out") + 1]
    files = []
    for d in sources:
        for n in sorted(os.listdir(d)):
            if n.endswith((".pcap", ".pcapng")):
                files.append(os.path.join(d, n))
    dr = os.path.join(out, "decode_render")
    fr = os.path.join(out, "file_reader")
    seen = set()
    for path in files:
        b = open(path, "rb").read()
        if len(b) <= MAX_FILE:
            write(fr, b)
        elif "--shared" in sys.argv:
            write(fr, b[:MAX_FILE])
        pk = list(packets(b))
        by_lt = {}
        for i, (lt, data) in enumerate(pk):
            flags = (i * 37) & 0xFF  # vary the view options across seeds
            key = (lt, data[:64])
            if key not in seen and i < PER_FILE:
                seen.add(key)
                write(dr, struct.pack(">HBB", lt, flags, 0) + record(data))
            by_lt.setdefault(lt, []).append(data)
        for lt, datas in by_lt.items():
            # A conversation: the first packets of the file in order (handshakes, closes).
            seq = b"".join(record(d, 1) for d in datas[:24])
            write(dr, struct.pack(">HBB", lt, 0x01, 0x00) + seq)
            write(dr, struct.pack(">HBB", lt | 0x8000, 0x1F, 0x29) + seq)  # with --stats
    os.makedirs(dr, exist_ok=True)
    os.makedirs(fr, exist_ok=True)
    print(f"{len(os.listdir(dr))} decode_render seeds, {len(os.listdir(fr))} file_reader seeds in {out}")


if __name__ == "__main__":
    main()
