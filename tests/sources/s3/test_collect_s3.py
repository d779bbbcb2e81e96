"""`trailwarden collect s3` against a real moto_server (S3 and SQS), end to end.

Every test ends by checking that the workspace holds exactly the source's set of AwsEventIds:
nothing lost, nothing twice. Faults: the endpoint down mid-collection (a TCP proxy in front of
moto is cut and restored), SIGKILL at random points, objects delivered late whose keys sort
before the checkpoint, the bucket unreachable while days of objects pile up, SQS messages
redelivered after a kill. Skipped when moto_server or boto3 is missing.

  TRAILWARDEN_BIN=build/dev/trailwarden python3 -m unittest -v test_collect_s3
"""
import datetime
import gzip
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

BIN = os.environ.get("TRAILWARDEN_BIN", "trailwarden")
MOTO = shutil.which("moto_server")
try:
    import boto3
    import botocore.config
except ImportError:  # pragma: no cover
    boto3 = None

ORG = "o-abcdefghij"
DAY = datetime.timedelta(days=1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proxy:
    """A TCP forwarder to moto that can be taken down (every connection cut, new ones closed
    at once) and brought back: the endpoint going away mid-collection."""

    def __init__(self, target_port):
        self.target = target_port
        self.port = free_port()
        self.up = True
        self.conns = []
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(64)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                server = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns = [c for c in self.conns if c.fileno() >= 0] + [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def down(self):
        self.up = False
        with self.lock:
            for s in self.conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self.conns = []

    def restore(self):
        self.up = True

    def close(self):
        self.down()
        self.sock.close()


def record(event_id, when, account, region):
    return {
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE",
                         "arn": "arn:aws:iam::%s:user/alice" % account, "accountId": account,
                         "accessKeyId": "AKIAEXAMPLE", "userName": "alice"},
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": "sts.amazonaws.com", "eventName": "GetCallerIdentity",
        "awsRegion": region, "sourceIPAddress": "203.0.113.7", "userAgent": "aws-cli/2.15.0",
        "requestParameters": None, "responseElements": None, "requestID": "req-" + event_id,
        "eventID": event_id, "readOnly": True, "eventType": "AwsApiCall",
        "managementEvent": True, "recipientAccountId": account, "eventCategory": "Management"}


class Source:
    """The objects put in the bucket, and the AwsEventIds they hold."""

    def __init__(self, s3, bucket, seed):
        self.s3 = s3
        self.bucket = bucket
        self.rng = random.Random(seed)
        self.event_ids = set()
        self.keys = []

    def unique(self, n=16):
        return "".join(self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                       for _ in range(n))

    def trail_key(self, account, region, delivered, org=None, prefix=""):
        base = prefix + "AWSLogs/" + (org + "/" if org else "") + account
        return "%s/CloudTrail/%s/%s/%s_CloudTrail_%s_%s_%s.json.gz" % (
            base, region, delivered.strftime("%Y/%m/%d"), account, region,
            delivered.strftime("%Y%m%dT%H%MZ"), self.unique())

    def put_trail_file(self, account, region, delivered, n_records=5, org=None, prefix=""):
        key = self.trail_key(account, region, delivered, org, prefix)
        records = []
        for _ in range(n_records):
            eid = "%08x-%04x-4%03x-8%03x-%012x" % tuple(self.rng.getrandbits(b) for b in (32, 16, 12, 12, 48))
            self.event_ids.add(eid)
            records.append(record(eid, delivered - datetime.timedelta(minutes=3), account, region))
        body = gzip.compress(json.dumps({"Records": records}).encode(), mtime=0)
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        self.keys.append(key)
        return key

    def put_garbage(self, key):
        # Never to be downloaded: it would be rejected loudly if it were.
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=b"\x00garbage, not gzip, not JSON{{{")
        return key

    def put_digest(self, account, region, delivered, org=None):
        base = "AWSLogs/" + (org + "/" if org else "") + account
        key = "%s/CloudTrail-Digest/%s/%s/%s_CloudTrail-Digest_%s_trail_%s_%s.json.gz" % (
            base, region, delivered.strftime("%Y/%m/%d"), account, region, region,
            delivered.strftime("%Y%m%dT%H%M%SZ"))
        return self.put_garbage(key)

    def put_guardduty(self, account, region, delivered, findings):
        key = "AWSLogs/%s/GuardDuty/%s/%s/%s.jsonl.gz" % (
            account, region, delivered.strftime("%Y/%m/%d"),
            "%08x-%04x-%04x-%04x-%012x" % tuple(self.rng.getrandbits(b) for b in (32, 16, 16, 16, 48)))
        lines = []
        for fid, updated in findings:
            lines.append(json.dumps({
                "schemaVersion": "2.0", "accountId": account, "region": region, "partition": "aws",
                "id": fid, "arn": "arn:aws:guardduty:%s:%s:detector/d/finding/%s" % (region, account, fid),
                "type": "Recon:EC2/PortProbeUnprotectedPort",
                "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": "i-0123456789abcdef0"}},
                "service": {"serviceName": "guardduty", "detectorId": "d", "archived": False, "count": 1,
                            "action": {"actionType": "PORT_PROBE", "portProbeAction": {"blocked": False, "portProbeDetails": []}}},
                "severity": 5.0, "createdAt": "2024-01-01T00:00:00.000Z",
                "updatedAt": updated, "title": "probe " + fid, "description": "d"}))
        body = gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        self.keys.append(key)
        return key


@unittest.skipIf(MOTO is None or boto3 is None, "moto_server or boto3 is not installed")
class CollectS3Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto_port = free_port()
        cls.moto_log = tempfile.TemporaryFile()
        cls.moto = subprocess.Popen([MOTO, "-H", "127.0.0.1", "-p", str(cls.moto_port)],
                                    stdout=cls.moto_log, stderr=subprocess.STDOUT)
        url = "http://127.0.0.1:%d" % cls.moto_port
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        else:
            raise RuntimeError("moto_server did not start")
        cls.url = url
        kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                  aws_secret_access_key="testing",
                  config=botocore.config.Config(s3={"addressing_style": "path"}))
        cls.s3 = boto3.client("s3", **kw)
        cls.sqs = boto3.client("sqs", **kw)

    @classmethod
    def tearDownClass(cls):
        cls.moto.terminate()
        cls.moto.wait()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tw-s3-")
        self.ws = os.path.join(self.tmp, "ws")
        self.bucket = "central-%s" % self.id().split(".")[-1].replace("_", "-")[:40].lower()
        self.s3.create_bucket(Bucket=self.bucket)
        self.proxy = Proxy(self.moto_port)
        # "Today" in these tests is yesterday's folder: every hour of it is in the past.
        self.now = (datetime.datetime.now(datetime.timezone.utc) - DAY).replace(
            hour=0, minute=0, second=0, microsecond=0)

    def tearDown(self):
        self.proxy.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def env(self):
        e = dict(os.environ)
        for k in list(e):
            if k.startswith("AWS_"):
                del e[k]
        none = os.path.join(self.tmp, "none")
        open(none, "w").close()
        e.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                  "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:%d" % self.proxy.port,
                  "AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none,
                  "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "2", "TZ": "UTC"})
        return e

    def collect_args(self, *extra, prefix="AWSLogs/"):
        return [BIN, "collect", "s3", "-w", self.ws, "s3://%s/%s" % (self.bucket, prefix),
                "--since", "5d", "--no-detect", "--format", "json"] + list(extra)

    def collect(self, *extra, check_rc=0, prefix="AWSLogs/", timeout=300):
        p = subprocess.run(self.collect_args(*extra, prefix=prefix), env=self.env(),
                           capture_output=True, text=True, timeout=timeout)
        if check_rc is not None and p.returncode != check_rc:
            self.fail("collect exited %d\nstdout: %s\nstderr: %s" % (p.returncode, p.stdout, p.stderr[-4000:]))
        return p

    def hunt(self, sql):
        p = subprocess.run([BIN, "hunt", "-w", self.ws, "--format", "json", sql], env=self.env(),
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def assert_exact(self, source):
        rows = self.hunt("SELECT AwsEventId FROM AWSCloudTrail")
        ids = [r["AwsEventId"] for r in rows]
        self.assertEqual(len(ids), len(set(ids)), "duplicated events")
        missing = source.event_ids - set(ids)
        extra = set(ids) - source.event_ids
        self.assertFalse(missing, "lost %d events" % len(missing))
        self.assertFalse(extra, "%d events that are not in the source" % len(extra))

    def origins(self):
        return {r["Origin"] for r in self.hunt("SELECT Origin FROM IngestedFiles")}

    # ---- listing mode ----

    def test_central_bucket_accounts_regions_org_trail_digests_guardduty(self):
        src = Source(self.s3, self.bucket, 1)
        days = [self.now - 2 * DAY, self.now - DAY, self.now]
        for day in days:
            for region in ("us-east-1", "eu-west-1"):
                for account, org in (("111111111111", None), ("222222222222", None),
                                     ("333333333333", ORG)):
                    for hour in (1, 2):
                        src.put_trail_file(account, region, day.replace(hour=hour, minute=5), org=org)
                    src.put_digest(account, region, day.replace(hour=3), org=org)
                src.put_garbage("AWSLogs/111111111111/CloudTrail-Insight/%s/%s/x.json.gz" % (region, day.strftime("%Y/%m/%d")))
                src.put_garbage("AWSLogs/111111111111/Config/%s/%s/ConfigSnapshot/x.json.gz" % (region, day.strftime("%Y/%m/%d")))
                src.put_garbage("AWSLogs/111111111111/vpcflowlogs/%s/%s/x.log.gz" % (region, day.strftime("%Y/%m/%d")))
        # Outside the collected prefix: never listed.
        self.s3.put_object(Bucket=self.bucket, Key="other/AWSLogs/444444444444/x", Body=b"x")
        # GuardDuty: the same finding in two exports; the newest updatedAt wins whatever the
        # order the files are read in.
        src.put_guardduty("111111111111", "us-east-1", days[1].replace(hour=4),
                          [("f1", "2024-02-01T00:00:00.000Z"), ("f2", "2024-02-01T00:00:00.000Z"),
                           ("f4", "2024-03-05T00:00:00.000Z")])
        src.put_guardduty("111111111111", "us-east-1", days[2].replace(hour=0),
                          [("f1", "2024-02-02T12:00:00.000Z"), ("f3", "2024-02-01T00:00:00.000Z"),
                           ("f4", "2024-03-01T00:00:00.000Z")])

        p = self.collect()
        out = json.loads(p.stdout)
        self.assertEqual(out["stored"], len(src.event_ids), p.stdout)
        self.assert_exact(src)
        origins = self.origins()
        self.assertEqual(origins, {"s3://%s/%s" % (self.bucket, k) for k in src.keys})
        for o in origins:
            for bad in ("Digest", "Insight", "Config", "vpcflowlogs", "other/"):
                self.assertNotIn(bad, o)
        self.assertEqual(self.hunt("SELECT count(*) AS n FROM Rejected"), [{"n": 0}])
        gd = {r["Id"]: r["T"] for r in self.hunt(
            "SELECT Id, strftime(TimeGenerated, '%Y-%m-%d %H') AS T FROM AWSGuardDuty ORDER BY Id")}
        self.assertEqual(gd, {"f1": "2024-02-02 12", "f2": "2024-02-01 00", "f3": "2024-02-01 00",
                              "f4": "2024-03-05 00"})
        self.assertEqual(self.hunt("SELECT count(*) AS n FROM AWSGuardDuty"), [{"n": 4}])
        # One checkpoint per (account, service, region) partition, at its last key.
        cps = {r["Key"]: r["Value"] for r in self.hunt("SELECT Key, Value FROM tw_checkpoints")}
        self.assertEqual(len(cps), 3 * 2 + 1, cps)
        for part, last in cps.items():
            self.assertEqual(last, max(k for k in src.keys if k.startswith(part)))

        # Health: a success sample with the lag (now - newest delivery) and no backlog.
        h = self.hunt("SELECT Status, LagSeconds, Backlog FROM ConnectorHealth "
                      "WHERE Connector LIKE 's3:%' AND Status = 'Success' ORDER BY TimeGenerated DESC LIMIT 1")
        self.assertEqual(len(h), 1, h)
        now = datetime.datetime.now(datetime.timezone.utc)
        newest = days[2].replace(hour=4)  # the last GuardDuty file's LastModified is later
        self.assertGreaterEqual(h[0]["LagSeconds"], 0)
        self.assertLessEqual(h[0]["LagSeconds"], (now - newest).total_seconds() + 60)
        self.assertEqual(h[0]["Backlog"], 0)

        # Again: nothing new, nothing fetched twice.
        p = self.collect()
        self.assertEqual(json.loads(p.stdout)["documents"], 0, p.stdout)
        self.assert_exact(src)

        # Late deliveries: keys that sort before the checkpoint, in today's folder and in
        # yesterday's (inside the late window), and a new file after it.
        src.put_trail_file("111111111111", "us-east-1", days[2].replace(hour=0, minute=30))
        src.put_trail_file("333333333333", "eu-west-1", days[1].replace(hour=0, minute=10), org=ORG)
        src.put_trail_file("222222222222", "us-east-1", days[2].replace(hour=5))
        p = self.collect()
        self.assertEqual(json.loads(p.stdout)["documents"], 3, p.stdout)
        self.assert_exact(src)

    def test_until_and_prefix_below_awslogs(self):
        src = Source(self.s3, self.bucket, 2)
        early = src.put_trail_file("111111111111", "us-east-1", self.now - DAY, prefix="")
        late = src.put_trail_file("111111111111", "us-east-1", self.now, prefix="")
        src.put_trail_file("222222222222", "us-east-1", self.now, prefix="")  # outside the prefix
        until = (self.now - DAY + datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.collect("--until", until, prefix="AWSLogs/111111111111/")
        self.assertEqual(self.origins(), {"s3://%s/%s" % (self.bucket, early)})
        self.collect(prefix="AWSLogs/111111111111/")
        self.assertEqual(self.origins(), {"s3://%s/%s" % (self.bucket, k) for k in (early, late)})

    # ---- faults ----

    def test_endpoint_down_mid_collection_and_unreachable_for_days(self):
        src = Source(self.s3, self.bucket, 3)
        for i in range(40):
            src.put_trail_file("111111111111", "us-east-1",
                               (self.now - DAY).replace(hour=0) + datetime.timedelta(minutes=5 * i))
        # Down from the start: the command fails, nothing is stored, nothing is lost.
        self.proxy.down()
        p = self.collect("--concurrency", "4", check_rc=None)
        self.assertNotEqual(p.returncode, 0)
        self.assertNotIn("testing", p.stderr.replace("AWS_", ""))  # no secret in errors
        self.assertEqual(self.hunt("SELECT count(*) AS n FROM AWSCloudTrail"), [{"n": 0}])
        health = self.hunt("SELECT Status, ErrorCode FROM ConnectorHealth WHERE Connector LIKE 's3:%'")
        self.assertIn({"Status": "Failure", "ErrorCode": "Unavailable"}, health)
        self.proxy.restore()
        # Down in the middle of the run for ~3 s; the runner retries until it is back.
        def flap():
            time.sleep(0.7)
            self.proxy.down()
            time.sleep(3)
            self.proxy.restore()
        t = threading.Thread(target=flap)
        t.start()
        p = self.collect("--concurrency", "4", check_rc=None)
        t.join()
        if p.returncode != 0:  # gave up while down: a later run resumes
            self.collect()
        self.assert_exact(src)
        # Unreachable while days of objects pile up, some late into folders before the
        # checkpoint's day: once back, everything is taken.
        self.proxy.down()
        src.put_trail_file("111111111111", "us-east-1", (self.now - 2 * DAY).replace(hour=23, minute=55))
        for i in range(10):
            src.put_trail_file("111111111111", "us-east-1", self.now.replace(hour=0) + datetime.timedelta(minutes=7 * i))
        src.put_trail_file("111111111111", "us-east-1", (self.now - DAY).replace(hour=0, minute=1))
        self.proxy.restore()
        self.collect()
        self.assert_exact(src)
        health = self.hunt("SELECT Status FROM ConnectorHealth WHERE Connector LIKE 's3:%' "
                           "ORDER BY TimeGenerated DESC LIMIT 1")
        self.assertEqual(health, [{"Status": "Success"}])

    def test_sigkill_at_random_points(self):
        src = Source(self.s3, self.bucket, 4)
        rng = random.Random(44)
        for i in range(60):
            acct = ("111111111111", "222222222222")[i % 2]
            src.put_trail_file(acct, "us-east-1", (self.now - DAY).replace(hour=0) + datetime.timedelta(minutes=11 * i), n_records=20)
        for it in range(4):
            proc = subprocess.Popen(self.collect_args("--concurrency", "3"), env=self.env(),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.3, 3.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            # New deliveries between the kills, some sorting before what was taken.
            src.put_trail_file("111111111111", "us-east-1", (self.now - DAY).replace(hour=0, minute=it))
            src.put_trail_file("222222222222", "us-east-1", self.now.replace(hour=0, minute=it))
        self.collect()
        self.assert_exact(src)

    # ---- queue mode ----

    def make_queue(self, name):
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        return url

    def s3_event(self, key, name="ObjectCreated:Put"):
        from urllib.parse import quote_plus
        return {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
                             "eventTime": "2024-01-15T00:05:41.000Z", "eventName": name,
                             "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": self.bucket},
                                    "object": {"key": quote_plus(key, safe="/"), "size": 1,
                                               "sequencer": "0055AED6DCD90281E5"}}}]}

    def sns(self, inner):
        return {"Type": "Notification", "MessageId": "m", "TopicArn": "arn:aws:sns:us-east-1:1:t",
                "Message": json.dumps(inner), "Timestamp": "2024-01-15T00:05:41.000Z",
                "SignatureVersion": "1", "Signature": "x"}

    def queue_counts(self, url):
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])

    def test_queue_raw_sns_cloudtrail_and_test_events(self):
        src = Source(self.s3, self.bucket, 5)
        url = self.make_queue("q-basic")
        keys = [src.put_trail_file("111111111111", "us-east-1", self.now.replace(hour=0) + datetime.timedelta(minutes=5 * i))
                for i in range(8)]
        # An export holding a single finding is a one-line file (it was once taken for "other JSON").
        gd = src.put_guardduty("111111111111", "us-east-1", self.now, [("g1", "2024-02-01T00:00:00.000Z")])
        digest = src.put_digest("111111111111", "us-east-1", self.now)
        bodies = [self.s3_event(keys[0]), self.s3_event(keys[1]), self.sns(self.s3_event(keys[2])),
                  self.sns({"s3Bucket": self.bucket, "s3ObjectKey": [keys[3], keys[4]]}),
                  {"s3Bucket": self.bucket, "s3ObjectKey": [keys[5]]},
                  self.s3_event(keys[0]),  # a redelivery
                  self.s3_event(keys[6]), self.s3_event(keys[7]), self.s3_event(gd),
                  self.s3_event(digest), self.s3_event(keys[1], "ObjectRemoved:Delete"),
                  {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": self.bucket}]
        for b in bodies:
            self.sqs.send_message(QueueUrl=url, MessageBody=json.dumps(b))
        self.sqs.send_message(QueueUrl=url, MessageBody="not a notification")
        p = self.collect("--queue", url, "--visibility-timeout", "60", "--wait", "1")
        self.assert_exact(src)
        self.assertEqual(self.origins(), {"s3://%s/%s" % (self.bucket, k) for k in keys + [gd]})
        self.assertEqual(self.hunt("SELECT count(*) AS n FROM AWSGuardDuty"), [{"n": 1}])
        # Every message handled is deleted; the one that is not a notification stays (hidden).
        self.assertEqual(self.queue_counts(url), (0, 1), p.stderr[-2000:])

    def test_queue_sigkill_loses_nothing_and_deletes_only_committed(self):
        src = Source(self.s3, self.bucket, 6)
        url = self.make_queue("q-kill")
        keys = []
        for i in range(60):
            k = src.put_trail_file("111111111111", "us-east-1",
                                   self.now.replace(hour=0) + datetime.timedelta(minutes=3 * i), n_records=20)
            keys.append(k)
            body = self.s3_event(k) if i % 2 else self.sns(self.s3_event(k))
            self.sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))
        rng = random.Random(66)
        for _ in range(3):
            proc = subprocess.Popen(self.collect_args("--queue", url, "--visibility-timeout", "2", "--wait", "1"),
                                    env=self.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.5, 3.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            time.sleep(2.5)  # hidden messages come back
            # No loss: every object is either committed or still named by a message in the queue.
            taken = {o.split("/", 3)[3] for o in self.origins()} if os.path.exists(self.ws) else set()
            pending = set()
            got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=5)
            seen = []
            while got.get("Messages"):
                for m in got["Messages"]:
                    seen.append(m["ReceiptHandle"])
                    body = json.loads(m["Body"])
                    if body.get("Type") == "Notification":
                        body = json.loads(body["Message"])
                    from urllib.parse import unquote_plus
                    pending.add(unquote_plus(body["Records"][0]["s3"]["object"]["key"]))
                got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=5)
            for h in seen:
                self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=h, VisibilityTimeout=0)
            self.assertFalse(set(keys) - taken - pending, "messages deleted before their objects were committed")
        self.collect("--queue", url, "--visibility-timeout", "30", "--wait", "1")
        self.assert_exact(src)
        self.assertEqual(self.queue_counts(url), (0, 0))


if __name__ == "__main__":
    unittest.main()
