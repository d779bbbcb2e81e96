#!/usr/bin/env python3
"""Checks that the SigmaHQ compatibility tests cover the SigmaHQ AWS CloudTrail rule set.

Reads the rules from the dataset directory at run time (they are DRL-licensed and never copied
into this repository) and the `*.tests.yml` files beside this script, then verifies:

  - every tests file parses with yaml.safe_load and has the expected shape;
  - every rule file of the dataset has exactly one tests file (`<rule stem>.tests.yml`) whose
    `source:` is the rule's path relative to the dataset;
  - every test names, in `rule:`, the Sigma id of that source rule (so no test names an id that
    is not in the dataset);
  - every tests file has at least one `match` and one `no-match` test;
  - every event carries the core CloudTrail keys, and eventIDs are unique across all files;
  - a rule using `%placeholder%` values has a `placeholders:` map naming each of them;
  - no tests file carries Sigma detection logic (`detection:` / `condition:` keys).

Usage: check_coverage.py [--dataset DIR]
  DIR defaults to $TRAILWARDEN_SIGMAHQ_DIR, else <repo>/../shared/datasets/sigma-aws.
Exit status: 0 all good, 1 a check failed, 2 the dataset or the tests could not be read.
"""

import argparse
import os
import re
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
RULE_DIRS = ("rules", "rules-placeholder", "unsupported")
EVENT_KEYS = ("eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion",
              "sourceIPAddress", "eventID", "eventType", "recipientAccountId")
EXPECTS = ("match", "no-match")


def default_dataset():
    env = os.environ.get("TRAILWARDEN_SIGMAHQ_DIR")
    if env:
        return env
    return os.path.join(REPO, "..", "shared", "datasets", "sigma-aws")


def load_rules(dataset):
    """stem -> (relative path, id, placeholder names) for every rule file of the dataset."""
    rules = {}
    problems = []
    for top in RULE_DIRS:
        for dirpath, _, files in os.walk(os.path.join(dataset, top)):
            for name in sorted(files):
                if not name.endswith(".yml"):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, dataset)
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                doc = yaml.safe_load(text)
                stem = name[: -len(".yml")]
                if stem in rules:
                    problems.append(f"{rel}: rule file name also used by {rules[stem][0]}")
                    continue
                if not isinstance(doc, dict) or not doc.get("id"):
                    problems.append(f"{rel}: no Sigma id")
                    continue
                placeholders = sorted(set(re.findall(r"%(\w+)%", yaml.safe_dump(doc.get("detection", {})))))
                rules[stem] = (rel, str(doc["id"]), placeholders)
    return rules, problems


def check_event(where, ev, seen_ids, problems):
    if not isinstance(ev, dict):
        problems.append(f"{where}: event is not a mapping")
        return
    for key in EVENT_KEYS:
        if key not in ev:
            problems.append(f"{where}: event lacks {key}")
    eid = ev.get("eventID")
    if eid in seen_ids:
        problems.append(f"{where}: eventID {eid} also used in {seen_ids[eid]}")
    elif eid:
        seen_ids[eid] = where


def check_tests_file(path, rules, seen_ids, problems):
    name = os.path.basename(path)
    stem = name[: -len(".tests.yml")]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if re.search(r"^\s*(detection|condition):", text, re.M):
        problems.append(f"{name}: contains Sigma detection logic; rules must stay in the dataset")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        problems.append(f"{name}: YAML error: {e}")
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("tests"), list) or not doc["tests"]:
        problems.append(f"{name}: expected a mapping with a non-empty `tests` list")
        return None
    if stem not in rules:
        problems.append(f"{name}: no rule file {stem}.yml in the dataset")
        return stem
    rel, rid, placeholders = rules[stem]
    if doc.get("source") != rel:
        problems.append(f"{name}: source is {doc.get('source')!r}, expected {rel!r}")
    given = doc.get("placeholders") or {}
    for p in placeholders:
        if not isinstance(given.get(p), list) or not given[p]:
            problems.append(f"{name}: placeholders.{p} (a non-empty list) is required by the rule")
    counts = {e: 0 for e in EXPECTS}
    for i, t in enumerate(doc["tests"]):
        where = f"{name} test {i + 1}"
        if not isinstance(t, dict):
            problems.append(f"{where}: not a mapping")
            continue
        where = f"{name}: {t.get('name', f'test {i + 1}')}"
        if not t.get("name"):
            problems.append(f"{where}: no name")
        if str(t.get("rule")) != rid:
            problems.append(f"{where}: rule {t.get('rule')!r} is not {stem}'s id {rid}")
        if t.get("expect") not in EXPECTS:
            problems.append(f"{where}: expect must be match or no-match")
        else:
            counts[t["expect"]] += 1
        events = t.get("events")
        if not isinstance(events, list) or not events:
            problems.append(f"{where}: no events")
            continue
        for ev in events:
            check_event(where, ev, seen_ids, problems)
    for e, n in counts.items():
        if n == 0:
            problems.append(f"{name}: no `{e}` test")
    return stem


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default=default_dataset())
    args = ap.parse_args(argv)
    if not os.path.isdir(args.dataset):
        print(f"check_coverage: dataset not found: {args.dataset}", file=sys.stderr)
        return 2
    rules, problems = load_rules(args.dataset)
    if not rules:
        print(f"check_coverage: no rules under {args.dataset}", file=sys.stderr)
        return 2
    files = sorted(f for f in os.listdir(HERE) if f.endswith(".tests.yml"))
    seen_ids = {}
    covered = {}
    for f in files:
        stem = check_tests_file(os.path.join(HERE, f), rules, seen_ids, problems)
        if stem:
            covered.setdefault(stem, []).append(f)
    for stem, (rel, rid, _) in sorted(rules.items()):
        if stem not in covered:
            problems.append(f"{rel} ({rid}): no tests file {stem}.tests.yml")
    for p in problems:
        print(p)
    ntests = sum(len(yaml.safe_load(open(os.path.join(HERE, f), encoding="utf-8")).get("tests", [])) for f in files)
    print(f"check_coverage: {len(rules)} rules, {len(files)} tests files, {ntests} tests, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
