// Runs collectors: each on its own thread, polling until caught up (`collect`) or forever
// (`run`), with backoff after failures, a periodic commit of the shared IngestSession (events
// and the checkpoints that stand for them are durable within `commit_interval`), and a stop
// flag (SIGINT/SIGTERM) that ends every loop at its next step; what was added before the stop
// is committed, with its checkpoints, by the caller's session.finish().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "collect/collector.h"
#include "collect/health.h"
#include "core/clock.h"
#include "core/result.h"
#include "pipeline/session.h"
#include "store/workspace.h"

namespace trailwarden::collect {

struct RunnerOptions {
  bool continuous = false;                   // false: each collector stops once caught up
  int64_t poll_interval_ms = 60'000;         // between polls of a caught-up collector
  std::vector<int64_t> poll_interval_ms_of;  // per collector (by index), overriding the above
  int64_t commit_interval_ms = 1'000;        // session flushes at least this often
  int64_t max_backoff_ms = 300'000;          // after consecutive failures: 1 s, 2 s, 4 s ... capped
  int max_failures = 0;  // not continuous: give up after this many in a row (0: 5)
  int64_t until_us = 0;  // passed to every poll (0: now at each poll)
};

struct CollectorOutcome {
  std::string id;
  bool caught_up = false;
  uint64_t polls = 0;
  uint64_t documents = 0;
  uint64_t events = 0;
  uint64_t failures = 0;
  std::string last_error;  // empty when the last poll succeeded
};

struct RunOutcome {
  std::vector<CollectorOutcome> collectors;
  bool stopped = false;  // ended by the stop flag
  bool all_caught_up() const;
};

RunOutcome run_collectors(const std::vector<std::unique_ptr<Collector>>& collectors,
                          store::Workspace& workspace, pipeline::IngestSession& session,
                          HealthReporter& health, const Clock& clock, const RunnerOptions& options,
                          const std::atomic<bool>& stop);

// Installs SIGINT/SIGTERM handlers that set the returned flag (once; later calls return the
// same flag). A second signal while stopping ends the process at once.
const std::atomic<bool>& install_stop_signals();

}  // namespace trailwarden::collect
