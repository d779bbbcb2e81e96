// What collectors add to the workspace besides CloudTrail events: GuardDuty findings,
// checkpoints (committed with the events they stand for) and connector health rows.
#pragma once

#include <cstdint>
#include <string>

namespace trailwarden::store {

// One row of AWSGuardDuty (Sentinel's column names). A finding id seen again replaces the
// stored row only when its UpdatedAt is newer: exports repeat findings as they are updated.
struct GuardDutyRow {
  int64_t time_generated_us = 0;  // updatedAt
  int64_t time_created_us = 0;    // createdAt
  std::string id;
  std::string arn;
  std::string account_id;
  std::string region;
  std::string partition;
  std::string activity_type;  // the finding type, "UnauthorizedAccess:EC2/SSHBruteForce"
  std::string title;
  std::string description;
  double severity = 0;
  std::string schema_version;
  std::string resource_details_json;  // the finding's "resource" object
  std::string service_details_json;   // the finding's "service" object
  int64_t ingestion_time_us = 0;
  std::string origin;
  std::string raw;  // the finding as received
};

struct CheckpointWrite {
  std::string connector;
  std::string key;
  std::string value;
};

// One row of ConnectorHealth.
struct HealthRow {
  int64_t time_us = 0;
  std::string connector;
  std::string scope;
  std::string kind;    // status-change | sample | failure-summary
  std::string status;  // Success | Warning | Failure
  std::string error_code;
  std::string reason;
  int64_t lag_seconds = -1;
  int64_t backlog = -1;
  int64_t events = 0;
  double events_per_second = 0;
  int64_t failures = 0;  // failure-summary: failures with this code in the hour
  int64_t last_success_us = 0;
};

}  // namespace trailwarden::store
