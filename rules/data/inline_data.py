#!/usr/bin/env python3
"""Copies the rules/data lists that saved SQL needs into the SQL itself.

Hunting queries and scheduled-SQL rules run on a read-only connection with external access
disabled, so they cannot read rules/data/*. Instead each query carries a VALUES block between

    -- BEGIN GENERATED from rules/data/<file> by rules/data/inline_data.py
    ...
    -- END GENERATED

This script rewrites those blocks from the data files. `--check` exits 1 (and says which
file) when a block is stale; the hunting tests run it that way.

Formats: *.txt = one value per line ('#' starts a comment) -> ('value'); *.csv with a header
line -> one tuple per row, columns that are all digits written as numbers.
"""
import csv
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "rules", "data")
TARGET_DIRS = [os.path.join(ROOT, "rules", "hunting"), os.path.join(ROOT, "rules", "scheduled")]
BLOCK = re.compile(
    r"(?P<indent>[ \t]*)-- BEGIN GENERATED from rules/data/(?P<file>[A-Za-z0-9_.-]+) by "
    r"rules/data/inline_data\.py\n(?P<body>.*?)(?P=indent)-- END GENERATED",
    re.S)


def sql_string(s):
    return "'" + s.replace("'", "''") + "'"


def read_list(path):
    values = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            v = line.split("#", 1)[0].strip()
            if v:
                values.append(v)
    return values


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], [r for r in rows[1:] if r and not r[0].startswith("#")]


def render(file_name, indent):
    path = os.path.join(DATA, file_name)
    if file_name.endswith(".csv"):
        _, rows = read_csv(path)
        tuples = ["(" + ", ".join(c if c.isdigit() else sql_string(c) for c in r) + ")"
                  for r in rows]
    else:
        tuples = ["(" + sql_string(v) + ")" for v in read_list(path)]
    if not tuples:
        raise SystemExit(f"{path}: no values")
    return "".join(f"{indent}{t}{',' if i + 1 < len(tuples) else ''}\n"
                   for i, t in enumerate(tuples))


def rewrite(text):
    def repl(m):
        head = m.group(0).split("\n", 1)[0]
        return f"{head}\n{render(m.group('file'), m.group('indent'))}{m.group('indent')}-- END GENERATED"
    return BLOCK.sub(repl, text)


def targets():
    for d in TARGET_DIRS:
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith((".sql", ".yml")):
                yield os.path.join(d, name)


def main(argv):
    check = "--check" in argv
    stale = []
    for path in targets():
        with open(path, encoding="utf-8") as f:
            text = f.read()
        new = rewrite(text)
        if new != text:
            stale.append(path)
            if not check:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(new)
    for path in stale:
        print(f"{'stale' if check else 'updated'}: {os.path.relpath(path, ROOT)}")
    return 1 if (check and stale) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
