#include "anomaly/engine_state.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "detect/detector.h"

namespace trailwarden::anomaly {

std::string_view metric_name(Metric m) {
  switch (m) {
    case kAdmin:
      return "admin_events";
    case kStorage:
      return "storage_deletions";
    case kObjects:
      return "object_deletions";
    case kVmTerminated:
      return "vm_terminations";
    case kVmCreated:
      return "vm_creations";
    case kFailed:
      return "failed_logins";
    default:
      return "?";
  }
}

void daily_add(DailySet& set, const std::string& value, int32_t day, uint32_t n) {
  auto it = set.find(value);
  if (it == set.end()) {
    if (set.size() >= kMaxValues) {
      // Full: forget the value seen least recently.
      auto oldest = std::min_element(set.begin(), set.end(), [](const auto& x, const auto& y) {
        return x.second.back().day < y.second.back().day;
      });
      set.erase(oldest);
    }
    it = set.emplace(value, std::vector<DayCount>{}).first;
  }
  auto& days = it->second;
  if (!days.empty() && days.back().day == day) {
    days.back().count += n;
    return;
  }
  // Late events may belong to an earlier day.
  auto pos = std::lower_bound(days.begin(), days.end(), day,
                              [](const DayCount& d, int32_t v) { return d.day < v; });
  if (pos != days.end() && pos->day == day)
    pos->count += n;
  else
    days.insert(pos, DayCount{day, n});
}

bool daily_has(const DailySet& set, const std::string& value, int32_t since_day) {
  auto it = set.find(value);
  return it != set.end() && !it->second.empty() && it->second.back().day >= since_day;
}

uint64_t daily_total(const DailySet& set, int32_t since_day) {
  uint64_t n = 0;
  for (const auto& [v, days] : set)
    for (const auto& d : days)
      if (d.day >= since_day) n += d.count;
  return n;
}

void daily_trim(DailySet& set, int32_t since_day) {
  for (auto it = set.begin(); it != set.end();) {
    auto& days = it->second;
    days.erase(std::remove_if(days.begin(), days.end(),
                              [&](const DayCount& d) { return d.day < since_day; }),
               days.end());
    it = days.empty() ? set.erase(it) : std::next(it);
  }
}

void series_push(Series& s, int32_t day, uint32_t value) {
  s.push_back(SeriesValue{day, value});
  while (s.size() > kMaxSeries) s.pop_front();
}

std::vector<uint32_t> series_values(const Series& s, int32_t since_day) {
  std::vector<uint32_t> v;
  v.reserve(s.size());
  for (const auto& x : s)
    if (x.day >= since_day) v.push_back(x.value);
  return v;
}

double percentile(std::vector<uint32_t>& values, double q) {
  std::sort(values.begin(), values.end());
  const double n = static_cast<double>(values.size());
  size_t rank = static_cast<size_t>(std::ceil(q * n - 1e-9));
  if (rank < 1) rank = 1;
  if (rank > values.size()) rank = values.size();
  return values[rank - 1];
}

uint64_t identity_hash(std::string_view key) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

size_t count_others(const std::map<uint64_t, int32_t>& ids, uint64_t self, int32_t since_day) {
  size_t n = 0;
  for (const auto& [h, day] : ids)
    if (h != self && day >= since_day) ++n;
  return n;
}

std::string identity_state_key(const IdentityState& s) {
  return std::string(s.login ? "anomaly/login/" : "anomaly/id/") + detect::stable_id(s.key);
}
std::string account_state_key(std::string_view account) {
  return "anomaly/acct/" + detect::stable_id(account);
}

// ---- encoding: varints, zigzag, length-prefixed strings, doubles as 8 bytes ----
namespace {

constexpr std::string_view kIdentityMagic = "twA1i";
constexpr std::string_view kAccountMagic = "twA1a";
constexpr std::string_view kOrgMagic = "twA1o";

struct Writer {
  std::string out;
  void u(uint64_t v) {
    while (v >= 0x80) {
      out += static_cast<char>(v | 0x80);
      v >>= 7;
    }
    out += static_cast<char>(v);
  }
  void i(int64_t v) { u((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void s(std::string_view v) {
    u(v.size());
    out.append(v);
  }
  void d(double v) {
    char b[8];
    std::memcpy(b, &v, 8);
    out.append(b, 8);
  }
  void b(bool v) { u(v ? 1 : 0); }
};

struct Reader {
  std::string_view in;
  bool ok = true;
  uint64_t u() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in.empty()) {
        ok = false;
        return 0;
      }
      auto c = static_cast<unsigned char>(in[0]);
      in.remove_prefix(1);
      v |= static_cast<uint64_t>(c & 0x7f) << shift;
      if (!(c & 0x80)) return v;
    }
    ok = false;
    return 0;
  }
  int64_t i() {
    uint64_t z = u();
    return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  int32_t i32() { return static_cast<int32_t>(i()); }
  std::string s() {
    uint64_t n = u();
    if (!ok || n > in.size()) {
      ok = false;
      return {};
    }
    std::string v(in.substr(0, n));
    in.remove_prefix(n);
    return v;
  }
  double d() {
    if (in.size() < 8) {
      ok = false;
      return 0;
    }
    double v;
    std::memcpy(&v, in.data(), 8);
    in.remove_prefix(8);
    return v;
  }
  bool b() { return u() != 0; }
  // A count that cannot exceed what is left (each item takes at least one byte).
  size_t n() {
    uint64_t v = u();
    if (v > in.size()) {
      ok = false;
      return 0;
    }
    return static_cast<size_t>(v);
  }
};

void put_daily(Writer& w, const DailySet& set) {
  w.u(set.size());
  for (const auto& [v, days] : set) {
    w.s(v);
    w.u(days.size());
    for (const auto& d : days) {
      w.i(d.day);
      w.u(d.count);
    }
  }
}
void get_daily(Reader& r, DailySet& set) {
  size_t n = r.n();
  for (size_t i = 0; i < n && r.ok; ++i) {
    std::string v = r.s();
    size_t m = r.n();
    auto& days = set[v];
    for (size_t j = 0; j < m && r.ok; ++j) {
      DayCount d;
      d.day = r.i32();
      d.count = static_cast<uint32_t>(r.u());
      days.push_back(d);
    }
  }
}
void put_days(Writer& w, const std::map<std::string, int32_t>& m) {
  w.u(m.size());
  for (const auto& [k, v] : m) {
    w.s(k);
    w.i(v);
  }
}
void get_days(Reader& r, std::map<std::string, int32_t>& m) {
  size_t n = r.n();
  for (size_t i = 0; i < n && r.ok; ++i) {
    std::string k = r.s();
    m[k] = r.i32();
  }
}
void put_ids(Writer& w, const std::map<uint64_t, int32_t>& m) {
  w.u(m.size());
  for (const auto& [k, v] : m) {
    w.u(k);
    w.i(v);
  }
}
void get_ids(Reader& r, std::map<uint64_t, int32_t>& m) {
  size_t n = r.n();
  for (size_t i = 0; i < n && r.ok; ++i) {
    uint64_t k = r.u();
    m[k] = r.i32();
  }
}
void put_series(Writer& w, const Series& s) {
  w.u(s.size());
  for (const auto& v : s) {
    w.i(v.day);
    w.u(v.value);
  }
}
void get_series(Reader& r, Series& s) {
  size_t n = r.n();
  for (size_t i = 0; i < n && r.ok; ++i) {
    SeriesValue v;
    v.day = r.i32();
    v.value = static_cast<uint32_t>(r.u());
    s.push_back(v);
  }
}
void put_strings(Writer& w, const std::vector<std::string>& v) {
  w.u(v.size());
  for (const auto& x : v) w.s(x);
}
void get_strings(Reader& r, std::vector<std::string>& v) {
  size_t n = r.n();
  for (size_t i = 0; i < n && r.ok; ++i) v.push_back(r.s());
}

std::vector<std::string*> row_texts(store::AlertRow& a) {
  return {&a.alert_id,       &a.rule_id,    &a.rule_uuid,      &a.rule_source,   &a.kind,
          &a.title,          &a.severity,   &a.description,    &a.tactics_json,  &a.techniques_json,
          &a.event_ids_json, &a.account,    &a.identity,       &a.identity_arn,  &a.source_ip,
          &a.region,         &a.event_name, &a.resources_json, &a.entities_json, &a.details_json};
}
std::vector<int64_t*> row_numbers(store::AlertRow& a) {
  return {&a.first_time_us, &a.last_time_us, &a.created_us, &a.updated_us, &a.event_count};
}

void put_alerts(Writer& w, const std::map<std::string, OpenAlert>& alerts) {
  w.u(alerts.size());
  for (const auto& [k, o] : alerts) {
    w.s(k);
    w.i(o.until_us);
    auto row = o.row;
    for (auto* t : row_texts(row)) w.s(*t);
    for (auto* n : row_numbers(row)) w.i(*n);
    put_strings(w, o.ids);
    put_strings(w, o.names);
    put_strings(w, o.ips);
  }
}
void get_alerts(Reader& r, std::map<std::string, OpenAlert>& alerts) {
  size_t n = r.n();
  for (size_t i = 0; i < n && r.ok; ++i) {
    std::string k = r.s();
    OpenAlert o;
    o.until_us = r.i();
    for (auto* t : row_texts(o.row)) *t = r.s();
    for (auto* x : row_numbers(o.row)) *x = r.i();
    get_strings(r, o.ids);
    get_strings(r, o.names);
    get_strings(r, o.ips);
    alerts.emplace(std::move(k), std::move(o));
  }
}

template <typename T>
Result<T> finish(Reader& r, T&& value, std::string_view what) {
  if (!r.ok || !r.in.empty())
    return make_error(ErrorCode::kCorrupt, "anomaly state is corrupt", std::string(what));
  return std::move(value);
}

}  // namespace

std::string encode_identity(const IdentityState& s) {
  Writer w;
  w.out.append(kIdentityMagic);
  w.s(s.key);
  w.b(s.login);
  w.s(s.name);
  w.s(s.arn);
  w.s(s.type);
  w.s(s.account);
  w.i(s.first_us);
  w.i(s.newest_us);
  w.i(s.trimmed_day);
  w.u(s.sessions.size());
  for (const auto& x : s.sessions) {
    w.i(x.key_us);
    w.i(x.start_us);
    w.i(x.end_us);
    w.u(x.events);
    for (auto v : x.metric) w.u(v);
    for (const auto& e : x.evidence) put_strings(w, e);
  }
  for (const auto& x : s.series) put_series(w, x);
  put_daily(w, s.countries);
  put_days(w, s.country_last);
  put_daily(w, s.pairs);
  w.u(s.recent.size());
  for (const auto& l : s.recent) {
    w.i(l.first_us);
    w.i(l.last_us);
    w.s(l.ip);
    w.s(l.country);
    w.s(l.city);
    w.d(l.lat);
    w.d(l.lon);
    w.i(l.accuracy_km);
    w.b(l.risky);
    w.b(l.trusted);
    w.s(l.event_id);
    w.s(l.event_name);
  }
  put_days(w, s.regions);
  put_alerts(w, s.alerts);
  return std::move(w.out);
}

Result<IdentityState> decode_identity(std::string_view blob) {
  if (!blob.starts_with(kIdentityMagic))
    return make_error(ErrorCode::kCorrupt, "not an anomaly identity state");
  Reader r{blob.substr(kIdentityMagic.size())};
  IdentityState s;
  s.key = r.s();
  s.login = r.b();
  s.name = r.s();
  s.arn = r.s();
  s.type = r.s();
  s.account = r.s();
  s.first_us = r.i();
  s.newest_us = r.i();
  s.trimmed_day = r.i32();
  size_t n = r.n();
  for (size_t i = 0; i < n && r.ok; ++i) {
    Session x;
    x.key_us = r.i();
    x.start_us = r.i();
    x.end_us = r.i();
    x.events = static_cast<uint32_t>(r.u());
    for (auto& v : x.metric) v = static_cast<uint32_t>(r.u());
    for (auto& e : x.evidence) get_strings(r, e);
    s.sessions.push_back(std::move(x));
  }
  for (auto& x : s.series) get_series(r, x);
  get_daily(r, s.countries);
  get_days(r, s.country_last);
  get_daily(r, s.pairs);
  n = r.n();
  for (size_t i = 0; i < n && r.ok; ++i) {
    Located l;
    l.first_us = r.i();
    l.last_us = r.i();
    l.ip = r.s();
    l.country = r.s();
    l.city = r.s();
    l.lat = r.d();
    l.lon = r.d();
    l.accuracy_km = r.i32();
    l.risky = r.b();
    l.trusted = r.b();
    l.event_id = r.s();
    l.event_name = r.s();
    s.recent.push_back(std::move(l));
  }
  get_days(r, s.regions);
  get_alerts(r, s.alerts);
  return finish(r, std::move(s), "identity");
}

std::string encode_account(const AccountState& s) {
  Writer w;
  w.out.append(kAccountMagic);
  w.s(s.account);
  w.i(s.first_us);
  w.i(s.newest_us);
  put_days(w, s.regions);
  for (const auto& x : s.pool) put_series(w, x);
  put_alerts(w, s.alerts);
  return std::move(w.out);
}

Result<AccountState> decode_account(std::string_view blob) {
  if (!blob.starts_with(kAccountMagic))
    return make_error(ErrorCode::kCorrupt, "not an anomaly account state");
  Reader r{blob.substr(kAccountMagic.size())};
  AccountState s;
  s.account = r.s();
  s.first_us = r.i();
  s.newest_us = r.i();
  get_days(r, s.regions);
  for (auto& x : s.pool) get_series(r, x);
  get_alerts(r, s.alerts);
  return finish(r, std::move(s), "account");
}

std::string encode_org(const OrgState& s) {
  Writer w;
  w.out.append(kOrgMagic);
  w.u(s.country_ids.size());
  for (const auto& [k, v] : s.country_ids) {
    w.s(k);
    put_ids(w, v);
  }
  w.u(s.pair_ids.size());
  for (const auto& [k, v] : s.pair_ids) {
    w.s(k);
    put_ids(w, v);
  }
  put_ids(w, s.located_ids);
  w.u(s.flagged_ips.size());
  for (const auto& [k, v] : s.flagged_ips) {
    w.s(k);
    put_ids(w, v.ids);
    w.u(v.days.size());
    for (auto d : v.days) w.i(d);
  }
  put_days(w, s.regions);
  return std::move(w.out);
}

Result<OrgState> decode_org(std::string_view blob) {
  if (!blob.starts_with(kOrgMagic))
    return make_error(ErrorCode::kCorrupt, "not an anomaly org state");
  Reader r{blob.substr(kOrgMagic.size())};
  OrgState s;
  size_t n = r.n();
  for (size_t i = 0; i < n && r.ok; ++i) {
    std::string k = r.s();
    get_ids(r, s.country_ids[k]);
  }
  n = r.n();
  for (size_t i = 0; i < n && r.ok; ++i) {
    std::string k = r.s();
    get_ids(r, s.pair_ids[k]);
  }
  get_ids(r, s.located_ids);
  n = r.n();
  for (size_t i = 0; i < n && r.ok; ++i) {
    std::string k = r.s();
    auto& v = s.flagged_ips[k];
    get_ids(r, v.ids);
    size_t m = r.n();
    for (size_t j = 0; j < m && r.ok; ++j) v.days.insert(r.i32());
  }
  get_days(r, s.regions);
  return finish(r, std::move(s), "org");
}

}  // namespace trailwarden::anomaly
