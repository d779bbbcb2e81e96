// Helpers for the anomaly engine tests: Activity builders (IpInfo filled in directly, so the
// tests do not depend on the Enricher) and a harness that runs an Engine and keeps its alerts
// and state the way the workspace would.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "anomaly/anomaly.h"
#include "anomaly/policy_set.h"
#include "core/time.h"
#include "store/workspace.h"

namespace trailwarden::anomaly::testing {

inline constexpr int64_t kMin = int64_t{60} * 1000000;
inline constexpr int64_t kHour = 60 * kMin;
inline constexpr int64_t kDay = 24 * kHour;
inline const int64_t kT0 = *parse_iso8601_micros("2026-01-01T00:00:00Z");

inline const std::string kAlice = "arn:aws:iam::111122223333:user/alice";
inline const std::string kBob = "arn:aws:iam::111122223333:user/bob";

inline Activity event(int64_t t, const std::string& arn = kAlice,
                      const std::string& name = "DescribeInstances",
                      const std::string& source = "ec2.amazonaws.com") {
  static int counter = 0;
  Activity a;
  a.time_us = t;
  a.event_id = "ev-" + std::to_string(++counter);
  a.event_name = name;
  a.event_source = source;
  a.account = "111122223333";
  a.actor_account = "111122223333";
  a.region = "eu-central-1";
  a.identity_key = arn;
  a.identity_arn = arn;
  a.identity_name = arn.substr(arn.rfind('/') + 1);
  a.identity_type = "IAMUser";
  a.person = true;
  a.source = "203.0.113.10";  // replaced by at()
  a.ip.kind = enrich::SourceKind::kPublic;
  return a;
}

// Places the activity at a public, located address.
inline Activity at(Activity a, const std::string& ip, const std::string& country,
                   const std::string& city, double lat, double lon, int accuracy_km = 20) {
  a.source = ip;
  a.ip.kind = enrich::SourceKind::kPublic;
  a.ip.located = true;
  a.ip.country = country;
  a.ip.city = city;
  a.ip.latitude = lat;
  a.ip.longitude = lon;
  a.ip.accuracy_km = accuracy_km;
  return a;
}

inline Activity frankfurt(Activity a) {
  return at(std::move(a), "81.10.10.10", "DE", "Frankfurt", 50.11, 8.68);
}
inline Activity sao_paulo(Activity a) {
  return at(std::move(a), "177.20.20.20", "BR", "São Paulo", -23.55, -46.63);
}
inline Activity vienna(Activity a) {
  return at(std::move(a), "83.30.30.30", "AT", "Vienna", 48.21, 16.37);
}
inline Activity moscow(Activity a) {
  return at(std::move(a), "95.40.40.40", "RU", "Moscow", 55.75, 37.62);
}

// Alerts as the workspace would hold them (a row replaces the row with the same id).
struct Harness {
  explicit Harness(std::shared_ptr<const PolicySet> p = PolicySet::defaults())
      : policies(std::move(p)), engine(Engine::create(policies)) {}

  void run(std::vector<Activity> acts) {
    store::DetectionWrites w;
    engine->process(acts, w);
    for (auto& r : w.alerts) {
      rows.push_back(r);
      alerts[r.alert_id] = r;
    }
    for (auto& [k, v] : w.state) state[k] = v;
    engine->after_commit(true);
  }
  void run1(Activity a) { run({std::move(a)}); }

  std::vector<store::AlertRow> of(std::string_view policy) const {
    std::vector<store::AlertRow> out;
    for (const auto& [id, r] : alerts)
      if (r.rule_id == policy) out.push_back(r);
    return out;
  }
  size_t count(std::string_view policy) const { return of(policy).size(); }

  std::shared_ptr<const PolicySet> policies;
  std::unique_ptr<Engine> engine;
  std::vector<store::AlertRow> rows;
  std::map<std::string, store::AlertRow> alerts;
  std::map<std::string, std::string> state;
};

// Ten days of ordinary work: one session per day (09:00, `per_day` events 5 minutes apart).
inline std::vector<Activity> routine(const std::string& arn, int days, int per_day,
                                     Activity (*where)(Activity), int64_t start = kT0) {
  std::vector<Activity> out;
  for (int d = 0; d < days; ++d)
    for (int i = 0; i < per_day; ++i)
      out.push_back(where(event(start + d * kDay + 9 * kHour + i * 5 * kMin, arn)));
  return out;
}

inline std::shared_ptr<PolicySet> policies_at(Sensitivity s) { return PolicySet::defaults(s); }

// A workspace that only answers load_states (restart tests).
class StateWorkspace final : public store::Workspace {
 public:
  explicit StateWorkspace(std::map<std::string, std::string> s) : states_(std::move(s)) {}
  Result<store::AppendResult> append(store::AppendBatch&) override { return store::AppendResult{}; }
  Status scan_records(int64_t, int64_t,
                      const std::function<bool(int64_t, std::string_view)>&) override {
    return {};
  }
  Status write_detection_only(const store::DetectionWrites&) override { return {}; }
  Result<std::optional<std::string>> load_state(std::string_view k) override {
    auto it = states_.find(std::string(k));
    if (it == states_.end()) return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }
  Result<std::vector<std::pair<std::string, std::string>>> load_states(
      std::string_view prefix) override {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [k, v] : states_)
      if (k.starts_with(prefix)) out.emplace_back(k, v);
    return out;
  }
  Result<store::QueryResult> query(std::string_view) override { return store::QueryResult{}; }
  std::optional<store::RawDictionary> current_dictionary() const override { return std::nullopt; }
  uint32_t next_dictionary_id() const override { return 1; }

 private:
  std::map<std::string, std::string> states_;
};

}  // namespace trailwarden::anomaly::testing
