#include "detect/derived/policy.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "detect/derived/derived_test_util.h"

namespace trailwarden::detect::derived {
namespace {

using trailwarden::detect::testing::Json;
using trailwarden::detect::testing::shipped_fields;

// What a document evaluates to under the shipped capabilities.
struct Outcome {
  bool present = false;
  std::string error;
  std::set<std::string> capabilities;
  PolicyVerdict verdict;
  std::string json;  // the tw.policy object
};

Outcome summarise(const PolicyDocument& doc) {
  const auto& caps = shipped_fields().capabilities();
  Outcome o;
  o.present = doc.present;
  o.error = doc.error;
  evaluate_policy(doc, caps, o.verdict);
  for (size_t i = 0; i < caps.size(); ++i) {
    if (o.verdict.capabilities[i]) o.capabilities.insert(caps[i].name);
  }
  append_policy_json(doc, o.verdict, caps, o.json);
  return o;
}

Outcome of_text(std::string_view text) {
  PolicyDocument doc;
  parse_policy_text(text, doc);
  return summarise(doc);
}

Outcome of_record(std::string_view record) {
  Json rec(record);
  PolicyDocument doc;
  read_policy(rec.root(), doc);
  return summarise(doc);
}

// A policy with one Allow statement on every resource.
std::string allow(std::string_view actions) {
  return std::string(R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":)") +
         std::string(actions) + R"(,"Resource":"*"}})";
}

const std::set<std::string> kAllTwelve = {
    "crud_iam",       "crud_kms",     "crud_s3", "crud_dynamodb", "crud_lambda", "ec2",
    "cloudformation", "datapipeline", "glue",    "lambda",        "ssm",         "full_admin"};

TEST(PolicyCapabilities, ShippedFileHasTheTwelveOfTheCatalogue) {
  std::set<std::string> names;
  for (const auto& c : shipped_fields().capabilities()) names.insert(c.name);
  EXPECT_EQ(names, kAllTwelve);
}

TEST(PolicyCapabilities, StringAndArrayActionAreTheSame) {
  auto a = of_text(allow(R"("ssm:SendCommand")"));
  auto b = of_text(allow(R"(["ssm:SendCommand"])"));
  EXPECT_EQ(a.capabilities, std::set<std::string>{"ssm"});
  EXPECT_EQ(b.capabilities, a.capabilities);
  EXPECT_EQ(of_text(allow(R"(["ssm:CreateAssociation"])")).capabilities,
            std::set<std::string>{"ssm"});
  EXPECT_TRUE(of_text(allow(R"(["ssm:GetParameter"])")).capabilities.empty());
}

TEST(PolicyCapabilities, ObjectAndArrayStatementAreTheSame) {
  auto object = of_text(
      R"({"Statement":{"Effect":"Allow","Action":["iam:PassRole","ec2:RunInstances"],"Resource":"*"}})");
  auto array = of_text(
      R"({"Statement":[{"Effect":"Allow","Action":["iam:PassRole","ec2:RunInstances"],"Resource":["*"]}]})");
  EXPECT_EQ(object.capabilities, std::set<std::string>{"ec2"});
  EXPECT_EQ(array.capabilities, object.capabilities);
}

TEST(PolicyCapabilities, WildcardPatternsGrant) {
  // iam:Pass* grants iam:PassRole (the reference's substring test missed it).
  EXPECT_EQ(of_text(allow(R"(["iam:Pass*","ec2:RunInstances"])")).capabilities,
            std::set<std::string>{"ec2"});
  EXPECT_EQ(of_text(allow(R"(["iam:P?ssRole","ec2:Run*"])")).capabilities,
            std::set<std::string>{"ec2"});
  // `*` grants every capability.
  auto star = of_text(allow(R"("*")"));
  EXPECT_EQ(star.capabilities, kAllTwelve);
  EXPECT_TRUE(star.verdict.full_admin);
  EXPECT_TRUE(star.verdict.wildcard_action);
  EXPECT_EQ(of_text(allow(R"("*:*")")).capabilities, kAllTwelve);
  // iam:* gives CRUD on IAM only.
  EXPECT_EQ(of_text(allow(R"("iam:*")")).capabilities, std::set<std::string>{"crud_iam"});
  EXPECT_FALSE(of_text(allow(R"("iam:*")")).verdict.full_admin);
}

TEST(PolicyCapabilities, GrantsPrefixAcceptsEveryPatternThatCanMatch) {
  // crud_iam: P(iam:Create) ∧ (P(iam:Get) ∨ P(iam:List)) ∧ P(iam:Update) ∧ P(iam:Delete)
  EXPECT_TRUE(
      of_text(allow(R"(["iam:CreateUser","iam:ListUsers","iam:UpdateUser","iam:DeleteUser"])"))
          .capabilities.contains("crud_iam"));
  EXPECT_TRUE(of_text(allow(R"(["iam:Cr*","iam:Get*","iam:Upd*","iam:Del*"])"))
                  .capabilities.contains("crud_iam"));
  // Without any Delete action there is no CRUD.
  EXPECT_FALSE(of_text(allow(R"(["iam:Create*","iam:Get*","iam:Update*"])"))
                   .capabilities.contains("crud_iam"));
}

TEST(PolicyCapabilities, SplitStatementsStillCombine) {
  auto split = of_text(R"({"Statement":[
      {"Effect":"Allow","Action":"iam:PassRole","Resource":"*"},
      {"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}]})");
  EXPECT_EQ(split.capabilities, std::set<std::string>{"ec2"});
  auto crud = of_text(R"({"Statement":[
      {"Effect":"Allow","Action":"iam:CreateRole","Resource":"*"},
      {"Effect":"Allow","Action":"iam:GetRole","Resource":"*"},
      {"Effect":"Allow","Action":"iam:UpdateRole","Resource":"*"},
      {"Effect":"Allow","Action":"iam:DeleteRole","Resource":"*"}]})");
  EXPECT_TRUE(crud.capabilities.contains("crud_iam"));
  // Only statements passing the filter join the union: a conditioned half does not count.
  auto half = of_text(R"({"Statement":[
      {"Effect":"Allow","Action":"iam:PassRole","Resource":"*"},
      {"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*",
       "Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}]})");
  EXPECT_TRUE(half.capabilities.empty());
}

TEST(PolicyCapabilities, ConditionAbsentNullOrEmptyIsUnconditioned) {
  const char* base = R"({"Statement":{"Effect":"Allow","Action":"ssm:SendCommand","Resource":"*")";
  EXPECT_TRUE(of_text(std::string(base) + "}}").capabilities.contains("ssm"));
  EXPECT_TRUE(of_text(std::string(base) + R"(,"Condition":{}}})").capabilities.contains("ssm"));
  EXPECT_TRUE(of_text(std::string(base) + R"(,"Condition":null}})").capabilities.contains("ssm"));
  EXPECT_FALSE(
      of_text(std::string(base) + R"(,"Condition":{"Bool":{"aws:SecureTransport":"true"}}}})")
          .capabilities.contains("ssm"));
}

TEST(PolicyCapabilities, ResourceMustBeStar) {
  EXPECT_TRUE(
      of_text(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/*"}})")
          .capabilities.empty());
  EXPECT_TRUE(of_text(R"({"Statement":{"Effect":"Allow","Action":"*"}})").capabilities.empty());
  EXPECT_EQ(
      of_text(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":["arn:aws:s3:::b","*"]}})")
          .capabilities,
      kAllTwelve);
}

TEST(PolicyCapabilities, DenyStatementsAreIgnored) {
  auto deny = of_text(R"({"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}})");
  EXPECT_TRUE(deny.capabilities.empty());
  EXPECT_FALSE(deny.verdict.wildcard_action);
  EXPECT_FALSE(deny.verdict.full_admin);
}

TEST(PolicyCapabilities, EffectAndActionsAreCaseInsensitive) {
  auto o = of_text(
      R"({"Statement":{"Effect":"allow","Action":["IAM:passrole","EC2:runinstances"],"Resource":"*"}})");
  EXPECT_EQ(o.capabilities, std::set<std::string>{"ec2"});
  EXPECT_EQ(of_text(R"({"Statement":{"Effect":"ALLOW","Action":"SSM:SENDCOMMAND","Resource":"*"}})")
                .capabilities,
            std::set<std::string>{"ssm"});
}

TEST(PolicyCapabilities, CrudLambdaNeedsLambdaDeleteNotKmsDelete) {
  // Fix: the reference's fourth term tested kms:Delete.
  auto lambda_only = of_text(allow(
      R"(["lambda:CreateFunction","lambda:GetFunction","lambda:UpdateFunctionCode","lambda:DeleteFunction"])"));
  EXPECT_TRUE(lambda_only.capabilities.contains("crud_lambda"));
  auto with_kms = of_text(allow(
      R"(["lambda:CreateFunction","lambda:GetFunction","lambda:UpdateFunctionCode","kms:DeleteAlias"])"));
  EXPECT_FALSE(with_kms.capabilities.contains("crud_lambda"));
}

TEST(PolicyCapabilities, EachCatalogueExpression) {
  auto caps = [](std::string_view actions) { return of_text(allow(actions)).capabilities; };
  using S = std::set<std::string>;
  EXPECT_EQ(caps(R"(["kms:CreateKey","kms:DescribeKey","kms:EnableKey","kms:DeleteAlias"])"),
            S{"crud_kms"});
  EXPECT_EQ(caps(R"(["kms:CreateKey","kms:DescribeKey","kms:DeleteAlias"])"), S{});
  EXPECT_EQ(caps(R"(["s3:CreateBucket","s3:GetObject","s3:PutObject","s3:DeleteObject"])"),
            S{"crud_s3"});
  EXPECT_EQ(
      caps(R"(["dynamodb:PutItem","dynamodb:Scan","dynamodb:UpdateItem","dynamodb:DeleteItem"])"),
      S{"crud_dynamodb"});
  EXPECT_EQ(caps(R"(["ec2:ModifyInstanceAttribute","ec2:StartInstances"])"), S{"ec2"});
  EXPECT_EQ(caps(R"(["ec2:ModifyInstanceAttribute"])"), S{});
  EXPECT_EQ(
      caps(R"(["iam:PassRole","cloudformation:CreateStack","cloudformation:DescribeStacks"])"),
      S{"cloudformation"});
  EXPECT_EQ(caps(R"(["iam:PassRole","cloudformation:CreateStack"])"), S{});
  EXPECT_EQ(
      caps(
          R"(["iam:PassRole","datapipeline:CreatePipeline","datapipeline:PutPipelineDefinition","datapipeline:ActivatePipeline"])"),
      S{"datapipeline"});
  EXPECT_EQ(caps(R"(["iam:PassRole","glue:CreateDevEndpoint","glue:GetDevEndpoints"])"), S{"glue"});
  EXPECT_EQ(caps(R"(["glue:UpdateDevEndpoint","glue:GetDevEndpoint"])"), S{"glue"});
  EXPECT_EQ(caps(R"(["glue:UpdateDevEndpoint"])"), S{});
  EXPECT_EQ(caps(R"(["iam:PassRole","lambda:CreateFunction","lambda:InvokeFunction"])"),
            S{"lambda"});
  EXPECT_EQ(
      caps(
          R"(["iam:PassRole","lambda:CreateFunction","lambda:CreateEventSourceMapping","dynamodb:CreateTable","dynamodb:PutItem"])"),
      S{"lambda"});
  EXPECT_EQ(caps(R"(["iam:PassRole","lambda:CreateFunction","lambda:CreateEventSourceMapping"])"),
            S{});
}

TEST(PolicyCapabilities, FullAdminIgnoresConditionButNeedsAnyResource) {
  auto conditioned = of_text(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*",
      "Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}})");
  EXPECT_TRUE(conditioned.verdict.full_admin);
  EXPECT_EQ(conditioned.capabilities, std::set<std::string>{"full_admin"});
  auto scoped =
      of_text(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b"}})");
  EXPECT_FALSE(scoped.verdict.full_admin);
  // iam:* is broad but not an Action element * or *:*.
  EXPECT_FALSE(of_text(allow(R"(["iam:*","s3:*"])")).verdict.full_admin);
}

TEST(PolicyNotElements, NotActionGrantsEverythingItDoesNotName) {
  auto o = of_text(R"({"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}})");
  EXPECT_TRUE(o.verdict.full_admin);  // a NotAction statement counts, as in the reference
  EXPECT_FALSE(o.capabilities.contains("crud_iam"));
  EXPECT_FALSE(o.capabilities.contains("cloudformation"));  // needs iam:PassRole
  EXPECT_TRUE(o.capabilities.contains("crud_s3"));
  EXPECT_TRUE(o.capabilities.contains("ec2"));  // ModifyInstanceAttribute + StartInstances
  EXPECT_FALSE(o.verdict.wildcard_action);      // the wildcard is in NotAction, not Action

  PolicyDocument doc;
  parse_policy_text(
      R"({"Statement":{"Effect":"Allow","NotAction":["iam:Create*"],"Resource":"*"}})", doc);
  ASSERT_EQ(doc.statements.size(), 1u);
  EXPECT_FALSE(grants_prefix(doc.statements[0], "iam:Create"));
  EXPECT_TRUE(grants_prefix(doc.statements[0], "iam:Delete"));
  EXPECT_FALSE(grants(doc.statements[0], "iam:CreateUser"));
  EXPECT_TRUE(grants(doc.statements[0], "iam:PassRole"));
  parse_policy_text(
      R"({"Statement":{"Effect":"Allow","NotAction":"iam:CreateUser","Resource":"*"}})", doc);
  ASSERT_EQ(doc.statements.size(), 1u);
  EXPECT_TRUE(grants_prefix(doc.statements[0], "iam:Create"));  // iam:CreateRole is left
}

TEST(PolicyNotElements, NotResourceCountsAsAnyResourceAndIsFlagged) {
  auto o = of_text(R"({"Statement":{"Effect":"Allow","Action":"ssm:SendCommand",
      "NotResource":"arn:aws:ec2:*:*:instance/i-protected"}})");
  EXPECT_TRUE(o.capabilities.contains("ssm"));
  EXPECT_TRUE(o.verdict.not_resource);
  EXPECT_FALSE(of_text(allow(R"("ssm:SendCommand")")).verdict.not_resource);
}

TEST(PolicyPrincipal, EveryPublicFormIsPublic) {
  for (const char* principal : {R"("*")", R"({"AWS":"*"})", R"({"AWS":["*"]})",
                                R"({"AWS":["arn:aws:iam::111122223333:root","*"]})"}) {
    auto o = of_text(std::string(R"({"Statement":{"Effect":"Allow","Principal":)") + principal +
                     R"(,"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}})");
    EXPECT_TRUE(o.verdict.public_unconditioned) << principal;
  }
  for (const char* principal :
       {R"({"AWS":"arn:aws:iam::111122223333:root"})", R"({"Service":"cloudtrail.amazonaws.com"})",
        R"("arn:aws:iam::1:root")"}) {
    auto o = of_text(std::string(R"({"Statement":{"Effect":"Allow","Principal":)") + principal +
                     R"(,"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}})");
    EXPECT_FALSE(o.verdict.public_unconditioned) << principal;
  }
}

TEST(PolicyPrincipal, ConditionOrDenyMakesItNotPublicUnconditioned) {
  auto org = of_text(R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
      "Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-123"}}}})");
  EXPECT_FALSE(org.verdict.public_unconditioned);
  auto deny =
      of_text(R"({"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}})");
  EXPECT_FALSE(deny.verdict.public_unconditioned);
}

TEST(PolicyPrincipal, NotPrincipalWithAllowIsPublic) {
  auto o = of_text(R"({"Statement":{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::1:root"},
      "Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}})");
  EXPECT_TRUE(o.verdict.public_unconditioned);
  auto deny = of_text(R"({"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::1:root"},
      "Action":"s3:*","Resource":"*"}})");
  EXPECT_FALSE(deny.verdict.public_unconditioned);
}

TEST(PolicyKms, PublicEncryptAnywhereInTheActionList) {
  // Fix: the reference read only the first action.
  auto o = of_text(R"({"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},
      "Action":["kms:Decrypt","kms:Encrypt"],"Resource":"*"}})");
  EXPECT_TRUE(o.verdict.public_grants_kms_encrypt);
  EXPECT_FALSE(o.verdict.public_kms_requires_mfa);
  for (const char* a : {R"("kms:*")", R"("kms:Encr*")", R"("*")"}) {
    auto w = of_text(std::string(R"({"Statement":{"Effect":"Allow","Principal":"*","Action":)") +
                     a + R"(,"Resource":"*"}})");
    EXPECT_TRUE(w.verdict.public_grants_kms_encrypt) << a;
  }
  auto decrypt = of_text(
      R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}})");
  EXPECT_FALSE(decrypt.verdict.public_grants_kms_encrypt);
  // Fix: an org-scoped key is conditioned, so not public.
  auto org = of_text(R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:Encrypt",
      "Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-123"}}}})");
  EXPECT_FALSE(org.verdict.public_grants_kms_encrypt);
}

TEST(PolicyKms, MfaConditionFormsAreRecognised) {
  for (const char* cond : {R"({"Bool":{"aws:MultiFactorAuthPresent":"true"}})",
                           R"({"Bool":{"aws:MultiFactorAuthPresent":true}})",
                           R"({"BoolIfExists":{"aws:MultiFactorAuthPresent":["true"]}})",
                           R"({"bool":{"AWS:multifactorauthpresent":"TRUE"}})"}) {
    auto o = of_text(std::string(R"({"Statement":{"Effect":"Allow","Principal":"*",
        "Action":"kms:Encrypt","Resource":"*","Condition":)") +
                     cond + "}}");
    EXPECT_TRUE(o.verdict.public_kms_requires_mfa) << cond;
    EXPECT_FALSE(o.verdict.public_grants_kms_encrypt) << cond;
  }
  for (const char* cond : {R"({"Bool":{"aws:MultiFactorAuthPresent":"false"}})",
                           R"({"Bool":{"aws:MultiFactorAuthPresent":["true","false"]}})",
                           R"({"StringEquals":{"aws:MultiFactorAuthPresent":"true"}})",
                           R"({"Bool":{"aws:SecureTransport":"true"}})"}) {
    auto o = of_text(std::string(R"({"Statement":{"Effect":"Allow","Principal":"*",
        "Action":"kms:Encrypt","Resource":"*","Condition":)") +
                     cond + "}}");
    EXPECT_FALSE(o.verdict.public_kms_requires_mfa) << cond;
  }
  // One public encrypt statement without the MFA condition is enough to fail the test.
  auto mixed = of_text(R"({"Statement":[
      {"Effect":"Allow","Principal":"*","Action":"kms:Encrypt","Resource":"*",
       "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}},
      {"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]})");
  EXPECT_FALSE(mixed.verdict.public_kms_requires_mfa);
  EXPECT_TRUE(mixed.verdict.public_grants_kms_encrypt);
}

TEST(PolicyWildcard, AnAllowWithAStarInSomeAction) {
  // The reference looked at the first action only.
  EXPECT_TRUE(
      of_text(
          R"({"Statement":{"Effect":"Allow","Action":["s3:GetObject","s3:Put*"],"Resource":"arn:aws:s3:::b/*"}})")
          .verdict.wildcard_action);
  EXPECT_FALSE(
      of_text(R"({"Statement":{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*"}})")
          .verdict.wildcard_action);
}

TEST(PolicyDocumentForms, JsonStringAndObjectInARecord) {
  auto string_form =
      of_record(R"({"eventName":"PutUserPolicy","requestParameters":{"userName":"bob",
      "policyDocument":"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"}})");
  EXPECT_TRUE(string_form.present);
  EXPECT_TRUE(string_form.error.empty());
  EXPECT_TRUE(string_form.verdict.full_admin);
  auto object_form =
      of_record(R"({"eventName":"PutBucketPolicy","requestParameters":{"bucketName":"b",
      "bucketPolicy":{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
      "Resource":"arn:aws:s3:::b/*"}]},"policy":""}})");
  EXPECT_TRUE(object_form.present);
  EXPECT_TRUE(object_form.verdict.public_unconditioned);
  EXPECT_NE(object_form.json.find(R"("source":"bucketPolicy")"), std::string::npos);
}

TEST(PolicyDocumentForms, LookupOrderAndAccessPoints) {
  auto kms = of_record(R"({"requestParameters":{"keyId":"k",
      "policy":"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\"}}"}})");
  EXPECT_TRUE(kms.verdict.public_grants_kms_encrypt);
  EXPECT_NE(kms.json.find(R"("source":"policy")"), std::string::npos);
  auto ap = of_record(R"({"requestParameters":{"PutAccessPointPolicyRequest":{"Name":"ap",
      "Policy":"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"*\"]},\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}}"}}})");
  EXPECT_TRUE(ap.verdict.public_unconditioned);
  // policyDocument comes first.
  auto both = of_record(R"({"requestParameters":{
      "policyDocument":{"Statement":{"Effect":"Allow","Action":"ssm:SendCommand","Resource":"*"}},
      "policy":{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}}})");
  EXPECT_EQ(both.capabilities, std::set<std::string>{"ssm"});
  auto none = of_record(R"({"requestParameters":{"bucketName":"b","policy":[""]}})");
  EXPECT_FALSE(none.present);
  EXPECT_TRUE(none.capabilities.empty());
  EXPECT_FALSE(of_record(R"({"requestParameters":null})").present);
}

TEST(PolicyDocumentForms, PercentEncodedDocumentsAreDecodedOnce) {
  auto o = of_text(
      "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C"
      "%22Action%22%3A%22*%22%2C%22Resource%22%3A%22*%22%7D%5D%7D");
  EXPECT_TRUE(o.error.empty()) << o.error;
  EXPECT_TRUE(o.verdict.full_admin);
  auto plus = of_text(
      "%7B%22Statement%22%3A+%7B%22Effect%22%3A+%22Allow%22%2C+%22Action%22%3A+"
      "%22ssm%3ASendCommand%22%2C+%22Resource%22%3A+%22*%22%7D%7D");
  EXPECT_EQ(plus.capabilities, std::set<std::string>{"ssm"});
  // Encoded twice is decoded once only, and then fails.
  auto twice = of_text("%257B%2522Statement%2522%253A%255B%255D%257D");
  EXPECT_FALSE(twice.error.empty());
}

TEST(PolicyDocumentForms, UnparsableDocumentSetsErrorAndNoPredicate) {
  for (const char* text :
       {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\"", "not json",
        "[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]", "\"a string\""}) {
    auto o = of_text(text);
    EXPECT_TRUE(o.present) << text;
    EXPECT_FALSE(o.error.empty()) << text;
    EXPECT_TRUE(o.capabilities.empty()) << text;
    EXPECT_FALSE(o.verdict.full_admin || o.verdict.public_unconditioned ||
                 o.verdict.wildcard_action || o.verdict.public_grants_kms_encrypt)
        << text;
    Json json(o.json);
    std::string_view error;
    EXPECT_EQ(json.root()["error"].get(error), simdjson::SUCCESS) << o.json;
  }
  auto rec = of_record(R"({"requestParameters":{"policyDocument":"{oops"}})");
  EXPECT_TRUE(rec.present);
  EXPECT_NE(rec.json.find("\"error\""), std::string::npos);
}

TEST(PolicyDocumentForms, SizeAndDepthAreCapped) {
  std::string big = allow(R"("ssm:SendCommand")");
  big.insert(1, R"("Pad":")" + std::string(kMaxPolicyBytes, 'x') + R"(",)");
  auto o = of_text(big);
  EXPECT_NE(o.error.find("128 KiB"), std::string::npos) << o.error;
  EXPECT_TRUE(o.capabilities.empty());

  auto nested = [](int depth) {
    std::string s =
        R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":null},"X":)";
    for (int i = 0; i < depth; ++i) s += "[";
    for (int i = 0; i < depth; ++i) s += "]";
    return s + "}";
  };
  EXPECT_TRUE(of_text(nested(30)).error.empty());
  auto deep = of_text(nested(40));
  EXPECT_NE(deep.error.find("deeper"), std::string::npos) << deep.error;
  EXPECT_FALSE(deep.verdict.full_admin);
  // The same limit holds for a document that arrives as an object.
  std::string record = R"({"requestParameters":{"policyDocument":)" + nested(40) + "}}";
  auto deep_object = of_record(record);
  EXPECT_NE(deep_object.error.find("deeper"), std::string::npos) << deep_object.error;
}

TEST(PolicyJson, StatementsAreQuotedAndCutAt2KiB) {
  auto o = of_text(R"({"Statement":[
      {"Sid":"Harmless","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
      {"Sid":"Admin","Effect":"Allow","Action":"*","Resource":"*"}]})");
  Json json(o.json);
  std::string_view statements;
  ASSERT_EQ(json.root()["statements"].get(statements), simdjson::SUCCESS) << o.json;
  EXPECT_NE(statements.find("Admin"), std::string_view::npos);
  EXPECT_EQ(statements.find("Harmless"), std::string_view::npos);
  Json inner(statements);  // the text is a JSON array of the statements
  EXPECT_TRUE(inner.root().is_array());
  int64_t count = 0;
  EXPECT_EQ(json.root()["statement_count"].get(count), simdjson::SUCCESS);
  EXPECT_EQ(count, 2);

  std::string many = R"({"Statement":[)";
  for (int i = 0; i < 100; ++i) {
    if (i) many += ',';
    many +=
        R"({"Sid":"S)" + std::to_string(i) + R"(é","Effect":"Allow","Action":"*","Resource":"*"})";
  }
  many += "]}";
  auto cut = of_text(many);
  Json cut_json(cut.json);  // still valid JSON (UTF-8 cut on a boundary)
  ASSERT_EQ(cut_json.root()["statements"].get(statements), simdjson::SUCCESS);
  EXPECT_LE(statements.size(), kMaxStatementsText);
  EXPECT_TRUE(statements.ends_with("..."));
}

TEST(PolicyJson, AbsentDocumentIsNotPresentAndAllFalse) {
  auto o = of_record(R"({"eventName":"CreateUser","requestParameters":{"userName":"bob"}})");
  Json json(o.json);
  bool present = true, full_admin = true;
  EXPECT_EQ(json.root()["present"].get(present), simdjson::SUCCESS);
  EXPECT_FALSE(present);
  EXPECT_EQ(json.root()["full_admin"].get(full_admin), simdjson::SUCCESS);
  EXPECT_FALSE(full_admin);
  simdjson::dom::array caps;
  EXPECT_EQ(json.root()["capabilities"].get(caps), simdjson::SUCCESS);
  EXPECT_EQ(caps.size(), 0u);
}

TEST(PercentDecode, DecodesEscapesAndPlusKeepsInvalidOnes) {
  std::string out;
  EXPECT_TRUE(percent_decode("a%20b+c%zz%4", out));
  EXPECT_EQ(out, "a b c%zz%4");
  EXPECT_FALSE(percent_decode("{\"plain\":1}", out));
}

}  // namespace
}  // namespace trailwarden::detect::derived
