#include "detect/event.h"

#include <gtest/gtest.h>

#include "detect/sigma/sigma_test_util.h"

namespace trailwarden::detect {
namespace {

using testing::Record;

std::vector<std::string> texts(Event& ev, std::string_view path) {
  std::vector<FieldValue> vals;
  ev.values(path, vals);
  std::vector<std::string> out;
  for (const auto& v : vals) out.emplace_back(v.text);
  return out;
}

TEST(Event, ResolvesDottedPathsCaseSensitively) {
  Record rec(R"({"eventName":"StopLogging","userIdentity":{"type":"IAMUser","arn":"arn:x"}})");
  Event ev;
  ev.reset(rec.root());
  EXPECT_EQ(ev.first("eventName"), "StopLogging");
  EXPECT_EQ(ev.first("userIdentity.arn"), "arn:x");
  EXPECT_TRUE(ev.exists("userIdentity.type"));
  EXPECT_FALSE(ev.exists("useridentity.type"));
  EXPECT_FALSE(ev.exists("EventName"));
  EXPECT_FALSE(ev.exists("userIdentity.arn.more"));
  EXPECT_EQ(ev.first("missing"), "");
}

TEST(Event, ScalarTypesKeepTheirText) {
  Record rec(R"({"n":42,"f":1.5,"neg":-7,"big":18446744073709551615,"t":true,"z":null,"s":"x"})");
  Event ev;
  ev.reset(rec.root());
  std::vector<FieldValue> v;
  ASSERT_TRUE(ev.values("n", v));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].type, FieldValue::Type::kNumber);
  EXPECT_EQ(v[0].text, "42");
  EXPECT_EQ(v[0].number, 42);
  EXPECT_EQ(ev.first("f"), "1.5");
  EXPECT_EQ(ev.first("neg"), "-7");
  EXPECT_EQ(ev.first("big"), "18446744073709551615");
  v.clear();
  ASSERT_TRUE(ev.values("t", v));
  EXPECT_EQ(v[0].type, FieldValue::Type::kBool);
  EXPECT_EQ(v[0].text, "true");
  v.clear();
  ASSERT_TRUE(ev.values("z", v));  // present, null
  EXPECT_EQ(v[0].type, FieldValue::Type::kNull);
  EXPECT_TRUE(ev.exists("z"));
  EXPECT_EQ(ev.first("z"), "");
}

TEST(Event, ArraysFanOutAlongThePathAndAtTheEnd) {
  Record rec(R"({"resources":[{"ARN":"a1","type":"T"},{"ARN":"a2"},{"other":1}],
                 "list":["x",["y","z"]],"empty":[]})");
  Event ev;
  ev.reset(rec.root());
  EXPECT_EQ(texts(ev, "resources.ARN"), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(texts(ev, "list"), (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_TRUE(ev.exists("empty"));
  EXPECT_TRUE(texts(ev, "empty").empty());
  EXPECT_FALSE(ev.exists("resources.nothing"));
}

TEST(Event, CompositesBecomeMinifiedJson) {
  Record rec(R"({"requestParameters": { "bucketName" : "b", "v": {"Status":"Suspended"},
                 "q":"a\"b\\c\n", "n": [1, 2.5, true, null] }})");
  Event ev;
  ev.reset(rec.root());
  EXPECT_EQ(
      ev.first("requestParameters"),
      R"({"bucketName":"b","v":{"Status":"Suspended"},"q":"a\"b\\c\n","n":[1,2.5,true,null]})");
  std::vector<FieldValue> v;
  ev.values("requestParameters.v", v);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].type, FieldValue::Type::kComposite);
  // The text stays valid while other texts are produced.
  std::string_view first = v[0].text;
  for (int i = 0; i < 100; ++i) ev.first("requestParameters");
  EXPECT_EQ(first, R"({"Status":"Suspended"})");
}

TEST(Event, KeysContainingDotsAreFoundWhenSegmentsFail) {
  Record rec(R"({"requestParameters":{"x.y":{"z":"deep"},"a":{"b":"seg"},"a.b":"joined"}})");
  Event ev;
  ev.reset(rec.root());
  EXPECT_EQ(ev.first("requestParameters.x.y.z"), "deep");
  // Segments win when they resolve.
  EXPECT_EQ(ev.first("requestParameters.a.b"), "seg");
}

class FakeDerived : public DerivedFields {
 public:
  bool compute(std::string_view group, simdjson::dom::element record,
               std::string& out) const override {
    ++calls;
    out.clear();
    if (group == "outcome") {
      out = record["errorCode"].error() ? R"("ok")" : R"("fail")";
      return true;
    }
    if (group == "policy") {
      out = R"({"capabilities":["iam_admin","s3_read"],"full_admin":true})";
      return true;
    }
    if (group == "broken") {
      out = "{not json";
      return true;
    }
    return false;
  }
  mutable int calls = 0;
};

TEST(Event, DerivedGroupsAreComputedOncePerRecord) {
  FakeDerived derived;
  Record ok(R"({"eventName":"X"})");
  Record fail(R"({"eventName":"X","errorCode":"AccessDenied"})");
  Event ev(&derived);
  ev.reset(ok.root());
  EXPECT_EQ(ev.first("tw.outcome"), "ok");
  EXPECT_EQ(ev.first("tw.outcome"), "ok");
  EXPECT_EQ(derived.calls, 1);
  EXPECT_EQ(texts(ev, "tw.policy.capabilities"),
            (std::vector<std::string>{"iam_admin", "s3_read"}));
  EXPECT_EQ(ev.first("tw.policy.full_admin"), "true");
  EXPECT_EQ(derived.calls, 2);
  EXPECT_EQ(ev.derived_computations(), 2u);
  EXPECT_FALSE(ev.exists("tw.unknown"));
  EXPECT_FALSE(ev.exists("tw.broken"));
  EXPECT_FALSE(ev.exists("tw.policy.nothing"));
  ev.reset(fail.root());
  EXPECT_EQ(ev.derived_computations(), 0u);
  EXPECT_EQ(ev.first("tw.outcome"), "fail");
}

TEST(Event, DerivedPathsWithoutProviderAreAbsent) {
  Record rec(R"({"tw":{"outcome":"spoofed"}})");
  Event ev;
  ev.reset(rec.root());
  EXPECT_FALSE(ev.exists("tw.outcome"));
}

TEST(Event, VisitStringsSeesEveryStringValue) {
  Record rec(R"({"a":"one","b":{"c":["two",3,{"d":"three"}]},"key-not-value":true})");
  Event ev;
  ev.reset(rec.root());
  std::vector<std::string> seen;
  ev.visit_strings([&](std::string_view s) {
    seen.emplace_back(s);
    return false;
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"one", "two", "three"}));
}

TEST(FieldPath, SplitsSegments) {
  FieldPath p("a.b.c");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p.segment(1), "b");
  EXPECT_EQ(p.joined(1, 2), "b.c");
  EXPECT_FALSE(p.derived());
  FieldPath d("tw.policy.capabilities");
  EXPECT_TRUE(d.derived());
  EXPECT_EQ(d.group(), "policy");
  EXPECT_FALSE(FieldPath("tw").derived());
  EXPECT_EQ(FieldPath("").size(), 0u);
}

}  // namespace
}  // namespace trailwarden::detect
