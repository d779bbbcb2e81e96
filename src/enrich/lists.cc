#include "enrich/lists.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>

#include "core/text.h"
#include "core/time.h"
#include "detect/derived/glob.h"

namespace trailwarden::enrich {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// One CSV line's fields (RFC 4180 quotes; no embedded newlines).
std::vector<std::string> csv_fields(std::string_view line) {
  std::vector<std::string> out;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back(trim_blanks(field));
      field.clear();
    } else {
      field += c;
    }
  }
  out.emplace_back(trim_blanks(field));
  return out;
}

// An ISO-8601 time or a plain date (midnight UTC); nullopt otherwise.
std::optional<int64_t> parse_when(std::string_view text) {
  if (auto t = parse_iso8601_micros(text)) return t;
  if (text.size() == 10) return parse_iso8601_micros(std::string(text) + "T00:00:00Z");
  return std::nullopt;
}

Error line_error(const std::string& origin, size_t line, std::string_view what,
                 std::string_view text) {
  return Error{
      ErrorCode::kInvalidArgument,
      fmt::format("line {}: {}: {}", line, what, escape_control(std::string(text.substr(0, 80)))),
      origin};
}

bool ip_type(std::string_view type) {
  std::string t = lower(type);
  return t.empty() || t == "ip" || t == "ipv4" || t == "ipv6" || t == "cidr" || t == "ip-src" ||
         t == "ip-dst" || t == "ipv4-addr" || t == "ipv6-addr" || t == "ip_address" ||
         t == "network";
}

Status parse_aws_ranges(ListData& d, std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS) {
    return make_error(ErrorCode::kInvalidArgument, "not a JSON document (ip-ranges.json)",
                      d.origin);
  }
  bool any_key = false;
  for (auto [array_key, field] :
       {std::pair{"prefixes", "ip_prefix"}, std::pair{"ipv6_prefixes", "ipv6_prefix"}}) {
    simdjson::dom::array arr;
    if (doc[array_key].get_array().get(arr) != simdjson::SUCCESS) continue;
    any_key = true;
    size_t n = 0;
    for (simdjson::dom::element e : arr) {
      ++n;
      std::string_view p;
      if (e[field].get_string().get(p) != simdjson::SUCCESS) continue;
      auto c = parse_cidr(p);
      if (!c) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("{}[{}]: not a CIDR: {}", array_key, n - 1,
                                      escape_control(std::string(p.substr(0, 80)))),
                          d.origin);
      }
      d.trie.insert(c->base, c->bits, 0);
    }
  }
  if (!any_key) {
    return make_error(ErrorCode::kInvalidArgument,
                      "no \"prefixes\" or \"ipv6_prefixes\" array (ip-ranges.json)", d.origin);
  }
  return {};
}

}  // namespace

size_t ListData::entries() const {
  if (format == ListFormat::kTerminated) return users.size();
  return trie.size();
}

ListFormat format_for(std::string_view name, std::string_view file_name) {
  if (name == "threat_intel") {
    return file_name.ends_with(".txt") ? ListFormat::kIpLines : ListFormat::kThreatIntel;
  }
  if (name == "trusted_cidrs") return ListFormat::kTrusted;
  if (name == "aws_ip_ranges") return ListFormat::kAwsRanges;
  if (name == "terminated_users") return ListFormat::kTerminated;
  return file_name.ends_with(".csv") ? ListFormat::kIpCsv : ListFormat::kIpLines;
}

Result<std::shared_ptr<const ListData>> parse_list(const std::string& name, ListFormat format,
                                                   std::string_view text,
                                                   const std::string& origin) {
  auto d = std::make_shared<ListData>();
  d->name = name;
  d->origin = origin;
  d->format = format;
  if (format == ListFormat::kAwsRanges) {
    if (auto st = parse_aws_ranges(*d, text); !st) return std::unexpected(st.error());
    return std::shared_ptr<const ListData>(std::move(d));
  }
  size_t line_no = 0;
  bool first_content = true;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    std::string_view l = trim_blanks(raw);
    if (l.empty() || l.front() == '#') continue;
    const bool header_candidate = first_content;
    first_content = false;
    switch (format) {
      case ListFormat::kIpLines:
      case ListFormat::kIpCsv: {
        if (l.starts_with("ExitAddress ")) {
          l = trim_blanks(l.substr(12));
          l = l.substr(0, l.find(' '));
        } else if (l.starts_with("ExitNode ") || l.starts_with("Published ") ||
                   l.starts_with("LastStatus ")) {
          continue;
        }
        if (format == ListFormat::kIpCsv) {
          l = trim_blanks(l.substr(0, l.find(',')));
          if (header_candidate && !parse_cidr(l)) continue;
        }
        auto c = parse_cidr(l);
        if (!c) return std::unexpected(line_error(origin, line_no, "not an IP address or CIDR", l));
        d->trie.insert(c->base, c->bits, 0);
        break;
      }
      case ListFormat::kThreatIntel: {
        auto f = csv_fields(l);
        if (header_candidate && !parse_cidr(f[0])) continue;                // the header
        if (f.size() > 1 && !ip_type(f[1]) && !parse_cidr(f[0])) continue;  // domain, hash, ...
        auto c = parse_cidr(f[0]);
        if (!c) return std::unexpected(line_error(origin, line_no, "not an IP address or CIDR", l));
        ThreatEntry t;
        t.indicator = f[0];
        if (f.size() > 2 && !f[2].empty()) {
          int v = 0;
          auto [p, ec] = std::from_chars(f[2].data(), f[2].data() + f[2].size(), v);
          if (ec != std::errc() || p != f[2].data() + f[2].size() || v < 0 || v > 100) {
            return std::unexpected(line_error(origin, line_no, "confidence is not 0..100", f[2]));
          }
          t.confidence = v;
        }
        if (f.size() > 3) t.category = f[3];
        if (f.size() > 7 && !f[7].empty()) {
          auto when = parse_when(f[7]);
          if (!when) return std::unexpected(line_error(origin, line_no, "bad valid_until", f[7]));
          t.valid_until_us = *when;
        }
        d->threats.push_back(std::move(t));
        d->trie.insert(c->base, c->bits, static_cast<uint32_t>(d->threats.size() - 1));
        break;
      }
      case ListFormat::kTrusted: {
        size_t sp = l.find_first_of(" \t,");
        std::string_view cidr = l.substr(0, sp);
        std::string_view label =
            sp == std::string_view::npos ? std::string_view() : trim_blanks(l.substr(sp + 1));
        if (!label.empty() && label.front() == ',') label = trim_blanks(label.substr(1));
        auto c = parse_cidr(cidr);
        if (!c) return std::unexpected(line_error(origin, line_no, "not an IP address or CIDR", l));
        d->labels.emplace_back(label);
        d->trie.insert(c->base, c->bits, static_cast<uint32_t>(d->labels.size() - 1));
        break;
      }
      case ListFormat::kTerminated: {
        auto f = csv_fields(l);
        if (header_candidate && lower(f[0]) == "identity") continue;
        if (f[0].empty() || f.size() < 2) {
          return std::unexpected(
              line_error(origin, line_no, "expected identity,terminated_at[,note]", l));
        }
        auto when = parse_when(f[1]);
        if (!when) return std::unexpected(line_error(origin, line_no, "bad terminated_at", f[1]));
        TerminatedUser u;
        u.identity = f[0];
        u.terminated_at_us = *when;
        if (f.size() > 2) u.note = f[2];
        d->users.push_back(std::move(u));
        break;
      }
      case ListFormat::kAwsRanges:
        break;
    }
  }
  return std::shared_ptr<const ListData>(std::move(d));
}

TerminatedUserSet::TerminatedUserSet(std::vector<TerminatedUser> users) : users_(std::move(users)) {
  for (size_t i = 0; i < users_.size(); ++i) {
    users_[i].identity = lower(users_[i].identity);
    const std::string& id = users_[i].identity;
    if (id.find_first_of("*?") != std::string::npos) {
      globs_.push_back(i);
    } else {
      exact_.emplace(id, i);  // the first entry for a name wins
    }
  }
}

const TerminatedUser* TerminatedUserSet::match(std::string_view user_name, std::string_view arn,
                                               std::string_view session_name,
                                               std::string_view on_behalf_of) const {
  if (users_.empty()) return nullptr;
  std::string keys[4] = {lower(user_name), lower(arn), lower(session_name), lower(on_behalf_of)};
  for (const std::string& k : keys) {
    if (k.empty()) continue;
    if (auto it = exact_.find(k); it != exact_.end()) return &users_[it->second];
  }
  for (size_t i : globs_) {
    for (const std::string& k : keys) {
      if (!k.empty() && detect::derived::glob_match(users_[i].identity, k)) return &users_[i];
    }
  }
  return nullptr;
}

}  // namespace trailwarden::enrich
