#!/usr/bin/env python3
"""Validates portlens JSON Lines against the published JSON Schemas (schemas/*.schema.json).

Each record is checked against the schema of its `event.dataset` (portlens.packet -> packet,
portlens.flow -> flow …), with format checks (ipv4/ipv6) on; a record whose dataset has no
schema is an error. Reads the files named, or stdin.

    portlens -r f.pcap --json --flows --stats | scripts/check-json.py
    scripts/check-json.py out1.jsonl out2.jsonl
    scripts/check-json.py --shapes 5 big.jsonl    # packets: the first 5 of each shape only

With `--shapes K`, every record but packets and flows is checked, and of those the first K
of each shape (the set of key paths a record has, with its `event.action`, `network.type`,
`network.transport` and `portlens.link.type`) in each input: a big capture holds a few dozen
shapes, and Python's validator checks about a thousand records a second.

Prints `checked N records (by dataset …)` and exits 0, or prints the first errors (line, path
in the record, message) and exits 1. Exits 3 when the Python `jsonschema` package is missing
(the tests then say they skipped). Works with jsonschema 4.x (Debian's python3-jsonschema
or PyPI's).
"""
import json
import os
import sys

try:
    import jsonschema
except ImportError as e:  # the tests skip visibly on this exit code
    print(f"check-json: the Python package jsonschema is missing: {e}", file=sys.stderr)
    sys.exit(3)

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMAS = os.path.join(HERE, "..", "schemas")
DATASETS = ["packet", "flow", "detection", "flow_summary", "stats"]
MAX_ERRORS = 20


def load():
    schemas = {}
    for name in ["common"] + DATASETS:
        with open(os.path.join(SCHEMAS, f"{name}.schema.json"), encoding="utf-8") as f:
            s = json.load(f)
        jsonschema.Draft202012Validator.check_schema(s)
        schemas[name] = s
    fmt = jsonschema.FormatChecker()
    try:  # jsonschema >= 4.18 resolves references through a registry
        from referencing import Registry, Resource

        registry = Registry().with_resources(
            (f"{n}.schema.json", Resource.from_contents(s)) for n, s in schemas.items()
        )
        kw = lambda n: {"registry": registry}  # noqa: E731
    except ImportError:  # older ones through a RefResolver with a store
        store = {f"{n}.schema.json": s for n, s in schemas.items()}
        kw = lambda n: {"resolver": jsonschema.RefResolver(f"{n}.schema.json", schemas[n], store=store)}  # noqa: E731
    return {
        f"portlens.{n}": jsonschema.Draft202012Validator(schemas[n], format_checker=fmt, **kw(n)) for n in DATASETS
    }


def paths(v, prefix, out):
    if isinstance(v, dict):
        for k, x in v.items():
            paths(x, f"{prefix}.{k}" if prefix else k, out)
    elif isinstance(v, list):
        for x in v:
            paths(x, prefix + "[]", out)
    else:
        out.add(prefix)


def shape(rec):
    out = set()
    paths(rec, "", out)
    ev, net, pl = rec.get("event", {}), rec.get("network", {}), rec.get("portlens", {})
    link = pl.get("link", {}) if isinstance(pl, dict) else {}
    return (frozenset(out), ev.get("action"), net.get("type"), net.get("transport"), link.get("type"))


def main():
    validators = load()
    counts = {}
    errors = 0
    args = sys.argv[1:]
    per_shape = None
    if args[:1] == ["--shapes"]:
        per_shape = int(args[1])
        args = args[2:]
    streams = [(p, open(p, encoding="utf-8")) for p in args] or [("<stdin>", sys.stdin)]
    for name, stream in streams:
        seen = {}
        for no, line in enumerate(stream, 1):
            if not line.strip():
                continue
            where = f"{name}:{no}"
            try:
                rec = json.loads(line)
            except ValueError as e:
                print(f"{where}: not JSON: {e}", file=sys.stderr)
                errors += 1
                continue
            ds = rec.get("event", {}).get("dataset") if isinstance(rec, dict) else None
            if per_shape is not None and ds in ("portlens.packet", "portlens.flow"):
                key = shape(rec)
                seen[key] = seen.get(key, 0) + 1
                if seen[key] > per_shape:
                    continue
            v = validators.get(ds)
            if v is None:
                print(f"{where}: no schema for event.dataset {ds!r}", file=sys.stderr)
                errors += 1
            else:
                for e in v.iter_errors(rec):
                    path = ".".join(str(p) for p in e.absolute_path) or "(record)"
                    print(f"{where}: {ds}: {path}: {e.message}", file=sys.stderr)
                    errors += 1
                    break
                counts[ds] = counts.get(ds, 0) + 1
            if errors >= MAX_ERRORS:
                print("check-json: stopping after 20 errors", file=sys.stderr)
                sys.exit(1)
    total = sum(counts.values())
    detail = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"checked {total} records ({detail})")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
