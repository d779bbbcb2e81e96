#!/usr/bin/env python3
"""A CloudTrail LookupEvents emulator for trailwarden's collector tests and benchmark.

Plain Python 3 standard library (http.server, threaded) plus botocore's SigV4 signer, which it
uses to check every request's signature with the secret it knows. One endpoint answers:

* CloudTrail LookupEvents (awsJson1_1, X-Amz-Target ...CloudTrail_20131101.LookupEvents);
* STS AssumeRole (awsQuery form, Action=AssumeRole): issues temporary keys whose AccessKeyId
  is "ASIA" + the role's 12-digit account + 4 hex digits, so every later call maps to an
  account. When the emulator was given an external id, AssumeRole without it, or with another,
  is refused with AccessDenied (HTTP 403);
* EC2 DescribeRegions (ec2 query form, Action=DescribeRegions): the account's enabled regions;
* STS GetCallerIdentity: the account of the key (the long-term key's is --caller-account).

The account of a CloudTrail call comes from its access key (temporary keys: the role's
account; the long-term key: --caller-account), the region from the SigV4
credential scope (so one endpoint override serves every region).

Rate limit, per (account, region), on LookupEvents: a SLIDING ONE-SECOND WINDOW. A request
arriving at time t is admitted only when fewer than `rps` (2) requests were admitted in
(t - 1 s, t]; otherwise HTTP 400 {"__type":"ThrottlingException","message":"Rate exceeded"}.
Throttled requests do not use up the budget. This is stricter than a token bucket of the
same rate: any 1 s interval holds at most 2 admitted requests, so a client that passes here
passes AWS's limit however AWS measures it. (--limiter bucket switches to a token bucket,
rate rps, burst rps.)

Paging: at most 50 events per page (MaxResults 1..50, default 50), newest first (ties by
EventId, descending). NextToken is an HMAC-signed cursor (the last event returned) bound to
the request's other parameters and to the (account, region); used with other parameters,
altered, or issued before /_emulator/invalidate-tokens, it is InvalidNextTokenException.
StartTime and EndTime are inclusive. LookupAttributes: EventId, EventName, Username,
EventSource, ReadOnly, AccessKeyId, ResourceType, ResourceName (at most one).

Delayed appearance: each event is visible only once the wall clock passes its eventTime plus
its delay (fixed with --delay, uniformly random in [0, --delay-max] otherwise, or given per
event through /_emulator/events).

Events: --events FILE (CloudTrail records as JSON {"Records":[...]}, a JSON array or JSON
Lines; account = recipientAccountId, region = awsRegion) and/or --generate N (N events per
account-region, --rate events per second of event time ending at --end, deterministic from
--seed).

Control endpoints (no signature), JSON in and out:
  GET  /_emulator/stats                   per "account/region": requests, admitted, throttled,
                                          max_attempts_in_1s, events_served; assume_role ...
  POST /_emulator/reset-stats
  GET  /_emulator/event-ids?account=A&region=R[&visible=1]   ids (all or visible now)
  POST /_emulator/events   {"account","region","records":[...],"delay":s}  or
                           {"account","region","generate":N,"rate":r,"end":epoch,"delay":s}
  POST /_emulator/throttle {"seconds":s[,"account":A,"region":R]}  every LookupEvents throttled
  POST /_emulator/down     {"seconds":s,"mode":"close"|"503"}  every AWS call fails
  POST /_emulator/invalidate-tokens
  POST /_emulator/shutdown

Run: cloudtrail_emulator.py --port 0 --port-file F --accounts 111111111111,222222222222
     --regions us-east-1,eu-west-1 --generate 500 --external-id ext-1
The chosen port is printed as "PORT <n>" on stdout and written to --port-file.
"""
import argparse
import base64
import collections
import datetime
import hashlib
import hmac
import json
import os
import random
import secrets
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

LOOKUP_TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"
ATTRIBUTE_KEYS = {"EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName",
                  "EventSource", "AccessKeyId"}
EVENT_NAMES = [("ec2.amazonaws.com", "DescribeInstances", True),
               ("s3.amazonaws.com", "ListBuckets", True),
               ("iam.amazonaws.com", "ListRoles", True),
               ("sts.amazonaws.com", "GetCallerIdentity", True),
               ("iam.amazonaws.com", "CreateUser", False),
               ("ec2.amazonaws.com", "RunInstances", False),
               ("kms.amazonaws.com", "Decrypt", True),
               ("cloudtrail.amazonaws.com", "LookupEvents", True)]
MAX_SKEW = 15 * 60


def iso(t):
    return datetime.datetime.fromtimestamp(int(t), datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def parse_iso(s):
    return datetime.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc).timestamp()


class Event:
    __slots__ = ("event_id", "time", "visible_at", "name", "source", "read_only", "username",
                 "access_key", "resources", "json")

    def __init__(self, record, delay):
        self.event_id = record["eventID"]
        self.time = int(parse_iso(record["eventTime"]))
        self.visible_at = self.time + delay
        self.name = record.get("eventName", "")
        self.source = record.get("eventSource", "")
        ro = record.get("readOnly")
        self.read_only = "true" if ro is True or ro == "true" else "false"
        ident = record.get("userIdentity") or {}
        self.username = ident.get("userName") or (ident.get("sessionContext", {}) or {}).get(
            "sessionIssuer", {}).get("userName", "") or ""
        self.access_key = ident.get("accessKeyId", "")
        self.resources = [{"ResourceType": r.get("type"), "ResourceName": r.get("ARN")}
                          for r in (record.get("resources") or []) if isinstance(r, dict)]
        item = {"EventId": self.event_id, "EventName": self.name, "ReadOnly": self.read_only,
                "EventTime": self.time, "EventSource": self.source,
                "Resources": self.resources, "CloudTrailEvent": json.dumps(record)}
        if self.access_key:
            item["AccessKeyId"] = self.access_key
        if self.username:
            item["Username"] = self.username
        self.json = json.dumps(item)

    def sort_key(self):
        return (self.time, self.event_id)

    def matches(self, key, value):
        if key == "EventId":
            return self.event_id == value
        if key == "EventName":
            return self.name == value
        if key == "EventSource":
            return self.source == value
        if key == "ReadOnly":
            return self.read_only == value
        if key == "Username":
            return self.username == value
        if key == "AccessKeyId":
            return self.access_key == value
        if key == "ResourceType":
            return any(r["ResourceType"] == value for r in self.resources)
        if key == "ResourceName":
            return any(r["ResourceName"] == value for r in self.resources)
        return False


def make_record(rng, account, region, t):
    source, name, ro = rng.choice(EVENT_NAMES)
    user = "user-%d" % rng.randrange(20)
    return {
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDA%012d" % rng.randrange(10**12),
                         "arn": "arn:aws:iam::%s:user/%s" % (account, user),
                         "accountId": account, "accessKeyId": "AKIA%016d" % rng.randrange(10**16),
                         "userName": user},
        "eventTime": iso(t),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": "198.51.100.%d" % rng.randrange(1, 255),
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": {"maxResults": rng.randrange(1, 100)},
        "responseElements": None,
        "requestID": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "eventID": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "readOnly": ro,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    }


class SlidingWindow:
    """At most `rps` admitted requests in any interval shorter than 1 s. Arrival times are
    taken when the request line is read, so requests may reach admit() out of order; the
    check looks at every run of rps + 1 admitted times around the new one."""

    def __init__(self, rps):
        self.rps = rps
        self.admitted = []  # sorted arrival times of the last 2 s

    def admit(self, now):
        self.admitted = [t for t in self.admitted if t > now - 2.0]
        times = sorted(self.admitted + [now])
        i = times.index(now)
        for lo in range(max(0, i - self.rps), i + 1):
            hi = lo + self.rps
            if hi < len(times) and times[hi] - times[lo] < 1.0:
                return False
        self.admitted = times
        return True

    def in_last_second(self, now):
        return sum(1 for t in self.admitted if now - 1.0 < t <= now)


class TokenBucket:
    def __init__(self, rps):
        self.rate = float(rps)
        self.tokens = float(rps)
        self.last = None

    def admit(self, now):
        if self.last is not None:
            self.tokens = min(self.rate, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Scope:
    """One (account, region): its events and its counters."""

    def __init__(self, limiter):
        self.events = []  # sorted newest first
        self.by_id = set()
        self.limiter = limiter
        self.attempts = collections.deque()  # arrival times, for max_attempts_in_1s
        self.stats = self.fresh_stats()

    @staticmethod
    def fresh_stats():
        return {"requests": 0, "admitted": 0, "throttled": 0, "events_served": 0,
                "pages": 0, "max_admitted_in_1s": 0, "invalid_token": 0,
                "first_admitted": None, "last_admitted": None}

    def add(self, events):
        for e in events:
            if e.event_id in self.by_id:
                continue
            self.by_id.add(e.event_id)
            self.events.append(e)
        self.events.sort(key=Event.sort_key, reverse=True)


class Emulator:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.scopes = {}
        self.access_key = args.access_key
        self.secret_key = args.secret_key
        self.external_id = args.external_id
        self.accounts = [a for a in args.accounts.split(",") if a]
        self.regions = [r for r in args.regions.split(",") if r]
        self.caller_account = args.caller_account or self.accounts[0]
        self.temp_keys = {}  # AKID -> (secret, token, account, expiration)
        self.token_key = secrets.token_bytes(32)
        self.token_generation = 0
        self.storm_until = 0.0
        self.storm_scope = None
        self.down_until = 0.0
        self.down_mode = "close"
        self.counters = {"assume_role": 0, "assume_role_denied": 0, "describe_regions": 0,
                         "bad_signature": 0, "unknown_key": 0, "down_refused": 0}
        self.rng = random.Random(args.seed)

    # --- events -------------------------------------------------------------------------
    def scope(self, account, region):
        key = (account, region)
        s = self.scopes.get(key)
        if s is None:
            limiter = SlidingWindow(self.args.rps) if self.args.limiter == "window" \
                else TokenBucket(self.args.rps)
            s = self.scopes[key] = Scope(limiter)
        return s

    def delay_for(self, rng, delay=None):
        if delay is not None:
            return float(delay)
        if self.args.delay is not None:
            return float(self.args.delay)
        return rng.uniform(0, self.args.delay_max)

    def add_records(self, records, account=None, region=None, delay=None):
        grouped = collections.defaultdict(list)
        for r in records:
            a = account or r.get("recipientAccountId") or (r.get("userIdentity") or {}).get(
                "accountId")
            g = region or r.get("awsRegion")
            if not a or not g or "eventID" not in r or "eventTime" not in r:
                raise ValueError("record without account, region, eventID or eventTime")
            grouped[(a, g)].append(Event(r, self.delay_for(self.rng, delay)))
        with self.lock:
            for (a, g), evs in grouped.items():
                self.scope(a, g).add(evs)
        return sum(len(v) for v in grouped.values())

    def generate(self, account, region, count, rate, end, delay=None, seed=None):
        rng = random.Random("%s:%s:%s:%s" % (self.args.seed if seed is None else seed,
                                             account, region, end))
        records = [make_record(rng, account, region, end - i / rate) for i in range(count)]
        evs = [Event(r, self.delay_for(rng, delay)) for r in records]
        with self.lock:
            self.scope(account, region).add(evs)
        return len(evs)

    # --- tokens -------------------------------------------------------------------------
    def make_token(self, bound, last):
        body = json.dumps({"b": bound, "t": last.time, "i": last.event_id,
                           "g": self.token_generation}, separators=(",", ":")).encode()
        mac = hmac.new(self.token_key, body, hashlib.sha256).digest()[:16]
        return base64.b64encode(mac + body).decode()

    def read_token(self, token, bound):
        try:
            raw = base64.b64decode(token, validate=True)
            mac, body = raw[:16], raw[16:]
            if not hmac.compare_digest(mac, hmac.new(self.token_key, body,
                                                     hashlib.sha256).digest()[:16]):
                return None
            t = json.loads(body)
            if t["b"] != bound or t["g"] != self.token_generation:
                return None
            return (t["t"], t["i"])
        except Exception:  # noqa: BLE001 - any malformed token is simply invalid
            return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cloudtrail-emulator/1"

    def parse_request(self):
        # The arrival time, as early as the request can be told apart: the rate limit is
        # judged on it, not on when this thread got the interpreter lock.
        self.arrival = time.time()
        return super().parse_request()

    def log_message(self, fmt, *args):  # quiet unless asked
        if self.server.emu.args.verbose:
            sys.stderr.write("emulator: " + (fmt % args) + "\n")

    # --- plumbing -----------------------------------------------------------------------
    def reply(self, status, body, content_type="application/x-amz-json-1.1", headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def json_error(self, status, code, message):
        self.reply(status, json.dumps({"__type": code, "message": message}))

    def query_error(self, status, code, message):
        body = ("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
                "<Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
                "<RequestId>%s</RequestId></ErrorResponse>" % (code, xml_escape(message),
                                                                 uuid.uuid4()))
        self.reply(status, body, "text/xml")

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        if self.path.startswith("/_emulator/"):
            return self.control("GET", b"")
        self.json_error(404, "UnknownOperationException", "GET is not served")

    def do_POST(self):
        body = self.read_body()
        if self.path.startswith("/_emulator/"):
            return self.control("POST", body)
        emu = self.server.emu
        now = self.arrival
        with emu.lock:
            down = now < emu.down_until
            mode = emu.down_mode
            if down:
                emu.counters["down_refused"] += 1
        if down:
            if mode == "503":
                return self.json_error(503, "ServiceUnavailableException", "Service unavailable")
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return
        target = self.headers.get("X-Amz-Target")
        if target is not None:
            if target != LOOKUP_TARGET:
                return self.json_error(400, "UnknownOperationException", "unknown target")
            return self.lookup_events(body, now)
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        action = (form.get("Action") or [""])[0]
        if action == "AssumeRole":
            return self.assume_role(body, form, now)
        if action == "GetCallerIdentity":
            return self.get_caller_identity(body, now)
        if action == "DescribeRegions":
            return self.describe_regions(body, form, now)
        self.query_error(400, "InvalidAction", "unsupported action")

    # --- SigV4 --------------------------------------------------------------------------
    def verify(self, body, service, json_errors):
        """Returns (access_key, region, account) or None after replying with the error."""
        emu = self.server.emu

        def fail(status, json_code, query_code, message):
            if json_errors:
                self.json_error(status, json_code, message)
            else:
                self.query_error(status, query_code, message)
            return None

        auth = self.headers.get("Authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return fail(400, "MissingAuthenticationTokenException", "MissingAuthenticationToken",
                        "Missing Authentication Token")
        parts = {}
        for item in auth[len("AWS4-HMAC-SHA256 "):].split(","):
            k, _, v = item.strip().partition("=")
            parts[k] = v
        try:
            akid, date, region, svc, term = parts["Credential"].split("/")
            signed = parts["SignedHeaders"].split(";")
            signature = parts["Signature"]
        except (KeyError, ValueError):
            return fail(400, "IncompleteSignatureException", "IncompleteSignature",
                        "Authorization header is malformed")
        amz_date = self.headers.get("X-Amz-Date", "")
        if term != "aws4_request" or svc != service or date != amz_date[:8] or \
                "host" not in signed or "x-amz-date" not in signed:
            with emu.lock:
                emu.counters["bad_signature"] += 1
            return fail(400, "InvalidSignatureException", "SignatureDoesNotMatch",
                        "Credential scope or signed headers are wrong")
        try:
            t = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
                tzinfo=datetime.timezone.utc).timestamp()
        except ValueError:
            return fail(400, "InvalidSignatureException", "SignatureDoesNotMatch",
                        "X-Amz-Date is malformed")
        if abs(time.time() - t) > MAX_SKEW:
            return fail(400, "InvalidSignatureException", "SignatureDoesNotMatch",
                        "Signature expired: the request time is too far from the server time")
        token = None
        account = None
        with emu.lock:
            if akid == emu.access_key:
                secret = emu.secret_key
            elif akid in emu.temp_keys:
                secret, token, account, expiration = emu.temp_keys[akid]
                if time.time() > expiration:
                    return fail(400, "ExpiredTokenException", "ExpiredToken",
                                "The security token included in the request is expired")
            else:
                emu.counters["unknown_key"] += 1
                return fail(400, "UnrecognizedClientException", "InvalidClientTokenId",
                            "The security token included in the request is invalid")
        if token is not None:
            if self.headers.get("X-Amz-Security-Token") != token or \
                    "x-amz-security-token" not in signed:
                return fail(400, "UnrecognizedClientException", "InvalidClientTokenId",
                            "The security token included in the request is invalid")
        verifier = _Verifier(Credentials(akid, secret, token), service, region, signed)
        req = AWSRequest(method=self.command, url="http://%s%s" % (self.headers.get("Host", ""),
                                                                  self.path),
                         data=body)
        for name in signed:
            values = self.headers.get_all(name) or []
            if not values:
                with emu.lock:
                    emu.counters["bad_signature"] += 1
                return fail(400, "InvalidSignatureException", "SignatureDoesNotMatch",
                            "a signed header is missing")
            req.headers[name] = ",".join(values)
        req.context["timestamp"] = amz_date
        expected = verifier.signature(verifier.string_to_sign(
            req, verifier.canonical_request(req)), req)
        if not hmac.compare_digest(expected, signature):
            with emu.lock:
                emu.counters["bad_signature"] += 1
            return fail(403 if not json_errors else 400, "InvalidSignatureException",
                        "SignatureDoesNotMatch",
                        "The request signature we calculated does not match the signature you "
                        "provided.")
        return akid, region, account

    # --- STS ----------------------------------------------------------------------------
    def assume_role(self, body, form, now):
        emu = self.server.emu
        who = self.verify(body, "sts", json_errors=False)
        if who is None:
            return
        role_arn = (form.get("RoleArn") or [""])[0]
        session = (form.get("RoleSessionName") or [""])[0]
        external = (form.get("ExternalId") or [None])[0]
        duration = int((form.get("DurationSeconds") or ["3600"])[0])
        parts = role_arn.split(":")
        if len(parts) != 6 or parts[0] != "arn" or parts[2] != "iam" or \
                not parts[5].startswith("role/") or not (2 <= len(session) <= 64):
            return self.query_error(400, "ValidationError", "RoleArn or RoleSessionName invalid")
        account = parts[4]
        if account not in emu.accounts:
            with emu.lock:
                emu.counters["assume_role_denied"] += 1
            return self.query_error(403, "AccessDenied", "not authorized to assume the role")
        if emu.external_id is not None and external != emu.external_id:
            with emu.lock:
                emu.counters["assume_role_denied"] += 1
            return self.query_error(403, "AccessDenied",
                                    "User is not authorized to perform: sts:AssumeRole")
        if not 900 <= duration <= 43200:
            return self.query_error(400, "ValidationError", "DurationSeconds out of range")
        akid = "ASIA%s%04X" % (account, secrets.randbelow(0x10000))
        secret = base64.b64encode(secrets.token_bytes(30)).decode()
        token = base64.b64encode(secrets.token_bytes(96)).decode()
        expiration = now + min(duration, emu.args.max_session)
        with emu.lock:
            emu.temp_keys[akid] = (secret, token, account, expiration)
            emu.counters["assume_role"] += 1
        role_name = parts[5][len("role/"):]
        body = (
            "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
            "<AssumeRoleResult><AssumedRoleUser>"
            "<Arn>arn:aws:sts::%s:assumed-role/%s/%s</Arn>"
            "<AssumedRoleId>AROA%s:%s</AssumedRoleId></AssumedRoleUser>"
            "<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey>"
            "<SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials>"
            "</AssumeRoleResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>"
            "</AssumeRoleResponse>" % (
                account, xml_escape(role_name), xml_escape(session), account,
                xml_escape(session), akid, secret, token,
                datetime.datetime.fromtimestamp(expiration, datetime.timezone.utc).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"), uuid.uuid4()))
        self.reply(200, body, "text/xml")

    def get_caller_identity(self, body, now):
        emu = self.server.emu
        who = self.verify(body, "sts", json_errors=False)
        if who is None:
            return
        account = who[2] or emu.caller_account
        body = ("<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                "<GetCallerIdentityResult><Arn>arn:aws:iam::%s:user/emulator</Arn>"
                "<UserId>AIDAEMULATOR</UserId><Account>%s</Account></GetCallerIdentityResult>"
                "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>"
                "</GetCallerIdentityResponse>" % (account, account, uuid.uuid4()))
        self.reply(200, body, "text/xml")

    # --- EC2 ----------------------------------------------------------------------------
    def describe_regions(self, body, form, now):
        emu = self.server.emu
        who = self.verify(body, "ec2", json_errors=False)
        if who is None:
            return
        with emu.lock:
            emu.counters["describe_regions"] += 1
        items = "".join(
            "<item><regionName>%s</regionName><regionEndpoint>ec2.%s.amazonaws.com"
            "</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>" % (r, r)
            for r in emu.regions)
        body = ("<DescribeRegionsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
                "<requestId>%s</requestId><regionInfo>%s</regionInfo></DescribeRegionsResponse>"
                % (uuid.uuid4(), items))
        self.reply(200, body, "text/xml")

    # --- CloudTrail ---------------------------------------------------------------------
    def lookup_events(self, body, now):
        emu = self.server.emu
        who = self.verify(body, "cloudtrail", json_errors=True)
        if who is None:
            return
        akid, region, account = who
        if account is None:
            account = emu.caller_account  # the long-term key's own account
        with emu.lock:
            scope = emu.scope(account, region)
            scope.stats["requests"] += 1
            scope.attempts.append(now)
            storm = now < emu.storm_until and emu.storm_scope in (None, (account, region))
            admitted = (not storm) and scope.limiter.admit(now)
            if not admitted:
                scope.stats["throttled"] += 1
            else:
                scope.stats["admitted"] += 1
                if scope.stats["first_admitted"] is None:
                    scope.stats["first_admitted"] = now
                scope.stats["last_admitted"] = now
                if isinstance(scope.limiter, SlidingWindow):
                    scope.stats["max_admitted_in_1s"] = max(scope.stats["max_admitted_in_1s"],
                                                            scope.limiter.in_last_second(now))
        if not admitted:
            return self.json_error(400, "ThrottlingException", "Rate exceeded")
        try:
            req = json.loads(body or b"{}")
            if not isinstance(req, dict):
                raise ValueError
        except ValueError:
            return self.json_error(400, "SerializationException", "body is not a JSON object")
        max_results = req.get("MaxResults", 50)
        if not isinstance(max_results, int) or not 1 <= max_results <= 50:
            return self.json_error(400, "InvalidMaxResultsException",
                                   "MaxResults must be between 1 and 50")
        start = req.get("StartTime")
        end = req.get("EndTime")
        for v in (start, end):
            if v is not None and not isinstance(v, (int, float)):
                return self.json_error(400, "SerializationException", "times are numbers")
        if start is not None and end is not None and start > end:
            return self.json_error(400, "InvalidTimeRangeException",
                                   "StartTime is after EndTime")
        attrs = req.get("LookupAttributes") or []
        if not isinstance(attrs, list) or len(attrs) > 1 or any(
                not isinstance(a, dict) or a.get("AttributeKey") not in ATTRIBUTE_KEYS or
                not isinstance(a.get("AttributeValue"), str) for a in attrs):
            return self.json_error(400, "InvalidLookupAttributesException",
                                   "LookupAttributes are not valid")
        if req.get("EventCategory") not in (None, "insight"):
            return self.json_error(400, "InvalidEventCategoryException", "bad EventCategory")
        bound = hashlib.sha256(json.dumps(
            [account, region, start, end, attrs, req.get("EventCategory"), max_results],
            sort_keys=True).encode()).hexdigest()[:24]
        cursor = None
        token = req.get("NextToken")
        with emu.lock:
            if token is not None:
                cursor = emu.read_token(token, bound) if isinstance(token, str) else None
                if cursor is None:
                    scope.stats["invalid_token"] += 1
            events = scope.events
            if cursor is None and token is not None:
                pass
            else:
                page, more = [], False
                for e in events:  # newest first
                    if cursor is not None and (e.time, e.event_id) >= tuple(cursor):
                        continue
                    if start is not None and e.time < start:
                        break
                    if end is not None and e.time > end:
                        continue
                    if e.visible_at > now:
                        continue
                    if attrs and not e.matches(attrs[0]["AttributeKey"],
                                               attrs[0]["AttributeValue"]):
                        continue
                    if req.get("EventCategory") == "insight":
                        break
                    if len(page) == max_results:
                        more = True
                        break
                    page.append(e)
                scope.stats["pages"] += 1
                scope.stats["events_served"] += len(page)
                next_token = emu.make_token(bound, page[-1]) if more else None
        if token is not None and cursor is None:
            return self.json_error(400, "InvalidNextTokenException",
                                   "A token that is not valid was provided")
        out = '{"Events":[' + ",".join(e.json for e in page) + "]"
        if next_token is not None:
            out += ',"NextToken":' + json.dumps(next_token)
        self.reply(200, out + "}")

    # --- control ------------------------------------------------------------------------
    def control(self, method, body):
        emu = self.server.emu
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        op = url.path[len("/_emulator/"):]
        try:
            req = json.loads(body) if body else {}
        except ValueError:
            return self.reply(400, '{"error":"bad json"}', "application/json")
        out = {"ok": True}
        now = time.time()
        if op == "stats":
            with emu.lock:
                out = {"scopes": {"%s/%s" % k: dict(s.stats) for k, s in emu.scopes.items()},
                       **emu.counters}
        elif op == "reset-stats":
            with emu.lock:
                for s in emu.scopes.values():
                    s.stats = Scope.fresh_stats()
                for k in emu.counters:
                    emu.counters[k] = 0
        elif op == "event-ids":
            with emu.lock:
                s = emu.scopes.get((q.get("account"), q.get("region")))
                evs = list(s.events) if s else []
            if q.get("visible"):
                evs = [e for e in evs if e.visible_at <= now]
            out = {"ids": [e.event_id for e in evs]}
        elif op == "all-event-ids":
            with emu.lock:
                out = {"ids": [e.event_id for s in emu.scopes.values() for e in s.events],
                       "scopes": ["%s/%s" % k for k in emu.scopes]}
        elif op == "events" and method == "POST":
            if "generate" in req:
                n = emu.generate(req["account"], req["region"], int(req["generate"]),
                                 float(req.get("rate", emu.args.rate)),
                                 float(req.get("end", now)), req.get("delay"), req.get("seed"))
            else:
                n = emu.add_records(req.get("records", []), req.get("account"),
                                    req.get("region"), req.get("delay"))
            out = {"added": n}
        elif op == "throttle" and method == "POST":
            with emu.lock:
                emu.storm_until = now + float(req.get("seconds", 5))
                emu.storm_scope = (req["account"], req["region"]) if "account" in req else None
        elif op == "down" and method == "POST":
            with emu.lock:
                emu.down_until = now + float(req.get("seconds", 5))
                emu.down_mode = req.get("mode", "close")
        elif op == "invalidate-tokens" and method == "POST":
            with emu.lock:
                emu.token_generation += 1
        elif op == "shutdown" and method == "POST":
            threading.Thread(target=self.server.shutdown, daemon=True).start()
        else:
            return self.reply(404, '{"error":"unknown control"}', "application/json")
        self.reply(200, json.dumps(out), "application/json")


class _Verifier(SigV4Auth):
    """botocore's signer, told which headers the client signed."""

    def __init__(self, credentials, service, region, signed):
        super().__init__(credentials, service, region)
        self._signed = signed

    def headers_to_sign(self, request):
        out = HTTPHeaders()
        for name in self._signed:
            out[name] = request.headers[name]
        return out


def xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def load_records(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    stripped = text.lstrip()
    if stripped.startswith("{") and '"Records"' in stripped[:200]:
        try:
            return json.loads(text)["Records"]
        except ValueError:
            pass
    if stripped.startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--accounts", default="111111111111")
    p.add_argument("--regions", default="us-east-1")
    p.add_argument("--access-key", default="AKIDEMULATOR00000000")
    p.add_argument("--secret-key", default="emulator/secret+key")
    p.add_argument("--caller-account", default=None,
                   help="account of the long-term key (default: the first of --accounts)")
    p.add_argument("--external-id", default=None,
                   help="every role requires this ExternalId (default: none required)")
    p.add_argument("--events", help="CloudTrail records: JSON {Records}, array or JSON Lines")
    p.add_argument("--generate", type=int, default=0, help="events per account-region")
    p.add_argument("--rate", type=float, default=10.0, help="generated events per second")
    p.add_argument("--end", type=float, default=None,
                   help="newest generated event time (epoch s; default: now - 1 - delay)")
    p.add_argument("--seed", default="1")
    p.add_argument("--delay", type=float, default=None, help="fixed visibility delay (s)")
    p.add_argument("--delay-max", type=float, default=0.0,
                   help="random visibility delay in [0, this] (s) when --delay is not given")
    p.add_argument("--rps", type=int, default=2, help="LookupEvents per account-region per s")
    p.add_argument("--limiter", choices=["window", "bucket"], default="window")
    p.add_argument("--max-session", type=int, default=43200,
                   help="cap on issued credentials' lifetime (s)")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)

    emu = Emulator(args)
    if args.events:
        emu.add_records(load_records(args.events))
    if args.generate:
        end = args.end if args.end is not None else \
            int(time.time()) - 1 - (args.delay or args.delay_max or 0)
        for a in emu.accounts:
            for r in emu.regions:
                emu.generate(a, r, args.generate, args.rate, end)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.emu = emu
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, args.port_file)
    print("PORT %d" % port, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    server.server_close()


if __name__ == "__main__":
    main()
