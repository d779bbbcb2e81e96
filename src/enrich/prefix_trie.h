// Longest-prefix match of an address against many IP/CIDR entries (lists of thousands of
// networks, AWS's ~10,000 prefixes). Built as a binary trie over the address bits; freeze()
// then flattens it into sorted disjoint address intervals (each with the value of its most
// specific covering entry), so a lookup is one binary search over contiguous arrays instead of
// up to 32 or 128 dependent node reads.
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
  // Builds the interval tables and drops the trie; insert() is not allowed afterwards.
  void freeze();

  __extension__ using U128 = unsigned __int128;

 private:
  template <typename T>
  struct Intervals {
    std::vector<T> lo, hi;
    std::vector<uint32_t> value;
  };

  static constexpr uint32_t kNone = 0xffffffffu;
  struct Node {
    uint32_t child[2] = {0, 0};  // 0: none (the root is never a child)
    uint32_t value = kNone;
  };
  std::vector<Node>& tree(uint8_t version) { return version == 4 ? v4_ : v6_; }
  template <typename T>
  static void flatten(const std::vector<Node>& t, int width, Intervals<T>& out);
  template <typename T>
  static std::optional<uint32_t> search(const Intervals<T>& iv, T key);
  std::vector<Node> v4_{Node{}};
  std::vector<Node> v6_{Node{}};
  size_t entries_ = 0;
  bool frozen_ = false;
  Intervals<uint32_t> iv4_;
  Intervals<U128> iv6_;
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
