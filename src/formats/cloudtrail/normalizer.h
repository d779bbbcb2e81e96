// CloudTrail record (JSON bytes) -> one row of the AWSCloudTrail columns (schema.h).
// Pure: no I/O, no clock; the caller supplies the ingestion time and the origin.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "formats/cloudtrail/rows.h"
#include "formats/reject_reason.h"

namespace trailwarden::formats::cloudtrail {

struct RecordContext {
  std::string_view origin;
  int64_t origin_index = 0;
  int64_t ingestion_time_us = 0;
  // What goes into RawZ: the record itself when unset, else these bytes (the pipeline passes
  // the record already compressed, which saves copying the record first).
  std::optional<std::string_view> stored_raw;
};

struct NormalizeError {
  RejectReason reason;
  std::string detail;
};

class CloudTrailNormalizer {
 public:
  explicit CloudTrailNormalizer(size_t max_record_bytes = size_t{1} << 20, int max_depth = 64);

  // Appends one row to `out`; its RawZ column receives ctx.stored_raw or the record's bytes.
  // `record` must be readable for
  // PaddedBuffer::kPadding bytes past its end. On error nothing is appended.
  std::expected<void, NormalizeError> normalize(std::string_view record, const RecordContext& ctx,
                                                CloudTrailRows& out);

  // The record the last successful normalize() parsed, for detection to read without a second
  // parse. Valid until the next normalize().
  simdjson::dom::element last_record() const { return last_; }

 private:
  simdjson::dom::parser parser_;
  simdjson::dom::element last_;
  RowDraft draft_;
};

}  // namespace trailwarden::formats::cloudtrail
