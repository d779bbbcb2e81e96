// MaxMind DB format 2.0, as described in MaxMind's specification: a binary search tree over the
// address bits (two records per node), 16 zero bytes, the data section (type-tagged values:
// maps, strings, doubles, unsigned integers, booleans) and, at the end, the metadata map after
// the marker "\xAB\xCD\xEFMaxMind.com".
//
// Records equal byte for byte are stored once (tree records point at the same offset), so a
// database of many networks sharing a few cities stays small. No pointers are written.
#include "enrich/mmdb_writer.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string_view>
#include <unordered_map>

namespace trailwarden::enrich {
namespace {

// Data section type numbers.
constexpr int kPointer = 1;
constexpr int kString = 2;
constexpr int kDouble = 3;
constexpr int kUint16 = 5;
constexpr int kUint32 = 6;
constexpr int kMap = 7;
constexpr int kUint64 = 9;
constexpr int kArray = 11;
constexpr int kBool = 14;

static_assert(kPointer == 1);  // documented for completeness; pointers are never written

// Control byte (and extended type byte, and size bytes) for a value of `type` and `size`.
void put_control(std::string& out, int type, size_t size) {
  uint8_t type_bits = type <= 7 ? static_cast<uint8_t>(type << 5) : 0;
  std::string tail;
  if (type > 7) tail.push_back(static_cast<char>(type - 7));
  uint8_t size_bits;
  if (size < 29) {
    size_bits = static_cast<uint8_t>(size);
  } else if (size < 29 + 256) {
    size_bits = 29;
    tail.push_back(static_cast<char>(size - 29));
  } else if (size < 285 + 65536) {
    size_bits = 30;
    size_t s = size - 285;
    tail.push_back(static_cast<char>(s >> 8));
    tail.push_back(static_cast<char>(s & 0xff));
  } else {
    size_bits = 31;
    size_t s = size - 65821;
    tail.push_back(static_cast<char>((s >> 16) & 0xff));
    tail.push_back(static_cast<char>((s >> 8) & 0xff));
    tail.push_back(static_cast<char>(s & 0xff));
  }
  out.push_back(static_cast<char>(type_bits | size_bits));
  out += tail;
}

void put_string(std::string& out, std::string_view s) {
  put_control(out, kString, s.size());
  out.append(s.data(), s.size());
}

// Unsigned integers are big-endian with leading zero bytes dropped (0 has no bytes).
void put_unsigned(std::string& out, int type, uint64_t v) {
  uint8_t bytes[8];
  size_t n = 0;
  for (int shift = 56; shift >= 0; shift -= 8) {
    uint8_t b = static_cast<uint8_t>(v >> shift);
    if (n == 0 && b == 0) continue;
    bytes[n++] = b;
  }
  put_control(out, type, n);
  out.append(reinterpret_cast<const char*>(bytes), n);
}

void put_double(std::string& out, double d) {
  put_control(out, kDouble, 8);
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(bits >> shift));
}

Status put_map(std::string& out, const MmdbMap& map, int depth);

Status put_value(std::string& out, const MmdbValue& value, int depth) {
  if (const auto* s = std::get_if<std::string>(&value.v)) {
    put_string(out, *s);
  } else if (const auto* d = std::get_if<double>(&value.v)) {
    put_double(out, *d);
  } else if (const auto* u = std::get_if<uint32_t>(&value.v)) {
    put_unsigned(out, kUint32, *u);
  } else if (const auto* b = std::get_if<bool>(&value.v)) {
    put_control(out, kBool, *b ? 1 : 0);
  } else {
    const auto& m = std::get<std::shared_ptr<MmdbMap>>(value.v);
    if (!m) return make_error(ErrorCode::kInvalidArgument, "MMDB record holds a null map");
    return put_map(out, *m, depth + 1);
  }
  return {};
}

Status put_map(std::string& out, const MmdbMap& map, int depth) {
  if (depth > 32) return make_error(ErrorCode::kInvalidArgument, "MMDB record nested too deep");
  put_control(out, kMap, map.size());
  for (const auto& [key, value] : map) {
    put_string(out, key);
    if (auto st = put_value(out, value, depth); !st) return st;
  }
  return {};
}

// The search tree while it is built: record values are tagged until the node count is known.
struct Record {
  enum Kind : uint8_t { kEmpty, kNode, kData } kind = kEmpty;
  uint32_t value = 0;  // node index or data offset
};
struct Node {
  Record rec[2];
};

bool bit_at(const std::array<uint8_t, 16>& bytes, int i) {
  return (bytes[static_cast<size_t>(i / 8)] >> (7 - i % 8)) & 1;
}

// The network's bits in the tree's address space: IPv4 networks of an IPv6 tree sit under
// ::/96 (96 zero bits, then the IPv4 address).
struct TreePath {
  std::array<uint8_t, 16> bytes{};
  int bits = 0;
};

Result<TreePath> tree_path(const MmdbNetwork& net, int ip_version) {
  TreePath p;
  const int own_bits = net.base.version == 4 ? 32 : 128;
  if (net.base.version != 4 && net.base.version != 6) {
    return make_error(ErrorCode::kInvalidArgument, "MMDB network without an address");
  }
  if (net.prefix_bits < 0 || net.prefix_bits > own_bits) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("MMDB network prefix /{} out of range", net.prefix_bits));
  }
  if (ip_version == 4) {
    if (net.base.version != 4) {
      return make_error(ErrorCode::kInvalidArgument, "IPv6 network in an IPv4-only MMDB");
    }
    std::memcpy(p.bytes.data(), net.base.bytes.data(), 4);
    p.bits = net.prefix_bits;
  } else if (net.base.version == 4) {
    std::memcpy(p.bytes.data() + 12, net.base.bytes.data(), 4);
    p.bits = 96 + net.prefix_bits;
  } else {
    p.bytes = net.base.bytes;
    p.bits = net.prefix_bits;
  }
  return p;
}

std::string network_text(const MmdbNetwork& net) {
  char buf[64] = {};
  if (net.base.version == 4) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", net.base.bytes[0], net.base.bytes[1],
                  net.base.bytes[2], net.base.bytes[3]);
  } else {
    std::string s;
    for (int i = 0; i < 16; i += 2) {
      if (i) s += ':';
      s += fmt::format("{:x}", (net.base.bytes[static_cast<size_t>(i)] << 8) |
                                   net.base.bytes[static_cast<size_t>(i + 1)]);
    }
    return fmt::format("{}/{}", s, net.prefix_bits);
  }
  return fmt::format("{}/{}", buf, net.prefix_bits);
}

void put_record_bytes(std::string& out, uint32_t left, uint32_t right, int record_size) {
  auto be = [&out](uint32_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  if (record_size == 24) {
    be(left, 3);
    be(right, 3);
  } else if (record_size == 28) {
    be(left & 0xffffff, 3);
    out.push_back(static_cast<char>(((left >> 24) & 0x0f) << 4 | ((right >> 24) & 0x0f)));
    be(right & 0xffffff, 3);
  } else {
    be(left, 4);
    be(right, 4);
  }
}

}  // namespace

Status write_mmdb(const std::string& path, const std::vector<MmdbNetwork>& networks,
                  const MmdbMetadata& meta) {
  if (meta.ip_version != 4 && meta.ip_version != 6) {
    return make_error(ErrorCode::kInvalidArgument, "MMDB ip_version must be 4 or 6", path);
  }

  // Data section, with identical records stored once.
  std::string data;
  std::unordered_map<std::string, uint32_t> offsets;
  std::vector<Node> nodes(1);
  for (const MmdbNetwork& net : networks) {
    auto p = tree_path(net, meta.ip_version);
    if (!p) {
      Error e = p.error();
      e.context = fmt::format("{}: {}", path, network_text(net));
      return std::unexpected(e);
    }
    if (p->bits == 0) {
      return make_error(ErrorCode::kInvalidArgument, "MMDB network covers the whole space", path);
    }
    std::string encoded;
    if (auto st = put_map(encoded, net.record, 0); !st) return st;
    uint32_t offset;
    if (auto it = offsets.find(encoded); it != offsets.end()) {
      offset = it->second;
    } else {
      offset = static_cast<uint32_t>(data.size());
      offsets.emplace(encoded, offset);
      data += encoded;
    }
    // Walk (and grow) the tree down to the network's last bit.
    uint32_t node = 0;
    for (int i = 0; i < p->bits; ++i) {
      Record& r = nodes[node].rec[bit_at(p->bytes, i)];
      if (i + 1 == p->bits) {
        if (r.kind != Record::kEmpty) {
          return make_error(ErrorCode::kInvalidArgument, "MMDB networks overlap",
                            fmt::format("{}: {}", path, network_text(net)));
        }
        r.kind = Record::kData;
        r.value = offset;
        break;
      }
      if (r.kind == Record::kData) {
        return make_error(ErrorCode::kInvalidArgument, "MMDB networks overlap",
                          fmt::format("{}: {}", path, network_text(net)));
      }
      if (r.kind == Record::kEmpty) {
        r.kind = Record::kNode;
        r.value = static_cast<uint32_t>(nodes.size());
        nodes.emplace_back();  // invalidates r; it is not used below
      }
      node = nodes[node].rec[bit_at(p->bytes, i)].value;
    }
  }

  // IPv6 trees: ::ffff:0:0/96 (IPv4-mapped) leads to the IPv4 subtree, as in MaxMind's files,
  // unless a network was written there itself.
  if (meta.ip_version == 6) {
    uint32_t v4_root = 0;
    bool have_v4 = true;
    for (int i = 0; i < 96 && have_v4; ++i) {
      const Record& r = nodes[v4_root].rec[0];
      if (r.kind != Record::kNode)
        have_v4 = false;
      else
        v4_root = r.value;
    }
    if (have_v4) {
      std::array<uint8_t, 16> mapped{};
      mapped[10] = mapped[11] = 0xff;
      uint32_t node = 0;
      for (int i = 0; i < 96; ++i) {
        const int b = bit_at(mapped, i);
        Record& r = nodes[node].rec[b];
        if (i == 95) {
          if (r.kind == Record::kEmpty) r = Record{Record::kNode, v4_root};
          break;
        }
        if (r.kind == Record::kData) break;
        if (r.kind == Record::kEmpty) {
          r.kind = Record::kNode;
          r.value = static_cast<uint32_t>(nodes.size());
          nodes.emplace_back();
        }
        node = nodes[node].rec[b].value;
      }
    }
  }

  const uint64_t node_count = nodes.size();
  const uint64_t max_value = node_count + 16 + data.size();
  int record_size = 24;
  if (max_value >= (uint64_t{1} << 32)) {
    return make_error(ErrorCode::kInvalidArgument, "MMDB too large for 32-bit records", path);
  }
  if (max_value >= (uint64_t{1} << 28))
    record_size = 32;
  else if (max_value >= (uint64_t{1} << 24))
    record_size = 28;

  std::string out;
  out.reserve(node_count * static_cast<size_t>(record_size / 4) + data.size() + 512);
  auto resolve = [&](const Record& r) -> uint32_t {
    switch (r.kind) {
      case Record::kNode:
        return r.value;
      case Record::kData:
        return static_cast<uint32_t>(node_count + 16 + r.value);
      case Record::kEmpty:
        break;
    }
    return static_cast<uint32_t>(node_count);
  };
  for (const Node& n : nodes)
    put_record_bytes(out, resolve(n.rec[0]), resolve(n.rec[1]), record_size);
  out.append(16, '\0');
  out += data;

  // Metadata.
  out += std::string_view("\xAB\xCD\xEFMaxMind.com", 14);
  put_control(out, kMap, 9);
  put_string(out, "binary_format_major_version");
  put_unsigned(out, kUint16, 2);
  put_string(out, "binary_format_minor_version");
  put_unsigned(out, kUint16, 0);
  put_string(out, "build_epoch");
  put_unsigned(out, kUint64, meta.build_epoch == 0 ? 1 : meta.build_epoch);
  put_string(out, "database_type");
  put_string(out, meta.database_type);
  put_string(out, "description");
  put_control(out, kMap, 1);
  put_string(out, "en");
  put_string(out, meta.description);
  put_string(out, "ip_version");
  put_unsigned(out, kUint16, static_cast<uint64_t>(meta.ip_version));
  put_string(out, "languages");
  put_control(out, kArray, 1);
  put_string(out, "en");
  put_string(out, "node_count");
  put_unsigned(out, kUint32, node_count);
  put_string(out, "record_size");
  put_unsigned(out, kUint16, static_cast<uint64_t>(record_size));

  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) {
      return make_error(ErrorCode::kIo,
                        fmt::format("cannot create MMDB file: {}", std::strerror(errno)), tmp);
    }
    f.write(out.data(), static_cast<std::streamsize>(out.size()));
    f.close();
    if (!f) return make_error(ErrorCode::kIo, "cannot write MMDB file", tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    return make_error(ErrorCode::kIo,
                      fmt::format("cannot rename MMDB file: {}", std::strerror(err)), path);
  }
  return {};
}

MmdbMap maxmind_city_record(const std::string& country, const std::string& city, double latitude,
                            double longitude, uint32_t accuracy_km, uint32_t asn,
                            const std::string& as_org) {
  auto sub = [](MmdbMap m) { return MmdbValue{std::make_shared<MmdbMap>(std::move(m))}; };
  MmdbMap record;
  if (!country.empty()) {
    record["country"] = sub({{"iso_code", MmdbValue{country}}});
  }
  if (!city.empty()) {
    record["city"] = sub({{"names", sub({{"en", MmdbValue{city}}})}});
  }
  MmdbMap location{{"latitude", MmdbValue{latitude}}, {"longitude", MmdbValue{longitude}}};
  if (accuracy_km > 0) location["accuracy_radius"] = MmdbValue{accuracy_km};
  record["location"] = sub(std::move(location));
  if (asn != 0) record["autonomous_system_number"] = MmdbValue{asn};
  if (!as_org.empty()) record["autonomous_system_organization"] = MmdbValue{as_org};
  return record;
}

}  // namespace trailwarden::enrich
