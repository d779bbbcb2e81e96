#include "collect/config.h"

#include <gtest/gtest.h>

namespace trailwarden::collect {
namespace {

TEST(RunConfig, ParsesCollectorsAndDefaults) {
  auto c = parse_run_config(R"(
workspace: /tmp/ws
poll_interval: 30s
detection:
  builtin: false
  rules: [./mine]
collectors:
  - type: lookup-events
    role_arn: arn:aws:iam::111122223333:role/Reader
    external_id: ext-1
    regions: [us-east-1, eu-west-1]
    since: 2d
  - type: s3
    url: s3://central/AWSLogs/
    queue: https://sqs.us-east-1.amazonaws.com/1/q
    poll_interval: 5m
)",
                            "tw.yaml");
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  EXPECT_EQ(c->workspace, "/tmp/ws");
  EXPECT_FALSE(c->detection.builtin);
  ASSERT_EQ(c->collectors.size(), 2u);
  EXPECT_EQ(c->collectors[0].type, "lookup-events");
  EXPECT_EQ(c->collectors[0].lookup.regions.size(), 2u);
  EXPECT_EQ(c->collectors[0].lookup.external_id, "ext-1");
  EXPECT_EQ(c->collectors[0].poll_interval_us, 30'000'000);
  EXPECT_EQ(c->collectors[0].line, 8);
  EXPECT_EQ(c->collectors[1].s3.queue, "https://sqs.us-east-1.amazonaws.com/1/q");
  EXPECT_EQ(c->collectors[1].poll_interval_us, 300'000'000);
}

TEST(RunConfig, GeoIpKeys) {
  auto c = parse_run_config(
      "detection: {geoip: [/g/city.mmdb, /g/asn.mmdb], lists: /l}\n"
      "collectors: [{type: s3, url: s3://b/}]",
      "tw.yaml");
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  EXPECT_EQ(c->detection.geoip, (std::vector<std::string>{"/g/city.mmdb", "/g/asn.mmdb"}));
  EXPECT_FALSE(c->detection.no_geoip);
  c = parse_run_config("detection: {no_geoip: true}\ncollectors: [{type: s3, url: s3://b/}]",
                       "tw.yaml");
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  EXPECT_TRUE(c->detection.no_geoip);
  EXPECT_TRUE(c->detection.geoip.empty());
  auto bad = parse_run_config(
      "detection: {no_geoip: perhaps}\ncollectors: [{type: s3, url: s3://b/}]", "tw.yaml");
  EXPECT_FALSE(bad.has_value());
}

TEST(RunConfig, AnomalyPolicyKeys) {
  auto c = parse_run_config(
      "detection: {policies: /p/policies.yml, sensitivity: high}\n"
      "collectors: [{type: s3, url: s3://b/}]",
      "tw.yaml");
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  EXPECT_EQ(c->detection.policies, "/p/policies.yml");
  EXPECT_EQ(c->detection.sensitivity, "high");
  EXPECT_FALSE(c->detection.no_policies);
  c = parse_run_config("detection: {no_policies: true}\ncollectors: [{type: s3, url: s3://b/}]",
                       "tw.yaml");
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  EXPECT_TRUE(c->detection.no_policies);
  auto bad = parse_run_config(
      "detection: {sensitivity: paranoid}\ncollectors: [{type: s3, url: s3://b/}]", "tw.yaml");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().to_string().find("tw.yaml:1:"), std::string::npos)
      << bad.error().to_string();
  EXPECT_NE(bad.error().to_string().find("low, medium or high"), std::string::npos);
}

TEST(RunConfig, EveryProblemIsReportedWithFileLineAndColumn) {
  auto c = parse_run_config(R"(workspace: /tmp/ws
pol_interval: 30s
collectors:
  - type: lookup-events
    rgions: [us-east-1]
    since: 2d
  - type: s3
    queue: 42
  - type: kinesis
  - type: lookup-events
    regions: [US_EAST]
    poll_interval: soon
)",
                            "tw.yaml");
  ASSERT_FALSE(c.has_value());
  const std::string& m = c.error().message;
  EXPECT_NE(m.find("tw.yaml:2:1: unknown key 'pol_interval'"), std::string::npos) << m;
  EXPECT_NE(m.find("tw.yaml:5:5: unknown key 'rgions' in collector 1 (lookup-events)"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("collector 2 (s3) needs a 'url'"), std::string::npos) << m;
  EXPECT_NE(m.find("tw.yaml:9:11: unknown collector type 'kinesis'"), std::string::npos) << m;
  EXPECT_NE(m.find("'US_EAST' is not a region name"), std::string::npos) << m;
  EXPECT_NE(m.find("tw.yaml:12:20: 'poll_interval' must be a duration"), std::string::npos) << m;
}

TEST(RunConfig, WrongTypesAndBadYamlAreErrorsNotCrashes) {
  EXPECT_FALSE(parse_run_config("collectors: 3", "a.yaml").has_value());
  EXPECT_FALSE(parse_run_config("[1, 2", "a.yaml").has_value());
  EXPECT_FALSE(parse_run_config("", "a.yaml").has_value());
  auto c = parse_run_config("collectors:\n  - type: s3\n    url: [a]\n", "a.yaml");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("a.yaml:3:10: 'url' must be a string"), std::string::npos)
      << c.error().message;
  auto d = parse_run_config("detection: {enabled: maybe}\ncollectors: [{type: s3, url: s3://b/}]",
                            "a.yaml");
  ASSERT_FALSE(d.has_value());
  EXPECT_NE(d.error().message.find("'enabled' must be true or false"), std::string::npos);
}

}  // namespace
}  // namespace trailwarden::collect
