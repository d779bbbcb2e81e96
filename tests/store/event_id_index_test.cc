#include "store/event_id_index.h"

#include <gtest/gtest.h>

#include <map>

namespace trailwarden::store {
namespace {

constexpr int64_t kHour = EventIdIndex::kBucketMicros;

// A fake table: hour -> ids, and a count of loads.
struct FakeTable {
  std::multimap<int64_t, std::string> rows;  // time -> id
  int loads = 0;
  EventIdIndex::Loader loader() {
    return [this](int64_t b, int64_t e, const std::function<void(std::string_view)>& add) {
      ++loads;
      for (auto it = rows.lower_bound(b); it != rows.end() && it->first < e; ++it) add(it->second);
      return Status{};
    };
  }
  std::unordered_set<int64_t> buckets() const {
    std::unordered_set<int64_t> s;
    for (const auto& [t, id] : rows) s.insert(EventIdIndex::bucket_of(t));
    return s;
  }
};

TEST(EventIdIndex, FindsStoredIdsAnywhereInHistory) {
  FakeTable t;
  t.rows.emplace(5 * kHour + 10, "old");
  t.rows.emplace(900 * kHour, "older-file");
  EventIdIndex idx(t.loader(), t.buckets());
  EXPECT_TRUE(*idx.contains(5 * kHour + 99, "old"));
  EXPECT_FALSE(*idx.contains(5 * kHour + 99, "new"));
  EXPECT_TRUE(*idx.contains(900 * kHour + 1, "older-file"));
  EXPECT_EQ(t.loads, 2);
  // An hour with nothing stored is never queried.
  EXPECT_FALSE(*idx.contains(77 * kHour, "x"));
  EXPECT_EQ(t.loads, 2);
}

TEST(EventIdIndex, InsertedIdsAreSeen) {
  FakeTable t;
  EventIdIndex idx(t.loader(), {});
  EXPECT_FALSE(*idx.contains(3 * kHour, "a"));
  idx.insert(3 * kHour, "a");
  EXPECT_TRUE(*idx.contains(3 * kHour + 5, "a"));
  EXPECT_FALSE(*idx.contains(4 * kHour, "a"));  // another hour, another event time
}

TEST(EventIdIndex, EvictsAndReloadsWithinTheBound) {
  FakeTable t;
  for (int h = 0; h < 50; ++h) {
    for (int i = 0; i < 100; ++i)
      t.rows.emplace(h * kHour + i, std::to_string(h) + "-" + std::to_string(i));
  }
  EventIdIndex idx(t.loader(), t.buckets(), 1000);
  for (int h = 0; h < 50; ++h) EXPECT_TRUE(*idx.contains(h * kHour, std::to_string(h) + "-42"));
  EXPECT_LE(idx.cached_ids(), 1100u);
  int before = t.loads;
  EXPECT_TRUE(*idx.contains(0, "0-7"));  // evicted long ago: reloaded, still exact
  EXPECT_EQ(t.loads, before + 1);
}

TEST(EventIdIndex, NegativeTimesBucketCorrectly) {
  EXPECT_EQ(EventIdIndex::bucket_of(-1), -1);
  EXPECT_EQ(EventIdIndex::bucket_of(0), 0);
  EXPECT_EQ(EventIdIndex::bucket_of(-kHour), -1);
}

}  // namespace
}  // namespace trailwarden::store
