// aws.anomaly.multiple_failed_logins (catalog §4.4): failed ConsoleLogin per session of the
// target user name (of the source address for HIDDEN_DUE_TO_SECURITY_REASONS), above
// max(pQ, floor 5). Learning applies to user names; an address key has no history to learn.
#include "anomaly/engine_state.h"

namespace trailwarden::anomaly {

void check_failed_logins(Context& c) {
  const PolicySettings& s = c.policies.get(PolicyId::kFailedLogins);
  if (!c.a.console_login_failed || c.id == nullptr || c.session == nullptr) return;
  const bool by_address = c.id->key.starts_with("ip:");
  if (!by_address && !learned(s, c.id->first_us, c.t)) return;
  if (c.session->metric[kFailed] <= s.effective_floor(s.floor)) return;
  Threshold th = session_threshold(s, c.id, c.acct, kFailed, s.floor, c.t);
  if (c.session->metric[kFailed] > th.value)
    session_alert(c, s, kFailed, th,
                  by_address ? "failed console sign-ins for unknown user names from this address"
                             : "failed console sign-ins");
}

}  // namespace trailwarden::anomaly
