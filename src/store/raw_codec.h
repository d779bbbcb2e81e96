// How a raw record is kept: a zstd frame, magic-less, compressed with a dictionary trained on
// the workspace's own records (a CloudTrail record shares most of its keys and many values
// with its neighbours, so a dictionary roughly halves the bytes of per-record compression).
// The frame header names its dictionary id; id 0 means "no dictionary". Dictionaries are
// stored in the workspace and never deleted, so every stored record stays readable.
#pragma once

#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace trailwarden::store {

struct RawDictionary {
  uint32_t id = 0;
  std::string bytes;
};

// Compresses records; one per thread.
class RawCompressor {
 public:
  explicit RawCompressor(int level = 3);
  ~RawCompressor();
  RawCompressor(const RawCompressor&) = delete;
  RawCompressor& operator=(const RawCompressor&) = delete;

  // Uses `dict` for every later compress(); nullptr for none.
  void set_dictionary(const RawDictionary* dict);
  uint32_t dictionary_id() const { return dict_id_; }
  // Appends the compressed frame of `record` to `out`.
  void compress(std::string_view record, std::string& out);

 private:
  int level_;
  ZSTD_CCtx* cctx_;
  ZSTD_CDict* cdict_ = nullptr;
  uint32_t dict_id_ = 0;
};

// Trains a dictionary from sample records. `id` must be >= 32768 (zstd reserves lower ids).
// Returns an error when the samples are too few or too uniform to train on.
Result<RawDictionary> train_raw_dictionary(const std::vector<std::string_view>& samples,
                                           uint32_t id, size_t dict_bytes = 64 * 1024);

// Decompresses records; thread-safe; knows every dictionary of the workspace.
class RawDecompressor {
 public:
  RawDecompressor();
  ~RawDecompressor();
  void add_dictionary(const RawDictionary& dict);
  // Replaces `out` with the record. Errors name the cause (unknown dictionary, corrupt).
  Status decompress(std::string_view frame, std::string& out) const;

 private:
  mutable std::shared_mutex mu_;
  std::map<uint32_t, ZSTD_DDict*> ddicts_;
};

inline constexpr uint32_t kFirstDictionaryId = 32768;

}  // namespace trailwarden::store
