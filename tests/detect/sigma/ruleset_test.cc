// The RuleSet index: which keys a rule is indexed under, that an event meets only its
// candidates, service filtering, and equality with brute force.
#include "detect/sigma/ruleset.h"

#include <gtest/gtest.h>

#include <random>

#include "detect/sigma/sigma_test_util.h"

namespace trailwarden::detect {
namespace {

using testing::describe;
using testing::Record;

std::string doc(int n, std::string_view service, std::string_view detection) {
  std::string y = "title: R" + std::to_string(n) + "\nid: id-" + std::to_string(n) +
                  "\nlogsource:\n  product: aws\n";
  if (!service.empty()) y += "  service: " + std::string(service) + "\n";
  y += "detection:\n" + std::string(detection) + "---\n";
  return y;
}

class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string yaml;
    yaml += doc(0, "cloudtrail",
                "  sel:\n    eventSource: cloudtrail.amazonaws.com\n    eventName: [StopLogging, "
                "DeleteTrail]\n"
                "  condition: sel\n");
    yaml += doc(1, "cloudtrail", "  sel:\n    eventName: ConsoleLogin\n  condition: sel\n");
    yaml += doc(2, "cloudtrail",
                "  sel:\n    eventSource: iam.amazonaws.com\n    eventName|startswith: Create\n"
                "  condition: sel\n");
    yaml += doc(3, "cloudtrail", "  sel:\n    userAgent|contains: TruffleHog\n  condition: sel\n");
    yaml += doc(4, "cloudtrail", "  sel:\n    eventName: StopLogging\n  condition: not sel\n");
    yaml += doc(5, "cloudtrail",
                "  s3:\n    eventSource: s3.amazonaws.com\n    eventName: PutBucketPolicy\n"
                "  iam:\n    eventSource: iam.amazonaws.com\n    eventName: PutUserPolicy\n"
                "  condition: 1 of them\n");
    yaml += doc(6, "cloudtrail",
                "  a:\n    eventName: DeleteBucket\n  b:\n    userAgent: x\n  condition: a or b\n");
    yaml += doc(7, "guardduty",
                "  sel:\n    type|startswith: 'UnauthorizedAccess:'\n  condition: sel\n");
    yaml += doc(8, "", "  sel:\n    eventName: StopLogging\n  condition: sel\n");
    yaml += doc(9, "cloudtrail", "  sel:\n    eventName|cased: GetObject\n  condition: sel\n");
    yaml += doc(10, "cloudtrail",
                "  sel:\n    eventSource: s3.amazonaws.com\n  filter:\n    eventName: ListBuckets\n"
                "  condition: sel and not filter\n");
    yaml += doc(11, "cloudtrail",
                "  a:\n    eventName: A\n  b:\n    eventName: B\n  condition: a and b\n");
    set_.load_text(yaml, "index.yml", "user", diags_);
    ASSERT_EQ(set_.size(), 12u) << describe(diags_);
  }

  std::vector<uint32_t> match(std::string_view json, std::string_view service = "cloudtrail") {
    Record rec(json);
    Event ev;
    ev.reset(rec.root());
    std::vector<uint32_t> out;
    set_.match(ev, service, out);
    evaluated_ = set_.last_evaluated();
    std::vector<uint32_t> brute;
    ev.reset(rec.root());
    set_.match_all(ev, service, brute);
    EXPECT_EQ(out, brute) << json;
    return out;
  }

  RuleSet set_;
  std::vector<Diagnostic> diags_;
  size_t evaluated_ = 0;
};

TEST_F(IndexTest, KeysDerivedFromConditions) {
  EXPECT_EQ(
      set_.index_keys(0),
      R"(("cloudtrail.amazonaws.com" "deletetrail") ("cloudtrail.amazonaws.com" "stoplogging"))");
  EXPECT_EQ(set_.index_keys(1), R"((* "consolelogin"))");
  EXPECT_EQ(set_.index_keys(2), R"(("iam.amazonaws.com" *))");
  EXPECT_EQ(set_.index_keys(3), "unconstrained");
  EXPECT_EQ(set_.index_keys(4), "unconstrained");
  EXPECT_EQ(set_.index_keys(5),
            R"(("iam.amazonaws.com" "putuserpolicy") ("s3.amazonaws.com" "putbucketpolicy"))");
  EXPECT_EQ(set_.index_keys(6), "unconstrained");
  EXPECT_EQ(set_.index_keys(9), R"((* "getobject"))");
  EXPECT_EQ(set_.index_keys(10), R"(("s3.amazonaws.com" *))");
  EXPECT_EQ(set_.index_keys(11), "never");
  bool warned = false;
  for (const auto& d : diags_)
    warned = warned || (d.code == "unsatisfiable" && d.rule_title == "R11");
  EXPECT_TRUE(warned) << describe(diags_);
}

TEST_F(IndexTest, AnEventMeetsOnlyItsCandidates) {
  // Candidates: 0 (pair), 4 and 3 and 6 (unconstrained), 8 (no service, keyed by name).
  EXPECT_EQ(match(R"({"eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging"})"),
            (std::vector<uint32_t>{0, 8}));
  EXPECT_EQ(evaluated_, 5u);
  // Keys are case-folded like Sigma's plain strings.
  EXPECT_EQ(match(R"({"eventSource":"CloudTrail.amazonaws.com","eventName":"stoplogging"})"),
            (std::vector<uint32_t>{0, 8}));
  EXPECT_EQ(evaluated_, 5u);
  // (src, any): rule 2 is evaluated for every IAM event; 10 for every S3 event.
  EXPECT_EQ(match(R"({"eventSource":"iam.amazonaws.com","eventName":"CreateUser"})"),
            (std::vector<uint32_t>{2, 4}));
  EXPECT_EQ(evaluated_, 4u);  // 2, 3, 4, 6
  EXPECT_EQ(match(R"({"eventSource":"s3.amazonaws.com","eventName":"ListBuckets"})"),
            (std::vector<uint32_t>{4}));
  EXPECT_EQ(evaluated_, 4u);  // 3, 4, 6, 10
  // Absent eventSource: only name-keyed and unconstrained rules.
  EXPECT_EQ(match(R"({"eventName":"ConsoleLogin","userAgent":"TruffleHog"})"),
            (std::vector<uint32_t>{1, 3, 4}));
  EXPECT_EQ(evaluated_, 4u);  // 1, 3, 4, 6
  // eventName as an array: every rule of the service is evaluated.
  EXPECT_EQ(match(R"({"eventSource":"x","eventName":["A","B"]})"), (std::vector<uint32_t>{4, 11}));
  EXPECT_EQ(evaluated_, 11u);
  // A cased rule is keyed by the folded value but still compares exactly.
  EXPECT_EQ(match(R"({"eventName":"getobject"})"), (std::vector<uint32_t>{4}));
  EXPECT_EQ(match(R"({"eventName":"GetObject"})"), (std::vector<uint32_t>{4, 9}));
}

TEST_F(IndexTest, ServicesSeparateRules) {
  EXPECT_EQ(match(R"({"type":"UnauthorizedAccess:IAMUser/TorIPCaller"})", "guardduty"),
            (std::vector<uint32_t>{7}));
  EXPECT_EQ(match(R"({"type":"UnauthorizedAccess:IAMUser/TorIPCaller"})", "cloudtrail"),
            (std::vector<uint32_t>{4}));
  // A rule without a service applies to every service, known or not.
  EXPECT_EQ(match(R"({"eventName":"StopLogging"})", "guardduty"), (std::vector<uint32_t>{8}));
  EXPECT_EQ(match(R"({"eventName":"StopLogging"})", "GuardDuty"), (std::vector<uint32_t>{8}));
  EXPECT_EQ(match(R"({"eventName":"StopLogging"})", "other"), (std::vector<uint32_t>{8}));
}

TEST_F(IndexTest, RandomEventsAgreeWithBruteForce) {
  std::mt19937 rng(7);
  std::vector<std::string> sources = {"cloudtrail.amazonaws.com", "iam.amazonaws.com",
                                      "s3.amazonaws.com", "S3.AMAZONAWS.COM", "ec2.amazonaws.com"};
  std::vector<std::string> names = {
      "StopLogging",     "DeleteTrail",   "ConsoleLogin", "CreateUser",  "GetObject", "getobject",
      "PutBucketPolicy", "PutUserPolicy", "DeleteBucket", "ListBuckets", "A",         "B"};
  for (int i = 0; i < 2000; ++i) {
    std::string json = "{";
    if (rng() % 5) json += R"("eventSource":")" + sources[rng() % sources.size()] + R"(",)";
    int shape = static_cast<int>(rng() % 10);
    if (shape == 0) {
      json += R"("eventName":[")" + names[rng() % names.size()] + R"(",")" +
              names[rng() % names.size()] + R"("],)";
    } else if (shape == 1) {
      json += R"("eventName":null,)";
    } else if (shape == 2) {
      json += R"("eventName":42,)";
    } else if (shape != 3) {
      json += R"("eventName":")" + names[rng() % names.size()] + R"(",)";
    }
    json += R"("userAgent":")" + std::string(rng() % 3 ? "aws-cli" : "x") + R"("})";
    match(json);
    match(json, "guardduty");
  }
}

}  // namespace
}  // namespace trailwarden::detect
