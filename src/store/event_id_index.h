// Exact duplicate detection by AwsEventId without a unique index on the table (which makes
// DuckDB appends several times slower). Event ids are cached per hour of event time; an hour
// is loaded from the table the first time an event of that hour arrives, so re-ingesting a
// file, or overlapping collection windows, finds its ids wherever in history they fall.
// Memory is bounded: least-recently used hours are evicted and reloaded on demand. The cache
// mirrors committed rows only: ids of a batch are added after its commit.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/result.h"

namespace trailwarden::store {

class EventIdIndex {
 public:
  static constexpr int64_t kBucketMicros = int64_t{3600} * 1000000;

  // Loads every id stored for events in [begin, end) microseconds.
  using Loader = std::function<Status(int64_t begin_us, int64_t end_us,
                                      const std::function<void(std::string_view)>& add)>;

  EventIdIndex(Loader loader, std::unordered_set<int64_t> nonempty_buckets,
               size_t max_cached_ids = 8'000'000);

  // Whether `id` (an event at time_us) is already stored. Loads its hour when needed.
  Result<bool> contains(int64_t time_us, std::string_view id);
  // Records committed ids.
  void insert(int64_t time_us, std::string_view id);

  size_t cached_ids() const { return cached_; }

  static int64_t bucket_of(int64_t time_us);

 private:
  struct Bucket {
    std::vector<std::unique_ptr<char[]>> chunks;  // id bytes; views below point into them
    size_t chunk_used = 0;
    size_t chunk_size = 0;
    std::unordered_set<std::string_view> ids;
    std::list<int64_t>::iterator lru;
    std::string_view keep(std::string_view id);
  };
  Result<Bucket*> bucket(int64_t b);
  void evict_if_needed(int64_t keep);

  Loader loader_;
  std::unordered_set<int64_t> nonempty_;  // hours with stored events (maybe not loaded)
  std::unordered_map<int64_t, Bucket> buckets_;
  std::list<int64_t> lru_;  // front = most recently used
  size_t max_cached_;
  size_t cached_ = 0;
};

}  // namespace trailwarden::store
