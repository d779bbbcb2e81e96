// aws.anomaly.unusual_region_resource (catalog §4.4): a resource created in a region with no
// resource creation in the 30-day baseline — of the organisation (Low), the account (Medium) or
// the identity (High). Account learning 7 days. One alert per (account, region) per 7 days.
#include <fmt/format.h>

#include "anomaly/engine_state.h"
#include "core/text.h"

namespace trailwarden::anomaly {

void check_region(Context& c) {
  const Activity& a = c.a;
  if (a.creation_region.empty() || c.acct == nullptr || c.id == nullptr) return;
  const PolicySettings& s = c.policies.get(PolicyId::kRegion);
  if (!learned(s, c.acct->first_us, c.t)) return;
  const int32_t since = day_of(c.t - s.baseline_us);
  const std::map<std::string, int32_t>* set = &c.acct->regions;
  const char* scope = "account";
  if (s.sensitivity == Sensitivity::kLow) {
    set = &c.org.regions;
    scope = "organisation";
  } else if (s.sensitivity == Sensitivity::kHigh) {
    set = &c.id->regions;
    scope = "identity";
  }
  auto it = set->find(a.creation_region);
  if (it != set->end() && it->second >= since) return;
  std::string known;
  for (const auto& [r, d] : *set) {
    if (d < since) continue;
    if (!known.empty()) known += ", ";
    known += r;
  }
  bool fresh = false;
  const std::string key = "region\x1f" + a.creation_region;
  OpenAlert& o = open_alert(c, c.acct->alerts, s, key, s.alert_window_us,
                            a.account + '\x1f' + key + '\x1f' + a.event_id, fresh);
  if (fresh) {
    o.row.region = a.creation_region;
    o.row.description = fmt::format(
        "{} by {} created a resource in {}: no resource creation in this region in the {}'s "
        "{}-day baseline (regions used: {}). Sensitivity {}.",
        a.event_name, a.identity_name, a.creation_region, scope, s.baseline_us / kDayUs,
        known.empty() ? "none" : known, sensitivity_name(s.sensitivity));
    std::string d = "{\"policy\":";
    append_json_string(d, s.name);
    d += ",\"creation_region\":";
    append_json_string(d, a.creation_region);
    d += ",\"scope\":";
    append_json_string(d, scope);
    d += ",\"baseline_regions\":";
    append_json_string(d, known);
    d += ",\"sensitivity\":";
    append_json_string(d, sensitivity_name(s.sensitivity));
    d += '}';
    o.row.details_json = std::move(d);
  }
  emit(c, o);
}

}  // namespace trailwarden::anomaly
