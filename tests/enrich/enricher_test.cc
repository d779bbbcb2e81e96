// The Enricher: classification, geo-IP from files our MMDB writer makes (nested and flat
// layouts, several files), lists and their reload, terminated users, the per-thread cache and
// the tw.ip members.
#include "enrich/enricher.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "enrich/mmdb_writer.h"
#include "enrich/prefix_trie.h"
#include "test_util.h"

namespace trailwarden::enrich {
namespace {

using testing::TempDir;

detect::IpAddress ip(const char* text) { return detect::parse_ip(text).value(); }

MmdbNetwork net(const char* base, int bits, MmdbMap record) {
  return MmdbNetwork{ip(base), bits, std::move(record)};
}

// A nested City file (IPv4 + IPv6), an ASN-only file and a flat IPv4-only file.
struct GeoFiles {
  std::string city, asn, flat;
  explicit GeoFiles(const TempDir& dir) {
    city = dir.str() + "/city.mmdb";
    asn = dir.str() + "/asn.mmdb";
    flat = dir.str() + "/flat.mmdb";
    MmdbMap london = maxmind_city_record("GB", "London", 51.5142, -0.0931, 10, 0, "");
    MmdbMap country_only = maxmind_city_record("AU", "", -33.494, 143.2104, 1000, 0, "");
    MmdbMap anon = maxmind_city_record("NL", "Amsterdam", 52.37, 4.89, 20, 0, "");
    anon["traits"] =
        MmdbValue{std::make_shared<MmdbMap>(MmdbMap{{"is_anonymous_vpn", MmdbValue{true}}})};
    EXPECT_TRUE(write_mmdb(
        city,
        {net("81.2.69.0", 24, london), net("1.128.0.0", 11, country_only),
         net("185.220.0.0", 16, anon),
         net("2a02:8010::", 32, maxmind_city_record("DE", "Berlin", 52.52, 13.405, 50, 0, ""))},
        MmdbMetadata{}));
    EXPECT_TRUE(write_mmdb(
        asn,
        {net("81.2.0.0", 16,
             MmdbMap{
                 {"autonomous_system_number", MmdbValue{uint32_t{20712}}},
                 {"autonomous_system_organization", MmdbValue{std::string("Andrews & Arnold")}}}),
         net("2a02:8010::", 29, MmdbMap{{"autonomous_system_number", MmdbValue{uint32_t{3303}}}})},
        MmdbMetadata{}));
    MmdbMetadata v4;
    v4.ip_version = 4;
    EXPECT_TRUE(write_mmdb(flat,
                           {net("5.39.0.0", 17,
                                MmdbMap{{"country_code", MmdbValue{std::string("FR")}},
                                        {"city", MmdbValue{std::string("Paris")}},
                                        {"latitude", MmdbValue{48.8534}},
                                        {"longitude", MmdbValue{2.3488}}}),
                            net("81.2.69.0", 24,
                                MmdbMap{{"country_code", MmdbValue{std::string("XX")}},
                                        {"city", MmdbValue{std::string("Elsewhere")}}})},
                           v4));
  }
};

std::shared_ptr<Enricher> open_or_die(const EnrichmentConfig& c,
                                      std::vector<std::string>* warnings = nullptr) {
  std::vector<std::string> local;
  auto e = Enricher::open(c, warnings ? *warnings : local);
  EXPECT_TRUE(e) << (e ? "" : e.error().to_string());
  return e ? *e : nullptr;
}

IpInfo look(const Enricher& e, std::string_view source) {
  IpInfo info;
  e.lookup(source, info);
  return info;
}

TEST(Enricher, ClassifiesSourceValues) {
  EnrichmentConfig c;
  c.no_geoip = true;
  auto e = open_or_die(c);
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->has_geoip());
  EXPECT_EQ(look(*e, "").kind, SourceKind::kEmpty);
  EXPECT_EQ(look(*e, "ec2.amazonaws.com").kind, SourceKind::kService);
  EXPECT_EQ(look(*e, "AWS Internal").kind, SourceKind::kService);
  EXPECT_EQ(look(*e, "ssm.cn-north-1.amazonaws.com.cn").kind, SourceKind::kService);
  EXPECT_EQ(look(*e, "xxx.xxx.xxx.xxx").kind, SourceKind::kInvalid);
  EXPECT_EQ(look(*e, "evil.example.com").kind, SourceKind::kInvalid);
  EXPECT_EQ(look(*e, "EC2.amazonaws.com\n").kind, SourceKind::kInvalid);
  EXPECT_EQ(look(*e, ".amazonaws.com").kind, SourceKind::kInvalid);
  EXPECT_EQ(look(*e, "10.1.2.3").kind, SourceKind::kPrivate);
  EXPECT_EQ(look(*e, "::ffff:10.0.0.1").kind, SourceKind::kPrivate);
  EXPECT_EQ(look(*e, "fe80::1").kind, SourceKind::kPrivate);
  IpInfo pub = look(*e, "81.2.69.160");
  EXPECT_EQ(pub.kind, SourceKind::kPublic);
  EXPECT_EQ(pub.address.version, 4);
  EXPECT_FALSE(pub.located);
  EXPECT_EQ(source_kind_name(SourceKind::kService), "service");
  EXPECT_EQ(source_kind_name(SourceKind::kInvalid), "invalid");
}

TEST(Enricher, GeoIpFromNestedAndAsnFilesFirstAnswerWins) {
  TempDir dir;
  GeoFiles files(dir);
  EnrichmentConfig c;
  c.geoip = {files.city, files.asn, files.flat};
  auto e = open_or_die(c);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->has_geoip());

  IpInfo a = look(*e, "81.2.69.160");
  EXPECT_TRUE(a.located);
  EXPECT_EQ(a.country, "GB");  // the flat file's XX/Elsewhere come later and lose
  EXPECT_EQ(a.city, "London");
  EXPECT_DOUBLE_EQ(a.latitude, 51.5142);
  EXPECT_DOUBLE_EQ(a.longitude, -0.0931);
  EXPECT_EQ(a.accuracy_km, 10);
  EXPECT_FALSE(a.coarse);
  EXPECT_EQ(a.asn, 20712u);  // from the ASN file
  EXPECT_EQ(a.as_org, "Andrews & Arnold");
  EXPECT_FALSE(a.db_anonymous);

  IpInfo au = look(*e, "1.130.0.1");
  EXPECT_TRUE(au.located);
  EXPECT_EQ(au.country, "AU");
  EXPECT_TRUE(au.city.empty());
  EXPECT_TRUE(au.coarse);  // radius 1000 km

  IpInfo v6 = look(*e, "2a02:8010:1::5");
  EXPECT_EQ(v6.country, "DE");
  EXPECT_EQ(v6.city, "Berlin");
  EXPECT_EQ(v6.asn, 3303u);
  EXPECT_TRUE(v6.as_org.empty());

  IpInfo anon = look(*e, "185.220.101.4");
  EXPECT_TRUE(anon.db_anonymous);

  IpInfo fr = look(*e, "5.39.1.2");  // only in the flat IPv4-only file
  EXPECT_TRUE(fr.located);
  EXPECT_EQ(fr.country, "FR");
  EXPECT_EQ(fr.city, "Paris");
  EXPECT_NEAR(fr.latitude, 48.8534, 1e-9);
  EXPECT_EQ(fr.accuracy_km, 0);
  EXPECT_FALSE(fr.coarse);  // a city without a radius

  IpInfo none = look(*e, "8.8.8.8");
  EXPECT_EQ(none.kind, SourceKind::kPublic);
  EXPECT_FALSE(none.located);
  EXPECT_TRUE(none.country.empty());

  // Private addresses are not located even if a database had them.
  EXPECT_FALSE(look(*e, "10.0.0.1").located);
  EXPECT_NE(e->describe().find(files.city), std::string::npos);
}

TEST(Enricher, GeoIpFileProblems) {
  TempDir dir;
  std::vector<std::string> warnings;
  EnrichmentConfig c;
  c.geoip = {dir.str() + "/missing.mmdb"};
  auto e = Enricher::open(c, warnings);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::kNotFound);
  EXPECT_NE(e.error().context.find("missing.mmdb"), std::string::npos);

  std::string junk = dir.write("junk.mmdb", "this is not a MaxMind DB file at all");
  c.geoip = {junk};
  e = Enricher::open(c, warnings);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::kCorrupt);

  c.no_geoip = true;  // --no-geoip: nothing is opened
  e = Enricher::open(c, warnings);
  ASSERT_TRUE(e);
  EXPECT_FALSE((*e)->has_geoip());

  // The default database (here: $TRAILWARDEN_GEOIP) being unreadable is only a warning.
  ::setenv("TRAILWARDEN_GEOIP", (dir.str() + "/gone.mmdb").c_str(), 1);
  EnrichmentConfig d;
  warnings.clear();
  e = Enricher::open(d, warnings);
  ::unsetenv("TRAILWARDEN_GEOIP");
  ASSERT_TRUE(e);
  EXPECT_FALSE((*e)->has_geoip());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("gone.mmdb"), std::string::npos);
}

TEST(Enricher, DefaultPathsFromTheEnvironment) {
  ::setenv("TRAILWARDEN_GEOIP", "/a/x.mmdb::/b/y.mmdb", 1);
  auto paths = default_geoip_paths();
  ::unsetenv("TRAILWARDEN_GEOIP");
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[0], "/a/x.mmdb");
  EXPECT_EQ(paths[1], "/b/y.mmdb");
}

// Writes the list directory every list test uses.
void write_lists(const TempDir& dir) {
  dir.write("tor_exit.txt",
            "# Tor\nExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\n"
            "Published 2024-03-01 09:00:00\nExitAddress 185.220.101.4 2024-03-01 10:00:00\n"
            "LastStatus 2024-03-01 10:00:00\n2001:67c:e60:c0c::/64\n");
  dir.write("anonymizer.csv", "network,provider\n198.51.100.0/24,SomeVPN\n");
  dir.write("threat_intel.csv",
            "indicator,type,confidence,category,source,first_seen,last_seen,valid_until\n"
            "203.0.113.0/24,cidr,60,botnet,feedA,2024-01-01,2024-02-01,\n"
            "203.0.113.9,ip,90,c2,feedB,2024-01-01,2024-02-01,2024-06-30T00:00:00Z\n"
            "evil.example.com,domain,80,phishing,feedA,,,\n");
  dir.write("trusted_cidrs.txt", "# corporate\n192.0.2.0/24 HQ egress\n10.0.0.0/8\n");
  dir.write(
      "aws_ip_ranges.json",
      R"({"syncToken":"1","prefixes":[{"ip_prefix":"3.5.140.0/22","region":"ap-northeast-2","service":"AMAZON"}],)"
      R"("ipv6_prefixes":[{"ipv6_prefix":"2600:1f00::/24","region":"us-east-1","service":"AMAZON"}]})");
  dir.write("terminated_users.csv",
            "identity,terminated_at,note\nBob,2024-03-01T00:00:00Z,left\n"
            "arn:aws:iam::111122223333:user/carol,2024-04-01,\n*@contractor.example,2024-05-01,"
            "all contractors\n");
}

TEST(Enricher, ListsFromADirectory) {
  TempDir dir;
  write_lists(dir);
  EnrichmentConfig c;
  c.no_geoip = true;
  c.lists_dir = dir.str();
  c.inline_lists["ci"] = {"192.0.2.77"};
  auto e = open_or_die(c);
  ASSERT_TRUE(e);
  for (const char* name : {"tor_exit", "anonymizer", "threat_intel", "trusted_cidrs",
                           "aws_ip_ranges", "terminated_users", "ci"}) {
    EXPECT_TRUE(e->has_list(name)) << name;
  }
  EXPECT_FALSE(e->has_list("admin_identities"));
  EXPECT_EQ(e->ip_list_names(),
            (std::vector<std::string>{"anonymizer", "aws_ip_ranges", "ci", "threat_intel",
                                      "tor_exit", "trusted_cidrs"}));

  IpInfo tor = look(*e, "185.220.101.4");
  EXPECT_TRUE(tor.tor_exit);
  EXPECT_FALSE(tor.anonymizer);
  EXPECT_EQ(tor.lists, "tor_exit");
  EXPECT_TRUE(look(*e, "2001:67c:e60:c0c::12").tor_exit);
  EXPECT_FALSE(look(*e, "2001:67c:e60:c0d::12").tor_exit);
  EXPECT_FALSE(look(*e, "185.220.101.5").tor_exit);

  EXPECT_TRUE(look(*e, "198.51.100.200").anonymizer);

  IpInfo ti = look(*e, "203.0.113.9");  // the /32 is more specific than the /24
  EXPECT_TRUE(ti.threat_intel);
  EXPECT_EQ(ti.threat_confidence, 90);
  EXPECT_EQ(ti.threat_category, "c2");
  EXPECT_EQ(ti.threat_indicator, "203.0.113.9");
  EXPECT_GT(ti.threat_valid_until_us, 0);
  IpInfo ti24 = look(*e, "203.0.113.10");
  EXPECT_EQ(ti24.threat_confidence, 60);
  EXPECT_EQ(ti24.threat_indicator, "203.0.113.0/24");

  IpInfo hq = look(*e, "192.0.2.77");
  EXPECT_TRUE(hq.trusted);
  EXPECT_EQ(hq.trusted_label, "HQ egress");
  EXPECT_EQ(hq.lists, "ci,trusted");
  IpInfo ten = look(*e, "10.9.9.9");
  EXPECT_EQ(ten.kind, SourceKind::kPrivate);
  EXPECT_TRUE(ten.trusted);  // lists apply to private addresses too (VPN ranges)

  EXPECT_TRUE(look(*e, "3.5.141.7").aws);
  EXPECT_FALSE(look(*e, "3.5.144.1").aws);
  EXPECT_TRUE(look(*e, "2600:1f18::1").aws);
  EXPECT_EQ(look(*e, "2600:1f18::1").lists, "aws");
  EXPECT_TRUE(look(*e, "ec2.amazonaws.com").lists.empty());

  auto users = e->terminated_users();
  ASSERT_TRUE(users);
  EXPECT_EQ(users->size(), 3u);
  const TerminatedUser* bob = users->match("bob", "", "", "");
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(bob->note, "left");
  EXPECT_EQ(bob->terminated_at_us, 1709251200000000);
  EXPECT_NE(users->match("", "ARN:aws:iam::111122223333:user/Carol", "", ""), nullptr);
  EXPECT_NE(users->match("", "", "dave@contractor.example", ""), nullptr);
  EXPECT_NE(users->match("", "", "", "dave@CONTRACTOR.example"), nullptr);
  EXPECT_EQ(users->match("alice", "arn:aws:iam::111122223333:user/alice", "x", ""), nullptr);
  EXPECT_EQ(users->match("bobby", "", "", ""), nullptr);
}

TEST(Enricher, BadListLinesNameFileAndLine) {
  TempDir dir;
  dir.write("anonymizer.txt", "198.51.100.0/24\n\n300.1.2.3\n");
  EnrichmentConfig c;
  c.no_geoip = true;
  c.lists_dir = dir.str();
  std::vector<std::string> w;
  auto e = Enricher::open(c, w);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("line 3"), std::string::npos) << e.error().to_string();
  EXPECT_NE(e.error().context.find("anonymizer.txt"), std::string::npos);

  for (auto [file, text] : std::vector<std::pair<std::string, std::string>>{
           {"threat_intel.csv", "indicator,type,confidence\n1.2.3.4,ip,150\n"},
           {"terminated_users.csv", "bob,yesterday\n"},
           {"aws_ip_ranges.json", "{\"prefixes\":[{\"ip_prefix\":\"3.5.140.0/33\"}]}"},
           {"aws_ip_ranges.json", "[1,2"},
           {"tor_exit.txt", "1.2.3.4/x\n"}}) {
    TempDir d2;
    d2.write(file, text);
    c.lists_dir = d2.str();
    auto bad = Enricher::open(c, w);
    ASSERT_FALSE(bad) << file << ": " << text;
    EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(bad.error().context.find(file), std::string::npos);
  }
  c.lists_dir = dir.str() + "/nope";
  EXPECT_EQ(Enricher::open(c, w).error().code, ErrorCode::kNotFound);
}

TEST(Enricher, ListsReloadWhenFilesChange) {
  TempDir dir;
  dir.write("tor_exit.txt", "185.220.101.4\n");
  ManualClock clock(1'000'000'000);
  EnrichmentConfig c;
  c.no_geoip = true;
  c.lists_dir = dir.str();
  c.clock = &clock;
  c.reload_check_us = 5'000'000;
  auto e = open_or_die(c);
  ASSERT_TRUE(e);
  Enricher::Cache cache(*e, 64);
  EXPECT_TRUE(cache.get("185.220.101.4").tor_exit);
  EXPECT_FALSE(cache.get("185.220.101.9").tor_exit);
  const uint64_t gen = e->generation();

  dir.write("tor_exit.txt", "185.220.101.9\n185.220.101.10\n");
  e->maybe_reload();  // too soon: not checked
  EXPECT_EQ(e->generation(), gen);
  EXPECT_TRUE(cache.get("185.220.101.4").tor_exit);
  clock.advance(6'000'000);
  e->maybe_reload();
  EXPECT_EQ(e->generation(), gen + 1);
  EXPECT_FALSE(cache.get("185.220.101.4").tor_exit);  // the cache followed the generation
  EXPECT_TRUE(cache.get("185.220.101.9").tor_exit);

  // A file appears: loaded; a broken file keeps the old contents; a removed one is dropped.
  dir.write("anonymizer.txt", "198.51.100.0/24\n");
  clock.advance(6'000'000);
  e->maybe_reload();
  EXPECT_TRUE(e->has_list("anonymizer"));
  EXPECT_TRUE(cache.get("198.51.100.1").anonymizer);
  dir.write("tor_exit.txt", "not an address\n");
  clock.advance(6'000'000);
  const uint64_t before_bad = e->generation();
  e->maybe_reload();
  EXPECT_EQ(e->generation(), before_bad);
  EXPECT_TRUE(cache.get("185.220.101.9").tor_exit);
  std::filesystem::remove(dir.path() / "tor_exit.txt");
  clock.advance(6'000'000);
  e->maybe_reload();
  EXPECT_FALSE(e->has_list("tor_exit"));
  EXPECT_FALSE(cache.get("185.220.101.9").tor_exit);
  EXPECT_TRUE(e->has_list("anonymizer"));

  // Unchanged files: nothing moves.
  clock.advance(6'000'000);
  const uint64_t steady = e->generation();
  e->maybe_reload();
  EXPECT_EQ(e->generation(), steady);
}

TEST(Enricher, ReloadWhileOtherThreadsLookUp) {
  TempDir dir;
  dir.write("tor_exit.txt", "185.220.101.4\n");
  EnrichmentConfig c;
  c.no_geoip = true;
  c.lists_dir = dir.str();
  c.reload_check_us = 0;  // check on every call
  auto e = open_or_die(c);
  ASSERT_TRUE(e);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      Enricher::Cache cache(*e, 16);
      while (!stop.load()) {
        // Either list version has exactly one of the two addresses.
        bool a = cache.get("185.220.101.4").tor_exit;
        IpInfo direct;
        e->lookup("185.220.101.5", direct);
        (void)a;
        if (direct.kind != SourceKind::kPublic) bad.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    dir.write("tor_exit.txt",
              i % 2 ? "185.220.101.4\n" : "185.220.101.5\n# " + std::to_string(i) + "\n");
    e->maybe_reload();
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0u);
  EXPECT_GT(e->generation(), 100u);
}

TEST(Enricher, CacheReturnsTheRightEntryOnCollisions) {
  TempDir dir;
  write_lists(dir);
  EnrichmentConfig c;
  c.no_geoip = true;
  c.lists_dir = dir.str();
  auto e = open_or_die(c);
  ASSERT_TRUE(e);
  Enricher::Cache one_slot(*e, 1);
  for (int round = 0; round < 3; ++round) {
    EXPECT_TRUE(one_slot.get("185.220.101.4").tor_exit);
    EXPECT_TRUE(one_slot.get("198.51.100.7").anonymizer);
    EXPECT_FALSE(one_slot.get("198.51.100.7").tor_exit);
    EXPECT_EQ(one_slot.get("ec2.amazonaws.com").kind, SourceKind::kService);
  }
  EXPECT_EQ(one_slot.hits(), 3u);  // the repeated 198.51.100.7
  EXPECT_EQ(one_slot.misses(), 9u);
  Enricher::Cache big(*e);
  for (int i = 0; i < 100; ++i) big.get("203.0.113.9");
  EXPECT_EQ(big.misses(), 1u);
  EXPECT_EQ(big.hits(), 99u);
}

TEST(Enricher, TwIpMembers) {
  TempDir dir;
  write_lists(dir);
  GeoFiles files(dir);
  EnrichmentConfig c;
  c.geoip = {files.city, files.asn};
  c.lists_dir = dir.str();
  auto e = open_or_die(c);
  ASSERT_TRUE(e);
  auto members = [&](std::string_view source, int64_t event_time = 0) {
    IpInfo info = look(*e, source);
    std::string out = "{\"is_ip\":true";
    e->append_ip_members(info, event_time, out);
    out += '}';
    return out;
  };
  simdjson::dom::parser parser;
  std::string json = members("81.2.69.160");
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(std::string_view(doc["kind"].get_string().value()), "public");
  EXPECT_EQ(std::string_view(doc["country"].get_string().value()), "GB");
  EXPECT_EQ(std::string_view(doc["city"].get_string().value()), "London");
  EXPECT_DOUBLE_EQ(doc["latitude"].get_double().value(), 51.5142);
  EXPECT_EQ(doc["accuracy_km"].get_int64().value(), 10);
  EXPECT_EQ(doc["asn"].get_int64().value(), 20712);
  EXPECT_EQ(std::string_view(doc["as_org"].get_string().value()), "Andrews & Arnold");
  for (const char* flag : {"tor_exit", "anonymizer", "threat_intel", "aws", "trusted"}) {
    EXPECT_FALSE(doc[flag].get_bool().value()) << flag;
  }
  EXPECT_EQ(doc["threat_intel_indicator"].error(), simdjson::NO_SUCH_FIELD);

  json = members("203.0.113.9", 1704067200000000);  // 2024-01-01: before valid_until
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_TRUE(doc["threat_intel"].get_bool().value());
  EXPECT_EQ(std::string_view(doc["threat_intel_indicator"].get_string().value()), "203.0.113.9");
  EXPECT_EQ(doc["threat_confidence"].get_int64().value(), 90);
  EXPECT_EQ(std::string_view(doc["threat_category"].get_string().value()), "c2");
  json = members("203.0.113.9", 1735689600000000);  // 2025-01-01: the indicator expired
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_FALSE(doc["threat_intel"].get_bool().value());
  EXPECT_EQ(doc["threat_intel_indicator"].error(), simdjson::NO_SUCH_FIELD);

  json = members("192.0.2.5");
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(std::string_view(doc["kind"].get_string().value()), "private");
  EXPECT_TRUE(doc["trusted"].get_bool().value());
  EXPECT_EQ(std::string_view(doc["trusted_label"].get_string().value()), "HQ egress");
  EXPECT_EQ(doc["country"].error(), simdjson::NO_SUCH_FIELD);

  json = members("ec2.amazonaws.com");
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(std::string_view(doc["kind"].get_string().value()), "service");
}

TEST(PrefixTrie, LongestMatchAndCidrParsing) {
  PrefixTrie t;
  ASSERT_TRUE(t.insert(ip("10.0.0.0"), 8, 1));
  ASSERT_TRUE(t.insert(ip("10.1.0.0"), 16, 2));
  ASSERT_TRUE(t.insert(ip("10.1.2.3"), 32, 3));
  ASSERT_TRUE(t.insert(ip("2001:db8::"), 32, 4));
  EXPECT_FALSE(t.insert(ip("10.0.0.0"), 33, 5));
  EXPECT_EQ(t.find(ip("10.9.9.9")), 1u);
  EXPECT_EQ(t.find(ip("10.1.9.9")), 2u);
  EXPECT_EQ(t.find(ip("10.1.2.3")), 3u);
  EXPECT_EQ(t.find(ip("11.0.0.0")), std::nullopt);
  EXPECT_EQ(t.find(ip("2001:db8:1::1")), 4u);
  EXPECT_EQ(t.find(ip("2001:db9::1")), std::nullopt);
  EXPECT_EQ(t.size(), 4u);

  auto c = parse_cidr("192.168.77.9/16");
  ASSERT_TRUE(c);
  EXPECT_EQ(ip_text(c->base), "192.168.0.0");  // host bits cleared
  EXPECT_EQ(c->bits, 16);
  c = parse_cidr("::ffff:1.2.3.0/120");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->base.version, 4);
  EXPECT_EQ(c->bits, 24);
  for (const char* bad : {"1.2.3.4/", "1.2.3.4/33", "1.2.3/24", "::/129", "x", ""}) {
    EXPECT_FALSE(parse_cidr(bad)) << bad;
  }
  EXPECT_EQ(ip_text(ip("2001:db8:0:0:0:0:0:1")), "2001:db8::1");
}

}  // namespace
}  // namespace trailwarden::enrich
