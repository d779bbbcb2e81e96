#include "detect/derived/identity.h"

#include <gtest/gtest.h>

#include "detect/derived/derived_test_util.h"

namespace trailwarden::detect {
namespace {

using testing::Json;

IdentityInfo of(std::string_view record) {
  Json json(record);
  return identity_of(json.root());
}

TEST(Identity, IamUserByUserName) {
  auto id = of(R"({"userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE",
      "arn":"arn:aws:iam::111122223333:user/ops/anaya","accountId":"111122223333",
      "accessKeyId":"AKIAEXAMPLE","userName":"anaya"}})");
  EXPECT_EQ(id.name, "anaya");
  EXPECT_EQ(id.name_source, "user");
  EXPECT_EQ(id.upn_suffix, "");
  EXPECT_EQ(id.type, "IAMUser");
  EXPECT_EQ(id.arn, "arn:aws:iam::111122223333:user/ops/anaya");
  EXPECT_EQ(id.principal_id, "AIDAEXAMPLE");
  EXPECT_EQ(id.account, "111122223333");
  EXPECT_EQ(id.access_key_id, "AKIAEXAMPLE");
}

TEST(Identity, UserArnWithPathWithoutUserName) {
  auto id = of(
      R"({"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/ops/team/bob"}})");
  EXPECT_EQ(id.name, "bob");
  EXPECT_EQ(id.name_source, "arn");
}

TEST(Identity, RootIsTheTextAfterTheLastColon) {
  auto id = of(R"({"userIdentity":{"type":"Root","principalId":"111122223333",
      "arn":"arn:aws:iam::111122223333:root","accountId":"111122223333"}})");
  EXPECT_EQ(id.name, "root");
  EXPECT_EQ(id.name_source, "arn");
}

TEST(Identity, AssumedRoleWithEmailSessionNameIsSplit) {
  auto id = of(R"({"userIdentity":{"type":"AssumedRole",
      "principalId":"AROAEXAMPLE:alice@example.com",
      "arn":"arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123/alice@example.com",
      "accountId":"111122223333","accessKeyId":"ASIAEXAMPLE",
      "sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123","userName":"AWSReservedSSO_Admin_0123"},
      "attributes":{"mfaAuthenticated":"false"}}}})");
  EXPECT_EQ(id.name, "alice");
  EXPECT_EQ(id.upn_suffix, "example.com");
  EXPECT_EQ(id.name_source, "arn");
  EXPECT_EQ(
      id.session_issuer_arn,
      "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123");
}

TEST(Identity, FederatedUser) {
  auto id = of(R"({"userIdentity":{"type":"FederatedUser","principalId":"111122223333:Bob",
      "arn":"arn:aws:sts::111122223333:federated-user/Bob","accountId":"111122223333"}})");
  EXPECT_EQ(id.name, "Bob");
  EXPECT_EQ(id.name_source, "arn");
}

TEST(Identity, AwsServiceFallsBackToInvokedBy) {
  auto id = of(R"({"userIdentity":{"type":"AWSService","invokedBy":"ec2.amazonaws.com"}})");
  EXPECT_EQ(id.name, "ec2.amazonaws.com");
  EXPECT_EQ(id.name_source, "invokedBy");
  EXPECT_EQ(id.invoked_by, "ec2.amazonaws.com");
}

TEST(Identity, MissingArnUsesTheFirstResourceArnBeforeInvokedBy) {
  auto id = of(R"({"userIdentity":{"type":"AWSService","invokedBy":"cloudtrail.amazonaws.com"},
      "resources":[{"type":"AWS::KMS::Key","accountId":"111122223333"},
                   {"ARN":"arn:aws:kms:us-east-1:111122223333:key/abcd","accountId":"111122223333"}]})");
  EXPECT_EQ(id.name, "arn:aws:kms:us-east-1:111122223333:key/abcd");
  EXPECT_EQ(id.name_source, "resource");
}

TEST(Identity, AnonymousByAccountOrPrincipal) {
  auto s3 = of(
      R"({"userIdentity":{"type":"AWSAccount","principalId":"","accountId":"ANONYMOUS_PRINCIPAL"},
      "resources":[{"ARN":"arn:aws:s3:::bucket/key"}]})");
  EXPECT_EQ(s3.name, "Anonymous");
  EXPECT_EQ(s3.name_source, "anonymous");
  auto principal =
      of(R"({"userIdentity":{"type":"Unknown","principalId":"Anonymous","userName":"x"}})");
  EXPECT_EQ(principal.name, "Anonymous");
  EXPECT_EQ(principal.name_source, "anonymous");
}

TEST(Identity, NothingKnownIsUnknown) {
  auto none = of(R"({"eventName":"X"})");
  EXPECT_EQ(none.name, "unknown");
  EXPECT_EQ(none.name_source, "unknown");
  auto empty_arn_segment = of(R"({"userIdentity":{"arn":"arn:aws:iam::1:user/"}})");
  EXPECT_EQ(empty_arn_segment.name_source, "unknown");
}

TEST(Identity, UserNameWithAtIsSplitToo) {
  auto id = of(R"({"userIdentity":{"type":"IdentityCenterUser","userName":"carol@corp.example"}})");
  EXPECT_EQ(id.name, "carol");
  EXPECT_EQ(id.upn_suffix, "corp.example");
  EXPECT_EQ(id.name_source, "user");
}

TEST(Identity, JsonHasEveryMemberEscaped) {
  auto id = of(R"({"userIdentity":{"type":"IAMUser","userName":"e\"vil\n"}})");
  std::string out;
  append_identity_json(id, out);
  Json json(out);
  std::string_view name, arn;
  ASSERT_EQ(json.root()["name"].get(name), simdjson::SUCCESS) << out;
  EXPECT_EQ(name, "e\"vil\n");
  ASSERT_EQ(json.root()["arn"].get(arn), simdjson::SUCCESS);
  EXPECT_EQ(arn, "");
  for (const char* key : {"upn_suffix", "name_source", "type", "principal_id", "account",
                          "access_key_id", "session_issuer_arn", "invoked_by"}) {
    std::string_view v;
    EXPECT_EQ(json.root()[key].get(v), simdjson::SUCCESS) << key;
  }
}

}  // namespace
}  // namespace trailwarden::detect
