// Connector health, in the spirit of Sentinel's SentinelHealth table: a ConnectorHealth row on
// every status change (success <-> failure, with the reason and error code), a periodic
// success row with lag, backlog and events collected, and an hourly failure summary per error
// code. Rows are written in their own transaction (health is never a reason to hold events).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/workspace.h"

namespace trailwarden::collect {

enum class HealthStatus { kSuccess, kWarning, kFailure };

struct HealthSample {
  std::string connector;  // Collector::id()
  std::string scope;      // "111122223333/us-east-1", "s3://bucket/AWSLogs/", "" for all
  HealthStatus status = HealthStatus::kSuccess;
  std::string error_code;        // "ThrottlingException", "Unavailable", "AccessDenied" ...
  std::string reason;            // one sentence for people; no secrets
  int64_t lag_seconds = -1;      // now - newest event time collected; -1 unknown
  int64_t backlog = -1;          // work known to be waiting (pages, objects, messages); -1 unknown
  uint64_t events = 0;           // events collected since the previous sample
  double events_per_second = 0;  // sustained collection rate over the sample
};

class HealthReporter {
 public:
  HealthReporter(store::Workspace& workspace, const Clock& clock);
  // Thread-safe. Records the sample; writes a row when the status of (connector, scope)
  // changes, at most once a minute per scope otherwise, and hourly failure summaries.
  void report(const HealthSample& sample);
  // Writes pending rows now.
  Status flush();

 private:
  struct ScopeState;
  store::Workspace& workspace_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, ScopeState*> scopes_;
};

}  // namespace trailwarden::collect
