"""Tests of trailwarden's saved hunting queries (rules/hunting) and scheduled-SQL rules
(rules/scheduled), run through the trailwarden command line as a user runs them.

For every query NAME: its header parses, its fixture (NAME.fixture.jsonl) is ingested into a
fresh workspace, the query runs over the window of NAME.expect.json and its rows must hold
what that file expects (rows present, near-miss markers absent, row count). Fixtures and
expectations are written by tests/hunting/make_fixtures.py; the data copied into the SQL by
rules/data/inline_data.py. See rules/hunting/README.md.

Environment: TRAILWARDEN_BIN (the binary), TRAILWARDEN_SOURCE_DIR (the repository; default:
two levels up), TRAILWARDEN_HUNT_MODE=query to run saved queries with `hunt --query`.
"""
import csv
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402

SRC = os.environ.get("TRAILWARDEN_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
BIN = os.environ.get("TRAILWARDEN_BIN")
HUNTING = os.path.join(SRC, "rules", "hunting")
SCHEDULED = os.path.join(SRC, "rules", "scheduled")
DATA = os.path.join(SRC, "rules", "data")
GUARDDUTY_SKIP = "AWSGuardDuty ingestion arrives with the collectors issue (#4)"

# The 39 queries of the detection catalogue, section 3, in its order.
CATALOGUE = [
    "iam_policy_changes", "iam_user_group_changes", "instance_profile_role_swap",
    "privileged_role_attached_to_instance", "new_assume_role_pair", "unused_regions",
    "assume_role_bruteforce", "s3_versioning_suspended", "access_key_created",
    "login_profile_created", "ec2_launched_without_key_pair", "ecr_findings_low",
    "ecr_findings_medium", "enumeration_burst", "s3_failed_key_bruteforce",
    "console_failed_logins_without_mfa", "iam_access_denied_discovery", "lambda_throttled",
    "lambda_layer_external_account", "lambda_code_updated", "login_profile_updated",
    "route_table_changes", "subnet_attribute_changes", "vpc_attribute_changes",
    "nacl_ingress_entry_deleted", "root_access_key_created", "policy_version_wildcard",
    "rds_master_password_changed", "risky_role_name", "s3_encryption_modified",
    "s3_bucket_deleted", "sts_token_ec2", "sts_token_eks_node", "sts_token_ecs",
    "sts_token_glue", "sts_token_lambda", "guardduty_eks_privesc_credaccess",
    "guardduty_high_severity_clusters", "guardduty_s3_exposure",
]
SCHEDULED_RULES = ["s3_ransomware_reencryption", "ec2_mass_compute_deployment"]
ALERT_COLUMNS = ["alert_key", "first_time", "last_time", "identity", "source_ip", "account",
                 "resource", "event_ids", "description"]


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def need_bin(testcase):
    if not BIN:
        testcase.skipTest("TRAILWARDEN_BIN is not set")


class Workspace:
    """A temporary workspace holding one fixture."""

    def __init__(self, fixture):
        self.tmp = tempfile.mkdtemp(prefix="tw-hunt-")
        self.path = os.path.join(self.tmp, "ws")
        p = harness.run_cli(BIN, "ingest", "-w", self.path, "--format", "json", fixture)
        if p.returncode != 0:
            raise AssertionError(f"ingest {fixture}: exit {p.returncode}\n{p.stdout}{p.stderr}")
        self.summary = json.loads(p.stdout)

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


# ------------------------------------------------------------------ GuardDuty emulation

def guardduty_cte(findings):
    """A WITH-clause item that stands in for the AWSGuardDuty table (Sentinel's columns, taken
    from the finding JSON as the collectors will store it) so the GuardDuty hunts can run
    before that table exists."""
    rows = ",\n    ".join("(" + "'" + json.dumps(f).replace("'", "''") + "')" for f in findings)
    return f"""AWSGuardDuty AS (
  SELECT
    TRY_CAST(json_extract_string(r, '$.updatedAt') AS TIMESTAMP) AS TimeGenerated,
    TRY_CAST(json_extract_string(r, '$.createdAt') AS TIMESTAMP) AS TimeCreated,
    json_extract_string(r, '$.id') AS Id,
    json_extract_string(r, '$.arn') AS Arn,
    json_extract_string(r, '$.accountId') AS AccountId,
    json_extract_string(r, '$.region') AS Region,
    json_extract_string(r, '$.partition') AS Partition,
    json_extract_string(r, '$.type') AS ActivityType,
    json_extract_string(r, '$.title') AS Title,
    json_extract_string(r, '$.description') AS Description,
    TRY_CAST(json_extract(r, '$.severity') AS DOUBLE) AS Severity,
    json_extract_string(r, '$.schemaVersion') AS SchemaVersion,
    json_extract(r, '$.resource') AS ResourceDetails,
    json_extract(r, '$.service') AS ServiceDetails,
    r AS Raw
  FROM (VALUES
    {rows}) AS t(r))"""


def with_table(sql, cte):
    """Prepend a WITH item to SQL that may already start with WITH."""
    m = re.match(r"\s*WITH\s", sql, re.I)
    if m:
        return f"WITH {cte},\n" + sql[m.end():]
    return f"WITH {cte}\n" + sql


# ------------------------------------------------------------------ hunting queries

class HuntingQueryFiles(unittest.TestCase):
    def test_catalogue_complete(self):
        found = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(HUNTING, "*.sql")))
        self.assertEqual(found, sorted(CATALOGUE))

    def test_headers(self):
        for name in CATALOGUE:
            with self.subTest(name=name):
                q = harness.QueryFile(os.path.join(HUNTING, f"{name}.sql"))
                self.assertEqual(q.header["id"], f"aws.hunt.{name}")
                self.assertRegex(q.header["window"], harness.WINDOW)
                for tac in q.tactics:
                    self.assertRegex(tac, harness.TACTIC)
                for tech in q.techniques:
                    self.assertRegex(tech, harness.TECHNIQUE)
                sentences = len(re.findall(r"[.!?](\s|$)", q.header["description"]))
                self.assertTrue(2 <= sentences <= 4, f"{name}: {sentences} sentences")
                used = set(harness.placeholders(q.body))
                self.assertIn("start", used)
                self.assertIn("end", used)
                self.assertEqual(used - {"start", "end"}, set(q.params),
                                 "declared and used params differ")
                self.assertRegex(q.body.rstrip(), r"LIMIT 10000$")
                # the SQL never reads files or the network, which the hunt connection refuses
                self.assertNotRegex(q.body, r"(?i)\b(read_csv|read_json|read_parquet|"
                                            r"read_text|glob)\s*\(")

    def test_placeholder_scanner(self):
        sql = ("SELECT x::VARCHAR, ':start' AS s, \"a:end\" -- :start\n"
               "FROM t WHERE a >= :start AND b < :end + :n /* :skip */")
        self.assertEqual(harness.placeholders(sql), ["start", "end", "n"])
        bound = harness.substitute(sql, {"start": "S", "end": "E", "n": "3"})
        self.assertIn("a >= S AND b < E + 3", bound)
        self.assertIn("':start'", bound)
        with self.assertRaises(KeyError):
            harness.substitute(":oops", {})

    def test_fixtures_up_to_date(self):
        p = subprocess.run([sys.executable, os.path.join(HERE, "make_fixtures.py"), "--check"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, "run tests/hunting/make_fixtures.py:\n" + p.stdout)

    def test_inlined_data_up_to_date(self):
        p = subprocess.run([sys.executable, os.path.join(DATA, "inline_data.py"), "--check"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, "run rules/data/inline_data.py:\n" + p.stdout)


def _make_hunt_test(name):
    def test(self):
        need_bin(self)
        q = harness.QueryFile(os.path.join(HUNTING, f"{name}.sql"))
        exp = load_json(os.path.join(HUNTING, f"{name}.expect.json"))
        fixture = os.path.join(HUNTING, f"{name}.fixture.jsonl")
        if exp.get("guardduty"):
            self.skipTest(GUARDDUTY_SKIP)
        ws = Workspace(fixture)
        try:
            self.assertEqual(ws.summary["rejected"], 0)
            rows = harness.run_saved_query(BIN, ws.path, q, exp["start"], exp["end"],
                                           exp.get("params"))
            harness.check_expectations(self, rows, exp, name)
        finally:
            ws.close()
    return test


def _make_guardduty_emulated_test(name):
    def test(self):
        need_bin(self)
        q = harness.QueryFile(os.path.join(HUNTING, f"{name}.sql"))
        exp = load_json(os.path.join(HUNTING, f"{name}.expect.json"))
        findings = read_jsonl(os.path.join(HUNTING, f"{name}.fixture.jsonl"))
        # any workspace will do: the findings come in through the stand-in table
        ws = Workspace(os.path.join(HUNTING, "s3_bucket_deleted.fixture.jsonl"))
        try:
            sql = with_table(harness.bind(q, exp["start"], exp["end"], exp.get("params")),
                             guardduty_cte(findings))
            rows = harness.hunt_sql(BIN, ws.path, sql)
            harness.check_expectations(self, rows, exp, name)
        finally:
            ws.close()
    return test


class HuntingQueries(unittest.TestCase):
    """One test per query: ingest its fixture, run it, check its expectations."""


for _name in CATALOGUE:
    setattr(HuntingQueries, f"test_{_name}", _make_hunt_test(_name))
    if _name.startswith("guardduty_"):
        setattr(HuntingQueries, f"test_{_name}_on_emulated_table",
                _make_guardduty_emulated_test(_name))


class HuntWindow(unittest.TestCase):
    def test_window_bounds_are_respected(self):
        """An event exactly at :end is outside, one at :start inside."""
        need_bin(self)
        q = harness.QueryFile(os.path.join(HUNTING, "s3_bucket_deleted.sql"))
        ws = Workspace(os.path.join(HUNTING, "s3_bucket_deleted.fixture.jsonl"))
        try:
            at = "2024-03-10T07:00:00Z"   # the fixture's DeleteBucket
            self.assertEqual(len(harness.run_saved_query(BIN, ws.path, q, at,
                                                         "2024-03-10T08:00:00Z")), 1)
            self.assertEqual(len(harness.run_saved_query(BIN, ws.path, q,
                                                         "2024-03-10T06:00:00Z", at)), 0)
        finally:
            ws.close()


# ------------------------------------------------------------------ data files

class DataFiles(unittest.TestCase):
    def test_vcpu_table(self):
        with open(os.path.join(DATA, "ec2_instance_vcpus.csv"), encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0], ["instanceType", "vcpus"])
        types = [r[0] for r in rows[1:]]
        self.assertEqual(len(types), len(set(types)), "duplicate instance types")
        for itype, vcpus in rows[1:]:
            self.assertRegex(itype, r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
            self.assertTrue(vcpus.isdigit() and 0 < int(vcpus) <= 896, (itype, vcpus))
        table = dict(rows[1:])
        # spot checks against AWS's published defaults
        self.assertEqual(table["c5.24xlarge"], "96")
        self.assertEqual(table["c4.8xlarge"], "36")
        self.assertEqual(table["t3.micro"], "2")
        self.assertEqual(table["m6g.medium"], "1")

    def test_vcpu_table_matches_the_rule(self):
        """The VALUES block in the mass-compute rule is exactly the CSV."""
        with open(os.path.join(DATA, "ec2_instance_vcpus.csv"), encoding="utf-8", newline="") as f:
            want = [(r[0], int(r[1])) for r in list(csv.reader(f))[1:]]
        query = load_scheduled("ec2_mass_compute_deployment")["query"]
        block = re.search(r"-- BEGIN GENERATED from rules/data/ec2_instance_vcpus\.csv.*?\n"
                          r"(.*?)-- END GENERATED", query, re.S)
        self.assertIsNotNone(block)
        got = [(a, int(b)) for a, b in re.findall(r"\('([^']+)', (\d+)\)", block.group(1))]
        self.assertEqual(got, want)

    def test_lists(self):
        for file_name, pattern in (("aws_layer_accounts.txt", r"^[0-9]{12}$"),
                                   ("risky_role_names.txt", r"^[\w+=,.@-]{1,64}$")):
            with self.subTest(file=file_name):
                path = os.path.join(DATA, file_name)
                with open(path, encoding="utf-8") as f:
                    values = [v.split("#", 1)[0].strip() for v in f]
                values = [v for v in values if v]
                self.assertGreater(len(values), 5)
                self.assertEqual(len(values), len({v.lower() for v in values}), "duplicates")
                for v in values:
                    self.assertRegex(v, pattern)


# ------------------------------------------------------------------ scheduled rules

def load_scheduled(name):
    """The rule's YAML; PyYAML when present, else the few keys the tests read."""
    path = os.path.join(SCHEDULED, f"{name}.yml")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        import yaml
        return yaml.safe_load(text)
    except ImportError:
        doc, lines = {}, text.split("\n")
        for i, line in enumerate(lines):
            m = re.match(r"^([a-z_]+):\s*(.*)$", line)
            if not m:
                continue
            if m.group(2) == "|":
                body = []
                for more in lines[i + 1:]:
                    if more and not more.startswith("  "):
                        break
                    body.append(more[2:])
                doc[m.group(1)] = "\n".join(body)
            else:
                doc[m.group(1)] = m.group(2)
        return doc


def bind_scheduled(query, start, end):
    return harness.substitute(query, {"start": harness.timestamp_literal(start),
                                      "end": harness.timestamp_literal(end)})


def _duration_hours(text):
    m = re.match(r"^(\d+)([mhd])$", str(text))
    return int(m.group(1)) * {"m": 1 / 60, "h": 1, "d": 24}[m.group(2)]


class ScheduledRules(unittest.TestCase):
    def test_metadata(self):
        try:
            import yaml  # noqa: F401
        except ImportError:
            self.skipTest("PyYAML is not installed")
        for name in SCHEDULED_RULES:
            with self.subTest(name=name):
                doc = load_scheduled(name)
                self.assertRegex(doc["name"], r"^aws\.[a-z_]+\.[a-z0-9_]+$")
                self.assertEqual(doc["name"].rsplit(".", 1)[1], name)
                self.assertEqual(str(uuid.UUID(doc["id"])), doc["id"])
                self.assertIn(doc["level"], ("informational", "low", "medium", "high", "critical"))
                for tag in doc["tags"]:
                    self.assertRegex(tag, r"^attack\.([a-z_]+|t\d{4}(\.\d{3})?)$")
                tw = doc["trailwarden"]
                self.assertEqual(tw["kind"], "scheduled-sql")
                self.assertRegex(str(tw["frequency"]), r"^\d+[mhd]$")
                self.assertRegex(str(tw["lookback"]), r"^\d+[mhd]$")
                self.assertEqual(set(harness.placeholders(doc["query"])), {"start", "end"})
                # the look-back written in the SQL is the one declared
                hours = _duration_hours(tw["lookback"])
                intervals = re.findall(r"INTERVAL (\d+) (HOUR|MINUTE)", doc["query"])
                self.assertTrue(intervals)
                for n, unit in intervals:
                    self.assertEqual(int(n) / (60 if unit == "MINUTE" else 1), hours, doc["name"])
        ids = [load_scheduled(n)["id"] for n in SCHEDULED_RULES]
        self.assertEqual(len(ids), len(set(ids)))


def _make_scheduled_test(name):
    def test(self):
        need_bin(self)
        doc = load_scheduled(name)
        exp = load_json(os.path.join(SCHEDULED, f"{name}.expect.json"))
        ws = Workspace(os.path.join(SCHEDULED, f"{name}.fixture.jsonl"))
        try:
            self.assertEqual(ws.summary["rejected"], 0)
            sql = bind_scheduled(doc["query"], exp["start"], exp["end"])
            rows = harness.hunt_sql(BIN, ws.path, sql)
            self.assertTrue(rows, "no alert")
            self.assertEqual(list(rows[0].keys()), ALERT_COLUMNS)
            harness.check_expectations(self, rows, exp, name)
            keys = [r["alert_key"] for r in rows]
            self.assertEqual(len(keys), len(set(keys)), "alert keys repeat")
            for r in rows:
                self.assertIsInstance(r["event_ids"], list)
                self.assertTrue(0 < len(r["event_ids"]) <= 200)
                self.assertTrue(r["description"])
            for row_value, fragments in exp.get("description_contains", {}).items():
                row = next(r for r in rows if row_value in (r["identity"], r["resource"]))
                for fragment in fragments:
                    self.assertIn(fragment, row["description"])
            # deterministic: the same input gives the same alerts, keys included
            self.assertEqual(harness.hunt_sql(BIN, ws.path, sql), rows)
        finally:
            ws.close()
    return test


for _name in SCHEDULED_RULES:
    setattr(ScheduledRules, f"test_{_name}", _make_scheduled_test(_name))


if __name__ == "__main__":
    unittest.main()
