// aws.anomaly.unusual_admin_activity (catalog §4.4): administrative events per session above
// max(pQ, floor 20); an identity with no admin events in its baseline doing >= floor/2 in one
// session also alerts ("first admin session").
#include <cmath>

#include "anomaly/engine_state.h"

namespace trailwarden::anomaly {

void check_admin_activity(Context& c) {
  const PolicySettings& s = c.policies.get(PolicyId::kAdminActivity);
  if (!c.a.admin_event || c.id == nullptr || c.session == nullptr) return;
  if (!learned(s, c.id->first_us, c.t)) return;
  const uint32_t v = c.session->metric[kAdmin];
  const double floor = s.effective_floor(s.floor);
  const double first_threshold = std::ceil(floor / 2);
  if (v < first_threshold) return;  // cheap exit: below every threshold
  Threshold th = session_threshold(s, c.id, c.acct, kAdmin, s.floor, c.t);
  if (v > th.value) {
    session_alert(c, s, kAdmin, th, "administrative events");
    return;
  }
  // First admin session: no admin event at all in the identity's baseline sessions.
  const int32_t since = day_of(c.t - s.baseline_us);
  auto values = series_values(c.id->series[kAdmin], since);
  bool none = true;
  for (auto x : values) none = none && x == 0;
  if (none && !values.empty()) session_alert(c, s, kAdmin, th, "administrative events", true);
}

}  // namespace trailwarden::anomaly
