#include "cli/render.h"

#include <algorithm>

#include "core/text.h"

namespace trailwarden::cli {

using store::QueryColumn;

std::string with_commas(uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

namespace {

// Cuts escaped text to at most `width` columns, ending with "…" when cut.
std::string fit(const std::string& text, size_t width) {
  if (display_width(text) <= width) return text;
  std::string out;
  size_t w = 0;
  for (size_t i = 0; i < text.size();) {
    size_t len = utf8_sequence_length(text, i);
    if (len == 0) len = 1;
    if (w + 1 > width - 1) break;
    out.append(text, i, len);
    w += display_width(std::string_view(text).substr(i, len));
    i += len;
  }
  return out + "…";
}

bool right_aligned(QueryColumn::Kind k) { return k == QueryColumn::Kind::kNumber; }

}  // namespace

std::string render_table(const store::QueryResult& r, size_t max_cell_width) {
  const size_t ncol = r.columns.size();
  std::vector<std::vector<std::string>> cells;
  cells.reserve(r.rows.size() + 1);
  std::vector<std::string> header;
  for (const auto& c : r.columns) header.push_back(fit(escape_control(c.name), max_cell_width));
  cells.push_back(header);
  for (const auto& row : r.rows) {
    std::vector<std::string> line;
    for (size_t c = 0; c < ncol; ++c) {
      line.push_back(row[c] ? fit(escape_control(*row[c]), max_cell_width) : "NULL");
    }
    cells.push_back(std::move(line));
  }
  std::vector<size_t> widths(ncol, 0);
  for (const auto& line : cells) {
    for (size_t c = 0; c < ncol; ++c) widths[c] = std::max(widths[c], display_width(line[c]));
  }
  std::string out;
  auto emit_line = [&](const std::vector<std::string>& line, bool is_header) {
    for (size_t c = 0; c < ncol; ++c) {
      size_t pad = widths[c] - display_width(line[c]);
      bool right = !is_header && right_aligned(r.columns[c].kind);
      if (right) out.append(pad, ' ');
      out += line[c];
      if (!right && c + 1 < ncol) out.append(pad, ' ');
      if (c + 1 < ncol) out += "  ";
    }
    out += '\n';
  };
  emit_line(cells[0], true);
  for (size_t c = 0; c < ncol; ++c) {
    out.append(widths[c], '-');
    if (c + 1 < ncol) out += "  ";
  }
  out += '\n';
  for (size_t i = 1; i < cells.size(); ++i) emit_line(cells[i], false);
  out += '(';
  out += with_commas(r.rows.size());
  out += r.rows.size() == 1 ? " row)\n" : " rows)\n";
  return out;
}

std::string render_json(const store::QueryResult& r) {
  std::string out = "[";
  for (size_t i = 0; i < r.rows.size(); ++i) {
    out += i == 0 ? "\n  {" : ",\n  {";
    for (size_t c = 0; c < r.columns.size(); ++c) {
      if (c > 0) out += ", ";
      append_json_string(out, r.columns[c].name);
      out += ": ";
      const auto& cell = r.rows[i][c];
      if (!cell) {
        out += "null";
        continue;
      }
      switch (r.columns[c].kind) {
        case QueryColumn::Kind::kNumber:
          out += *cell;
          break;
        case QueryColumn::Kind::kBool:
          out += *cell == "true" ? "true" : "false";
          break;
        case QueryColumn::Kind::kJson:
          // DuckDB's JSON values are valid JSON text; anything else is quoted.
          if (!cell->empty() && std::string_view("{[\"-0123456789tfn").find(cell->front()) !=
                                    std::string_view::npos) {
            out += *cell;
          } else {
            append_json_string(out, *cell);
          }
          break;
        default:
          append_json_string(out, *cell);
      }
    }
    out += "}";
  }
  out += r.rows.empty() ? "]\n" : "\n]\n";
  return out;
}

std::string render_csv(const store::QueryResult& r) {
  std::string out;
  for (size_t c = 0; c < r.columns.size(); ++c) {
    if (c > 0) out += ',';
    append_csv_field(out, r.columns[c].name);
  }
  out += "\r\n";
  for (const auto& row : r.rows) {
    for (size_t c = 0; c < r.columns.size(); ++c) {
      if (c > 0) out += ',';
      if (row[c]) append_csv_field(out, *row[c]);
    }
    out += "\r\n";
  }
  return out;
}

std::string render(const store::QueryResult& r, std::string_view format, size_t max_cell_width) {
  if (format == "json") return render_json(r);
  if (format == "csv") return render_csv(r);
  return render_table(r, max_cell_width);
}

}  // namespace trailwarden::cli
