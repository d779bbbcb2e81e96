// A workspace that keeps nothing: `ingest --dry-run` validates input (every rejection is
// reported) without a workspace, and the benchmark uses it to time the decoding half alone.
// Duplicates are not looked for; every accepted record counts as stored.
#pragma once

#include "store/workspace.h"

namespace trailwarden::store {

class NullWorkspace final : public Workspace {
 public:
  Result<AppendResult> append(AppendBatch& batch) override {
    if (batch.hook != nullptr) {
      // Detection still runs in a dry run (every row counts as new); nothing is kept.
      std::vector<uint8_t> keep(batch.rows.size(), 1);
      DetectionWrites writes;
      if (auto s = batch.hook->before_commit(batch, keep, writes); !s) {
        return std::unexpected(s.error());
      }
      alerts_ += writes.alerts.size();
      batch.hook->after_commit(true);
    }
    return AppendResult{batch.rows.size(), 0, 0};
  }
  Status scan_records(int64_t, int64_t,
                      const std::function<bool(int64_t, std::string_view)>&) override {
    return {};
  }
  Status write_detection_only(const DetectionWrites&) override { return {}; }
  Result<std::optional<std::string>> load_state(std::string_view) override {
    return std::optional<std::string>{};
  }
  Result<QueryResult> query(std::string_view) override {
    return make_error(ErrorCode::kInvalidArgument, "a dry run has no workspace to query");
  }
  std::optional<RawDictionary> current_dictionary() const override { return std::nullopt; }
  uint32_t next_dictionary_id() const override { return kFirstDictionaryId; }
  size_t alerts() const { return alerts_; }

 private:
  size_t alerts_ = 0;
};

}  // namespace trailwarden::store
