#!/usr/bin/env python3
"""Loads portlens JSON Lines into DuckDB with `read_json_auto` and its defaults, and checks that
nothing was lost or mistyped: what a data engineer gets without writing a mapping.

    scripts/duckdb-check.py flows.jsonl [packets.jsonl …] [--recipes README.md]

For each file: the row count equals the line count; every value of every record comes back
from DuckDB equal (times as instants, numbers as numbers: a key DuckDB dropped, or a value it
could not convert, is an error); and each column has the type the published schema
(schemas/*.schema.json) says: integer → an integer type, boolean → BOOLEAN, string → VARCHAR
(TIMESTAMP WITH TIME ZONE for the times), array → a LIST, object → a STRUCT. With --recipes,
the DuckDB queries of the README's "Pipelines" section (the ```sql blocks) are run on the
files whose dataset they name (`portlens.flow` → the flow file) and must return rows.

Exits 0 when all holds, 1 with the first differences, 3 when the Python package duckdb is
missing (the tests then say they skipped; scripts/deps.sh --test installs it).
"""
import datetime
import json
import os
import re
import sys

try:
    import duckdb
except ImportError as e:
    print(f"duckdb-check: the Python package duckdb is missing: {e}", file=sys.stderr)
    sys.exit(3)

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMAS = os.path.join(HERE, "..", "schemas")
INTEGER = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
MAX_PROBLEMS = 20


def schema_types(name):
    """Leaf path -> JSON Schema type names, from a record schema (refs into common resolved)."""
    with open(os.path.join(SCHEMAS, "common.schema.json"), encoding="utf-8") as f:
        common = json.load(f)["$defs"]
    with open(os.path.join(SCHEMAS, f"{name}.schema.json"), encoding="utf-8") as f:
        root = json.load(f)
    out = {}

    def resolve(s):
        while isinstance(s, dict) and "$ref" in s:
            s = common[s["$ref"].split("/")[-1]]
        return s

    def walk(s, path):
        s = resolve(s)
        if "oneOf" in s:
            for alt in s["oneOf"]:
                walk(alt, path)
            return
        t = s.get("type")
        values = [s["const"]] if "const" in s else s.get("enum", [])
        if t is None and values:
            t = sorted({json_kind(v) for v in values})
        for v in values:  # a fixed array (event.category): its items' kinds
            if isinstance(v, list):
                out.setdefault(path + "[]", set()).update(json_kind(x) for x in v)
        ts = set(t if isinstance(t, list) else [t]) - {None, "null"}
        out.setdefault(path, set()).update(ts)
        for k, sub in s.get("properties", {}).items():
            walk(sub, f"{path}.{k}" if path else k)
        if "items" in s and isinstance(s["items"], dict):
            walk(s["items"], path + "[]")

    walk(root, "")
    return out


def json_kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def duck_types(con, table):
    """Leaf path -> DuckDB type, from the table's nested types."""
    out = {}

    def split_top(s):
        parts, depth, cur = [], 0, ""
        for ch in s:
            if ch in "(" and depth >= 0:
                depth += 1
            elif ch == ")":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur.strip())
                cur = ""
            else:
                cur += ch
        if cur.strip():
            parts.append(cur.strip())
        return parts

    def walk(t, path):
        out[path] = t
        if t.endswith("[]"):
            walk(t[:-2], path + "[]")
        elif t.startswith("STRUCT(") and t.endswith(")"):
            for field in split_top(t[len("STRUCT("):-1]):
                m = re.match(r'^("(?:[^"]|"")*"|\S+) (.*)$', field)
                if m:
                    name = m.group(1).strip('"').replace('""', '"')
                    walk(m.group(2), f"{path}.{name}" if path else name)

    for name, ty, *_ in con.execute(f"DESCRIBE {table}").fetchall():
        walk(ty, name)
    return out


def fits(kinds, duck):
    if duck.endswith("[]"):
        return "array" in kinds
    if duck.startswith("STRUCT("):
        return "object" in kinds
    if duck in INTEGER:
        return kinds <= {"integer"}
    if duck == "BOOLEAN":
        return kinds == {"boolean"}
    if duck in ("VARCHAR", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP"):
        return kinds == {"string"}
    if duck == "DOUBLE":
        return kinds <= {"integer", "number"}
    return False


def instant(s):
    s = s.replace(" ", "T")
    s = re.sub(r"(\.\d{6})\d+", r"\1", s)  # Python keeps microseconds
    s = s.replace("Z", "+00:00")
    if re.search(r"[+-]\d{2}$", s):
        s += ":00"
    return datetime.datetime.fromisoformat(s)


def same(a, b, path, problems):
    """Every non-null value of the original `a` must be in DuckDB's `b`."""
    if a is None:
        return
    if isinstance(a, dict):
        if not isinstance(b, dict):
            problems.append(f"{path}: an object became {b!r}")
            return
        for k, v in a.items():
            if k not in b:
                if v is not None:
                    problems.append(f"{path}.{k}: dropped by DuckDB" if path else f"{k}: dropped by DuckDB")
                continue
            same(v, b[k], f"{path}.{k}" if path else k, problems)
    elif isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            problems.append(f"{path}: {a!r} came back as {b!r}")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]", problems)
    elif isinstance(a, str) and isinstance(b, str) and a != b and re.match(r"^\d{4}-\d{2}-\d{2}T", a):
        if instant(a) != instant(b):
            problems.append(f"{path}: time {a} came back as {b}")
    elif a != b or type(a) is not type(b):
        problems.append(f"{path}: {a!r} came back as {b!r}")


def arrays_with_items(v, path, out):
    """Collects the paths of arrays that hold something in some record."""
    if isinstance(v, dict):
        for k, x in v.items():
            arrays_with_items(x, f"{path}.{k}" if path else k, out)
    elif isinstance(v, list) and v:
        out.add(path)
        for x in v:
            arrays_with_items(x, path + "[]", out)


def check(con, path, problems):
    table = f"t{abs(hash(path))}"
    try:
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_json_auto(?)", [path])
    except duckdb.Error as e:
        problems.append(f"{path}: read_json_auto refused it: {e}")
        return None, []
    with open(path, encoding="utf-8") as f:
        lines = [json.loads(l) for l in f if l.strip()]
    (rows,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    if rows != len(lines):
        problems.append(f"{path}: {len(lines)} lines, {rows} rows")
    datasets = sorted({r["event"]["dataset"] for r in lines})
    expected = {}
    for ds in datasets:
        for k, v in schema_types(ds.split(".", 1)[1]).items():
            expected.setdefault(k, set()).update(v)
    duck = duck_types(con, table)
    nonempty = set()
    for r in lines:
        arrays_with_items(r, "", nonempty)
    for p, ty in sorted(duck.items()):
        kinds = expected.get(p)
        if ty == "JSON" and p.endswith("[]") and p[:-2] not in nonempty:
            continue  # an array empty in every record: nothing to type (DuckDB says JSON[])
        if kinds is None:
            problems.append(f"{path}: column {p} ({ty}) is not in the schema of {datasets}")
        elif not fits(kinds, ty):
            problems.append(f"{path}: column {p} is {ty}; the schema says {sorted(kinds)}")
    back = con.execute(f"SELECT to_json(t)::VARCHAR FROM {table} t").fetchall()
    for i, (orig, (row,)) in enumerate(zip(lines, back)):
        before = len(problems)
        same(orig, json.loads(row), "", problems)
        if len(problems) > before:
            problems[before:] = [f"{path} line {i + 1}: {p}" for p in problems[before:]]
        if len(problems) >= MAX_PROBLEMS:
            break
    print(f"{path}: {rows} rows, {len(duck)} columns (nested), datasets {', '.join(datasets)}")
    return table, datasets


def recipes(readme):
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    start = text.find("## Pipelines")
    if start < 0:
        return []
    end = text.find("\n## ", start + 1)
    section = text[start : end if end > 0 else len(text)]
    return [b.strip() for b in re.findall(r"```sql\n(.*?)```", section, re.S)]


def main():
    args = sys.argv[1:]
    readme = None
    if "--recipes" in args:
        i = args.index("--recipes")
        readme = args[i + 1]
        del args[i : i + 2]
    con = duckdb.connect()
    problems = []
    files = {}
    for p in args:
        table, datasets = check(con, p, problems)
        if table:
            files[p] = (table, datasets)
    if readme:
        qs = recipes(readme)
        if not qs:
            problems.append(f"{readme}: no ```sql recipes in its Pipelines section")
        # The README's file names, by the dataset each file holds.
        names = {}
        for p, (_, datasets) in files.items():
            for ds in datasets:
                names[{"portlens.flow": "flows.jsonl", "portlens.packet": "packets.jsonl"}.get(ds, ds)] = p
        for q in qs:
            used = set(re.findall(r"read_json_auto\('([^']+)'\)", q))
            missing = used - set(names)
            if missing:
                problems.append(f"recipe reads {sorted(missing)}, which no input holds:\n{q}")
                continue
            sql = q
            for n in used:
                sql = sql.replace(f"'{n}'", f"'{names[n]}'")
            try:
                rows = con.execute(sql).fetchall()
            except duckdb.Error as e:
                problems.append(f"recipe failed: {e}\n{q}")
                continue
            if not rows:
                problems.append(f"recipe returned no rows:\n{q}")
            else:
                print(f"recipe ({q.splitlines()[0]}): {len(rows)} rows, first {rows[0]}")
    for p in problems[:MAX_PROBLEMS]:
        print(p, file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
