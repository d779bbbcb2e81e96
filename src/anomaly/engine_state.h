// The anomaly engine's state (store side): per identity, per account and organisation-wide
// baselines, open sessions and open alerts, with their binary encoding. Shared by engine.cc,
// the policies (policies/*.cc) and the `baseline` command; not a public interface.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "anomaly/anomaly.h"
#include "anomaly/policy_set.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/alerts.h"

namespace trailwarden::anomaly {

inline constexpr int64_t kMinuteUs = int64_t{60} * 1000000;
inline constexpr int64_t kHourUs = 60 * kMinuteUs;
inline constexpr int64_t kDayUs = 24 * kHourUs;
inline constexpr int64_t kSessionGapUs = 30 * kMinuteUs;
inline constexpr int64_t kSessionCutUs = 12 * kHourUs;
inline constexpr size_t kMaxSeries = 500;   // newest session metric values kept
inline constexpr size_t kMaxEvidence = 20;  // evidence event ids per alert
inline constexpr size_t kMaxRecentLocated = 16;
inline constexpr size_t kMaxOpenSessions = 8;
inline constexpr size_t kMaxValues = 256;     // distinct countries / pairs / regions per identity
inline constexpr size_t kMaxOpenAlerts = 64;  // per identity or account
inline constexpr int32_t kHistoryDays = 90;   // infrequent country at Low

inline int32_t day_of(int64_t us) {
  return static_cast<int32_t>(us >= 0 ? us / kDayUs : (us - kDayUs + 1) / kDayUs);
}

enum Metric : uint8_t {
  kAdmin,
  kStorage,
  kObjects,
  kVmTerminated,
  kVmCreated,
  kFailed,
  kMetricCount
};
std::string_view metric_name(Metric m);

struct DayCount {
  int32_t day = 0;
  uint32_t count = 0;
};
// value -> counts per day (ascending days), the catalog's "daily value sets with counts".
using DailySet = std::map<std::string, std::vector<DayCount>>;
void daily_add(DailySet& set, const std::string& value, int32_t day, uint32_t n = 1);
bool daily_has(const DailySet& set, const std::string& value, int32_t since_day);
uint64_t daily_total(const DailySet& set, int32_t since_day);
void daily_trim(DailySet& set, int32_t since_day);

struct SeriesValue {
  int32_t day = 0;
  uint32_t value = 0;
};
using Series = std::deque<SeriesValue>;
void series_push(Series& s, int32_t day, uint32_t value);
// Values with day >= since_day.
std::vector<uint32_t> series_values(const Series& s, int32_t since_day);
// Exact nearest-rank percentile of `values` (non-empty); sorts them.
double percentile(std::vector<uint32_t>& values, double q);

struct Session {
  int64_t key_us = 0;  // the start when first seen: names the session's alerts
  int64_t start_us = 0;
  int64_t end_us = 0;
  uint32_t events = 0;
  std::array<uint32_t, kMetricCount> metric{};
  std::array<std::vector<std::string>, kMetricCount> evidence;  // <= kMaxEvidence each
};

struct Located {
  int64_t first_us = 0;  // a run of activity from one address
  int64_t last_us = 0;
  std::string ip;
  std::string country;
  std::string city;
  double lat = 0, lon = 0;
  int32_t accuracy_km = 0;
  bool risky = false;  // anonymizer, Tor or threat intel
  bool trusted = false;
  std::string event_id;
  std::string event_name;
};

struct OpenAlert {
  int64_t until_us = 0;  // event time after which the key raises a new alert
  store::AlertRow row;
  std::vector<std::string> ids;
  std::vector<std::string> names;  // distinct event names (terminated user)
  std::vector<std::string> ips;    // distinct sources (terminated user)
};

struct IdentityState {
  std::string key;
  bool login = false;  // a failed-login key (user name or ip:<address>), not an identity
  std::string name, arn, type, account;
  int64_t first_us = INT64_MAX;
  int64_t newest_us = INT64_MIN;
  int32_t trimmed_day = INT32_MIN;
  std::vector<Session> sessions;  // open, by start
  std::array<Series, kMetricCount> series;
  DailySet countries;
  std::map<std::string, int32_t> country_last;  // 90-day history
  DailySet pairs;                               // country pairs "BR|DE"
  std::vector<Located> recent;                  // by first_us
  std::map<std::string, int32_t> regions;       // resource creation region -> last day
  std::map<std::string, OpenAlert> alerts;      // alert key -> open alert
};

struct AccountState {
  std::string account;
  int64_t first_us = INT64_MAX;
  int64_t newest_us = INT64_MIN;
  std::map<std::string, int32_t> regions;
  std::array<Series, kMetricCount> pool;  // every identity's sessions
  std::map<std::string, OpenAlert> alerts;
};

struct SharedUse {
  std::map<uint64_t, int32_t> ids;  // identity hash -> last day
  std::set<int32_t> days;
};

struct OrgState {
  std::map<std::string, std::map<uint64_t, int32_t>> country_ids;
  std::map<std::string, std::map<uint64_t, int32_t>> pair_ids;
  std::map<uint64_t, int32_t> located_ids;
  std::map<std::string, SharedUse> flagged_ips;  // anonymous / threat-intel addresses
  std::map<std::string, int32_t> regions;
};

uint64_t identity_hash(std::string_view key);
// Identities (other than `self`) with day >= since_day.
size_t count_others(const std::map<uint64_t, int32_t>& ids, uint64_t self, int32_t since_day);

std::string encode_identity(const IdentityState& s);
Result<IdentityState> decode_identity(std::string_view blob);
std::string encode_account(const AccountState& s);
Result<AccountState> decode_account(std::string_view blob);
std::string encode_org(const OrgState& s);
Result<OrgState> decode_org(std::string_view blob);

// State keys: "anomaly/id/<hash>", "anomaly/login/<hash>", "anomaly/acct/<hash>", "anomaly/org".
std::string identity_state_key(const IdentityState& s);
std::string account_state_key(std::string_view account);
inline constexpr std::string_view kOrgStateKey = "anomaly/org";

// What one policy check needs.
class Engine;
struct Context {
  const PolicySet& policies;
  OrgState& org;
  const Activity& a;
  IdentityState* id;   // null when the activity forms no session
  AccountState* acct;  // null when it names no account
  Session* session;    // the activity's session in `id`
  int64_t t;
  int32_t day;
  // Raises or updates an alert of `policy` under `key` in `alerts`.
  std::vector<store::AlertRow>* out;
  std::unordered_map<std::string, size_t>* emitted;  // alert id -> index in *out
  const Clock* clock;
  uint64_t* raised;
};

// Policies (src/anomaly/policies/*.cc).
void check_anonymous_ip(Context& c);
void check_suspicious_ip(Context& c);
void check_infrequent_country(Context& c);
void check_impossible_travel(Context& c);
void check_terminated_user(Context& c);
void check_failed_logins(Context& c);
void check_admin_activity(Context& c);
void check_storage_deletion(Context& c);
void check_vm_deletion(Context& c);
void check_vm_creation(Context& c);
void check_region(Context& c);

// Shared helpers for the policies (policies/common.cc).
bool learned(const PolicySettings& s, int64_t first_us, int64_t t);
bool system_suppressed(const Activity& a);  // service, private, AWS, unlocated or coarse
// A new alert row for `s` triggered by `a` (entities and attribution filled in).
store::AlertRow alert_row(const PolicySettings& s, const Activity& a, const IdentityState* id,
                          const Clock* clock);
// Raises (no open alert under `key` whose window covers t) or updates the open alert. Returns
// the open alert; `fresh` tells whether it is new.
OpenAlert& open_alert(Context& c, std::map<std::string, OpenAlert>& alerts, const PolicySettings& s,
                      const std::string& key, int64_t window_us, const std::string& id_text,
                      bool& fresh);
// Writes the alert's current row to the output (replacing an earlier row of the same batch).
void emit(Context& c, OpenAlert& o);
// Session count policies: value > max(pQ, floor); fills the statistics for the text.
struct Threshold {
  double value = 0;  // the threshold
  double floor = 0;
  double percentile = -1;  // -1: none
  std::string basis;       // "identity", "account" or "floor"
  size_t sessions = 0;
};
Threshold session_threshold(const PolicySettings& s, const IdentityState* id,
                            const AccountState* acct, Metric m, double base_floor, int64_t t,
                            bool account_only = false);
void session_alert(Context& c, const PolicySettings& s, Metric m, const Threshold& th,
                   std::string_view what, bool first_admin = false);
std::string format_count(double v);
std::string format_percentile(double q);  // "p99", "p99.9"

}  // namespace trailwarden::anomaly
