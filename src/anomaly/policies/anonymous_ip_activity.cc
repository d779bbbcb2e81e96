// aws.anomaly.anonymous_ip_activity (catalog §4.4): activity from an address on the tor_exit or
// anonymizer list, or flagged anonymous by the geo-IP database. No learning.
#include <fmt/format.h>

#include "anomaly/policies/list_common.h"
#include "core/text.h"

namespace trailwarden::anomaly {

bool shared_egress(const Context& c, const PolicySettings& s) {
  auto it = c.org.flagged_ips.find(c.a.source);
  if (it == c.org.flagged_ips.end()) return false;
  const int32_t since = day_of(c.t - s.baseline_us);
  size_t days = 0;
  for (auto d : it->second.days)
    if (d >= since && d < c.day) ++days;
  return days >= 3 && count_others(it->second.ids, identity_hash(c.id->key), since) >= 3;
}

void list_alert(Context& c, const PolicySettings& s, const std::string& severity,
                const std::string& lists, const std::string& detail_json) {
  bool fresh = false;
  const std::string key = "ip\x1f" + c.a.source;
  OpenAlert& o = open_alert(c, c.id->alerts, s, key, s.alert_window_us,
                            c.id->key + '\x1f' + key + '\x1f' + c.a.event_id, fresh);
  if (fresh) {
    o.row.severity = severity;
    o.row.description = fmt::format(
        "{} by {} from {} ({}{}{}), an address on the {} list. No learning applies; sensitivity "
        "{}.",
        c.a.event_name, c.a.identity_name, c.a.source,
        c.a.ip.country.empty() ? "unlocated" : c.a.ip.city,
        c.a.ip.city.empty() || c.a.ip.country.empty() ? "" : ", ", c.a.ip.country, lists,
        sensitivity_name(s.sensitivity));
    std::string d = "{\"policy\":";
    append_json_string(d, s.name);
    d += ",\"lists\":";
    append_json_string(d, lists);
    d += ",\"sensitivity\":";
    append_json_string(d, sensitivity_name(s.sensitivity));
    d += ",\"identity_key\":";
    append_json_string(d, c.id->key);
    d += detail_json + "}";
    o.row.details_json = std::move(d);
  } else {
    size_t cut = o.row.description.find(" (repeated:");
    o.row.description = fmt::format("{} (repeated: {} events from this address)",
                                    o.row.description.substr(0, cut), o.row.event_count);
  }
  emit(c, o);
}

void check_anonymous_ip(Context& c) {
  const Activity& a = c.a;
  if (!(a.ip.tor_exit || a.ip.anonymizer || a.ip.db_anonymous) || c.id == nullptr) return;
  if (!list_candidate(a)) return;
  const PolicySettings& s = c.policies.get(PolicyId::kAnonymousIp);
  if (!learned(s, c.id->first_us, c.t)) return;
  if (s.applies_org_suppression() && shared_egress(c, s)) return;
  std::string lists;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!lists.empty()) lists += ", ";
    lists += name;
  };
  add(a.ip.tor_exit, "tor_exit (Tor exit node)");
  add(a.ip.anonymizer, "anonymizer (VPN/proxy)");
  add(a.ip.db_anonymous, "geo-IP anonymous flag");
  list_alert(c, s, s.severity, lists,
             fmt::format(",\"tor_exit\":{},\"anonymizer\":{},\"db_anonymous\":{}", a.ip.tor_exit,
                         a.ip.anonymizer, a.ip.db_anonymous));
}

}  // namespace trailwarden::anomaly
