"""`policies list|show` and `baseline` through the command line, after an ingest in which the
unusual-administrative-activity policy fires (no geo-IP needed): settings, user overrides,
learning state and alert counts from the workspace, one identity's baseline as text and JSON,
and attacker-controlled names escaped in the text output."""
import datetime
import json
import os
import subprocess
import tempfile
import unittest

BIN = os.environ.get("TRAILWARDEN_BIN", "trailwarden")
T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def run(*args, check_rc=0):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=300)
    if check_rc is not None:
        assert p.returncode == check_rc, f"{args}: rc {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


def rec(n, t, user, name="DescribeInstances", source="ec2.amazonaws.com", read_only=True):
    return {"eventVersion": "1.08", "eventTime": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventID": f"cli-{n:06d}", "eventSource": source, "eventName": name,
            "awsRegion": "us-east-1", "sourceIPAddress": "81.2.69.160", "readOnly": read_only,
            "eventType": "AwsApiCall", "recipientAccountId": "111122223333",
            "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::111122223333:user/{user}",
                             "accountId": "111122223333", "userName": user}}


class PoliciesCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        records, n = [], 0
        odd = "eve\x1b[31m"  # an escape sequence in a user name
        for day in range(10):
            for i in range(4):
                n += 1
                records.append(rec(n, T0 + datetime.timedelta(days=day, hours=9, minutes=5 * i), "alice"))
                n += 1
                records.append(rec(n, T0 + datetime.timedelta(days=day, hours=9, minutes=5 * i), odd))
        for i in range(22):
            n += 1
            records.append(rec(n, T0 + datetime.timedelta(days=10, hours=9, minutes=i), "alice",
                               "CreateUser", "iam.amazonaws.com", False))
        os.makedirs(os.path.join(d, "in"))
        with open(os.path.join(d, "in", "trail.json"), "w") as f:
            json.dump({"Records": records}, f)
        cls.ws = os.path.join(d, "ws")
        run("ingest", "-w", cls.ws, "--no-geoip", os.path.join(d, "in"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_list_shows_eleven_policies_with_alert_counts(self):
        out = json.loads(run("policies", "list", "-w", self.ws, "--format", "json").stdout)
        self.assertEqual(len(out), 11)
        by_id = {p["id"]: p for p in out}
        admin = by_id["aws.anomaly.unusual_admin_activity"]
        self.assertEqual(admin["alerts"], 1)
        self.assertEqual(admin["floor"], 20)
        self.assertEqual(admin["learning_state"], {"unit": "identities", "learned": 2, "learning": 0})
        self.assertEqual(by_id["aws.anomaly.impossible_travel"]["alerts"], 0)
        table = run("policies", "list", "-w", self.ws).stdout
        self.assertIn("2 of 2 identities learned", table)

    def test_show_with_overrides(self):
        d = self.tmp.name
        with open(os.path.join(d, "p.yml"), "w") as f:
            f.write("policies:\n  unusual_admin_activity:\n    sensitivity: high\n    floor: 30\n")
        s = json.loads(run("policies", "show", "unusual_admin_activity", "--policies",
                           os.path.join(d, "p.yml"), "--format", "json").stdout)
        self.assertEqual(s["sensitivity"], "high")
        self.assertEqual(s["effective_floor"], 15)
        self.assertEqual(s["percentile"], 0.95)
        p = run("policies", "show", "no_such_policy", check_rc=1)
        self.assertIn("no such policy", p.stderr)
        text = run("policies", "show", "aws.anomaly.impossible_travel", "--sensitivity", "low").stdout
        self.assertIn("distance >= 1000 km", text)

    def test_baseline_text_json_and_escaping(self):
        out = json.loads(run("baseline", "-w", self.ws, "arn:aws:iam::111122223333:user/alice",
                             "--format", "json").stdout)
        self.assertEqual(len(out), 1)
        self.assertEqual(out[0]["name"], "alice")
        self.assertEqual(out[0]["session_metrics"]["admin_events"]["sessions"], 10)
        self.assertEqual(out[0]["session_metrics"]["admin_events"]["max"], 0)
        text = run("baseline", "-w", self.ws, "eve").stdout
        self.assertNotIn("\x1b", text)
        self.assertIn("eve", text)
        run("baseline", "-w", self.ws, "nobody-at-all", check_rc=1)

    def test_alert_explains_itself(self):
        alerts = json.loads(run("alerts", "-w", self.ws, "--format", "json").stdout)
        admin = [a for a in alerts if a["rule_id"] == "aws.anomaly.unusual_admin_activity"]
        self.assertEqual(len(admin), 1)
        self.assertEqual(admin[0]["kind"], "anomaly")
        self.assertEqual(admin[0]["event_count"], 22)
        self.assertIn("22 administrative events in one session by alice", admin[0]["description"])
        self.assertIn("p99 is 0 over 10 sessions (floor 20; threshold 20)", admin[0]["description"])
        self.assertEqual(len(admin[0]["event_ids"]), 20)


if __name__ == "__main__":
    unittest.main()
