// Cuts a file's bytes into CloudTrail records, by content, not by file name:
//   - CloudTrail S3 log files   {"Records":[record, ...]}      (gzip or not)
//   - JSON arrays of records     [record, ...]
//   - JSON Lines                 one record (or one envelope) per line
//   - saved LookupEvents pages   {"Events":[{"CloudTrailEvent":"<record as a JSON string>"}]}
//                                (also a bare array of such items, or one page per line)
//   - EventBridge events         {"detail-type":"AWS API Call via CloudTrail","detail":record}
//   - a single record            {record}
// CloudTrail digest files and JSON that holds no records are recognised and skipped.
//
// Each record is handed over as its original bytes; one record's damage (invalid UTF-8,
// bad syntax, truncation, excessive size or depth) rejects that record alone.
// Record index: the ordinal of the record in its file (0-based), counting rejected ones, so
// that (origin, index) names a record uniquely.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "formats/padded_buffer.h"
#include "formats/reject_reason.h"

namespace trailwarden::formats::cloudtrail {

struct DecodeLimits {
  size_t max_inflated_bytes = size_t{512} << 20;  // per file, after gunzip
  size_t max_record_bytes = size_t{1} << 20;      // CloudTrail's own field limits sum to ~250 KB
  int max_depth = 64;                             // nesting within one record
  size_t max_reject_bytes = size_t{64} << 10;     // bytes of a rejected item kept for forensics
};

enum class FileFormat {
  kUnknown,
  kRecords,  // {"Records":[...]}
  kArray,    // [record, ...]
  kJsonLines,
  kLookupEvents,  // {"Events":[...]}
  kEventBridge,
  kSingleRecord,
  kDigest,
  kOther,
};

std::string_view file_format_name(FileFormat f);

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // `record` stays valid, and readable PaddedBuffer::kPadding bytes past its end, until the
  // call returns. `line` is its 1-based line in a JSON Lines file, 0 in other formats.
  virtual void on_record(std::string_view record, int64_t index, int64_t line) = 0;
  // index is -1 for a whole-file problem. `bytes` is the offending input (bounded).
  virtual void on_reject(RejectReason reason, int64_t index, std::string_view location,
                         std::string_view bytes, std::string_view detail) = 0;
};

struct DecodeResult {
  FileFormat format = FileFormat::kUnknown;
  SkipReason skip = SkipReason::kNone;
  bool gzip = false;
};

class CloudTrailDecoder {
 public:
  explicit CloudTrailDecoder(DecodeLimits limits = {});
  DecodeResult decode(const PaddedBuffer& file, RecordSink& sink);
  const DecodeLimits& limits() const { return limits_; }

 private:
  struct Run;
  DecodeLimits limits_;
  PaddedBuffer inflated_;
  PaddedBuffer scratch_;
  simdjson::dom::parser parser_;
};

// Maps a simdjson error to the reason a record is rejected.
RejectReason reject_reason_for(simdjson::error_code error);

}  // namespace trailwarden::formats::cloudtrail
