// aws.anomaly.infrequent_country (catalog §4.4): located activity from a country absent from the
// identity's 30-day country set, once the identity is past learning with >= 20 located events
// in its baseline. Suppression overrides the generic table: Low skips countries used by >= 5 % of
// the organisation's identities or seen for this identity in 90 days; Medium those used by
// >= 20 % of the identities; High uses the identity's history only. One alert per (identity,
// country) per 7 days.
#include <fmt/format.h>

#include "anomaly/engine_state.h"
#include "core/text.h"

namespace trailwarden::anomaly {

void check_infrequent_country(Context& c) {
  const Activity& a = c.a;
  if (c.id == nullptr) return;
  const PolicySettings& s = c.policies.get(PolicyId::kInfrequentCountry);
  if (a.ip.trusted || !learned(s, c.id->first_us, c.t)) return;
  const int32_t since = day_of(c.t - s.baseline_us);
  const std::string& country = a.ip.country;
  if (daily_has(c.id->countries, country, since)) return;
  const uint64_t located = daily_total(c.id->countries, since);
  if (located < static_cast<uint64_t>(s.min_located_events)) return;
  // Organisation share of the country.
  const uint64_t self = identity_hash(c.id->key);
  const size_t identities = count_others(c.org.located_ids, self, since);
  size_t users = 0;
  if (auto it = c.org.country_ids.find(country); it != c.org.country_ids.end())
    users = count_others(it->second, self, since);
  const double share = identities == 0 ? 0.0 : static_cast<double>(users) / identities;
  if (s.sensitivity == Sensitivity::kLow) {
    if (share >= 0.05) return;
    auto last = c.id->country_last.find(country);
    if (last != c.id->country_last.end() && last->second >= c.day - kHistoryDays) return;
  } else if (s.sensitivity == Sensitivity::kMedium) {
    if (share >= 0.20) return;
  }
  bool fresh = false;
  const std::string key = "country\x1f" + country;
  OpenAlert& o = open_alert(c, c.id->alerts, s, key, s.alert_window_us,
                            c.id->key + '\x1f' + key + '\x1f' + a.event_id, fresh);
  if (fresh) {
    std::string known;
    for (const auto& [k, days] : c.id->countries) {
      if (days.empty() || days.back().day < since) continue;
      uint64_t n = 0;
      for (const auto& d : days)
        if (d.day >= since) n += d.count;
      if (!known.empty()) known += ", ";
      known += fmt::format("{} ({})", k, n);
    }
    o.row.description = fmt::format(
        "{} by {} from {}{}{} ({}): a country absent from this identity's {}-day baseline of {} "
        "located events (countries: {}); {:.0f}% of {} other identities used it. Sensitivity {}.",
        a.event_name, a.identity_name, a.ip.city, a.ip.city.empty() ? "" : ", ", country, a.source,
        s.baseline_us / kDayUs, located, known, share * 100, identities,
        sensitivity_name(s.sensitivity));
    std::string d = "{\"policy\":";
    append_json_string(d, s.name);
    d += ",\"country\":";
    append_json_string(d, country);
    d += ",\"city\":";
    append_json_string(d, a.ip.city);
    d += fmt::format(",\"baseline_located_events\":{},\"org_share\":{:.4f},\"org_identities\":{}",
                     located, share, identities);
    d += ",\"baseline_countries\":";
    append_json_string(d, known);
    d += ",\"sensitivity\":";
    append_json_string(d, sensitivity_name(s.sensitivity));
    d += ",\"identity_key\":";
    append_json_string(d, c.id->key);
    d += '}';
    o.row.details_json = std::move(d);
  }
  emit(c, o);
}

}  // namespace trailwarden::anomaly
