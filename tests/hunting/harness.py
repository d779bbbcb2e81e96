"""Helpers for the hunting-query and scheduled-SQL tests: header parsing, parameter
substitution and running a query through the trailwarden command line.

The one place that decides *how* a saved query is run is `run_saved_query()`: today it
substitutes :start/:end/params into the SQL text and calls `trailwarden hunt "SQL"`;
once `hunt --query NAME --start --end --param` exists, set TRAILWARDEN_HUNT_MODE=query
(or change the default below) and the same tests exercise the real command.
"""
import json
import os
import re
import subprocess

HEADER_KEYS_REQUIRED = ("id", "title", "description", "tactics", "techniques", "window")
HEADER_KEYS_OPTIONAL = ("param", "data")
HEADER_LINE = re.compile(r"^--\s?([a-z_]+):\s*(.*?)\s*$")
PARAM_DECL = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$")
WINDOW = re.compile(r"^[1-9][0-9]*[mhd]$")
TACTIC = re.compile(r"^TA00[0-4][0-9]$")
TECHNIQUE = re.compile(r"^T[0-9]{4}(\.[0-9]{3})?$")
NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
STRING = re.compile(r"^'([^']|'')*'$")


class QueryFile:
    """A parsed rules/hunting/<name>.sql: header fields, declared params, SQL body."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)[: -len(".sql")]
        with open(path, encoding="utf-8") as f:
            text = f.read()
        self.header = {}
        self.params = {}  # name -> default SQL literal (number or 'string')
        lines = text.split("\n")
        i = 0
        while i < len(lines) and lines[i].startswith("--"):
            m = HEADER_LINE.match(lines[i])
            if not m:
                raise ValueError(f"{path}:{i + 1}: header line is not '-- key: value'")
            key, value = m.group(1), m.group(2)
            if key not in HEADER_KEYS_REQUIRED + HEADER_KEYS_OPTIONAL:
                raise ValueError(f"{path}:{i + 1}: unknown header key {key!r}")
            if key == "param":
                pm = PARAM_DECL.match(value)
                if not pm:
                    raise ValueError(f"{path}:{i + 1}: param must be 'name = default'")
                if not (NUMBER.match(pm.group(2)) or STRING.match(pm.group(2))):
                    raise ValueError(f"{path}:{i + 1}: default must be a number or 'string'")
                if pm.group(1) in ("start", "end") or pm.group(1) in self.params:
                    raise ValueError(f"{path}:{i + 1}: param {pm.group(1)} declared twice")
                self.params[pm.group(1)] = pm.group(2)
            else:
                if key in self.header:
                    raise ValueError(f"{path}:{i + 1}: {key} given twice")
                self.header[key] = value
            i += 1
        self.body = "\n".join(lines[i:])
        missing = [k for k in HEADER_KEYS_REQUIRED if not self.header.get(k)]
        if missing:
            raise ValueError(f"{path}: header lacks {', '.join(missing)}")

    @property
    def tactics(self):
        return [t.strip() for t in self.header["tactics"].split(",")]

    @property
    def techniques(self):
        return [t.strip() for t in self.header["techniques"].split(",")]


def placeholders(sql):
    """The :name placeholders used in SQL, outside strings, quoted identifiers and comments,
    and not the second colon of a :: cast."""
    return [name for _, _, name in _scan_placeholders(sql)]


def _scan_placeholders(sql):
    out = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c == "'" or c == '"':
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_") and (
                i == 0 or (sql[i - 1] != ":" and not (sql[i - 1].isalnum() or sql[i - 1] == "_"))):
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            out.append((i, j, sql[i + 1:j]))
            i = j
        else:
            i += 1
    return out


def timestamp_literal(iso):
    """'2024-03-10T00:00:00Z' -> TIMESTAMP '2024-03-10 00:00:00' (UTC, as the workspace stores)."""
    m = re.match(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})Z$", iso)
    if not m:
        raise ValueError(f"not an ISO-8601 UTC time: {iso}")
    return f"TIMESTAMP '{m.group(1)} {m.group(2)}'"


def substitute(sql, values):
    """Replace every :name by values[name] (SQL literal text). Unknown names are an error."""
    out, last = [], 0
    for i, j, name in _scan_placeholders(sql):
        if name not in values:
            raise KeyError(f"placeholder :{name} has no value")
        out.append(sql[last:i])
        out.append(values[name])
        last = j
    out.append(sql[last:])
    return "".join(out)


def bind(query, start, end, overrides=None):
    """SQL text of a QueryFile with :start/:end and its params (defaults, then overrides)."""
    values = dict(query.params)
    for k, v in (overrides or {}).items():
        if k not in query.params:
            raise KeyError(f"{query.name}: no param {k}")
        values[k] = str(v)
    values["start"] = timestamp_literal(start)
    values["end"] = timestamp_literal(end)
    return substitute(query.body, values)


def run_cli(bin_path, *args, timeout=300):
    return subprocess.run([bin_path, *args], capture_output=True, text=True, timeout=timeout)


def hunt_sql(bin_path, ws, sql):
    """Run SQL text with `trailwarden hunt --format json`; returns the rows (list of dicts)."""
    p = run_cli(bin_path, "hunt", "-w", ws, "--format", "json", sql)
    if p.returncode != 0:
        raise AssertionError(f"hunt failed (exit {p.returncode}): {p.stderr}\nSQL:\n{sql}")
    return json.loads(p.stdout)


def run_saved_query(bin_path, ws, query, start, end, overrides=None):
    """THE switch point: how a saved hunting query is executed by the tests."""
    if os.environ.get("TRAILWARDEN_HUNT_MODE", "sql") == "query":
        args = ["hunt", "-w", ws, "--format", "json", "--query", query.name,
                "--start", start, "--end", end]
        for k, v in (overrides or {}).items():
            args += ["--param", f"{k}={v}"]
        p = run_cli(bin_path, *args)
        if p.returncode != 0:
            raise AssertionError(f"hunt --query {query.name} failed: {p.stderr}")
        return json.loads(p.stdout)
    return hunt_sql(bin_path, ws, bind(query, start, end, overrides))


def check_expectations(testcase, rows, expect, label):
    """Each item of expect['rows'] (a dict) must be a subset of some result row; no result
    row may contain any string of expect['absent'] in any cell; optional exact row count."""
    testcase.assertGreaterEqual(len(rows), 1, f"{label}: no rows")
    for want in expect.get("rows", []):
        testcase.assertTrue(any(all(_cell_matches(r.get(k), v) for k, v in want.items())
                                for r in rows),
                            f"{label}: no row has {want}\nrows: {json.dumps(rows, indent=1)}")
    text_rows = [json.dumps(r) for r in rows]
    for marker in expect.get("absent", []):
        hits = [t for t in text_rows if marker in t]
        testcase.assertFalse(hits, f"{label}: near-miss marker {marker!r} appears in {hits}")
    if "row_count" in expect:
        testcase.assertEqual(len(rows), expect["row_count"], f"{label}: rows {rows}")


def _cell_matches(cell, want):
    # A list expectation means "this JSON array column contains all of these".
    if isinstance(want, list):
        return isinstance(cell, list) and all(w in cell for w in want)
    return cell == want
