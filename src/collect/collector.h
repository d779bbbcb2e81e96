// A collector pulls from one kind of source (LookupEvents, S3, SQS) and feeds an IngestSession.
// It owns its progress: checkpoints are written through the session so they commit with the
// events; it reports its health through a HealthReporter. Collectors are listed explicitly in
// collect/registry.cc (no static self-registration).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "collect/health.h"
#include "core/clock.h"
#include "core/result.h"
#include "pipeline/session.h"
#include "store/workspace.h"

namespace trailwarden::collect {

struct PollResult {
  bool caught_up = false;  // nothing more to fetch up to the requested end
  uint64_t documents = 0;  // pages / objects / messages handled in this poll
  uint64_t events = 0;     // records handed to the session
};

struct CollectContext {
  store::Workspace* workspace = nullptr;  // read checkpoints, remembered keys (load_* calls)
  pipeline::IngestSession* session = nullptr;
  HealthReporter* health = nullptr;
  const Clock* clock = nullptr;
  const std::atomic<bool>* stop =
      nullptr;           // set by SIGINT/SIGTERM: return soon, commit nothing partial
  int64_t until_us = 0;  // collect up to this event/delivery time (0: now)
};

class Collector {
 public:
  virtual ~Collector() = default;
  // Stable id, used as the checkpoint's connector name and in ConnectorHealth:
  // "lookup-events:111122223333", "s3:central-logs/AWSLogs/".
  virtual std::string id() const = 0;
  // One pass: fetch what is new up to ctx.until_us, hand it to the session with checkpoints.
  // Errors that a later poll may cure (endpoint down, throttled, denied) are reported to
  // ctx.health and returned; nothing added without its checkpoint is lost (it is re-read).
  virtual Result<PollResult> poll(CollectContext& ctx) = 0;
};

}  // namespace trailwarden::collect
