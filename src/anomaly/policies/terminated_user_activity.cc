// aws.anomaly.terminated_user_activity (catalog §4.4): a successful event by an identity on the
// terminated-users list after terminated_at + grace. One alert per identity per 24 h, listing
// the event names and source addresses seen.
#include <fmt/format.h>

#include <algorithm>

#include "anomaly/engine_state.h"
#include "core/text.h"
#include "core/time.h"

namespace trailwarden::anomaly {

namespace {
std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) {
    if (!s.empty()) s += ", ";
    s += x;
  }
  return s;
}
void add_distinct(std::vector<std::string>& v, const std::string& x) {
  if (x.empty() || v.size() >= kMaxEvidence) return;
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}
}  // namespace

void check_terminated_user(Context& c) {
  const Activity& a = c.a;
  if (a.terminated == nullptr || !a.ok || !a.person || c.id == nullptr) return;
  const PolicySettings& s = c.policies.get(PolicyId::kTerminatedUser);
  if (c.t <= a.terminated->terminated_at_us + s.grace_us) return;
  bool fresh = false;
  const std::string key = "terminated";
  OpenAlert& o = open_alert(c, c.id->alerts, s, key, s.alert_window_us,
                            c.id->key + "\x1fterminated\x1f" + a.event_id, fresh);
  add_distinct(o.names, a.event_name);
  add_distinct(o.ips, a.source);
  o.row.description = fmt::format(
      "{} successful event(s) by {} after termination at {} (list entry {}{}{}; grace {} min): "
      "events {}; sources {}.",
      o.row.event_count, a.identity_name, format_iso8601_micros(a.terminated->terminated_at_us),
      a.terminated->identity, a.terminated->note.empty() ? "" : ", note: ", a.terminated->note,
      s.grace_us / kMinuteUs, joined(o.names), joined(o.ips));
  std::string d = "{\"policy\":";
  append_json_string(d, s.name);
  d += ",\"list_entry\":";
  append_json_string(d, a.terminated->identity);
  d += ",\"terminated_at\":";
  append_json_string(d, format_iso8601_micros(a.terminated->terminated_at_us));
  d += ",\"note\":";
  append_json_string(d, a.terminated->note);
  d += fmt::format(",\"grace_minutes\":{},\"event_names\":", s.grace_us / kMinuteUs);
  d += json_string_array(o.names);
  d += ",\"sources\":" + json_string_array(o.ips);
  d += ",\"identity_key\":";
  append_json_string(d, c.id->key);
  d += '}';
  o.row.details_json = std::move(d);
  emit(c, o);
}

}  // namespace trailwarden::anomaly
