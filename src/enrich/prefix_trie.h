// A binary trie over address bits: longest-prefix match of an address against many IP/CIDR
// entries (lists of thousands of networks, AWS's ~10,000 prefixes) in at most 32 or 128 steps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detect/derived/ip.h"

namespace trailwarden::enrich {

class PrefixTrie {
 public:
  // Adds base/bits with `value`; an entry already present for exactly that network keeps its
  // value. Returns false when bits is out of range for the address's version.
  bool insert(const detect::IpAddress& base, int bits, uint32_t value);
  // The value of the most specific entry containing `ip`, if any.
  std::optional<uint32_t> find(const detect::IpAddress& ip) const;
  size_t size() const { return entries_; }
  bool empty() const { return entries_ == 0; }

 private:
  static constexpr uint32_t kNone = 0xffffffffu;
  struct Node {
    uint32_t child[2] = {0, 0};  // 0: none (the root is never a child)
    uint32_t value = kNone;
  };
  std::vector<Node>& tree(uint8_t version) { return version == 4 ? v4_ : v6_; }
  std::vector<Node> v4_{Node{}};
  std::vector<Node> v6_{Node{}};
  size_t entries_ = 0;
};

// "a.b.c.d", "a.b.c.d/n", IPv6 likewise: the address (its host bits cleared) and prefix length.
// nullopt when it is neither.
struct Cidr {
  detect::IpAddress base;
  int bits = 0;
};
std::optional<Cidr> parse_cidr(std::string_view text);

// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address; others unchanged.
detect::IpAddress unmap_v4(const detect::IpAddress& ip);

// "a.b.c.d" or the RFC 5952 text of an IPv6 address.
std::string ip_text(const detect::IpAddress& ip);

}  // namespace trailwarden::enrich
