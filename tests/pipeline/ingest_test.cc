#include "pipeline/ingest.h"

#include <gtest/gtest.h>

#include "store/duckdb/duckdb_workspace.h"
#include "test_util.h"

namespace trailwarden::pipeline {
namespace {

using trailwarden::testing::gzip_bytes;
using trailwarden::testing::make_record;
using trailwarden::testing::TempDir;

const ManualClock kClock(int64_t{1767225600} * 1000000);

std::string envelope(int first, int count, const char* day = "2024-01-15") {
  std::string s = R"({"Records":[)";
  for (int i = first; i < first + count; ++i) {
    if (i > first) s += ",";
    char t[32];
    std::snprintf(t, sizeof t, "%sT%02d:%02d:00Z", day, (i / 60) % 24, i % 60);
    s += make_record("ev-" + std::to_string(i), t);
  }
  return s + "]}";
}

struct Fixture {
  TempDir dir;
  std::unique_ptr<store::DuckDbWorkspace> ws;
  void open() {
    ws.reset();
    store::DuckDbOptions o;
    o.dir = dir.str() + "/ws";
    o.mode = store::OpenMode::kReadWrite;
    o.clock = &kClock;
    auto w = store::DuckDbWorkspace::open(o);
    ASSERT_TRUE(w.has_value()) << w.error().to_string();
    ws = std::move(*w);
  }
  std::string scalar(const std::string& sql) {
    auto r = ws->query(sql);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
    return r && !r->rows.empty() && r->rows[0][0] ? *r->rows[0][0] : "NULL";
  }
};

TEST(Ingest, MixedGoodAndBadInputKeepsEveryGoodRecord) {
  Fixture f;
  f.dir.write("in/a/1.json.gz", gzip_bytes(envelope(0, 1500)));
  f.dir.write("in/a/2.json", envelope(1500, 10));
  std::string trunc = gzip_bytes(envelope(2000, 400));
  f.dir.write("in/b/truncated.json.gz", trunc.substr(0, trunc.size() / 2));
  f.dir.write("in/b/digest.json.gz",
              gzip_bytes(R"({"digestStartTime":"x","digestEndTime":"y","logFiles":[]})"));
  f.dir.write("in/b/notes.txt", "hello");
  f.dir.write("in/c/lines.jsonl", make_record("l1") + "\n{oops\n" + make_record("l2") + "\n");
  f.open();
  IngestOptions o;
  o.paths = {f.dir.str() + "/in"};
  auto s = run_ingest(*f.ws, o, kClock);
  ASSERT_TRUE(s.has_value()) << s.error().to_string();
  EXPECT_EQ(s->files, 6u);
  EXPECT_EQ(s->skipped, 1u);
  EXPECT_EQ(s->skipped_by_reason["cloudtrail_digest"], 1u);
  EXPECT_EQ(s->rejected_by_reason["not_json"], 1u);
  EXPECT_EQ(s->rejected_by_reason["gzip_truncated"], 1u);
  EXPECT_EQ(s->rejected_by_reason["json_invalid"] + s->rejected_by_reason["json_truncated"], 2u);
  const uint64_t kept_from_truncated = s->stored - 1500 - 10 - 2;
  EXPECT_GT(kept_from_truncated, 0u);
  EXPECT_LT(kept_from_truncated, 400u);
  EXPECT_EQ(s->duplicates, 0u);
  EXPECT_EQ(f.scalar("SELECT count(*) FROM AWSCloudTrail"), std::to_string(s->stored));
  EXPECT_EQ(f.scalar("SELECT count(*) FROM Rejected"), std::to_string(s->rejected));
  EXPECT_EQ(f.scalar("SELECT count(*) FROM IngestedFiles"), "6");
  EXPECT_EQ(f.scalar("SELECT Status FROM IngestedFiles WHERE Origin LIKE '%truncated%'"),
            "partial");
  EXPECT_EQ(f.scalar("SELECT Reason FROM IngestedFiles WHERE Origin LIKE '%digest%'"),
            "cloudtrail_digest");
  // The dictionary was trained from the first batch and every record reads back.
  EXPECT_EQ(f.scalar("SELECT count(*) FROM tw_raw_dictionaries"), "1");
  EXPECT_EQ(f.scalar("SELECT count(*) FROM AWSCloudTrail WHERE json_extract_string(Raw, "
                     "'$.eventID') = AwsEventId"),
            std::to_string(s->stored));
}

TEST(Ingest, ReingestingStoresNothingTwice) {
  Fixture f;
  f.dir.write("in/1.json", envelope(0, 300));
  f.dir.write("in/2.json", envelope(200, 300));  // overlaps the first by 100
  f.open();
  IngestOptions o;
  o.paths = {f.dir.str() + "/in"};
  auto s1 = run_ingest(*f.ws, o, kClock);
  ASSERT_TRUE(s1);
  EXPECT_EQ(s1->stored, 500u);
  EXPECT_EQ(s1->duplicates, 100u);
  f.open();  // as a new process would
  auto s2 = run_ingest(*f.ws, o, kClock);
  ASSERT_TRUE(s2);
  EXPECT_EQ(s2->stored, 0u);
  EXPECT_EQ(s2->duplicates, 600u);
  EXPECT_EQ(f.scalar("SELECT count(*) FROM AWSCloudTrail"), "500");
}

TEST(Ingest, LargeFilesSpanBatchesAndCountCorrectly) {
  for (bool threaded : {false, true}) {
    SCOPED_TRACE(threaded);
    Fixture f;
    f.dir.write("in/big.json", envelope(0, 2500));
    f.dir.write("in/small.json", envelope(2400, 200));
    f.open();
    IngestOptions o;
    o.paths = {f.dir.str() + "/in"};
    o.batch_rows = 700;
    o.threaded = threaded;
    auto s = run_ingest(*f.ws, o, kClock);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->stored, 2600u);
    EXPECT_EQ(s->duplicates, 100u);
    EXPECT_EQ(f.scalar("SELECT Stored FROM IngestedFiles WHERE Origin LIKE '%big.json'"), "2500");
    EXPECT_EQ(f.scalar("SELECT Duplicates FROM IngestedFiles WHERE Origin LIKE '%small.json'"),
              "100");
    EXPECT_EQ(f.scalar("SELECT count(*) FROM IngestedFiles"), "2");
  }
}

TEST(Ingest, TimeGeneratedIsTheEventTimeNotTheIngestTime) {
  Fixture f;
  f.dir.write("in/1.json", envelope(0, 3, "2019-06-01"));
  f.open();
  IngestOptions o;
  o.paths = {f.dir.str() + "/in"};
  ASSERT_TRUE(run_ingest(*f.ws, o, kClock));
  EXPECT_EQ(f.scalar("SELECT min(TimeGenerated) FROM AWSCloudTrail"), "2019-06-01T00:00:00Z");
  EXPECT_EQ(f.scalar("SELECT min(IngestionTime) FROM AWSCloudTrail"), "2026-01-01T00:00:00Z");
}

}  // namespace
}  // namespace trailwarden::pipeline
