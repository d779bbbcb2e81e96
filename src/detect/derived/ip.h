// `tw.ip`: what the record's sourceIPAddress is. Today {"is_ip", "version", "private"}; the
// enrichment (geo-IP, tor_exit, anonymizer, threat_intel, aws) plugs in as IpAnnotators that
// append their own members, so the group grows without changing this file's callers.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trailwarden::detect {

struct IpAddress {
  uint8_t version = 0;              // 4 or 6
  std::array<uint8_t, 16> bytes{};  // network order; IPv4 in bytes[0..4)
};

// An IPv4 dotted quad or an IPv6 literal (RFC 4291 text forms, no zone id); nullopt otherwise.
std::optional<IpAddress> parse_ip(std::string_view text);

// Not globally reachable (IANA special-purpose registries): for IPv4 0/8, 10/8, 100.64/10,
// 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.0.2/24, 192.168/16, 198.18/15, 198.51.100/24,
// 203.0.113/24, 224/4 (multicast), 240/4 and 255.255.255.255; for IPv6 ::, ::1, fc00::/7,
// fe80::/10, ff00::/8 (multicast), 2001:db8::/32, 100::/64, and IPv4-mapped (::ffff:0:0/96)
// addresses by their IPv4 rules.
bool is_private(const IpAddress& ip);

// Adds members to `tw.ip` for an address: appends `,"name":value` pairs to `out`. Called
// concurrently from event threads, so implementations must be thread-safe for const use.
class IpAnnotator {
 public:
  virtual ~IpAnnotator() = default;
  virtual void append_members(const IpAddress& ip, std::string& out) const = 0;
};

}  // namespace trailwarden::detect
