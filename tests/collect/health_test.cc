#include "collect/health.h"

#include <gtest/gtest.h>

#include "store/duckdb/duckdb_workspace.h"
#include "test_util.h"

namespace trailwarden::collect {
namespace {

TEST(Health, StatusChangesSamplesAndHourlyFailureSummaries) {
  trailwarden::testing::TempDir dir;
  ManualClock clock(1'705'276'800'000'000);  // 2024-01-15T00:00:00Z
  store::DuckDbOptions o;
  o.dir = dir.str() + "/ws";
  o.mode = store::OpenMode::kReadWrite;
  o.clock = &clock;
  auto ws = store::DuckDbWorkspace::open(o);
  ASSERT_TRUE(ws.has_value());
  const std::string snapshot = dir.str() + "/health.json";
  HealthReporter h(**ws, clock, snapshot);
  HealthSample ok{
      "lookup-events:1", "1/us-east-1", HealthStatus::kSuccess, "", "", 120, 0, 50, 2.0};
  h.report(ok);  // first: a status change
  clock.advance(10'000'000);
  h.report(ok);  // unchanged within a minute: no row
  HealthSample down = ok;
  down.status = HealthStatus::kFailure;
  down.error_code = "Unavailable";
  down.reason = "connection refused";
  for (int i = 0; i < 5; ++i) {
    clock.advance(1'000'000);
    h.report(down);  // one status change, then counted
  }
  clock.advance(3'600'000'000);  // next hour: last hour's failures are summarised
  h.report(ok);                  // recovery: a status change
  clock.advance(61'000'000);
  h.report(ok);  // a minute later: a sample
  ASSERT_TRUE(h.flush());
  auto r = (*ws)->query(
      "SELECT Kind, Status, ErrorCode, coalesce(Failures, 0) FROM ConnectorHealth ORDER BY "
      "TimeGenerated, Kind");
  ASSERT_TRUE(r.has_value());
  std::vector<std::string> got;
  for (const auto& row : r->rows)
    got.push_back(*row[0] + "/" + *row[1] + "/" + *row[2] + "/" + *row[3]);
  std::vector<std::string> want = {
      "status-change/Success//0", "status-change/Failure/Unavailable/0",
      "failure-summary/Failure/Unavailable/5", "status-change/Success//0", "sample/Success//0"};
  EXPECT_EQ(got, want);
  // The snapshot names the scope and never holds more than the sample said.
  std::string snap = trailwarden::testing::read_file(snapshot);
  EXPECT_NE(snap.find("\"scope\": \"1/us-east-1\""), std::string::npos) << snap;
  EXPECT_NE(snap.find("\"status\": \"Success\""), std::string::npos) << snap;
}

}  // namespace
}  // namespace trailwarden::collect
