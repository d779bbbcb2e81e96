#include "detect/derived/record_fields.h"

#include <gtest/gtest.h>

#include "detect/derived/derived_test_util.h"

namespace trailwarden::detect::derived {
namespace {

using trailwarden::detect::testing::Json;

template <typename F>
auto on(std::string_view record, F f) {
  Json json(record);
  return f(json.root());
}

TEST(Outcome, OkOnlyWhenBothErrorFieldsAreAbsentOrEmpty) {
  EXPECT_TRUE(on(R"({"eventName":"X"})", outcome_ok));
  EXPECT_TRUE(on(R"({"errorCode":"","errorMessage":null})", outcome_ok));
  EXPECT_FALSE(on(R"({"errorCode":"AccessDenied"})", outcome_ok));
  // A failed console sign-in carries only errorMessage.
  EXPECT_FALSE(on(R"({"errorMessage":"Failed authentication",
                     "responseElements":{"ConsoleLogin":"Failure"}})",
                  outcome_ok));
  EXPECT_FALSE(on(R"({"errorCode":42})", outcome_ok));
}

TEST(ServiceOriginated, AddressNameInvokedByOrServiceType) {
  EXPECT_FALSE(on(R"({"sourceIPAddress":"203.0.113.9","userIdentity":{"type":"IAMUser"}})",
                  service_originated));
  EXPECT_FALSE(on(R"({"sourceIPAddress":"2001:db8::1"})", service_originated));
  EXPECT_TRUE(on(R"({"sourceIPAddress":"ec2.amazonaws.com"})", service_originated));
  EXPECT_TRUE(on(R"({"sourceIPAddress":"AWS Internal"})", service_originated));
  EXPECT_TRUE(on(
      R"({"sourceIPAddress":"203.0.113.9","userIdentity":{"invokedBy":"cloudformation.amazonaws.com"}})",
      service_originated));
  EXPECT_TRUE(on(R"({"sourceIPAddress":"203.0.113.9","userIdentity":{"type":"AWSService"}})",
                 service_originated));
  EXPECT_FALSE(on(R"({"userIdentity":{"type":"IAMUser"}})", service_originated));
}

TEST(CallerExternal, ComparesAccountIds) {
  EXPECT_TRUE(on(R"({"userIdentity":{"accountId":"ANONYMOUS_PRINCIPAL"}})", caller_external));
  EXPECT_TRUE(
      on(R"({"userIdentity":{"accountId":"999988887777"},"recipientAccountId":"111122223333"})",
         caller_external));
  EXPECT_FALSE(on(
      R"({"userIdentity":{"accountId":"111122223333","accessKeyId":"AKIAX"},"recipientAccountId":"111122223333"})",
      caller_external));
  EXPECT_FALSE(on(R"({"userIdentity":{"type":"AWSService"},"recipientAccountId":"111122223333"})",
                  caller_external));
  EXPECT_FALSE(on(R"({"userIdentity":{"accountId":"111122223333"}})", caller_external));
}

TEST(CliCommand, ExtractedWithAndWithoutPromptOff) {
  EXPECT_EQ(cli_command("aws-cli/2.2.5 Python/3.8.8 Linux/5.4.0 exe/x86_64.ubuntu.20 prompt/off "
                        "command/iam.list-users"),
            "iam.list-users");
  // Fix: the reference split on "off command/" and needed prompt/off.
  EXPECT_EQ(cli_command("aws-cli/1.18.69 Python/3.8.5 Linux/5.4.0 botocore/1.17.52 "
                        "command/ec2.describe-vpcs"),
            "ec2.describe-vpcs");
  EXPECT_EQ(cli_command("aws-cli/2.17.32 md/awscrt#0.21.2 ua/2.0 os/linux md/prompt#off "
                        "md/command#s3api.put-bucket-policy"),
            "s3api.put-bucket-policy");
  EXPECT_EQ(cli_command("[aws-cli/2.13.0 Python/3.11.4 Darwin/22.5.0 source/arm64 prompt/off "
                        "command/s3.cp]"),
            "s3.cp");
  EXPECT_EQ(cli_command("aws-cli/2.9.0 command/kms.list-keys#extra"), "kms.list-keys");
}

TEST(CliCommand, AbsentOtherwise) {
  EXPECT_FALSE(cli_command("Boto3/1.26.0 Python/3.10 command/iam.list-users"));
  EXPECT_FALSE(cli_command("console.amazonaws.com"));
  EXPECT_FALSE(cli_command("aws-cli/2.2.5 Python/3.8.8 prompt/off"));
  EXPECT_FALSE(cli_command("aws-cli/2.2.5 command/IAM.LIST-USERS"));
  EXPECT_FALSE(cli_command("aws-cli/2.2.5 command/iam"));
  EXPECT_FALSE(cli_command("aws-cli/2.2.5 command/.list-users"));
  EXPECT_FALSE(cli_command(""));
}

TEST(LambdaName, ApiVersionSuffixIsStripped) {
  EXPECT_EQ(strip_api_version("CreateFunction20150331"), "CreateFunction");
  EXPECT_EQ(strip_api_version("UpdateFunctionCode20150331v2"), "UpdateFunctionCode");
  EXPECT_EQ(strip_api_version("PutFunctionConcurrency20171031"), "PutFunctionConcurrency");
  EXPECT_EQ(strip_api_version("Invoke"), "Invoke");
  EXPECT_EQ(strip_api_version("GetObject2"), "GetObject2");
  EXPECT_EQ(strip_api_version("20150331"), "20150331");
  EXPECT_EQ(strip_api_version("Name1234567v2"), "Name1234567v2");
  EXPECT_EQ(strip_api_version("Thing120150331"), "Thing120150331");  // 9 digits: not a date
}

TEST(ManagedPolicy, NameLowerCasedAndAwsManagedInAnyPartition) {
  auto p =
      on(R"({"requestParameters":{"policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}})",
         managed_policy);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "administratoraccess");
  EXPECT_TRUE(p->aws_managed);
  auto gov = on(
      R"({"requestParameters":{"policyArn":"arn:aws-us-gov:iam::aws:policy/job-function/NetworkAdministrator"}})",
      managed_policy);
  ASSERT_TRUE(gov);
  EXPECT_EQ(gov->name, "networkadministrator");
  EXPECT_TRUE(gov->aws_managed);
  auto own = on(
      R"({"requestParameters":{"policyArn":"arn:aws:iam::111122223333:policy/team/AdministratorAccess"}})",
      managed_policy);
  ASSERT_TRUE(own);
  EXPECT_EQ(own->name, "administratoraccess");
  EXPECT_FALSE(own->aws_managed);
  EXPECT_FALSE(
      on(R"({"requestParameters":{"policyArn":"arn:aws:iam::aws:role/x"}})", managed_policy)
          ->aws_managed);
  EXPECT_FALSE(on(R"({"requestParameters":{"roleName":"r"}})", managed_policy));
  // CreatePolicy: the ARN only in the response; the request's ARN wins when both are present.
  auto created =
      on(R"({"responseElements":{"policy":{"arn":"arn:aws:iam::111122223333:policy/ops/Deploy"}}})",
         managed_policy);
  ASSERT_TRUE(created);
  EXPECT_EQ(created->arn, "arn:aws:iam::111122223333:policy/ops/Deploy");
  EXPECT_EQ(created->name, "deploy");
  auto both = on(
      R"({"requestParameters":{"policyArn":"arn:aws:iam::111122223333:policy/A"},"responseElements":{"policy":{"arn":"arn:aws:iam::111122223333:policy/B"}}})",
      managed_policy);
  ASSERT_TRUE(both);
  EXPECT_EQ(both->arn, "arn:aws:iam::111122223333:policy/A");
}

TEST(ForeignResourceAccount, SomeOwnerDiffersFromRecipient) {
  EXPECT_TRUE(on(R"({"recipientAccountId":"111122223333","resources":[
      {"ARN":"arn:aws:s3:::mine","accountId":"111122223333"},
      {"ARN":"arn:aws:s3:::theirs/out.txt","accountId":"999988887777"}]})",
                 foreign_resource_account));
  EXPECT_FALSE(on(R"({"recipientAccountId":"111122223333","resources":[
      {"ARN":"arn:aws:s3:::mine","accountId":"111122223333"},{"ARN":"arn:aws:s3:::x"}]})",
                  foreign_resource_account));
  EXPECT_FALSE(on(R"({"resources":[{"accountId":"999988887777"}]})", foreign_resource_account));
}

TEST(S3PublicAcl, GrantObjectOrArrayToPublicGroups) {
  auto array = on(
      R"({"requestParameters":{"bucketName":"b","AccessControlPolicy":{"AccessControlList":{"Grant":[
      {"Grantee":{"xsi:type":"CanonicalUser","ID":"abc"},"Permission":"FULL_CONTROL"},
      {"Grantee":{"xsi:type":"Group","URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"READ"}]}}}})",
      s3_public_acl);
  EXPECT_TRUE(array.public_acl);
  EXPECT_EQ(array.reason, "grant READ to AllUsers");
  auto object = on(R"({"requestParameters":{"AccessControlPolicy":{"AccessControlList":{"Grant":
      {"Grantee":{"xsi:type":"Group","URI":"http://acs.amazonaws.com/groups/global/AuthenticatedUsers"},"Permission":"WRITE"}}}}})",
                   s3_public_acl);
  EXPECT_TRUE(object.public_acl);
  EXPECT_EQ(object.reason, "grant WRITE to AuthenticatedUsers");
  EXPECT_FALSE(on(R"({"requestParameters":{"AccessControlPolicy":{"AccessControlList":{"Grant":[
      {"Grantee":{"xsi:type":"CanonicalUser","ID":"abc"},"Permission":"FULL_CONTROL"},
      {"Grantee":{"xsi:type":"Group","URI":"http://acs.amazonaws.com/groups/s3/LogDelivery"},"Permission":"WRITE"}]}}}})",
                  s3_public_acl)
                   .public_acl);
}

TEST(S3PublicAcl, CannedAclAsStringOrArray) {
  // Fix: the reference tested the canned ACL (an array in CloudTrail) as a scalar.
  auto array = on(R"({"requestParameters":{"x-amz-acl":["public-read"]}})", s3_public_acl);
  EXPECT_TRUE(array.public_acl);
  EXPECT_EQ(array.reason, "x-amz-acl public-read");
  EXPECT_TRUE(
      on(R"({"requestParameters":{"x-amz-acl":"PUBLIC-READ-WRITE"}})", s3_public_acl).public_acl);
  EXPECT_TRUE(on(R"({"requestParameters":{"x-amz-acl":["authenticated-read"]}})", s3_public_acl)
                  .public_acl);
  EXPECT_FALSE(on(R"({"requestParameters":{"x-amz-acl":["private"]}})", s3_public_acl).public_acl);
  EXPECT_FALSE(
      on(R"({"requestParameters":{"x-amz-acl":"bucket-owner-full-control"}})", s3_public_acl)
          .public_acl);
}

TEST(S3PublicAcl, GrantHeadersNamingPublicGroups) {
  auto h = on(
      R"({"requestParameters":{"x-amz-grant-read":"uri=\"http://acs.amazonaws.com/groups/global/AllUsers\""}})",
      s3_public_acl);
  EXPECT_TRUE(h.public_acl);
  EXPECT_EQ(h.reason, "x-amz-grant-read names AllUsers");
  EXPECT_TRUE(
      on(R"({"requestParameters":{"x-amz-grant-full-control":["id=abc, uri=http://acs.amazonaws.com/groups/global/AuthenticatedUsers"]}})",
         s3_public_acl)
          .public_acl);
  EXPECT_FALSE(
      on(R"({"requestParameters":{"x-amz-grant-read":"id=\"abc\""}})", s3_public_acl).public_acl);
}

TEST(S3PublicAccessBlock, AnyFlagFalseOrOmitted) {
  EXPECT_FALSE(on(R"({"requestParameters":{"PublicAccessBlockConfiguration":{"BlockPublicAcls":true,
      "IgnorePublicAcls":true,"BlockPublicPolicy":"true","RestrictPublicBuckets":true}}})",
                  public_access_block_disabled));
  EXPECT_TRUE(on(R"({"requestParameters":{"PublicAccessBlockConfiguration":{"BlockPublicAcls":true,
      "IgnorePublicAcls":true,"BlockPublicPolicy":false,"RestrictPublicBuckets":true}}})",
                 public_access_block_disabled));
  EXPECT_TRUE(
      on(R"({"requestParameters":{"PublicAccessBlockConfiguration":{"BlockPublicAcls":"false",
      "IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}}})",
         public_access_block_disabled));
  EXPECT_TRUE(on(R"({"requestParameters":{"PublicAccessBlockConfiguration":{"BlockPublicAcls":true,
      "IgnorePublicAcls":true,"BlockPublicPolicy":true}}})",
                 public_access_block_disabled));
  EXPECT_FALSE(on(R"({"requestParameters":{"bucketName":"b"}})", public_access_block_disabled));
}

TEST(NaclAllPorts, ProtocolMinusOneOrAWideRange) {
  // Fix: the reference required protocol -1 and a wide range together.
  EXPECT_TRUE(
      on(R"({"requestParameters":{"aclProtocol":"-1","ruleAction":"allow","egress":false}})",
         nacl_all_ports));
  EXPECT_TRUE(on(R"({"requestParameters":{"aclProtocol":-1}})", nacl_all_ports));
  EXPECT_TRUE(on(R"({"requestParameters":{"aclProtocol":"6","portRange":{"from":0,"to":65535}}})",
                 nacl_all_ports));
  EXPECT_TRUE(
      on(R"({"requestParameters":{"aclProtocol":"6","portRange":{"from":"1000","to":"3000"}}})",
         nacl_all_ports));
  EXPECT_FALSE(
      on(R"({"requestParameters":{"aclProtocol":"6","portRange":{"from":1000,"to":2024}}})",
         nacl_all_ports));
  EXPECT_FALSE(on(R"({"requestParameters":{"aclProtocol":"17","portRange":{"from":53,"to":53}}})",
                  nacl_all_ports));
  EXPECT_FALSE(on(R"({"requestParameters":{"aclProtocol":"6"}})", nacl_all_ports));
}

TEST(TrailWeakened, UpdateTrailTurningOffAFlag) {
  EXPECT_TRUE(on(
      R"({"eventName":"UpdateTrail","requestParameters":{"name":"t","enableLogFileValidation":false}})",
      trail_weakened));
  EXPECT_TRUE(on(
      R"({"eventName":"UpdateTrail","requestParameters":{"name":"t","isMultiRegionTrail":"false"}})",
      trail_weakened));
  EXPECT_TRUE(
      on(R"({"eventName":"UpdateTrail","requestParameters":{"includeGlobalServiceEvents":false}})",
         trail_weakened));
  EXPECT_FALSE(on(
      R"({"eventName":"UpdateTrail","requestParameters":{"name":"t","enableLogFileValidation":true,
      "s3BucketName":"logs"}})",
      trail_weakened));
  EXPECT_FALSE(on(R"({"eventName":"CreateTrail","requestParameters":{"isMultiRegionTrail":false}})",
                  trail_weakened));
}

TEST(TrailWeakened, PutEventSelectorsLeavingNoManagementEvents) {
  EXPECT_TRUE(on(R"({"eventName":"PutEventSelectors","requestParameters":{"trailName":"t",
      "eventSelectors":[{"readWriteType":"All","includeManagementEvents":false,"dataResources":[]}]}})",
                 trail_weakened));
  EXPECT_FALSE(on(R"({"eventName":"PutEventSelectors","requestParameters":{"trailName":"t",
      "eventSelectors":[{"readWriteType":"All","includeManagementEvents":true,"dataResources":[]}]}})",
                  trail_weakened));
  // Omitted means true in the API.
  EXPECT_FALSE(on(
      R"({"eventName":"PutEventSelectors","requestParameters":{"eventSelectors":[{"readWriteType":"All"}]}})",
      trail_weakened));
  EXPECT_TRUE(on(R"({"eventName":"PutEventSelectors","requestParameters":{"advancedEventSelectors":[
      {"name":"data only","fieldSelectors":[{"field":"eventCategory","equals":["Data"]},
      {"field":"resources.type","equals":["AWS::S3::Object"]}]}]}})",
                 trail_weakened));
  EXPECT_FALSE(
      on(R"({"eventName":"PutEventSelectors","requestParameters":{"AdvancedEventSelectors":[
      {"Name":"mgmt","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]}]}})",
         trail_weakened));
}

TEST(UserData, AnyDepthUnderRequestParameters) {
  EXPECT_TRUE(
      on(R"({"requestParameters":{"instanceId":"i-1","userData":"<sensitiveDataRemoved>"}})",
         user_data_present));
  EXPECT_TRUE(
      on(R"({"requestParameters":{"CreateLaunchTemplateVersionRequest":{"LaunchTemplateData":
      {"ImageId":"ami-1","UserData":"<sensitiveDataRemoved>"}}}})",
         user_data_present));
  EXPECT_FALSE(on(
      R"({"requestParameters":{"CreateLaunchTemplateRequest":{"LaunchTemplateData":{"ImageId":"ami-1"}}}})",
      user_data_present));
  EXPECT_FALSE(on(R"({"requestParameters":{"userData":null}})", user_data_present));
}

}  // namespace
}  // namespace trailwarden::detect::derived
