// A batch of normalized CloudTrail events in columnar form, ready to append to the store.
// A row is built as a RowDraft (views into the parser's buffers) and committed whole, so a
// record rejected half-way leaves nothing behind.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "formats/cloudtrail/schema.h"

namespace trailwarden::formats::cloudtrail {

struct Cell {
  enum class Kind : uint8_t { kNull, kString, kInt, kBool };
  Kind kind = Kind::kNull;
  bool b = false;
  int64_t i = 0;
  std::string_view s;
};

struct RowDraft {
  std::array<Cell, kColumnCount> cells;
  void clear() { cells.fill(Cell{}); }
  void set_string(Col c, std::string_view v) {
    auto& cell = cells[idx(c)];
    cell.kind = Cell::Kind::kString;
    cell.s = v;
  }
  void set_int(Col c, int64_t v) {
    auto& cell = cells[idx(c)];
    cell.kind = Cell::Kind::kInt;
    cell.i = v;
  }
  void set_bool(Col c, bool v) {
    auto& cell = cells[idx(c)];
    cell.kind = Cell::Kind::kBool;
    cell.b = v;
  }
  const Cell& get(Col c) const { return cells[idx(c)]; }
};

// One column: strings and blobs use bytes/ends; timestamps, ints and bools use ints.
// 32-bit offsets: a batch is cut long before one column holds 4 GiB (pipeline/ingest.h).
struct ColumnData {
  std::string bytes;
  std::vector<uint32_t> ends;
  std::vector<int64_t> ints;
  std::vector<uint8_t> valid;

  bool is_null(size_t row) const { return valid[row] == 0; }
  std::string_view str(size_t row) const {
    uint32_t begin = row == 0 ? 0 : ends[row - 1];
    return std::string_view(bytes).substr(begin, ends[row] - begin);
  }
};

class CloudTrailRows {
 public:
  CloudTrailRows();
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear();
  void reserve(size_t rows, size_t raw_bytes);
  void append(const RowDraft& row);
  const ColumnData& column(Col c) const { return columns_[idx(c)]; }
  ColumnData& mutable_column(Col c) { return columns_[idx(c)]; }

 private:
  std::array<ColumnData, kColumnCount> columns_;
  size_t size_ = 0;
};

}  // namespace trailwarden::formats::cloudtrail
