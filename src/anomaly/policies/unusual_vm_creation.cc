// aws.anomaly.unusual_vm_creation (catalog §4.4): instances launched per session (RunInstances,
// instant CreateFleet, RequestSpotInstances) against the identity's baseline, floor 20.
#include "anomaly/engine_state.h"

namespace trailwarden::anomaly {

void check_vm_creation(Context& c) {
  const PolicySettings& s = c.policies.get(PolicyId::kVmCreation);
  if (c.a.vms_created == 0 || c.id == nullptr || c.session == nullptr) return;
  if (!learned(s, c.id->first_us, c.t)) return;
  if (c.session->metric[kVmCreated] <= s.effective_floor(s.floor)) return;
  Threshold th = session_threshold(s, c.id, c.acct, kVmCreated, s.floor, c.t);
  if (c.session->metric[kVmCreated] > th.value)
    session_alert(c, s, kVmCreated, th, "EC2 instances launched");
}

}  // namespace trailwarden::anomaly
