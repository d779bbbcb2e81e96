// Shared by the list-based policies (anonymous and suspicious addresses).
#pragma once

#include <string>

#include "anomaly/engine_state.h"

namespace trailwarden::anomaly {

// Successful activity of a person from a public, non-AWS, non-trusted address.
inline bool list_candidate(const Activity& a) {
  return a.person && a.ok && a.ip.kind == enrich::SourceKind::kPublic && !a.ip.aws && !a.ip.trusted;
}

// Org suppression (Low): the address was used successfully by >= 3 identities on >= 3 days in
// the baseline — shared egress mis-tagged by a list.
bool shared_egress(const Context& c, const PolicySettings& s);

// Raises or updates the per (identity, address) alert of a list policy.
void list_alert(Context& c, const PolicySettings& s, const std::string& severity,
                const std::string& lists, const std::string& detail_json);

}  // namespace trailwarden::anomaly
