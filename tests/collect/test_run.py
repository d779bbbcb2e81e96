"""`trailwarden run -c FILE` end to end: a LookupEvents collector (against the emulator, with a
role assumed with an ExternalId, all regions) and an S3 collector (against moto_server: account
and organization trails, a digest, a GuardDuty export) in one configuration, with detection on.
The first run is killed with SIGKILL partway, later ones stopped with SIGTERM; the workspace
must end with exactly the sources' AwsEventIds and findings, nothing twice. Also: `health`
while `run` holds the workspace, and configuration errors with file:line:col.
Skipped when moto_server, boto3 or botocore is missing.
  TRAILWARDEN_BIN=build/release/trailwarden python3 -m unittest -v test_run
"""
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "sources", "lookup_events"))
sys.path.insert(0, os.path.join(HERE, "..", "sources", "s3"))
import test_collect_s3 as s3t  # noqa: E402  (moto_server, the S3 source builder)
import test_lookup_events as lt  # noqa: E402  (the LookupEvents emulator)

BIN = os.environ.get("TRAILWARDEN_BIN", "trailwarden")
ACCOUNT = "777777777777"


@unittest.skipIf(s3t.MOTO is None or s3t.boto3 is None or lt.botocore is None,
                 "moto_server, boto3 or botocore is not installed")
class RunTest(s3t.CollectS3Test):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tw-run-")
        self.ws = os.path.join(self.tmp, "ws")
        self.emu = lt.Emulator("--accounts", ACCOUNT, "--regions", "us-east-1,eu-west-1",
                               "--generate", "150", "--rate", "5")
        self.bucket = "central-%d" % int(time.time() * 1000)
        self.s3.create_bucket(Bucket=self.bucket)
        self.source = s3t.Source(self.s3, self.bucket, seed=7)

    def tearDown(self):
        self.emu.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID=lt.KEY, AWS_SECRET_ACCESS_KEY=lt.SECRET, AWS_REGION="us-east-1",
                   AWS_ENDPOINT_URL_CLOUDTRAIL=self.emu.url, AWS_ENDPOINT_URL_STS=self.emu.url,
                   AWS_ENDPOINT_URL_EC2=self.emu.url, AWS_ENDPOINT_URL_S3=self.url,
                   AWS_ENDPOINT_URL_SQS=self.url, AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true",
                   HOME=self.tmp, TZ="UTC")
        return env

    def config(self, text=None):
        path = os.path.join(self.tmp, "trailwarden.yaml")
        with open(path, "w") as f:
            f.write(text if text is not None else """\
workspace: %s
poll_interval: 2s
commit_interval: 1s
collectors:
  - type: lookup-events
    role_arn: arn:aws:iam::%s:role/TrailwardenReader
    external_id: %s
    regions: all
    since: 1h
  - type: s3
    url: s3://%s/AWSLogs/
    region: us-east-1
    since: 3d
""" % (self.ws, ACCOUNT, lt.EXTERNAL_ID, self.bucket))
        return path

    def stored(self, sql):
        p = subprocess.run([BIN, "hunt", "-w", self.ws, "--format", "json", sql],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def wait_for_snapshot(self, proc, timeout=60):
        snap = os.path.join(self.ws, "connector-health.json")
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with open(snap) as f:
                    s = json.load(f)
                if s["pid"] == proc.pid and len(s["scopes"]) >= 3:
                    return s
            except (OSError, ValueError, KeyError):
                pass
            if proc.poll() is not None:
                self.fail("run exited early: %s" % proc.stderr.read())
            time.sleep(0.2)
        self.fail("no health snapshot of all three scopes after %d s" % timeout)

    def test_run_killed_and_resumed_ends_with_exactly_the_sources(self):
        now = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
        for day in (2, 1, 0):
            self.source.put_trail_file(ACCOUNT, "us-east-1", now - day * s3t.DAY, n_records=20)
            self.source.put_trail_file("888888888888", "eu-west-1", now - day * s3t.DAY,
                                       n_records=10, org=s3t.ORG)
        self.source.put_digest(ACCOUNT, "us-east-1", now)
        self.source.put_guardduty(ACCOUNT, "us-east-1", now - s3t.DAY,
                                  [("f1", "2024-01-02T00:00:00.000Z"), ("f2", "2024-01-02T00:00:00.000Z")])
        self.source.put_guardduty(ACCOUNT, "us-east-1", now,
                                  [("f1", "2024-01-03T00:00:00.000Z")])
        cfg = self.config()

        # First run: killed without warning once it has started collecting.
        p = subprocess.Popen([BIN, "run", "-c", cfg], env=self.env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.wait_for_snapshot(p)
        time.sleep(1.5)
        p.send_signal(signal.SIGKILL)
        p.wait(30)

        want_ct = set(self.emu.ids()) | self.source.event_ids
        for attempt in range(4):
            p = subprocess.Popen([BIN, "run", "-c", cfg, "--format", "json"], env=self.env(),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.wait_for_snapshot(p)
            # While run holds the workspace, health answers from the live snapshot.
            h = subprocess.run([BIN, "health", "-w", self.ws, "--format", "json"],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(h.returncode, 0, h.stderr)
            snap = json.loads(h.stdout)
            self.assertTrue(any(s["connector"].startswith("lookup-events:") for s in snap["scopes"]),
                            h.stdout)
            time.sleep(8 + 6 * attempt)
            p.send_signal(signal.SIGTERM)
            out, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 0, "stdout: %s\nstderr: %s" % (out, err))
            summary = json.loads(out)
            self.assertTrue(summary["stopped"])
            got = [r["AwsEventId"] for r in self.stored("SELECT AwsEventId FROM AWSCloudTrail")]
            self.assertEqual(len(got), len(set(got)), "duplicated events")
            self.assertFalse(set(got) - want_ct, "events not in any source")
            if set(got) == want_ct:
                break
        self.assertEqual(set(got), want_ct, "%d events lost" % len(want_ct - set(got)))
        findings = self.stored("SELECT Id, CAST(TimeGenerated AS VARCHAR) AS t FROM AWSGuardDuty ORDER BY Id")
        self.assertEqual([(f["Id"], f["t"][:10]) for f in findings],
                         [("f1", "2024-01-03"), ("f2", "2024-01-02")])
        # Detection ran: the GuardDuty finding rule raised one alert per finding, not per update.
        alerts = self.stored("SELECT count(*) AS n FROM Alerts WHERE RuleId = 'aws.guardduty.finding'")
        self.assertEqual(alerts[0]["n"], 2)
        # Every scope reported its health; `health` reads the table once run has stopped.
        h = subprocess.run([BIN, "health", "-w", self.ws, "--format", "json"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(h.returncode, 0, h.stderr)
        connectors = {c["Connector"] + " " + c["Scope"] for c in json.loads(h.stdout)["connectors"]}
        self.assertTrue(any("us-east-1" in c and c.startswith("lookup-events") for c in connectors), connectors)
        self.assertTrue(any("eu-west-1" in c and c.startswith("lookup-events") for c in connectors), connectors)
        self.assertTrue(any(c.startswith("s3:") for c in connectors), connectors)
        # A second process is refused the workspace while... (nothing runs now): ingest works.
        # No secret in anything the runs printed.
        self.assertNotIn(lt.SECRET, out + err + h.stdout)

    def test_check_lists_the_collectors(self):
        cfg = self.config()
        p = subprocess.run([BIN, "run", "-c", cfg, "--check"], env=self.env(), capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("us-east-1", p.stdout)
        self.assertIn("eu-west-1", p.stdout)
        self.assertIn("s3:", p.stdout)
        self.assertFalse(os.path.exists(self.ws), "--check must not create the workspace")

    def test_configuration_errors_name_file_line_and_column(self):
        cfg = self.config("""\
workspace: %s
collectors:
  - type: lookup-events
    regions: [us-east-1]
    role_arn: arn:aws:iam::1:role/R
    extrnal_id: x
  - type: s3
    poll_interval: often
""" % self.ws)
        p = subprocess.run([BIN, "run", "-c", cfg], env=self.env(), capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertIn("trailwarden.yaml:6:5: unknown key 'extrnal_id' in collector 1 (lookup-events)",
                      p.stderr)
        self.assertIn("trailwarden.yaml:8:20: 'poll_interval' must be a duration", p.stderr)
        self.assertIn("collector 2 (s3) needs a 'url'", p.stderr)
        self.assertFalse(os.path.exists(self.ws))

    def test_a_role_that_cannot_be_assumed_is_a_clear_error(self):
        with open(self.config()) as f:
            text = f.read().replace(lt.EXTERNAL_ID, "wrong-external-id")
        path = os.path.join(self.tmp, "bad.yaml")
        with open(path, "w") as f:
            f.write(text)
        p = subprocess.run([BIN, "run", "-c", path, "--check"], env=self.env(),
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("bad.yaml:5: collector lookup-events", p.stderr)
        self.assertIn("AccessDenied", p.stderr)
        self.assertNotIn(lt.SECRET, p.stderr)


# The base class's own tests are not run again from here.
for name in [n for n in dir(s3t.CollectS3Test) if n.startswith("test_")]:
    if not hasattr(RunTest, name) or getattr(RunTest, name) is getattr(s3t.CollectS3Test, name):
        setattr(RunTest, name, None)

if __name__ == "__main__":
    unittest.main()
