// Writes MaxMind DB files (format 2.0): the simulator's geo-IP database and test fixtures.
// Not a general-purpose writer: records are maps of strings, doubles, uint32s, booleans and
// nested maps; networks must not overlap.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/result.h"
#include "detect/derived/ip.h"

namespace trailwarden::enrich {

struct MmdbValue;
using MmdbMap = std::map<std::string, MmdbValue>;
struct MmdbValue {
  std::variant<std::string, double, uint32_t, bool, std::shared_ptr<MmdbMap>> v;
};

struct MmdbNetwork {
  detect::IpAddress base;  // IPv4 networks are stored in the IPv4-mapped ::a.b.c.d/96+ subtree
  int prefix_bits = 0;     // of the address's own version (e.g. 24 for a.b.c.0/24)
  MmdbMap record;
};

struct MmdbMetadata {
  std::string database_type = "trailwarden-sim-City";
  std::string description = "trailwarden simulated geo-IP";
  int ip_version = 6;        // 6 holds IPv4 and IPv6 networks
  uint64_t build_epoch = 0;  // seconds; 0 is written as 1 (libmaxminddb refuses files with 0)
};

// Writes `networks` to `path` (a temp file renamed into place). Errors name the path.
Status write_mmdb(const std::string& path, const std::vector<MmdbNetwork>& networks,
                  const MmdbMetadata& meta);

// Helpers for records in MaxMind's nested City layout.
MmdbMap maxmind_city_record(const std::string& country, const std::string& city, double latitude,
                            double longitude, uint32_t accuracy_km, uint32_t asn,
                            const std::string& as_org);

}  // namespace trailwarden::enrich
