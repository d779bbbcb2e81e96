#include "enrich/prefix_trie.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace trailwarden::enrich {
namespace {

int bit_at(const detect::IpAddress& ip, int i) {
  return (ip.bytes[static_cast<size_t>(i / 8)] >> (7 - i % 8)) & 1;
}

}  // namespace

bool PrefixTrie::insert(const detect::IpAddress& base, int bits, uint32_t value) {
  const int max_bits = base.version == 4 ? 32 : 128;
  if ((base.version != 4 && base.version != 6) || bits < 0 || bits > max_bits) return false;
  std::vector<Node>& t = tree(base.version);
  uint32_t node = 0;
  for (int i = 0; i < bits; ++i) {
    const int b = bit_at(base, i);
    if (t[node].child[b] == 0) {
      t[node].child[b] = static_cast<uint32_t>(t.size());
      t.emplace_back();
    }
    node = t[node].child[b];
  }
  if (t[node].value == kNone) {
    t[node].value = value;
    ++entries_;
  }
  return true;
}

std::optional<uint32_t> PrefixTrie::find(const detect::IpAddress& ip) const {
  const std::vector<Node>& t = ip.version == 4 ? v4_ : v6_;
  if (ip.version != 4 && ip.version != 6) return std::nullopt;
  const int max_bits = ip.version == 4 ? 32 : 128;
  uint32_t best = t[0].value;
  uint32_t node = 0;
  for (int i = 0; i < max_bits; ++i) {
    node = t[node].child[bit_at(ip, i)];
    if (node == 0) break;
    if (t[node].value != kNone) best = t[node].value;
  }
  if (best == kNone) return std::nullopt;
  return best;
}

std::optional<Cidr> parse_cidr(std::string_view text) {
  std::string_view addr = text;
  int bits = -1;
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    std::string_view b = text.substr(slash + 1);
    int v = -1;
    auto [p, ec] = std::from_chars(b.data(), b.data() + b.size(), v);
    if (ec != std::errc() || p != b.data() + b.size() || b.empty()) return std::nullopt;
    bits = v;
  }
  auto ip = detect::parse_ip(addr);
  if (!ip) return std::nullopt;
  const int max_bits = ip->version == 4 ? 32 : 128;
  if (bits == -1) bits = max_bits;
  if (bits < 0 || bits > max_bits) return std::nullopt;
  Cidr c{unmap_v4(*ip), bits};
  if (ip->version == 6 && c.base.version == 4) {  // ::ffff:a.b.c.d/n
    if (bits < 96) return std::nullopt;
    c.bits = bits - 96;
  }
  // Clear the host bits.
  const int total = c.base.version == 4 ? 32 : 128;
  for (int i = c.bits; i < total; ++i) {
    c.base.bytes[static_cast<size_t>(i / 8)] &= static_cast<uint8_t>(~(0x80u >> (i % 8)));
  }
  return c;
}

detect::IpAddress unmap_v4(const detect::IpAddress& ip) {
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (ip.version != 6 || std::memcmp(ip.bytes.data(), kMapped, 12) != 0) return ip;
  detect::IpAddress v4;
  v4.version = 4;
  std::memcpy(v4.bytes.data(), ip.bytes.data() + 12, 4);
  return v4;
}

std::string ip_text(const detect::IpAddress& ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(ip.version == 4 ? AF_INET : AF_INET6, ip.bytes.data(), buf, sizeof buf) ==
      nullptr) {
    return {};
  }
  return buf;
}

}  // namespace trailwarden::enrich
