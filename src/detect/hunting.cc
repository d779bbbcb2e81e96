#include "detect/hunting.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/text.h"
#include "core/time.h"

namespace trailwarden::detect {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view item = trim_blanks(s.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

bool is_ident(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_number(std::string_view v) {
  if (v.empty()) return false;
  double d;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  return ec == std::errc() && p == v.data() + v.size();
}

}  // namespace

Result<int64_t> parse_duration(std::string_view text) {
  std::string_view t = trim_blanks(text);
  if (t.size() < 2)
    return make_error(ErrorCode::kInvalidArgument, "not a duration", std::string(text));
  int64_t n = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size() - 1, n);
  if (ec != std::errc() || p != t.data() + t.size() - 1 || n < 0 || n > 100000) {
    return make_error(ErrorCode::kInvalidArgument,
                      "not a duration (a number and one of s, m, h, d, w)", std::string(text));
  }
  int64_t unit = 0;
  switch (t.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    case 'w':
      unit = 7 * 86400;
      break;
    default:
      return make_error(ErrorCode::kInvalidArgument,
                        "not a duration (a number and one of s, m, h, d, w)", std::string(text));
  }
  return n * unit * 1000000;
}

Result<HuntingQuery> parse_hunting_query(const std::string& text, const std::string& file) {
  HuntingQuery q;
  q.file = file;
  q.name = fs::path(file).stem().string();
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  std::string body;
  bool in_header = true;
  while (std::getline(in, line)) {
    ++lineno;
    std::string_view l = trim_blanks(line);
    if (in_header && l.rfind("--", 0) == 0) {
      std::string_view kv = trim_blanks(l.substr(2));
      size_t colon = kv.find(':');
      if (colon == std::string_view::npos) continue;  // a plain comment
      std::string key(trim_blanks(kv.substr(0, colon)));
      std::string_view value = trim_blanks(kv.substr(colon + 1));
      if (key == "id")
        q.id = value;
      else if (key == "title")
        q.title = value;
      else if (key == "description")
        q.description += (q.description.empty() ? "" : " ") + std::string(value);
      else if (key == "tactics")
        q.tactics = split_list(value);
      else if (key == "techniques")
        q.techniques = split_list(value);
      else if (key == "window") {
        auto d = parse_duration(value);
        if (!d) {
          return make_error(ErrorCode::kInvalidArgument,
                            fmt::format("line {}: window: {}", lineno, d.error().message), file);
        }
        q.window = value;
        q.window_us = *d;
      } else if (key == "param") {
        size_t eq = value.find('=');
        if (eq == std::string_view::npos) {
          return make_error(ErrorCode::kInvalidArgument,
                            fmt::format("line {}: param needs `name = default`", lineno), file);
        }
        q.params.emplace_back(std::string(trim_blanks(value.substr(0, eq))),
                              std::string(trim_blanks(value.substr(eq + 1))));
      }
      continue;
    }
    if (in_header && l.empty()) continue;
    in_header = false;
    body += line;
    body += '\n';
  }
  q.sql = std::move(body);
  if (q.id.empty()) return make_error(ErrorCode::kInvalidArgument, "missing `-- id:` header", file);
  if (q.title.empty())
    return make_error(ErrorCode::kInvalidArgument, "missing `-- title:` header", file);
  if (q.window_us == 0)
    return make_error(ErrorCode::kInvalidArgument, "missing `-- window:` header", file);
  if (trim_blanks(q.sql).empty())
    return make_error(ErrorCode::kInvalidArgument, "no SQL after the header", file);
  return q;
}

Result<std::vector<HuntingQuery>> load_hunting_queries(const std::string& dir) {
  std::vector<HuntingQuery> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return make_error(ErrorCode::kNotFound, "no hunting query directory", dir);
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".sql") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    auto q = parse_hunting_query(ss.str(), f.string());
    if (!q) return std::unexpected(q.error());
    out.push_back(std::move(*q));
  }
  return out;
}

Result<std::string> bind_hunting_query(const HuntingQuery& q, int64_t start_us, int64_t end_us,
                                       const std::map<std::string, std::string>& values) {
  for (const auto& [k, v] : values) {
    bool known =
        std::any_of(q.params.begin(), q.params.end(), [&](const auto& p) { return p.first == k; });
    if (!known) {
      return make_error(ErrorCode::kInvalidArgument,
                        "the query " + q.name + " has no parameter " + escape_control(k));
    }
  }
  auto literal = [&](std::string_view name) -> std::optional<std::string> {
    if (name == "start") return "TIMESTAMP '" + format_iso8601_micros(start_us) + "'";
    if (name == "end") return "TIMESTAMP '" + format_iso8601_micros(end_us) + "'";
    for (const auto& [k, def] : q.params) {
      if (k != name) continue;
      auto it = values.find(k);
      if (it == values.end()) return def;  // defaults are SQL literals written by the author
      return is_number(it->second) ? it->second : sql_string_literal(it->second);
    }
    return std::nullopt;
  };
  const std::string& s = q.sql;
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\'' || c == '"') {  // copy quoted text verbatim
      size_t j = i + 1;
      while (j < s.size() && !(s[j] == c && (j + 1 >= s.size() || s[j + 1] != c))) {
        j += (s[j] == c) ? 2 : 1;
      }
      out.append(s, i, std::min(j + 1, s.size()) - i);
      i = j + 1;
      continue;
    }
    if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {  // comment to end of line
      size_t nl = s.find('\n', i);
      if (nl == std::string::npos) nl = s.size();
      out.append(s, i, nl - i);
      i = nl;
      continue;
    }
    if (c == ':' && i + 1 < s.size() && s[i + 1] == ':') {  // a cast, ::INT
      out += "::";
      i += 2;
      continue;
    }
    if (c == ':' && i + 1 < s.size() && is_ident(s[i + 1]) &&
        !(s[i + 1] >= '0' && s[i + 1] <= '9') && (i == 0 || s[i - 1] != ':')) {  // not [1:50]
      size_t j = i + 1;
      while (j < s.size() && is_ident(s[j])) ++j;
      std::string name = s.substr(i + 1, j - i - 1);
      auto lit = literal(name);
      if (!lit) {
        return make_error(ErrorCode::kInvalidArgument,
                          "the query uses :" + name + " but declares no such param", q.file);
      }
      out += *lit;
      i = j;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

}  // namespace trailwarden::detect
