// The default workspace: an embedded DuckDB database in a directory.
//
// Layout (see docs/workspace.md):
//   cloudtrail_events    physical table: lean typed columns + RawZ (compressed record)
//   AWSCloudTrail        view with Sentinel's column names, deriving the large JSON columns
//                        (RequestParameters, ResponseElements, ...) and Raw from RawZ
//   Rejected             input that was not stored, with reason and bytes
//   IngestedFiles        one row per file examined
//   tw_raw_dictionaries  zstd dictionaries of RawZ
//   Alerts               alerts raised by detection (docs/alerts.md)
//   tw_detect_state      detectors' persisted state (correlation windows, suppression)
//   AWSGuardDuty         GuardDuty findings, Sentinel's columns, one row per finding id
//                        (its newest update)
//   tw_checkpoints       collectors' progress, committed with the events it stands for
//   ConnectorHealth      collectors' status changes, samples and hourly failure summaries
// The scalar function tw_raw(RawZ) -> VARCHAR is registered on every connection this
// process opens; other DuckDB clients can read every table but not that view.
#pragma once

#include <duckdb.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "store/event_id_index.h"
#include "store/raw_codec.h"
#include "store/workspace.h"
#include "store/workspace_lock.h"

namespace trailwarden::store {

struct DuckDbOptions {
  std::string dir = "./trailwarden-data";
  OpenMode mode = OpenMode::kReadOnly;
  std::string command = "ingest";  // shown to other processes that find the workspace busy
  const Clock* clock = &SystemClock::instance();
  size_t max_cached_ids = 2'000'000;  // ~100 bytes each
  int threads = 0;                    // DuckDB worker threads; 0 = DuckDB's default
  std::string memory_limit;           // e.g. "1GB"; empty = DuckDB's default
};

class DuckDbWorkspace final : public Workspace {
 public:
  static Result<std::unique_ptr<DuckDbWorkspace>> open(const DuckDbOptions& options);
  ~DuckDbWorkspace() override;

  Result<AppendResult> append(AppendBatch& batch) override;
  Result<std::optional<std::string>> load_state(std::string_view key) override;
  Result<std::vector<std::pair<std::string, std::string>>> load_states(
      std::string_view prefix) override;
  Status scan_records(int64_t since_us, int64_t until_us,
                      const std::function<bool(int64_t, std::string_view)>& fn) override;
  Status write_detection_only(const DetectionWrites& writes) override;
  Result<QueryResult> query(std::string_view sql) override;
  Result<std::optional<std::string>> load_checkpoint(std::string_view connector,
                                                     std::string_view key) override;
  Result<std::vector<std::pair<std::string, std::string>>> load_checkpoints(
      std::string_view connector) override;
  Result<std::vector<std::string>> origins_with_prefix(std::string_view prefix) override;
  Status write_health(const std::vector<HealthRow>& rows) override;
  std::optional<RawDictionary> current_dictionary() const override;
  uint32_t next_dictionary_id() const override;

 private:
  DuckDbWorkspace(DuckDbOptions options, WorkspaceLock lock);
  Status init_connection();
  Status create_schema();
  Status load_dictionaries();
  Status init_event_index();
  Status exec(const std::string& sql);
  Status append_rows(const AppendBatch& batch, const std::vector<uint8_t>& keep);
  Status insert_rejects(const std::vector<RejectedItem>& rejects);
  struct PendingFile {
    size_t stored = 0;
    size_t duplicates = 0;
  };
  Status insert_files(const std::vector<std::pair<const FileEntry*, PendingFile>>& files);
  Status insert_dictionary(const RawDictionary& dict);
  Status write_detection(const DetectionWrites& writes);
  Result<size_t> upsert_findings(const std::vector<GuardDutyRow>& findings);
  Status write_checkpoints(const std::vector<CheckpointWrite>& checkpoints);
  Status upsert_ip_enrichment(const std::vector<IpEnrichmentRow>& rows);

  DuckDbOptions options_;
  WorkspaceLock lock_;
  duckdb_database db_ = nullptr;
  duckdb_connection con_ = nullptr;
  std::unique_ptr<RawDecompressor> decompressor_;
  std::optional<RawDictionary> current_dict_;
  uint32_t max_dict_id_ = 0;
  std::unique_ptr<EventIdIndex> index_;
  std::unordered_map<std::string, PendingFile> pending_files_;  // files spanning batches
  // Collectors read checkpoints from their threads while the store thread appends: every
  // public call holds this (one DuckDB connection is not safe for concurrent use).
  std::recursive_mutex mu_;
};

}  // namespace trailwarden::store
