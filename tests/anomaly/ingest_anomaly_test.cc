// The anomaly policies end to end: CloudTrail files -> ingest (enrichment with a geo-IP database
// and lists) -> Alerts, every one of the 11 policies firing on its target behaviour; restarting
// between two ingests gives the same alerts as one ingest; `baseline` state is readable.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "anomaly/baseline_view.h"
#include "core/time.h"
#include "detect/detector.h"
#include "enrich/mmdb_writer.h"
#include "pipeline/ingest.h"
#include "store/duckdb/duckdb_workspace.h"
#include "test_util.h"

namespace trailwarden::anomaly {
namespace {

using trailwarden::testing::TempDir;

const ManualClock kClock(*parse_iso8601_micros("2026-02-01T00:00:00Z"));
constexpr int64_t kMinute = int64_t{60} * 1000000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDayUs = 24 * kHour;
const int64_t kStart = *parse_iso8601_micros("2026-01-01T00:00:00Z");

struct Rec {
  int64_t t;
  std::string user;  // IAM user name; "" for HIDDEN failed logins
  std::string ip;
  std::string source = "ec2.amazonaws.com";
  std::string name = "DescribeInstances";
  bool read_only = true;
  std::string extra;  // more members: ,"requestParameters":{...}
  std::string region = "eu-west-2";
  int id = 0;
};

std::string json(const Rec& r) {
  std::string ui =
      r.user.empty()
          ? R"({"type":"IAMUser","accountId":"111122223333","userName":"HIDDEN_DUE_TO_SECURITY_REASONS"})"
          : fmt::format(
                R"({{"type":"IAMUser","principalId":"AIDA{0}","arn":"arn:aws:iam::111122223333:user/{0}","accountId":"111122223333","userName":"{0}"}})",
                r.user);
  return fmt::format(
      R"({{"eventVersion":"1.08","userIdentity":{},"eventTime":"{}","eventSource":"{}","eventName":"{}","awsRegion":"{}","sourceIPAddress":"{}","userAgent":"aws-cli/2","eventID":"e2e-{:06d}","readOnly":{},"eventType":"AwsApiCall","recipientAccountId":"111122223333"{}}})",
      ui, format_iso8601_micros(r.t).substr(0, 19) + "Z", r.source, r.name, r.region, r.ip, r.id,
      r.read_only ? "true" : "false", r.extra);
}

std::string envelope(const std::vector<Rec>& recs) {
  std::string s = R"({"Records":[)";
  for (size_t i = 0; i < recs.size(); ++i) s += (i ? "," : "") + json(recs[i]);
  return s + "]}";
}

const char* kLondon = "81.2.69.160";
const char* kLondon2 = "81.2.69.161";
const char* kBerlin = "2a02:8010::9";
const char* kTor = "185.220.101.4";
const char* kBotnet = "45.1.1.1";
const char* kSprayer = "45.2.2.2";

void number(std::vector<Rec>& v, int base) {
  for (size_t i = 0; i < v.size(); ++i) v[i].id = base + static_cast<int>(i);
}

std::vector<Rec> history() {  // days 0..9: alice and bob in London, carol too
  std::vector<Rec> v;
  for (int d = 0; d < 10; ++d)
    for (int i = 0; i < 5; ++i) {
      const int64_t t = kStart + d * kDayUs + 9 * kHour + i * 5 * kMinute;
      v.push_back({t, "alice", kLondon});
      v.push_back({t + kMinute, "bob", kLondon2});
      if (d < 4) v.push_back({t + 2 * kMinute, "carol", kLondon2});
    }
  number(v, 1);
  return v;
}

std::vector<Rec> attacks() {  // days 10..11
  std::vector<Rec> v;
  const int64_t d10 = kStart + 10 * kDayUs;
  v.push_back({d10 + 9 * kHour, "alice", kLondon});
  v.push_back({d10 + 9 * kHour + 30 * kMinute, "alice", kBerlin, "signin.amazonaws.com",
               "ConsoleLogin", false, R"(,"responseElements":{"ConsoleLogin":"Success"})",
               "us-east-1"});
  v.push_back({d10 + 12 * kHour, "bob", kTor});
  v.push_back({d10 + 13 * kHour, "bob", kBotnet});
  for (int i = 0; i < 7; ++i)
    v.push_back(
        {d10 + 14 * kHour + i * kMinute, "", kSprayer, "signin.amazonaws.com", "ConsoleLogin",
         false,
         R"(,"errorMessage":"No username found in supplied account","responseElements":{"ConsoleLogin":"Failure"})",
         "us-east-1"});
  const int64_t d11 = kStart + 11 * kDayUs + 9 * kHour;
  v.push_back({d11, "carol", kLondon2, "s3.amazonaws.com", "ListBuckets"});
  for (int i = 0; i < 25; ++i)
    v.push_back({d11 + i * kMinute, "alice", kLondon, "iam.amazonaws.com", "CreateUser", false, "",
                 "us-east-1"});
  for (int i = 0; i < 11; ++i)
    v.push_back({d11 + 30 * kMinute + i * kMinute, "alice", kLondon, "s3.amazonaws.com",
                 "DeleteBucket", false,
                 fmt::format(R"(,"requestParameters":{{"bucketName":"b{}"}})", i)});
  std::string items;
  for (int i = 0; i < 12; ++i)
    items += fmt::format(R"({}{{"instanceId":"i-{:04d}"}})", i ? "," : "", i);
  v.push_back({d11 + 45 * kMinute, "alice", kLondon, "ec2.amazonaws.com", "TerminateInstances",
               false, R"(,"requestParameters":{"instancesSet":{"items":[)" + items + "]}}"});
  std::string created;
  for (int i = 0; i < 21; ++i)
    created += fmt::format(R"({}{{"instanceId":"i-n{:04d}"}})", i ? "," : "", i);
  v.push_back({d11 + 50 * kMinute, "alice", kLondon, "ec2.amazonaws.com", "RunInstances", false,
               R"(,"responseElements":{"instancesSet":{"items":[)" + created + "]}}",
               "ap-southeast-3"});
  number(v, 100000);
  return v;
}

class IngestAnomaly : public ::testing::Test {
 protected:
  void SetUp() override {
    using enrich::maxmind_city_record;
    using enrich::MmdbNetwork;
    ASSERT_TRUE(enrich::write_mmdb(
        dir_.str() + "/city.mmdb",
        {MmdbNetwork{detect::parse_ip("81.2.69.0").value(), 24,
                     maxmind_city_record("GB", "London", 51.5142, -0.0931, 10, 20712, "AAISP")},
         MmdbNetwork{detect::parse_ip("2a02:8010::").value(), 32,
                     maxmind_city_record("DE", "Berlin", 52.52, 13.405, 50, 3303, "Example DE")}},
        enrich::MmdbMetadata{}));
    dir_.write("lists/tor_exit.txt", std::string(kTor) + "\n");
    dir_.write("lists/threat_intel.csv",
               "indicator,type,confidence,category,source,first_seen,last_seen,valid_until\n" +
                   std::string(kBotnet) + ",ip,90,botnet,test-feed,,,\n");
    dir_.write("lists/terminated_users.csv",
               "identity,terminated_at,note\ncarol,2026-01-06T00:00:00Z,left\n");
  }

  std::shared_ptr<const detect::DetectionContent> content() {
    detect::DetectionConfig config;
    config.builtin = false;  // the anomaly policies only
    config.builtin_dir = TRAILWARDEN_SOURCE_DIR "/rules";
    config.geoip = {dir_.str() + "/city.mmdb"};
    config.lists_dir = dir_.str() + "/lists";
    std::vector<detect::Diagnostic> diags;
    auto c = detect::DetectionContent::load(config, diags);
    EXPECT_TRUE(c) << c.error().to_string();
    return c ? *c : nullptr;
  }

  std::unique_ptr<store::DuckDbWorkspace> open(const std::string& name) {
    store::DuckDbOptions o;
    o.dir = dir_.str() + "/" + name;
    o.mode = store::OpenMode::kReadWrite;
    o.clock = &kClock;
    auto w = store::DuckDbWorkspace::open(o);
    EXPECT_TRUE(w) << w.error().to_string();
    return w ? std::move(*w) : nullptr;
  }

  // The Tor and threat-intel addresses are not in the geo-IP database: the list policies need
  // no location (and bob's unlocated hops raise no travel or country alerts).
  void ingest(store::Workspace& ws, const std::string& path) {
    pipeline::IngestOptions o;
    o.paths = {path};
    o.detection = content();
    o.batch_rows = 50;  // several batches
    auto s = pipeline::run_ingest(ws, o, kClock);
    ASSERT_TRUE(s) << s.error().to_string();
  }

  static std::map<std::string, std::string> anomaly_alerts(store::Workspace& ws) {
    auto r = ws.query(
        "SELECT AlertId, RuleId || ' | ' || EventCount || ' | ' || Description || ' | ' || "
        "EventIds "
        "FROM Alerts WHERE Kind = 'anomaly' ORDER BY AlertId");
    EXPECT_TRUE(r) << r.error().to_string();
    std::map<std::string, std::string> out;
    if (r)
      for (const auto& row : r->rows) out[row[0].value_or("")] = row[1].value_or("");
    return out;
  }

  TempDir dir_;
};

TEST_F(IngestAnomaly, EveryPolicyFiresThroughIngestAndRestartChangesNothing) {
  const std::vector<Rec> hist = history(), att = attacks();
  std::vector<Rec> all = hist;
  all.insert(all.end(), att.begin(), att.end());
  const std::string all_path = dir_.write("in/all.json", envelope(all));
  const std::string hist_path = dir_.write("in/history.json", envelope(hist));
  const std::string att_path = dir_.write("in/attacks.json", envelope(att));
  auto one = open("one");
  ingest(*one, all_path);
  auto alerts = anomaly_alerts(*one);
  std::map<std::string, int> per_policy;
  for (const auto& [id, text] : alerts) per_policy[text.substr(0, text.find(" | "))] += 1;
  for (const char* p : {"aws.anomaly.impossible_travel", "aws.anomaly.infrequent_country",
                        "aws.anomaly.anonymous_ip_activity", "aws.anomaly.suspicious_ip_activity",
                        "aws.anomaly.terminated_user_activity",
                        "aws.anomaly.multiple_failed_logins", "aws.anomaly.unusual_admin_activity",
                        "aws.anomaly.unusual_storage_deletion", "aws.anomaly.multiple_vm_deletion",
                        "aws.anomaly.unusual_vm_creation", "aws.anomaly.unusual_region_resource"})
    EXPECT_EQ(per_policy[p], 1) << p;
  EXPECT_EQ(alerts.size(), 11u);
  for (const auto& [id, text] : alerts) {
    if (text.starts_with("aws.anomaly.impossible_travel")) {
      EXPECT_NE(
          text.find("ConsoleLogin by alice from Berlin, DE 30 min after activity from London, GB"),
          std::string::npos)
          << text;
    }
    if (text.starts_with("aws.anomaly.multiple_failed_logins")) {
      EXPECT_NE(text.find(" | 7 | "), std::string::npos) << text;
    }
  }

  // The same files in two ingests (the engine restored from the workspace in between).
  auto two = open("two");
  ingest(*two, hist_path);
  ingest(*two, att_path);
  auto again = anomaly_alerts(*two);
  ASSERT_EQ(again.size(), alerts.size());
  EXPECT_EQ(again, alerts);  // same ids, counts, descriptions and evidence

  // Re-ingesting the same file feeds nothing (duplicates) and raises nothing new.
  ingest(*two, all_path);
  EXPECT_EQ(anomaly_alerts(*two).size(), alerts.size());

  auto learned = load_learned(*two);
  ASSERT_TRUE(learned) << learned.error().to_string();
  auto found = find_identities(*learned, "alice");
  ASSERT_EQ(found.size(), 2u);  // the identity, and the user name's console sign-in sessions
  std::stable_partition(found.begin(), found.end(),
                        [](const IdentityState* s) { return !s->login; });
  EXPECT_TRUE(found[1]->login);
  auto p = PolicySet::defaults();
  std::string text = baseline_text(*found[0], *p, learned->newest_us);
  EXPECT_NE(text.find("GB ("), std::string::npos) << text;
  EXPECT_NE(text.find("DE ("), std::string::npos) << text;
  EXPECT_NE(baseline_json(*found[0], *p, learned->newest_us).find("\"countries\":{\"DE\""),
            std::string::npos);
}

}  // namespace
}  // namespace trailwarden::anomaly
