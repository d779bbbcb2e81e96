// The operator's lists as the Enricher holds them: each file (or inline list) parsed into one
// immutable ListData; the Enricher swaps whole sets of them when files change.
//
// Formats (`#` comments and blank lines ignored everywhere):
//   IP lists (tor_exit, anonymizer, any inline name): one IP or CIDR per line; Tor's
//     exit-addresses form ("ExitAddress 185.220.101.4 2024-03-01 10:00:00"; its ExitNode,
//     Published and LastStatus lines skipped); in a .csv file the first column.
//   threat_intel.csv: indicator,type,confidence,category,source,first_seen,last_seen,valid_until
//     (header line skipped; rows whose type is not an IP type — domain, url, hash — skipped).
//   trusted_cidrs.txt: CIDR [label]
//   aws_ip_ranges.json: AWS's ip-ranges.json (prefixes[].ip_prefix, ipv6_prefixes[].ipv6_prefix)
//   terminated_users.csv: identity,terminated_at[,note] (header line skipped)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "enrich/enricher.h"
#include "enrich/prefix_trie.h"

namespace trailwarden::enrich {

enum class ListFormat : uint8_t {
  kIpLines,
  kIpCsv,
  kThreatIntel,
  kTrusted,
  kAwsRanges,
  kTerminated
};

struct ThreatEntry {
  std::string indicator;
  int confidence = 0;
  std::string category;
  int64_t valid_until_us = 0;  // 0: no expiry
};

struct ListData {
  std::string name;    // tor_exit, anonymizer, threat_intel, trusted_cidrs, aws_ip_ranges, ...
  std::string origin;  // the file, or "list <name>"
  ListFormat format = ListFormat::kIpLines;
  PrefixTrie trie;                    // values index threats / labels (0 for plain lists)
  std::vector<ThreatEntry> threats;   // threat_intel
  std::vector<std::string> labels;    // trusted_cidrs
  std::vector<TerminatedUser> users;  // terminated_users
  size_t entries() const;
};

// The format a list file or inline list name is read in.
ListFormat format_for(std::string_view name, std::string_view file_name);

// Parses a list's text. Errors name `origin` and the line.
Result<std::shared_ptr<const ListData>> parse_list(const std::string& name, ListFormat format,
                                                   std::string_view text,
                                                   const std::string& origin);

class TerminatedUserSet final : public TerminatedUsers {
 public:
  explicit TerminatedUserSet(std::vector<TerminatedUser> users);
  const TerminatedUser* match(std::string_view user_name, std::string_view arn,
                              std::string_view session_name,
                              std::string_view on_behalf_of) const override;
  size_t size() const override { return users_.size(); }

 private:
  std::vector<TerminatedUser> users_;  // identity lower-cased
  std::vector<size_t> globs_;          // entries with * or ?
  std::unordered_map<std::string, size_t> exact_;
};

}  // namespace trailwarden::enrich
