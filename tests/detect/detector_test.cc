// The pipeline's detection halves: EventMatcher (hits with their facts) and AlertBuilder
// (duplicates raise nothing, suppression windows, correlations, persisted state).
#include "detect/detector.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>

#include "test_util.h"

namespace trailwarden::detect {
namespace {

const char* kRules = R"(title: Trail stopped
id: 11111111-1111-4111-8111-111111111111
name: test.trail_stopped
level: high
tags: [attack.defense-evasion, attack.t1562.008]
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventSource: cloudtrail.amazonaws.com
    eventName: StopLogging
  condition: sel
trailwarden:
  resources: [requestParameters.name]
  suppress: 1h
  suppress_by: [account, identity]
---
title: Bucket deleted
id: 22222222-2222-4222-8222-222222222222
name: test.bucket_deleted
level: low
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventName: DeleteBucket
  condition: sel
trailwarden:
  details: [requestParameters.bucketName]
---
title: Failed login
id: 33333333-3333-4333-8333-333333333333
name: test.failed_login
level: low
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventName: ConsoleLogin
    responseElements.ConsoleLogin: Failure
  condition: sel
---
title: Three failed logins
id: 44444444-4444-4444-8444-444444444444
name: test.three_failures
level: medium
correlation:
  type: event_count
  rules: [test.failed_login]
  group-by: [sourceIPAddress]
  timespan: 10m
  condition: {gte: 3}
---
title: Noisy third-party rule without a trailwarden map
id: 55555555-5555-4555-8555-555555555555
level: low
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventName: ListBuckets
  condition: sel
)";

std::string record(std::string_view name, std::string_view time, std::string_view id,
                   std::string_view extra = "") {
  return fmt::format(
      R"({{"eventVersion":"1.08","eventTime":"{}","eventSource":"{}","eventName":"{}",)"
      R"("awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userIdentity":{{"type":"IAMUser",)"
      R"("arn":"arn:aws:iam::111122223333:user/mallory","userName":"mallory","accountId":"111122223333"}},)"
      R"("eventID":"{}","recipientAccountId":"111122223333"{}}})",
      time,
      name == "StopLogging"    ? "cloudtrail.amazonaws.com"
      : name == "ConsoleLogin" ? "signin.amazonaws.com"
                               : "s3.amazonaws.com",
      name, id, extra);
}

// Workspace stand-in holding only saved state.
class StateOnly final : public store::Workspace {
 public:
  std::map<std::string, std::string> state;
  Result<store::AppendResult> append(store::AppendBatch&) override { return store::AppendResult{}; }
  Result<std::optional<std::string>> load_state(std::string_view key) override {
    auto it = state.find(std::string(key));
    if (it == state.end()) return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }
  Status scan_records(int64_t, int64_t,
                      const std::function<bool(int64_t, std::string_view)>&) override {
    return {};
  }
  Status write_detection_only(const store::DetectionWrites&) override { return {}; }
  Result<store::QueryResult> query(std::string_view) override { return store::QueryResult{}; }
  std::optional<store::RawDictionary> current_dictionary() const override { return std::nullopt; }
  uint32_t next_dictionary_id() const override { return store::kFirstDictionaryId; }
};

class DetectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string path = dir_.write("rules.yml", kRules);
    DetectionConfig config;
    config.builtin = false;
    config.builtin_dir = TRAILWARDEN_SOURCE_DIR "/rules";
    config.rule_paths = {path};
    std::vector<Diagnostic> diags;
    auto c = DetectionContent::load(config, diags);
    ASSERT_TRUE(c.has_value()) << c.error().to_string();
    for (const auto& d : diags) {
      ASSERT_NE(d.level, Diagnostic::Level::kError) << d.code << ": " << d.message;
    }
    content_ = *c;
  }

  std::vector<Hit> hits(const std::vector<std::string>& records) {
    EventMatcher m(content_);
    std::vector<Hit> out;
    for (size_t i = 0; i < records.size(); ++i) {
      simdjson::dom::element root;
      EXPECT_EQ(parser_.parse(records[i]).get(root), simdjson::SUCCESS);
      m.match(root, "cloudtrail", static_cast<uint32_t>(i), out);
    }
    return out;
  }

  std::vector<store::AlertRow> alerts_of(AlertBuilder& b, const std::vector<std::string>& recs) {
    auto h = hits(recs);
    std::vector<store::AlertRow> out;
    b.process(h, out);
    return out;
  }

  trailwarden::testing::TempDir dir_;
  std::shared_ptr<const DetectionContent> content_;
  simdjson::dom::parser parser_;
  ManualClock clock_{int64_t{1'800'000'000} * 1'000'000};
};

TEST_F(DetectorTest, HitsCarryEntitiesAndRuleValues) {
  auto h = hits({record("DeleteBucket", "2024-03-01T10:00:00Z", "e1",
                        R"(,"requestParameters":{"bucketName":"payroll"})")});
  ASSERT_EQ(h.size(), 1u);
  const HitFacts& f = h[0].facts;
  EXPECT_EQ(f.event_id, "e1");
  EXPECT_EQ(f.account, "111122223333");
  EXPECT_EQ(f.ip, "198.51.100.7");
  EXPECT_EQ(f.identity_name, "mallory");
  EXPECT_EQ(f.identity_arn, "arn:aws:iam::111122223333:user/mallory");
  bool bucket = false;
  for (const auto& [k, v] : f.values)
    bucket |= k == "requestParameters.bucketName" && v == "payroll";
  EXPECT_TRUE(bucket);
}

TEST_F(DetectorTest, SuppressionFoldsRepeatsIntoOneAlertAcrossBatches) {
  AlertBuilder b(content_, clock_);
  auto first = alerts_of(b, {record("StopLogging", "2024-03-01T10:00:00Z", "s1")});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_FALSE(first[0].may_exist);
  auto second = alerts_of(b, {record("StopLogging", "2024-03-01T10:20:00Z", "s2"),
                              record("StopLogging", "2024-03-01T10:40:00Z", "s3")});
  ASSERT_EQ(second.size(), 1u) << "one row per open alert per batch";
  EXPECT_EQ(second[0].alert_id, first[0].alert_id);
  EXPECT_TRUE(second[0].may_exist);
  EXPECT_EQ(second[0].event_count, 3);
  EXPECT_EQ(second[0].event_ids_json, R"(["s1","s2","s3"])");
  // Outside the window (from the first event): a new alert.
  auto third = alerts_of(b, {record("StopLogging", "2024-03-01T11:00:01Z", "s4")});
  ASSERT_EQ(third.size(), 1u);
  EXPECT_NE(third[0].alert_id, first[0].alert_id);
  EXPECT_EQ(b.alerts_raised(), 2u);
  EXPECT_EQ(b.alerts_updated(), 2u);
  // A window's repeats and the next window's first event in one batch: both rows written.
  auto fourth = alerts_of(b, {record("StopLogging", "2024-03-01T11:30:00Z", "s5"),
                              record("StopLogging", "2024-03-01T12:00:02Z", "s6")});
  ASSERT_EQ(fourth.size(), 2u);
  std::map<std::string, int64_t> counts;
  for (const auto& r : fourth) counts[r.alert_id] = r.event_count;
  EXPECT_EQ(counts[third[0].alert_id], 2);
}

TEST_F(DetectorTest, NoSuppressionMeansOneAlertPerEventAndRulesWithoutAMapGetTheDefault) {
  AlertBuilder b(content_, clock_);
  auto rows = alerts_of(b, {record("DeleteBucket", "2024-03-01T10:00:00Z", "d1"),
                            record("DeleteBucket", "2024-03-01T10:01:00Z", "d2"),
                            record("ListBuckets", "2024-03-01T10:00:00Z", "l1"),
                            record("ListBuckets", "2024-03-01T10:30:00Z", "l2"),
                            record("ListBuckets", "2024-03-01T10:59:00Z", "l3")});
  size_t deletes = 0, lists = 0;
  for (const auto& r : rows) {
    if (r.rule_id == "test.bucket_deleted") ++deletes;
    if (r.rule_uuid == "55555555-5555-4555-8555-555555555555") {
      ++lists;
      EXPECT_EQ(r.event_count, 3);
      EXPECT_EQ(r.rule_id, r.rule_uuid) << "a rule without a name is known by its id";
    }
  }
  EXPECT_EQ(deletes, 2u);
  EXPECT_EQ(lists, 1u);
}

TEST_F(DetectorTest, AFullSuppressionTableLosesNoRepeat) {
  // More open windows than the table holds (20,000): every hit must still be counted in the
  // rows written (latest row per alert id).
  AlertBuilder b(content_, clock_);
  std::map<std::string, int64_t> latest;
  int64_t hits_fed = 0;
  for (int round = 0; round < 2; ++round) {
    std::vector<std::string> recs;
    for (int i = 0; i < 21000; ++i) {
      std::string r =
          record("ListBuckets", round == 0 ? "2024-03-01T10:00:00Z" : "2024-03-01T10:10:00Z",
                 fmt::format("r{}-{}", round, i));
      // A distinct identity per i: a distinct suppression key.
      size_t at = r.find("user/mallory");
      r.replace(at, 12, fmt::format("user/u{}", i));
      recs.push_back(std::move(r));
    }
    hits_fed += static_cast<int64_t>(recs.size());
    for (auto& row : alerts_of(b, recs)) latest[row.alert_id] = row.event_count;
  }
  int64_t counted = 0;
  for (const auto& [id, n] : latest) counted += n;
  EXPECT_EQ(counted, hits_fed);
}

TEST_F(DetectorTest, AlertIdsAreDeterministic) {
  AlertBuilder a(content_, clock_), b(content_, clock_);
  auto x = alerts_of(a, {record("DeleteBucket", "2024-03-01T10:00:00Z", "d1")});
  auto y = alerts_of(b, {record("DeleteBucket", "2024-03-01T10:00:00Z", "d1")});
  ASSERT_EQ(x.size(), 1u);
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(x[0].alert_id, y[0].alert_id);
  EXPECT_EQ(x[0].alert_id.size(), 32u);
  EXPECT_NE(stable_id("a"), stable_id("b"));
  EXPECT_EQ(stable_id("a"), stable_id("a"));
}

TEST_F(DetectorTest, DuplicateRowsRaiseNothing) {
  AlertBuilder b(content_, clock_);
  auto payload = std::make_unique<BatchHits>();
  payload->hits = hits({record("DeleteBucket", "2024-03-01T10:00:00Z", "d1"),
                        record("DeleteBucket", "2024-03-01T10:00:00Z", "d2")});
  store::AppendBatch batch;
  batch.detection = std::move(payload);
  std::vector<uint8_t> keep = {0, 1};  // row 0 was already stored
  store::DetectionWrites out;
  ASSERT_TRUE(b.before_commit(batch, keep, out).has_value());
  ASSERT_EQ(out.alerts.size(), 1u);
  EXPECT_EQ(out.alerts[0].event_ids_json, R"(["d2"])");
  EXPECT_FALSE(out.state.empty()) << "state is saved with every batch";
}

TEST_F(DetectorTest, CorrelationAndSuppressionSurviveARestart) {
  StateOnly ws;
  {
    AlertBuilder b(content_, clock_);
    ASSERT_TRUE(b.restore(ws).has_value());
    auto rows = alerts_of(b, {record("ConsoleLogin", "2024-03-01T10:00:00Z", "f1",
                                     R"(,"responseElements":{"ConsoleLogin":"Failure"})"),
                              record("ConsoleLogin", "2024-03-01T10:01:00Z", "f2",
                                     R"(,"responseElements":{"ConsoleLogin":"Failure"})"),
                              record("StopLogging", "2024-03-01T10:02:00Z", "s1")});
    ASSERT_EQ(rows.size(), 1u) << "base rules of a correlation raise nothing alone";
    std::vector<std::pair<std::string, std::string>> saved;
    b.save_state(saved);
    for (auto& [k, v] : saved) ws.state[k] = v;
  }
  AlertBuilder b(content_, clock_);
  ASSERT_TRUE(b.restore(ws).has_value());
  auto rows = alerts_of(b, {record("ConsoleLogin", "2024-03-01T10:05:00Z", "f3",
                                   R"(,"responseElements":{"ConsoleLogin":"Failure"})"),
                            record("StopLogging", "2024-03-01T10:30:00Z", "s2")});
  size_t corr = 0, folded = 0;
  for (const auto& r : rows) {
    if (r.rule_id == "test.three_failures") {
      ++corr;
      EXPECT_EQ(r.kind, "correlation");
      EXPECT_EQ(r.event_ids_json, R"(["f1","f2","f3"])");
    }
    if (r.rule_id == "test.trail_stopped") {
      ++folded;
      EXPECT_EQ(r.event_count, 2) << "the open window came back with the restart";
    }
  }
  EXPECT_EQ(corr, 1u);
  EXPECT_EQ(folded, 1u);
}

TEST_F(DetectorTest, DamagedSuppressionStateIsAnErrorNotACrash) {
  StateOnly ws;
  ws.state["suppression"] = "twsup1garbage";
  AlertBuilder b(content_, clock_);
  auto s = b.restore(ws);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kCorrupt);
  // A damaged correlation blob is logged and the engine starts empty.
  StateOnly ws2;
  ws2.state["correlation"] = "not a blob";
  AlertBuilder c(content_, clock_);
  EXPECT_TRUE(c.restore(ws2).has_value());
}

}  // namespace
}  // namespace trailwarden::detect
