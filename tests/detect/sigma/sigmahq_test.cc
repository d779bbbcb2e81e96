// SigmaHQ's AWS CloudTrail rules (read at run time from the shared datasets; never copied
// into the repository): every file loads without crashing, the maintained set compiles, and
// indexed matching equals brute-force matching over randomised events.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <random>
#include <set>

#include "detect/sigma/sigma_test_util.h"

namespace trailwarden::detect {
namespace {

namespace fs = std::filesystem;
using testing::describe;

fs::path dataset() { return testing::shared_dir() / "datasets" / "sigma-aws"; }

#define REQUIRE_DATASET()                                                                     \
  if (!fs::is_directory(dataset())) {                                                         \
    GTEST_SKIP() << "SigmaHQ dataset not found at " << dataset()                              \
                 << " (set TRAILWARDEN_SHARED_DIR to the folder holding datasets/sigma-aws)"; \
  }

size_t count_yml(const fs::path& dir) {
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".yml") ++n;
  }
  return n;
}

TEST(SigmaHQ, TheMaintainedRulesAllCompile) {
  REQUIRE_DATASET();
  RuleSet set;
  std::vector<Diagnostic> diags;
  fs::path dir = dataset() / "rules";
  size_t files = count_yml(dir);
  size_t loaded = set.load_path(dir.string(), "sigmahq", diags);
  set.finish(diags);
  std::cout << "rules/: " << files << " files, " << loaded << " loaded\n" << describe(diags);
  EXPECT_EQ(files, 57u);
  EXPECT_EQ(loaded, 57u);
  EXPECT_EQ(set.size(), 57u);
  for (const auto& d : diags) EXPECT_NE(d.level, Diagnostic::Level::kError) << describe({d});
  // Every rule is for CloudTrail and carries its metadata.
  for (size_t i = 0; i < set.size(); ++i) {
    EXPECT_EQ(set.meta(i).logsource_service, "cloudtrail");
    EXPECT_FALSE(set.meta(i).id.empty());
    EXPECT_FALSE(set.meta(i).author.empty());
    EXPECT_EQ(set.meta(i).source, "sigmahq");
  }
}

TEST(SigmaHQ, PlaceholderRuleNeedsItsPlaceholders) {
  REQUIRE_DATASET();
  fs::path dir = dataset() / "rules-placeholder";
  {
    RuleSet set;
    std::vector<Diagnostic> diags;
    EXPECT_EQ(set.load_path(dir.string(), "sigmahq", diags), 0u);
    bool unknown = false;
    for (const auto& d : diags) unknown = unknown || d.code == "unknown-placeholder";
    EXPECT_TRUE(unknown) << describe(diags);
    std::cout << "rules-placeholder/ without placeholders:\n" << describe(diags);
  }
  SigmaOptions opts;
  opts.placeholders["Legitimate_Countries"] = {"US", "DE"};
  opts.placeholders["Legitimate_IP_Ranges"] = {"203.0.113.*"};
  RuleSet set(opts);
  std::vector<Diagnostic> diags;
  EXPECT_EQ(set.load_path(dir.string(), "sigmahq", diags), 1u) << describe(diags);
  std::cout << "rules-placeholder/ with placeholders: " << set.size() << " loaded\n";
  ASSERT_EQ(set.size(), 1u);
  // The rule's own field names (src_country, src_ip) are not CloudTrail's: it only matches
  // records that carry them.
  testing::Record login(
      R"({"eventName":"ConsoleLogin","responseElements":{"ConsoleLogin":"Success"},"src_country":"FR","src_ip":"198.51.100.1"})");
  testing::Record trusted(
      R"({"eventName":"ConsoleLogin","responseElements":{"ConsoleLogin":"Success"},"src_country":"US","src_ip":"198.51.100.1"})");
  Event ev;
  std::vector<uint32_t> out;
  ev.reset(login.root());
  set.match(ev, "cloudtrail", out);
  EXPECT_EQ(out.size(), 1u);
  out.clear();
  ev.reset(trusted.root());
  set.match(ev, "cloudtrail", out);
  EXPECT_TRUE(out.empty());
}

TEST(SigmaHQ, DeprecatedAggregationsLoadOrExplain) {
  REQUIRE_DATASET();
  fs::path dir = dataset() / "unsupported";
  size_t files = count_yml(dir);
  RuleSet set;
  std::vector<Diagnostic> diags;
  size_t loaded = set.load_path(dir.string(), "sigmahq", diags);
  set.finish(diags);
  std::cout << "unsupported/: " << files << " files, " << loaded << " documents loaded, "
            << set.size() << " detection rules, " << set.correlations().size() << " correlations\n"
            << describe(diags);
  EXPECT_EQ(files, 8u);
  // Every file either loaded something or said why not.
  for (const auto& e : fs::directory_iterator(dir / "cloud")) {
    bool mentioned = false;
    for (const auto& d : diags) mentioned = mentioned || d.pos.file == e.path().string();
    EXPECT_TRUE(mentioned) << e.path() << " loaded silently: it uses deprecated syntax";
  }
  // Converted aggregations keep their threshold and window.
  bool found = false;
  for (size_t c = 0; c < set.correlations().size(); ++c) {
    const auto& spec = set.correlations()[c];
    if (spec.meta.title.find("Macie") == std::string::npos &&
        spec.group_by != std::vector<std::string>{"sourceIPAddress"}) {
      continue;
    }
    found = true;
    EXPECT_EQ(spec.type, CorrelationType::kEventCount);
    EXPECT_EQ(spec.timespan_us, 10LL * 60 * 1000000);
    ASSERT_EQ(spec.condition.size(), 1u);
    EXPECT_EQ(spec.condition[0].op, CompareOp::kGt);
    EXPECT_EQ(spec.condition[0].value, 5);
    ASSERT_EQ(set.correlation_refs(c).size(), 1u);
    EXPECT_FALSE(set.correlation_refs(c)[0].is_correlation);
  }
  EXPECT_TRUE(found);
}

// Random records built from the values the rules mention, so that rules do match.
TEST(SigmaHQ, IndexedMatchingEqualsBruteForce) {
  REQUIRE_DATASET();
  RuleSet set;
  std::vector<Diagnostic> diags;
  set.load_path((dataset() / "rules").string(), "sigmahq", diags);
  ASSERT_GT(set.size(), 0u);
  std::vector<std::string> sources = {"cloudtrail.amazonaws.com", "s3.amazonaws.com",
                                      "iam.amazonaws.com",        "ec2.amazonaws.com",
                                      "sts.amazonaws.com",        "signin.amazonaws.com",
                                      "rds.amazonaws.com",        "lambda.amazonaws.com",
                                      "GuardDuty.amazonaws.com",  "other.amazonaws.com"};
  std::vector<std::string> names = {"StopLogging",
                                    "DeleteTrail",
                                    "ConsoleLogin",
                                    "CreateAccessKey",
                                    "PutBucketVersioning",
                                    "ListBuckets",
                                    "GetCallerIdentity",
                                    "DeleteDetector",
                                    "UpdateDetector",
                                    "SendCommand",
                                    "ModifyDBInstance",
                                    "UpdateFunctionConfiguration20150331v2",
                                    "deletebucket",
                                    "CreateRoute",
                                    "GetSessionToken",
                                    "AssumeRoleWithSAML",
                                    "UpdateLoginProfile",
                                    "CreateInstanceExportTask",
                                    "Other"};
  std::mt19937 rng(12345);
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  size_t total_matches = 0, indexed_evaluations = 0, brute_evaluations = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string json = "{";
    json += R"("eventSource":")" + pick(sources) + R"(",)";
    json += R"("eventName":")" + pick(names) + R"(",)";
    if (rng() % 2)
      json += R"("errorCode":")" + std::string(rng() % 2 ? "Success" : "AccessDenied") + R"(",)";
    if (rng() % 3 == 0) json += R"("errorMessage":"Failed authentication",)";
    json +=
        R"("userAgent":")" +
        std::string(rng() % 4 == 0 ? "TruffleHog" : (rng() % 3 == 0 ? "S3 Browser 1" : "aws-cli")) +
        R"(",)";
    json += R"("userIdentity":{"type":")" +
            std::string(rng() % 3 == 0 ? "Root" : (rng() % 2 ? "AssumedRole" : "IAMUser")) +
            R"(","arn":")" +
            std::string(rng() % 2 ? "arn:aws:sts::1:assumed-role/aws:ec2/x" : "alice") +
            R"(","sessionContext":{"sessionIssuer":{"type":"Role"}}},)";
    json += R"("requestParameters":{"userName":"alice","enable":)" +
            std::string(rng() % 2 ? "false" : "\"false\"") +
            R"(,"VersioningConfiguration":{"Status":"Suspended"},"layers":["l1"]},)";
    json += R"("responseElements":{"ConsoleLogin":"Success","publiclyAccessible":true},)";
    json += R"("additionalEventData":{"MFAUsed":"No"},)";
    json += R"("eventType":")" + std::string(rng() % 4 == 0 ? "AwsServiceEvent" : "AwsApiCall") +
            R"("})";
    testing::Record rec(json);
    Event ev;
    ev.reset(rec.root());
    std::vector<uint32_t> indexed, brute;
    set.match(ev, "cloudtrail", indexed);
    indexed_evaluations += set.last_evaluated();
    ev.reset(rec.root());
    set.match_all(ev, "cloudtrail", brute);
    brute_evaluations += set.size();
    ASSERT_EQ(indexed, brute) << json;
    total_matches += indexed.size();
    // Other services see none of the CloudTrail rules.
    std::vector<uint32_t> gd;
    set.match(ev, "guardduty", gd);
    EXPECT_TRUE(gd.empty());
  }
  std::cout << "matches: " << total_matches << ", rules evaluated: " << indexed_evaluations
            << " indexed vs " << brute_evaluations << " brute force\n";
  EXPECT_GT(total_matches, 1000u);
  EXPECT_LT(indexed_evaluations * 4, brute_evaluations);
}

}  // namespace
}  // namespace trailwarden::detect
