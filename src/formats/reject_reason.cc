#include "formats/reject_reason.h"

namespace trailwarden::formats {

std::string_view reject_reason_name(RejectReason r) {
  switch (r) {
    case RejectReason::kIoError:
      return "io_error";
    case RejectReason::kFileTooLarge:
      return "file_too_large";
    case RejectReason::kGzipCorrupt:
      return "gzip_corrupt";
    case RejectReason::kGzipTruncated:
      return "gzip_truncated";
    case RejectReason::kDecompressionLimit:
      return "decompression_limit";
    case RejectReason::kNotJson:
      return "not_json";
    case RejectReason::kJsonInvalid:
      return "json_invalid";
    case RejectReason::kJsonTruncated:
      return "json_truncated";
    case RejectReason::kUtf8Invalid:
      return "utf8_invalid";
    case RejectReason::kTooDeep:
      return "too_deep";
    case RejectReason::kRecordTooLarge:
      return "record_too_large";
    case RejectReason::kRecordNotObject:
      return "record_not_object";
    case RejectReason::kMissingEventId:
      return "missing_event_id";
    case RejectReason::kMissingEventTime:
      return "missing_event_time";
    case RejectReason::kBadEventTime:
      return "bad_event_time";
    case RejectReason::kBadLookupEvent:
      return "bad_lookup_event";
    case RejectReason::kTrailingData:
      return "trailing_data";
    case RejectReason::kBadFinding:
      return "bad_finding";
  }
  return "unknown";
}

std::string_view skip_reason_name(SkipReason r) {
  switch (r) {
    case SkipReason::kNone:
      return "";
    case SkipReason::kEmpty:
      return "empty";
    case SkipReason::kCloudTrailDigest:
      return "cloudtrail_digest";
    case SkipReason::kNotCloudTrail:
      return "not_cloudtrail";
  }
  return "unknown";
}

}  // namespace trailwarden::formats
