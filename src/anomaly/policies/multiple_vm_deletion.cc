// aws.anomaly.multiple_vm_deletion (catalog §4.4): instances terminated per session against the
// account's (org-level) baseline of sessions, floor 10. Service-originated terminations (Auto
// Scaling) never count (the extractor leaves them at zero). Learning is per account.
#include "anomaly/engine_state.h"

namespace trailwarden::anomaly {

void check_vm_deletion(Context& c) {
  const PolicySettings& s = c.policies.get(PolicyId::kVmDeletion);
  if (c.a.vms_terminated == 0 || c.id == nullptr || c.session == nullptr || c.acct == nullptr)
    return;
  if (!learned(s, c.acct->first_us, c.t)) return;
  if (c.session->metric[kVmTerminated] <= s.effective_floor(s.floor)) return;
  Threshold th = session_threshold(s, nullptr, c.acct, kVmTerminated, s.floor, c.t, true);
  if (c.session->metric[kVmTerminated] > th.value)
    session_alert(c, s, kVmTerminated, th, "EC2 instances terminated");
}

}  // namespace trailwarden::anomaly
