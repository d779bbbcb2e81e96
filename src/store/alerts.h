// What detection writes into the workspace with a batch: alerts (new or updated) and the
// detectors' persisted state. Both commit in the same transaction as the batch's events, so an
// alert is durable exactly when the events that raised it are.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace trailwarden::store {

struct AppendBatch;

// One row of the Alerts table. Lists and maps are JSON text.
struct AlertRow {
  std::string alert_id;     // deterministic: the same trigger always gives the same id
  std::string rule_id;      // the rule's name (dotted id) or, without one, its Sigma id
  std::string rule_uuid;    // the Sigma id
  std::string rule_source;  // builtin | user | ...
  std::string kind;         // stateless | correlation | scheduled-sql
  std::string title;
  std::string severity;  // informational | low | medium | high | critical
  std::string description;
  std::string tactics_json;     // ["TA0005"]
  std::string techniques_json;  // ["T1562.008"]
  int64_t first_time_us = 0;    // event time of the first and last triggering events
  int64_t last_time_us = 0;
  int64_t created_us = 0;  // wall clock when raised and when last updated
  int64_t updated_us = 0;
  int64_t event_count = 0;
  std::string event_ids_json;  // ["..."], capped
  std::string account;
  std::string identity;
  std::string identity_arn;
  std::string source_ip;
  std::string region;
  std::string event_name;
  std::string resources_json;  // ["arn:...", "bucket-name"]
  std::string entities_json;   // the full entity object (see docs/alerts.md)
  std::string details_json;    // rule attribution, correlation group, observed values, ...
  // The row may already be stored (an update of an open alert, a re-run over history): it
  // replaces the stored row with the same id. New alerts of new events are simply added.
  bool may_exist = false;
};

// Opaque to the store: what the decode side of detection found in a batch's rows, carried with
// the batch to the AppendHook.
struct DetectionPayload {
  virtual ~DetectionPayload() = default;
  virtual void clear() = 0;
};

struct DetectionWrites {
  std::vector<AlertRow> alerts;  // inserted, or replacing the row with the same alert_id
  std::vector<std::pair<std::string, std::string>> state;  // key -> blob, upserted
  void clear() {
    alerts.clear();
    state.clear();
  }
};

// Called by Workspace::append once it knows which rows of the batch are new (keep[i] != 0),
// before the batch's transaction; what it writes commits with the batch.
class AppendHook {
 public:
  virtual ~AppendHook() = default;
  virtual Status before_commit(const AppendBatch& batch, std::span<const uint8_t> keep,
                               DetectionWrites& out) = 0;
  // The transaction committed (false: it was rolled back).
  virtual void after_commit(bool committed) = 0;
};

}  // namespace trailwarden::store
