#include "anomaly/baseline_view.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/text.h"
#include "core/time.h"
#include "detect/derived/dom_util.h"

namespace trailwarden::anomaly {

Result<LearnedState> load_learned(store::Workspace& workspace) {
  auto states = workspace.load_states("anomaly/");
  if (!states) return std::unexpected(states.error());
  LearnedState out;
  for (const auto& [key, blob] : *states) {
    if (key.starts_with("anomaly/id/") || key.starts_with("anomaly/login/")) {
      auto s = decode_identity(blob);
      if (!s) return std::unexpected(Error{s.error().code, s.error().message, key});
      out.newest_us = std::max(out.newest_us, s->newest_us);
      (s->login ? out.logins : out.identities).push_back(std::move(*s));
    } else if (key.starts_with("anomaly/acct/")) {
      auto s = decode_account(blob);
      if (!s) return std::unexpected(Error{s.error().code, s.error().message, key});
      out.newest_us = std::max(out.newest_us, s->newest_us);
      out.accounts.push_back(std::move(*s));
    }
  }
  return out;
}

std::vector<const IdentityState*> find_identities(const LearnedState& state, std::string_view q) {
  using detect::derived::icontains;
  using detect::derived::iequals;
  std::vector<const IdentityState*> exact, partial;
  for (const auto* list : {&state.identities, &state.logins}) {
    for (const auto& s : *list) {
      if (iequals(s.key, q) || iequals(s.arn, q) || iequals(s.name, q))
        exact.push_back(&s);
      else if (icontains(s.key, q) || icontains(s.name, q))
        partial.push_back(&s);
    }
  }
  return exact.empty() ? partial : exact;
}

namespace {

struct MetricStats {
  size_t sessions = 0;
  uint32_t max = 0;
  double p50 = 0, pq = 0;
};

MetricStats stats(const Series& s, int32_t since, double q) {
  MetricStats m;
  auto v = series_values(s, since);
  m.sessions = v.size();
  if (v.empty()) return m;
  m.max = *std::max_element(v.begin(), v.end());
  auto copy = v;
  m.p50 = percentile(copy, 0.5);
  m.pq = percentile(v, q);
  return m;
}

const PolicySettings& metric_policy(const PolicySet& p, Metric m) {
  switch (m) {
    case kAdmin:
      return p.get(PolicyId::kAdminActivity);
    case kStorage:
    case kObjects:
      return p.get(PolicyId::kStorageDeletion);
    case kVmTerminated:
      return p.get(PolicyId::kVmDeletion);
    case kVmCreated:
      return p.get(PolicyId::kVmCreation);
    default:
      return p.get(PolicyId::kFailedLogins);
  }
}

std::string iso(int64_t us) {
  return us == INT64_MAX || us == INT64_MIN ? "" : format_iso8601_micros(us);
}

}  // namespace

std::string baseline_json(const IdentityState& s, const PolicySet& policies, int64_t newest_us) {
  const int64_t window = policies.get(PolicyId::kInfrequentCountry).baseline_us;
  const int32_t since = day_of(newest_us - window);
  std::string o = "{\"key\":";
  append_json_string(o, s.key);
  o += ",\"kind\":";
  append_json_string(o, s.login ? "login" : "identity");
  o += ",\"name\":";
  append_json_string(o, s.name);
  o += ",\"arn\":";
  append_json_string(o, s.arn);
  o += ",\"type\":";
  append_json_string(o, s.type);
  o += ",\"account\":";
  append_json_string(o, s.account);
  o += ",\"first_seen\":";
  append_json_string(o, iso(s.first_us));
  o += ",\"last_seen\":";
  append_json_string(o, iso(s.newest_us));
  o += ",\"learning\":{";
  bool first = true;
  for (const auto& p : policies.all()) {
    if (!first) o += ',';
    first = false;
    append_json_string(o, p.name);
    o += fmt::format(":{}", learned(p, s.first_us, newest_us) ? "\"learned\"" : "\"learning\"");
  }
  o += "},\"countries\":{";
  first = true;
  for (const auto& [c, days] : s.countries) {
    uint64_t n = 0;
    for (const auto& d : days)
      if (d.day >= since) n += d.count;
    if (n == 0) continue;
    if (!first) o += ',';
    first = false;
    append_json_string(o, c);
    o += fmt::format(":{{\"events\":{},\"days\":{},\"last_day\":", n, days.size());
    append_json_string(
        o, format_iso8601_micros(static_cast<int64_t>(days.back().day) * kDayUs).substr(0, 10));
    o += '}';
  }
  o += "},\"countries_90d\":{";
  first = true;
  for (const auto& [c, d] : s.country_last) {
    if (!first) o += ',';
    first = false;
    append_json_string(o, c);
    o += ':';
    append_json_string(o, format_iso8601_micros(static_cast<int64_t>(d) * kDayUs).substr(0, 10));
  }
  o += "},\"country_pairs\":[";
  first = true;
  for (const auto& [pair, days] : s.pairs) {
    if (days.empty() || days.back().day < since) continue;
    if (!first) o += ',';
    first = false;
    append_json_string(o, pair);
  }
  o += "],\"creation_regions\":{";
  first = true;
  for (const auto& [r, d] : s.regions) {
    if (!first) o += ',';
    first = false;
    append_json_string(o, r);
    o += ':';
    append_json_string(o, format_iso8601_micros(static_cast<int64_t>(d) * kDayUs).substr(0, 10));
  }
  o += "},\"session_metrics\":{";
  first = true;
  for (size_t m = 0; m < kMetricCount; ++m) {
    const bool relevant = s.login ? m == kFailed : m != kFailed;
    if (!relevant) continue;
    const auto& p = metric_policy(policies, static_cast<Metric>(m));
    auto st = stats(s.series[m], day_of(newest_us - p.baseline_us), p.percentile());
    if (!first) o += ',';
    first = false;
    append_json_string(o, metric_name(static_cast<Metric>(m)));
    o += fmt::format(":{{\"sessions\":{},\"max\":{},\"p50\":{},\"{}\":{}}}", st.sessions, st.max,
                     st.p50, format_percentile(p.percentile()), st.pq);
  }
  o += "},\"open_sessions\":[";
  for (size_t i = 0; i < s.sessions.size(); ++i) {
    const auto& x = s.sessions[i];
    if (i) o += ',';
    o += "{\"start\":";
    append_json_string(o, iso(x.start_us));
    o += ",\"end\":";
    append_json_string(o, iso(x.end_us));
    o += fmt::format(",\"events\":{}", x.events);
    for (size_t m = 0; m < kMetricCount; ++m)
      if (x.metric[m])
        o += fmt::format(",\"{}\":{}", metric_name(static_cast<Metric>(m)), x.metric[m]);
    o += '}';
  }
  o += "],\"recent_locations\":[";
  for (size_t i = 0; i < s.recent.size(); ++i) {
    const auto& l = s.recent[i];
    if (i) o += ',';
    o += "{\"ip\":";
    append_json_string(o, l.ip);
    o += ",\"country\":";
    append_json_string(o, l.country);
    o += ",\"city\":";
    append_json_string(o, l.city);
    o += ",\"first\":";
    append_json_string(o, iso(l.first_us));
    o += ",\"last\":";
    append_json_string(o, iso(l.last_us));
    o += '}';
  }
  o += fmt::format("],\"open_alerts\":{}}}", s.alerts.size());
  return o;
}

std::string baseline_text(const IdentityState& s, const PolicySet& policies, int64_t newest_us) {
  const int64_t window = policies.get(PolicyId::kInfrequentCountry).baseline_us;
  const int32_t since = day_of(newest_us - window);
  std::string o;
  auto line = [&](std::string_view label, std::string_view value) {
    o += fmt::format("{:<22}{}\n", label, escape_control(value));
  };
  line(s.login ? "login key" : "identity", s.key);
  line("name", s.name);
  if (!s.arn.empty() && s.arn != s.key) line("arn", s.arn);
  line("type", s.type);
  line("account", s.account);
  line("first seen", iso(s.first_us));
  line("last seen", iso(s.newest_us));
  std::string learning = "learned";
  const int64_t learning_us = policies.get(PolicyId::kImpossibleTravel).learning_us;
  if (s.first_us + learning_us > newest_us)
    learning = "learning until " + iso(s.first_us + learning_us);
  line("learning (7 d)", learning);
  std::string countries;
  for (const auto& [c, days] : s.countries) {
    uint64_t n = 0;
    for (const auto& d : days)
      if (d.day >= since) n += d.count;
    if (n == 0) continue;
    if (!countries.empty()) countries += ", ";
    countries += fmt::format("{} ({} events, {} days)", c, n, days.size());
  }
  line(fmt::format("countries ({} d)", window / kDayUs), countries.empty() ? "none" : countries);
  std::string pairs;
  for (const auto& [p, days] : s.pairs) {
    if (days.empty() || days.back().day < since) continue;
    if (!pairs.empty()) pairs += ", ";
    pairs += p;
  }
  line("country pairs", pairs.empty() ? "none" : pairs);
  std::string regions;
  for (const auto& [r, d] : s.regions) {
    if (!regions.empty()) regions += ", ";
    regions += r;
  }
  line("creation regions", regions.empty() ? "none" : regions);
  for (size_t m = 0; m < kMetricCount; ++m) {
    const bool relevant = s.login ? m == kFailed : m != kFailed;
    if (!relevant) continue;
    const auto& p = metric_policy(policies, static_cast<Metric>(m));
    auto st = stats(s.series[m], day_of(newest_us - p.baseline_us), p.percentile());
    line(metric_name(static_cast<Metric>(m)),
         st.sessions == 0 ? std::string("no finished sessions")
                          : fmt::format("{} sessions, median {}, {} {}, max {}", st.sessions,
                                        format_count(st.p50), format_percentile(p.percentile()),
                                        format_count(st.pq), st.max));
  }
  line("open sessions", std::to_string(s.sessions.size()));
  std::string recent;
  for (const auto& l : s.recent) {
    if (!recent.empty()) recent += "; ";
    recent += fmt::format("{} {}{}{} {}", l.ip, l.city, l.city.empty() ? "" : ", ", l.country,
                          iso(l.last_us));
  }
  line("recent locations", recent.empty() ? "none" : recent);
  line("open alerts", std::to_string(s.alerts.size()));
  return o;
}

LearningCount learning_state(const LearnedState& state, const PolicySettings& s) {
  LearningCount c;
  if (s.learning_us <= 0) return c;
  if (s.id == PolicyId::kVmDeletion || s.id == PolicyId::kRegion) {
    c.unit = "accounts";
    for (const auto& a : state.accounts)
      (learned(s, a.first_us, state.newest_us) ? c.learned : c.learning) += 1;
    return c;
  }
  if (s.id == PolicyId::kFailedLogins) {
    c.unit = "login keys";
    for (const auto& a : state.logins)
      (learned(s, a.first_us, state.newest_us) ? c.learned : c.learning) += 1;
    return c;
  }
  c.unit = "identities";
  for (const auto& a : state.identities)
    (learned(s, a.first_us, state.newest_us) ? c.learned : c.learning) += 1;
  return c;
}

}  // namespace trailwarden::anomaly
