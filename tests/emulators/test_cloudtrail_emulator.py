"""Checks the LookupEvents emulator against the official clients (boto3 and the AWS CLI): if
they accept its signatures checks, pages, tokens and errors, the emulator speaks the API the
collector will meet in AWS.

Skipped (with the reason) when boto3 or the aws command is missing.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

from emulator_process import Emulator  # noqa: E402  (this folder)
ACCOUNTS = ["111111111111", "222222222222"]
REGIONS = ["us-east-1", "eu-west-1", "ap-south-1"]
KEY, SECRET = "AKIDEMULATOR00000000", "emulator/secret+key"
EXTERNAL_ID = "ext-42"

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError:  # pragma: no cover
    boto3 = None


@unittest.skipIf(boto3 is None, "boto3 is not installed")
class EmulatorAgainstBoto3(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator("--accounts", ",".join(ACCOUNTS), "--regions", ",".join(REGIONS),
                           "--generate", "260", "--rate", "20", "--external-id", EXTERNAL_ID)

    @classmethod
    def tearDownClass(cls):
        cls.emu.close()

    def client(self, service, region="us-east-1", creds=None, attempts=1, **kw):
        creds = creds or {"aws_access_key_id": KEY, "aws_secret_access_key": SECRET}
        return boto3.session.Session().client(
            service, region_name=region, endpoint_url=self.emu.url,
            config=Config(retries={"max_attempts": attempts, "mode": "legacy"}), **creds, **kw)

    def assume(self, account, external_id=EXTERNAL_ID):
        kw = {"ExternalId": external_id} if external_id is not None else {}
        r = self.client("sts").assume_role(
            RoleArn="arn:aws:iam::%s:role/Reader" % account, RoleSessionName="emulator-test",
            **kw)
        c = r["Credentials"]
        return {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key":
                c["SecretAccessKey"], "aws_session_token": c["SessionToken"]}

    def test_assume_role_with_external_id(self):
        creds = self.assume(ACCOUNTS[1])
        self.assertTrue(creds["aws_access_key_id"].startswith("ASIA" + ACCOUNTS[1]))
        for wrong in ("not-it", None):
            with self.assertRaises(ClientError) as cm:
                self.assume(ACCOUNTS[0], external_id=wrong)
            self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDenied")
            self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        with self.assertRaises(ClientError) as cm:
            self.assume("999999999999")
        self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDenied")

    def test_paginator_returns_every_visible_event_newest_first(self):
        creds = self.assume(ACCOUNTS[0])
        ct = self.client("cloudtrail", "eu-west-1", creds, attempts=20)
        pages = list(ct.get_paginator("lookup_events").paginate())
        events = [e for p in pages for e in p["Events"]]
        want = self.emu.control("event-ids?account=%s&region=eu-west-1&visible=1"
                                % ACCOUNTS[0])["ids"]
        self.assertEqual(len(want), 260)
        self.assertEqual([e["EventId"] for e in events], want)
        self.assertEqual(len(pages), 6)  # 5 x 50 + 10
        self.assertTrue(all(len(p["Events"]) <= 50 for p in pages))
        times = [e["EventTime"].timestamp() for e in events]
        self.assertEqual(times, sorted(times, reverse=True))
        rec = json.loads(events[0]["CloudTrailEvent"])
        self.assertEqual(rec["eventID"], events[0]["EventId"])
        self.assertEqual(rec["recipientAccountId"], ACCOUNTS[0])
        self.assertEqual(rec["awsRegion"], "eu-west-1")
        # The other account's credentials see the other account's events.
        other = self.client("cloudtrail", "eu-west-1", self.assume(ACCOUNTS[1]), attempts=20)
        first = other.lookup_events(MaxResults=5)["Events"]
        self.assertNotIn(first[0]["EventId"], set(want))
        stats = self.emu.control("stats")["scopes"]
        self.assertLessEqual(stats["%s/eu-west-1" % ACCOUNTS[0]]["max_admitted_in_1s"], 2)

    def test_throttling_at_two_requests_per_second(self):
        ct = self.client("cloudtrail", "ap-south-1", self.assume(ACCOUNTS[1]), attempts=1)
        # Six requests released at once (a barrier, so a loaded machine cannot spread them over
        # more than a second): two are admitted, the rest throttled as AWS does it.
        codes = []
        lock = threading.Lock()
        barrier = threading.Barrier(6)

        def one():
            barrier.wait()
            try:
                ct.lookup_events(MaxResults=1)
                code = "ok"
            except ClientError as e:
                code = e.response["Error"]["Code"]
                self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 400)
                self.assertEqual(e.response["Error"]["Message"], "Rate exceeded")
            with lock:
                codes.append(code)

        threads = [threading.Thread(target=one) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(len(codes), 6)
        self.assertIn("ThrottlingException", codes)
        self.assertGreaterEqual(codes.count("ok"), 1)
        stats = self.emu.control("stats")["scopes"]["%s/ap-south-1" % ACCOUNTS[1]]
        self.assertLessEqual(stats["max_admitted_in_1s"], 2)
        time.sleep(1.1)
        ct.lookup_events(MaxResults=1)  # the window has moved on
        time.sleep(1.1)

    def test_next_token_bound_to_parameters_and_time_range_inclusive(self):
        ct = self.client("cloudtrail", "us-east-1", self.assume(ACCOUNTS[0]), attempts=20)
        first = ct.lookup_events(MaxResults=10)
        token = first["NextToken"]
        with self.assertRaises(ClientError) as cm:
            ct.lookup_events(MaxResults=20, NextToken=token)
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidNextTokenException")
        second = ct.lookup_events(MaxResults=10, NextToken=token)
        self.assertEqual(len(second["Events"]), 10)
        self.assertLess(second["Events"][0]["EventTime"], first["Events"][-1]["EventTime"] +
                        __import__("datetime").timedelta(seconds=1))
        # Inclusive bounds: an event's own second as start and end returns it.
        e = first["Events"][3]
        same = ct.lookup_events(StartTime=e["EventTime"], EndTime=e["EventTime"])["Events"]
        self.assertIn(e["EventId"], [x["EventId"] for x in same])
        self.assertTrue(all(x["EventTime"] == e["EventTime"] for x in same))
        # Lookup attributes.
        by_id = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventId",
                                                    "AttributeValue": e["EventId"]}])["Events"]
        self.assertEqual([x["EventId"] for x in by_id], [e["EventId"]])
        by_name = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                      "AttributeValue": e["EventName"]}])
        self.assertTrue(by_name["Events"])
        self.assertTrue(all(x["EventName"] == e["EventName"] for x in by_name["Events"]))
        with self.assertRaises(ClientError) as cm:
            ct.lookup_events(StartTime=e["EventTime"] + __import__("datetime").timedelta(
                seconds=5), EndTime=e["EventTime"])
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidTimeRangeException")
        self.emu.control("invalidate-tokens", {})
        with self.assertRaises(ClientError) as cm:
            ct.lookup_events(MaxResults=10, NextToken=token)
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidNextTokenException")

    def test_signatures_are_checked(self):
        creds = self.assume(ACCOUNTS[0])
        bad = dict(creds, aws_secret_access_key="not-the-secret")
        with self.assertRaises(ClientError) as cm:
            self.client("cloudtrail", "us-east-1", bad).lookup_events(MaxResults=1)
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidSignatureException")
        unknown = dict(creds, aws_access_key_id="ASIA0000000000000000")
        with self.assertRaises(ClientError) as cm:
            self.client("cloudtrail", "us-east-1", unknown).lookup_events(MaxResults=1)
        self.assertEqual(cm.exception.response["Error"]["Code"], "UnrecognizedClientException")
        with self.assertRaises(ClientError) as cm:
            self.client("sts", creds={"aws_access_key_id": KEY, "aws_secret_access_key": "x"}
                        ).assume_role(RoleArn="arn:aws:iam::%s:role/R" % ACCOUNTS[0],
                                      RoleSessionName="s1", ExternalId=EXTERNAL_ID)
        self.assertEqual(cm.exception.response["Error"]["Code"], "SignatureDoesNotMatch")

    def test_delayed_appearance(self):
        creds = self.assume(ACCOUNTS[1])
        now = int(time.time())
        rec = {"eventVersion": "1.08", "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                   time.gmtime(now)),
               "eventSource": "iam.amazonaws.com", "eventName": "CreateUser",
               "awsRegion": "us-east-1", "eventID": "late-0001", "eventType": "AwsApiCall",
               "recipientAccountId": ACCOUNTS[1], "userIdentity": {"type": "IAMUser"}}
        self.emu.control("events", {"records": [rec], "delay": 3})
        ct = self.client("cloudtrail", "us-east-1", creds, attempts=20)
        attr = [{"AttributeKey": "EventId", "AttributeValue": "late-0001"}]
        self.assertEqual(ct.lookup_events(LookupAttributes=attr)["Events"], [])
        time.sleep(max(0, now + 3.2 - time.time()))
        got = ct.lookup_events(LookupAttributes=attr)["Events"]
        self.assertEqual([e["EventId"] for e in got], ["late-0001"])

    def test_caller_identity(self):
        self.assertEqual(self.client("sts").get_caller_identity()["Account"], ACCOUNTS[0])
        sts = self.client("sts", creds=self.assume(ACCOUNTS[1]))
        self.assertEqual(sts.get_caller_identity()["Account"], ACCOUNTS[1])

    def test_describe_regions(self):
        ec2 = self.client("ec2", "us-east-1", self.assume(ACCOUNTS[0]))
        names = [r["RegionName"] for r in ec2.describe_regions()["Regions"]]
        self.assertEqual(names, REGIONS)

    @unittest.skipIf(shutil.which("aws") is None, "the aws command is not installed")
    def test_aws_cli(self):
        env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET,
                   AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_MAX_ATTEMPTS="20",
                   AWS_RETRY_MODE="legacy", AWS_PAGER="")
        env.pop("AWS_PROFILE", None)
        env.pop("AWS_SESSION_TOKEN", None)

        def aws(*args):
            p = subprocess.run(["aws", "--endpoint-url", self.emu.url, "--output", "json", *args],
                               env=env, capture_output=True, text=True, timeout=120)
            return p

        p = aws("sts", "assume-role", "--role-arn", "arn:aws:iam::%s:role/Reader" % ACCOUNTS[1],
                "--role-session-name", "cli", "--external-id", EXTERNAL_ID)
        self.assertEqual(p.returncode, 0, p.stderr)
        c = json.loads(p.stdout)["Credentials"]
        p2 = aws("sts", "assume-role", "--role-arn", "arn:aws:iam::%s:role/Reader" % ACCOUNTS[1],
                 "--role-session-name", "cli", "--external-id", "wrong")
        self.assertNotEqual(p2.returncode, 0)
        self.assertIn("AccessDenied", p2.stderr)
        env.update(AWS_ACCESS_KEY_ID=c["AccessKeyId"], AWS_SECRET_ACCESS_KEY=c["SecretAccessKey"],
                   AWS_SESSION_TOKEN=c["SessionToken"])
        p = aws("cloudtrail", "lookup-events", "--region", "ap-south-1", "--page-size", "50")
        self.assertEqual(p.returncode, 0, p.stderr)
        got = [e["EventId"] for e in json.loads(p.stdout)["Events"]]
        want = self.emu.control("event-ids?account=%s&region=ap-south-1&visible=1"
                                % ACCOUNTS[1])["ids"]
        self.assertEqual(got, want)
        self.assertEqual(len(got), 260)


if __name__ == "__main__":
    unittest.main()
