// aws.anomaly.unusual_storage_deletion (catalog §4.4): deleted storage resources (floor 10)
// and deleted S3 objects (floor 1,000) per session, each against its own baseline.
#include "anomaly/engine_state.h"

namespace trailwarden::anomaly {

void check_storage_deletion(Context& c) {
  const PolicySettings& s = c.policies.get(PolicyId::kStorageDeletion);
  if (c.id == nullptr || c.session == nullptr) return;
  if (!learned(s, c.id->first_us, c.t)) return;
  if (c.a.storage_deleted > 0 && c.session->metric[kStorage] > s.effective_floor(s.floor)) {
    Threshold th = session_threshold(s, c.id, c.acct, kStorage, s.floor, c.t);
    if (c.session->metric[kStorage] > th.value)
      session_alert(c, s, kStorage, th,
                    "storage deletions (buckets, volumes, snapshots, tables, ...)");
  }
  if (c.a.objects_deleted > 0 && c.session->metric[kObjects] > s.effective_floor(s.objects_floor)) {
    Threshold th = session_threshold(s, c.id, c.acct, kObjects, s.objects_floor, c.t);
    if (c.session->metric[kObjects] > th.value)
      session_alert(c, s, kObjects, th, "S3 object deletions");
  }
}

}  // namespace trailwarden::anomaly
