// A workspace that keeps nothing: `ingest --dry-run` validates input (every rejection is
// reported) without a workspace, and the benchmark uses it to time the decoding half alone.
// Duplicates are not looked for; every accepted record counts as stored.
#pragma once

#include "store/workspace.h"

namespace trailwarden::store {

class NullWorkspace final : public Workspace {
 public:
  Result<AppendResult> append(AppendBatch& batch) override {
    return AppendResult{batch.rows.size(), 0};
  }
  Result<QueryResult> query(std::string_view) override {
    return make_error(ErrorCode::kInvalidArgument, "a dry run has no workspace to query");
  }
  std::optional<RawDictionary> current_dictionary() const override { return std::nullopt; }
  uint32_t next_dictionary_id() const override { return kFirstDictionaryId; }
};

}  // namespace trailwarden::store
