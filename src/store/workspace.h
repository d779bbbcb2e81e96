// The workspace: where events, rejected input and bookkeeping live. The contract every
// backend (DuckDB today, ClickHouse later) implements and the conformance tests check.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "formats/cloudtrail/rows.h"
#include "store/alerts.h"
#include "store/collect_rows.h"
#include "store/enrichment_rows.h"
#include "store/raw_codec.h"

namespace trailwarden::store {

// Input that was not stored, kept with its bytes so it can be inspected and re-ingested.
struct RejectedItem {
  std::string origin;    // file path or object key
  int64_t index = -1;    // record index in the origin, -1 for the whole file
  std::string location;  // "record 12", "line 40 record 39", "file", "offset 1234"
  std::string reason;    // a stable code (formats/reject_reason.h)
  std::string detail;    // for people
  int64_t original_bytes = 0;
  std::string bytes;  // the first bytes of the offending input (bounded)
};

// One file's bookkeeping. A large file may span several batches: its rows in each batch are
// counted, and its row in IngestedFiles is written with the batch that holds its end.
struct FileEntry {
  std::string origin;
  std::string format;
  std::string status;  // stored | partial | rejected | skipped
  std::string reason;  // skip reason or main reject reason
  int64_t bytes = 0;
  int64_t records = 0;   // record candidates seen (stored + duplicates + rejected)
  int64_t rejected = 0;  // rejected records and file-level problems
  size_t first_row = 0;  // this file's rows in the batch: [first_row, first_row + row_count)
  size_t row_count = 0;
  bool final = true;  // this batch holds the file's end
};

struct AppendBatch {
  formats::cloudtrail::CloudTrailRows rows;  // RawZ already compressed
  std::vector<RejectedItem> rejects;
  std::vector<FileEntry> files;
  std::optional<RawDictionary> new_dictionary;  // trained from this batch; stored with it
  std::vector<GuardDutyRow> findings;           // upserted by Id, newest UpdatedAt wins
  std::vector<CheckpointWrite> checkpoints;     // upserted; commit with the batch's rows
  // Upserted by source: a new row, or a newer last_seen / changed enrichment for a known one.
  std::vector<IpEnrichmentRow> ip_enrichment;
  // Detection: told which rows are new, adds alerts and state to the batch's transaction.
  // Not owned; kept across clear().
  AppendHook* hook = nullptr;
  std::unique_ptr<DetectionPayload> detection;  // kept (emptied) across clear()

  void clear() {
    rows.clear();
    rejects.clear();
    files.clear();
    new_dictionary.reset();
    findings.clear();
    checkpoints.clear();
    ip_enrichment.clear();
    if (detection) detection->clear();
  }
};

struct AppendResult {
  size_t stored = 0;
  size_t findings = 0;  // GuardDuty rows inserted or replaced by a newer update
  size_t duplicates = 0;
  size_t alerts = 0;  // alert rows written (new or updated)
};

struct QueryColumn {
  enum class Kind { kString, kNumber, kBool, kJson, kTimestamp };
  std::string name;
  Kind kind = Kind::kString;
};

struct QueryResult {
  std::vector<QueryColumn> columns;
  // Cells as text (timestamps already in ISO-8601 UTC); nullopt is SQL NULL.
  std::vector<std::vector<std::optional<std::string>>> rows;
};

enum class OpenMode { kReadOnly, kReadWrite };

class Workspace {
 public:
  virtual ~Workspace() = default;

  // Stores the batch atomically: its new events (duplicates by AwsEventId, against the
  // workspace and within the batch, are dropped and counted), its rejected input, its file
  // bookkeeping and its dictionary commit together or not at all.
  virtual Result<AppendResult> append(AppendBatch& batch) = 0;

  // Detection state saved by an AppendHook under `key`; nullopt when none was saved.
  virtual Result<std::optional<std::string>> load_state(std::string_view key) = 0;

  // Every detection state saved under a key starting with `prefix` ("anomaly/id/"), as
  // (key, blob) pairs in key order.
  virtual Result<std::vector<std::pair<std::string, std::string>>> load_states(
      std::string_view /*prefix*/) {
    return std::vector<std::pair<std::string, std::string>>{};
  }

  // Streams the stored records whose event time is in [since_us, until_us), oldest first (ties
  // by AwsEventId), until `fn` returns false. The retro-hunt reads history with it.
  virtual Status scan_records(
      int64_t since_us, int64_t until_us,
      const std::function<bool(int64_t time_us, std::string_view raw)>& fn) = 0;

  // Writes detection output outside an ingest batch (retro-hunt), in one transaction.
  virtual Status write_detection_only(const DetectionWrites& writes) = 0;

  // Runs one read-only SQL statement. Writes are refused with ErrorCode::kReadOnly.
  virtual Result<QueryResult> query(std::string_view sql) = 0;

  // Collectors' progress (see CheckpointWrite). Thread-safe, like every method below. The
  // defaults are those of a workspace that keeps nothing (dry runs, test stand-ins).
  virtual Result<std::optional<std::string>> load_checkpoint(std::string_view /*connector*/,
                                                             std::string_view /*key*/) {
    return std::optional<std::string>{};
  }
  virtual Result<std::vector<std::pair<std::string, std::string>>> load_checkpoints(
      std::string_view /*connector*/) {
    return std::vector<std::pair<std::string, std::string>>{};
  }
  // Origins recorded in IngestedFiles that start with `prefix` ("s3://bucket/AWSLogs/1/"):
  // the S3 collector's memory of objects already taken.
  virtual Result<std::vector<std::string>> origins_with_prefix(std::string_view /*prefix*/) {
    return std::vector<std::string>{};
  }
  // Appends ConnectorHealth rows in their own transaction.
  virtual Status write_health(const std::vector<HealthRow>& /*rows*/) { return {}; }

  // The dictionary new records should be compressed with, if one was trained yet.
  virtual std::optional<RawDictionary> current_dictionary() const = 0;
  virtual uint32_t next_dictionary_id() const = 0;
};

}  // namespace trailwarden::store
