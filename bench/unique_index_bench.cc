// Why duplicates are found by store/event_id_index and not by a DuckDB unique index:
// appends 1M events (id, time, name) in committed batches of 65,536 rows into
//   (a) a table with PRIMARY KEY (AwsEventId) — DuckDB's ART index checks every row;
//   (b) a table without a key, with EventIdIndex deciding duplicates first.
// Usage: build/release/bench/unique_index_bench [EVENTS]
#include <duckdb.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "store/event_id_index.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string uuid(std::mt19937_64& rng) {
  static const char* hex = "0123456789abcdef";
  std::string s(36, '-');
  for (int i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    s[i] = hex[rng() & 15];
  }
  return s;
}

bool q(duckdb_connection c, const char* sql) {
  duckdb_result r;
  bool ok = duckdb_query(c, sql, &r) == DuckDBSuccess;
  if (!ok) std::fprintf(stderr, "%s: %s\n", sql, duckdb_result_error(&r));
  duckdb_destroy_result(&r);
  return ok;
}

double run(bool primary_key, const std::vector<std::string>& ids,
           const std::vector<int64_t>& times) {
  std::string path = "/tmp/tw-unique-bench-" + std::to_string(primary_key) + ".duckdb";
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".wal");
  duckdb_database db;
  duckdb_connection con;
  duckdb_open(path.c_str(), &db);
  duckdb_connect(db, &con);
  q(con, primary_key
             ? "CREATE TABLE e (AwsEventId VARCHAR PRIMARY KEY, TimeGenerated TIMESTAMP, EventName "
               "VARCHAR)"
             : "CREATE TABLE e (AwsEventId VARCHAR, TimeGenerated TIMESTAMP, EventName VARCHAR)");
  trailwarden::store::EventIdIndex index(
      [](int64_t, int64_t, const std::function<void(std::string_view)>&) {
        return trailwarden::Status{};
      },
      {});
  auto start = Clock::now();
  const size_t batch = 65536;
  for (size_t b = 0; b < ids.size(); b += batch) {
    size_t end = std::min(ids.size(), b + batch);
    std::vector<size_t> keep;
    if (!primary_key) {
      std::unordered_set<std::string_view> seen;
      for (size_t i = b; i < end; ++i) {
        if (!seen.insert(ids[i]).second || *index.contains(times[i], ids[i])) continue;
        keep.push_back(i);
      }
    } else {
      for (size_t i = b; i < end; ++i) keep.push_back(i);
    }
    q(con, "BEGIN");
    duckdb_appender app;
    duckdb_appender_create(con, nullptr, "e", &app);
    for (size_t i : keep) {
      duckdb_appender_begin_row(app);
      duckdb_append_varchar_length(app, ids[i].data(), ids[i].size());
      duckdb_append_timestamp(app, duckdb_timestamp{times[i]});
      duckdb_append_varchar(app, "GetObject");
      duckdb_appender_end_row(app);
    }
    duckdb_appender_destroy(&app);
    q(con, "COMMIT");
    if (!primary_key) {
      for (size_t i : keep) index.insert(times[i], ids[i]);
    }
  }
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  duckdb_disconnect(&con);
  duckdb_close(&db);
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".wal");
  return secs;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = argc > 1 ? std::stoul(argv[1]) : 1000000;
  std::mt19937_64 rng(1);
  std::vector<std::string> ids;
  std::vector<int64_t> times;
  for (size_t i = 0; i < n; ++i) {
    ids.push_back(uuid(rng));
    times.push_back(int64_t{1705276800} * 1000000 + static_cast<int64_t>(i) * 250000);  // 4/s
  }
  double pk = run(true, ids, times);
  double idx = run(false, ids, times);
  std::printf(
      "events: %zu\nPRIMARY KEY table:          %.2f s (%.0f rows/s)\n"
      "no key + EventIdIndex:      %.2f s (%.0f rows/s)\nratio: %.2fx\n",
      n, pk, n / pk, idx, n / idx, pk / idx);
  return 0;
}
