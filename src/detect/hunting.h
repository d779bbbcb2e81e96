// Saved hunting queries (rules/hunting/*.sql): a header of `-- key: value` lines, then one
// read-only SQL statement using :start, :end and named :params.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"

namespace trailwarden::detect {

struct HuntingQuery {
  std::string id;    // aws.hunt.<name>
  std::string name;  // <name>: the file stem, what `hunt --query` takes (the id works too)
  std::string title;
  std::string description;
  std::vector<std::string> tactics;
  std::vector<std::string> techniques;
  std::string window;  // e.g. "7d"
  int64_t window_us = 0;
  std::vector<std::pair<std::string, std::string>> params;  // name -> default (SQL literal)
  std::string sql;                                          // the body, placeholders unreplaced
  std::string file;
};

// Reads one file; errors name the file and line.
Result<HuntingQuery> parse_hunting_query(const std::string& text, const std::string& file);
// Every *.sql under `dir`, sorted by name.
Result<std::vector<HuntingQuery>> load_hunting_queries(const std::string& dir);

// "30s", "10m", "24h", "7d", "2w" -> microseconds.
Result<int64_t> parse_duration(std::string_view text);

// Substitutes :start and :end (TIMESTAMP literals) and named params (user values override the
// defaults; a value must be a number or is quoted as a SQL string). Placeholders inside
// quoted strings and comments are left alone. An unknown param is an error.
Result<std::string> bind_hunting_query(const HuntingQuery& q, int64_t start_us, int64_t end_us,
                                       const std::map<std::string, std::string>& values);

}  // namespace trailwarden::detect
