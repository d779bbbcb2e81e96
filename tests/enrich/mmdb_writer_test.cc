// The MMDB writer, checked by reading its files back with libmaxminddb and with mmdblookup.
#include "enrich/mmdb_writer.h"

#include <gtest/gtest.h>
#include <maxminddb.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <set>

#include "test_util.h"

namespace trailwarden::enrich {
namespace {

using testing::TempDir;

detect::IpAddress ip(const char* text) {
  auto a = detect::parse_ip(text);
  EXPECT_TRUE(a) << text;
  return a.value_or(detect::IpAddress{});
}

class Db {
 public:
  explicit Db(const std::string& path) {
    ok_ = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &db_) == MMDB_SUCCESS;
  }
  ~Db() {
    if (ok_) MMDB_close(&db_);
  }
  bool ok() const { return ok_; }
  MMDB_s& db() { return db_; }

  // Looks an address up; found is false when the tree has no record for it.
  MMDB_lookup_result_s lookup(const char* address) {
    int gai = 0, err = 0;
    MMDB_lookup_result_s r = MMDB_lookup_string(&db_, address, &gai, &err);
    EXPECT_EQ(gai, 0) << address;
    EXPECT_EQ(err, MMDB_SUCCESS) << address;
    return r;
  }
  std::string str(MMDB_lookup_result_s& r, std::initializer_list<const char*> path) {
    MMDB_entry_data_s d;
    if (!get(r, path, d) || d.type != MMDB_DATA_TYPE_UTF8_STRING) return "<none>";
    return std::string(d.utf8_string, d.data_size);
  }
  double dbl(MMDB_lookup_result_s& r, std::initializer_list<const char*> path) {
    MMDB_entry_data_s d;
    if (!get(r, path, d) || d.type != MMDB_DATA_TYPE_DOUBLE) return -999;
    return d.double_value;
  }
  int64_t u32(MMDB_lookup_result_s& r, std::initializer_list<const char*> path) {
    MMDB_entry_data_s d;
    if (!get(r, path, d) || d.type != MMDB_DATA_TYPE_UINT32) return -1;
    return d.uint32;
  }
  int boolean(MMDB_lookup_result_s& r, std::initializer_list<const char*> path) {
    MMDB_entry_data_s d;
    if (!get(r, path, d) || d.type != MMDB_DATA_TYPE_BOOLEAN) return -1;
    return d.boolean ? 1 : 0;
  }

 private:
  bool get(MMDB_lookup_result_s& r, std::initializer_list<const char*> path, MMDB_entry_data_s& d) {
    std::vector<const char*> p(path);
    p.push_back(nullptr);
    return MMDB_aget_value(&r.entry, &d, p.data()) == MMDB_SUCCESS && d.has_data;
  }
  MMDB_s db_{};
  bool ok_ = false;
};

MmdbNetwork net(const char* base, int bits, MmdbMap record) {
  return MmdbNetwork{ip(base), bits, std::move(record)};
}

// Runs a shell command and returns its standard output.
std::string run(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

TEST(MmdbWriter, NestedCityRecordsReadBackWithLibmaxminddb) {
  TempDir dir;
  const std::string path = dir.str() + "/city.mmdb";
  std::vector<MmdbNetwork> nets = {
      net("81.2.69.0", 24,
          maxmind_city_record("GB", "London", 51.5142, -0.0931, 10, 20712, "Andrews & Arnold")),
      net("2a02:8010::", 32,
          maxmind_city_record("DE", "Zürich \"HQ\"", 47.3769, 8.5417, 5, 3303, "Swisscom")),
      net("1.128.0.0", 11, maxmind_city_record("AU", "", -33.494, 143.2104, 1000, 1221, "")),
  };
  MmdbMetadata meta;
  meta.build_epoch = 1700000000;  // the other tests leave it 0, written as 1 (see the header)
  ASSERT_TRUE(write_mmdb(path, nets, meta));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

  Db db(path);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(db.db().metadata.ip_version, 6);
  EXPECT_EQ(db.db().metadata.binary_format_major_version, 2);
  EXPECT_EQ(db.db().metadata.build_epoch, 1700000000u);
  EXPECT_STREQ(db.db().metadata.database_type, "trailwarden-sim-City");
  EXPECT_EQ(db.db().metadata.record_size, 24);
  ASSERT_EQ(db.db().metadata.languages.count, 1u);
  EXPECT_STREQ(db.db().metadata.languages.names[0], "en");
  ASSERT_EQ(db.db().metadata.description.count, 1u);
  EXPECT_STREQ(db.db().metadata.description.descriptions[0]->description,
               "trailwarden simulated geo-IP");

  auto r = db.lookup("81.2.69.160");
  ASSERT_TRUE(r.found_entry);
  EXPECT_EQ(r.netmask, 96 + 24);
  EXPECT_EQ(db.str(r, {"country", "iso_code"}), "GB");
  EXPECT_EQ(db.str(r, {"city", "names", "en"}), "London");
  EXPECT_DOUBLE_EQ(db.dbl(r, {"location", "latitude"}), 51.5142);
  EXPECT_DOUBLE_EQ(db.dbl(r, {"location", "longitude"}), -0.0931);
  EXPECT_EQ(db.u32(r, {"location", "accuracy_radius"}), 10);
  EXPECT_EQ(db.u32(r, {"autonomous_system_number"}), 20712);
  EXPECT_EQ(db.str(r, {"autonomous_system_organization"}), "Andrews & Arnold");

  r = db.lookup("2a02:8010:1234::1");
  ASSERT_TRUE(r.found_entry);
  EXPECT_EQ(r.netmask, 32);
  EXPECT_EQ(db.str(r, {"city", "names", "en"}), "Zürich \"HQ\"");
  EXPECT_EQ(db.u32(r, {"autonomous_system_number"}), 3303);

  r = db.lookup("1.159.255.255");  // last address of 1.128.0.0/11
  ASSERT_TRUE(r.found_entry);
  EXPECT_EQ(db.str(r, {"country", "iso_code"}), "AU");
  EXPECT_EQ(db.str(r, {"city", "names", "en"}), "<none>");
  EXPECT_EQ(db.str(r, {"autonomous_system_organization"}), "<none>");

  // IPv4-mapped IPv6 text reaches the IPv4 subtree.
  r = db.lookup("::ffff:81.2.69.1");
  ASSERT_TRUE(r.found_entry);
  EXPECT_EQ(db.str(r, {"city", "names", "en"}), "London");

  for (const char* outside : {"81.2.70.1", "1.160.0.0", "8.8.8.8", "2a02:8011::1", "::1"}) {
    EXPECT_FALSE(db.lookup(outside).found_entry) << outside;
  }
}

TEST(MmdbWriter, FlatIpv4OnlyLayoutWithBooleans) {
  TempDir dir;
  const std::string path = dir.str() + "/flat.mmdb";
  MmdbMap rec{{"country_code", MmdbValue{std::string("FR")}},
              {"city", MmdbValue{std::string("Paris")}},
              {"latitude", MmdbValue{48.8534}},
              {"longitude", MmdbValue{2.3488}},
              {"is_anonymous_vpn", MmdbValue{true}},
              {"is_hosting", MmdbValue{false}},
              {"zero", MmdbValue{uint32_t{0}}},
              {"big", MmdbValue{uint32_t{4000000000u}}}};
  MmdbMetadata meta;
  meta.ip_version = 4;
  meta.database_type = "flat-City";
  ASSERT_TRUE(write_mmdb(path, {net("5.39.0.0", 17, rec)}, meta));
  Db db(path);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(db.db().metadata.ip_version, 4);
  auto r = db.lookup("5.39.127.254");
  ASSERT_TRUE(r.found_entry);
  EXPECT_EQ(r.netmask, 17);
  EXPECT_EQ(db.str(r, {"country_code"}), "FR");
  EXPECT_EQ(db.str(r, {"city"}), "Paris");
  EXPECT_DOUBLE_EQ(db.dbl(r, {"latitude"}), 48.8534);
  EXPECT_EQ(db.boolean(r, {"is_anonymous_vpn"}), 1);
  EXPECT_EQ(db.boolean(r, {"is_hosting"}), 0);
  EXPECT_EQ(db.u32(r, {"zero"}), 0);
  EXPECT_EQ(db.u32(r, {"big"}), 4000000000);
  EXPECT_FALSE(db.lookup("5.39.128.0").found_entry);

  // An IPv6 network cannot go into an IPv4 database.
  auto st = write_mmdb(path, {net("2001:67c::", 32, rec)}, meta);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
}

TEST(MmdbWriter, RejectsOverlapsAndBadPrefixes) {
  TempDir dir;
  const std::string path = dir.str() + "/bad.mmdb";
  MmdbMap rec = maxmind_city_record("US", "Ashburn", 39.0, -77.5, 20, 14618, "AMAZON-AES");
  MmdbMetadata meta;
  for (auto nets : std::vector<std::vector<MmdbNetwork>>{
           {net("10.0.0.0", 8, rec), net("10.1.0.0", 16, rec)},  // wider first
           {net("10.1.0.0", 16, rec), net("10.0.0.0", 8, rec)},  // narrower first
           {net("10.1.0.0", 16, rec), net("10.1.0.0", 16, rec)},
           {net("10.0.0.0", 33, rec)},
           {net("2001::", 129, rec)},
           {net("0.0.0.0", -1, rec)},
       }) {
    auto st = write_mmdb(path, nets, meta);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(st.error().context.find(path), std::string::npos) << st.error().to_string();
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  auto st = write_mmdb(dir.str() + "/no/such/dir/x.mmdb", {net("10.0.0.0", 8, rec)}, meta);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kIo);
}

TEST(MmdbWriter, ManyRandomNetworksEachFoundWithItsOwnRecord) {
  TempDir dir;
  const std::string path = dir.str() + "/many.mmdb";
  std::mt19937 rng(7);
  std::vector<MmdbNetwork> nets;
  std::set<uint32_t> v4_blocks;  // /24 blocks used
  std::set<uint64_t> v6_blocks;  // /48 blocks used
  while (nets.size() < 3000) {
    uint32_t asn = static_cast<uint32_t>(nets.size() % 150 + 1);  // 150 distinct records
    MmdbMap rec = maxmind_city_record("NL", "City" + std::to_string(asn), asn * 0.1, -asn * 0.2,
                                      asn, asn, "Org " + std::to_string(asn));
    if (nets.size() % 3 == 0) {
      uint64_t block = (uint64_t{0x2a00} << 32) | (rng() & 0xffffffffu);
      if (!v6_blocks.insert(block).second) continue;
      MmdbNetwork n;
      n.base.version = 6;
      for (int i = 0; i < 6; ++i)
        n.base.bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(block >> (40 - 8 * i));
      n.prefix_bits = 48;
      n.record = std::move(rec);
      nets.push_back(std::move(n));
    } else {
      const uint32_t block = (rng() & 0x00ffff00) | (uint32_t{20} << 24);  // 20.x.y.0/24
      if (!v4_blocks.insert(block).second) continue;
      MmdbNetwork n;
      n.base.version = 4;
      n.base.bytes = {static_cast<uint8_t>(block >> 24), static_cast<uint8_t>(block >> 16),
                      static_cast<uint8_t>(block >> 8), 0};
      n.prefix_bits = 24;
      n.record = std::move(rec);
      nets.push_back(std::move(n));
    }
  }
  auto written = write_mmdb(path, nets, MmdbMetadata{});
  ASSERT_TRUE(written) << written.error().to_string();
  // 150 distinct records are stored once each: far smaller than 3000 copies.
  EXPECT_LT(std::filesystem::file_size(path), 3000u * 100 + 150u * 200 + 3000u * 40 * 6);

  Db db(path);
  ASSERT_TRUE(db.ok());
  for (size_t i = 0; i < nets.size(); ++i) {
    const MmdbNetwork& n = nets[i];
    char text[64];
    if (n.base.version == 4) {
      std::snprintf(text, sizeof text, "%u.%u.%u.%u", n.base.bytes[0], n.base.bytes[1],
                    n.base.bytes[2], static_cast<unsigned>(i % 256));
    } else {
      std::snprintf(text, sizeof text, "%02x%02x:%02x%02x:%02x%02x:abcd::%zx", n.base.bytes[0],
                    n.base.bytes[1], n.base.bytes[2], n.base.bytes[3], n.base.bytes[4],
                    n.base.bytes[5], i);
    }
    auto r = db.lookup(text);
    ASSERT_TRUE(r.found_entry) << text;
    uint32_t asn = static_cast<uint32_t>(i % 150 + 1);
    EXPECT_EQ(db.u32(r, {"autonomous_system_number"}), asn) << text;
    EXPECT_EQ(db.str(r, {"city", "names", "en"}), "City" + std::to_string(asn)) << text;
  }
  EXPECT_FALSE(db.lookup("21.0.0.1").found_entry);
  EXPECT_FALSE(db.lookup("2a01::1").found_entry);
}

// Pointers above 2^24 need 28-bit records (the nibble-split layout); a 16.7 MB string also
// exercises the longest size encoding.
TEST(MmdbWriter, LargeDataSectionUses28BitRecords) {
  TempDir dir;
  const std::string path = dir.str() + "/big.mmdb";
  const std::string huge((1u << 24) + 1000, 'x');
  std::vector<MmdbNetwork> nets = {
      net("9.0.0.0", 8, MmdbMap{{"blob", MmdbValue{huge}}}),
      net("11.0.0.0", 8, maxmind_city_record("US", "Far", 1.5, 2.5, 3, 4, "Beyond")),
      net("2600::", 16, maxmind_city_record("US", "Far6", 1.5, 2.5, 3, 4, "Beyond")),
  };
  ASSERT_TRUE(write_mmdb(path, nets, MmdbMetadata{}));
  Db db(path);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(db.db().metadata.record_size, 28);
  auto r = db.lookup("9.9.9.9");
  ASSERT_TRUE(r.found_entry);
  EXPECT_EQ(db.str(r, {"blob"}).size(), huge.size());
  r = db.lookup("11.1.2.3");
  ASSERT_TRUE(r.found_entry);
  EXPECT_EQ(db.str(r, {"city", "names", "en"}), "Far");
  r = db.lookup("2600:1::1");
  ASSERT_TRUE(r.found_entry);
  EXPECT_EQ(db.str(r, {"city", "names", "en"}), "Far6");
  EXPECT_FALSE(db.lookup("10.0.0.1").found_entry);
}

TEST(MmdbWriter, MmdblookupReadsTheFile) {
  if (run("command -v mmdblookup").empty()) GTEST_SKIP() << "mmdblookup (mmdb-bin) not installed";
  TempDir dir;
  const std::string path = dir.str() + "/city.mmdb";
  ASSERT_TRUE(
      write_mmdb(path,
                 {net("81.2.69.0", 24,
                      maxmind_city_record("GB", "London", 51.5142, -0.0931, 10, 20712, "AAISP")),
                  net("2001:67c:2e8::", 48,
                      maxmind_city_record("NL", "Amsterdam", 52.37, 4.89, 20, 3333, "RIPE"))},
                 MmdbMetadata{}));
  int status = -1;
  std::string out = run("mmdblookup --file '" + path + "' --ip 81.2.69.160 city names en", &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("\"London\""), std::string::npos) << out;
  out = run("mmdblookup --file '" + path + "' --ip 81.2.69.160", &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("20712"), std::string::npos) << out;
  EXPECT_NE(out.find("51.514200"), std::string::npos) << out;
  out = run("mmdblookup --file '" + path + "' --ip 2001:67c:2e8:22::c100:68b country iso_code",
            &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("\"NL\""), std::string::npos) << out;
  out = run("mmdblookup --file '" + path + "' --ip 8.8.8.8 2>&1", &status);
  EXPECT_NE(out.find("Could not find an entry"), std::string::npos) << out;
  out = run("mmdblookup --file '" + path + "' --verbose --ip 81.2.69.1", &status);
  EXPECT_NE(out.find("24 bits"), std::string::npos) << out;
}

}  // namespace
}  // namespace trailwarden::enrich
