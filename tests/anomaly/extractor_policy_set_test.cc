// ActivityExtractor (records -> Activity) and PolicySet (shipped files, user overrides).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "anomaly/anomaly.h"
#include "anomaly/policy_set.h"

namespace trailwarden::anomaly {
namespace {

Activity extract(const std::string& json) {
  static simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS);
  ActivityExtractor x(PolicySet::defaults(), nullptr);
  std::vector<Activity> out;
  x.extract(doc, nullptr, 3, out);
  EXPECT_EQ(out.size(), 1u);
  return out.at(0);
}

TEST(Extractor, AssumedRoleKeyRunInstancesAndRegion) {
  Activity a = extract(R"({"eventTime":"2026-01-02T03:04:05Z","eventID":"e1",
    "eventSource":"ec2.amazonaws.com","eventName":"RunInstances","awsRegion":"sa-east-1",
    "recipientAccountId":"111122223333","sourceIPAddress":"81.2.69.160",
    "userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_1/alice@example.com",
      "accountId":"111122223333","sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_1"}}},
    "responseElements":{"instancesSet":{"items":[{"instanceId":"i-1"},{"instanceId":"i-2"},{"instanceId":"i-3"}]}}})");
  EXPECT_EQ(a.row, 3u);
  EXPECT_EQ(a.identity_key,
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_1/"
            "alice@example.com");
  EXPECT_EQ(a.identity_name, "alice@example.com");
  EXPECT_EQ(a.vms_created, 3u);
  EXPECT_EQ(a.creation_region, "sa-east-1");
  EXPECT_TRUE(a.person);
  EXPECT_TRUE(a.ok);
  EXPECT_EQ(a.ip.kind, enrich::SourceKind::kPublic);
  EXPECT_EQ(a.time_us % 1000000, 0);
}

TEST(Extractor, FailedConsoleLoginForUnknownUserIsKeyedByAddress) {
  Activity a = extract(R"({"eventTime":"2026-01-02T03:04:05Z","eventID":"e2",
    "eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1",
    "recipientAccountId":"111122223333","sourceIPAddress":"45.1.1.1",
    "errorMessage":"No username found in supplied account",
    "userIdentity":{"type":"IAMUser","accountId":"111122223333","userName":"HIDDEN_DUE_TO_SECURITY_REASONS"},
    "responseElements":{"ConsoleLogin":"Failure"}})");
  EXPECT_TRUE(a.console_login);
  EXPECT_TRUE(a.console_login_failed);
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.failed_login_key, "ip:45.1.1.1");
}

TEST(Extractor, ServiceOriginatedTerminationsDoNotCountAndBucketLocation) {
  Activity asg = extract(R"({"eventTime":"2026-01-02T03:04:05Z","eventID":"e3",
    "eventSource":"ec2.amazonaws.com","eventName":"TerminateInstances","awsRegion":"us-east-1",
    "recipientAccountId":"111122223333","sourceIPAddress":"autoscaling.amazonaws.com",
    "userIdentity":{"type":"AssumedRole","invokedBy":"autoscaling.amazonaws.com",
      "arn":"arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling"},
    "requestParameters":{"instancesSet":{"items":[{"instanceId":"i-1"}]}}})");
  EXPECT_TRUE(asg.service_originated);
  EXPECT_FALSE(asg.person);
  EXPECT_EQ(asg.vms_terminated, 0u);
  Activity bucket = extract(R"({"eventTime":"2026-01-02T03:04:05Z","eventID":"e4",
    "eventSource":"s3.amazonaws.com","eventName":"CreateBucket","awsRegion":"us-east-1",
    "recipientAccountId":"111122223333","sourceIPAddress":"81.2.69.160",
    "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/bob","userName":"bob"},
    "requestParameters":{"bucketName":"b","CreateBucketConfiguration":{"LocationConstraint":"ap-south-2"}}})");
  EXPECT_EQ(bucket.creation_region, "ap-south-2");
  EXPECT_EQ(bucket.identity_key, "arn:aws:iam::111122223333:user/bob");
  Activity objects = extract(R"({"eventTime":"2026-01-02T03:04:05Z","eventID":"e5",
    "eventSource":"s3.amazonaws.com","eventName":"DeleteObjects","awsRegion":"us-east-1",
    "recipientAccountId":"111122223333","sourceIPAddress":"81.2.69.160",
    "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/bob","userName":"bob"},
    "requestParameters":{"bucketName":"b","delete":{"Object":[{"key":"a"},{"key":"b"}]}}})");
  EXPECT_EQ(objects.objects_deleted, 2u);
  Activity iam = extract(R"({"eventTime":"2026-01-02T03:04:05Z","eventID":"e6",
    "eventSource":"iam.amazonaws.com","eventName":"CreateUser","readOnly":false,
    "recipientAccountId":"111122223333","sourceIPAddress":"81.2.69.160",
    "userIdentity":{"type":"Root","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333"}})");
  EXPECT_TRUE(iam.admin_event);
  EXPECT_EQ(iam.identity_key, "root@111122223333");
  EXPECT_TRUE(iam.creation_region.empty());  // global service
}

TEST(PolicySet, ShippedFilesLoadAndUserFileOverrides) {
  std::vector<std::string> warnings;
  PolicyOptions o;
  o.builtin_dir = TRAILWARDEN_SOURCE_DIR "/rules";
  auto shipped = PolicySet::load(o, warnings);
  ASSERT_TRUE(shipped.has_value()) << shipped.error().to_string();
  EXPECT_EQ((*shipped)->get(PolicyId::kFailedLogins).floor, 5);
  EXPECT_EQ((*shipped)->get(PolicyId::kStorageDeletion).objects_floor, 1000);
  EXPECT_EQ((*shipped)->get(PolicyId::kAnonymousIp).learning_us, 0);
  EXPECT_EQ((*shipped)->get(PolicyId::kRegion).alert_window_us, int64_t{7} * 86400 * 1000000);
  EXPECT_TRUE((*shipped)->is_admin_event("kms.amazonaws.com", "PutKeyPolicy", false));
  EXPECT_FALSE((*shipped)->is_admin_event("iam.amazonaws.com", "ListUsers", true));
  EXPECT_TRUE((*shipped)->is_creation_event("CreateFunction20150331"));

  auto dir = std::filesystem::temp_directory_path() / "tw_policies_test";
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir / "p.yml");
    f << "policies:\n  impossible_travel:\n    sensitivity: low\n    scope:\n"
         "      exclude_identities: ['arn:aws:iam::*:user/ci-*']\n"
         "  aws.anomaly.unusual_admin_activity:\n    floor: 40\n    enabled: false\n";
  }
  o.user_file = (dir / "p.yml").string();
  o.sensitivity = Sensitivity::kHigh;
  auto user = PolicySet::load(o, warnings);
  ASSERT_TRUE(user.has_value()) << user.error().to_string();
  const auto& t = (*user)->get(PolicyId::kImpossibleTravel);
  EXPECT_EQ(t.sensitivity, Sensitivity::kLow);  // the file beats --sensitivity
  EXPECT_EQ((*user)->get(PolicyId::kInfrequentCountry).sensitivity, Sensitivity::kHigh);
  EXPECT_FALSE(
      (*user)->in_scope(PolicyId::kImpossibleTravel, "1", "arn:aws:iam::1:user/ci-deploy"));
  EXPECT_TRUE((*user)->in_scope(PolicyId::kImpossibleTravel, "1", "arn:aws:iam::1:user/alice"));
  EXPECT_FALSE((*user)->get(PolicyId::kAdminActivity).enabled);
  EXPECT_EQ((*user)->get(PolicyId::kAdminActivity).floor, 40);

  {
    std::ofstream f(dir / "bad.yml");
    f << "policies:\n  no_such_policy:\n    enabled: false\n";
  }
  o.user_file = (dir / "bad.yml").string();
  EXPECT_FALSE(PolicySet::load(o, warnings).has_value());
  {
    std::ofstream f(dir / "bad2.yml");
    f << "policies:\n  impossible_travel:\n    sensitivity: extreme\n";
  }
  o.user_file = (dir / "bad2.yml").string();
  EXPECT_FALSE(PolicySet::load(o, warnings).has_value());
  o.user_file.clear();
  o.disabled = true;
  auto off = PolicySet::load(o, warnings);
  ASSERT_TRUE(off.has_value());
  EXPECT_FALSE((*off)->any_enabled());
}

TEST(PolicySet, SensitivityTable) {
  auto p = PolicySet::defaults(Sensitivity::kHigh);
  const auto& s = p->get(PolicyId::kFailedLogins);
  EXPECT_DOUBLE_EQ(s.percentile(), 0.95);
  EXPECT_DOUBLE_EQ(s.effective_floor(5), 2.5);
  EXPECT_DOUBLE_EQ(s.effective_floor(3), 2);
  EXPECT_DOUBLE_EQ(s.min_travel_km(), 300);
  auto low = PolicySet::defaults(Sensitivity::kLow);
  EXPECT_DOUBLE_EQ(low->get(PolicyId::kAdminActivity).effective_floor(20), 40);
  EXPECT_DOUBLE_EQ(low->get(PolicyId::kAdminActivity).percentile(), 0.999);
}

}  // namespace
}  // namespace trailwarden::anomaly
