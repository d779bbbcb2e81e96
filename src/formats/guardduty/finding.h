// GuardDuty finding (one line of an S3 export, or the `detail` of an EventBridge event) -> one
// AWSGuardDuty row. Pure: no I/O, no clock.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "formats/reject_reason.h"
#include "store/collect_rows.h"

namespace trailwarden::formats::guardduty {

// True when the object has the finding's required fields (schemaVersion, accountId, id, type,
// severity, and an arn naming guardduty) and no CloudTrail eventSource.
bool is_finding(simdjson::dom::object object);

struct FindingError {
  RejectReason reason;
  std::string detail;
};

// Fills `row` from a parsed finding; `raw` is the finding's bytes as received.
std::expected<void, FindingError> to_row(simdjson::dom::object finding, std::string_view raw,
                                         std::string_view origin, int64_t ingestion_time_us,
                                         store::GuardDutyRow& row);

}  // namespace trailwarden::formats::guardduty
