"""SigV4 agreement with botocore on a seeded set of random requests.

Generates requests (methods, paths with unicode, spaces, reserved characters and dot
segments, query parameters with empty values and duplicates, headers with inner and outer
whitespace, bodies, S3 and other services, with and without a session token), signs each
with trailwarden's signer (the sigv4_tool executable, $SIGV4_TOOL) and with botocore's
SigV4Auth / S3SigV4Auth on the same URL and headers, and compares the canonical request, the
string to sign, the signature and the Authorization header. Exit 77 (skip) without botocore.

usage: python3 sigv4_botocore.py [COUNT] [SEED]
"""
import json
import os
import random
import subprocess
import sys
from urllib.parse import quote

try:
    from botocore.auth import S3SigV4Auth, SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    print("botocore is not installed: skipped")
    sys.exit(77)


def reference_sign(method, url, headers, body, region, service, amz_date, akid, secret,
                   token=None, s3=False):
    """botocore's signer with a frozen clock (../shared/docs/aws-facts.md §1.5)."""
    req = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
    req.context["timestamp"] = amz_date
    signer = (S3SigV4Auth if s3 else SigV4Auth)(Credentials(akid, secret, token), service, region)
    signer._modify_request_before_signing(req)
    creq = signer.canonical_request(req)
    sts = signer.string_to_sign(req, creq)
    sig = signer.signature(sts, req)
    signer._inject_signature_to_request(req, sig)
    return creq, sts, sig, req.headers["Authorization"]


PATH_CHARS = ("abcXYZ019-_.~ +=&?#%@!$'()*,;:[]\"<>\\^`{|}" + "é✓日本語" + "\U0001F600")
NEVER = {"host", "x-amz-date", "authorization", "x-amz-security-token", "x-amz-content-sha256",
         "date", "content-md5", "connection", "expect", "keep-alive", "proxy-authenticate",
         "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "user-agent",
         "x-amzn-trace-id"}
HOSTS = ["https://example.amazonaws.com", "https://cloudtrail.eu-west-1.amazonaws.com",
         "https://Bucket.S3.amazonaws.com", "http://127.0.0.1:9000", "https://h.example:8443",
         "http://localhost:80", "https://sts.amazonaws.com:443"]


def rand_text(rng, alphabet, lo, hi):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


def rand_path(rng, s3):
    segs = []
    for _ in range(rng.randint(0, 5)):
        r = rng.random()
        if not s3 and r < 0.1:
            segs.append(rng.choice([".", "..", ""]))
        elif s3 and r < 0.05:
            segs.append(rng.choice([".", ""]))
        else:
            segs.append(rand_text(rng, PATH_CHARS, 1, 12))
    path = "/" + "/".join(segs)
    if rng.random() < 0.2:
        path += "/"
    return path


def rand_header_value(rng):
    core = rand_text(rng, "abcDEF123-_=/+;,.:\"' ", 0, 20)
    if rng.random() < 0.3:
        core = core.replace(" ", rng.choice(["  ", "\t", " \t "]))
    return rng.choice(["", " ", "  ", "\t"]) + core + rng.choice(["", " ", "\t "])


def make_request(rng):
    s3 = rng.random() < 0.4
    service = "s3" if s3 else rng.choice(["cloudtrail", "sts", "sqs", "guardduty", "service"])
    query = []
    for _ in range(rng.choice([0, 0, 1, 2, 3, 6])):
        k = rand_text(rng, PATH_CHARS, 0 if rng.random() < 0.05 else 1, 8)
        v = "" if rng.random() < 0.25 else rand_text(rng, PATH_CHARS, 1, 15)
        query.append([k, v])
        if rng.random() < 0.2:  # duplicate name, other value
            query.append([k, rand_text(rng, PATH_CHARS, 0, 5)])
    headers = []
    seen = set()
    for _ in range(rng.randint(0, 5)):
        name = rand_text(rng, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", 1, 12)
        if name.lower() in NEVER or name.lower() in seen:
            continue
        seen.add(name.lower())
        headers.append([name, rand_header_value(rng)])
    for name, value in [("Content-Type", "application/x-amz-json-1.1"),
                        ("X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"),
                        ("Range", "bytes=0-99"), ("X-Amz-Expected-Bucket-Owner", "111122223333")]:
        if rng.random() < 0.2 and name.lower() not in seen:
            seen.add(name.lower())
            headers.append([name, value])
    body = "" if rng.random() < 0.4 else rand_text(rng, PATH_CHARS + "\n{}", 1, 200)
    day = rng.randint(1, 28)
    return {
        "method": rng.choice(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"]),
        "base": rng.choice(HOSTS),
        "path": rand_path(rng, s3),
        "query": query,
        "headers": headers,
        "body": body,
        "region": rng.choice(["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1"]),
        "service": service,
        "amz_date": "202%d%02d%02dT%02d%02d%02dZ" % (rng.randint(0, 9), rng.randint(1, 12), day,
                                                     rng.randint(0, 23), rng.randint(0, 59),
                                                     rng.randint(0, 59)),
        "akid": "AKIA" + rand_text(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, 16),
        "secret": rand_text(rng, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/", 40, 40),
        "token": "" if rng.random() < 0.5 else rand_text(rng, "abcXYZ0123456789+/=", 20, 300),
        "s3": s3,
    }


def wire_url(r):
    url = r["base"] + quote(r["path"], safe="/~")
    if r["query"]:
        url += "?" + "&".join(quote(k, safe="-_.~") + "=" + quote(v, safe="-_.~") for k, v in r["query"])
    return url


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20240115
    tool = os.environ.get("SIGV4_TOOL")
    if not tool:
        print("SIGV4_TOOL is not set")
        return 2
    rng = random.Random(seed)
    requests = [make_request(rng) for _ in range(count)]
    stdin = "".join(json.dumps(r) + "\n" for r in requests)
    out = subprocess.run([tool], input=stdin.encode(), capture_output=True, check=True).stdout
    answers = [json.loads(line) for line in out.decode().splitlines()]
    if len(answers) != count:
        print("tool answered %d of %d requests" % (len(answers), count))
        return 1
    bad = 0
    counts = {"s3": 0, "token": 0, "dot_segments": 0, "query": 0, "dup_query": 0, "body": 0}
    for i, (r, a) in enumerate(zip(requests, answers)):
        url = wire_url(r)
        creq, sts, sig, auth = reference_sign(
            r["method"], url, r["headers"], r["body"].encode(), r["region"], r["service"],
            r["amz_date"], r["akid"], r["secret"], r["token"] or None, s3=r["s3"])
        problems = []
        if a["url"] != url:
            problems.append("url: ours %r, expected %r" % (a["url"], url))
        if a["creq"] != creq:
            ours, theirs = a["creq"].split("\n"), creq.split("\n")
            for n in range(max(len(ours), len(theirs))):
                o = ours[n] if n < len(ours) else None
                t = theirs[n] if n < len(theirs) else None
                if o != t:
                    problems.append("canonical request line %d: ours %r, botocore %r" % (n + 1, o, t))
                    break
        if a["sts"] != sts:
            problems.append("string to sign differs")
        if a["sig"] != sig:
            problems.append("signature differs")
        if a["authorization"] != auth:
            problems.append("authorization: ours %r, botocore %r" % (a["authorization"], auth))
        if problems:
            bad += 1
            if bad <= 10:
                print("request %d (%s %s, s3=%s):" % (i, r["method"], url, r["s3"]))
                for p in problems:
                    print("   ", p)
        counts["s3"] += r["s3"]
        counts["token"] += bool(r["token"])
        counts["dot_segments"] += any(s in (".", "..", "") for s in r["path"].split("/")[1:-1])
        counts["query"] += bool(r["query"])
        counts["dup_query"] += len({k for k, _ in r["query"]}) < len(r["query"])
        counts["body"] += bool(r["body"])
    print("%d requests (seed %d): %d agree with botocore, %d differ; %s" %
          (count, seed, count - bad, bad, ", ".join("%s %d" % kv for kv in counts.items())))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
