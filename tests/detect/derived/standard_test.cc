#include "detect/derived/standard.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "detect/derived/derived_test_util.h"
#include "test_util.h"

namespace trailwarden::detect {
namespace {

using testing::Json;
using testing::shipped_data_dir;
using testing::shipped_fields;

std::string compute(std::string_view group, std::string_view record) {
  Json json(record);
  std::string out = "stale";
  EXPECT_TRUE(shipped_fields().compute(group, json.root(), out)) << group;
  return out;
}

constexpr std::string_view kRecord = R"({
  "eventVersion":"1.08","eventTime":"2024-01-15T00:04:35Z","eventSource":"iam.amazonaws.com",
  "eventName":"PutUserPolicy","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7",
  "userAgent":"aws-cli/2.2.5 Python/3.8.8 Linux/5.4.0 prompt/off command/iam.put-user-policy",
  "userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/mallory",
    "accountId":"111122223333","accessKeyId":"AKIAEXAMPLE","userName":"mallory"},
  "requestParameters":{"userName":"bob","policyName":"p",
    "policyDocument":"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"},
  "responseElements":null,"eventID":"e1","recipientAccountId":"111122223333"})";

TEST(StandardDerivedFields, EveryListedGroupAnswersWithValidJson) {
  ASSERT_GE(StandardDerivedFields::groups().size(), 13u);
  for (const auto& g : StandardDerivedFields::groups()) {
    std::string out = compute(g.name, kRecord);
    Json parsed(out);  // fails the test when not JSON
    EXPECT_FALSE(g.definition.empty()) << g.name;
  }
}

TEST(StandardDerivedFields, UnknownGroupIsFalse) {
  Json json(kRecord);
  std::string out;
  EXPECT_FALSE(shipped_fields().compute("no_such_group", json.root(), out));
  EXPECT_FALSE(shipped_fields().compute("", json.root(), out));
}

TEST(StandardDerivedFields, ScalarGroups) {
  EXPECT_EQ(compute("outcome", kRecord), "\"ok\"");
  EXPECT_EQ(compute("outcome", R"({"errorMessage":"Failed authentication"})"), "\"fail\"");
  EXPECT_EQ(compute("service_originated", kRecord), "false");
  EXPECT_EQ(compute("caller_external", kRecord), "false");
  EXPECT_EQ(compute("cli_command", kRecord), "\"iam.put-user-policy\"");
  EXPECT_EQ(compute("cli_command", R"({"userAgent":"console.amazonaws.com"})"), "null");
  EXPECT_EQ(compute("lambda_name", R"({"eventName":"UpdateFunctionCode20150331v2"})"),
            "\"UpdateFunctionCode\"");
  EXPECT_EQ(compute("lambda_name", R"({})"), "null");
  EXPECT_EQ(compute("trail_weakened", kRecord), "false");
  EXPECT_EQ(compute("user_data", kRecord), "false");
  EXPECT_EQ(compute("foreign_resource_account", kRecord), "false");
}

TEST(StandardDerivedFields, CliReconUsesTheShippedList) {
  EXPECT_EQ(compute("cli_recon",
                    R"({"userAgent":"aws-cli/2.9 prompt/off command/iam.list-access-keys"})"),
            "true");
  EXPECT_EQ(compute("cli_recon", R"({"userAgent":"aws-cli/2.9 md/command#iam.get-user"})"), "true");
  EXPECT_EQ(compute("cli_recon", R"({"userAgent":"aws-cli/2.9 command/iam.create-user"})"),
            "false");
  EXPECT_EQ(compute("cli_recon", R"({"userAgent":"Boto3 command/iam.list-users"})"), "false");
  EXPECT_EQ(shipped_fields().cli_recon_commands().size(), 19u);
}

TEST(StandardDerivedFields, ObjectGroups) {
  Json policy(compute("policy", kRecord));
  bool full_admin = false;
  EXPECT_EQ(policy.root()["full_admin"].get(full_admin), simdjson::SUCCESS);
  EXPECT_TRUE(full_admin);

  Json identity(compute("identity", kRecord));
  std::string_view name;
  EXPECT_EQ(identity.root()["name"].get(name), simdjson::SUCCESS);
  EXPECT_EQ(name, "mallory");

  Json ip(compute("ip", kRecord));
  bool is_ip = false, is_private = true;
  int64_t version = 0;
  EXPECT_EQ(ip.root()["is_ip"].get(is_ip), simdjson::SUCCESS);
  EXPECT_TRUE(is_ip);
  EXPECT_EQ(ip.root()["version"].get(version), simdjson::SUCCESS);
  EXPECT_EQ(version, 4);
  EXPECT_EQ(ip.root()["private"].get(is_private), simdjson::SUCCESS);
  EXPECT_TRUE(is_private);  // 198.51.100.0/24 is documentation space
  EXPECT_EQ(compute("ip", R"({"sourceIPAddress":"ec2.amazonaws.com"})"), R"({"is_ip":false})");

  Json s3(compute("s3", R"({"requestParameters":{"x-amz-acl":["public-read"]}})"));
  bool public_acl = false;
  std::string_view reason;
  EXPECT_EQ(s3.root()["public_acl"].get(public_acl), simdjson::SUCCESS);
  EXPECT_TRUE(public_acl);
  EXPECT_EQ(s3.root()["public_acl_reason"].get(reason), simdjson::SUCCESS);
  EXPECT_EQ(reason, "x-amz-acl public-read");
  EXPECT_EQ(compute("s3", R"({"requestParameters":{"x-amz-acl":["private"]}})"),
            R"({"public_acl":false,"pab_disabled":false})");

  EXPECT_EQ(
      compute(
          "managed_policy",
          R"({"requestParameters":{"policyArn":"arn:aws:iam::aws:policy/AdministratorAccess-Amplify"}})"),
      R"({"arn":"arn:aws:iam::aws:policy/AdministratorAccess-Amplify","name":"administratoraccess-amplify","aws_managed":true})");
  EXPECT_EQ(compute("managed_policy", kRecord), "null");
  EXPECT_EQ(compute("nacl", R"({"requestParameters":{"aclProtocol":"-1"}})"),
            R"({"all_ports":true})");
}

class FlagAnnotator : public IpAnnotator {
 public:
  void append_members(const IpAddress& ip, std::string& out) const override {
    out += ",\"tor_exit\":";
    out += ip.bytes[0] == 198 ? "true" : "false";
  }
};

TEST(StandardDerivedFields, IpAnnotatorsAddMembers) {
  auto loaded = StandardDerivedFields::load(shipped_data_dir());
  ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
  (*loaded)->add_ip_annotator(std::make_shared<FlagAnnotator>());
  Json record(kRecord);
  std::string out;
  ASSERT_TRUE((*loaded)->compute("ip", record.root(), out));
  Json ip(out);
  bool tor = false;
  EXPECT_EQ(ip.root()["tor_exit"].get(tor), simdjson::SUCCESS) << out;
  EXPECT_TRUE(tor);
}

TEST(StandardDerivedFields, LoadErrorsNameTheFileAndLine) {
  trailwarden::testing::TempDir dir;
  auto missing = StandardDerivedFields::load(dir.str());
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().context.find("policy_capabilities.yaml"), std::string::npos);

  dir.write("policy_capabilities.yaml",
            "capabilities:\n  - name: ssm\n    when: G(ssm:SendCommand)\n");
  auto no_list = StandardDerivedFields::load(dir.str());
  ASSERT_FALSE(no_list.has_value());
  EXPECT_NE(no_list.error().context.find("cli_recon_commands.txt"), std::string::npos);

  dir.write("cli_recon_commands.txt", "# comment\n\niam.list-users\nIAM.ListUsers\n");
  auto bad = StandardDerivedFields::load(dir.str());
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("cli_recon_commands.txt:4"), std::string::npos)
      << bad.error().message;

  dir.write("cli_recon_commands.txt", "iam.list-users\r\n  kms.list-keys  \n");
  auto ok = StandardDerivedFields::load(dir.str() + "/");
  ASSERT_TRUE(ok.has_value()) << ok.error().to_string();
  EXPECT_EQ((*ok)->cli_recon_commands(),
            (std::vector<std::string>{"iam.list-users", "kms.list-keys"}));
  EXPECT_EQ((*ok)->capabilities().size(), 1u);
}

TEST(StandardDerivedFields, DocsTableListsExactlyTheGroups) {
  std::ifstream in(std::string(TRAILWARDEN_SOURCE_DIR) + "/docs/rules.md");
  ASSERT_TRUE(in);
  std::stringstream text;
  text << in.rdbuf();
  std::string docs = text.str();
  for (const auto& g : StandardDerivedFields::groups()) {
    EXPECT_NE(docs.find("| `tw." + std::string(g.name)), std::string::npos)
        << "docs/rules.md has no table row for tw." << g.name;
  }
  // And no row for a group the code does not answer.
  Json record(kRecord);
  size_t pos = 0;
  while ((pos = docs.find("| `tw.", pos)) != std::string::npos) {
    pos += 6;
    size_t end = docs.find_first_of(".` ", pos);
    std::string group = docs.substr(pos, end - pos);
    std::string out;
    EXPECT_TRUE(shipped_fields().compute(group, record.root(), out))
        << "docs/rules.md lists tw." << group << " which compute() does not answer";
  }
}

}  // namespace
}  // namespace trailwarden::detect
