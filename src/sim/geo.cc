#include "sim/geo.h"

#include <cmath>
#include <cstdio>

namespace trailwarden::sim {
namespace {

struct CityRow {
  const char* name;
  const char* country;
  double lat, lon;
  int utc_offset_min;
};

// Real coordinates (city centres) and standard-time UTC offsets.
constexpr CityRow kCities[] = {
    // The organisation's countries.
    {"New York", "US", 40.7128, -74.0060, -300},
    {"San Francisco", "US", 37.7749, -122.4194, -480},
    {"Chicago", "US", 41.8781, -87.6298, -360},
    {"Austin", "US", 30.2672, -97.7431, -360},
    {"Seattle", "US", 47.6062, -122.3321, -480},
    {"Boston", "US", 42.3601, -71.0589, -300},
    {"Berlin", "DE", 52.5200, 13.4050, 60},
    {"Munich", "DE", 48.1351, 11.5820, 60},
    {"Hamburg", "DE", 53.5511, 9.9937, 60},
    {"Frankfurt am Main", "DE", 50.1109, 8.6821, 60},
    {"Cologne", "DE", 50.9375, 6.9603, 60},
    {"London", "GB", 51.5074, -0.1278, 0},
    {"Manchester", "GB", 53.4808, -2.2426, 0},
    {"Edinburgh", "GB", 55.9533, -3.1883, 0},
    {"Bristol", "GB", 51.4545, -2.5879, 0},
    // Data centres.
    {"Ashburn", "US", 39.0438, -77.4874, -300},
    {"Columbus", "US", 39.9612, -82.9988, -300},
    {"Boardman", "US", 45.8399, -119.7006, -480},
    {"San Jose", "US", 37.3382, -121.8863, -480},
    {"Des Moines", "US", 41.5868, -93.6250, -360},
    {"Dallas", "US", 32.7767, -96.7970, -360},
    {"Dublin", "IE", 53.3498, -6.2603, 0},
    {"Nuremberg", "DE", 49.4521, 11.0767, 60},
    {"Amsterdam", "NL", 52.3676, 4.9041, 60},
    {"Roubaix", "FR", 50.6942, 3.1746, 60},
    {"Zurich", "CH", 47.3769, 8.5417, 60},
    {"Vienna", "AT", 48.2082, 16.3738, 60},
    {"Stockholm", "SE", 59.3293, 18.0686, 60},
    {"Bucharest", "RO", 44.4268, 26.1025, 120},
    {"Vilnius", "LT", 54.6872, 25.2797, 120},
    {"Singapore", "SG", 1.3521, 103.8198, 480},
    // Where the simulated attackers live.
    {"Sao Paulo", "BR", -23.5505, -46.6333, -180},
    {"Lagos", "NG", 6.5244, 3.3792, 60},
    {"Ho Chi Minh City", "VN", 10.8231, 106.6297, 420},
    {"Moscow", "RU", 55.7558, 37.6173, 180},
    {"Jakarta", "ID", -6.2088, 106.8456, 420},
    {"Seoul", "KR", 37.5665, 126.9780, 540},
    {"Mumbai", "IN", 19.0760, 72.8777, 330},
    {"Kyiv", "UA", 50.4501, 30.5234, 120},
};

struct IspRow {
  const char* country;
  uint32_t asn;
  const char* org;
  uint8_t o1, o2;     // first /24 of the ISP's pool: o1.o2.0.0
  uint16_t v6a, v6b;  // IPv6 /32s start at v6a:v6b (0: IPv4 only)
};

constexpr IspRow kResidentialIsps[] = {
    {"US", 7922, "Comcast Cable Communications, LLC", 73, 0, 0x2601, 0x0040},
    {"US", 7018, "AT&T Services, Inc.", 99, 0, 0x2600, 0x1700},
    {"US", 701, "Verizon Business", 108, 0, 0x2600, 0x4040},
    {"DE", 3320, "Deutsche Telekom AG", 79, 192, 0x2003, 0x00e0},
    {"DE", 3209, "Vodafone GmbH", 88, 64, 0x2a02, 0x8100},
    {"GB", 2856, "British Telecommunications PLC", 86, 128, 0x2a00, 0x23c0},
    {"GB", 5089, "Virgin Media Limited", 82, 0, 0, 0},
    {"BR", 28573, "Claro NXT Telecomunicacoes Ltda", 177, 0, 0, 0},
    {"NG", 29465, "MTN NIGERIA Communication limited", 102, 88, 0, 0},
    {"VN", 7552, "Viettel Group", 116, 96, 0, 0},
    {"RU", 12389, "PJSC Rostelecom", 95, 24, 0, 0},
    {"ID", 7713, "PT Telekomunikasi Indonesia", 36, 64, 0, 0},
    {"KR", 4766, "Korea Telecom", 121, 128, 0, 0},
    {"IN", 55836, "Reliance Jio Infocomm Limited", 49, 32, 0, 0},
    {"UA", 15895, "Kyivstar PJSC", 176, 36, 0, 0},
};

struct FixedRow {
  NetKind kind;
  const char* cidr;  // a.b.c.d/n
  const char* city;  // nullptr: country-level (coarse)
  const char* country;
  uint32_t accuracy_km;
  uint32_t asn;
  const char* org;
  const char* label;
  int confidence;
};

constexpr FixedRow kFixed[] = {
    // Carrier-grade NAT of mobile operators: country-level, coarse.
    {NetKind::kMobile, "172.56.0.0/16", nullptr, "US", 1000, 21928, "T-Mobile USA, Inc.", "", 0},
    {NetKind::kMobile, "89.204.128.0/17", nullptr, "DE", 500, 6805,
     "Telefonica Germany GmbH & Co.OHG", "", 0},
    {NetKind::kMobile, "31.94.0.0/17", nullptr, "GB", 500, 12576, "EE Limited", "", 0},
    // Office egress (trusted_cidrs.txt).
    {NetKind::kOffice, "38.104.12.16/28", "New York", "US", 10, 174, "Cogent Communications",
     "office-new-york", 0},
    {NetKind::kOffice, "38.88.140.32/28", "San Francisco", "US", 10, 174, "Cogent Communications",
     "office-san-francisco", 0},
    {NetKind::kOffice, "80.150.6.0/28", "Berlin", "DE", 10, 3320, "Deutsche Telekom AG",
     "office-berlin", 0},
    {NetKind::kOffice, "194.72.9.64/28", "London", "GB", 10, 2856, "British Telecommunications PLC",
     "office-london", 0},
    // The corporate VPN (a secure web gateway's egress; trusted_cidrs.txt).
    {NetKind::kVpn, "165.225.72.0/24", "Frankfurt am Main", "DE", 20, 53813, "ZSCALER, INC.",
     "corporate-vpn-frankfurt", 0},
    {NetKind::kVpn, "165.225.38.0/24", "New York", "US", 20, 53813, "ZSCALER, INC.",
     "corporate-vpn-new-york", 0},
    // AWS (aws_ip_ranges.json): label = region.
    {NetKind::kAws, "3.80.0.0/12", "Ashburn", "US", 100, 14618, "AMAZON-AES", "us-east-1", 0},
    {NetKind::kAws, "3.128.0.0/15", "Columbus", "US", 100, 16509, "AMAZON-02", "us-east-2", 0},
    {NetKind::kAws, "34.208.0.0/12", "Boardman", "US", 100, 16509, "AMAZON-02", "us-west-2", 0},
    {NetKind::kAws, "34.240.0.0/13", "Dublin", "IE", 100, 16509, "AMAZON-02", "eu-west-1", 0},
    {NetKind::kAws, "18.184.0.0/15", "Frankfurt am Main", "DE", 100, 16509, "AMAZON-02",
     "eu-central-1", 0},
    {NetKind::kAws, "18.130.0.0/16", "London", "GB", 100, 16509, "AMAZON-02", "eu-west-2", 0},
    {NetKind::kAws, "13.212.0.0/15", "Singapore", "SG", 100, 16509, "AMAZON-02", "ap-southeast-1",
     0},
    {NetKind::kAws, "18.228.0.0/16", "Sao Paulo", "BR", 100, 16509, "AMAZON-02", "sa-east-1", 0},
    // CI runners (a public cloud that is not AWS), all in the United States.
    {NetKind::kCiRunner, "20.42.0.0/16", "Ashburn", "US", 200, 8075, "MICROSOFT-CORP-MSN-AS-BLOCK",
     "", 0},
    {NetKind::kCiRunner, "13.64.0.0/16", "San Jose", "US", 200, 8075, "MICROSOFT-CORP-MSN-AS-BLOCK",
     "", 0},
    {NetKind::kCiRunner, "52.176.0.0/16", "Des Moines", "US", 200, 8075,
     "MICROSOFT-CORP-MSN-AS-BLOCK", "", 0},
    // Hosting (on no list).
    {NetKind::kHosting, "159.203.0.0/20", "New York", "US", 20, 14061, "DigitalOcean, LLC", "", 0},
    {NetKind::kHosting, "45.77.0.0/20", "Chicago", "US", 20, 20473, "The Constant Company, LLC", "",
     0},
    {NetKind::kHosting, "88.198.0.0/20", "Nuremberg", "DE", 20, 24940, "Hetzner Online GmbH", "",
     0},
    {NetKind::kHosting, "51.89.0.0/20", "London", "GB", 20, 16276, "OVH SAS", "", 0},
    {NetKind::kHosting, "188.166.0.0/20", "Amsterdam", "NL", 20, 14061, "DigitalOcean, LLC", "", 0},
    {NetKind::kHosting, "92.53.64.0/20", "Moscow", "RU", 20, 49505, "Selectel", "", 0},
    {NetKind::kHosting, "128.199.0.0/20", "Singapore", "SG", 20, 14061, "DigitalOcean, LLC", "", 0},
    // Tor exits (tor_exit.txt).
    {NetKind::kTor, "185.220.100.0/24", "Frankfurt am Main", "DE", 50, 60729,
     "Stiftung Erneuerbare Freiheit", "", 0},
    {NetKind::kTor, "185.220.101.0/24", "Frankfurt am Main", "DE", 50, 60729,
     "Stiftung Erneuerbare Freiheit", "", 0},
    {NetKind::kTor, "109.70.100.0/24", "Vienna", "AT", 50, 208323, "Foundation for Applied Privacy",
     "", 0},
    {NetKind::kTor, "199.249.230.0/24", "Dallas", "US", 50, 62744, "Quintex Alliance Consulting",
     "", 0},
    {NetKind::kTor, "192.42.116.0/24", "Amsterdam", "NL", 50, 1101, "SURF B.V.", "", 0},
    {NetKind::kTor, "171.25.193.0/24", "Stockholm", "SE", 50, 198093,
     "Foreningen for digitala fri- och rattigheter", "", 0},
    // Anonymising VPN providers (anonymizer.txt).
    {NetKind::kAnonymizer, "37.120.200.0/24", "Bucharest", "RO", 50, 9009, "M247 Europe SRL", "",
     0},
    {NetKind::kAnonymizer, "89.187.160.0/24", "Zurich", "CH", 50, 60068, "Datacamp Limited", "", 0},
    {NetKind::kAnonymizer, "45.87.213.0/24", "Amsterdam", "NL", 50, 147049, "Packethub S.A.", "",
     0},
    // Threat-intel indicators (threat_intel.csv): label = category.
    {NetKind::kThreat, "193.32.162.0/24", "Bucharest", "RO", 50, 47890, "Unmanaged Ltd",
     "brute_force", 85},
    {NetKind::kThreat, "141.98.11.0/24", "Vilnius", "LT", 50, 209605, "UAB Host Baltic",
     "password_spray", 90},
    {NetKind::kThreat, "5.188.86.0/24", "Moscow", "RU", 50, 49453, "Global Layer B.V.", "botnet",
     70},
    {NetKind::kThreat, "80.94.95.0/24", "Bucharest", "RO", 50, 204428, "SS-Net", "c2", 95},
    {NetKind::kThreat, "45.95.147.0/24", "Amsterdam", "NL", 50, 49870, "Alsycon B.V.", "malware",
     60},
};

// "a.b.c.d/n" -> block base and prefix.
void parse_cidr(const char* text, NetBlock& b) {
  unsigned a = 0, c = 0, d = 0, e = 0, n = 0;
  std::sscanf(text, "%u.%u.%u.%u/%u", &a, &c, &d, &e, &n);
  b.base.version = 4;
  b.base.bytes = {};
  b.base.bytes[0] = static_cast<uint8_t>(a);
  b.base.bytes[1] = static_cast<uint8_t>(c);
  b.base.bytes[2] = static_cast<uint8_t>(d);
  b.base.bytes[3] = static_cast<uint8_t>(e);
  b.prefix = static_cast<int>(n);
}

constexpr int kResidentialV4PerCity = 8;  // /24s per (ISP, city)

}  // namespace

World::World() {
  for (const auto& c : kCities)
    cities_.push_back(City{c.name, c.country, c.lat, c.lon, c.utc_offset_min});

  // Residential pools: every ISP covers every city of its country with 8 /24s (and a /32 of
  // IPv6 where the ISP has one). Locations carry a little jitter around the city centre, as
  // geo-IP databases place addresses in neighbourhoods, with a 20-100 km radius.
  Rng jitter(0x5eed);
  for (const auto& isp : kResidentialIsps) {
    uint32_t next24 = 0;
    uint16_t next_v6 = 0;
    for (size_t ci = 0; ci < cities_.size(); ++ci) {
      const City& city = cities_[ci];
      if (city.country != isp.country) continue;
      // Data-centre towns get no residential pools.
      if (city.name == "Ashburn" || city.name == "Columbus" || city.name == "Boardman" ||
          city.name == "San Jose" || city.name == "Des Moines" || city.name == "Dallas" ||
          city.name == "Nuremberg")
        continue;
      for (int k = 0; k < kResidentialV4PerCity; ++k, ++next24) {
        NetBlock b;
        b.kind = NetKind::kResidential;
        b.base.version = 4;
        uint32_t v = (uint32_t{isp.o1} << 24) + (uint32_t{isp.o2} << 16) + (next24 << 8);
        b.base.bytes[0] = static_cast<uint8_t>(v >> 24);
        b.base.bytes[1] = static_cast<uint8_t>(v >> 16);
        b.base.bytes[2] = static_cast<uint8_t>(v >> 8);
        b.prefix = 24;
        b.city = static_cast<int>(ci);
        b.country = city.country;
        b.latitude = city.latitude + (jitter.real() - 0.5) * 0.1;
        b.longitude = city.longitude + (jitter.real() - 0.5) * 0.1;
        b.accuracy_km = static_cast<uint32_t>(jitter.range(20, 100));
        b.asn = isp.asn;
        b.as_org = isp.org;
        add(std::move(b));
      }
      if (isp.v6a != 0) {
        NetBlock b;
        b.kind = NetKind::kResidential;
        b.base.version = 6;
        uint16_t hi = isp.v6a, lo = static_cast<uint16_t>(isp.v6b + next_v6++);
        b.base.bytes[0] = static_cast<uint8_t>(hi >> 8);
        b.base.bytes[1] = static_cast<uint8_t>(hi);
        b.base.bytes[2] = static_cast<uint8_t>(lo >> 8);
        b.base.bytes[3] = static_cast<uint8_t>(lo);
        b.prefix = 32;
        b.city = static_cast<int>(ci);
        b.country = city.country;
        b.latitude = city.latitude;
        b.longitude = city.longitude;
        b.accuracy_km = 50;
        b.asn = isp.asn;
        b.as_org = isp.org;
        add(std::move(b));
      }
    }
  }
  for (const auto& f : kFixed) {
    NetBlock b;
    parse_cidr(f.cidr, b);
    b.kind = f.kind;
    b.country = f.country;
    b.accuracy_km = f.accuracy_km;
    b.asn = f.asn;
    b.as_org = f.org;
    b.label = f.label;
    b.confidence = f.confidence;
    if (f.city != nullptr) {
      b.city = city(f.city);
      b.latitude = cities_[b.city].latitude;
      b.longitude = cities_[b.city].longitude;
    } else {
      // Country-level entries sit at a country centroid-like point: the capital's.
      for (const auto& c : cities_)
        if (c.country == f.country) {
          b.latitude = c.latitude;
          b.longitude = c.longitude;
          break;
        }
    }
    add(std::move(b));
  }
}

void World::add(NetBlock b) { blocks_.push_back(std::move(b)); }

int World::city(const std::string& name) const {
  for (size_t i = 0; i < cities_.size(); ++i)
    if (cities_[i].name == name) return static_cast<int>(i);
  return -1;
}

std::vector<int> World::blocks_of(NetKind kind, int city, const std::string& country) const {
  std::vector<int> out;
  for (size_t i = 0; i < blocks_.size(); ++i) {
    const auto& b = blocks_[i];
    if (b.kind != kind) continue;
    if (city >= 0 && b.city != city) continue;
    if (!country.empty() && b.country != country) continue;
    out.push_back(static_cast<int>(i));
  }
  return out;
}

std::string World::address(int block, Rng& rng) const { return address(block, rng.next()); }

std::string World::address(int block, uint64_t host) const {
  const NetBlock& b = blocks_[block];
  detect::IpAddress ip = b.base;
  if (ip.version == 4) {
    int host_bits = 32 - b.prefix;
    uint32_t span = host_bits >= 32 ? 0xffffffffu : ((1u << host_bits) - 1);
    // Avoid the network and broadcast addresses (and .0/.255 inside large blocks).
    uint32_t h = span <= 2 ? 1 : static_cast<uint32_t>(1 + host % (span - 1));
    if (span > 255 && ((h & 0xff) == 0 || (h & 0xff) == 255)) h = (h & ~0xffu) | 17;
    uint32_t v = (uint32_t{ip.bytes[0]} << 24) | (uint32_t{ip.bytes[1]} << 16) |
                 (uint32_t{ip.bytes[2]} << 8) | ip.bytes[3];
    v |= h;
    ip.bytes[0] = static_cast<uint8_t>(v >> 24);
    ip.bytes[1] = static_cast<uint8_t>(v >> 16);
    ip.bytes[2] = static_cast<uint8_t>(v >> 8);
    ip.bytes[3] = static_cast<uint8_t>(v);
  } else {
    // A /56 customer prefix, a /64 inside it, and an interface id.
    uint64_t x = host * 0x9e3779b97f4a7c15ULL;
    for (int i = 4; i < 16; ++i) {
      ip.bytes[i] = static_cast<uint8_t>(x >> ((i % 8) * 8));
      if (i == 7) x = (x ^ (x >> 29)) * 0xbf58476d1ce4e5b9ULL;
    }
    if (ip.bytes[8] == 0) ip.bytes[8] = 0x1a;
  }
  return format_ip(ip);
}

double World::distance_km(const City& a, const City& b) {
  constexpr double kPi = 3.14159265358979323846;
  auto rad = [](double d) { return d * kPi / 180.0; };
  double dlat = rad(b.latitude - a.latitude), dlon = rad(b.longitude - a.longitude);
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(rad(a.latitude)) *
                                                           std::cos(rad(b.latitude)) *
                                                           std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * 6371.0 * std::asin(std::sqrt(h));
}

std::string format_ip(const detect::IpAddress& ip) {
  char buf[64];
  if (ip.version == 4) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", ip.bytes[0], ip.bytes[1], ip.bytes[2],
                  ip.bytes[3]);
    return buf;
  }
  std::string out;
  for (int g = 0; g < 8; ++g) {
    unsigned v = (unsigned{ip.bytes[2 * g]} << 8) | ip.bytes[2 * g + 1];
    std::snprintf(buf, sizeof buf, g ? ":%x" : "%x", v);
    out += buf;
  }
  return out;
}

}  // namespace trailwarden::sim
