#include "formats/cloudtrail/decoder.h"

#include <fmt/format.h>

#include "formats/gzip.h"
#include "formats/json_scan.h"

namespace trailwarden::formats::cloudtrail {

std::string_view file_format_name(FileFormat f) {
  switch (f) {
    case FileFormat::kUnknown:
      return "unknown";
    case FileFormat::kRecords:
      return "cloudtrail_records";
    case FileFormat::kArray:
      return "json_array";
    case FileFormat::kJsonLines:
      return "json_lines";
    case FileFormat::kLookupEvents:
      return "lookup_events";
    case FileFormat::kEventBridge:
      return "eventbridge";
    case FileFormat::kSingleRecord:
      return "single_record";
    case FileFormat::kDigest:
      return "cloudtrail_digest";
    case FileFormat::kOther:
      return "other_json";
  }
  return "unknown";
}

RejectReason reject_reason_for(simdjson::error_code e) {
  switch (e) {
    case simdjson::UTF8_ERROR:
      return RejectReason::kUtf8Invalid;
    case simdjson::DEPTH_ERROR:
      return RejectReason::kTooDeep;
    case simdjson::CAPACITY:
      return RejectReason::kRecordTooLarge;
    case simdjson::UNCLOSED_STRING:
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
    case simdjson::EMPTY:
      return RejectReason::kJsonTruncated;
    default:
      return RejectReason::kJsonInvalid;
  }
}

namespace {

RejectReason reason_for_scan(ScanError e) {
  switch (e) {
    case ScanError::kTruncated:
      return RejectReason::kJsonTruncated;
    case ScanError::kTooDeep:
      return RejectReason::kTooDeep;
    default:
      return RejectReason::kJsonInvalid;
  }
}

}  // namespace

// The state of one decode() call.
struct CloudTrailDecoder::Run {
  CloudTrailDecoder& self;
  RecordSink& sink;
  std::string_view data;
  DecodeResult result;
  int64_t next_index = 0;
  int64_t line = 0;  // 1-based line number in JSON Lines mode, 0 otherwise

  int depth_budget() const { return self.limits_.max_depth + 2; }  // + envelope levels

  std::string location(int64_t index) const {
    if (line > 0) return fmt::format("line {} record {}", line, index);
    return fmt::format("record {}", index);
  }

  std::string_view bounded(size_t begin, size_t end) const {
    return data.substr(begin, std::min(end - begin, self.limits_.max_reject_bytes));
  }

  void reject(RejectReason r, size_t begin, size_t end, std::string_view detail) {
    int64_t index = next_index++;
    sink.on_reject(r, index, location(index), bounded(begin, end), detail);
  }

  void reject_span(RejectReason r, int64_t index, size_t begin, size_t end, std::string_view where,
                   std::string_view detail) {
    sink.on_reject(r, index, where, bounded(begin, end), detail);
  }

  void set_format(FileFormat f) {
    if (line > 0) return;  // JSON Lines stays JSON Lines whatever the lines hold
    if (result.format == FileFormat::kUnknown) result.format = f;
  }

  void record(size_t begin, size_t end) {
    if (end - begin > self.limits_.max_record_bytes) {
      reject(RejectReason::kRecordTooLarge, begin, end,
             fmt::format("record of {} bytes exceeds the limit of {} bytes", end - begin,
                         self.limits_.max_record_bytes));
      return;
    }
    sink.on_record(data.substr(begin, end - begin), next_index++, line);
  }

  void lookup_event(size_t begin, size_t end) {
    int64_t index = next_index++;
    if (end - begin > 2 * self.limits_.max_record_bytes) {
      reject_span(RejectReason::kRecordTooLarge, index, begin, end, location(index),
                  "LookupEvents item exceeds the size limit");
      return;
    }
    simdjson::dom::element item;
    auto err = self.parser_.parse(data.data() + begin, end - begin, false).get(item);
    if (err) {
      reject_span(reject_reason_for(err), index, begin, end, location(index),
                  simdjson::error_message(err));
      return;
    }
    std::string_view inner;
    if (!item.is_object() || item["CloudTrailEvent"].get_string().get(inner)) {
      reject_span(RejectReason::kBadLookupEvent, index, begin, end, location(index),
                  "LookupEvents item has no CloudTrailEvent string");
      return;
    }
    if (inner.size() > self.limits_.max_record_bytes) {
      reject_span(RejectReason::kRecordTooLarge, index, begin, end, location(index),
                  "CloudTrailEvent exceeds the record size limit");
      return;
    }
    self.scratch_.assign(inner);
    sink.on_record(self.scratch_.view(), index, line);
  }

  // Walks an array whose elements are records or LookupEvents items. Returns where the array
  // ends; after a syntax error the rest of the input is reported and treated as consumed.
  ScanResult array_of_records(size_t begin, bool lookup) {
    auto on_element = [&](size_t b, size_t e, ScanError err) {
      if (err != ScanError::kNone) {
        reject(reason_for_scan(err), b, e,
               err == ScanError::kTruncated ? "input ends inside this record"
                                            : "record nesting exceeds the depth limit");
        return;
      }
      if (lookup || is_lookup_item(b, e)) {
        lookup_event(b, e);
      } else {
        record(b, e);
      }
    };
    ScanResult r = walk_array(data, begin, depth_budget(), on_element);
    if (r.error == ScanError::kUnexpected) {
      reject(RejectReason::kJsonInvalid, r.end, data.size(),
             fmt::format("unexpected byte at offset {} in a list of records; the rest of the "
                         "list is not read",
                         r.end));
      return {data.size(), ScanError::kNone};
    }
    return r;
  }

  // A record candidate that is itself a LookupEvents item (e.g. jq '.Events[]' output).
  bool is_lookup_item(size_t b, size_t e) const {
    if (data[b] != '{') return false;
    bool found = false;
    walk_object(data.substr(0, e), b, depth_budget(), [&](std::string_view key, size_t, size_t) {
      if (key == "CloudTrailEvent") found = true;
      return !found;
    });
    return found;
  }

  // One top-level JSON value: the whole document, or one line of JSON Lines. Returns the
  // offset just past what it read (the end of the input when the value is incomplete).
  size_t value(size_t begin, size_t end) {
    char c = data[begin];
    if (c == '[') {
      set_format(FileFormat::kArray);
      ScanResult r = array_of_records(begin, false);
      return r.error == ScanError::kNone ? r.end : end;
    }
    if (c != '{') {
      reject(line > 0 ? RejectReason::kRecordNotObject : RejectReason::kNotJson, begin, end,
             "expected a JSON object or array");
      return end;
    }
    // An envelope's record list is walked as it is met, so a large file is read once.
    bool envelope = false;
    auto claim = [&](std::string_view key, size_t b) -> std::optional<ScanResult> {
      if (envelope || data[b] != '[') return std::nullopt;
      if (key == "Records") {
        envelope = true;
        set_format(FileFormat::kRecords);
        return array_of_records(b, false);
      }
      if (key == "Events") {
        envelope = true;
        set_format(FileFormat::kLookupEvents);
        return array_of_records(b, true);
      }
      return std::nullopt;
    };
    struct Span {
      size_t b = 0, e = 0;
      bool present = false;
    };
    Span detail;
    bool record_keys = false, digest_keys = false, detail_type = false;
    // A GuardDuty export holding one finding is a one-line JSON Lines file: a single object
    // with schemaVersion, severity and updatedAt is a record (the session routes findings).
    int finding_keys = 0;
    size_t stopped = 0;
    auto on_member = [&](std::string_view key, size_t b, size_t e) {
      if (key == "detail")
        detail = {b, e, true};
      else if (key == "detail-type")
        detail_type = true;
      else if (key == "eventID" || key == "eventTime" || key == "eventVersion" ||
               key == "eventName")
        record_keys = true;
      else if (key == "digestStartTime" || key == "digestEndTime" || key == "digestS3Object" ||
               key == "logFiles")
        digest_keys = true;
      else if (key == "schemaVersion" || key == "severity" || key == "updatedAt")
        ++finding_keys;
      return true;
    };
    ScanResult walked =
        walk_object(data.substr(0, end), begin, depth_budget(), on_member, &stopped, claim);
    if (walked.error == ScanError::kTooDeep) walked.error = ScanError::kNone;  // per record
    const size_t consumed = walked.error == ScanError::kNone ? walked.end : end;

    if (envelope) {
      // Records already read are kept; a truncation inside the list was reported there.
      if (walked.error != ScanError::kNone && walked.error != ScanError::kTruncated) {
        reject_span(reason_for_scan(walked.error), -1, stopped, end,
                    line > 0 ? fmt::format("line {}", line) : fmt::format("offset {}", stopped),
                    fmt::format("the document is not valid JSON from offset {}", stopped));
      }
      return consumed;
    }
    if (record_keys || finding_keys >= 3 || line > 0) {
      set_format(FileFormat::kSingleRecord);
      if (walked.error != ScanError::kNone) {
        reject(reason_for_scan(walked.error), begin, end, "the record is not complete JSON");
      } else {
        record(begin, walked.end);
      }
      return consumed;
    }
    if (walked.error != ScanError::kNone) {
      reject_span(reason_for_scan(walked.error), -1, stopped, end,
                  fmt::format("offset {}", stopped),
                  fmt::format("the document is not valid JSON from offset {}", stopped));
      return consumed;
    }
    if (detail_type && detail.present && data[detail.b] == '{') {
      set_format(FileFormat::kEventBridge);
      record(detail.b, detail.e);
    } else if (digest_keys) {
      result.format = FileFormat::kDigest;
      result.skip = SkipReason::kCloudTrailDigest;
    } else {
      result.format = FileFormat::kOther;
      result.skip = SkipReason::kNotCloudTrail;
    }
    return consumed;
  }

  void document() {
    size_t pos = skip_ws(data, 0);
    if (pos == data.size()) {
      result.skip = SkipReason::kEmpty;
      return;
    }
    if (data[pos] != '{' && data[pos] != '[') {
      reject_span(RejectReason::kNotJson, -1, pos, data.size(), "file",
                  "the content is not JSON (it does not start with '{' or '[')");
      return;
    }
    // JSON Lines: the first line holds one complete value and more content follows. Only
    // the first line is scanned to decide; a one-line document is not scanned twice.
    size_t newline = data.find('\n', pos);
    if (newline != std::string_view::npos && skip_ws(data, newline) < data.size()) {
      std::string_view first_line = data.substr(0, newline);
      ScanResult first = scan_value(first_line, pos, depth_budget());
      if ((first.error == ScanError::kNone || first.error == ScanError::kTooDeep) &&
          skip_ws(first_line, first.end) == first_line.size()) {
        json_lines();
        return;
      }
    }
    size_t end = value(pos, data.size());
    size_t rest = skip_ws(data, end);
    if (rest < data.size()) {
      reject_span(RejectReason::kTrailingData, -1, rest, data.size(),
                  fmt::format("offset {}", rest),
                  "content after the end of the JSON document was not read");
    }
  }

  void json_lines() {
    result.format = FileFormat::kJsonLines;
    size_t pos = 0;
    while (pos < data.size()) {
      size_t nl = data.find('\n', pos);
      size_t end = nl == std::string_view::npos ? data.size() : nl;
      ++line;
      size_t b = skip_ws(data.substr(0, end), pos);
      if (b < end) {
        size_t e = end;
        while (e > b && is_json_ws(data[e - 1])) --e;
        std::string_view saved = data;
        data = data.substr(0, e);  // a line never reads into the next one
        size_t consumed = value(b, e);
        if (size_t rest = skip_ws(data, consumed); rest < e) {
          reject_span(RejectReason::kTrailingData, -1, rest, e, fmt::format("line {}", line),
                      "content after the end of the JSON value on this line was not read");
        }
        data = saved;
      }
      pos = end + 1;
    }
  }
};

CloudTrailDecoder::CloudTrailDecoder(DecodeLimits limits) : limits_(limits) {
  // The parser handles LookupEvents items, whose escaped record can be larger than the raw.
  // On failure parse() allocates on demand; nothing is lost.
  [[maybe_unused]] auto allocated = parser_.allocate(2 * limits_.max_record_bytes + 4096,
                                                     static_cast<size_t>(limits_.max_depth) + 4);
}

DecodeResult CloudTrailDecoder::decode(const PaddedBuffer& file, RecordSink& sink) {
  Run run{*this, sink, file.view(), {}};
  if (is_gzip(run.data)) {
    run.result.gzip = true;
    InflateResult inflated = gunzip(run.data, limits_.max_inflated_bytes, inflated_);
    if (inflated.status == InflateStatus::kLimit) {
      sink.on_reject(RejectReason::kDecompressionLimit, -1, "file",
                     run.data.substr(0, std::min(run.data.size(), limits_.max_reject_bytes)),
                     inflated.detail);
      return run.result;
    }
    if (inflated.status != InflateStatus::kOk) {
      RejectReason r = inflated.status == InflateStatus::kTruncated ? RejectReason::kGzipTruncated
                                                                    : RejectReason::kGzipCorrupt;
      sink.on_reject(
          r, -1, "file", run.data.substr(0, std::min(run.data.size(), limits_.max_reject_bytes)),
          inflated.detail +
              (inflated_.size() > 0 ? "; records inflated before the damage are kept" : ""));
      if (inflated_.size() == 0) return run.result;
    }
    run.data = inflated_.view();
  }
  // A UTF-8 byte-order mark is tolerated at the start of a document.
  if (run.data.starts_with("\xEF\xBB\xBF")) run.data.remove_prefix(3);
  run.document();
  return run.result;
}

}  // namespace trailwarden::formats::cloudtrail
