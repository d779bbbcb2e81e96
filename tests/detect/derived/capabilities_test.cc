#include "detect/derived/capabilities.h"

#include <gtest/gtest.h>

#include "detect/derived/derived_test_util.h"
#include "detect/derived/policy.h"

namespace trailwarden::detect::derived {
namespace {

using trailwarden::detect::testing::shipped_data_dir;

std::string error_of(std::string_view yaml) {
  auto r = parse_capabilities(yaml, "caps.yaml");
  EXPECT_FALSE(r.has_value()) << yaml;
  return r ? std::string() : r.error().message;
}

TEST(CapabilitiesFile, ShippedFileParsesWithTheCatalogueExpressions) {
  auto caps = load_capabilities(shipped_data_dir() + "/policy_capabilities.yaml");
  ASSERT_TRUE(caps.has_value()) << caps.error().to_string();
  ASSERT_EQ(caps->size(), 12u);
  const auto& crud_iam = (*caps)[0];
  EXPECT_EQ(crud_iam.name, "crud_iam");
  EXPECT_EQ(to_string(crud_iam.when),
            "all(P(iam:Create), any(P(iam:Get), P(iam:List)), P(iam:Update), P(iam:Delete))");
  EXPECT_EQ(filter_to_string(crud_iam.filter), "allow, unconditioned, any_resource");
  const auto& admin = caps->back();
  EXPECT_EQ(admin.name, "full_admin");
  EXPECT_EQ(filter_to_string(admin.filter), "allow, any_resource");
  EXPECT_EQ(to_string(admin.when), "any(action(*), action(*:*), not_action)");
  for (const auto& c : *caps) {
    EXPECT_GT(c.line, 0) << c.name;
    EXPECT_FALSE(c.description.empty()) << c.name;
  }
}

TEST(CapabilitiesFile, ErrorsNameFileAndLine) {
  std::string e = error_of("capabilities:\n  - name: x\n    when: Q(iam:Get)\n");
  EXPECT_NE(e.find("caps.yaml:3"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown term"), std::string::npos) << e;

  e = error_of("capabilities:\n  - name: x\n    when:\n      all: [G(iam:PassRole), nope]\n");
  EXPECT_NE(e.find("caps.yaml:4"), std::string::npos) << e;

  e = error_of("capabilities:\n  - name: x\n    wehn: G(iam:PassRole)\n");
  EXPECT_NE(e.find("caps.yaml:3"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key 'wehn'"), std::string::npos) << e;

  e = error_of("capabilities:\n  - name: x\n    when: G(a:b)\n  - name: x\n    when: G(a:c)\n");
  EXPECT_NE(e.find("caps.yaml:4"), std::string::npos) << e;
  EXPECT_NE(e.find("twice"), std::string::npos) << e;

  e = error_of("capabilities:\n  - name: x\n    filter: [allow, public]\n    when: G(a:b)\n");
  EXPECT_NE(e.find("caps.yaml:3"), std::string::npos) << e;

  e = error_of("capabilities:\n  - name: x\n    when: {all: [G(a:b)]\n");  // unclosed flow map
  EXPECT_NE(e.find("caps.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("YAML"), std::string::npos) << e;

  e = error_of("capabilities:\n  - name: x\n");
  EXPECT_NE(e.find("no 'when'"), std::string::npos) << e;
  e = error_of("capabilities:\n  - name: Bad-Name\n    when: G(a:b)\n");
  EXPECT_NE(e.find("caps.yaml:2"), std::string::npos) << e;
  e = error_of("capabilities:\n  - name: x\n    when: G(iam:Pass*)\n");  // G takes an action
  EXPECT_NE(e.find("bad argument"), std::string::npos) << e;
  e = error_of("capabilities:\n  - name: x\n    when:\n      any: []\n");
  EXPECT_NE(e.find("non-empty"), std::string::npos) << e;
  e = error_of("version: 2\ncapabilities: []\n");
  EXPECT_NE(e.find("version"), std::string::npos) << e;
  e = error_of("");
  EXPECT_NE(e.find("empty"), std::string::npos) << e;

  auto missing = load_capabilities("/nonexistent/policy_capabilities.yaml");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().context, "/nonexistent/policy_capabilities.yaml");
}

TEST(CapabilitiesFile, CustomFilterAndTermsEvaluate) {
  auto caps = parse_capabilities(R"(
capabilities:
  - name: public_reader
    filter: [allow, public_principal]
    when: P(s3:Get)
  - name: no_filter
    filter: []
    when: G(s3:DeleteBucket)
)",
                                 "custom.yaml");
  ASSERT_TRUE(caps.has_value()) << caps.error().to_string();
  PolicyDocument doc;
  parse_policy_text(R"({"Statement":[
      {"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*",
       "Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}},
      {"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::b"}]})",
                    doc);
  PolicyVerdict v;
  evaluate_policy(doc, *caps, v);
  ASSERT_EQ(v.capabilities.size(), 2u);
  EXPECT_EQ(v.capabilities[0], 1);  // conditioned but public: this filter does not care
  EXPECT_EQ(v.capabilities[1], 1);  // an empty filter admits even Deny statements
  PolicyDocument private_doc;
  parse_policy_text(
      R"({"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"s3:GetObject","Resource":"*"}})",
      private_doc);
  evaluate_policy(private_doc, *caps, v);
  EXPECT_EQ(v.capabilities[0], 0);
}

}  // namespace
}  // namespace trailwarden::detect::derived
