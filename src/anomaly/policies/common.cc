// What every anomaly policy shares: learning, the system suppression class, alert rows with
// entities like rule alerts (docs/alerts.md), open alerts and session thresholds (catalog §4.3).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "anomaly/engine_state.h"
#include "core/text.h"
#include "core/time.h"
#include "detect/detector.h"

namespace trailwarden::anomaly {

bool learned(const PolicySettings& s, int64_t first_us, int64_t t) {
  return s.learning_us <= 0 || (first_us != INT64_MAX && t >= first_us + s.learning_us);
}

bool system_suppressed(const Activity& a) {
  return a.service_originated || a.ip.kind != enrich::SourceKind::kPublic || a.ip.aws ||
         !a.ip.located || a.ip.coarse || a.ip.accuracy_km > 500 || a.ip.country.empty();
}

std::string format_count(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    const bool negative = v < 0;
    std::string digits = fmt::format("{}", static_cast<int64_t>(std::fabs(v)));
    std::string out = negative ? "-" : "";
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return out;
  }
  return fmt::format("{:.1f}", v);
}

std::string format_percentile(double q) {
  std::string s = fmt::format("p{:g}", q * 100);
  return s;
}

namespace {
void append_ip_json(std::string& e, const Activity& a) {
  e += ",\"ip\":";
  if (a.ip.kind == enrich::SourceKind::kPublic || a.ip.kind == enrich::SourceKind::kPrivate)
    append_json_string(e, a.source);
  else
    e += "null";
  if (a.ip.kind == enrich::SourceKind::kService) {
    e += ",\"source_service\":";
    append_json_string(e, a.source);
  }
  if (a.ip.located || a.ip.asn != 0) {
    e += ",\"ip_location\":{\"country\":";
    append_json_string(e, a.ip.country);
    e += ",\"city\":";
    append_json_string(e, a.ip.city);
    e += fmt::format(",\"latitude\":{},\"longitude\":{},\"accuracy_km\":{},\"asn\":{},\"as_org\":",
                     a.ip.latitude, a.ip.longitude, a.ip.accuracy_km, a.ip.asn);
    append_json_string(e, a.ip.as_org);
    e += '}';
  }
}
}  // namespace

store::AlertRow alert_row(const PolicySettings& s, const Activity& a, const IdentityState* id,
                          const Clock* clock) {
  store::AlertRow r;
  r.rule_id = s.name;
  r.rule_uuid = s.name;
  r.rule_source = "builtin";
  r.kind = "anomaly";
  r.title = s.title;
  r.severity = s.severity;
  r.tactics_json = json_string_array(s.tactics);
  r.techniques_json = json_string_array(s.techniques);
  r.first_time_us = r.last_time_us = a.time_us;
  r.created_us = r.updated_us = clock ? clock->now_micros() : a.time_us;
  r.event_count = 1;
  r.account = a.account;
  r.identity = a.identity_name;
  r.identity_arn = a.identity_arn;
  if (a.ip.kind == enrich::SourceKind::kPublic || a.ip.kind == enrich::SourceKind::kPrivate)
    r.source_ip = a.source;
  r.region = a.region;
  r.event_name = a.event_name;
  r.resources_json = "[]";
  std::string e = "{\"account\":";
  append_json_string(e, a.account);
  if (!a.actor_account.empty() && a.actor_account != a.account) {
    e += ",\"actor_account\":";
    append_json_string(e, a.actor_account);
  }
  e += ",\"identity\":{\"name\":";
  append_json_string(e, a.identity_name);
  e += ",\"arn\":";
  append_json_string(e, a.identity_arn);
  e += ",\"type\":";
  append_json_string(e, a.identity_type);
  e += ",\"account\":";
  append_json_string(e, a.actor_account);
  e += ",\"key\":";
  append_json_string(e, id ? id->key : a.identity_key);
  e += '}';
  append_ip_json(e, a);
  e += ",\"region\":";
  append_json_string(e, a.region);
  e += ",\"resources\":[]}";
  r.entities_json = std::move(e);
  return r;
}

OpenAlert& open_alert(Context& c, std::map<std::string, OpenAlert>& alerts, const PolicySettings& s,
                      const std::string& key, int64_t window_us, const std::string& id_text,
                      bool& fresh) {
  auto it = alerts.find(key);
  if (it != alerts.end() && c.t >= it->second.row.first_time_us - window_us &&
      c.t < it->second.until_us) {
    OpenAlert& o = it->second;
    fresh = false;
    o.row.event_count += 1;
    o.row.first_time_us = std::min(o.row.first_time_us, c.t);
    o.row.last_time_us = std::max(o.row.last_time_us, c.t);
    if (o.ids.size() < kMaxEvidence &&
        std::find(o.ids.begin(), o.ids.end(), c.a.event_id) == o.ids.end())
      o.ids.push_back(c.a.event_id);
    o.row.updated_us = c.clock ? c.clock->now_micros() : c.t;
    o.row.may_exist = true;
    return o;
  }
  if (alerts.size() >= kMaxOpenAlerts) {
    // Forget the alert whose window ended first.
    auto oldest = std::min_element(alerts.begin(), alerts.end(), [](const auto& x, const auto& y) {
      return x.second.until_us < y.second.until_us;
    });
    alerts.erase(oldest);
  }
  OpenAlert o;
  o.row = alert_row(s, c.a, c.id, c.clock);
  o.row.alert_id = detect::stable_id(s.name + '\x1f' + id_text);
  o.until_us = c.t + window_us;
  o.ids.push_back(c.a.event_id);
  fresh = true;
  ++*c.raised;
  auto& slot = alerts[key];
  slot = std::move(o);
  return slot;
}

void emit(Context& c, OpenAlert& o) {
  o.row.event_ids_json = json_string_array(o.ids);
  auto [it, inserted] = c.emitted->emplace(o.row.alert_id, c.out->size());
  if (inserted) {
    c.out->push_back(o.row);
  } else {
    // Raised earlier in this batch: it is not stored yet, so it stays an insert unless the
    // earlier row was already an update.
    bool may_exist = (*c.out)[it->second].may_exist;
    (*c.out)[it->second] = o.row;
    (*c.out)[it->second].may_exist = may_exist;
  }
}

Threshold session_threshold(const PolicySettings& s, const IdentityState* id,
                            const AccountState* acct, Metric m, double base_floor, int64_t t,
                            bool account_only) {
  Threshold th;
  th.floor = s.effective_floor(base_floor);
  th.value = th.floor;
  th.basis = "floor";
  const int32_t since = day_of(t - s.baseline_us);
  if (!account_only && id != nullptr) {
    auto v = series_values(id->series[m], since);
    if (v.size() >= 10) {
      th.sessions = v.size();
      th.percentile = percentile(v, s.percentile());
      th.basis = "identity";
      th.value = std::max(th.floor, th.percentile);
      return th;
    }
  }
  if (acct != nullptr) {
    auto v = series_values(acct->pool[m], since);
    if (v.size() >= (account_only ? 10u : 50u)) {
      th.sessions = v.size();
      th.percentile = percentile(v, s.percentile());
      th.basis = "account";
      th.value = std::max(th.floor, th.percentile);
    }
  }
  return th;
}

void session_alert(Context& c, const PolicySettings& s, Metric m, const Threshold& th,
                   std::string_view what, bool first_admin) {
  const Session& ses = *c.session;
  const uint32_t value = ses.metric[m];
  bool fresh = false;
  const std::string key = std::string(metric_name(m)) + '\x1f' + std::to_string(ses.key_us);
  OpenAlert& o = open_alert(c, c.id->alerts, s, key, kSessionCutUs + kSessionGapUs,
                            c.id->key + '\x1f' + key, fresh);
  o.until_us = std::max(o.until_us, ses.start_us + kSessionCutUs + kSessionGapUs);
  o.ids = ses.evidence[m];
  o.row.event_count = value;
  o.row.first_time_us = ses.start_us;
  o.row.last_time_us = std::max(o.row.last_time_us, c.t);
  std::string stat;
  const std::string who =
      th.basis == "account" ? "account " + c.a.account + "'s" : "this identity's";
  if (first_admin) {
    stat = fmt::format(
        "no administrative events in this identity's {}-day baseline (first-admin "
        "threshold {})",
        s.baseline_us / kDayUs, format_count(std::ceil(th.floor / 2)));
  } else if (th.percentile >= 0) {
    stat = fmt::format("{} {}-day {} is {} over {} sessions (floor {}; threshold {})", who,
                       s.baseline_us / kDayUs, format_percentile(s.percentile()),
                       format_count(th.percentile), th.sessions, format_count(th.floor),
                       format_count(th.value));
  } else {
    stat = fmt::format("too few baseline sessions for a percentile; threshold is the floor {}",
                       format_count(th.floor));
  }
  o.row.description =
      fmt::format("{} {} in one session by {}; {}. Sensitivity {}; session {} to {}.",
                  format_count(value), what, c.id->name.empty() ? c.a.identity_name : c.id->name,
                  stat, sensitivity_name(s.sensitivity), format_iso8601_micros(ses.start_us),
                  format_iso8601_micros(ses.end_us));
  std::string d = "{\"policy\":";
  append_json_string(d, s.name);
  d += ",\"metric\":";
  append_json_string(d, metric_name(m));
  d += fmt::format(",\"observed\":{},\"threshold\":{},\"floor\":{},\"percentile\":", value,
                   th.value, th.floor);
  if (th.percentile >= 0)
    d += fmt::format("{{\"q\":{},\"value\":{},\"sessions\":{}}}", s.percentile(), th.percentile,
                     th.sessions);
  else
    d += "null";
  d += ",\"basis\":";
  append_json_string(d, first_admin ? "first_admin_session" : th.basis);
  d += ",\"sensitivity\":";
  append_json_string(d, sensitivity_name(s.sensitivity));
  d += ",\"session\":{\"start\":";
  append_json_string(d, format_iso8601_micros(ses.start_us));
  d += ",\"end\":";
  append_json_string(d, format_iso8601_micros(ses.end_us));
  d += fmt::format(",\"events\":{}}},\"identity_key\":", ses.events);
  append_json_string(d, c.id->key);
  d += '}';
  o.row.details_json = std::move(d);
  emit(c, o);
}

}  // namespace trailwarden::anomaly
