// IngestSession: documents from several threads, checkpoints and after-commit callbacks that
// commit with the batch holding everything added before them, GuardDuty findings routed to
// AWSGuardDuty with the newest update winning.
#include "pipeline/session.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/duckdb/duckdb_workspace.h"
#include "test_util.h"

namespace trailwarden::pipeline {
namespace {

using trailwarden::testing::make_record;
using trailwarden::testing::TempDir;

std::unique_ptr<store::DuckDbWorkspace> open_ws(const TempDir& dir) {
  store::DuckDbOptions o;
  o.dir = dir.str() + "/ws";
  o.mode = store::OpenMode::kReadWrite;
  o.threads = 1;
  auto w = store::DuckDbWorkspace::open(o);
  EXPECT_TRUE(w.has_value()) << w.error().to_string();
  return std::move(*w);
}

formats::PaddedBuffer buffer(std::string_view text) {
  formats::PaddedBuffer b;
  b.assign(text);
  return b;
}

std::string page(int first, int n) {
  std::string out = "{\"Records\":[";
  for (int i = 0; i < n; ++i) {
    if (i > 0) out += ",";
    out += make_record("id-" + std::to_string(first + i));
  }
  return out + "]}";
}

int64_t count(store::Workspace& ws, const std::string& sql) {
  auto r = ws.query(sql);
  EXPECT_TRUE(r.has_value()) << r.error().to_string();
  if (!r || r->rows.empty() || !r->rows[0][0]) return -1;
  return std::stoll(*r->rows[0][0]);
}

std::string finding(std::string_view id, std::string_view updated, double severity) {
  return fmt::format(
      R"({{"schemaVersion":"2.0","accountId":"111122223333","region":"us-east-1","partition":"aws","id":"{0}","arn":"arn:aws:guardduty:us-east-1:111122223333:detector/d/finding/{0}","type":"Recon:EC2/PortProbeUnprotectedPort","resource":{{"resourceType":"Instance"}},"service":{{"serviceName":"guardduty","count":1,"archived":false}},"severity":{1},"createdAt":"2024-01-15T00:00:00.000Z","updatedAt":"{2}","title":"t {0}","description":"d"}})",
      id, severity, updated);
}

TEST(Session, CheckpointCommitsWithTheDocumentsBeforeIt) {
  TempDir dir;
  auto ws = open_ws(dir);
  auto s = IngestSession::open(*ws, {}, SystemClock::instance());
  ASSERT_TRUE(s.has_value());
  auto b = buffer(page(0, 10));
  ASSERT_TRUE((*s)->add_document({"lookup:a/us-east-1", 100, false}, b));
  ASSERT_TRUE((*s)->set_checkpoint("lookup:a", "a/us-east-1", "2024-01-15T01:00:00Z"));
  std::atomic<int> committed{0};
  ASSERT_TRUE((*s)->after_commit([&] { committed = 1; }));
  EXPECT_EQ(committed.load(), 0);  // nothing committed before a flush or a full batch
  ASSERT_TRUE((*s)->flush());
  EXPECT_EQ(committed.load(), 1);
  EXPECT_EQ(count(*ws, "SELECT count(*) FROM AWSCloudTrail"), 10);
  auto cp = ws->load_checkpoint("lookup:a", "a/us-east-1");
  ASSERT_TRUE(cp.has_value() && cp->has_value());
  EXPECT_EQ(**cp, "2024-01-15T01:00:00Z");
  // A page is not a file: no IngestedFiles row.
  EXPECT_EQ(count(*ws, "SELECT count(*) FROM IngestedFiles"), 0);
  // A checkpoint alone (an empty window) still commits.
  ASSERT_TRUE((*s)->set_checkpoint("lookup:a", "a/us-east-1", "2024-01-15T02:00:00Z"));
  ASSERT_TRUE((*s)->flush());
  EXPECT_EQ(**ws->load_checkpoint("lookup:a", "a/us-east-1"), "2024-01-15T02:00:00Z");
  auto all = ws->load_checkpoints("lookup:a");
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), 1u);
  auto sum = (*s)->finish();
  ASSERT_TRUE(sum.has_value());
  EXPECT_EQ(sum->stored, 10u);
}

TEST(Session, DocumentsFromManyThreadsAreStoredOnceEach) {
  TempDir dir;
  auto ws = open_ws(dir);
  IngestOptions o;
  o.batch_rows = 64;  // many batches
  auto s = IngestSession::open(*ws, o, SystemClock::instance());
  ASSERT_TRUE(s.has_value());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int d = 0; d < 20; ++d) {
        // Every thread also re-sends the first thread's pages: duplicates by AwsEventId.
        const int base = (d % 2 == 0 ? 0 : t) * 1000 + d * 10;
        auto b = buffer(page(base, 10));
        std::string origin = fmt::format("s3://b/t{}/d{}", t, d);
        ASSERT_TRUE((*s)->add_document({origin, 1, true}, b));
        ASSERT_TRUE((*s)->set_checkpoint("s3:b", fmt::format("t{}", t), origin));
      }
    });
  }
  for (auto& t : threads) t.join();
  auto sum = (*s)->finish();
  ASSERT_TRUE(sum.has_value());
  // Distinct ids: thread 0's 200 plus, for t = 1..3, the 10 odd documents of 10 ids each.
  EXPECT_EQ(count(*ws, "SELECT count(*) FROM AWSCloudTrail"), 200 + 3 * 100);
  EXPECT_EQ(count(*ws, "SELECT count(DISTINCT AwsEventId) FROM AWSCloudTrail"), 500);
  EXPECT_EQ(sum->stored + sum->duplicates, 800u);
  auto origins = ws->origins_with_prefix("s3://b/t1/");
  ASSERT_TRUE(origins.has_value());
  EXPECT_EQ(origins->size(), 20u);
  EXPECT_EQ(**ws->load_checkpoint("s3:b", "t3"), "s3://b/t3/d19");
}

TEST(Session, GuardDutyFindingsGoToTheirTableAndTheNewestUpdateWins) {
  TempDir dir;
  auto ws = open_ws(dir);
  auto s = IngestSession::open(*ws, {}, SystemClock::instance());
  ASSERT_TRUE(s.has_value());
  std::string export1 = finding("f1", "2024-01-15T00:10:00.000Z", 2) + "\n" +
                        finding("f2", "2024-01-15T00:10:00.000Z", 5) + "\n";
  std::string export2 =
      finding("f1", "2024-01-15T06:10:00.000Z", 8) + "\n" +
      finding("f2", "2024-01-15T00:05:00.000Z", 1) + "\n" +  // older: ignored
      R"({"schemaVersion":"2.0","accountId":"1","id":"bad","type":"x","severity":1,"arn":"arn:aws:guardduty:::x"})" +
      "\n";
  auto b1 = buffer(trailwarden::testing::gzip_bytes(export1));
  ASSERT_TRUE((*s)->add_document(
      {"s3://b/AWSLogs/1/GuardDuty/us-east-1/2024/01/15/a.jsonl.gz", 1, true}, b1));
  ASSERT_TRUE((*s)->flush());
  auto b2 = buffer(export2);
  ASSERT_TRUE((*s)->add_document(
      {"s3://b/AWSLogs/1/GuardDuty/us-east-1/2024/01/15/b.jsonl.gz", 1, true}, b2));
  auto sum = (*s)->finish();
  ASSERT_TRUE(sum.has_value());
  EXPECT_EQ(count(*ws, "SELECT count(*) FROM AWSGuardDuty"), 2);
  EXPECT_EQ(count(*ws, "SELECT CAST(Severity AS BIGINT) FROM AWSGuardDuty WHERE Id = 'f1'"), 8);
  EXPECT_EQ(count(*ws, "SELECT CAST(Severity AS BIGINT) FROM AWSGuardDuty WHERE Id = 'f2'"), 5);
  EXPECT_EQ(count(*ws, "SELECT count(*) FROM AWSCloudTrail"), 0);
  // The finding without createdAt/updatedAt is rejected with its reason, not lost.
  EXPECT_EQ(count(*ws, "SELECT count(*) FROM Rejected WHERE Reason = 'bad_finding'"), 1);
  EXPECT_EQ(sum->findings, 4u);
  EXPECT_EQ(sum->findings_stored, 3u);
}

// A workspace whose disk is full.
class FullDisk final : public store::Workspace {
 public:
  Result<store::AppendResult> append(store::AppendBatch&) override {
    return make_error(ErrorCode::kStore, "no space left on device");
  }
  Result<std::optional<std::string>> load_state(std::string_view) override {
    return std::optional<std::string>{};
  }
  Status scan_records(int64_t, int64_t,
                      const std::function<bool(int64_t, std::string_view)>&) override {
    return {};
  }
  Status write_detection_only(const store::DetectionWrites&) override { return {}; }
  Result<store::QueryResult> query(std::string_view) override { return store::QueryResult{}; }
  std::optional<store::RawDictionary> current_dictionary() const override { return std::nullopt; }
  uint32_t next_dictionary_id() const override { return store::kFirstDictionaryId; }
};

TEST(Session, AStoreFailureRunsNoCallbackAndFailsLaterCalls) {
  FullDisk ws;
  auto s = IngestSession::open(ws, {}, SystemClock::instance());
  ASSERT_TRUE(s.has_value());
  auto b = buffer(page(0, 3));
  ASSERT_TRUE((*s)->add_document({"x", 1, true}, b));
  bool ran = false;
  ASSERT_TRUE((*s)->after_commit([&] { ran = true; }));  // e.g. an SQS delete
  auto f = (*s)->flush();
  ASSERT_FALSE(f.has_value());
  EXPECT_NE(f.error().message.find("no space"), std::string::npos);
  EXPECT_FALSE(ran);
  auto b2 = buffer(page(10, 3));
  EXPECT_FALSE((*s)->add_document({"y", 1, true}, b2).has_value());
  EXPECT_FALSE((*s)->finish().has_value());
}

}  // namespace
}  // namespace trailwarden::pipeline
