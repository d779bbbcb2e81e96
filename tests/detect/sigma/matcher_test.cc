// Field values and every modifier, positive and negative, through the whole pipeline
// (YAML -> compiler -> RuleSet.match, which also checks index == brute force).
#include <gtest/gtest.h>

#include "detect/sigma/sigma_test_util.h"

namespace trailwarden::detect {
namespace {

using testing::describe;
using testing::OneRule;

#define EXPECT_LOADS(r) ASSERT_TRUE((r).ok()) << describe((r).diags())

TEST(SigmaMatch, PlainStringsAreCaseInsensitiveExact) {
  OneRule r("  sel:\n    eventName: StopLogging\n  condition: sel\n");
  EXPECT_LOADS(r);
  EXPECT_TRUE(r.match(R"({"eventName":"StopLogging"})"));
  EXPECT_TRUE(r.match(R"({"eventName":"stoplogging"})"));
  EXPECT_FALSE(r.match(R"({"eventName":"StopLoggingX"})"));
  EXPECT_FALSE(r.match(R"({"eventName":"XStopLogging"})"));
  EXPECT_FALSE(r.match(R"({"EventName":"StopLogging"})"));  // field names are case-sensitive
  EXPECT_FALSE(r.match(R"({})"));
}

TEST(SigmaMatch, ContainsOnAnObjectAlsoSearchesItsStringValues) {
  OneRule r(
      "  sel:\n"
      "    requestParameters|contains|all:\n"
      "      - '\"Allow\"'\n"
      "      - '\"s3:GetObject\"'\n"
      "  condition: sel\n");
  EXPECT_LOADS(r);
  // The policy document is a JSON string: escaped in the object's text, plain in its value.
  EXPECT_TRUE(r.match(
      R"({"requestParameters":{"policyDocument":"{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"}"}})"));
  EXPECT_TRUE(r.match(R"({"requestParameters":{"Effect":"Allow","Action":["s3:GetObject"]}})"));
  EXPECT_FALSE(r.match(
      R"({"requestParameters":{"policyDocument":"{\"Effect\":\"Deny\",\"Action\":\"s3:GetObject\"}"}})"));
  // Equality on an object is not a search of its values.
  OneRule eq("  sel:\n    requestParameters: 'Allow'\n  condition: sel\n");
  EXPECT_LOADS(eq);
  EXPECT_FALSE(eq.match(R"({"requestParameters":{"Effect":"Allow"}})"));
}

TEST(SigmaMatch, WildcardsAndEscapes) {
  OneRule r(
      "  sel:\n"
      "    a: 'Get*'\n"
      "    b: '*Policy'\n"
      "    c: '*mid*'\n"
      "    d: 'x?z'\n"
      "    e: 'lit\\*eral'\n"
      "    f: 'a*b*c'\n"
      "  condition: sel\n");
  EXPECT_LOADS(r);
  EXPECT_TRUE(r.match(
      R"({"a":"GetObject","b":"PutBucketPolicy","c":"xxMIDxx","d":"xyz","e":"lit*eral","f":"aXXbYYc"})"));
  EXPECT_FALSE(r.match(
      R"({"a":"PutObject","b":"PutBucketPolicy","c":"xxMIDxx","d":"xyz","e":"lit*eral","f":"abc"})"));
  EXPECT_FALSE(r.match(
      R"({"a":"GetObject","b":"PutBucketPolicyX","c":"xxMIDxx","d":"xyz","e":"lit*eral","f":"abc"})"));
  EXPECT_FALSE(r.match(
      R"({"a":"GetObject","b":"PutBucketPolicy","c":"xxMIxx","d":"xyz","e":"lit*eral","f":"abc"})"));
  EXPECT_FALSE(r.match(
      R"({"a":"GetObject","b":"PutBucketPolicy","c":"xxMIDxx","d":"xz","e":"lit*eral","f":"abc"})"));
  EXPECT_FALSE(r.match(
      R"({"a":"GetObject","b":"PutBucketPolicy","c":"xxMIDxx","d":"xyz","e":"litXeral","f":"abc"})"));
  EXPECT_FALSE(r.match(
      R"({"a":"GetObject","b":"PutBucketPolicy","c":"xxMIDxx","d":"xyz","e":"lit*eral","f":"acb"})"));
  EXPECT_TRUE(r.match(R"({"a":"get","b":"policy","c":"mid","d":"XéZ","e":"LIT*ERAL","f":"ABC"})"));
}

TEST(SigmaMatch, ContainsStartswithEndswith) {
  OneRule r(
      "  sel:\n"
      "    userAgent|contains: 'S3 Browser'\n"
      "    eventName|startswith: 'UpdateFunctionConfiguration'\n"
      "    arn|endswith: ':root'\n"
      "  condition: sel\n");
  EXPECT_LOADS(r);
  EXPECT_TRUE(r.match(
      R"({"userAgent":"x s3 browser 9","eventName":"UpdateFunctionConfiguration20150331v2","arn":"arn:aws:iam::1:ROOT"})"));
  EXPECT_FALSE(r.match(
      R"({"userAgent":"x s3browser","eventName":"UpdateFunctionConfiguration20150331v2","arn":"arn:aws:iam::1:root"})"));
  EXPECT_FALSE(r.match(
      R"({"userAgent":"S3 Browser","eventName":"XUpdateFunctionConfiguration","arn":"arn:aws:iam::1:root"})"));
  EXPECT_FALSE(r.match(
      R"({"userAgent":"S3 Browser","eventName":"UpdateFunctionConfiguration","arn":"arn:aws:iam::1:root/x"})"));
}

TEST(SigmaMatch, CasedIsExact) {
  OneRule r(
      "  sel:\n    eventName|cased: StopLogging\n    ua|cased|contains: Boto\n  condition: sel\n");
  EXPECT_LOADS(r);
  EXPECT_TRUE(r.match(R"({"eventName":"StopLogging","ua":"aBotoc"})"));
  EXPECT_FALSE(r.match(R"({"eventName":"stoplogging","ua":"aBotoc"})"));
  EXPECT_FALSE(r.match(R"({"eventName":"StopLogging","ua":"boto"})"));
}

TEST(SigmaMatch, ListsAreOrAndAllMakesThemAnd) {
  OneRule any("  sel:\n    eventName:\n      - A\n      - B\n  condition: sel\n");
  EXPECT_LOADS(any);
  EXPECT_TRUE(any.match(R"({"eventName":"a"})"));
  EXPECT_TRUE(any.match(R"({"eventName":"B"})"));
  EXPECT_FALSE(any.match(R"({"eventName":"C"})"));
  OneRule all(
      "  sel:\n    rp|contains|all:\n      - '\"Allow\"'\n      - 's3:GetObject'\n  condition: "
      "sel\n");
  EXPECT_LOADS(all);
  EXPECT_TRUE(all.match(R"({"rp":{"Effect":"Allow","Action":"s3:GetObject"}})"));
  EXPECT_FALSE(all.match(R"({"rp":{"Effect":"Deny","Action":"s3:GetObject"}})"));
  EXPECT_FALSE(all.match(R"({"rp":{"Effect":"Allow","Action":"s3:PutObject"}})"));
}

TEST(SigmaMatch, ListOfMapsIsOr) {
  OneRule r(
      "  filter:\n"
      "    - eventSource: ssm.amazonaws.com\n"
      "    - eventName: RegisterManagedInstance\n"
      "  condition: filter\n");
  EXPECT_LOADS(r);
  EXPECT_TRUE(r.match(R"({"eventSource":"ssm.amazonaws.com","eventName":"X"})"));
  EXPECT_TRUE(
      r.match(R"({"eventSource":"ec2.amazonaws.com","eventName":"RegisterManagedInstance"})"));
  EXPECT_FALSE(r.match(R"({"eventSource":"ec2.amazonaws.com","eventName":"X"})"));
}

TEST(SigmaMatch, NullMeansAbsentOrJsonNull) {
  OneRule r("  sel:\n    errorCode: null\n  condition: sel\n");
  EXPECT_LOADS(r);
  EXPECT_TRUE(r.match(R"({})"));
  EXPECT_TRUE(r.match(R"({"errorCode":null})"));
  EXPECT_FALSE(r.match(R"({"errorCode":"AccessDenied"})"));
  EXPECT_FALSE(r.match(R"({"errorCode":""})"));
  OneRule quoted("  sel:\n    errorCode: 'null'\n  condition: sel\n");
  EXPECT_LOADS(quoted);
  EXPECT_TRUE(quoted.match(R"({"errorCode":"null"})"));
  EXPECT_FALSE(quoted.match(R"({})"));
  OneRule either("  sel:\n    errorCode:\n      - Success\n      - null\n  condition: sel\n");
  EXPECT_LOADS(either);
  EXPECT_TRUE(either.match(R"({})"));
  EXPECT_TRUE(either.match(R"({"errorCode":"success"})"));
  EXPECT_FALSE(either.match(R"({"errorCode":"AccessDenied"})"));
}

TEST(SigmaMatch, EmptyStringNeedsAPresentEmptyValue) {
  OneRule r("  sel:\n    errorCode: ''\n  condition: sel\n");
  EXPECT_LOADS(r);
  EXPECT_TRUE(r.match(R"({"errorCode":""})"));
  EXPECT_FALSE(r.match(R"({})"));
  EXPECT_FALSE(r.match(R"({"errorCode":null})"));
  EXPECT_FALSE(r.match(R"({"errorCode":"x"})"));
}

TEST(SigmaMatch, Exists) {
  OneRule yes("  sel:\n    errorCode|exists: true\n  condition: sel\n");
  EXPECT_LOADS(yes);
  EXPECT_TRUE(yes.match(R"({"errorCode":"x"})"));
  EXPECT_TRUE(yes.match(R"({"errorCode":null})"));
  EXPECT_FALSE(yes.match(R"({})"));
  OneRule no("  sel:\n    errorCode|exists: false\n  condition: sel\n");
  EXPECT_LOADS(no);
  EXPECT_FALSE(no.match(R"({"errorCode":"x"})"));
  EXPECT_TRUE(no.match(R"({})"));
}

TEST(SigmaMatch, NumbersAndBooleansCompareWithTheRecordText) {
  OneRule r("  sel:\n    port: 22\n    publiclyAccessible: true\n  condition: sel\n");
  EXPECT_LOADS(r);
  EXPECT_TRUE(r.match(R"({"port":22,"publiclyAccessible":true})"));
  EXPECT_TRUE(r.match(R"({"port":"22","publiclyAccessible":"true"})"));
  EXPECT_TRUE(r.match(R"({"port":22.0,"publiclyAccessible":"True"})"));
  EXPECT_FALSE(r.match(R"({"port":23,"publiclyAccessible":true})"));
  EXPECT_FALSE(r.match(R"({"port":22,"publiclyAccessible":false})"));
}

TEST(SigmaMatch, NumericComparisons) {
  OneRule r("  sel:\n    a|gt: 5\n    b|gte: 5\n    c|lt: 1.5\n    d|lte: -2\n  condition: sel\n");
  EXPECT_LOADS(r);
  EXPECT_TRUE(r.match(R"({"a":6,"b":5,"c":1.4,"d":-2})"));
  EXPECT_TRUE(r.match(R"({"a":"6","b":"5.0","c":"1","d":"-3"})"));
  EXPECT_FALSE(r.match(R"({"a":5,"b":5,"c":1.4,"d":-2})"));
  EXPECT_FALSE(r.match(R"({"a":6,"b":4.9,"c":1.4,"d":-2})"));
  EXPECT_FALSE(r.match(R"({"a":6,"b":5,"c":1.5,"d":-2})"));
  EXPECT_FALSE(r.match(R"({"a":6,"b":5,"c":1.4,"d":-1})"));
  EXPECT_FALSE(r.match(R"({"a":"six","b":5,"c":1.4,"d":-2})"));
  EXPECT_FALSE(r.match(R"({"b":5,"c":1.4,"d":-2})"));
}

TEST(SigmaMatch, Regex) {
  OneRule r("  sel:\n    userIdentity.arn|re: '.+:assumed-role/aws:.+'\n  condition: sel\n");
  EXPECT_LOADS(r);
  EXPECT_TRUE(
      r.match(R"({"userIdentity":{"arn":"arn:aws:sts::1:assumed-role/aws:ec2-instance/i-1"}})"));
  EXPECT_FALSE(r.match(R"({"userIdentity":{"arn":"arn:aws:sts::1:assumed-role/Admin/x"}})"));
  // Case-sensitive by default; i makes it insensitive.
  OneRule cs("  sel:\n    a|re: '^Abc$'\n  condition: sel\n");
  EXPECT_LOADS(cs);
  EXPECT_TRUE(cs.match(R"({"a":"Abc"})"));
  EXPECT_FALSE(cs.match(R"({"a":"abc"})"));
  OneRule ci("  sel:\n    a|re|i: '^Abc$'\n  condition: sel\n");
  EXPECT_LOADS(ci);
  EXPECT_TRUE(ci.match(R"({"a":"abc"})"));
  OneRule ml("  sel:\n    a|re|m: '^two$'\n  condition: sel\n");
  EXPECT_LOADS(ml);
  EXPECT_TRUE(ml.match(R"({"a":"one\ntwo\nthree"})"));
  OneRule noml("  sel:\n    a|re: '^two$'\n  condition: sel\n");
  EXPECT_LOADS(noml);
  EXPECT_FALSE(noml.match(R"({"a":"one\ntwo\nthree"})"));
  OneRule dot("  sel:\n    a|re|s: 'one.two'\n  condition: sel\n");
  EXPECT_LOADS(dot);
  EXPECT_TRUE(dot.match(R"({"a":"one\ntwo"})"));
  OneRule nodot("  sel:\n    a|re: 'one.two'\n  condition: sel\n");
  EXPECT_LOADS(nodot);
  EXPECT_FALSE(nodot.match(R"({"a":"one\ntwo"})"));
}

TEST(SigmaMatch, Cidr) {
  OneRule r(
      "  sel:\n    sourceIPAddress|cidr:\n      - 10.0.0.0/8\n      - 192.168.1.0/24\n      - "
      "'2001:db8::/32'\n  condition: sel\n");
  EXPECT_LOADS(r);
  EXPECT_TRUE(r.match(R"({"sourceIPAddress":"10.1.2.3"})"));
  EXPECT_TRUE(r.match(R"({"sourceIPAddress":"192.168.1.255"})"));
  EXPECT_TRUE(r.match(R"({"sourceIPAddress":"2001:db8:1::5"})"));
  EXPECT_FALSE(r.match(R"({"sourceIPAddress":"11.0.0.1"})"));
  EXPECT_FALSE(r.match(R"({"sourceIPAddress":"192.168.2.1"})"));
  EXPECT_FALSE(r.match(R"({"sourceIPAddress":"2001:db9::1"})"));
  EXPECT_FALSE(r.match(R"({"sourceIPAddress":"ec2.amazonaws.com"})"));
  OneRule odd("  sel:\n    ip|cidr: 172.16.0.0/12\n  condition: sel\n");
  EXPECT_LOADS(odd);
  EXPECT_TRUE(odd.match(R"({"ip":"172.31.255.255"})"));
  EXPECT_FALSE(odd.match(R"({"ip":"172.32.0.0"})"));
}

TEST(SigmaMatch, Base64AndOffsets) {
  // "secret" -> c2VjcmV0
  OneRule b("  sel:\n    data|base64: secret\n  condition: sel\n");
  EXPECT_LOADS(b);
  EXPECT_TRUE(b.match(R"({"data":"c2VjcmV0"})"));
  EXPECT_FALSE(b.match(R"({"data":"secret"})"));
  OneRule bc("  sel:\n    data|base64|contains: secret\n  condition: sel\n");
  EXPECT_LOADS(bc);
  EXPECT_TRUE(bc.match(R"({"data":"xxc2VjcmV0yy"})"));
  // base64offset finds the value at any of the three alignments.
  OneRule off("  sel:\n    data|base64offset|contains: 'http://'\n  condition: sel\n");
  EXPECT_LOADS(off);
  EXPECT_TRUE(off.match(R"({"data":"aHR0cDovL2V4YW1wbGU="})"));      // "http://example"
  EXPECT_TRUE(off.match(R"({"data":"eGh0dHA6Ly9leGFtcGxl"})"));      // "xhttp://example"
  EXPECT_TRUE(off.match(R"({"data":"eHhodHRwOi8vZXhhbXBsZQ=="})"));  // "xxhttp://example"
  EXPECT_FALSE(off.match(R"({"data":"ZnRwOi8vZXhhbXBsZQ=="})"));     // "ftp://example"
}

TEST(SigmaMatch, Utf16BeforeBase64) {
  // "cmd" in UTF-16LE = 63 00 6d 00 64 00 -> YwBtAGQA
  OneRule le("  sel:\n    data|utf16le|base64: cmd\n  condition: sel\n");
  EXPECT_LOADS(le);
  EXPECT_TRUE(le.match(R"({"data":"YwBtAGQA"})"));
  OneRule wide("  sel:\n    data|wide|base64: cmd\n  condition: sel\n");
  EXPECT_LOADS(wide);
  EXPECT_TRUE(wide.match(R"({"data":"YwBtAGQA"})"));
  // UTF-16BE 00 63 00 6d 00 64 -> AGMAbQBk
  OneRule be("  sel:\n    data|utf16be|base64: cmd\n  condition: sel\n");
  EXPECT_LOADS(be);
  EXPECT_TRUE(be.match(R"({"data":"AGMAbQBk"})"));
  EXPECT_FALSE(be.match(R"({"data":"YwBtAGQA"})"));
  // BOM FF FE then LE -> //5jAG0AZAA=
  OneRule bom("  sel:\n    data|utf16|base64: cmd\n  condition: sel\n");
  EXPECT_LOADS(bom);
  EXPECT_TRUE(bom.match(R"({"data":"//5jAG0AZAA="})"));
}

TEST(SigmaMatch, Windash) {
  OneRule r("  sel:\n    cmd|windash|contains: ' -enc '\n  condition: sel\n");
  EXPECT_LOADS(r);
  EXPECT_TRUE(r.match(R"({"cmd":"powershell -enc AAA"})"));
  EXPECT_TRUE(r.match(R"({"cmd":"powershell /enc AAA"})"));
  EXPECT_TRUE(r.match(R"({"cmd":"powershell \u2013enc AAA"})"));
  EXPECT_FALSE(r.match(R"({"cmd":"powershell enc AAA"})"));
  EXPECT_NE(r.dump().find("/enc"), std::string::npos) << r.dump();
}

TEST(SigmaMatch, FieldRef) {
  OneRule r(
      "  sel:\n    userIdentity.arn|fieldref: requestParameters.userName\n  condition: sel\n");
  EXPECT_LOADS(r);
  EXPECT_TRUE(
      r.match(R"({"userIdentity":{"arn":"Alice"},"requestParameters":{"userName":"alice"}})"));
  EXPECT_FALSE(r.match(
      R"({"userIdentity":{"arn":"arn:x:user/alice"},"requestParameters":{"userName":"alice"}})"));
  EXPECT_FALSE(r.match(R"({"userIdentity":{"arn":"alice"}})"));
  OneRule ends(
      "  sel:\n    userIdentity.arn|fieldref|endswith: requestParameters.userName\n  condition: "
      "sel\n");
  EXPECT_LOADS(ends);
  EXPECT_TRUE(ends.match(
      R"({"userIdentity":{"arn":"arn:x:user/alice"},"requestParameters":{"userName":"alice"}})"));
  EXPECT_FALSE(ends.match(
      R"({"userIdentity":{"arn":"arn:x:user/alice"},"requestParameters":{"userName":"bob"}})"));
  OneRule contains("  sel:\n    a|fieldref|contains: b\n  condition: sel\n");
  EXPECT_LOADS(contains);
  EXPECT_TRUE(contains.match(R"({"a":"xxYYzz","b":"yy"})"));
  OneRule starts("  sel:\n    a|fieldref|startswith|cased: b\n  condition: sel\n");
  EXPECT_LOADS(starts);
  EXPECT_TRUE(starts.match(R"({"a":"YYzz","b":"YY"})"));
  EXPECT_FALSE(starts.match(R"({"a":"YYzz","b":"yy"})"));
}

TEST(SigmaMatch, Neq) {
  OneRule r("  sel:\n    eventType|neq: AwsServiceEvent\n  condition: sel\n");
  EXPECT_LOADS(r);
  EXPECT_TRUE(r.match(R"({"eventType":"AwsApiCall"})"));
  EXPECT_FALSE(r.match(R"({"eventType":"awsserviceevent"})"));
  EXPECT_FALSE(r.match(R"({})"));
  OneRule list("  sel:\n    t|neq:\n      - A\n      - B\n  condition: sel\n");
  EXPECT_LOADS(list);
  EXPECT_TRUE(list.match(R"({"t":"C"})"));
  EXPECT_FALSE(list.match(R"({"t":"A"})"));
  EXPECT_FALSE(list.match(R"({"t":"B"})"));
}

TEST(SigmaMatch, Expand) {
  SigmaOptions opts;
  opts.placeholders["Legitimate_Countries"] = {"US", "DE"};
  opts.placeholders["admins"] = {"alice*", "bob"};
  OneRule r(
      "  sel:\n    country|expand: '%Legitimate_Countries%'\n    user|expand: '%admins%'\n  "
      "condition: sel\n",
      opts);
  EXPECT_LOADS(r);
  EXPECT_TRUE(r.match(R"({"country":"us","user":"alice2"})"));
  EXPECT_TRUE(r.match(R"({"country":"DE","user":"bob"})"));
  EXPECT_FALSE(r.match(R"({"country":"FR","user":"bob"})"));
  EXPECT_FALSE(r.match(R"({"country":"US","user":"bobby"})"));
  OneRule cidr("  sel:\n    ip|expand|cidr: '%nets%'\n  condition: sel\n",
               SigmaOptions{{{"nets", {"10.0.0.0/8"}}}});
  EXPECT_LOADS(cidr);
  EXPECT_TRUE(cidr.match(R"({"ip":"10.9.9.9"})"));
  EXPECT_FALSE(cidr.match(R"({"ip":"11.9.9.9"})"));
}

TEST(SigmaMatch, Keywords) {
  OneRule r("  keywords:\n    - 'trufflehog'\n    - 'evil*tool'\n  condition: keywords\n");
  EXPECT_LOADS(r);
  EXPECT_TRUE(r.match(R"({"userAgent":"TruffleHog v3"})"));
  EXPECT_TRUE(r.match(R"({"a":{"b":["x","my evil super tool here"]}})"));
  EXPECT_FALSE(r.match(R"({"userAgent":"aws-cli"})"));
  EXPECT_FALSE(r.match(R"({"trufflehog":1})"));  // keys are not values
}

TEST(SigmaMatch, ArraysMatchAnyElement) {
  OneRule r("  sel:\n    resources.ARN|endswith: ':trail/main'\n  condition: sel\n");
  EXPECT_LOADS(r);
  EXPECT_TRUE(r.match(R"({"resources":[{"ARN":"arn:a"},{"ARN":"arn:x:trail/main"}]})"));
  EXPECT_FALSE(r.match(R"({"resources":[{"ARN":"arn:a"},{"ARN":"arn:b"}]})"));
  OneRule all("  sel:\n    tags|all:\n      - a\n      - b\n  condition: sel\n");
  EXPECT_LOADS(all);
  EXPECT_TRUE(all.match(R"({"tags":["b","c","a"]})"));
  EXPECT_FALSE(all.match(R"({"tags":["b","c"]})"));
}

TEST(SigmaMatch, CompositeValuesAreMatchedAsJsonText) {
  OneRule r("  sel:\n    requestParameters|contains: Suspended\n  condition: sel\n");
  EXPECT_LOADS(r);
  EXPECT_TRUE(
      r.match(R"({"requestParameters":{"VersioningConfiguration":{"Status":"Suspended"}}})"));
  EXPECT_FALSE(
      r.match(R"({"requestParameters":{"VersioningConfiguration":{"Status":"Enabled"}}})"));
  OneRule any("  sel:\n    errorMessage|contains: '*'\n  condition: not sel\n");
  EXPECT_LOADS(any);
  EXPECT_TRUE(any.match(R"({})"));
  EXPECT_TRUE(any.match(R"({"errorMessage":null})"));
  EXPECT_FALSE(any.match(R"({"errorMessage":""})"));
  EXPECT_FALSE(any.match(R"({"errorMessage":"denied"})"));
}

TEST(SigmaMatch, DerivedFields) {
  struct Derived : DerivedFields {
    bool compute(std::string_view group, simdjson::dom::element, std::string& out) const override {
      if (group != "outcome") return false;
      out = "\"ok\"";
      return true;
    }
  } derived;
  RuleSet set;
  std::vector<Diagnostic> diags;
  set.load_text(testing::rule_text("  sel:\n    tw.outcome: ok\n  condition: sel\n"), "t.yml",
                "user", diags);
  ASSERT_EQ(set.size(), 1u) << describe(diags);
  testing::Record rec(R"({"eventName":"X"})");
  Event ev(&derived);
  ev.reset(rec.root());
  std::vector<uint32_t> out;
  set.match(ev, "cloudtrail", out);
  EXPECT_EQ(out.size(), 1u);
  Event plain;
  plain.reset(rec.root());
  out.clear();
  set.match(plain, "cloudtrail", out);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace trailwarden::detect

namespace trailwarden::detect {
namespace {

// The literal prefilter in front of RE2 must never lose a match.
TEST(SigmaMatch, RegexLiteralPrefilterKeepsEveryMatch) {
  struct Case {
    const char* re;
    const char* text;
    bool expect;
  };
  const Case cases[] = {
      {"abc+d", "abccccd", true},
      {"abc?d", "abd", true},
      {"ab*cde", "acde", true},
      {"x{2}yzw", "xxyzw", true},
      {"a\\.b\\.c", "a.b.c", true},
      {"a\\.b\\.c", "aXbXc", false},
      {"[0-9]+:root$", "arn:aws:iam::123:root", true},
      {"(foo|bar)baz", "barbaz", true},
      {"^arn:aws:sts::\\d+:assumed-role/", "arn:aws:sts::12:assumed-role/x", true},
      {"hello wor?ld", "hello wold", true},
      {"hello world", "HELLO WORLD", false},
  };
  for (const auto& c : cases) {
    std::string det = "  sel:\n    a|re: '" + std::string(c.re) + "'\n  condition: sel\n";
    OneRule r(det);
    ASSERT_TRUE(r.ok()) << c.re << "\n" << describe(r.diags());
    EXPECT_EQ(r.match(std::string(R"({"a":")") + c.text + "\"}"), c.expect)
        << c.re << " on " << c.text;
  }
  OneRule ci("  sel:\n    a|re|i: 'Hello World'\n  condition: sel\n");
  ASSERT_TRUE(ci.ok());
  EXPECT_TRUE(ci.match(R"({"a":"say HELLO WORLD"})"));
}

}  // namespace
}  // namespace trailwarden::detect

namespace trailwarden::detect {
namespace {

TEST(SigmaMatch, TimeModifiers) {
  OneRule night("  sel:\n    eventTime|hour|gte: 22\n  condition: sel\n");
  ASSERT_TRUE(night.ok()) << describe(night.diags());
  EXPECT_TRUE(night.match(R"({"eventTime":"2024-01-15T23:04:35Z"})"));
  EXPECT_FALSE(night.match(R"({"eventTime":"2024-01-15T21:59:59Z"})"));
  EXPECT_TRUE(night.match(R"({"eventTime":"2024-01-15T20:30:00-02:00"})"));  // 22:30 UTC
  EXPECT_FALSE(night.match(R"({"eventTime":"yesterday"})"));
  EXPECT_FALSE(night.match(R"({"eventTime":1705359875})"));
  OneRule parts(
      "  sel:\n    t|minute: 4\n    t|day: 15\n    t|month: 1\n    t|year: 2024\n    t|week: 3\n"
      "  condition: sel\n");
  ASSERT_TRUE(parts.ok()) << describe(parts.diags());
  EXPECT_TRUE(parts.match(R"({"t":"2024-01-15T00:04:35Z"})"));
  EXPECT_FALSE(parts.match(R"({"t":"2024-01-16T00:04:35Z"})"));
  OneRule weekend("  sel:\n    d|week:\n      - 1\n      - 53\n  condition: sel\n");
  ASSERT_TRUE(weekend.ok());
  EXPECT_TRUE(weekend.match(R"({"d":"2021-01-03"})"));  // ISO week 53 of 2020
  EXPECT_TRUE(weekend.match(R"({"d":"2024-12-30"})"));  // ISO week 1 of 2025
  EXPECT_FALSE(weekend.match(R"({"d":"2024-06-30"})"));
  OneRule neq("  sel:\n    t|hour|neq: 3\n  condition: sel\n");
  ASSERT_TRUE(neq.ok());
  EXPECT_TRUE(neq.match(R"({"t":"2024-01-15T04:00:00Z"})"));
  EXPECT_FALSE(neq.match(R"({"t":"2024-01-15T03:00:00Z"})"));
}

TEST(SigmaMatch, RegexFlagLongNames) {
  OneRule r("  sel:\n    a|re|ignorecase|dotall: 'one.TWO'\n  condition: sel\n");
  ASSERT_TRUE(r.ok()) << describe(r.diags());
  EXPECT_TRUE(r.match(R"({"a":"ONE\ntwo"})"));
}

}  // namespace
}  // namespace trailwarden::detect
