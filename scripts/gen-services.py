#!/usr/bin/env python3
"""Convert the committed IANA service-name data into Rust source for portlens.

Input : data/services/services   (services(5) format, Wireshark's copy of the IANA
                                  "Service Name and Transport Protocol Port Number Registry";
                                  IANA's own service-names-port-numbers.csv is read too,
                                  recognised by its header line)
Output: src/services/iana.rs      (one `static` array per transport, sorted by (port, order in file))

The output is deterministic: it depends only on the input bytes (no dates, no
environment), so running the script twice gives the same file.  `--check` exits 1
when the committed output is out of date, which CI can use.

Usage:
    python3 scripts/gen-services.py            # regenerate src/services/iana.rs
    python3 scripts/gen-services.py --check    # verify it is up to date
    python3 scripts/gen-services.py --input FILE --output FILE
"""

import argparse
import hashlib
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_INPUT = os.path.join(ROOT, "data", "services", "services")
DEFAULT_OUTPUT = os.path.join(ROOT, "src", "services", "iana.rs")

# Order matters: it is the order of the Rust `Proto` enum (and so of the table).
PROTOS = ["tcp", "udp", "sctp", "dccp"]
PROTO_CONST = {"tcp": "T", "udp": "U", "sctp": "S", "dccp": "D"}

LINE_RE = re.compile(
    r"^(?P<name>\S+)\s+(?P<lo>\d+)(?:-(?P<hi>\d+))?/(?P<protos>[A-Za-z/]+)"
    r"(?:\s+#\s?(?P<desc>.*))?\s*$"
)


def fail(msg):
    sys.stderr.write("gen-services: " + msg + "\n")
    sys.exit(2)


def rust_str(s):
    """A Rust string literal for s (printable ASCII kept, everything else escaped)."""
    out = ['"']
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            out.append("\\u{%x}" % ord(ch))
    out.append('"')
    return "".join(out)


def add_entries(entries, seen, name, lo, hi, protos, desc, where):
    """Append one (proto_index, port, seq, name, description) per port and transport."""
    if not (0 <= lo <= hi <= 65535):
        fail("%s: bad port range %d-%d" % (where, lo, hi))
    for p in protos:
        if p not in PROTOS:
            fail("%s: unknown transport %r" % (where, p))
    for port in range(lo, hi + 1):
        for p in protos:
            key = (p, port, name)
            if key in seen:  # the very same entry listed twice: keep the first
                continue
            seen.add(key)
            entries.append((PROTOS.index(p), port, len(entries), name, desc))


def parse_csv(text):
    """The IANA CSV (service-names-port-numbers.csv): every row, in registry order.

    Rows without a service name, a port or a transport (reserved/unassigned ranges,
    names without ports) are skipped. Unlike Wireshark's copy, several names for one
    (port, transport) are all kept, the first listed first.
    """
    import csv
    import io

    entries, seen = [], set()
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    col = {h.strip(): i for i, h in enumerate(header)}
    try:
        sn, pn, tp, ds = (col[h] for h in ("Service Name", "Port Number", "Transport Protocol", "Description"))
    except KeyError as e:
        fail("CSV header lacks %s" % e)
    for rowno, row in enumerate(reader, 2):
        if len(row) <= max(sn, pn, tp, ds):
            continue
        name, port, proto = row[sn].strip(), row[pn].strip(), row[tp].strip().lower()
        if not name or not port or not proto:
            continue
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", port)
        if not m:
            fail("CSV row %d: bad port %r" % (rowno, port))
        if proto not in PROTOS:
            continue
        name = name.replace(" ", "-")
        desc = re.sub(r"\s+", " ", row[ds]).strip()
        if desc.lower() in (name.lower(), name.lower().replace("-", " ")):
            desc = ""
        lo = int(m.group(1))
        add_entries(entries, seen, name, lo, int(m.group(2) or lo), [proto], desc, "CSV row %d" % rowno)
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    return entries


def parse(text):
    """Return a list of (proto_index, port, seq, name, description)."""
    text = text.lstrip("\ufeff")
    if text.startswith("Service Name,"):
        return parse_csv(text)
    entries = []
    seen = set()
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = LINE_RE.match(line)
        if not m:
            fail("line %d: cannot parse %r" % (lineno, raw))
        name = m.group("name")
        lo = int(m.group("lo"))
        hi = int(m.group("hi") or lo)
        desc = re.sub(r"\s+", " ", (m.group("desc") or "").strip())
        protos = [p.lower() for p in m.group("protos").split("/") if p]
        add_entries(entries, seen, name, lo, hi, protos, desc, "line %d" % lineno)
    # (proto, port) first; among several names for one (proto, port) the order in the
    # file decides, so the first listed (the one Wireshark/tcpdump show) comes first.
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    return entries


def render(entries, sha256, input_rel):
    by_proto = [[e for e in entries if e[0] == i] for i in range(len(PROTOS))]
    keys = [(e[0], e[1]) for e in entries]
    aliases = len(keys) - len(set(keys))

    out = []
    w = out.append
    w("//! The IANA service-name table, generated from `%s` by" % input_rel)
    w("//! `scripts/gen-services.py`: do not edit by hand, run the script instead.")
    w("//!")
    w("//! One `static` array per transport, sorted by (port, order in the source file), and")
    w("//! a parallel array of its ports, so `super::lookup` can binary-search with no start-up")
    w("//! cost and no allocation.")
    w("")
    w("use super::{Proto, Service};")
    w("")
    w("/// SHA-256 of the source file this table was generated from.")
    w("pub(super) const SOURCE_SHA256: &str =")
    w('    "%s";' % sha256)
    w("")
    w("/// Entries that share a (transport, port) with an earlier entry (alternative names).")
    w("#[allow(dead_code)]")
    w("pub(super) const ALIASES: usize = %d;" % aliases)
    w("")
    w("const T: Proto = Proto::Tcp;")
    w("const U: Proto = Proto::Udp;")
    w("const S: Proto = Proto::Sctp;")
    w("const D: Proto = Proto::Dccp;")
    w("")
    w("const fn s(name: &'static str, port: u16, proto: Proto, description: &'static str) -> Service {")
    w("    Service {")
    w("        name,")
    w("        port,")
    w("        proto,")
    w("        description,")
    w("    }")
    w("}")
    for i, proto in enumerate(PROTOS):
        rows = by_proto[i]
        w("")
        w("/// Every %s entry of the registry, sorted by (port, order in the source)." % proto)
        w("#[rustfmt::skip]")
        w("pub(super) static %s: [Service; %d] = [" % (proto.upper(), len(rows)))
        for _p, port, _seq, name, desc in rows:
            w("    s(%s, %d, %s, %s)," % (rust_str(name), port, PROTO_CONST[proto], rust_str(desc)))
        w("];")
    for i, proto in enumerate(PROTOS):
        rows = by_proto[i]
        w("")
        w("/// The ports of [`%s`], same order: a compact copy for the binary search (better" % proto.upper())
        w("/// cache use than searching the wide `Service` entries).")
        w("#[rustfmt::skip]")
        w("pub(super) static %s_PORTS: [u16; %d] = [" % (proto.upper(), len(rows)))
        for k in range(0, len(rows), 16):
            w("    " + " ".join("%d," % r[1] for r in rows[k:k + 16]))
        w("];")
    w("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", default=DEFAULT_INPUT)
    ap.add_argument("--output", default=DEFAULT_OUTPUT)
    ap.add_argument("--check", action="store_true", help="exit 1 if the output is out of date")
    args = ap.parse_args()

    with open(args.input, "rb") as f:
        data = f.read()
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        fail("input is not UTF-8: %s" % e)
    entries = parse(text)
    if len(entries) < 1000:
        fail("only %d entries parsed: is this the right file?" % len(entries))

    try:
        input_rel = os.path.relpath(os.path.abspath(args.input), ROOT)
    except ValueError:
        input_rel = args.input
    if input_rel.startswith(".."):
        input_rel = os.path.basename(args.input)
    rendered = render(entries, sha256, input_rel.replace(os.sep, "/"))

    if args.check:
        try:
            with open(args.output, "r", encoding="utf-8", newline="") as f:
                current = f.read()
        except OSError:
            current = None
        if current != rendered:
            sys.stderr.write("gen-services: %s is out of date; run scripts/gen-services.py\n" % args.output)
            return 1
        return 0

    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(rendered)
    os.replace(tmp, args.output)
    sys.stderr.write("gen-services: wrote %d entries to %s\n" % (len(entries), args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
