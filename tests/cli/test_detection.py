"""End-to-end tests of detection through the command line: ingest raises alerts, alerts shows
them, rules list/check/test/run, saved hunting queries.

TRAILWARDEN_BIN names the binary; TRAILWARDEN_SOURCE_DIR the repository.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import uuid

BIN = os.environ["TRAILWARDEN_BIN"]
SRC = os.environ["TRAILWARDEN_SOURCE_DIR"]


def run(*args, check_rc=None, timeout=300):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)
    if check_rc is not None and p.returncode != check_rc:
        raise AssertionError(f"{args}: exit {p.returncode}, expected {check_rc}\n"
                             f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def event(name, source, t, **extra):
    r = {"eventVersion": "1.08", "eventTime": t, "eventSource": source, "eventName": name,
         "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.7",
         "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64 command/cloudtrail.stop-logging",
         "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLEUSER00001",
                          "arn": "arn:aws:iam::111122223333:user/mallory",
                          "accountId": "111122223333", "accessKeyId": "AKIAEXAMPLEKEY000001",
                          "userName": "mallory"},
         "requestParameters": None, "responseElements": None,
         "requestID": str(uuid.uuid4()), "eventID": str(uuid.uuid4()), "readOnly": False,
         "eventType": "AwsApiCall", "managementEvent": True,
         "recipientAccountId": "111122223333", "eventCategory": "Management"}
    r.update(extra)
    return r


def stop_logging(t="2024-03-01T10:00:00Z", **extra):
    return event("StopLogging", "cloudtrail.amazonaws.com", t,
                 requestParameters={"name": "arn:aws:cloudtrail:us-east-1:111122223333:trail/main"},
                 **extra)


def console_login(outcome, t, ip="198.51.100.23"):
    r = event("ConsoleLogin", "signin.amazonaws.com", t, sourceIPAddress=ip,
              userAgent="Mozilla/5.0 (X11; Linux x86_64) Firefox/124.0", eventType="AwsConsoleSignIn",
              responseElements={"ConsoleLogin": outcome},
              additionalEventData={"MFAUsed": "No", "LoginTo": "https://console.aws.amazon.com/"})
    if outcome == "Failure":
        r["errorMessage"] = "Failed authentication"
    return r


def write_trail(path, records):
    with open(path, "w") as f:
        json.dump({"Records": records}, f)


USER_RULE = """title: Bucket deleted by anyone
id: 0b6f2c1e-8f7a-4b5e-9d7c-3a1f2e4d5c6b
name: test.bucket_deleted
status: experimental
description: Test rule for the retro-hunt.
author: trailwarden tests
level: low
tags:
  - attack.impact
  - attack.t1485
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventSource: s3.amazonaws.com
    eventName: DeleteBucket
  condition: selection
"""


class DetectionTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tw-detect-")
        self.ws = os.path.join(self.tmp, "ws")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def alerts(self, *extra):
        return json.loads(run("alerts", "-w", self.ws, "--format", "json", *extra, check_rc=0).stdout)

    def test_stateless_alert_once_with_entities(self):
        e = stop_logging()
        f = os.path.join(self.tmp, "a.json")
        write_trail(f, [e])
        s = json.loads(run("ingest", "-w", self.ws, "--format", "json", f, check_rc=0).stdout)
        self.assertGreaterEqual(s["alerts_raised"], 1)
        alerts = [a for a in self.alerts() if a["rule_id"] == "aws.defense_evasion.cloudtrail_tampering"]
        self.assertEqual(len(alerts), 1, alerts)
        a = alerts[0]
        for key in ("alert_id", "rule_id", "title", "severity", "tactics", "techniques", "time",
                    "event_ids", "entities", "description"):
            self.assertIn(key, a)
        self.assertEqual(a["severity"], "high")
        self.assertIn("TA0005", a["tactics"])
        self.assertEqual(a["event_ids"], [e["eventID"]])
        self.assertEqual(a["time"]["first"], "2024-03-01T10:00:00Z")
        self.assertEqual(a["entities"]["account"], "111122223333")
        self.assertEqual(a["entities"]["ip"], "203.0.113.7")
        self.assertEqual(a["entities"]["identity"]["name"], "mallory")
        self.assertIn("StopLogging", a["description"])
        self.assertIn("mallory", a["description"])
        # The same file again: its events are duplicates and raise nothing.
        again = json.loads(run("ingest", "-w", self.ws, "--format", "json", f, check_rc=0).stdout)
        self.assertEqual(again["alerts_raised"], 0)
        self.assertEqual(len(self.alerts()), len(json.loads(
            run("alerts", "-w", self.ws, "--format", "json", check_rc=0).stdout)))
        self.assertEqual(len([x for x in self.alerts()
                              if x["rule_id"] == "aws.defense_evasion.cloudtrail_tampering"]), 1)

    def test_failed_call_does_not_fire_success_only_rule(self):
        f = os.path.join(self.tmp, "a.json")
        write_trail(f, [stop_logging(errorCode="AccessDenied",
                                     errorMessage="User is not authorized to perform StopLogging")])
        run("ingest", "-w", self.ws, f, check_rc=0)
        self.assertEqual([a for a in self.alerts()
                          if a["rule_id"] == "aws.defense_evasion.cloudtrail_tampering"], [])

    def test_since_filters_by_event_time(self):
        f = os.path.join(self.tmp, "a.json")
        write_trail(f, [stop_logging("2020-01-01T00:00:00Z"), stop_logging("2099-01-01T00:00:00Z")])
        run("ingest", "-w", self.ws, f, check_rc=0)
        self.assertEqual(len([a for a in self.alerts("--since", "2030-01-01T00:00:00Z")
                              if a["rule_id"].endswith("cloudtrail_tampering")]), 1)
        self.assertEqual(len([a for a in self.alerts("--since", "24h")
                              if a["rule_id"].endswith("cloudtrail_tampering")]), 1)
        self.assertEqual(len([a for a in self.alerts()
                              if a["rule_id"].endswith("cloudtrail_tampering")]), 2)
        p = run("alerts", "-w", self.ws, "--since", "yesterday")
        self.assertEqual(p.returncode, 1)
        self.assertIn("duration", p.stderr)

    def correlation_alerts(self):
        return [a for a in self.alerts()
                if a["rule_id"] == "aws.credential_access.console_login_after_failures"]

    def test_correlation_survives_restart_and_fires_once(self):
        fails = [console_login("Failure", f"2024-03-01T10:{m:02d}:00Z") for m in range(6)]
        success = console_login("Success", "2024-03-01T10:20:00Z")
        a = os.path.join(self.tmp, "first.json")
        b = os.path.join(self.tmp, "second.json")
        write_trail(a, fails)
        write_trail(b, [success])
        run("ingest", "-w", self.ws, a, check_rc=0)
        self.assertEqual(self.correlation_alerts(), [])
        # A new process: the failures live on in the persisted correlation state.
        run("ingest", "-w", self.ws, b, check_rc=0)
        got = self.correlation_alerts()
        self.assertEqual(len(got), 1, got)
        ids = set(got[0]["event_ids"])
        self.assertIn(success["eventID"], ids)
        self.assertTrue({e["eventID"] for e in fails} <= ids, "every contributing event is listed")
        # Re-ingesting both halves raises nothing more.
        run("ingest", "-w", self.ws, a, b, check_rc=0)
        self.assertEqual(len(self.correlation_alerts()), 1)

    def test_correlation_lateness_is_configurable(self):
        # A newer event read first makes the sequence four days "late".
        newer = os.path.join(self.tmp, "a-newer.json")
        older = os.path.join(self.tmp, "b-older.json")
        write_trail(newer, [stop_logging("2024-03-05T10:00:00Z")])
        write_trail(older, [console_login("Failure", f"2024-03-01T10:{m:02d}:00Z") for m in range(6)]
                    + [console_login("Success", "2024-03-01T10:20:00Z")])
        # One event per batch: within a batch, hits are put in time order anyway.
        run("ingest", "-w", self.ws, "--batch-rows", "1", newer, older, check_rc=0)
        self.assertEqual(self.correlation_alerts(), [], "beyond the default 2 h lateness")
        other = os.path.join(self.tmp, "ws2")
        run("ingest", "-w", other, "--batch-rows", "1", "--correlation-lateness", "7d", newer, older,
            check_rc=0)
        got = json.loads(run("alerts", "-w", other, "--format", "json", "--rule",
                             "aws.credential_access.console_login_after_failures",
                             check_rc=0).stdout)
        self.assertEqual(len(got), 1, got)
        p = run("ingest", "-w", other, "--correlation-lateness", "soon", newer)
        self.assertEqual(p.returncode, 1)
        self.assertIn("--correlation-lateness", p.stderr)

    def test_correlation_after_sigkill(self):
        fails = [console_login("Failure", f"2024-03-01T10:{m:02d}:00Z") for m in range(6)]
        success = console_login("Success", "2024-03-01T10:30:00Z")
        a = os.path.join(self.tmp, "first.json")
        write_trail(a, fails)
        run("ingest", "-w", self.ws, a, check_rc=0)
        # Many files, the success in the last: killed part way, then run again to the end.
        big = os.path.join(self.tmp, "big")
        os.mkdir(big)
        for i in range(300):
            # Each file also holds one StopLogging: its alert must commit with it.
            write_trail(os.path.join(big, f"f{i:04d}.json"),
                        [event("ListBuckets", "s3.amazonaws.com", "2024-03-01T10:25:00Z",
                               readOnly=True) for _ in range(200)] +
                        [stop_logging(f"2024-03-01T10:{i % 60:02d}:{i // 60:02d}Z")])
        write_trail(os.path.join(big, "z-last.json"), [success])

        def events_and_alerted():
            q = ("SELECT (SELECT count(*) FROM AWSCloudTrail WHERE EventName = 'StopLogging') AS n, "
                 "(SELECT coalesce(sum(EventCount), 0) FROM Alerts WHERE RuleId = "
                 "'aws.defense_evasion.cloudtrail_tampering') AS a")
            return json.loads(run("hunt", "-w", self.ws, "--format", "json", q, check_rc=0).stdout)[0]

        for delay in (0.7, 1.5):
            p = subprocess.Popen([BIN, "ingest", "-w", self.ws, "--batch-rows", "5000", big],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                p.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGKILL)
                p.wait()
            got = events_and_alerted()
            # Whatever the kill left: every stored StopLogging has its alert, none without.
            self.assertEqual(got["n"], got["a"], f"after a kill at {delay}s")
        run("ingest", "-w", self.ws, big, check_rc=0)
        self.assertEqual(events_and_alerted(), {"n": 300, "a": 300})
        self.assertEqual(len(self.correlation_alerts()), 1)

    def test_rules_list_json_and_check_diagnostics(self):
        rules = json.loads(run("rules", "list", "--format", "json", check_rc=0).stdout)
        by_id = {r["rule"]: r for r in rules}
        self.assertIn("aws.defense_evasion.cloudtrail_tampering", by_id)
        self.assertIn("TA0005", by_id["aws.defense_evasion.cloudtrail_tampering"]["tactics"])
        self.assertGreaterEqual(len(rules), 60)
        bad = os.path.join(self.tmp, "bad.yml")
        with open(bad, "w") as f:
            f.write(USER_RULE.replace("eventName: DeleteBucket", "eventName|contians: Delete"))
        p = run("rules", "check", bad)
        self.assertEqual(p.returncode, 1)
        self.assertIn("unknown-modifier", p.stdout)
        self.assertIn("bad.yml:", p.stdout)
        self.assertIn("Bucket deleted by anyone", p.stdout)
        good = os.path.join(self.tmp, "good.yml")
        with open(good, "w") as f:
            f.write(USER_RULE)
        run("rules", "check", good, check_rc=0)

    def test_builtin_rule_tests_pass(self):
        p = run("rules", "test", timeout=600)
        self.assertEqual(p.returncode, 0, p.stdout[-4000:] + p.stderr[-2000:])
        self.assertIn("0 failed", p.stdout)

    def test_retro_hunt_stores_alerts_once(self):
        deletes = [event("DeleteBucket", "s3.amazonaws.com", f"2024-02-0{d}T12:00:00Z",
                         requestParameters={"bucketName": f"b{d}"}) for d in range(1, 4)]
        f = os.path.join(self.tmp, "a.json")
        write_trail(f, deletes)
        run("ingest", "-w", self.ws, "--no-detect", f, check_rc=0)
        self.assertEqual(self.alerts(), [])
        rule = os.path.join(self.tmp, "my-rules")
        os.mkdir(rule)
        with open(os.path.join(rule, "deleted.yml"), "w") as f2:
            f2.write(USER_RULE)
        out = run("rules", "run", "-w", self.ws, "--since", "2024-01-01T00:00:00Z", rule, check_rc=0)
        self.assertIn("3 alerts written", out.stdout)
        got = [a for a in self.alerts() if a["rule_id"] == "test.bucket_deleted"]
        self.assertEqual(len(got), 3)
        self.assertEqual(sorted(a["time"]["first"] for a in got),
                         sorted(e["eventTime"] for e in deletes))
        run("rules", "run", "-w", self.ws, "--since", "2024-01-01T00:00:00Z", rule, check_rc=0)
        self.assertEqual(len([a for a in self.alerts() if a["rule_id"] == "test.bucket_deleted"]), 3)

    def test_attacker_text_is_escaped_in_alerts(self):
        e = stop_logging(userAgent="evil\x1b[2J\x07agent")
        e["userIdentity"]["userName"] = "mal\x1b[31mlory\u202e"
        f = os.path.join(self.tmp, "a.json")
        write_trail(f, [e])
        run("ingest", "-w", self.ws, f, check_rc=0)
        table = run("alerts", "-w", self.ws, check_rc=0).stdout
        self.assertNotIn("\x1b", table)
        self.assertNotIn("\u202e", table)
        self.assertIn("mal", table)
        a = [x for x in self.alerts() if x["rule_id"].endswith("cloudtrail_tampering")][0]
        self.assertEqual(a["entities"]["identity"]["name"], "mal\x1b[31mlory\u202e")

    def test_scheduled_rule_alerts_after_ingest(self):
        fixture = os.path.join(SRC, "rules", "scheduled", "ec2_mass_compute_deployment.fixture.jsonl")
        with open(os.path.join(SRC, "rules", "scheduled",
                               "ec2_mass_compute_deployment.expect.json")) as f:
            expect = json.load(f)
        s = json.loads(run("ingest", "-w", self.ws, "--format", "json", fixture, check_rc=0).stdout)
        self.assertGreaterEqual(s["scheduled_alerts"], 1)
        got = [a for a in self.alerts() if a["rule_id"] == "aws.impact.ec2_mass_compute_deployment"]
        self.assertEqual(len(got), expect["row_count"], got)
        self.assertEqual(sorted(got[0]["event_ids"]), sorted(expect["rows"][0]["event_ids"]))
        self.assertIn("864 vCPUs", got[0]["description"])
        # The same span evaluated again refreshes the same alert.
        run("ingest", "-w", self.ws, fixture, check_rc=0)
        self.assertEqual(len([a for a in self.alerts()
                              if a["rule_id"] == "aws.impact.ec2_mass_compute_deployment"]),
                         expect["row_count"])

    def test_saved_hunting_queries(self):
        listed = json.loads(run("hunt", "--list", "--format", "json", check_rc=0).stdout)
        names = {q["name"] for q in listed}
        self.assertGreaterEqual(len(listed), 39)
        self.assertIn("access_key_created", names)
        f = os.path.join(self.tmp, "a.json")
        write_trail(f, [event("CreateAccessKey", "iam.amazonaws.com", "2024-03-01T10:00:00Z",
                              requestParameters={"userName": "alice"},
                              responseElements={"accessKey": {"accessKeyId": "AKIANEWKEY0000000001",
                                                              "userName": "alice",
                                                              "status": "Active"}})])
        run("ingest", "-w", self.ws, f, check_rc=0)
        rows = json.loads(run("hunt", "-w", self.ws, "--query", "access_key_created", "--start",
                              "2024-02-28T00:00:00Z", "--end", "2024-03-02T00:00:00Z",
                              "--format", "json", check_rc=0).stdout)
        self.assertEqual(len(rows), 1, rows)
        rows = json.loads(run("hunt", "-w", self.ws, "--query", "access_key_created", "--start",
                              "2024-03-01T11:00:00Z", "--end", "2024-03-02T00:00:00Z",
                              "--format", "json", check_rc=0).stdout)
        self.assertEqual(rows, [])
        p = run("hunt", "-w", self.ws, "--query", "no_such_query")
        self.assertEqual(p.returncode, 1)


if __name__ == "__main__":
    unittest.main()
