// The simulated internet: real cities (coordinates, UTC offsets) and the networks the
// simulated organisation and its attackers use — residential and mobile ISPs, offices, the
// corporate VPN, AWS and CI-runner ranges, hosting, Tor exits, anonymising VPNs and
// threat-intel addresses — each with its ASN and owner. The same table becomes the simulator's
// geo-IP database (sim-city.mmdb) and its lists, so every address an event carries is known.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "detect/derived/ip.h"
#include "sim/rng.h"

namespace trailwarden::sim {

struct City {
  std::string name;
  std::string country;  // ISO 3166-1 alpha-2
  double latitude = 0;
  double longitude = 0;
  int utc_offset_min = 0;  // standard time; the simulator ignores daylight saving
};

enum class NetKind : uint8_t {
  kResidential,  // home broadband, per city and ISP
  kMobile,       // carrier NAT: country-level location, coarse radius
  kOffice,       // an office's egress (trusted)
  kVpn,          // the corporate VPN's egress (trusted)
  kAws,          // AWS public ranges (in aws_ip_ranges.json)
  kCiRunner,     // CI runners (a public cloud that is not AWS)
  kHosting,      // VPS and hosting providers (not listed)
  kTor,          // Tor exits (tor_exit.txt)
  kAnonymizer,   // commercial anonymising VPN (anonymizer.txt)
  kThreat,       // threat-intel indicators (threat_intel.csv)
};

struct NetBlock {
  detect::IpAddress base;
  int prefix = 24;
  NetKind kind = NetKind::kResidential;
  int city = -1;  // index in World::cities(); -1: country-level entry
  std::string country;
  double latitude = 0;
  double longitude = 0;
  uint32_t accuracy_km = 0;
  uint32_t asn = 0;
  std::string as_org;
  std::string label;   // trusted label, threat category, AWS region, ...
  int confidence = 0;  // threat intel
};

class World {
 public:
  World();
  const std::vector<City>& cities() const { return cities_; }
  const std::vector<NetBlock>& blocks() const { return blocks_; }
  int city(const std::string& name) const;  // index; -1 when unknown
  // Blocks of a kind, optionally restricted to a city or a country.
  std::vector<int> blocks_of(NetKind kind, int city = -1, const std::string& country = {}) const;
  // A host address inside the block (never the network or broadcast address).
  std::string address(int block, Rng& rng) const;
  std::string address(int block, uint64_t host) const;  // deterministic host number
  // Great-circle distance in km.
  static double distance_km(const City& a, const City& b);

 private:
  void add(NetBlock b);
  std::vector<City> cities_;
  std::vector<NetBlock> blocks_;
};

std::string format_ip(const detect::IpAddress& ip);

}  // namespace trailwarden::sim
