#include "store/duckdb/duckdb_workspace.h"

#include <gtest/gtest.h>

#include "formats/cloudtrail/normalizer.h"
#include "formats/padded_buffer.h"
#include "test_util.h"

namespace trailwarden::store {
namespace {

namespace ct = formats::cloudtrail;
using trailwarden::testing::make_record;
using trailwarden::testing::TempDir;

const ManualClock kClock(int64_t{1767225600} * 1000000);  // 2026-01-01

std::unique_ptr<DuckDbWorkspace> open_rw(const TempDir& dir) {
  DuckDbOptions o;
  o.dir = dir.str() + "/ws";
  o.mode = OpenMode::kReadWrite;
  o.clock = &kClock;
  auto ws = DuckDbWorkspace::open(o);
  EXPECT_TRUE(ws.has_value()) << ws.error().to_string();
  return ws ? std::move(*ws) : nullptr;
}

Result<std::unique_ptr<DuckDbWorkspace>> open_ro(const TempDir& dir) {
  DuckDbOptions o;
  o.dir = dir.str() + "/ws";
  o.mode = OpenMode::kReadOnly;
  o.clock = &kClock;
  return DuckDbWorkspace::open(o);
}

// A batch of the given records, RawZ compressed without a dictionary.
AppendBatch make_batch(const std::vector<std::string>& records) {
  AppendBatch b;
  ct::CloudTrailNormalizer n;
  formats::PaddedBuffer buf;
  int64_t i = 0;
  for (const auto& r : records) {
    buf.assign(r);
    EXPECT_TRUE(n.normalize(buf.view(), {"test.json", i++, kClock.now_micros()}, b.rows));
  }
  auto& raw = b.rows.mutable_column(ct::Col::kRawZ);
  RawCompressor c;
  std::string packed;
  uint64_t begin = 0;
  for (size_t k = 0; k < b.rows.size(); ++k) {
    c.compress(std::string_view(raw.bytes).substr(begin, raw.ends[k] - begin), packed);
    begin = raw.ends[k];
    raw.ends[k] = static_cast<uint32_t>(packed.size());
  }
  raw.bytes = packed;
  FileEntry f;
  f.origin = "test.json";
  f.status = "stored";
  f.records = static_cast<int64_t>(records.size());
  f.row_count = b.rows.size();
  b.files.push_back(f);
  return b;
}

std::string scalar(DuckDbWorkspace& ws, const std::string& sql) {
  auto r = ws.query(sql);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
  if (!r || r->rows.empty() || !r->rows[0][0]) return "NULL";
  return *r->rows[0][0];
}

TEST(DuckDbWorkspace, AppendsAndQueriesWithSentinelNames) {
  TempDir dir;
  auto ws = open_rw(dir);
  auto batch =
      make_batch({make_record("e1"), make_record("e2", "2024-01-15T01:00:00Z", "ListBuckets")});
  auto r = ws->append(batch);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->stored, 2u);
  EXPECT_EQ(scalar(*ws, "SELECT count(*) FROM AWSCloudTrail"), "2");
  EXPECT_EQ(scalar(*ws, "SELECT EventName FROM AWSCloudTrail WHERE AwsEventId = 'e2'"),
            "ListBuckets");
  EXPECT_EQ(scalar(*ws, "SELECT TimeGenerated FROM AWSCloudTrail WHERE AwsEventId = 'e2'"),
            "2024-01-15T01:00:00Z");
  EXPECT_EQ(scalar(*ws, "SELECT Raw FROM AWSCloudTrail WHERE AwsEventId = 'e1'"),
            make_record("e1"));
  EXPECT_EQ(scalar(*ws,
                   "SELECT json_extract_string(Raw, '$.userIdentity.userName') FROM "
                   "AWSCloudTrail WHERE AwsEventId = 'e1'"),
            "alice");
  EXPECT_EQ(scalar(*ws, "SELECT AwsRequestId_ FROM AWSCloudTrail WHERE AwsEventId = 'e1'"),
            "req-1");
  // Sentinel columns derived from the raw record by the view.
  EXPECT_EQ(scalar(*ws,
                   "SELECT EventVersion || '/' || Category FROM AWSCloudTrail WHERE "
                   "AwsEventId = 'e1'"),
            "1.08/Management");
  EXPECT_EQ(scalar(*ws, "SELECT count(*) FROM AWSCloudTrail WHERE TlsVersion IS NULL"), "2");
  EXPECT_EQ(scalar(*ws, "SELECT Stored FROM IngestedFiles"), "2");
}

TEST(DuckDbWorkspace, DuplicatesAreDroppedWithinAndAcrossBatchesAndRestarts) {
  TempDir dir;
  {
    auto ws = open_rw(dir);
    auto b1 = make_batch({make_record("a"), make_record("b"), make_record("a")});
    auto r1 = ws->append(b1);
    ASSERT_TRUE(r1);
    EXPECT_EQ(r1->stored, 2u);
    EXPECT_EQ(r1->duplicates, 1u);
    auto b2 = make_batch({make_record("b"), make_record("c")});
    auto r2 = ws->append(b2);
    ASSERT_TRUE(r2);
    EXPECT_EQ(r2->stored, 1u);
    EXPECT_EQ(r2->duplicates, 1u);
  }
  auto ws = open_rw(dir);  // a new process: the index is rebuilt from the table
  auto b3 = make_batch({make_record("a"), make_record("c"), make_record("d")});
  auto r3 = ws->append(b3);
  ASSERT_TRUE(r3);
  EXPECT_EQ(r3->stored, 1u);
  EXPECT_EQ(r3->duplicates, 2u);
  EXPECT_EQ(scalar(*ws, "SELECT count(*) FROM AWSCloudTrail"), "4");
  EXPECT_EQ(scalar(*ws, "SELECT count(DISTINCT AwsEventId) FROM AWSCloudTrail"), "4");
}

TEST(DuckDbWorkspace, AFailedBatchLeavesNothingBehind) {
  TempDir dir;
  auto ws = open_rw(dir);
  auto bad = make_batch({make_record("x1"), make_record("x2")});
  // Break a NOT NULL column of the second row: the store must refuse the whole batch.
  bad.rows.mutable_column(ct::Col::kOrigin).valid[1] = 0;
  bad.rejects.push_back(RejectedItem{"test.json", 3, "record 3", "json_invalid", "d", 1, "{"});
  auto r = ws->append(bad);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(scalar(*ws, "SELECT count(*) FROM AWSCloudTrail"), "0");
  EXPECT_EQ(scalar(*ws, "SELECT count(*) FROM Rejected"), "0");
  EXPECT_EQ(scalar(*ws, "SELECT count(*) FROM IngestedFiles"), "0");
  // Nothing of it reached the duplicate index either: the same events store fine now.
  auto good = make_batch({make_record("x1"), make_record("x2")});
  auto ok = ws->append(good);
  ASSERT_TRUE(ok.has_value()) << ok.error().to_string();
  EXPECT_EQ(ok->stored, 2u);
}

TEST(DuckDbWorkspace, HuntIsReadOnly) {
  TempDir dir;
  {
    auto ws = open_rw(dir);
    auto b = make_batch({make_record("keep")});
    ASSERT_TRUE(ws->append(b));
  }
  auto ro = open_ro(dir);
  ASSERT_TRUE(ro.has_value()) << ro.error().to_string();
  for (const char* sql :
       {"DELETE FROM cloudtrail_events", "DROP TABLE Rejected",
        "INSERT INTO Rejected SELECT * FROM Rejected",
        "UPDATE cloudtrail_events SET EventName = 'x'", "CREATE TABLE t AS SELECT 1",
        "ATTACH '/tmp/other.duckdb' AS o", "COPY cloudtrail_events TO '/tmp/leak.csv'",
        "SET enable_external_access = true"}) {
    auto r = (*ro)->query(sql);
    EXPECT_FALSE(r.has_value()) << sql;
  }
  auto multi = (*ro)->query("SELECT 1; DELETE FROM cloudtrail_events");
  EXPECT_FALSE(multi.has_value());
  EXPECT_EQ(scalar(**ro, "SELECT count(*) FROM AWSCloudTrail"), "1");
  auto files = (*ro)->query("SELECT * FROM read_text('/etc/hostname')");
  EXPECT_FALSE(files.has_value()) << "hunts must not read the file system";
}

TEST(DuckDbWorkspace, MissingWorkspaceAndBusyWorkspaceAreClearErrors) {
  TempDir dir;
  auto missing = open_ro(dir);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  auto owner = open_rw(dir);
  DuckDbOptions o;
  o.dir = dir.str() + "/ws";
  o.mode = OpenMode::kReadWrite;
  o.clock = &kClock;
  // flock is per open file description: a second open in this process conflicts like
  // another process would.
  auto second = DuckDbWorkspace::open(o);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::kBusy);
  EXPECT_NE(second.error().message.find("trailwarden ingest"), std::string::npos);
  auto reader = open_ro(dir);
  ASSERT_FALSE(reader.has_value());
  EXPECT_EQ(reader.error().code, ErrorCode::kBusy);
}

TEST(DuckDbWorkspace, DictionariesPersistAndOldRecordsStayReadable) {
  TempDir dir;
  std::vector<std::string> recs;
  for (int i = 0; i < 300; ++i) recs.push_back(make_record("d" + std::to_string(i)));
  {
    auto ws = open_rw(dir);
    auto plain = make_batch({make_record("before-dict")});
    ASSERT_TRUE(ws->append(plain));
    std::vector<std::string_view> samples(recs.begin(), recs.end());
    auto dict = train_raw_dictionary(samples, ws->next_dictionary_id());
    ASSERT_TRUE(dict);
    AppendBatch b = make_batch(recs);
    // Recompress with the dictionary, as the pipeline does.
    auto& raw = b.rows.mutable_column(ct::Col::kRawZ);
    RawCompressor c;
    c.set_dictionary(&*dict);
    std::string packed;
    for (size_t k = 0; k < recs.size(); ++k) {
      c.compress(recs[k], packed);
      raw.ends[k] = static_cast<uint32_t>(packed.size());
    }
    raw.bytes = packed;
    b.new_dictionary = *dict;
    ASSERT_TRUE(ws->append(b));
  }
  auto ro = open_ro(dir);
  ASSERT_TRUE(ro);
  EXPECT_EQ(scalar(**ro, "SELECT Raw FROM AWSCloudTrail WHERE AwsEventId = 'd299'"), recs[299]);
  EXPECT_EQ(scalar(**ro, "SELECT Raw FROM AWSCloudTrail WHERE AwsEventId = 'before-dict'"),
            make_record("before-dict"));
  ASSERT_TRUE((*ro)->current_dictionary().has_value());
  EXPECT_EQ((*ro)->current_dictionary()->id, kFirstDictionaryId);
}

}  // namespace
}  // namespace trailwarden::store
