// The anomaly engine: per-identity behavioural baselines and the policies of
// ../shared/docs/detection-catalog.md §4.3–4.4 (Defender for Cloud Apps' anomaly detection,
// rebuilt). Two halves, like rule detection (detect/detector.h):
//
//   decode thread:  ActivityExtractor — reduces each parsed record to an Activity: the few facts
//                   any policy needs (identity key, time, outcome, enriched source address,
//                   per-policy counts). The record itself is gone once the batch moves on.
//   store thread:   Engine            — takes the activities of the rows the workspace found
//                   new (duplicates feed nothing), in event-time order; keeps sessions and
//                   baselines; raises and updates alerts; its state commits with the batch.
//
// PolicySet is the configuration, loaded once and shared read-only: one entry per policy with
// its settings (rules/anomaly/<policy>.yml, overridden by the user's file).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "enrich/enricher.h"
#include "enrich/ip_info.h"
#include "store/alerts.h"
#include "store/workspace.h"

namespace trailwarden::anomaly {

enum class Sensitivity : uint8_t { kLow, kMedium, kHigh };

// What one event contributes to the policies (decode side -> store side).
struct Activity {
  uint32_t row = 0;  // row of the batch (to drop duplicates)
  int64_t time_us = 0;
  std::string event_id;
  std::string event_name;
  std::string event_source;
  std::string account;        // recipientAccountId
  std::string actor_account;  // userIdentity.accountId
  std::string region;
  std::string identity_key;  // catalog §4.3 identity key; empty: forms no session
  std::string identity_name;
  std::string identity_arn;
  std::string identity_type;
  std::string source;  // sourceIPAddress as recorded
  enrich::IpInfo ip;   // its enrichment (kind kEmpty when enrichment is off)
  bool ok = true;      // outcome (catalog §1.4)
  bool read_only = false;
  bool service_originated = false;
  bool person = false;  // may feed the person-centric policies (location, travel, ...)
  // Policy-specific facts; zero/empty when the event does not count for the policy.
  bool console_login = false;
  bool console_login_failed = false;
  std::string failed_login_key;  // user name, or "ip:<address>" for HIDDEN_DUE_TO_SECURITY_REASONS
  bool admin_event = false;
  uint32_t storage_deleted = 0;  // resources (DeleteBucket, DeleteVolume, ...)
  uint32_t objects_deleted = 0;  // S3 data events
  uint32_t vms_terminated = 0;
  uint32_t vms_created = 0;
  std::string creation_region;  // a resource-creating event's region (CreateBucket: its location)
  // Terminated-user match, resolved on the decode side against the current list.
  const enrich::TerminatedUser* terminated = nullptr;
  std::shared_ptr<const enrich::TerminatedUsers> terminated_list;  // keeps `terminated` alive
};

class PolicySet;

// Decode side: one per thread.
class ActivityExtractor {
 public:
  ActivityExtractor(std::shared_ptr<const PolicySet> policies,
                    std::shared_ptr<const enrich::Enricher> enricher);
  ~ActivityExtractor();
  // Appends the record's Activity to `out`. `ip` is the record's enriched source (null when
  // enrichment is off).
  void extract(simdjson::dom::element record, const enrich::IpInfo* ip, uint32_t row,
               std::vector<Activity>& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Store side.
class Engine {
 public:
  virtual ~Engine() = default;
  // `clock` stamps Alerts.CreatedTime/UpdatedTime only (decisions use event time); null: the
  // event time is used, which keeps replays byte-identical.
  static std::unique_ptr<Engine> create(std::shared_ptr<const PolicySet> policies,
                                        const Clock* clock = nullptr);
  // Restores baselines, sessions and open alerts saved in the workspace.
  virtual Status restore(store::Workspace& workspace) = 0;
  // Processes the activities of new rows (any order; the engine orders them by event time).
  // Alerts (new or updated) and changed state (key -> blob) are appended to `out`.
  virtual void process(std::vector<Activity>& activities, store::DetectionWrites& out) = 0;
  virtual void after_commit(bool committed) = 0;
  virtual uint64_t alerts_raised() const = 0;
};

}  // namespace trailwarden::anomaly
