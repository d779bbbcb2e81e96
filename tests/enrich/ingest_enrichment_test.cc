// Enrichment through the pipeline and the store: each batch's distinct sources land in the
// IpEnrichment table (upserted, first/last seen widened across ingests), the AWSCloudTrailEnriched
// view shows them as Source* columns, and rules read the new tw.ip members.
#include <gtest/gtest.h>

#include "detect/detector.h"
#include "enrich/mmdb_writer.h"
#include "pipeline/ingest.h"
#include "store/duckdb/duckdb_workspace.h"
#include "test_util.h"

namespace trailwarden::enrich {
namespace {

using testing::TempDir;

const ManualClock kClock(int64_t{1767225600} * 1000000);

std::string record(const std::string& id, const std::string& time, const std::string& source) {
  std::string r = testing::make_record(id, time);
  const std::string from = "\"sourceIPAddress\":\"203.0.113.7\"";
  r.replace(r.find(from), from.size(), "\"sourceIPAddress\":\"" + source + "\"");
  return r;
}

std::string envelope(const std::vector<std::string>& records) {
  std::string s = R"({"Records":[)";
  for (size_t i = 0; i < records.size(); ++i) s += (i ? "," : "") + records[i];
  return s + "]}";
}

const char* kRule = R"(title: Call from Great Britain
id: 66666666-6666-4666-8666-666666666666
name: test.from_gb
level: low
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    tw.ip.country: GB
    tw.ip.asn: 20712
  condition: sel
trailwarden:
  details: [tw.ip.city, tw.ip.as_org]
---
title: Call from a Tor exit
id: 77777777-7777-4777-8777-777777777777
name: test.tor
level: high
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    tw.ip.tor_exit: 'true'
  condition: sel
trailwarden:
  data: ["E:tor_exit"]
)";

class IngestEnrichment : public ::testing::Test {
 protected:
  void SetUp() override {
    geo_ = dir_.str() + "/city.mmdb";
    ASSERT_TRUE(write_mmdb(
        geo_,
        {MmdbNetwork{detect::parse_ip("81.2.69.0").value(), 24,
                     maxmind_city_record("GB", "London", 51.5142, -0.0931, 10, 20712, "AAISP")},
         MmdbNetwork{detect::parse_ip("2a02:8010::").value(), 32,
                     maxmind_city_record("DE", "Berlin", 52.52, 13.405, 50, 3303, "O'Reilly")}},
        MmdbMetadata{}));
    dir_.write("lists/tor_exit.txt", "185.220.101.4\n");
    dir_.write("lists/trusted_cidrs.txt", "10.0.0.0/8 vpn\n");
    detect::DetectionConfig config;
    config.builtin = false;
    config.builtin_dir = TRAILWARDEN_SOURCE_DIR "/rules";
    config.rule_paths = {dir_.write("rules.yml", kRule)};
    config.geoip = {geo_};
    config.lists_dir = dir_.str() + "/lists";
    std::vector<detect::Diagnostic> diags;
    auto c = detect::DetectionContent::load(config, diags);
    ASSERT_TRUE(c) << c.error().to_string();
    for (const auto& d : diags) ASSERT_NE(d.level, detect::Diagnostic::Level::kError) << d.message;
    content_ = *c;

    store::DuckDbOptions o;
    o.dir = dir_.str() + "/ws";
    o.mode = store::OpenMode::kReadWrite;
    o.clock = &kClock;
    auto w = store::DuckDbWorkspace::open(o);
    ASSERT_TRUE(w) << w.error().to_string();
    ws_ = std::move(*w);
  }

  pipeline::IngestSummary ingest(const std::string& name, const std::vector<std::string>& recs) {
    pipeline::IngestOptions o;
    o.paths = {dir_.write("in/" + name, envelope(recs))};
    o.detection = content_;
    o.batch_rows = 3;  // several batches: a source recurs across them
    auto s = pipeline::run_ingest(*ws_, o, kClock);
    EXPECT_TRUE(s) << (s ? "" : s.error().to_string());
    return s ? *s : pipeline::IngestSummary{};
  }

  std::vector<std::vector<std::string>> rows(const std::string& sql) {
    auto r = ws_->query(sql);
    EXPECT_TRUE(r) << (r ? "" : r.error().to_string()) << sql;
    std::vector<std::vector<std::string>> out;
    if (!r) return out;
    for (const auto& row : r->rows) {
      std::vector<std::string> cells;
      for (const auto& c : row) cells.push_back(c ? *c : "NULL");
      out.push_back(std::move(cells));
    }
    return out;
  }

  TempDir dir_;
  std::string geo_;
  std::shared_ptr<const detect::DetectionContent> content_;
  std::unique_ptr<store::DuckDbWorkspace> ws_;
};

TEST_F(IngestEnrichment, DistinctSourcesUpsertedAndJoinedIntoTheView) {
  ASSERT_TRUE(content_->enricher());
  EXPECT_TRUE(content_->has_list("tor_exit"));
  EXPECT_TRUE(content_->has_list("trusted_cidrs"));
  auto s = ingest("a.json", {record("e1", "2024-01-15T10:00:00Z", "81.2.69.160"),
                             record("e2", "2024-01-15T09:00:00Z", "81.2.69.160"),
                             record("e3", "2024-01-15T11:00:00Z", "185.220.101.4"),
                             record("e4", "2024-01-15T11:30:00Z", "ec2.amazonaws.com"),
                             record("e5", "2024-01-15T12:00:00Z", "10.1.2.3"),
                             record("e6", "2024-01-15T12:30:00Z", "2a02:8010::9"),
                             record("e7", "2024-01-15T13:00:00Z", "81.2.69.160")});
  EXPECT_EQ(s.stored, 7u);
  auto t = rows(
      "SELECT Source, Kind, Country, City, Latitude, AccuracyKm, Asn, AsOrg, Lists, "
      "strftime(FirstSeen, '%H:%M'), strftime(LastSeen, '%H:%M') FROM IpEnrichment ORDER BY "
      "Source");
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t[0], (std::vector<std::string>{"10.1.2.3", "private", "", "", "NULL", "0", "0", "",
                                            "trusted", "12:00", "12:00"}));
  EXPECT_EQ(t[1], (std::vector<std::string>{"185.220.101.4", "public", "", "", "NULL", "0", "0", "",
                                            "tor_exit", "11:00", "11:00"}));
  EXPECT_EQ(t[2], (std::vector<std::string>{"2a02:8010::9", "public", "DE", "Berlin", "52.52", "50",
                                            "3303", "O'Reilly", "", "12:30", "12:30"}));
  // Seen in three batches (batch_rows 3): first and last seen span them.
  EXPECT_EQ(t[3], (std::vector<std::string>{"81.2.69.160", "public", "GB", "London", "51.5142",
                                            "10", "20712", "AAISP", "", "09:00", "13:00"}));
  EXPECT_EQ(t[4], (std::vector<std::string>{"ec2.amazonaws.com", "service", "", "", "NULL", "0",
                                            "0", "", "", "11:30", "11:30"}));

  auto v = rows(
      "SELECT AwsEventId, SourceIpKind, SourceCountry, SourceCity, SourceLatitude, "
      "SourceLongitude, SourceAsn, SourceAsOrg, SourceIpLists FROM AWSCloudTrailEnriched ORDER BY "
      "AwsEventId");
  ASSERT_EQ(v.size(), 7u);
  EXPECT_EQ(v[0], (std::vector<std::string>{"e1", "public", "GB", "London", "51.5142", "-0.0931",
                                            "20712", "AAISP", ""}));
  EXPECT_EQ(v[2][1], "public");
  EXPECT_EQ(v[2][8], "tor_exit");
  EXPECT_EQ(v[3][1], "service");

  // Rules read the new tw.ip members: three GB calls (no suppression: three alerts), one Tor
  // call, nothing for the Berlin address.
  EXPECT_EQ(rows("SELECT string_agg(EventIds::VARCHAR, ' ' ORDER BY FirstEventTime) FROM Alerts "
                 "WHERE RuleId = 'test.from_gb'")[0][0],
            "[\"e2\"] [\"e1\"] [\"e7\"]");
  EXPECT_EQ(rows("SELECT EventIds::VARCHAR FROM Alerts WHERE RuleId = 'test.tor'")[0][0],
            "[\"e3\"]");
  auto details = rows("SELECT Details FROM Alerts WHERE RuleId = 'test.from_gb'")[0][0];
  EXPECT_NE(details.find("London"), std::string::npos) << details;

  // A later ingest widens the span and keeps one row per source.
  ingest("b.json", {record("e8", "2024-01-14T08:00:00Z", "81.2.69.160"),
                    record("e9", "2024-01-16T08:00:00Z", "81.2.69.161")});
  auto again = rows(
      "SELECT strftime(FirstSeen, '%d %H:%M'), strftime(LastSeen, '%d %H:%M') FROM IpEnrichment "
      "WHERE Source = '81.2.69.160'");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0], (std::vector<std::string>{"14 08:00", "15 13:00"}));
  EXPECT_EQ(rows("SELECT count(*) FROM IpEnrichment")[0][0], "6");
}

}  // namespace
}  // namespace trailwarden::enrich
