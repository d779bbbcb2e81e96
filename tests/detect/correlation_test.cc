// Tests of the Sigma correlation engine: each correlation type at its edges, group-by and
// aliases, chaining (the catalogue's console_login_after_failures, family C, s3 brute force),
// fire-once, lateness, bounds, persistence, and a randomised comparison with a brute-force
// reference for event_count and value_count.
#include "detect/correlation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <map>
#include <random>
#include <set>

namespace trailwarden::detect {
namespace {

constexpr int64_t kSec = 1000000;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kT0 = 1700000000LL * kSec;  // 2023-11-14T22:13:20Z

using Ref = ResolvedCorrelation::Ref;

Ref base(size_t rule, std::string name) { return Ref{false, rule, std::move(name)}; }
Ref corr(size_t index, std::string name) { return Ref{true, index, std::move(name)}; }

ResolvedCorrelation make(std::string name, CorrelationType type, std::vector<Ref> refs,
                         std::vector<std::string> group_by, int64_t timespan,
                         std::vector<CountCondition> condition = {}, std::string field = {}) {
  ResolvedCorrelation r;
  r.spec.meta.name = name;
  r.spec.meta.id = "id-" + name;
  r.spec.meta.title = name;
  r.spec.type = type;
  for (const Ref& ref : refs) r.spec.rules.push_back(ref.name);
  r.spec.group_by = std::move(group_by);
  r.spec.timespan_us = timespan;
  r.spec.condition = std::move(condition);
  r.spec.value_field = std::move(field);
  r.refs = std::move(refs);
  return r;
}

HitFields ip(std::string v) { return {{"sourceIPAddress", std::move(v)}}; }

// Feeds one hit and returns the alerts it raised.
std::vector<CorrelationAlert> hit(CorrelationEngine& e, size_t rule, int64_t t, std::string id,
                                  const HitFields& fields) {
  std::vector<CorrelationAlert> out;
  e.on_hit(rule, t, id, fields, out);
  return out;
}

std::vector<CorrelationAlert> expire(CorrelationEngine& e, int64_t now) {
  std::vector<CorrelationAlert> out;
  e.expire(now, out);
  return out;
}

// ---- event_count -----------------------------------------------------------------------------

CorrelationEngine failures_engine(std::vector<CountCondition> cond, int64_t span = kHour,
                                  CorrelationLimits limits = {}) {
  return CorrelationEngine({make("failures", CorrelationType::kEventCount, {base(0, "failed")},
                                 {"sourceIPAddress"}, span, std::move(cond))},
                           limits);
}

TEST(CorrelationEventCount, FiresExactlyWhenTheCountPassesTheThreshold) {
  auto e = failures_engine({{CompareOp::kGt, 5}});
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(hit(e, 0, kT0 + i * kMin, "e" + std::to_string(i), ip("1.2.3.4")).empty()) << i;
  }
  auto alerts = hit(e, 0, kT0 + 5 * kMin, "e5", ip("1.2.3.4"));
  ASSERT_EQ(alerts.size(), 1u);
  const CorrelationAlert& a = alerts[0];
  EXPECT_EQ(a.correlation, 0u);
  EXPECT_EQ(a.observed, 6);
  EXPECT_EQ(a.event_count, 6u);
  EXPECT_EQ(a.event_ids, (std::vector<std::string>{"e0", "e1", "e2", "e3", "e4", "e5"}));
  EXPECT_EQ(a.first_time_us, kT0);
  EXPECT_EQ(a.last_time_us, kT0 + 5 * kMin);
  EXPECT_EQ(a.group,
            (std::vector<std::pair<std::string, std::string>>{{"sourceIPAddress", "1.2.3.4"}}));
  EXPECT_EQ(a.detail, "6 events (> 5) in 1h");
  EXPECT_NE(a.key.find("failures"), std::string::npos);
  EXPECT_NE(a.key.find("1.2.3.4"), std::string::npos);
  EXPECT_NE(a.key.find("e0"), std::string::npos);
}

TEST(CorrelationEventCount, GteAtThresholdFiresAndJustBelowDoesNot) {
  auto e = failures_engine({{CompareOp::kGte, 3}});
  EXPECT_TRUE(hit(e, 0, kT0, "a", ip("x")).empty());
  EXPECT_TRUE(hit(e, 0, kT0 + kSec, "b", ip("x")).empty());
  EXPECT_EQ(hit(e, 0, kT0 + 2 * kSec, "c", ip("x")).size(), 1u);
}

TEST(CorrelationEventCount, WindowBoundaryIsInclusiveAtTheTimespan) {
  for (int64_t delta : {-kSec, int64_t{0}, kSec}) {
    auto e = failures_engine({{CompareOp::kGte, 2}}, 10 * kMin);
    EXPECT_TRUE(hit(e, 0, kT0, "a", ip("x")).empty());
    auto alerts = hit(e, 0, kT0 + 10 * kMin + delta, "b", ip("x"));
    EXPECT_EQ(alerts.size(), delta <= 0 ? 1u : 0u) << "delta " << delta;
  }
}

TEST(CorrelationEventCount, SlidingNotBinnedAcrossAnHourEdge) {
  // 3 events before and 3 after a full hour, all within 10 minutes: one window.
  auto e = failures_engine({{CompareOp::kGte, 6}}, 10 * kMin);
  const int64_t edge = kT0 - kT0 % kHour + kHour;
  std::vector<CorrelationAlert> all;
  for (int i = 0; i < 6; ++i) {
    auto a = hit(e, 0, edge - 3 * kMin + i * kMin, "e" + std::to_string(i), ip("x"));
    all.insert(all.end(), a.begin(), a.end());
  }
  EXPECT_EQ(all.size(), 1u);
}

TEST(CorrelationEventCount, LateEventWithinLatenessCountsInItsWindow) {
  auto e = failures_engine({{CompareOp::kGte, 3}}, 10 * kMin);
  EXPECT_TRUE(hit(e, 0, kT0 + 60 * kMin, "late-batch-1", ip("x")).empty());
  EXPECT_TRUE(hit(e, 0, kT0 + 65 * kMin, "late-batch-2", ip("x")).empty());
  // An hour earlier than the watermark (within the 2 h lateness), far from the others: alone.
  EXPECT_TRUE(hit(e, 0, kT0, "old", ip("x")).empty());
  // Late, but inside the window of the first two: completes it.
  auto alerts = hit(e, 0, kT0 + 58 * kMin, "late", ip("x"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].event_ids,
            (std::vector<std::string>{"late", "late-batch-1", "late-batch-2"}));
  EXPECT_EQ(alerts[0].first_time_us, kT0 + 58 * kMin);
  EXPECT_EQ(alerts[0].last_time_us, kT0 + 65 * kMin);
}

TEST(CorrelationEventCount, EventLaterThanTheLatenessIsIgnored) {
  CorrelationLimits limits;
  limits.allowed_lateness_us = kHour;
  auto e = failures_engine({{CompareOp::kGte, 2}}, 10 * kMin, limits);
  EXPECT_TRUE(hit(e, 0, kT0 + 2 * kHour, "now", ip("x")).empty());
  EXPECT_TRUE(hit(e, 0, kT0, "too-late", ip("x")).empty());
  EXPECT_EQ(e.stats().late, 1u);
  EXPECT_TRUE(hit(e, 0, kT0 + 5 * kMin, "too-late-2", ip("x")).empty());
  EXPECT_EQ(e.stats().late, 2u);
  EXPECT_EQ(hit(e, 0, kT0 + kHour + 1 * kMin, "just-in", ip("x")).size(), 0u);
  EXPECT_EQ(e.stats().late, 2u);
}

TEST(CorrelationEventCount, FiresOncePerBurstAndNeedsFreshEventsAfterwards) {
  auto e = failures_engine({{CompareOp::kGt, 50}}, 10 * kMin);
  std::vector<CorrelationAlert> all;
  for (int i = 0; i < 120; ++i) {
    auto a = hit(e, 0, kT0 + i * kSec, "e" + std::to_string(i), ip("x"));
    all.insert(all.end(), a.begin(), a.end());
  }
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].event_ids.front(), "e0");
  EXPECT_EQ(all[0].event_ids.back(), "e50");
  EXPECT_EQ(all[1].event_ids.front(), "e51");
  EXPECT_EQ(all[1].event_ids.back(), "e101");
  EXPECT_NE(all[0].key, all[1].key);
  // A late event inside the first fired burst is part of it: ignored.
  EXPECT_TRUE(hit(e, 0, kT0 + 10 * kSec, "late-in-burst", ip("x")).empty());
  EXPECT_EQ(e.stats().after_fire, 1u);
}

TEST(CorrelationEventCount, GroupsAreIsolated) {
  auto e = failures_engine({{CompareOp::kGte, 4}});
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(hit(e, 0, kT0 + i * kSec, "a" + std::to_string(i), ip("10.0.0.1")).empty());
    EXPECT_TRUE(hit(e, 0, kT0 + i * kSec, "b" + std::to_string(i), ip("10.0.0.2")).empty());
  }
  EXPECT_EQ(e.group_count(0), 2u);
  auto alerts = hit(e, 0, kT0 + 10 * kSec, "a3", ip("10.0.0.1"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].group[0].second, "10.0.0.1");
  for (const std::string& id : alerts[0].event_ids) EXPECT_EQ(id[0], 'a');
}

TEST(CorrelationEventCount, MultipleGroupByFieldsMustAllBeEqual) {
  CorrelationEngine e({make("c", CorrelationType::kEventCount, {base(0, "r")},
                            {"userIdentity.arn", "awsRegion"}, kHour, {{CompareOp::kGte, 2}})});
  HitFields east = {{"userIdentity.arn", "arn:u"}, {"awsRegion", "us-east-1"}};
  HitFields west = {{"userIdentity.arn", "arn:u"}, {"awsRegion", "us-west-2"}};
  EXPECT_TRUE(hit(e, 0, kT0, "1", east).empty());
  EXPECT_TRUE(hit(e, 0, kT0 + kSec, "2", west).empty());
  EXPECT_EQ(hit(e, 0, kT0 + 2 * kSec, "3", west).size(), 1u);
}

TEST(CorrelationEventCount, MissingOrEmptyGroupFieldDoesNotTakePart) {
  auto e = failures_engine({{CompareOp::kGte, 2}});
  EXPECT_TRUE(hit(e, 0, kT0, "1", {}).empty());
  EXPECT_TRUE(hit(e, 0, kT0 + kSec, "2", ip("")).empty());
  EXPECT_TRUE(hit(e, 0, kT0 + 2 * kSec, "3", {{"other", "x"}}).empty());
  EXPECT_EQ(e.stats().missing_fields, 3u);
  EXPECT_EQ(e.group_count(0), 0u);
}

TEST(CorrelationEventCount, NoGroupByMeansOneGroup) {
  CorrelationEngine e(
      {make("c", CorrelationType::kEventCount, {base(0, "r")}, {}, kHour, {{CompareOp::kGte, 2}})});
  EXPECT_TRUE(hit(e, 0, kT0, "1", ip("a")).empty());
  auto alerts = hit(e, 0, kT0 + kSec, "2", ip("b"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_TRUE(alerts[0].group.empty());
}

TEST(CorrelationEventCount, SeveralBaseRulesCountTogetherAndAnEventCountsOnce) {
  CorrelationEngine e({make("c", CorrelationType::kEventCount, {base(0, "r0"), base(1, "r1")},
                            {"sourceIPAddress"}, kHour, {{CompareOp::kGte, 3}})});
  EXPECT_TRUE(hit(e, 0, kT0, "1", ip("x")).empty());
  EXPECT_TRUE(hit(e, 1, kT0, "1", ip("x")).empty());  // the same event, matched by r1 too
  EXPECT_TRUE(hit(e, 1, kT0 + kSec, "2", ip("x")).empty());
  EXPECT_EQ(hit(e, 0, kT0 + 2 * kSec, "3", ip("x")).size(), 1u);
}

TEST(CorrelationEventCount, EventIdsAreCappedKeepingTheFirstAndTheLast) {
  CorrelationLimits limits;
  limits.max_event_ids_per_alert = 100;
  auto e = failures_engine({{CompareOp::kGte, 150}}, kHour, limits);
  std::vector<CorrelationAlert> all;
  for (int i = 0; i < 150; ++i) {
    auto a = hit(e, 0, kT0 + i * kSec, "e" + std::to_string(i), ip("x"));
    all.insert(all.end(), a.begin(), a.end());
  }
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].event_count, 150u);
  EXPECT_EQ(all[0].event_ids.size(), 100u);
  EXPECT_EQ(all[0].event_ids.front(), "e0");
  EXPECT_EQ(all[0].event_ids[98], "e98");
  EXPECT_EQ(all[0].event_ids.back(), "e149");
}

// ---- upper-bound conditions: decided when the window closes -----------------------------------

TEST(CorrelationEventCount, FewerThanIsDecidedWhenTheWindowCloses) {
  CorrelationLimits limits;
  limits.allowed_lateness_us = 5 * kMin;
  auto e = failures_engine({{CompareOp::kLt, 3}}, 10 * kMin, limits);
  // Group x: 2 events in 10 minutes (fires); group y: 3 (does not).
  EXPECT_TRUE(hit(e, 0, kT0, "x1", ip("x")).empty());
  EXPECT_TRUE(hit(e, 0, kT0 + kMin, "x2", ip("x")).empty());
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(hit(e, 0, kT0 + i * kMin, "y" + std::to_string(i), ip("y")).empty());
  }
  // The window [T0, T0+10m] is not closed until the watermark passes T0+15m.
  EXPECT_TRUE(expire(e, kT0 + 15 * kMin).empty());
  auto alerts = expire(e, kT0 + 15 * kMin + kSec);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].group[0].second, "x");
  EXPECT_EQ(alerts[0].event_ids, (std::vector<std::string>{"x1", "x2"}));
  EXPECT_EQ(alerts[0].observed, 2);
  EXPECT_EQ(alerts[0].detail, "2 events (< 3) in 10m");
  // y's window anchored at y0 holds 3 events; the one anchored at y1 (y1, y2) closes later.
  EXPECT_TRUE(expire(e, kT0 + 16 * kMin).empty());
  alerts = expire(e, kT0 + 16 * kMin + kSec);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].group[0].second, "y");
  EXPECT_EQ(alerts[0].event_ids, (std::vector<std::string>{"y1", "y2"}));
}

TEST(CorrelationEventCount, RangeConditionOnClosedWindows) {
  CorrelationLimits limits;
  limits.allowed_lateness_us = 0;
  auto e = failures_engine({{CompareOp::kGt, 2}, {CompareOp::kLte, 4}}, kMin, limits);
  for (int i = 0; i < 4; ++i) hit(e, 0, kT0 + i * kSec, "a" + std::to_string(i), ip("a"));
  for (int i = 0; i < 2; ++i) hit(e, 0, kT0 + i * kSec, "b" + std::to_string(i), ip("b"));
  auto alerts = expire(e, kT0 + 2 * kMin);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].group[0].second, "a");
  EXPECT_EQ(alerts[0].observed, 4);
  // Decided once: nothing more on the next expire.
  EXPECT_TRUE(expire(e, kT0 + 3 * kMin).empty());
}

TEST(CorrelationEventCount, ExpireWithoutOutputKeepsAlertsForTheNextCall) {
  CorrelationLimits limits;
  limits.allowed_lateness_us = 0;
  auto e = failures_engine({{CompareOp::kEq, 1}}, kMin, limits);
  hit(e, 0, kT0, "a", ip("a"));
  e.expire(kT0 + 2 * kMin);
  // Survives persistence too.
  CorrelationEngine again = failures_engine({{CompareOp::kEq, 1}}, kMin, limits);
  ASSERT_TRUE(again.restore(e.serialize()).has_value());
  auto alerts = hit(again, 0, kT0 + 3 * kMin, "b", ip("b"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].event_ids, (std::vector<std::string>{"a"}));
}

// ---- value_count -----------------------------------------------------------------------------

CorrelationEngine keys_engine(std::vector<CountCondition> cond, int64_t span = kHour) {
  return CorrelationEngine({make("s3_keys", CorrelationType::kValueCount, {base(0, "get_fail")},
                                 {"sourceIPAddress", "requestParameters.bucketName"}, span,
                                 std::move(cond), "requestParameters.key")});
}

HitFields get(std::string key, std::string bucket = "b") {
  return {{"sourceIPAddress", "9.9.9.9"},
          {"requestParameters.bucketName", std::move(bucket)},
          {"requestParameters.key", std::move(key)}};
}

TEST(CorrelationValueCount, CountsDistinctValuesNotEvents) {
  auto e = keys_engine({{CompareOp::kGt, 2}});
  EXPECT_TRUE(hit(e, 0, kT0, "1", get("k1")).empty());
  EXPECT_TRUE(hit(e, 0, kT0 + kSec, "2", get("k1")).empty());
  EXPECT_TRUE(hit(e, 0, kT0 + 2 * kSec, "3", get("k2")).empty());
  EXPECT_TRUE(hit(e, 0, kT0 + 3 * kSec, "4", get("k2")).empty());
  EXPECT_TRUE(hit(e, 0, kT0 + 4 * kSec, "5", get("k1", "other-bucket")).empty());
  auto alerts = hit(e, 0, kT0 + 5 * kSec, "6", get("k3"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].observed, 3);
  EXPECT_EQ(alerts[0].event_count, 5u);
  EXPECT_EQ(alerts[0].event_ids, (std::vector<std::string>{"1", "2", "3", "4", "6"}));
  EXPECT_EQ(alerts[0].detail, "3 distinct requestParameters.key (> 2) in 1h");
}

TEST(CorrelationValueCount, WindowBoundary) {
  for (int64_t delta : {-kSec, kSec}) {
    auto e = keys_engine({{CompareOp::kGte, 2}}, kHour);
    EXPECT_TRUE(hit(e, 0, kT0, "1", get("k1")).empty());
    EXPECT_EQ(hit(e, 0, kT0 + kHour + delta, "2", get("k2")).size(), delta < 0 ? 1u : 0u);
  }
}

TEST(CorrelationValueCount, MissingValueFieldDoesNotTakePart) {
  auto e = keys_engine({{CompareOp::kGte, 1}});
  HitFields no_key = {{"sourceIPAddress", "9.9.9.9"}, {"requestParameters.bucketName", "b"}};
  EXPECT_TRUE(hit(e, 0, kT0, "1", no_key).empty());
  EXPECT_EQ(e.stats().missing_fields, 1u);
  EXPECT_EQ(hit(e, 0, kT0, "2", get("k")).size(), 1u);
}

TEST(CorrelationValueCount, OutOfOrderValueCompletesAWindow) {
  auto e = keys_engine({{CompareOp::kGte, 3}}, 10 * kMin);
  EXPECT_TRUE(hit(e, 0, kT0 + 20 * kMin, "1", get("a")).empty());
  EXPECT_TRUE(hit(e, 0, kT0 + 29 * kMin, "2", get("b")).empty());
  EXPECT_TRUE(hit(e, 0, kT0 + 5 * kMin, "3", get("c")).empty());  // too far from both
  auto alerts = hit(e, 0, kT0 + 21 * kMin, "4", get("c"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].event_ids, (std::vector<std::string>{"1", "4", "2"}));
}

// ---- temporal --------------------------------------------------------------------------------

CorrelationEngine recon_engine(std::vector<CountCondition> cond = {}) {
  return CorrelationEngine(
      {make("recon", CorrelationType::kTemporal, {base(0, "a"), base(1, "b"), base(2, "c")},
            {"user"}, 5 * kMin, std::move(cond))});
}

HitFields user(std::string u) { return {{"user", std::move(u)}}; }

TEST(CorrelationTemporal, AllRulesInAnyOrderWithinTheTimespan) {
  auto e = recon_engine();
  EXPECT_TRUE(hit(e, 2, kT0, "c", user("u")).empty());
  EXPECT_TRUE(hit(e, 0, kT0 + kMin, "a", user("u")).empty());
  EXPECT_TRUE(hit(e, 0, kT0 + 2 * kMin, "a2", user("u")).empty());  // the same rule again
  auto alerts = hit(e, 1, kT0 + 5 * kMin, "b", user("u"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].observed, 3);
  EXPECT_EQ(alerts[0].event_ids, (std::vector<std::string>{"c", "a", "a2", "b"}));
  EXPECT_EQ(alerts[0].detail, "all 3 rules (a, b, c) within 5m");
}

TEST(CorrelationTemporal, OneRuleOutsideTheTimespanDoesNotFire) {
  auto e = recon_engine();
  EXPECT_TRUE(hit(e, 2, kT0, "c", user("u")).empty());
  EXPECT_TRUE(hit(e, 0, kT0 + kMin, "a", user("u")).empty());
  EXPECT_TRUE(hit(e, 1, kT0 + 5 * kMin + kSec, "b", user("u")).empty());
  EXPECT_TRUE(hit(e, 1, kT0 + kMin, "b", user("other")).empty());
  // A late c within 5 minutes of a and b completes it.
  EXPECT_EQ(hit(e, 2, kT0 + 2 * kMin, "c2", user("u")).size(), 1u);
}

TEST(CorrelationTemporal, ConditionCountsDistinctRules) {
  auto e = recon_engine({{CompareOp::kGte, 2}});
  EXPECT_TRUE(hit(e, 0, kT0, "a", user("u")).empty());
  EXPECT_TRUE(hit(e, 0, kT0 + kSec, "a2", user("u")).empty());
  auto alerts = hit(e, 2, kT0 + 2 * kSec, "c", user("u"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].observed, 2);
}

// ---- temporal_ordered ------------------------------------------------------------------------

CorrelationEngine ordered_engine(int64_t span = kHour) {
  return CorrelationEngine(
      {make("ordered", CorrelationType::kTemporalOrdered,
            {base(0, "first"), base(1, "second"), base(2, "third")}, {"user"}, span)});
}

TEST(CorrelationTemporalOrdered, FiresOnlyInTheGivenOrder) {
  auto e = ordered_engine();
  EXPECT_TRUE(hit(e, 1, kT0, "2-early", user("u")).empty());
  EXPECT_TRUE(hit(e, 0, kT0 + kMin, "1", user("u")).empty());
  EXPECT_TRUE(hit(e, 2, kT0 + 2 * kMin, "3-early", user("u")).empty());
  EXPECT_TRUE(hit(e, 1, kT0 + 3 * kMin, "2", user("u")).empty());
  auto alerts = hit(e, 2, kT0 + 4 * kMin, "3", user("u"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].event_ids, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(alerts[0].detail, "first then second then third in order within 1h");
}

TEST(CorrelationTemporalOrdered, EqualTimesCountAsInOrder) {
  auto e = ordered_engine();
  EXPECT_TRUE(hit(e, 2, kT0, "3", user("u")).empty());
  EXPECT_TRUE(hit(e, 1, kT0, "2", user("u")).empty());
  EXPECT_EQ(hit(e, 0, kT0, "1", user("u")).size(), 1u);
}

TEST(CorrelationTemporalOrdered, SpanBoundary) {
  for (int64_t delta : {int64_t{0}, kSec}) {
    auto e = ordered_engine(kHour);
    hit(e, 0, kT0, "1", user("u"));
    hit(e, 1, kT0 + kMin, "2", user("u"));
    EXPECT_EQ(hit(e, 2, kT0 + kHour + delta, "3", user("u")).size(), delta == 0 ? 1u : 0u);
  }
}

TEST(CorrelationTemporalOrdered, LateEarlierEventCompletesTheChain) {
  auto e = ordered_engine();
  EXPECT_TRUE(hit(e, 2, kT0 + 30 * kMin, "3", user("u")).empty());
  EXPECT_TRUE(hit(e, 0, kT0 + 10 * kMin, "1", user("u")).empty());
  auto alerts = hit(e, 1, kT0 + 20 * kMin, "2", user("u"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].event_ids, (std::vector<std::string>{"1", "2", "3"}));
}

TEST(CorrelationTemporalOrdered, PicksTheShortestChain) {
  // first at 0 and 50m, second at 55m, third at 70m; span 30m: only [50m, 55m, 70m] fits.
  auto e = ordered_engine(30 * kMin);
  hit(e, 0, kT0, "1-old", user("u"));
  hit(e, 0, kT0 + 50 * kMin, "1", user("u"));
  hit(e, 1, kT0 + 55 * kMin, "2", user("u"));
  auto alerts = hit(e, 2, kT0 + 70 * kMin, "3", user("u"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].event_ids, (std::vector<std::string>{"1", "2", "3"}));
}

// Family C: CreatePolicy then Attach*Policy of that policy within 14 days; aliases map the ARN.
std::vector<ResolvedCorrelation> family_c() {
  auto c = make("created_policy_attached_full_admin", CorrelationType::kTemporalOrdered,
                {base(0, "policy_created_full_admin"), base(1, "policy_attached")}, {"policy_arn"},
                14 * kDay);
  c.spec.aliases["policy_arn"] = {{"policy_created_full_admin", "responseElements.policy.arn"},
                                  {"policy_attached", "requestParameters.policyArn"}};
  return {c};
}

TEST(CorrelationTemporalOrdered, FourteenDayWindowWithAliases) {
  CorrelationEngine e(family_c());
  EXPECT_EQ(e.needed_fields(0), (std::vector<std::string>{"responseElements.policy.arn"}));
  EXPECT_EQ(e.needed_fields(1), (std::vector<std::string>{"requestParameters.policyArn"}));
  const std::string p1 = "arn:aws:iam::111122223333:policy/p1";
  const std::string p2 = "arn:aws:iam::111122223333:policy/p2";
  EXPECT_TRUE(hit(e, 0, kT0, "create-p1", {{"responseElements.policy.arn", p1}}).empty());
  EXPECT_TRUE(hit(e, 0, kT0, "create-p2", {{"responseElements.policy.arn", p2}}).empty());
  std::vector<CorrelationAlert> all;
  // Expire daily, as the store would; state must survive 14 days.
  for (int day = 1; day <= 12; ++day) {
    auto a = expire(e, kT0 + day * kDay - kHour);
    all.insert(all.end(), a.begin(), a.end());
  }
  EXPECT_TRUE(all.empty());
  // p1 attached 13 days later: fires; p2 attached 14 days and 1 second later: does not.
  all = hit(e, 1, kT0 + 13 * kDay, "attach-p1", {{"requestParameters.policyArn", p1}});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].event_ids, (std::vector<std::string>{"create-p1", "attach-p1"}));
  EXPECT_EQ(all[0].group, (std::vector<std::pair<std::string, std::string>>{{"policy_arn", p1}}));
  EXPECT_TRUE(hit(e, 1, kT0 + 14 * kDay + kSec, "attach-p2", {{"requestParameters.policyArn", p2}})
                  .empty());
  // An attachment of another policy does not fire either.
  EXPECT_TRUE(
      hit(e, 1, kT0 + 14 * kDay, "attach-p3", {{"requestParameters.policyArn", "p3"}}).empty());
  EXPECT_EQ(e.stats().late, 0u);
  // Expired: nothing is left once the window and lateness have passed.
  expire(e, kT0 + 30 * kDay);
  EXPECT_EQ(e.group_count(0), 0u);
}

TEST(CorrelationAliases, AliasKeyedByTheRuleIdApplies) {
  auto defs = family_c();
  defs[0].spec.aliases["policy_arn"] = {{"uuid-created", "responseElements.policy.arn"},
                                        {"policy_attached", "requestParameters.policyArn"}};
  defs[0].refs[0].id = "uuid-created";
  CorrelationEngine e(defs);
  EXPECT_EQ(e.needed_fields(0), (std::vector<std::string>{"responseElements.policy.arn"}));
}

TEST(CorrelationAliases, ValueAndGroupFromDifferentPathsPerRule) {
  // value_count over two rules whose group key lives in different fields.
  auto c = make("c", CorrelationType::kValueCount, {base(0, "r0"), base(1, "r1")}, {"host"}, kHour,
                {{CompareOp::kGte, 2}}, "user");
  c.spec.aliases["host"] = {{"r0", "src.ip"}, {"r1", "dst.ip"}};
  CorrelationEngine e({c});
  EXPECT_EQ(e.needed_fields(0), (std::vector<std::string>{"src.ip", "user"}));
  EXPECT_EQ(e.needed_fields(1), (std::vector<std::string>{"dst.ip", "user"}));
  EXPECT_TRUE(hit(e, 0, kT0, "1", {{"src.ip", "h"}, {"user", "alice"}}).empty());
  EXPECT_TRUE(hit(e, 1, kT0, "2", {{"src.ip", "h"}, {"user", "bob"}}).empty());  // no dst.ip
  auto alerts = hit(e, 1, kT0, "3", {{"dst.ip", "h"}, {"user", "bob"}});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].group[0], (std::pair<std::string, std::string>{"host", "h"}));
}

// ---- chaining --------------------------------------------------------------------------------

// The catalogue's aws.credential_access.console_login_after_failures.
std::vector<ResolvedCorrelation> console_login_after_failures(bool generate = false) {
  auto failures =
      make("console_login_failures", CorrelationType::kEventCount,
           {base(0, "console_login_failed")}, {"sourceIPAddress"}, kHour, {{CompareOp::kGt, 5}});
  auto outer = make("console_login_after_failures", CorrelationType::kTemporalOrdered,
                    {corr(0, "console_login_failures"), base(1, "console_login_success")},
                    {"sourceIPAddress"}, 24 * kHour);
  outer.spec.generate = generate;
  return {failures, outer};
}

TEST(CorrelationChaining, FailuresThenSuccess) {
  CorrelationEngine e(console_login_after_failures());
  EXPECT_TRUE(e.referenced(0));
  EXPECT_TRUE(e.referenced(1));
  EXPECT_FALSE(e.generates_alone(0));
  EXPECT_EQ(e.needed_fields(0), (std::vector<std::string>{"sourceIPAddress"}));
  // A success before any failures: nothing.
  EXPECT_TRUE(hit(e, 1, kT0, "ok-early", ip("6.6.6.6")).empty());
  // Six failures: the intermediate fires silently.
  for (int i = 0; i < 6; ++i) {
    EXPECT_TRUE(hit(e, 0, kT0 + (i + 1) * kMin, "f" + std::to_string(i), ip("6.6.6.6")).empty());
  }
  // A success from another IP: nothing.
  EXPECT_TRUE(hit(e, 1, kT0 + 2 * kHour, "ok-other", ip("7.7.7.7")).empty());
  auto alerts = hit(e, 1, kT0 + 3 * kHour, "ok", ip("6.6.6.6"));
  ASSERT_EQ(alerts.size(), 1u);
  const CorrelationAlert& a = alerts[0];
  EXPECT_EQ(a.correlation, 1u);
  EXPECT_EQ(a.event_count, 7u);
  EXPECT_EQ(a.event_ids, (std::vector<std::string>{"f0", "f1", "f2", "f3", "f4", "f5", "ok"}));
  EXPECT_EQ(a.first_time_us, kT0 + kMin);
  EXPECT_EQ(a.last_time_us, kT0 + 3 * kHour);
  EXPECT_EQ(a.observed, 2);
  // A second success later: the chain was used up (fire once).
  EXPECT_TRUE(hit(e, 1, kT0 + 4 * kHour, "ok-again", ip("6.6.6.6")).empty());
  EXPECT_EQ(e.stats().alerts, 1u);
}

TEST(CorrelationChaining, FiveFailuresAreNotEnough) {
  CorrelationEngine e(console_login_after_failures());
  for (int i = 0; i < 5; ++i) hit(e, 0, kT0 + i * kMin, "f" + std::to_string(i), ip("x"));
  EXPECT_TRUE(hit(e, 1, kT0 + kHour, "ok", ip("x")).empty());
}

TEST(CorrelationChaining, SuccessMoreThanADayAfterTheFailuresDoesNotFire) {
  CorrelationEngine e(console_login_after_failures());
  for (int i = 0; i < 6; ++i) hit(e, 0, kT0 + i * kMin, "f" + std::to_string(i), ip("x"));
  expire(e, kT0 + 12 * kHour);
  expire(e, kT0 + 24 * kHour);
  EXPECT_TRUE(hit(e, 1, kT0 + 5 * kMin + 24 * kHour + kSec, "ok", ip("x")).empty());
}

TEST(CorrelationChaining, LateSuccessBeforeLateFailuresArrive) {
  CorrelationEngine e(console_login_after_failures());
  EXPECT_TRUE(hit(e, 1, kT0 + kHour, "ok", ip("x")).empty());
  std::vector<CorrelationAlert> all;
  for (int i = 0; i < 6; ++i) {
    auto a = hit(e, 0, kT0 + i * kMin, "f" + std::to_string(i), ip("x"));
    all.insert(all.end(), a.begin(), a.end());
  }
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].event_ids.back(), "ok");
}

TEST(CorrelationChaining, GenerateMakesTheReferencedRulesAlertToo) {
  CorrelationEngine e(console_login_after_failures(/*generate=*/true));
  // `generate` concerns the rules the correlation names: the inner correlation and the success
  // rule, not the inner's own base rule.
  EXPECT_FALSE(e.generates_alone(0));
  EXPECT_TRUE(e.generates_alone(1));
  std::vector<CorrelationAlert> all;
  for (int i = 0; i < 6; ++i) {
    auto a = hit(e, 0, kT0 + i * kMin, "f" + std::to_string(i), ip("x"));
    all.insert(all.end(), a.begin(), a.end());
  }
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].correlation, 0u);
  auto alerts = hit(e, 1, kT0 + kHour, "ok", ip("x"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].correlation, 1u);
}

// The catalogue's aws.collection.s3_key_bruteforce_success: value_count then temporal_ordered.
TEST(CorrelationChaining, S3KeyBruteForceThenSuccess) {
  std::vector<std::string> group = {"userIdentity.accountId", "sourceIPAddress",
                                    "requestParameters.bucketName"};
  auto keys = make("s3_get_external_fail_keys", CorrelationType::kValueCount,
                   {base(0, "s3_get_external_fail")}, group, kHour, {{CompareOp::kGt, 20}},
                   "requestParameters.key");
  auto outer =
      make("s3_key_bruteforce_success", CorrelationType::kTemporalOrdered,
           {corr(0, "s3_get_external_fail_keys"), base(1, "s3_get_external_ok")}, group, kHour);
  CorrelationEngine e({keys, outer});
  EXPECT_EQ(e.needed_fields(0),
            (std::vector<std::string>{"requestParameters.bucketName", "requestParameters.key",
                                      "sourceIPAddress", "userIdentity.accountId"}));
  EXPECT_EQ(e.needed_fields(1),
            (std::vector<std::string>{"requestParameters.bucketName", "sourceIPAddress",
                                      "userIdentity.accountId"}));
  auto ev = [](std::string key) {
    return HitFields{{"userIdentity.accountId", "ANONYMOUS_PRINCIPAL"},
                     {"sourceIPAddress", "5.5.5.5"},
                     {"requestParameters.bucketName", "loot"},
                     {"requestParameters.key", std::move(key)}};
  };
  for (int i = 0; i < 21; ++i) {
    EXPECT_TRUE(
        hit(e, 0, kT0 + i * kSec, "f" + std::to_string(i), ev("k" + std::to_string(i))).empty());
  }
  auto alerts = hit(e, 1, kT0 + kMin, "ok", ev("k-found"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].event_count, 22u);
  EXPECT_EQ(alerts[0].event_ids.back(), "ok");
  EXPECT_EQ(alerts[0].group.size(), 3u);
}

TEST(CorrelationChaining, OuterEventIdsAreCappedButKeepTheFinalEvent) {
  CorrelationLimits limits;
  limits.max_event_ids_per_alert = 100;
  auto defs = console_login_after_failures();
  defs[0].spec.condition = {{CompareOp::kGte, 300}};
  CorrelationEngine e(defs, limits);
  for (int i = 0; i < 300; ++i) hit(e, 0, kT0 + i * kSec, "f" + std::to_string(i), ip("x"));
  auto alerts = hit(e, 1, kT0 + kHour, "ok", ip("x"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].event_count, 301u);
  EXPECT_EQ(alerts[0].event_ids.size(), 100u);
  EXPECT_EQ(alerts[0].event_ids.front(), "f0");
  EXPECT_EQ(alerts[0].event_ids.back(), "ok");
}

TEST(CorrelationChaining, ClosingInnerFeedsOuterOnExpire) {
  // "At most 2 failures in 10 minutes" (an upper bound, decided on close) then a success.
  CorrelationLimits limits;
  limits.allowed_lateness_us = kMin;
  auto defs = console_login_after_failures();
  defs[0].spec.condition = {{CompareOp::kLte, 2}};
  defs[0].spec.timespan_us = 10 * kMin;
  CorrelationEngine e(defs, limits);
  hit(e, 0, kT0, "f0", ip("x"));
  EXPECT_TRUE(hit(e, 1, kT0 + 5 * kMin, "ok", ip("x")).empty());
  // The inner window closes after T0 + 11m; its firing (at f0's time) precedes the success.
  auto alerts = expire(e, kT0 + 12 * kMin);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].correlation, 1u);
  EXPECT_EQ(alerts[0].event_ids, (std::vector<std::string>{"f0", "ok"}));
}

TEST(CorrelationChaining, StateWaitsForAnInnerCorrelationDecidedLater) {
  // The inner window (1 h, decided on close) fires long after the outer's own 5-minute window
  // plus lateness has passed; the outer must still hold the earlier event.
  CorrelationLimits limits;
  limits.allowed_lateness_us = kMin;
  auto quiet = make("quiet", CorrelationType::kEventCount, {base(0, "x")}, {"sourceIPAddress"},
                    kHour, {{CompareOp::kLte, 2}});
  auto outer = make("a_then_quiet", CorrelationType::kTemporalOrdered,
                    {base(1, "a"), corr(0, "quiet")}, {"sourceIPAddress"}, 5 * kMin);
  CorrelationEngine e({quiet, outer}, limits);
  EXPECT_TRUE(hit(e, 1, kT0 - kMin, "a", ip("x")).empty());
  EXPECT_TRUE(hit(e, 0, kT0, "x0", ip("x")).empty());
  EXPECT_TRUE(expire(e, kT0 + 30 * kMin).empty());
  auto alerts = expire(e, kT0 + kHour + 2 * kMin);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].event_ids, (std::vector<std::string>{"a", "x0"}));
}

TEST(CorrelationChaining, ReferenceCycleIsDisabled) {
  auto a =
      make("a", CorrelationType::kEventCount, {corr(1, "b")}, {}, kHour, {{CompareOp::kGte, 1}});
  auto b = make("b", CorrelationType::kEventCount, {corr(0, "a"), base(0, "r")}, {}, kHour,
                {{CompareOp::kGte, 1}});
  auto ok =
      make("ok", CorrelationType::kEventCount, {base(0, "r")}, {}, kHour, {{CompareOp::kGte, 1}});
  CorrelationEngine e({a, b, ok});
  EXPECT_TRUE(e.disabled_reason(0).has_value());
  EXPECT_TRUE(e.disabled_reason(1).has_value());
  EXPECT_FALSE(e.disabled_reason(2).has_value());
  auto alerts = hit(e, 0, kT0, "1", {});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].correlation, 2u);
}

// ---- validation ------------------------------------------------------------------------------

TEST(CorrelationValidation, UnsupportedReasons) {
  auto spec = [](CorrelationType type, std::vector<std::string> rules, int64_t span,
                 std::vector<CountCondition> cond, std::string field = {}) {
    CorrelationSpec s;
    s.type = type;
    s.rules = std::move(rules);
    s.timespan_us = span;
    s.condition = std::move(cond);
    s.value_field = std::move(field);
    return s;
  };
  using T = CorrelationType;
  const auto gte1 = std::vector<CountCondition>{{CompareOp::kGte, 1}};
  EXPECT_FALSE(CorrelationEngine::unsupported_reason(spec(T::kEventCount, {"r"}, kSec, gte1)));
  EXPECT_FALSE(CorrelationEngine::unsupported_reason(spec(T::kEventCount, {"r"}, 14 * kDay, gte1)));
  EXPECT_TRUE(CorrelationEngine::unsupported_reason(spec(T::kEventCount, {"r"}, kSec - 1, gte1)));
  EXPECT_TRUE(
      CorrelationEngine::unsupported_reason(spec(T::kEventCount, {"r"}, 14 * kDay + kSec, gte1)));
  EXPECT_TRUE(CorrelationEngine::unsupported_reason(spec(T::kEventCount, {}, kHour, gte1)));
  EXPECT_TRUE(CorrelationEngine::unsupported_reason(spec(T::kEventCount, {"r"}, kHour, {})));
  EXPECT_TRUE(CorrelationEngine::unsupported_reason(spec(T::kValueCount, {"r"}, kHour, gte1)));
  EXPECT_FALSE(
      CorrelationEngine::unsupported_reason(spec(T::kValueCount, {"r"}, kHour, gte1, "f")));
  EXPECT_TRUE(CorrelationEngine::unsupported_reason(
      spec(T::kEventCount, {"r"}, kHour, {{CompareOp::kLt, 1}})));
  EXPECT_TRUE(CorrelationEngine::unsupported_reason(
      spec(T::kEventCount, {"r"}, kHour, {{CompareOp::kGt, 5}, {CompareOp::kLt, 3}})));
  EXPECT_FALSE(CorrelationEngine::unsupported_reason(
      spec(T::kEventCount, {"r"}, kHour, {{CompareOp::kGt, 100}, {CompareOp::kLte, 200}})));
  EXPECT_TRUE(CorrelationEngine::unsupported_reason(
      spec(T::kEventCount, {"r"}, kHour, {{CompareOp::kGte, -1}})));
  EXPECT_FALSE(CorrelationEngine::unsupported_reason(spec(T::kTemporal, {"a", "b"}, kHour, {})));
  EXPECT_TRUE(CorrelationEngine::unsupported_reason(spec(T::kTemporal, {"a", "a"}, kHour, {})));
  EXPECT_TRUE(CorrelationEngine::unsupported_reason(
      spec(T::kTemporal, {"a", "b"}, kHour, {{CompareOp::kGte, 3}})));
  EXPECT_FALSE(CorrelationEngine::unsupported_reason(
      spec(T::kTemporalOrdered, {"a", "b"}, kHour, {{CompareOp::kGte, 2}})));
  auto ordered_partial = CorrelationEngine::unsupported_reason(
      spec(T::kTemporalOrdered, {"a", "b"}, kHour, {{CompareOp::kGte, 1}}));
  ASSERT_TRUE(ordered_partial);
  EXPECT_NE(ordered_partial->find("temporal_ordered"), std::string::npos);
  // Against the limits: a count the per-group bound cannot hold.
  CorrelationLimits limits;
  limits.max_events_per_group = 100;
  EXPECT_TRUE(CorrelationEngine::unsupported_reason(
      spec(T::kEventCount, {"r"}, kHour, {{CompareOp::kGt, 100}}), limits));
  EXPECT_FALSE(CorrelationEngine::unsupported_reason(
      spec(T::kEventCount, {"r"}, kHour, {{CompareOp::kGt, 50}}), limits));
}

TEST(CorrelationValidation, UnsupportedCorrelationIsDisabledNotFatal) {
  auto bad = make("bad", CorrelationType::kEventCount, {base(0, "r")}, {}, 0, {});
  CorrelationEngine e({bad});
  ASSERT_TRUE(e.disabled_reason(0).has_value());
  EXPECT_TRUE(hit(e, 0, kT0, "1", {}).empty());
  EXPECT_TRUE(e.referenced(0));
}

// ---- bounds ----------------------------------------------------------------------------------

TEST(CorrelationBounds, FloodOfDistinctGroupsStaysBounded) {
  CorrelationLimits limits;
  limits.max_groups_per_correlation = 1000;
  auto e = failures_engine({{CompareOp::kGte, 2}}, kHour, limits);
  for (int i = 0; i < 20000; ++i) {
    hit(e, 0, kT0 + i * 10000, "e" + std::to_string(i), ip("10.0." + std::to_string(i)));
  }
  EXPECT_EQ(e.group_count(0), 1000u);
  EXPECT_EQ(e.stats().evicted_groups, 19000u);
  const size_t bytes = e.state_bytes();
  EXPECT_GT(bytes, 1000u * 100);
  EXPECT_LT(bytes, 1000u * 1024);
  // The most recent groups are kept: a second event of the latest group still fires.
  EXPECT_EQ(hit(e, 0, kT0 + 20000 * 10000, "x", ip("10.0.19999")).size(), 1u);
}

TEST(CorrelationBounds, EventsPerGroupAreBounded) {
  CorrelationLimits limits;
  limits.max_events_per_group = 100;
  // 10 distinct values never reach "> 50": the group only accumulates.
  CorrelationEngine e({make("c", CorrelationType::kValueCount, {base(0, "r")}, {"user"}, kHour,
                            {{CompareOp::kGt, 50}}, "v")},
                      limits);
  for (int i = 0; i < 5000; ++i) {
    hit(e, 0, kT0 + i * 1000, "event-id-long-enough-to-allocate-" + std::to_string(i),
        {{"user", "u"}, {"v", std::to_string(i % 10)}});
  }
  EXPECT_EQ(e.stats().evicted_events, 4900u);
  EXPECT_LT(e.state_bytes(), 100u * 256);
}

TEST(CorrelationBounds, ByteBudgetEvictsGroups) {
  CorrelationLimits limits;
  limits.max_state_bytes = 64 * 1024;
  auto e = failures_engine({{CompareOp::kGte, 100}}, kHour, limits);
  for (int i = 0; i < 10000; ++i) {
    hit(e, 0, kT0 + i * 1000, "e" + std::to_string(i), ip("g" + std::to_string(i % 500)));
  }
  EXPECT_LE(e.state_bytes(), 64u * 1024);
  EXPECT_GT(e.stats().evicted_groups, 0u);
}

TEST(CorrelationBounds, ExpireDropsOldState) {
  auto e = failures_engine({{CompareOp::kGte, 100}}, kHour);
  for (int i = 0; i < 100; ++i) hit(e, 0, kT0 + i * kSec, "e", ip("g" + std::to_string(i)));
  EXPECT_EQ(e.group_count(0), 100u);
  const size_t before = e.state_bytes();
  expire(e, kT0 + 2 * kHour);  // window + lateness not yet past
  EXPECT_EQ(e.group_count(0), 100u);
  expire(e, kT0 + 3 * kHour + 2 * kMin);
  EXPECT_EQ(e.group_count(0), 0u);
  EXPECT_LT(e.state_bytes(), before);
  EXPECT_EQ(e.state_bytes(), 0u);
}

// ---- persistence -----------------------------------------------------------------------------

struct Feed {
  size_t rule;
  int64_t t;
  std::string id;
  HitFields fields;
};

std::vector<Feed> login_sequence() {
  std::vector<Feed> s;
  for (int i = 0; i < 6; ++i) s.push_back({0, kT0 + i * kMin, "f" + std::to_string(i), ip("x")});
  s.push_back({1, kT0 + kHour, "ok", ip("x")});
  return s;
}

std::vector<CorrelationAlert> run(CorrelationEngine& e, const std::vector<Feed>& s, size_t from,
                                  size_t to) {
  std::vector<CorrelationAlert> out;
  for (size_t i = from; i < to; ++i) e.on_hit(s[i].rule, s[i].t, s[i].id, s[i].fields, out);
  return out;
}

TEST(CorrelationPersistence, RestartInTheMiddleFiresExactlyOnce) {
  const auto seq = login_sequence();
  for (size_t cut = 0; cut <= seq.size(); ++cut) {
    CorrelationEngine first(console_login_after_failures());
    auto before = run(first, seq, 0, cut);
    std::string blob = first.serialize();
    CorrelationEngine second(console_login_after_failures());
    ASSERT_TRUE(second.restore(blob).has_value()) << cut;
    auto after = run(second, seq, cut, seq.size());
    EXPECT_EQ(before.size() + after.size(), 1u) << "cut " << cut;
    // Restoring the same blob again and replaying the second half gives the same alert key,
    // which the caller dedupes on.
    CorrelationEngine third(console_login_after_failures());
    ASSERT_TRUE(third.restore(blob).has_value());
    auto replay = run(third, seq, cut, seq.size());
    ASSERT_EQ(replay.size(), after.size());
    if (!after.empty()) {
      EXPECT_EQ(replay[0].key, after[0].key);
    }
  }
}

TEST(CorrelationPersistence, RoundTripPreservesStateAndBytes) {
  CorrelationEngine e(family_c());
  hit(e, 0, kT0, "c1", {{"responseElements.policy.arn", "p1"}});
  hit(e, 0, kT0 + kSec, "c2", {{"responseElements.policy.arn", "p2"}});
  std::string blob = e.serialize();
  CorrelationEngine f(family_c());
  ASSERT_TRUE(f.restore(blob).has_value());
  EXPECT_EQ(f.group_count(0), 2u);
  EXPECT_EQ(f.watermark(), e.watermark());
  EXPECT_EQ(f.serialize(), blob);
  EXPECT_GT(f.state_bytes(), 0u);
  EXPECT_EQ(hit(f, 1, kT0 + kDay, "a1", {{"requestParameters.policyArn", "p1"}}).size(), 1u);
}

TEST(CorrelationPersistence, StateOfRemovedOrChangedCorrelationsIsIgnored) {
  auto failures = make("failures", CorrelationType::kEventCount, {base(0, "f")},
                       {"sourceIPAddress"}, kHour, {{CompareOp::kGte, 3}});
  auto users = make("users", CorrelationType::kValueCount, {base(1, "u")}, {"sourceIPAddress"},
                    kHour, {{CompareOp::kGte, 3}}, "user");
  CorrelationEngine e({failures, users});
  hit(e, 0, kT0, "f1", ip("x"));
  hit(e, 0, kT0 + kSec, "f2", ip("x"));
  hit(e, 1, kT0, "u1", {{"sourceIPAddress", "x"}, {"user", "a"}});
  std::string blob = e.serialize();

  // `users` is gone, a new correlation exists, and `failures` moved to another index.
  auto added = make("added", CorrelationType::kEventCount, {base(0, "f")}, {"sourceIPAddress"},
                    kHour, {{CompareOp::kGte, 3}});
  CorrelationEngine f({added, failures});
  ASSERT_TRUE(f.restore(blob).has_value());
  EXPECT_EQ(f.group_count(0), 0u);
  EXPECT_EQ(f.group_count(1), 1u);
  auto alerts = hit(f, 0, kT0 + 2 * kSec, "f3", ip("x"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].correlation, 1u);
  EXPECT_EQ(alerts[0].event_ids, (std::vector<std::string>{"f1", "f2", "f3"}));

  // The same id with a different group-by: its state no longer fits, so it is dropped.
  auto changed = failures;
  changed.spec.group_by = {"userIdentity.arn"};
  CorrelationEngine g({changed});
  ASSERT_TRUE(g.restore(blob).has_value());
  EXPECT_EQ(g.group_count(0), 0u);
}

TEST(CorrelationPersistence, CorruptBlobsAreErrorsAndLeaveTheEngineUnchanged) {
  CorrelationEngine e(console_login_after_failures());
  run(e, login_sequence(), 0, 4);
  const std::string blob = e.serialize();
  CorrelationEngine target(console_login_after_failures());
  hit(target, 0, kT0, "mine", ip("y"));
  const std::string target_before = target.serialize();

  // Every truncation.
  for (size_t n = 0; n < blob.size(); ++n) {
    auto st = target.restore(std::string_view(blob).substr(0, n));
    ASSERT_FALSE(st.has_value()) << n;
    EXPECT_EQ(st.error().code, ErrorCode::kCorrupt);
  }
  // Wrong version.
  std::string wrong = blob;
  wrong[8] = 7;
  auto st = target.restore(wrong);
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message.find("version"), std::string::npos);
  // Every single-byte flip.
  for (size_t i = 0; i < blob.size(); ++i) {
    std::string flipped = blob;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
    EXPECT_FALSE(target.restore(flipped).has_value()) << i;
  }
  // Random bytes, with and without a valid magic.
  std::mt19937_64 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::string junk(rng() % 300, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    if (round % 2 == 0 && junk.size() >= 8) junk.replace(0, 8, "TWCORREL");
    EXPECT_FALSE(target.restore(junk).has_value());
  }
  // Extra bytes at the end.
  EXPECT_FALSE(target.restore(blob + "x").has_value());
  EXPECT_EQ(target.serialize(), target_before);
  // And the good blob still restores.
  EXPECT_TRUE(target.restore(blob).has_value());
}

// ---- randomised comparison with a brute-force reference --------------------------------------

// The contract of correlation.h, written as directly as possible: every accepted event of a
// group is kept; windows are [anchor, anchor + T] for each event time; lower-bound conditions
// fire on arrival at the earliest window containing the new event that meets them; upper-bound
// conditions fire, earliest anchor first, over the final event set; a firing drops the group's
// events up to the window's last event and ignores later arrivals at or before it.
class Reference {
 public:
  struct Ev {
    int64_t t;
    std::string value;
    std::string id;
  };
  struct Alert {
    std::string group;
    std::vector<std::string> ids;
    int64_t observed;
    bool operator<(const Alert& o) const {
      return std::tie(group, ids, observed) < std::tie(o.group, o.ids, o.observed);
    }
    bool operator==(const Alert& o) const {
      return group == o.group && ids == o.ids && observed == o.observed;
    }
  };

  Reference(int64_t span, std::vector<CountCondition> cond, bool distinct, int64_t lateness)
      : span_(span), cond_(std::move(cond)), distinct_(distinct), lateness_(lateness) {
    for (const auto& c : cond_) {
      if (c.op != CompareOp::kGt && c.op != CompareOp::kGte) closing_ = true;
    }
  }

  void hit(int64_t t, const std::string& group, const std::string& value, const std::string& id) {
    watermark_ = std::max(watermark_, t);
    if (t < watermark_ - lateness_) return;
    auto c = consumed_.find(group);
    if (c != consumed_.end() && t <= c->second) return;
    auto& evs = groups_[group];
    auto at =
        std::upper_bound(evs.begin(), evs.end(), t, [](int64_t x, const Ev& e) { return x < e.t; });
    evs.insert(at, Ev{t, value, id});
    if (closing_) return;
    for (size_t a = 0; a < evs.size(); ++a) {
      if (evs[a].t < t - span_ || evs[a].t > t) continue;
      if (a > 0 && evs[a - 1].t == evs[a].t) continue;  // one window per anchor time
      if (try_fire(group, evs, a)) return;
    }
  }

  void finish() {
    if (!closing_) return;
    for (auto& [group, evs] : groups_) {
      size_t a = 0;
      while (a < evs.size()) {
        size_t end = a;
        while (end < evs.size() && evs[end].t <= evs[a].t + span_) ++end;
        if (meets(measure(evs, a, end))) {
          record(group, evs, a, end);
          a = end;
        } else {
          int64_t t = evs[a].t;
          while (a < evs.size() && evs[a].t == t) ++a;
        }
      }
    }
  }

  std::vector<Alert> alerts() const {
    auto out = alerts_;
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  int64_t measure(const std::vector<Ev>& evs, size_t a, size_t end) const {
    if (!distinct_) return static_cast<int64_t>(end - a);
    std::set<std::string> values;
    for (size_t i = a; i < end; ++i) values.insert(evs[i].value);
    return static_cast<int64_t>(values.size());
  }
  bool meets(int64_t n) const {
    for (const auto& c : cond_) {
      bool ok = true;
      switch (c.op) {
        case CompareOp::kGt:
          ok = n > c.value;
          break;
        case CompareOp::kGte:
          ok = n >= c.value;
          break;
        case CompareOp::kLt:
          ok = n < c.value;
          break;
        case CompareOp::kLte:
          ok = n <= c.value;
          break;
        case CompareOp::kEq:
          ok = n == c.value;
          break;
        case CompareOp::kNeq:
          ok = n != c.value;
          break;
      }
      if (!ok) return false;
    }
    return true;
  }
  void record(const std::string& group, const std::vector<Ev>& evs, size_t a, size_t end) {
    Alert al{group, {}, measure(evs, a, end)};
    for (size_t i = a; i < end; ++i) al.ids.push_back(evs[i].id);
    alerts_.push_back(std::move(al));
  }
  bool try_fire(const std::string& group, std::vector<Ev>& evs, size_t a) {
    size_t end = a;
    while (end < evs.size() && evs[end].t <= evs[a].t + span_) ++end;
    if (!meets(measure(evs, a, end))) return false;
    record(group, evs, a, end);
    int64_t until = evs[end - 1].t;
    consumed_[group] = until;
    evs.erase(evs.begin(), std::upper_bound(evs.begin(), evs.end(), until,
                                            [](int64_t x, const Ev& e) { return x < e.t; }));
    return true;
  }

  int64_t span_;
  std::vector<CountCondition> cond_;
  bool distinct_;
  int64_t lateness_;
  bool closing_ = false;
  int64_t watermark_ = INT64_MIN / 2;
  std::map<std::string, std::vector<Ev>> groups_;
  std::map<std::string, int64_t> consumed_;
  std::vector<Alert> alerts_;
};

std::vector<CountCondition> random_condition(std::mt19937_64& rng) {
  int k = 1 + static_cast<int>(rng() % 6);
  switch (rng() % 8) {
    case 0:
      return {{CompareOp::kGte, k}};
    case 1:
      return {{CompareOp::kGt, k}};
    case 2:
      return {{CompareOp::kLt, k + 1}};
    case 3:
      return {{CompareOp::kLte, k}};
    case 4:
      return {{CompareOp::kEq, k}};
    case 5:
      return {{CompareOp::kGt, k}, {CompareOp::kLte, k + 2}};
    case 6:
      return {{CompareOp::kNeq, k}};
    default:
      return {{CompareOp::kGte, k}, {CompareOp::kLt, k + 3}};
  }
}

// Modes: event_count, value_count, and temporal over three rules (distinct rules in a window,
// the multi-lane path), each with random conditions, spans, lateness, out-of-order delivery,
// expire() calls and restarts through serialize()/restore().
TEST(CorrelationRandomised, MatchesBruteForceReference) {
  std::mt19937_64 rng(20240607);
  int total_alerts = 0;
  for (int round = 0; round < 450; ++round) {
    const int mode = round % 3;  // 0 event_count, 1 value_count, 2 temporal
    const bool distinct = mode != 0;
    const int64_t span = std::vector<int64_t>{10 * kSec, kMin, 5 * kMin}[rng() % 3];
    const int64_t lateness = std::vector<int64_t>{0, 30 * kSec, 2 * kMin}[rng() % 3];
    auto def = [&](std::vector<CountCondition> cond) {
      if (mode == 2) {
        return make("rnd", CorrelationType::kTemporal, {base(0, "a"), base(1, "b"), base(2, "c")},
                    {"g"}, span, std::move(cond));
      }
      return make("rnd", distinct ? CorrelationType::kValueCount : CorrelationType::kEventCount,
                  {base(0, "r")}, {"g"}, span, std::move(cond), distinct ? "v" : "");
    };
    std::vector<CountCondition> cond;
    do {
      cond = random_condition(rng);
      if (mode == 2 && rng() % 4 == 0) cond.clear();  // temporal's default: all rules
    } while (CorrelationEngine::unsupported_reason(def(cond).spec));
    CorrelationLimits limits;
    limits.allowed_lateness_us = lateness;
    limits.max_event_ids_per_alert = 1000;
    CorrelationEngine e({def(cond)}, limits);
    ASSERT_FALSE(e.disabled_reason(0).has_value()) << *e.disabled_reason(0);
    Reference ref(span, cond.empty() ? std::vector<CountCondition>{{CompareOp::kGte, 3}} : cond,
                  distinct, lateness);

    // Events in event time, then delivered in an order perturbed by up to 1.5x the lateness
    // (some arrive too late and are ignored by both), with expire() now and then.
    struct Gen {
      int64_t t, arrival;
      std::string group, value, id;
      size_t rule;
    };
    std::vector<Gen> events;
    int64_t t = kT0;
    const int n = 20 + static_cast<int>(rng() % 150);
    for (int i = 0; i < n; ++i) {
      t += static_cast<int64_t>(rng() % 3 == 0 ? 0 : rng() % (span / kSec / 2 + 2)) * kSec;
      int64_t delay = lateness == 0 ? 0 : static_cast<int64_t>(rng() % (lateness * 3 / 2 + 1));
      size_t rule = mode == 2 ? rng() % 3 : 0;
      std::string value =
          mode == 2 ? "rule" + std::to_string(rule) : "v" + std::to_string(rng() % 5);
      events.push_back(
          {t, t + delay, "g" + std::to_string(rng() % 3), value, "e" + std::to_string(i), rule});
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const Gen& a, const Gen& b) { return a.arrival < b.arrival; });
    std::vector<Reference::Alert> got;
    auto collect = [&](std::vector<CorrelationAlert>& out) {
      for (auto& a : out) {
        ASSERT_EQ(a.group.size(), 1u);
        got.push_back({a.group[0].second, a.event_ids, a.observed});
        EXPECT_EQ(a.event_ids.size(), a.event_count);
      }
      out.clear();
    };
    std::vector<CorrelationAlert> out;
    int64_t max_seen = INT64_MIN;
    for (size_t i = 0; i < events.size(); ++i) {
      const Gen& g = events[i];
      max_seen = std::max(max_seen, g.t);
      e.on_hit(g.rule, g.t, g.id, {{"g", g.group}, {"v", g.value}}, out);
      ref.hit(g.t, g.group, g.value, g.id);
      collect(out);
      if (rng() % 7 == 0) {
        e.expire(max_seen, out);
        collect(out);
      }
      if (rng() % 40 == 0) {  // a restart
        std::string blob = e.serialize();
        CorrelationEngine again({def(cond)}, limits);
        ASSERT_TRUE(again.restore(blob).has_value());
        e = std::move(again);
      }
    }
    e.expire(max_seen + span + lateness + 10 * kMin, out);
    collect(out);
    ref.finish();
    auto want = ref.alerts();
    if (mode == 2) {  // equal times across rules have no defined order: compare as sets
      for (auto* v : {&got, &want}) {
        for (auto& a : *v) std::sort(a.ids.begin(), a.ids.end());
      }
    }
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    total_alerts += static_cast<int>(want.size());
    ASSERT_EQ(got.size(), want.size())
        << "round " << round << " mode " << mode << " span " << span << " lateness " << lateness;
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_TRUE(got[i] == want[i]) << "round " << round << " mode " << mode << " alert " << i;
    }
    EXPECT_EQ(e.group_count(0), 0u) << "round " << round;
  }
  EXPECT_GT(total_alerts, 450);  // the comparison exercised real firings
}

// Temporal_ordered against a brute force over every chain, on random in-order and late streams:
// fires at most once per arrival, exactly when some chain through the new hit fits.
TEST(CorrelationRandomised, TemporalOrderedMatchesBruteForceChains) {
  std::mt19937_64 rng(7);
  int fired_total = 0;
  for (int round = 0; round < 200; ++round) {
    const int64_t span = 10 * kMin;
    CorrelationEngine e({make("o", CorrelationType::kTemporalOrdered,
                              {base(0, "a"), base(1, "b"), base(2, "c")}, {}, span)});
    struct H {
      int64_t t;
      size_t rule;
      size_t seq;
    };
    std::vector<H> kept;  // the reference's live hits
    int64_t consumed = INT64_MIN;
    int64_t t = kT0 + 3 * kHour;
    for (size_t i = 0; i < 60; ++i) {
      t += static_cast<int64_t>(rng() % 180) * kSec;
      int64_t ht = t - static_cast<int64_t>(rng() % 4 == 0 ? rng() % 1800 : 0) * kSec;
      size_t rule = rng() % 3;
      std::vector<CorrelationAlert> out;
      e.on_hit(rule, ht, "h" + std::to_string(i), {}, out);
      // Reference.
      bool fire = false;
      int64_t end = 0;
      if (ht > consumed) {
        kept.push_back({ht, rule, i});
        const H& n = kept.back();
        for (const H& x : kept) {
          for (const H& y : kept) {
            for (const H& z : kept) {
              if (x.rule != 0 || y.rule != 1 || z.rule != 2) continue;
              if (x.seq != n.seq && y.seq != n.seq && z.seq != n.seq) continue;
              if (x.t <= y.t && y.t <= z.t && z.t - x.t <= span) {
                fire = true;
                end = z.t;
              }
            }
          }
        }
        if (fire) {
          // The engine's chain is the shortest one; its end is the earliest fitting successor.
          int64_t best_end = INT64_MAX;
          for (const H& x : kept)
            for (const H& y : kept)
              for (const H& z : kept)
                if (x.rule == 0 && y.rule == 1 && z.rule == 2 &&
                    (x.seq == n.seq || y.seq == n.seq || z.seq == n.seq) && x.t <= y.t &&
                    y.t <= z.t && z.t - x.t <= span)
                  best_end = std::min(best_end, z.t);
          end = best_end;
          consumed = end;
          std::erase_if(kept, [&](const H& h) { return h.t <= consumed; });
        }
      }
      ASSERT_EQ(out.size(), fire ? 1u : 0u) << "round " << round << " hit " << i;
      if (fire) {
        ++fired_total;
        EXPECT_EQ(out[0].last_time_us, end);
        EXPECT_EQ(out[0].event_ids.size(), 3u);
      }
    }
  }
  EXPECT_GT(fired_total, 100);
}

}  // namespace
}  // namespace trailwarden::detect
