// aws.anomaly.suspicious_ip_activity (catalog §4.4): activity from an address on the threat-intel
// list with a category of botnet/C2, password spray, brute force or malware; high severity at
// confidence >= 80. No learning; Low suppresses shared egress as for anonymous addresses.
#include <fmt/format.h>

#include "anomaly/policies/list_common.h"
#include "core/text.h"
#include "detect/derived/dom_util.h"

namespace trailwarden::anomaly {

namespace {
bool qualifying_category(std::string_view category) {
  using detect::derived::icontains;
  for (std::string_view k : {"botnet", "c2", "cnc", "command", "spray", "brute", "malware"})
    if (icontains(category, k)) return true;
  return false;
}
}  // namespace

void check_suspicious_ip(Context& c) {
  const Activity& a = c.a;
  if (!a.ip.threat_intel || c.id == nullptr || !list_candidate(a)) return;
  if (!qualifying_category(a.ip.threat_category)) return;
  const PolicySettings& s = c.policies.get(PolicyId::kSuspiciousIp);
  if (!learned(s, c.id->first_us, c.t)) return;
  if (s.applies_org_suppression() && shared_egress(c, s)) return;
  std::string lists = fmt::format("threat_intel (category {}, confidence {})", a.ip.threat_category,
                                  a.ip.threat_confidence);
  std::string d = ",\"category\":";
  append_json_string(d, a.ip.threat_category);
  d += fmt::format(",\"confidence\":{}", a.ip.threat_confidence);
  list_alert(c, s, a.ip.threat_confidence >= 80 ? "high" : s.severity, lists, d);
}

}  // namespace trailwarden::anomaly
