// The engine's shared machinery: sessions (30 min gap, 12 h cut, late events), restart from the
// persisted state giving the same alerts as an uninterrupted run, replay order, bounds and the
// state encoding.
#include <gtest/gtest.h>

#include <random>

#include "anomaly/engine_state.h"
#include "anomaly_test_util.h"

namespace trailwarden::anomaly::testing {
namespace {

Activity admin(int64_t t, const std::string& arn = kAlice) {
  Activity a = frankfurt(event(t, arn, "AttachUserPolicy", "iam.amazonaws.com"));
  a.admin_event = true;
  return a;
}

// Ten days with 2 admin events a day, then `gaps` between 12 admin events on day 10.
size_t admin_alerts(int64_t gap) {
  Harness h;
  for (int d = 0; d < 10; ++d)
    h.run({admin(kT0 + d * kDay + 9 * kHour), admin(kT0 + d * kDay + 9 * kHour + kMin)});
  std::vector<Activity> v;
  for (int i = 0; i < 24; ++i) v.push_back(admin(kT0 + 10 * kDay + i * gap));
  h.run(v);
  return h.count("aws.anomaly.unusual_admin_activity");
}

TEST(Sessions, GapOfThirtyMinutesSplits) {
  EXPECT_EQ(admin_alerts(29 * kMin), 1u);  // one session of 24 (11.5 h) > floor 20
  EXPECT_EQ(admin_alerts(30 * kMin), 0u);  // 24 sessions of 1
}

TEST(Sessions, CutAfterTwelveHours) {
  // 40 events 20 minutes apart span 13 h: the session is cut at 12 h, so neither part holds
  // more than 36 events; 21 events in 6h40 stay in one session.
  Harness h;
  for (int d = 0; d < 10; ++d) h.run1(admin(kT0 + d * kDay + 9 * kHour));
  std::vector<Activity> v;
  for (int i = 0; i < 40; ++i) v.push_back(admin(kT0 + 10 * kDay + i * 20 * kMin));
  h.run(v);
  auto a = h.of("aws.anomaly.unusual_admin_activity");
  ASSERT_EQ(a.size(), 1u);          // the second session (4 events) is below every threshold
  EXPECT_EQ(a[0].event_count, 36);  // 0 .. 11 h 40: the event at 12 h starts a new session
}

TEST(Sessions, LateEventJoinsItsSession) {
  Harness h;
  for (int d = 0; d < 10; ++d) h.run1(admin(kT0 + d * kDay + 9 * kHour));
  std::vector<Activity> v;
  for (int i = 0; i < 20; ++i) v.push_back(admin(kT0 + 10 * kDay + 9 * kHour + i * kMin));
  h.run(v);
  h.run1(frankfurt(event(kT0 + 10 * kDay + 11 * kHour)));  // time moves on (2 h later)
  EXPECT_EQ(h.count("aws.anomaly.unusual_admin_activity"), 0u);
  h.run1(admin(kT0 + 10 * kDay + 9 * kHour + 30 * kMin));  // 1 h 30 late, inside the session
  auto a = h.of("aws.anomaly.unusual_admin_activity");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].event_count, 21);
}

// A month of mixed activity for three identities, with anomalies in it.
std::vector<Activity> month() {
  std::vector<Activity> v;
  for (int d = 0; d < 20; ++d) {
    for (const auto& arn : {kAlice, kBob}) {
      for (int i = 0; i < 4; ++i)
        v.push_back(frankfurt(event(kT0 + d * kDay + 8 * kHour + i * 7 * kMin, arn)));
      v.push_back(admin(kT0 + d * kDay + 9 * kHour, arn));
    }
  }
  for (int i = 0; i < 25; ++i) v.push_back(admin(kT0 + 12 * kDay + 14 * kHour + i * kMin, kBob));
  v.push_back(sao_paulo(event(kT0 + 12 * kDay + 8 * kHour + 40 * kMin, kAlice)));
  v.push_back(moscow(event(kT0 + 15 * kDay + 20 * kHour, kAlice)));
  Activity t = at(event(kT0 + 16 * kDay), "185.220.101.1", "NL", "Amsterdam", 52.37, 4.89);
  t.ip.tor_exit = true;
  v.push_back(t);
  for (int i = 0; i < 12; ++i) {
    Activity r = frankfurt(event(kT0 + 18 * kDay + i * kMin, kBob, "RunInstances"));
    r.vms_created = 2;
    v.push_back(r);
  }
  return v;
}

void expect_same(const std::map<std::string, store::AlertRow>& x,
                 const std::map<std::string, store::AlertRow>& y) {
  ASSERT_EQ(x.size(), y.size());
  for (const auto& [id, r] : x) {
    auto it = y.find(id);
    ASSERT_NE(it, y.end()) << r.rule_id << " " << r.description;
    EXPECT_EQ(r.description, it->second.description);
    EXPECT_EQ(r.event_count, it->second.event_count);
    EXPECT_EQ(r.event_ids_json, it->second.event_ids_json);
    EXPECT_EQ(r.details_json, it->second.details_json);
  }
}

TEST(Restart, SameAlertsAsAnUninterruptedRun) {
  auto events = month();
  std::stable_sort(events.begin(), events.end(),
                   [](const Activity& a, const Activity& b) { return a.time_us < b.time_us; });
  Harness whole;
  for (size_t i = 0; i < events.size(); i += 37)
    whole.run(std::vector<Activity>(events.begin() + i,
                                    events.begin() + std::min(events.size(), i + 37)));
  ASSERT_GE(whole.alerts.size(), 4u);  // travel, country, tor, admin, vm creation

  // The same stream, with the engine restarted from its saved state at every batch.
  Harness restarted;
  for (size_t i = 0; i < events.size(); i += 37) {
    StateWorkspace ws(restarted.state);
    restarted.engine = Engine::create(restarted.policies);
    ASSERT_TRUE(restarted.engine->restore(ws).has_value());
    restarted.run(std::vector<Activity>(events.begin() + i,
                                        events.begin() + std::min(events.size(), i + 37)));
  }
  expect_same(whole.alerts, restarted.alerts);
}

TEST(ReplayOrder, ShuffledBatchGivesTheSameAlerts) {
  auto events = month();
  Harness sorted;
  sorted.run(events);
  std::mt19937 rng(7);
  std::shuffle(events.begin(), events.end(), rng);
  Harness shuffled;
  shuffled.run(events);
  expect_same(sorted.alerts, shuffled.alerts);
  EXPECT_FALSE(sorted.alerts.empty());
}

TEST(State, OnlyDirtyIdentitiesAreWrittenAndBlobsAreBounded) {
  Harness h;
  h.run(routine(kAlice, 1, 3, frankfurt));
  h.state.clear();
  h.run(routine(kBob, 1, 3, frankfurt));
  size_t ids = 0;
  for (const auto& [k, v] : h.state) ids += k.starts_with("anomaly/id/");
  EXPECT_EQ(ids, 1u);
  // A busy identity for 60 days: the blob stays bounded (500 session values per metric).
  Harness busy;
  for (int d = 0; d < 60; ++d) {
    std::vector<Activity> v;
    for (int s = 0; s < 20; ++s) v.push_back(admin(kT0 + d * kDay + s * 40 * kMin));
    busy.run(v);
  }
  for (const auto& [k, v] : busy.state) {
    if (!k.starts_with("anomaly/id/")) continue;
    auto s = decode_identity(v);
    ASSERT_TRUE(s.has_value());
    for (const auto& series : s->series) EXPECT_LE(series.size(), kMaxSeries);
    EXPECT_LT(v.size(), 64u * 1024);
  }
}

TEST(State, RoundTripAndCorruptionIsReported) {
  Harness h;
  h.run(month());
  ASSERT_FALSE(h.state.empty());
  for (const auto& [k, v] : h.state) {
    if (k.starts_with("anomaly/id/") || k.starts_with("anomaly/login/")) {
      auto s = decode_identity(v);
      ASSERT_TRUE(s.has_value()) << k;
      EXPECT_EQ(encode_identity(*s), v);
      EXPECT_FALSE(decode_identity(v.substr(0, v.size() - 1)).has_value());
    } else if (k.starts_with("anomaly/acct/")) {
      auto s = decode_account(v);
      ASSERT_TRUE(s.has_value());
      EXPECT_EQ(encode_account(*s), v);
    } else if (k == kOrgStateKey) {
      auto s = decode_org(v);
      ASSERT_TRUE(s.has_value());
      EXPECT_EQ(encode_org(*s), v);
    }
  }
  std::map<std::string, std::string> bad = h.state;
  bad.begin()->second = "garbage";
  StateWorkspace ws(bad);
  auto e = Engine::create(h.policies);
  EXPECT_FALSE(e->restore(ws).has_value());
}

TEST(Helpers, PercentileIsNearestRank) {
  std::vector<uint32_t> v;
  for (uint32_t i = 1; i <= 100; ++i) v.push_back(i);
  EXPECT_EQ(percentile(v, 0.99), 99);
  EXPECT_EQ(percentile(v, 0.95), 95);
  EXPECT_EQ(percentile(v, 0.999), 100);
  std::vector<uint32_t> one{7};
  EXPECT_EQ(percentile(one, 0.99), 7);
}

}  // namespace
}  // namespace trailwarden::anomaly::testing

namespace trailwarden::anomaly {
TEST(Helpers, FormatCountGroupsThousands) {
  EXPECT_EQ(format_count(5), "5");
  EXPECT_EQ(format_count(41), "41");
  EXPECT_EQ(format_count(1005), "1,005");
  EXPECT_EQ(format_count(9800), "9,800");
  EXPECT_EQ(format_count(123456789), "123,456,789");
  EXPECT_EQ(format_count(-1500), "-1,500");
  EXPECT_EQ(format_count(2.5), "2.5");
}
}  // namespace trailwarden::anomaly
