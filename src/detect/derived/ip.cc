#include "detect/derived/ip.h"

#include <arpa/inet.h>

#include <cstring>

namespace trailwarden::detect {
namespace {

bool in_v4(const uint8_t* a, uint32_t net, int bits) {
  uint32_t v = (uint32_t{a[0]} << 24) | (uint32_t{a[1]} << 16) | (uint32_t{a[2]} << 8) | a[3];
  uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return (v & mask) == (net & mask);
}

constexpr uint32_t v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return (uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d;
}

bool private_v4(const uint8_t* a) {
  struct Net {
    uint32_t net;
    int bits;
  };
  static constexpr Net kNets[] = {
      {v4(0, 0, 0, 0), 8},     {v4(10, 0, 0, 0), 8},      {v4(100, 64, 0, 0), 10},
      {v4(127, 0, 0, 0), 8},   {v4(169, 254, 0, 0), 16},  {v4(172, 16, 0, 0), 12},
      {v4(192, 0, 0, 0), 24},  {v4(192, 0, 2, 0), 24},    {v4(192, 168, 0, 0), 16},
      {v4(198, 18, 0, 0), 15}, {v4(198, 51, 100, 0), 24}, {v4(203, 0, 113, 0), 24},
      {v4(224, 0, 0, 0), 4},   {v4(240, 0, 0, 0), 4},
  };
  for (const Net& n : kNets) {
    if (in_v4(a, n.net, n.bits)) return true;
  }
  return false;  // 255.255.255.255 is inside 240/4
}

}  // namespace

std::optional<IpAddress> parse_ip(std::string_view text) {
  char buf[64];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buf, ip.bytes.data()) != 1) return std::nullopt;
    ip.version = 4;
  } else {
    if (inet_pton(AF_INET6, buf, ip.bytes.data()) != 1) return std::nullopt;
    ip.version = 6;
  }
  return ip;
}

bool is_private(const IpAddress& ip) {
  const uint8_t* b = ip.bytes.data();
  if (ip.version == 4) return private_v4(b);
  static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kMappedPrefix, 12) == 0) return private_v4(b + 12);
  bool zero_head = true;  // ::/120 covers :: and ::1
  for (int i = 0; i < 15; ++i) zero_head = zero_head && b[i] == 0;
  if (zero_head && b[15] <= 1) return true;
  if ((b[0] & 0xfe) == 0xfc) return true;                  // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;  // fe80::/10 link local
  if (b[0] == 0xff) return true;                           // ff00::/8 multicast
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;  // 2001:db8::/32
  if (b[0] == 0x01 && b[1] == 0x00 && b[2] == 0 && b[3] == 0 && b[4] == 0 && b[5] == 0 &&
      b[6] == 0 && b[7] == 0) {
    return true;  // 100::/64 discard
  }
  return false;
}

}  // namespace trailwarden::detect
