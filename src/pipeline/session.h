// A long-lived ingest for collectors: documents (a file's or an S3 object's bytes, a
// LookupEvents page) go in from any thread, and are decoded, normalized, matched and committed
// in batches by the same machinery `ingest` uses. A checkpoint attached to the session commits
// in the same transaction as every document added before it, so progress never runs ahead of
// the events it stands for. Batches commit in the order they were filled.
//
//   auto s = IngestSession::open(ws, options, clock);
//   s->add_document("s3://bucket/key", bytes);               // CloudTrail, LookupEvents page,
//   GuardDuty JSONL s->set_checkpoint("s3:bucket", "AWSLogs/.../us-east-1", "last-key");
//   s->after_commit([&] { sqs.delete_message(handle); });   // runs once the above is durable
//   s->flush();                                              // commit now and wait
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "formats/padded_buffer.h"
#include "pipeline/ingest.h"
#include "store/workspace.h"

namespace trailwarden::pipeline {

struct DocumentInfo {
  std::string origin;          // "s3://bucket/key", "lookup:111122223333/us-east-1 page ..."
  int64_t bytes = 0;           // size as fetched
  bool record_as_file = true;  // write an IngestedFiles row (S3 objects, files: yes; pages: no)
};

class IngestSession {
 public:
  virtual ~IngestSession() = default;
  // Starts the store thread. Detection state is restored from the workspace.
  static Result<std::unique_ptr<IngestSession>> open(store::Workspace& workspace,
                                                     const IngestOptions& options,
                                                     const Clock& clock);

  // Thread-safe. Decodes `bytes` (gzip or not; any format the CloudTrail decoder knows, plus
  // GuardDuty findings as JSON Lines) into the current batch. Bad records are rejected into
  // the workspace's Rejected table, never lost. Fails only when the store has failed.
  virtual Status add_document(const DocumentInfo& doc, formats::PaddedBuffer& bytes) = 0;
  // Thread-safe. Upserted into tw_checkpoints with the batch holding everything added so far.
  virtual Status set_checkpoint(std::string_view connector, std::string_view key,
                                std::string_view value) = 0;
  // Thread-safe. Runs (on the store thread) after everything added so far is committed.
  virtual Status after_commit(std::function<void()> fn) = 0;
  // Commits everything added so far and waits for it. Also done automatically when a batch
  // fills up, and periodically by the owner (collectors flush at the end of each poll).
  virtual Status flush() = 0;
  // Flushes, stops the store thread, returns the totals.
  virtual Result<IngestSummary> finish() = 0;
  // Totals so far (rows stored, duplicates, rejected ...), safe from any thread.
  virtual IngestSummary summary() const = 0;
};

}  // namespace trailwarden::pipeline
