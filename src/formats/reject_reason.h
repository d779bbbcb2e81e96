// Stable reason codes for input that is not stored. They are part of the interface: users
// query and alert on them (Rejected.Reason), so never rename one; add new ones at the end.
#pragma once

#include <string_view>

namespace trailwarden::formats {

enum class RejectReason {
  kIoError,             // the file could not be read
  kFileTooLarge,        // the file (compressed) exceeds the size limit
  kGzipCorrupt,         // gzip data that cannot be inflated
  kGzipTruncated,       // gzip stream ended early; records before the cut are kept
  kDecompressionLimit,  // inflating would exceed the expansion cap (a decompression bomb)
  kNotJson,             // content that is not JSON text at all
  kJsonInvalid,         // malformed JSON
  kJsonTruncated,       // JSON ends in the middle of a value
  kUtf8Invalid,         // bytes that are not valid UTF-8
  kTooDeep,             // nesting deeper than the limit
  kRecordTooLarge,      // one record larger than the limit
  kRecordNotObject,     // an element of a record list that is not a JSON object
  kMissingEventId,      // no eventID string
  kMissingEventTime,    // no eventTime string
  kBadEventTime,        // eventTime present but not an ISO-8601 UTC time
  kBadLookupEvent,      // a LookupEvents item whose CloudTrailEvent is missing or not a string
  kTrailingData,        // non-whitespace after the end of the JSON document
  kBadFinding,          // a GuardDuty finding without an id, or with a bad createdAt/updatedAt
};

std::string_view reject_reason_name(RejectReason reason);

// Why a whole file was recognised and deliberately not stored.
enum class SkipReason {
  kNone,
  kEmpty,             // no content
  kCloudTrailDigest,  // a CloudTrail digest (integrity) file: no events
  kNotCloudTrail,     // valid JSON that holds no CloudTrail records (e.g. AWS Config, a manifest)
};

std::string_view skip_reason_name(SkipReason reason);

}  // namespace trailwarden::formats
