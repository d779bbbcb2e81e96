#include "formats/cloudtrail/decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_util.h"

namespace trailwarden::formats::cloudtrail {
namespace {

using trailwarden::testing::gzip_bytes;
using trailwarden::testing::make_record;

struct Collected final : RecordSink {
  std::vector<std::pair<int64_t, std::string>> records;
  std::vector<std::pair<std::string, std::string>> rejects;  // reason, location
  void on_record(std::string_view r, int64_t index, int64_t) override {
    records.emplace_back(index, std::string(r));
  }
  void on_reject(RejectReason reason, int64_t, std::string_view location, std::string_view,
                 std::string_view) override {
    rejects.emplace_back(std::string(reject_reason_name(reason)), std::string(location));
  }
};

DecodeResult decode(std::string_view bytes, Collected& out, DecodeLimits limits = {}) {
  PaddedBuffer buf;
  buf.assign(bytes);
  CloudTrailDecoder d(limits);
  return d.decode(buf, out);
}

std::string envelope(const std::vector<std::string>& recs) {
  std::string s = R"({"Records":[)";
  for (size_t i = 0; i < recs.size(); ++i) s += (i ? "," : "") + recs[i];
  return s + "]}";
}

TEST(Decoder, RecordsEnvelopePlainAndGzip) {
  std::string doc = envelope({make_record("a"), make_record("b"), make_record("c")});
  for (const std::string& bytes : {doc, gzip_bytes(doc)}) {
    Collected c;
    auto r = decode(bytes, c);
    EXPECT_EQ(r.format, FileFormat::kRecords);
    ASSERT_EQ(c.records.size(), 3u);
    EXPECT_EQ(c.records[1].second, make_record("b"));  // original bytes, exactly
    EXPECT_EQ(c.records[2].first, 2);
    EXPECT_TRUE(c.rejects.empty());
  }
}

TEST(Decoder, EnvelopeKeyOrderAndWhitespaceDoNotMatter) {
  std::string doc = "\xEF\xBB\xBF {\n  \"other\": {\"Records\": 1},\n  \"Records\" : [\n" +
                    make_record("a") + " ,\n " + make_record("b") + "\n ]\n}\n";
  Collected c;
  decode(doc, c);
  EXPECT_EQ(c.records.size(), 2u);
  EXPECT_TRUE(c.rejects.empty());
}

TEST(Decoder, JsonArrayAndJsonLines) {
  Collected a;
  EXPECT_EQ(decode("[" + make_record("a") + "," + make_record("b") + "]", a).format,
            FileFormat::kArray);
  EXPECT_EQ(a.records.size(), 2u);

  Collected l;
  std::string lines = make_record("a") + "\n" + "{\"broken\": \n" + make_record("c") + "\r\n\n";
  EXPECT_EQ(decode(lines, l).format, FileFormat::kJsonLines);
  ASSERT_EQ(l.records.size(), 2u);
  EXPECT_EQ(l.records[1].second, make_record("c"));
  ASSERT_EQ(l.rejects.size(), 1u);
  EXPECT_EQ(l.rejects[0].first, "json_truncated");
  EXPECT_EQ(l.rejects[0].second, "line 2 record 1");
}

TEST(Decoder, LookupEventsResponse) {
  std::string inner = make_record("lk-1");
  std::string escaped;
  for (char ch : inner) {
    if (ch == '"' || ch == '\\') escaped += '\\';
    escaped += ch;
  }
  std::string page =
      R"({"Events":[{"EventId":"lk-1","EventName":"GetCallerIdentity","ReadOnly":"true","EventTime":1.705277075E9,"CloudTrailEvent":")" +
      escaped + R"("},{"EventId":"x"}],"NextToken":"abc"})";
  Collected c;
  EXPECT_EQ(decode(page, c).format, FileFormat::kLookupEvents);
  ASSERT_EQ(c.records.size(), 1u);
  EXPECT_EQ(c.records[0].second, inner);
  ASSERT_EQ(c.rejects.size(), 1u);
  EXPECT_EQ(c.rejects[0].first, "bad_lookup_event");
}

TEST(Decoder, SkipsDigestsOtherJsonAndEmptyFiles) {
  Collected c;
  auto digest = decode(
      R"({"awsAccountId":"111122223333","digestStartTime":"2024-01-15T00:00:00Z","digestEndTime":"2024-01-15T01:00:00Z","logFiles":[]})",
      c);
  EXPECT_EQ(digest.skip, SkipReason::kCloudTrailDigest);
  EXPECT_EQ(decode(R"({"configurationItems":[{"a":1}]})", c).skip, SkipReason::kNotCloudTrail);
  EXPECT_EQ(decode("  \n ", c).skip, SkipReason::kEmpty);
  EXPECT_TRUE(c.records.empty());
  EXPECT_TRUE(c.rejects.empty());
}

TEST(Decoder, RejectsNonJson) {
  Collected c;
  decode("this is a log line, not JSON\n", c);
  ASSERT_EQ(c.rejects.size(), 1u);
  EXPECT_EQ(c.rejects[0].first, "not_json");
}

TEST(Decoder, TruncatedDocumentKeepsCompleteRecords) {
  std::string doc = envelope({make_record("a"), make_record("b"), make_record("c")});
  Collected c;
  decode(doc.substr(0, doc.size() - 40), c);
  ASSERT_EQ(c.records.size(), 2u);
  ASSERT_EQ(c.rejects.size(), 1u);
  EXPECT_EQ(c.rejects[0].first, "json_truncated");
  EXPECT_EQ(c.rejects[0].second, "record 2");
}

TEST(Decoder, TruncatedGzipKeepsWhatInflated) {
  std::vector<std::string> recs;
  for (int i = 0; i < 2000; ++i) recs.push_back(make_record("id-" + std::to_string(i)));
  std::string gz = gzip_bytes(envelope(recs));
  Collected c;
  decode(gz.substr(0, gz.size() * 2 / 3), c);
  EXPECT_GT(c.records.size(), 100u);
  EXPECT_LT(c.records.size(), 2000u);
  ASSERT_GE(c.rejects.size(), 2u);
  EXPECT_EQ(c.rejects[0].first, "gzip_truncated");
  EXPECT_EQ(c.rejects[1].first, "json_truncated");
}

TEST(Decoder, DecompressionBombIsRejected) {
  DecodeLimits limits;
  limits.max_inflated_bytes = 1 << 20;
  Collected c;
  decode(gzip_bytes("[" + std::string(8 << 20, ' ') + "]"), c, limits);
  ASSERT_EQ(c.rejects.size(), 1u);
  EXPECT_EQ(c.rejects[0].first, "decompression_limit");
}

TEST(Decoder, OversizedAndOverdeepRecordsAreRejectedAlone) {
  DecodeLimits limits;
  limits.max_record_bytes = 4096;
  limits.max_depth = 16;
  std::string big = make_record("big");
  big.insert(big.size() - 1, ",\"pad\":\"" + std::string(8000, 'p') + "\"");
  std::string deep = std::string(40, '[') + std::string(40, ']');
  Collected c;
  decode(envelope({make_record("a"), big, "{\"d\":" + deep + "}", make_record("b")}), c, limits);
  ASSERT_EQ(c.records.size(), 2u);
  ASSERT_EQ(c.rejects.size(), 2u);
  EXPECT_EQ(c.rejects[0].first, "record_too_large");
  EXPECT_EQ(c.rejects[1].first, "too_deep");
  // The walk goes on after the deep record, and indexes stay positional.
  EXPECT_EQ(c.records[1].first, 3);
}

TEST(Decoder, EventBridgeAndSingleRecord) {
  Collected c;
  EXPECT_EQ(
      decode(
          R"({"version":"0","detail-type":"AWS API Call via CloudTrail","source":"aws.sts","detail":)" +
              make_record("eb") + "}",
          c)
          .format,
      FileFormat::kEventBridge);
  EXPECT_EQ(decode(make_record("single"), c).format, FileFormat::kSingleRecord);
  ASSERT_EQ(c.records.size(), 2u);
  EXPECT_EQ(c.records[0].second, make_record("eb"));
}

TEST(Decoder, TrailingGarbageIsReportedAfterKeepingTheDocument) {
  Collected c;
  decode(envelope({make_record("a")}) + " garbage", c);
  EXPECT_EQ(c.records.size(), 1u);
  ASSERT_EQ(c.rejects.size(), 1u);
  EXPECT_EQ(c.rejects[0].first, "trailing_data");
}

}  // namespace
}  // namespace trailwarden::formats::cloudtrail
