// The Sigma reader: metadata, correlation documents, and a diagnostic (code, line:col) for
// every kind of problem.
#include "detect/sigma/reader.h"

#include <gtest/gtest.h>

#include "detect/sigma/sigma_test_util.h"

namespace trailwarden::detect {
namespace {

using testing::describe;
using testing::rule_text;

struct Loaded {
  size_t rules = 0;
  std::vector<Diagnostic> diags;
};

Loaded load(std::string_view yaml, SigmaOptions opts = {}) {
  RuleSet set(std::move(opts));
  Loaded l;
  set.load_text(yaml, "rule.yml", "user", l.diags);
  set.finish(l.diags);
  l.rules = set.size();
  return l;
}

// The first diagnostic with `code`, or an empty one.
Diagnostic find(const Loaded& l, std::string_view code) {
  for (const auto& d : l.diags) {
    if (d.code == code) return d;
  }
  return {};
}

void expect_diag(std::string_view yaml, std::string_view code, int line, int column,
                 Diagnostic::Level level = Diagnostic::Level::kError) {
  Loaded l = load(yaml);
  Diagnostic d = find(l, code);
  EXPECT_EQ(d.code, code) << "expected " << code << " in:\n" << describe(l.diags);
  EXPECT_EQ(d.level, level) << describe(l.diags);
  EXPECT_EQ(d.pos.file, "rule.yml");
  EXPECT_EQ(d.pos.line, line) << describe(l.diags);
  EXPECT_EQ(d.pos.column, column) << describe(l.diags);
  EXPECT_FALSE(d.message.empty());
  if (level == Diagnostic::Level::kError) {
    EXPECT_EQ(l.rules, 0u) << "a rule with an error loaded";
  }
}

// rule_text puts `detection:` on line 6; the body starts on line 7.
TEST(SigmaDiagnostics, EachCodeWithItsPosition) {
  expect_diag(rule_text("  sel:\n    eventName|contians: x\n  condition: sel\n"),
              "unknown-modifier", 8, 5);
  expect_diag(rule_text("  sel:\n    '|cidr': 10.0.0.0/8\n  condition: sel\n"),
              "unsupported-modifier", 8, 5);
  expect_diag(rule_text("  sel:\n    eventTime|hour|contains: 3\n  condition: sel\n"),
              "bad-modifier-combination", 8, 5);
  expect_diag(rule_text("  sel:\n    eventTime|hour: noon\n  condition: sel\n"), "bad-type", 8, 21);
  expect_diag(rule_text("  sel:\n    a|re|contains: x\n  condition: sel\n"),
              "bad-modifier-combination", 8, 5);
  expect_diag(rule_text("  sel:\n    a|i: x\n  condition: sel\n"), "bad-modifier-combination", 8,
              5);
  expect_diag(rule_text("  sel:\n    a|base64offset: x\n  condition: sel\n"),
              "bad-modifier-combination", 8, 5);
  expect_diag(rule_text("  sel:\n    a|utf16le: x\n  condition: sel\n"), "bad-modifier-combination",
              8, 5);
  expect_diag(rule_text("  sel:\n    a|exists|all: true\n  condition: sel\n"),
              "bad-modifier-combination", 8, 5);
  expect_diag(rule_text("  sel:\n    a|re: '(?<=x)y'\n  condition: sel\n"), "bad-regex", 8, 11);
  expect_diag(rule_text("  sel:\n    a|cidr: 10.0.0.0/33\n  condition: sel\n"), "bad-cidr", 8, 13);
  expect_diag(rule_text("  sel:\n    a|cidr: example.com\n  condition: sel\n"), "bad-cidr", 8, 13);
  expect_diag(rule_text("  sel:\n    a: x\n  condition: sel and filter\n"), "undefined-selection",
              9, 22);
  expect_diag(rule_text("  sel:\n    a: x\n  condition: 1 of filter*\n"), "undefined-selection", 9,
              14);
  expect_diag(rule_text("  sel:\n    a: x\n  condition: sel and\n"), "condition-syntax", 9, 21);
  expect_diag(rule_text("  sel:\n    a: x\n  condition: 'sel and'\n"), "condition-syntax", 9, 22);
  expect_diag(rule_text("  sel:\n    a: x\n  condition: 3 of sel*\n"), "condition-syntax", 9, 14);
  expect_diag(rule_text("  sel:\n    a|expand: '%nope%'\n  condition: sel\n"),
              "unknown-placeholder", 8, 15);
  expect_diag(rule_text("  sel:\n    a:\n      b: c\n  condition: sel\n"), "bad-type", 9, 7);
  expect_diag(rule_text("  sel:\n    a|gt: many\n  condition: sel\n"), "bad-type", 8, 11);
  expect_diag(rule_text("  sel:\n    a|exists: maybe\n  condition: sel\n"), "bad-type", 8, 15);
  expect_diag(rule_text("  sel:\n    a|base64: 'x*'\n  condition: sel\n"), "bad-type", 8, 15);
  expect_diag(rule_text("  sel:\n    a|contains: null\n  condition: sel\n"), "bad-type", 8, 17);
  expect_diag(rule_text("  sel:\n    a: []\n  condition: sel\n"), "bad-type", 8, 8);
  expect_diag(rule_text("  sel:\n    a: x\n"), "missing-field", 7, 3);
  expect_diag(rule_text("  sel:\n    a: x\n    a: y\n  condition: sel\n"), "duplicate-key", 9, 5);
  expect_diag(rule_text("  sel:\n    a: x\n  condition: sel | count() > 5\n"),
              "deprecated-aggregation", 9, 14);
  expect_diag(rule_text("  sel:\n    a: x\n  condition: sel | near other\n"),
              "deprecated-aggregation", 9, 14);
  expect_diag(rule_text("  sel:\n    a: x\n  condition: sel | sum(x) >\n"),
              "deprecated-aggregation", 9, 18);
  expect_diag(rule_text("  sel:\n    a: x\n  timeframe: 5m\n  condition: sel\n"),
              "deprecated-aggregation", 9, 14);
  expect_diag(rule_text("  sel:\n    a: x\n  condition: sel\n", "level: severe\n"), "bad-type", 6,
              8);
  expect_diag(rule_text("  sel:\n    a: x\n  condition: sel\n", "action: global\n"),
              "unsupported-construct", 6, 1);
  expect_diag("title: [unclosed\n", "yaml-syntax", 2, 1);
  expect_diag("logsource: {}\ndetection:\n  sel: {a: x}\n  condition: sel\n", "missing-field", 1,
              1);
  expect_diag("title: t\ndetection:\n  sel: {a: x}\n  condition: sel\n", "missing-field", 1, 1);
  expect_diag("- a\n- b\n", "bad-type", 1, 1);
}

TEST(SigmaDiagnostics, WarningsDoNotStopLoading) {
  Loaded l =
      load(rule_text("  sel:\n    a: x\n  unused:\n    b: y\n  condition: sel\n", "foo: bar\n"));
  EXPECT_EQ(l.rules, 1u) << describe(l.diags);
  Diagnostic unknown = find(l, "unknown-key");
  EXPECT_EQ(unknown.level, Diagnostic::Level::kWarning);
  EXPECT_EQ(unknown.pos.line, 6);
  EXPECT_EQ(unknown.rule_title, "Test rule");
  Diagnostic unused = find(l, "unused-selection");
  EXPECT_EQ(unused.level, Diagnostic::Level::kWarning);
  EXPECT_EQ(unused.pos.line, 10);
  EXPECT_EQ(unused.pos.column, 3);
}

TEST(SigmaDiagnostics, OneBadDocumentDoesNotStopTheOthers) {
  std::string yaml =
      rule_text("  sel:\n    a|nope: x\n  condition: sel\n") + "---\n" +
      "title: Good\nid: 22222222-2222-4222-8222-222222222222\nlogsource: {product: aws}\n"
      "detection:\n  sel: {a: x}\n  condition: sel\n";
  Loaded l = load(yaml);
  EXPECT_EQ(l.rules, 1u);
  Diagnostic d = find(l, "unknown-modifier");
  EXPECT_EQ(d.rule_title, "Test rule");
}

TEST(SigmaDiagnostics, SetLevelCodes) {
  // duplicate-id: the second document is not loaded.
  std::string two = rule_text("  sel:\n    a: x\n  condition: sel\n") + "---\n" +
                    rule_text("  sel:\n    a: y\n  condition: sel\n");
  Loaded dup = load(two);
  EXPECT_EQ(dup.rules, 1u);
  Diagnostic d = find(dup, "duplicate-id");
  EXPECT_EQ(d.code, "duplicate-id") << describe(dup.diags);
  EXPECT_EQ(d.pos.line, 11);  // the second document's first line (after 9 lines and ---)
  // unknown-rule-reference
  Loaded ref = load(
      "title: C\nid: c1\ncorrelation:\n  type: event_count\n  rules: [nope]\n  timespan: 1h\n"
      "  condition: {gte: 3}\n");
  d = find(ref, "unknown-rule-reference");
  EXPECT_EQ(d.code, "unknown-rule-reference") << describe(ref.diags);
  EXPECT_EQ(d.pos.line, 1);
  EXPECT_NE(d.message.find("nope"), std::string::npos);
  // correlation-cycle
  Loaded cyc = load(
      "title: A\nname: a\ncorrelation:\n  type: temporal\n  rules: [b]\n  timespan: 1h\n---\n"
      "title: B\nname: b\ncorrelation:\n  type: temporal\n  rules: [a]\n  timespan: 1h\n");
  EXPECT_EQ(find(cyc, "correlation-cycle").code, "correlation-cycle") << describe(cyc.diags);
  // bad-timespan, in a correlation and in trailwarden.suppress
  expect_diag(
      "title: C\ncorrelation:\n  type: event_count\n  rules: [x]\n  timespan: 10x\n"
      "  condition: {gte: 3}\n",
      "bad-timespan", 5, 13);
  expect_diag(rule_text("  sel:\n    a: x\n  condition: sel\n", "trailwarden:\n  suppress: 5y\n"),
              "bad-timespan", 7, 13);
}

TEST(SigmaReader, Metadata) {
  std::string yaml =
      "title: CloudTrail logging stopped\n"
      "id: 5f9c1b6e-0000-4000-8000-000000000001\n"
      "name: aws.defense_evasion.cloudtrail_tampering\n"
      "status: stable\n"
      "description: Someone stopped a trail.\n"
      "author: trailwarden\n"
      "license: MIT\n"
      "date: 2024-01-01\n"
      "modified: 2024-02-01\n"
      "references:\n  - https://example.com/a\n"
      "falsepositives: Maintenance\n"
      "tags:\n"
      "  - attack.defense-evasion\n  - attack.privilege_escalation\n  - attack.stealth\n"
      "  - attack.t1562.008\n  - attack.T1098\n  - attack.g0016\n  - cve.2024-1\n"
      "level: high\n"
      "logsource:\n  product: aws\n  service: cloudtrail\n"
      "fields:\n  - requestParameters.name\n"
      "trailwarden:\n"
      "  resources: [requestParameters.name]\n"
      "  details: requestParameters.enableLogFileValidation\n"
      "  suppress: 24h\n"
      "  suppress_by: [account, identity, eventName]\n"
      "  data: [M, 'E:admins']\n"
      "detection:\n"
      "  sel:\n    eventSource: cloudtrail.amazonaws.com\n    eventName: StopLogging\n"
      "  condition: sel\n";
  RuleSet set;
  std::vector<Diagnostic> diags;
  ASSERT_EQ(set.load_text(yaml, "r.yml", "builtin", diags), 1u) << describe(diags);
  EXPECT_TRUE(diags.empty()) << describe(diags);
  const RuleMeta& m = set.meta(0);
  EXPECT_EQ(m.title, "CloudTrail logging stopped");
  EXPECT_EQ(m.name, "aws.defense_evasion.cloudtrail_tampering");
  EXPECT_EQ(m.id, "5f9c1b6e-0000-4000-8000-000000000001");
  EXPECT_EQ(m.status, "stable");
  EXPECT_EQ(m.author, "trailwarden");
  EXPECT_EQ(m.license, "MIT");
  EXPECT_EQ(m.date, "2024-01-01");
  EXPECT_EQ(m.modified, "2024-02-01");
  EXPECT_EQ(m.references, std::vector<std::string>{"https://example.com/a"});
  EXPECT_EQ(m.falsepositives, std::vector<std::string>{"Maintenance"});
  EXPECT_EQ(m.tactics, (std::vector<std::string>{"TA0005", "TA0004"}));
  EXPECT_EQ(m.techniques, (std::vector<std::string>{"T1562.008", "T1098"}));
  EXPECT_EQ(m.tags.size(), 7u);
  EXPECT_EQ(m.severity, Severity::kHigh);
  EXPECT_EQ(m.logsource_product, "aws");
  EXPECT_EQ(m.logsource_service, "cloudtrail");
  EXPECT_EQ(m.source, "builtin");
  EXPECT_EQ(m.pos.line, 1);
  EXPECT_EQ(m.resources, std::vector<std::string>{"requestParameters.name"});
  EXPECT_EQ(m.details, std::vector<std::string>{"requestParameters.enableLogFileValidation"});
  EXPECT_EQ(m.suppress_us, 24LL * 3600 * 1000000);
  EXPECT_EQ(m.suppress_by, (std::vector<std::string>{"account", "identity", "eventName"}));
  EXPECT_EQ(m.data, (std::vector<std::string>{"M", "E:admins"}));
  EXPECT_EQ(set.fields(0),
            (std::vector<std::string>{"eventName", "eventSource", "requestParameters.name"}));
}

TEST(SigmaReader, EveryTacticName) {
  std::vector<std::string> tags = {"attack.reconnaissance",
                                   "attack.resource-development",
                                   "attack.initial-access",
                                   "attack.execution",
                                   "attack.persistence",
                                   "attack.privilege-escalation",
                                   "attack.defense-evasion",
                                   "attack.credential-access",
                                   "attack.discovery",
                                   "attack.lateral-movement",
                                   "attack.collection",
                                   "attack.exfiltration",
                                   "attack.command-and-control",
                                   "attack.impact",
                                   "attack.defense-impairment",
                                   "attack.not-a-tactic",
                                   "attack.t123",
                                   "attack.t1234.5"};
  std::vector<std::string> tactics, techniques;
  sigma::derive_attack(tags, tactics, techniques);
  EXPECT_EQ(tactics, (std::vector<std::string>{"TA0043", "TA0042", "TA0001", "TA0002", "TA0003",
                                               "TA0004", "TA0005", "TA0006", "TA0007", "TA0008",
                                               "TA0009", "TA0010", "TA0011", "TA0040"}));
  EXPECT_TRUE(techniques.empty());
}

TEST(SigmaReader, CorrelationsAndTheirReferences) {
  std::string yaml =
      "title: Console login failure\n"
      "name: aws.base.login_failure\n"
      "id: 00000000-0000-4000-8000-00000000000a\n"
      "logsource: {product: aws, service: cloudtrail}\n"
      "detection:\n  sel: {eventName: ConsoleLogin, responseElements.ConsoleLogin: Failure}\n"
      "  condition: sel\n"
      "---\n"
      "title: Console login success\n"
      "name: aws.base.login_success\n"
      "id: 00000000-0000-4000-8000-00000000000b\n"
      "logsource: {product: aws, service: cloudtrail}\n"
      "detection:\n  sel: {eventName: ConsoleLogin, responseElements.ConsoleLogin: Success}\n"
      "  condition: sel\n"
      "---\n"
      "title: Many failures\n"
      "name: aws.credential_access.many_failures\n"
      "level: medium\n"
      "correlation:\n"
      "  type: event_count\n"
      "  rules: aws.base.login_failure\n"
      "  group-by: [sourceIPAddress]\n"
      "  timespan: 1h\n"
      "  condition: {gt: 5}\n"
      "---\n"
      "title: Failures then success\n"
      "id: 00000000-0000-4000-8000-00000000000c\n"
      "level: high\n"
      "tags: [attack.credential-access, attack.t1110.001]\n"
      "correlation:\n"
      "  type: temporal_ordered\n"
      "  rules:\n    - aws.credential_access.many_failures\n    - "
      "00000000-0000-4000-8000-00000000000b\n"
      "  group-by: [ip]\n"
      "  timespan: 1d\n"
      "  aliases:\n    ip:\n      aws.credential_access.many_failures: sourceIPAddress\n"
      "      00000000-0000-4000-8000-00000000000b: sourceIPAddress\n"
      "  generate: true\n"
      "---\n"
      "title: Distinct users\n"
      "correlation:\n"
      "  type: value_count\n"
      "  rules: [aws.base.login_failure]\n"
      "  group-by: sourceIPAddress\n"
      "  timespan: 2w\n"
      "  condition: {field: userIdentity.userName, gte: 3, lte: 10}\n";
  RuleSet set;
  std::vector<Diagnostic> diags;
  EXPECT_EQ(set.load_text(yaml, "c.yml", "builtin", diags), 5u) << describe(diags);
  set.finish(diags);
  EXPECT_TRUE(diags.empty()) << describe(diags);
  ASSERT_EQ(set.size(), 2u);
  ASSERT_EQ(set.correlations().size(), 3u);
  const auto& many = set.correlations()[0];
  EXPECT_EQ(many.type, CorrelationType::kEventCount);
  EXPECT_EQ(many.rules, std::vector<std::string>{"aws.base.login_failure"});
  EXPECT_EQ(many.group_by, std::vector<std::string>{"sourceIPAddress"});
  EXPECT_EQ(many.timespan_us, 3600LL * 1000000);
  ASSERT_EQ(many.condition.size(), 1u);
  EXPECT_EQ(many.condition[0].op, CompareOp::kGt);
  EXPECT_EQ(many.condition[0].value, 5);
  EXPECT_FALSE(many.generate);
  ASSERT_EQ(set.correlation_refs(0).size(), 1u);
  EXPECT_FALSE(set.correlation_refs(0)[0].is_correlation);
  EXPECT_EQ(set.correlation_refs(0)[0].index, 0u);

  const auto& chain = set.correlations()[1];
  EXPECT_EQ(chain.type, CorrelationType::kTemporalOrdered);
  EXPECT_TRUE(chain.condition.empty());
  EXPECT_TRUE(chain.generate);
  EXPECT_EQ(chain.meta.severity, Severity::kHigh);
  EXPECT_EQ(chain.meta.tactics, std::vector<std::string>{"TA0006"});
  EXPECT_EQ(chain.meta.techniques, std::vector<std::string>{"T1110.001"});
  EXPECT_EQ(chain.timespan_us, 86400LL * 1000000);
  EXPECT_EQ(chain.aliases.at("ip").at("aws.credential_access.many_failures"), "sourceIPAddress");
  ASSERT_EQ(set.correlation_refs(1).size(), 2u);
  EXPECT_TRUE(set.correlation_refs(1)[0].is_correlation);
  EXPECT_EQ(set.correlation_refs(1)[0].index, 0u);
  EXPECT_FALSE(set.correlation_refs(1)[1].is_correlation);
  EXPECT_EQ(set.correlation_refs(1)[1].index, 1u);

  const auto& distinct = set.correlations()[2];
  EXPECT_EQ(distinct.type, CorrelationType::kValueCount);
  EXPECT_EQ(distinct.value_field, "userIdentity.userName");
  EXPECT_EQ(distinct.timespan_us, 14LL * 86400 * 1000000);
  ASSERT_EQ(distinct.condition.size(), 2u);
  EXPECT_EQ(distinct.group_by, std::vector<std::string>{"sourceIPAddress"});
}

TEST(SigmaReader, CorrelationProblems) {
  auto corr = [](std::string body) { return "title: C\nid: c\ncorrelation:\n" + body; };
  Loaded l =
      load(corr("  type: value_count\n  rules: [x]\n  timespan: 1h\n  condition: {gte: 3}\n"));
  EXPECT_EQ(find(l, "missing-field").code, "missing-field") << describe(l.diags);  // no field
  l = load(corr("  type: event_count\n  rules: [x]\n  timespan: 1h\n"));
  EXPECT_EQ(find(l, "missing-field").code, "missing-field");  // no condition
  l = load(corr("  type: value_sum\n  rules: [x]\n  timespan: 1h\n  condition: {gte: 3}\n"));
  EXPECT_EQ(find(l, "unsupported-construct").code, "unsupported-construct");
  l = load(corr("  type: event_count\n  rules: [x]\n  timespan: 1h\n  condition: {gte: three}\n"));
  EXPECT_EQ(find(l, "bad-type").code, "bad-type");
  l = load(corr("  type: event_count\n  rules: [x]\n  condition: {gte: 3}\n"));
  EXPECT_EQ(find(l, "missing-field").code, "missing-field");  // no timespan
  // A correlation referencing a dropped correlation is dropped too.
  RuleSet set;
  std::vector<Diagnostic> diags;
  set.load_text(
      "title: A\nname: a\ncorrelation: {type: temporal, rules: [missing], timespan: 1h}\n---\n"
      "title: B\nname: b\ncorrelation: {type: temporal, rules: [a], timespan: 1h}\n",
      "x.yml", "user", diags);
  EXPECT_EQ(set.correlations().size(), 2u);
  set.finish(diags);
  EXPECT_TRUE(set.correlations().empty()) << describe(diags);
  size_t refs = 0;
  for (const auto& d : diags) refs += d.code == "unknown-rule-reference";
  EXPECT_EQ(refs, 2u) << describe(diags);
}

TEST(SigmaReader, DeprecatedCountBecomesACorrelation) {
  Loaded dummy;
  RuleSet set;
  std::vector<Diagnostic> diags;
  set.load_text(
      rule_text("  sel:\n    eventName: ListBuckets\n  timeframe: 10m\n"
                "  condition: sel | count(requestParameters.bucketName) by sourceIPAddress, "
                "userIdentity.arn >= 20\n"),
      "agg.yml", "user", diags);
  set.finish(diags);
  ASSERT_EQ(set.size(), 1u) << describe(diags);
  ASSERT_EQ(set.correlations().size(), 1u);
  const auto& c = set.correlations()[0];
  EXPECT_EQ(c.type, CorrelationType::kValueCount);
  EXPECT_EQ(c.value_field, "requestParameters.bucketName");
  EXPECT_EQ(c.group_by, (std::vector<std::string>{"sourceIPAddress", "userIdentity.arn"}));
  EXPECT_EQ(c.timespan_us, 600LL * 1000000);
  ASSERT_EQ(c.condition.size(), 1u);
  EXPECT_EQ(c.condition[0].op, CompareOp::kGte);
  EXPECT_EQ(c.condition[0].value, 20);
  EXPECT_EQ(c.meta.id, "11111111-1111-4111-8111-111111111111");
  EXPECT_EQ(set.meta(0).id, "11111111-1111-4111-8111-111111111111:base");
  EXPECT_EQ(c.rules, std::vector<std::string>{set.meta(0).name});
  ASSERT_EQ(diags.size(), 1u) << describe(diags);
  EXPECT_EQ(diags[0].code, "deprecated-aggregation");
  EXPECT_EQ(diags[0].level, Diagnostic::Level::kWarning);
}

}  // namespace
}  // namespace trailwarden::detect

namespace trailwarden::detect {
namespace {

// yaml-cpp's LoadAll loops forever on some streams and silently drops text after a flow-style
// root; the reader cuts documents itself and reports what yaml-cpp would ignore.
TEST(SigmaReader, MalformedStreamsAreReportedNotLooped) {
  Loaded comma = load(",tit");
  EXPECT_EQ(find(comma, "yaml-syntax").pos.line, 1) << describe(comma.diags);
  std::string good = rule_text("  sel:\n    a: x\n  condition: sel\n");
  Loaded second = load(good + "---\n,\n");
  EXPECT_EQ(second.rules, 1u);
  EXPECT_EQ(find(second, "yaml-syntax").pos.line, 11) << describe(second.diags);
  Loaded flow =
      load("{title: t, logsource: {}, detection: {sel: {a: x}, condition: sel}}\nlevel: high\n");
  EXPECT_EQ(flow.rules, 0u);
  EXPECT_EQ(find(flow, "yaml-syntax").pos.line, 2) << describe(flow.diags);
}

TEST(SigmaReader, DocumentMarkersAndDirectives) {
  std::string a = rule_text("  sel:\n    a: x\n  condition: sel\n");
  std::string b =
      "title: B\nid: b\nlogsource: {product: aws}\ndetection:\n  sel: {a: y}\n  condition: sel\n";
  Loaded ended = load(a + "...\n" + b);
  EXPECT_EQ(ended.rules, 2u) << describe(ended.diags);
  Loaded directive = load("%YAML 1.2\n---\n" + a + "---\n# only a comment\n---\n" + b + "---\n");
  EXPECT_EQ(directive.rules, 2u) << describe(directive.diags);
  // Positions stay those of the whole file.
  Loaded late = load(a + "---\n" +
                     "title: C\nlogsource: {}\ndetection:\n  sel: {a|nope: y}\n  condition: sel\n");
  Diagnostic d = find(late, "unknown-modifier");
  EXPECT_EQ(d.pos.line, 14) << describe(late.diags);
  EXPECT_EQ(d.rule_title, "C");
}

}  // namespace
}  // namespace trailwarden::detect
