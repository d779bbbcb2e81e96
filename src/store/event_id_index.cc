#include "store/event_id_index.h"

#include <cstring>

namespace trailwarden::store {

int64_t EventIdIndex::bucket_of(int64_t t) {
  int64_t b = t / kBucketMicros;
  if (t < 0 && t % kBucketMicros != 0) --b;
  return b;
}

EventIdIndex::EventIdIndex(Loader loader, std::unordered_set<int64_t> nonempty,
                           size_t max_cached_ids)
    : loader_(std::move(loader)), nonempty_(std::move(nonempty)), max_cached_(max_cached_ids) {}

std::string_view EventIdIndex::Bucket::keep(std::string_view id) {
  if (chunks.empty() || chunk_used + id.size() > chunk_size) {
    chunk_size = std::max<size_t>(64 * 1024, id.size());
    chunks.push_back(std::make_unique_for_overwrite<char[]>(chunk_size));
    chunk_used = 0;
  }
  char* p = chunks.back().get() + chunk_used;
  std::memcpy(p, id.data(), id.size());
  chunk_used += id.size();
  return {p, id.size()};
}

Result<EventIdIndex::Bucket*> EventIdIndex::bucket(int64_t b) {
  auto it = buckets_.find(b);
  if (it != buckets_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return &it->second;
  }
  Bucket& fresh = buckets_[b];
  lru_.push_front(b);
  fresh.lru = lru_.begin();
  if (nonempty_.contains(b)) {
    auto add = [&](std::string_view id) {
      if (fresh.ids.insert(fresh.keep(id)).second) ++cached_;
    };
    if (auto st = loader_(b * kBucketMicros, (b + 1) * kBucketMicros, add); !st) {
      cached_ -= fresh.ids.size();
      lru_.erase(fresh.lru);
      buckets_.erase(b);
      return std::unexpected(st.error());
    }
  }
  evict_if_needed(b);
  return &fresh;
}

void EventIdIndex::evict_if_needed(int64_t keep) {
  while (cached_ > max_cached_ && lru_.size() > 1) {
    int64_t victim = lru_.back();
    if (victim == keep) break;
    lru_.pop_back();
    auto it = buckets_.find(victim);
    cached_ -= it->second.ids.size();
    buckets_.erase(it);
  }
}

Result<bool> EventIdIndex::contains(int64_t time_us, std::string_view id) {
  auto b = bucket(bucket_of(time_us));
  if (!b) return std::unexpected(b.error());
  return (*b)->ids.contains(id);
}

void EventIdIndex::insert(int64_t time_us, std::string_view id) {
  int64_t b = bucket_of(time_us);
  nonempty_.insert(b);
  auto it = buckets_.find(b);
  if (it == buckets_.end()) return;  // evicted meanwhile: it will be reloaded from the table
  Bucket& bucket = it->second;
  if (bucket.ids.insert(bucket.keep(id)).second) ++cached_;
}

}  // namespace trailwarden::store
