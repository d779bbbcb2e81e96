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
  // `snapshot_path`: a JSON file rewritten (atomically) with every scope's latest state each
  // time rows are written, so `health` can answer while `run` holds the workspace.
  HealthReporter(store::Workspace& workspace, const Clock& clock, std::string snapshot_path = {});
  // Thread-safe. Records the sample; writes a row when the status of (connector, scope)
  // changes, at most once a minute per scope otherwise, and hourly failure summaries.
  void report(const HealthSample& sample);
  // Writes pending rows now (report() writes them as they arise; this is for the end).
  Status flush();
  // Rows written so far (tests, the run summary).
  uint64_t rows_written() const;
  // How often a scope's unchanged status is sampled into the table.
  static constexpr int64_t kSampleEveryUs = 60'000'000;

 private:
  struct ScopeState {
    bool seen = false;
    store::HealthRow latest;  // the last row written, for the snapshot
    int64_t since_us = 0;     // when the current status began
    HealthStatus status = HealthStatus::kSuccess;
    std::string error_code;
    int64_t last_row_us = 0;
    int64_t last_success_us = 0;
    int64_t hour = -1;                               // the hour failures are being counted for
    std::map<std::string, int64_t> failures;         // error code -> failures in `hour`
    std::map<std::string, std::string> last_reason;  // error code -> its latest reason
    uint64_t events = 0;                             // since the last row
  };
  void summarize_hour_locked(const std::string& connector, const std::string& scope,
                             ScopeState& st);
  void write_snapshot_locked() const;
  store::Workspace& workspace_;
  const Clock& clock_;
  std::string snapshot_path_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, ScopeState> scopes_;
  std::vector<store::HealthRow> pending_;
  uint64_t written_ = 0;
};

std::string_view health_status_name(HealthStatus s);

}  // namespace trailwarden::collect
