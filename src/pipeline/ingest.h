// `trailwarden ingest`: files and folders -> decode -> normalize -> compress -> workspace.
// Two threads: this one decodes and normalizes; a store thread dedupes and commits each
// batch (rows, rejected input, file bookkeeping and dictionary in one transaction), so
// parsing overlaps the store, which is the slower half.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "detect/detector.h"
#include "formats/cloudtrail/decoder.h"
#include "store/workspace.h"

namespace trailwarden::pipeline {

struct IngestOptions {
  std::vector<std::string> paths;
  formats::cloudtrail::DecodeLimits limits;
  uint64_t max_file_bytes = uint64_t{1} << 30;  // a file larger than this is rejected unread
  // A batch is cut at this many rows or bytes, whichever comes first. DuckDB's row group is
  // 122,880 rows: a batch of exactly that many is written as one whole compressed row group.
  size_t batch_rows = 122880;
  size_t batch_bytes = size_t{128} << 20;
  // Until the workspace has a raw-record dictionary, records are kept uncompressed; once a
  // batch holds this many, a dictionary is trained from them and they are compressed, and
  // from then on each record is compressed as it is read.
  size_t dictionary_train_rows = 16384;
  size_t dictionary_min_rows = 1000;  // fewer rows than this: no dictionary yet
  size_t dictionary_samples = 4000;
  int compression_level = 3;
  bool threaded = true;  // false: decode and store on one thread (tests, one-core runs)
  // Detection: rules run on every new event, alerts commit with the batch. Null: off.
  std::shared_ptr<const detect::DetectionContent> detection;
};

struct IngestProgress {
  size_t files_done = 0;
  size_t files_total = 0;
  uint64_t records = 0;
  uint64_t stored = 0;
  double seconds = 0;
};

struct IngestSummary {
  uint64_t files = 0;    // every file examined, skipped and rejected ones included
  uint64_t records = 0;  // record candidates seen
  uint64_t stored = 0;
  uint64_t duplicates = 0;
  uint64_t findings = 0;         // GuardDuty findings read (AWSGuardDuty)
  uint64_t findings_stored = 0;  // ... inserted, or replacing an older update of the finding
  uint64_t skipped = 0;          // files recognised and deliberately not stored
  uint64_t rejected = 0;         // rejected records plus whole-file problems
  uint64_t input_bytes = 0;
  double seconds = 0;
  double store_seconds = 0;  // time the store spent appending and committing
  int64_t min_event_us = 0;  // event-time span of the accepted records (0, 0 when none)
  int64_t max_event_us = 0;
  uint64_t rule_hits = 0;         // rule matches on the decode side (duplicates included)
  uint64_t alerts_raised = 0;     // new alerts
  uint64_t alerts_updated = 0;    // repeats folded into an open alert (suppression)
  uint64_t scheduled_alerts = 0;  // rows written by scheduled SQL rules (new or refreshed)
  std::map<std::string, uint64_t> rejected_by_reason;
  std::map<std::string, uint64_t> skipped_by_reason;
  std::map<std::string, uint64_t> files_by_format;
  // A sample of rejections, for the human summary: "path (location): reason: detail".
  std::vector<std::string> rejection_samples;
};

using ProgressCallback = std::function<void(const IngestProgress&)>;

// Runs the whole ingest. An error means the workspace refused a batch (disk full, ...):
// batches committed before it stay committed.
Result<IngestSummary> run_ingest(store::Workspace& workspace, const IngestOptions& options,
                                 const Clock& clock, const ProgressCallback& progress = {});

}  // namespace trailwarden::pipeline
