#include "detect/derived/ip_lists.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>

#include "core/text.h"

namespace trailwarden::detect {

namespace fs = std::filesystem;

namespace {

std::array<uint8_t, 17> key_of(const IpAddress& ip) {
  std::array<uint8_t, 17> k{};
  k[0] = ip.version;
  std::copy(ip.bytes.begin(), ip.bytes.end(), k.begin() + 1);
  return k;
}

bool prefix_match(const IpAddress& base, int bits, const IpAddress& ip) {
  if (base.version != ip.version) return false;
  int full = bits / 8, rest = bits % 8;
  for (int i = 0; i < full; ++i) {
    if (base.bytes[static_cast<size_t>(i)] != ip.bytes[static_cast<size_t>(i)]) return false;
  }
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (base.bytes[static_cast<size_t>(full)] & mask) ==
         (ip.bytes[static_cast<size_t>(full)] & mask);
}

}  // namespace

Result<std::vector<std::string>> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::kNotFound, "cannot read the list file", path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

Status IpLists::add(const std::string& name, const std::vector<std::string>& lines,
                    const std::string& origin) {
  auto& list = lists_[name];
  const bool csv = origin.ends_with(".csv");
  for (size_t n = 0; n < lines.size(); ++n) {
    std::string_view l = trim_blanks(lines[n]);
    if (l.empty() || l.front() == '#') continue;
    if (l.starts_with("ExitAddress ")) {  // Tor's exit-addresses format
      l = trim_blanks(l.substr(12));
      l = l.substr(0, l.find(' '));
    } else if (l.starts_with("ExitNode ") || l.starts_with("Published ") ||
               l.starts_with("LastStatus ")) {
      continue;
    }
    if (csv) {
      l = trim_blanks(l.substr(0, l.find(',')));
      if (n == 0 && !parse_ip(l.substr(0, l.find('/')))) continue;  // the header
    }
    std::string_view addr = l;
    int bits = -1;
    if (size_t slash = l.find('/'); slash != std::string_view::npos) {
      addr = l.substr(0, slash);
      std::string_view b = l.substr(slash + 1);
      int v = -1;
      auto [p, ec] = std::from_chars(b.data(), b.data() + b.size(), v);
      if (ec != std::errc() || p != b.data() + b.size()) v = -1;
      bits = v;
    }
    auto ip = parse_ip(addr);
    int max_bits = ip && ip->version == 4 ? 32 : 128;
    if (!ip || (bits != -1 && (bits < 0 || bits > max_bits))) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("line {}: not an IP address or CIDR: {}", n + 1,
                                    escape_control(std::string(l.substr(0, 80)))),
                        origin);
    }
    if (bits == -1 || bits == max_bits)
      list.exact.insert(key_of(*ip));
    else
      list.cidrs.push_back(Prefix{*ip, bits});
  }
  return {};
}

Status IpLists::load_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return make_error(ErrorCode::kNotFound, "no list directory", dir);
  for (const char* name : {"tor_exit", "anonymizer", "threat_intel", "trusted_cidrs"}) {
    for (const char* ext : {".txt", ".csv"}) {
      fs::path p = fs::path(dir) / (std::string(name) + ext);
      if (!fs::exists(p, ec)) continue;
      auto lines = read_lines(p.string());
      if (!lines) return std::unexpected(lines.error());
      if (auto s = add(name, *lines, p.string()); !s) return s;
    }
  }
  return {};
}

std::vector<std::string> IpLists::names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : lists_) out.push_back(k);
  return out;
}

bool IpLists::contains(const std::string& name, const IpAddress& ip) const {
  auto it = lists_.find(name);
  if (it == lists_.end()) return false;
  if (it->second.exact.contains(key_of(ip))) return true;
  for (const auto& p : it->second.cidrs) {
    if (prefix_match(p.base, p.bits, ip)) return true;
  }
  return false;
}

void IpLists::append_members(const IpAddress& ip, std::string& out) const {
  for (const auto& [name, list] : lists_) {
    (void)list;
    out += ",\"";
    out += name;
    out += contains(name, ip) ? "\":true" : "\":false";
  }
}

}  // namespace trailwarden::detect
