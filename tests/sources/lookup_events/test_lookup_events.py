"""`trailwarden collect lookup-events` against the LookupEvents emulator, as a user runs it.

Every test ends by comparing the workspace's AwsEventIds with the emulator's: the same set,
each id once (zero lost, zero duplicated). Faults: the endpoint down mid-collection, SIGKILL
at random points then a restart (several times), a throttling storm, NextTokens refused,
late-appearing events caught by the overlap.

TRAILWARDEN_BIN names the binary. Skipped when botocore (the emulator's signer) is missing.
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

BIN = os.environ.get("TRAILWARDEN_BIN", "trailwarden")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "emulators"))
import emulator_process  # noqa: E402
KEY, SECRET = "AKIDEMULATOR00000000", "emulator/secret+key"
EXTERNAL_ID = "trailwarden-ext-7"

try:
    import botocore  # noqa: F401  (the emulator checks signatures with it)
except ImportError:  # pragma: no cover
    botocore = None


class Emulator(emulator_process.Emulator):
    """The emulator, with the ExternalId every role of these tests requires."""

    def __init__(self, *args):
        super().__init__("--external-id", EXTERNAL_ID, *args)


def role(account):
    return "arn:aws:iam::%s:role/TrailwardenReader" % account


@unittest.skipIf(botocore is None, "botocore is not installed (the emulator needs it)")
class CollectLookupEvents(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tw-lookup-")
        self.ws = os.path.join(self.tmp, "ws")
        self.emu = None

    def tearDown(self):
        if self.emu:
            self.emu.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, accounts, regions, *args):
        self.accounts = accounts
        self.emu = Emulator("--accounts", ",".join(accounts), "--regions", ",".join(regions),
                            *args)

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET,
                   AWS_ENDPOINT_URL=self.emu.url, AWS_REGION="us-east-1",
                   AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                   AWS_EC2_METADATA_DISABLED="true", HOME=self.tmp, TZ="UTC")
        return env

    def args(self, *extra, accounts=None):
        since = [] if "--since" in extra else ["--since", "1h"]
        out = [BIN, "collect", "lookup-events", "-w", self.ws, "--external-id", EXTERNAL_ID,
               "--format", "json", "--no-detect"] + since
        for a in accounts or self.accounts:
            out += ["--role-arn", role(a)]
        return out + list(extra)

    def collect(self, *extra, rc=0, accounts=None):
        p = subprocess.run(self.args(*extra, accounts=accounts), capture_output=True, text=True,
                           env=self.env(), timeout=300)
        if rc is not None:
            self.assertEqual(p.returncode, rc, "stdout: %s\nstderr: %s" % (p.stdout, p.stderr))
        return json.loads(p.stdout) if p.stdout.strip() else None

    def stored(self):
        p = subprocess.run([BIN, "hunt", "-w", self.ws, "--format", "json",
                            "SELECT AwsEventId FROM AWSCloudTrail"], capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        return [r["AwsEventId"] for r in json.loads(p.stdout)]

    def assert_exactly_the_source(self):
        got = self.stored()
        want = self.emu.ids()
        self.assertEqual(len(got), len(set(got)), "duplicated events in the workspace")
        missing = set(want) - set(got)
        extra = set(got) - set(want)
        self.assertFalse(missing, "%d events lost" % len(missing))
        self.assertFalse(extra, "%d events not in the source" % len(extra))
        return got

    # --- the tests ----------------------------------------------------------------------
    def test_multi_account_multi_region_then_resume(self):
        accounts = ["111111111111", "222222222222"]
        self.start(accounts, ["us-east-1", "eu-west-1"], "--generate", "230", "--rate", "5")
        s = self.collect()  # --regions all: DescribeRegions in each account
        self.assertEqual(sorted(c["id"] for c in s["collectors"]),
                         sorted("lookup-events:%s/%s" % (a, r) for a in accounts
                                for r in ("us-east-1", "eu-west-1")))
        self.assertTrue(all(c["caught_up"] for c in s["collectors"]))
        self.assertEqual(s["stored"], 4 * 230)
        got = self.assert_exactly_the_source()
        self.assertEqual(len(got), 4 * 230)
        stats = self.emu.control("stats")
        for scope, st in stats["scopes"].items():
            self.assertEqual(st["throttled"], 0, scope)
            self.assertLessEqual(st["max_admitted_in_1s"], 2, scope)
        self.assertEqual(stats["bad_signature"], 0)
        # Resume: only the overlap is read again, nothing new stored.
        s2 = self.collect("--regions", "us-east-1")
        self.assertEqual(s2["stored"], 0)
        self.assertEqual(len(s2["collectors"]), 2)
        self.assert_exactly_the_source()

    def test_wrong_external_id_is_refused(self):
        self.start(["111111111111"], ["us-east-1"], "--generate", "10")
        args = self.args("--regions", "us-east-1")
        args[args.index(EXTERNAL_ID)] = "not-the-id"
        p = subprocess.run(args, capture_output=True, text=True, env=self.env(), timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertIn("AccessDenied", p.stderr + p.stdout)
        self.assertNotIn(SECRET, p.stderr + p.stdout)

    def test_endpoint_down_mid_collection(self):
        for mode in ("close", "503"):
            with self.subTest(mode=mode):
                self.start(["333333333333"], ["us-east-1"], "--generate", "700", "--rate", "10",
                           "--seed", mode)
                proc = subprocess.Popen(self.args("--regions", "us-east-1", "--window", "20s",
                                                  "--max-window-pages", "4", "--since", "3m"),
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env=self.env())
                time.sleep(2.5)
                self.emu.control("down", {"seconds": 4, "mode": mode})
                out, err = proc.communicate(timeout=180)
                self.assertEqual(proc.returncode, 0, err)
                s = json.loads(out)
                self.assertTrue(s["collectors"][0]["caught_up"])
                self.assertGreater(self.emu.control("stats")["down_refused"], 0)
                self.assert_exactly_the_source()
                self.emu.close()
                self.emu = None
                shutil.rmtree(self.ws, ignore_errors=True)

    def test_sigkill_at_random_points_then_restart(self):
        # Different kill points on every run; TW_KILL_SEED replays one.
        seed = int(os.environ.get("TW_KILL_SEED", int(time.time())))
        sys.stderr.write("kill points seed %d\n" % seed)
        rng = random.Random(seed)
        self.start(["444444444444"], ["us-east-1", "eu-west-1"], "--generate", "800", "--rate",
                   "8")
        kills = 0
        for _ in range(5):
            proc = subprocess.Popen(self.args("--regions", "all", "--window", "20s",
                                              "--max-window-pages", "4", "--since", "3m"),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    env=self.env())
            time.sleep(rng.uniform(0.5, 3.5))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait(30)
        self.assertGreaterEqual(kills, 3)
        self.collect("--regions", "all", "--window", "20s", "--max-window-pages", "4",
                     "--since", "3m")
        got = self.assert_exactly_the_source()
        self.assertEqual(len(got), 1600)

    def test_throttling_storm(self):
        self.start(["555555555555"], ["us-east-1", "eu-west-1"], "--generate", "600", "--rate",
                   "10")
        proc = subprocess.Popen(self.args("--regions", "all"), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=self.env())
        time.sleep(1.5)
        self.emu.control("throttle", {"seconds": 4})
        out, err = proc.communicate(timeout=180)
        self.assertEqual(proc.returncode, 0, err)
        s = json.loads(out)
        self.assertTrue(all(c["caught_up"] for c in s["collectors"]))
        stats = self.emu.control("stats")
        throttled = sum(st["throttled"] for st in stats["scopes"].values())
        self.assertGreater(throttled, 0)
        self.assert_exactly_the_source()

    def test_refused_tokens_restart_the_window(self):
        self.start(["666666666666"], ["us-east-1"], "--generate", "900", "--rate", "10")
        proc = subprocess.Popen(self.args("--regions", "us-east-1"), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=self.env())
        time.sleep(2.2)
        self.emu.control("invalidate-tokens", {})
        out, err = proc.communicate(timeout=180)
        self.assertEqual(proc.returncode, 0, err)
        s = json.loads(out)
        self.assertTrue(s["collectors"][0]["caught_up"])
        stats = self.emu.control("stats")["scopes"]["666666666666/us-east-1"]
        self.assertGreaterEqual(stats["invalid_token"], 1)
        self.assert_exactly_the_source()

    def test_late_events_are_caught_by_the_overlap(self):
        account = "777777777777"
        self.start([account], ["us-east-1"], "--generate", "120", "--rate", "4")
        now = int(time.time())
        late = []
        for i in range(3):
            late.append({
                "eventVersion": "1.08", "eventTime": time.strftime(
                    "%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 20 - i)),
                "eventSource": "iam.amazonaws.com", "eventName": "CreateAccessKey",
                "awsRegion": "us-east-1", "eventID": "late-%d" % i, "eventType": "AwsApiCall",
                "recipientAccountId": account, "sourceIPAddress": "203.0.113.9",
                "userIdentity": {"type": "IAMUser", "accountId": account, "userName": "m"}})
        self.emu.control("events", {"records": late, "delay": 28})  # visible at now + 8 s
        self.collect("--regions", "us-east-1")
        got = set(self.stored())
        self.assertFalse(got & {"late-0", "late-1", "late-2"})
        self.assertEqual(len(got), 120)
        time.sleep(max(0, now + 8.5 - time.time()))
        # Without an overlap the late events fall before the checkpoint and are missed ...
        shutil.copytree(self.ws, self.ws + "-no-overlap")
        ws = self.ws
        self.ws = ws + "-no-overlap"
        self.collect("--regions", "us-east-1", "--overlap", "0s")
        self.assertFalse(set(self.stored()) & {"late-0", "late-1", "late-2"})
        # ... with the default overlap (15 min) they are read again and stored once.
        self.ws = ws
        s = self.collect("--regions", "us-east-1")
        self.assertEqual(s["stored"], 3)
        self.assertGreater(s["duplicates"], 0)
        got = self.assert_exactly_the_source()
        self.assertEqual(len(got), 123)


if __name__ == "__main__":
    unittest.main()
