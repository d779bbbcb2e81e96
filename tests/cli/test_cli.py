"""End-to-end tests of the trailwarden command line, run as a user runs it.

TRAILWARDEN_BIN names the binary; TRAILWARDEN_SOURCE_DIR the repository (for examples/).
"""
import fcntl
import gzip
import json
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

BIN = os.environ["TRAILWARDEN_BIN"]
SRC = os.environ["TRAILWARDEN_SOURCE_DIR"]
SAMPLE = os.path.join(SRC, "examples", "invictus-aws", "CloudTrail")


def run(*args, check_rc=None):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=300)
    if check_rc is not None and p.returncode != check_rc:
        raise AssertionError(f"{args}: exit {p.returncode}, expected {check_rc}\n"
                             f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def record(event_id, **extra):
    r = {"eventVersion": "1.08", "eventTime": "2024-01-15T00:04:35Z",
         "eventSource": "iam.amazonaws.com", "eventName": "CreateUser", "awsRegion": "us-east-1",
         "sourceIPAddress": "198.51.100.9", "userAgent": "aws-cli/2.15.0",
         "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/mallory",
                          "userName": "mallory", "accountId": "111122223333"},
         "requestParameters": {"userName": "backdoor"}, "eventID": event_id,
         "eventType": "AwsApiCall", "readOnly": False, "recipientAccountId": "111122223333"}
    r.update(extra)
    return r


class CliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tw-cli-")
        self.ws = os.path.join(self.tmp, "ws")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def hunt_json(self, sql):
        p = run("hunt", "-w", self.ws, "--format", "json", sql, check_rc=0)
        return json.loads(p.stdout)

    def test_ingest_sample_then_reingest(self):
        p = run("ingest", "-w", self.ws, "--format", "json", SAMPLE, check_rc=0)
        s = json.loads(p.stdout)
        for key in ("files", "records", "stored", "duplicates", "skipped", "rejected"):
            self.assertIn(key, s)
        self.assertEqual((s["files"], s["records"], s["stored"], s["duplicates"]), (55, 2900, 2900, 0))
        self.assertEqual((s["skipped"], s["rejected"]), (0, 0))
        again = json.loads(run("ingest", "-w", self.ws, "--format", "json", SAMPLE, check_rc=0).stdout)
        self.assertEqual((again["stored"], again["duplicates"]), (0, 2900))
        rows = self.hunt_json("SELECT count(*) AS n, count(DISTINCT AwsEventId) AS d FROM AWSCloudTrail")
        self.assertEqual(rows, [{"n": 2900, "d": 2900}])

    def test_hunt_formats(self):
        run("ingest", "-w", self.ws, SAMPLE, check_rc=0)
        sql = ("SELECT EventName, count(*) AS n FROM AWSCloudTrail GROUP BY 1 "
               "ORDER BY 2 DESC, 1 LIMIT 3")
        rows = self.hunt_json(sql)
        self.assertEqual(len(rows), 3)
        self.assertEqual(rows[0], {"EventName": "Decrypt", "n": 178})
        csv = subprocess.run([BIN, "hunt", "-w", self.ws, "--format", "csv", sql],
                             capture_output=True, check=True).stdout
        self.assertTrue(csv.startswith(b"EventName,n\r\nDecrypt,178\r\n"), csv)
        table = run("hunt", "-w", self.ws, sql, check_rc=0).stdout
        self.assertIn("Decrypt", table)
        self.assertIn("(3 rows)", table)
        t = self.hunt_json("SELECT min(TimeGenerated) AS t FROM AWSCloudTrail")
        self.assertEqual(t, [{"t": "2023-07-10T11:42:18Z"}])
        # Values inside RequestParameters, derived from the stored raw record (checked with jq).
        rp = self.hunt_json("SELECT json_extract_string(RequestParameters, '$.userName') AS u "
                            "FROM AWSCloudTrail WHERE EventName = 'CreateUser' ORDER BY 1")
        self.assertEqual([r["u"] for r in rp],
                         ["malicious-iam-user", "stratus-red-team-backdoor-u-user",
                          "stratus-red-team-login-profile-user", "stratus-red-team-nmfalu-gfjyeaypjt"])

    def test_derived_sentinel_columns(self):
        run("ingest", "-w", self.ws, SAMPLE, check_rc=0)
        # Counts checked against the sample with jq.
        rows = self.hunt_json("SELECT TlsVersion, EventVersion, count(*) AS n FROM AWSCloudTrail "
                              "GROUP BY ALL ORDER BY n DESC")
        self.assertEqual(rows, [
            {"TlsVersion": "TLSv1.2", "EventVersion": "1.08", "n": 2066},
            {"TlsVersion": None, "EventVersion": "1.08", "n": 600},
            {"TlsVersion": "TLSv1.3", "EventVersion": "1.08", "n": 199},
            {"TlsVersion": "TLSv1.2", "EventVersion": "1.09", "n": 30},
            {"TlsVersion": None, "EventVersion": "1.09", "n": 5}])
        rows = self.hunt_json("SELECT count(*) AS n FROM AWSCloudTrail WHERE SessionIssuerType = 'Role'")
        self.assertEqual(rows, [{"n": 76}])

    def test_hunt_refuses_writes(self):
        run("ingest", "-w", self.ws, SAMPLE, check_rc=0)
        for sql in ("DELETE FROM cloudtrail_events", "DROP VIEW AWSCloudTrail",
                    "INSERT INTO Rejected SELECT * FROM Rejected",
                    "COPY cloudtrail_events TO '/tmp/tw-leak.csv'"):
            p = run("hunt", "-w", self.ws, sql)
            self.assertEqual(p.returncode, 1, sql)
            self.assertTrue(p.stderr.strip(), sql)
        self.assertEqual(self.hunt_json("SELECT count(*) AS n FROM AWSCloudTrail"), [{"n": 2900}])
        p = run("hunt", "-w", self.ws, "DELETE FROM cloudtrail_events")
        self.assertIn("read-only", p.stderr)

    def test_bad_input_is_reported_and_the_rest_kept(self):
        d = os.path.join(self.tmp, "in")
        os.makedirs(d)
        good = {"Records": [record("good-1"), record("good-2")]}
        with gzip.open(os.path.join(d, "a_good.json.gz"), "wt") as f:
            json.dump(good, f)
        with open(os.path.join(d, "b_corrupt.json.gz"), "wb") as f:
            # A gzip header followed by bytes that are not a deflate stream (fixed, so the
            # outcome is too: nothing inflates).
            f.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 200)
        with open(os.path.join(d, "c_text.log"), "w") as f:
            f.write("Jan 15 sshd[1]: not json\n")
        with open(os.path.join(d, "d_digest.json"), "w") as f:
            json.dump({"digestStartTime": "a", "digestEndTime": "b", "logFiles": []}, f)
        with open(os.path.join(d, "e_mixed.json"), "w") as f:
            f.write(json.dumps({"Records": [record("mixed-1"), {"eventTime": "2024-01-15T00:00:00Z"},
                                            "not an object", record("mixed-2")]}))
        p = run("ingest", "-w", self.ws, "--format", "json", d, check_rc=2)
        s = json.loads(p.stdout)
        self.assertEqual(s["files"], 5)
        self.assertEqual(s["stored"], 4)
        self.assertEqual(s["skipped"], 1)
        self.assertEqual(s["rejected"], 4)
        self.assertEqual(s["rejected_by_reason"].get("missing_event_id"), 1)
        self.assertEqual(s["rejected_by_reason"].get("record_not_object"), 1)
        self.assertEqual(s["rejected_by_reason"].get("not_json"), 1)
        self.assertIn(1, [s["rejected_by_reason"].get("gzip_corrupt"),
                          s["rejected_by_reason"].get("gzip_truncated")])
        rows = self.hunt_json("SELECT Origin, OriginIndex, Reason FROM Rejected ORDER BY Origin, OriginIndex")
        self.assertEqual(len(rows), 4)
        mixed = [r for r in rows if r["Origin"].endswith("e_mixed.json")]
        self.assertEqual([(r["OriginIndex"], r["Reason"]) for r in mixed],
                         [(1, "missing_event_id"), (2, "record_not_object")])
        text = run("ingest", "-w", self.ws, d).stdout
        self.assertIn("rejected", text)
        self.assertIn("e_mixed.json (record 1): missing_event_id", text)

    def test_json_lines_rejections_name_their_line(self):
        d = os.path.join(self.tmp, "in")
        os.makedirs(d)
        with open(os.path.join(d, "events.jsonl"), "w") as f:
            f.write(json.dumps(record("jl-1")) + "\n\n")
            f.write(json.dumps({"eventTime": "2024-01-15T00:00:00Z"}) + "\n")
            f.write(json.dumps(record("jl-2")) + "\n")
        run("ingest", "-w", self.ws, d, check_rc=2)
        rows = self.hunt_json("SELECT Location, Reason FROM Rejected")
        self.assertEqual(rows, [{"Location": "line 3 record 1", "Reason": "missing_event_id"}])
        self.assertEqual(self.hunt_json("SELECT count(*) AS n FROM AWSCloudTrail"), [{"n": 2}])

    def test_attacker_text_is_escaped(self):
        d = os.path.join(self.tmp, "in")
        os.makedirs(d)
        evil = "curl\x1b]0;pwned\x07\x1b[2J\nFAKE LOG LINE"
        with open(os.path.join(d, "x.json"), "w") as f:
            json.dump({"Records": [record("esc-1", userAgent=evil)]}, f)
        run("ingest", "-w", self.ws, d, check_rc=0)
        table = run("hunt", "-w", self.ws, "SELECT UserAgent FROM AWSCloudTrail", check_rc=0).stdout
        self.assertNotIn("\x1b", table)
        self.assertNotIn("\x07", table)
        self.assertIn("\\x1b]0;pwned", table)
        rows = self.hunt_json("SELECT UserAgent FROM AWSCloudTrail")
        self.assertEqual(rows[0]["UserAgent"], evil)

    def test_sigkill_mid_ingest_then_rerun_loses_and_duplicates_nothing(self):
        data = os.path.join(self.tmp, "gen")
        subprocess.run(["python3", os.path.join(SRC, "bench", "gen_cloudtrail.py"), "--events",
                        "150000", "--out", data, "--seed", "7"], check=True, capture_output=True)
        expected = 150000
        for delay in (0.3, 0.9, 1.6):
            p = subprocess.Popen([BIN, "ingest", "-w", self.ws, "--no-progress", data],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                p.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGKILL)
                p.wait()
            h = run("hunt", "-w", self.ws, "--format", "json",
                    "SELECT count(*) AS n, count(DISTINCT AwsEventId) AS d FROM AWSCloudTrail")
            if h.returncode != 0:
                # Killed before the workspace's tables were created (one transaction): it
                # holds nothing, and says so.
                self.assertIn("no tables yet", h.stderr)
                continue
            rows = json.loads(h.stdout)
            self.assertEqual(rows[0]["n"], rows[0]["d"], f"duplicates after a kill at {delay}s")
            self.assertLessEqual(rows[0]["n"], expected)
        s = json.loads(run("ingest", "-w", self.ws, "--format", "json", data, check_rc=0).stdout)
        self.assertEqual(s["records"], expected)
        self.assertEqual(s["stored"] + s["duplicates"], expected)
        rows = self.hunt_json("SELECT count(*) AS n, count(DISTINCT AwsEventId) AS d FROM AWSCloudTrail")
        self.assertEqual(rows, [{"n": expected, "d": expected}])

    def test_busy_workspace_and_usage_errors(self):
        run("ingest", "-w", self.ws, SAMPLE, check_rc=0)
        with open(os.path.join(self.ws, "trailwarden.lock"), "r+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            lock.seek(0)
            lock.write("held by `trailwarden ingest`, pid 4242\n")
            lock.flush()
            p = run("ingest", "-w", self.ws, SAMPLE)
            self.assertEqual(p.returncode, 1)
            self.assertIn("busy", p.stderr)
            self.assertIn("pid 4242", p.stderr)
            p = run("hunt", "-w", self.ws, "SELECT 1")
            self.assertEqual(p.returncode, 1)
            self.assertIn("busy", p.stderr)
        p = run("ingest", "-w", self.ws, os.path.join(self.tmp, "no-such-dir"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("no such file or folder", p.stderr)
        p = run("hunt", "-w", os.path.join(self.tmp, "nothing"), "SELECT 1")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no workspace", p.stderr)


if __name__ == "__main__":
    unittest.main()
