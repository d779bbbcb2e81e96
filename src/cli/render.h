// Query results for people (aligned table) and programs (JSON array of objects, CSV).
// Every cell is attacker-influenced data: the table escapes control characters, JSON and CSV
// quote per their specs.
#pragma once

#include <string>
#include <string_view>

#include "store/workspace.h"

namespace trailwarden::cli {

std::string render_table(const store::QueryResult& r, size_t max_cell_width = 80);
std::string render_json(const store::QueryResult& r);
std::string render_csv(const store::QueryResult& r);
// One of the three by name: "json", "csv", anything else a table.
std::string render(const store::QueryResult& r, std::string_view format, size_t max_cell_width);

// "1,234,567"
std::string with_commas(uint64_t n);

}  // namespace trailwarden::cli
