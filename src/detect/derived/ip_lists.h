// Named IP lists (tor_exit, anonymizer, threat_intel, ...) as an IpAnnotator: `tw.ip.<list>`
// is true when the source address is on the list (an address or inside a CIDR), false when it
// is not, and absent when the list was not loaded — so a rule over a missing list never
// matches and `rules list` can name it inactive.
//
// File formats, one entry per line, `#` comments and blank lines ignored:
//   plain:        203.0.113.7   or   198.51.100.0/24
//   Tor bulk:     the same (check.torproject.org/torbulkexitlist), or the exit-addresses form
//                 "ExitAddress 185.220.101.4 2024-03-01 10:00:00"
//   threat_intel.csv: indicator,type,confidence,category,source,first_seen,last_seen,valid_until
//                 (a header line is skipped; only the indicator column is used today)
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "detect/derived/ip.h"

namespace trailwarden::detect {

class IpLists final : public IpAnnotator {
 public:
  // Adds entries to list `name`; an entry that is neither an address nor a CIDR is an error
  // naming `origin` and the line.
  Status add(const std::string& name, const std::vector<std::string>& lines,
             const std::string& origin);
  // Loads <dir>/<name>.txt for tor_exit, anonymizer, trusted_cidrs and <dir>/threat_intel.csv
  // where present.
  Status load_dir(const std::string& dir);
  bool has(const std::string& name) const { return lists_.contains(name); }
  std::vector<std::string> names() const;
  bool contains(const std::string& name, const IpAddress& ip) const;
  void append_members(const IpAddress& ip, std::string& out) const override;

 private:
  struct Prefix {
    IpAddress base;
    int bits = 0;
  };
  struct List {
    std::set<std::array<uint8_t, 17>> exact;  // version byte + 16 address bytes
    std::vector<Prefix> cidrs;                // true prefixes, scanned
  };
  std::map<std::string, List> lists_;
};

// Reads the lines of a text file (for list files).
Result<std::vector<std::string>> read_lines(const std::string& path);

}  // namespace trailwarden::detect
