#include "formats/cloudtrail/rows.h"

#include <cstdlib>
#include <limits>

namespace trailwarden::formats::cloudtrail {

namespace {
bool is_text(ColumnType t) { return t == ColumnType::kString || t == ColumnType::kBlob; }

// Offsets are 32-bit; going past them would silently corrupt rows, so stop instead.
void check_offset(size_t size) {
  if (size > std::numeric_limits<uint32_t>::max()) std::abort();
}
}  // namespace

CloudTrailRows::CloudTrailRows() = default;

void CloudTrailRows::clear() {
  for (auto& c : columns_) {
    c.bytes.clear();
    c.ends.clear();
    c.ints.clear();
    c.valid.clear();
  }
  size_ = 0;
}

void CloudTrailRows::reserve(size_t rows, size_t raw_bytes) {
  for (size_t i = 0; i < kColumnCount; ++i) {
    auto& c = columns_[i];
    c.valid.reserve(rows);
    if (is_text(kColumns[i].type)) {
      c.ends.reserve(rows);
    } else {
      c.ints.reserve(rows);
    }
  }
  columns_[idx(Col::kRawZ)].bytes.reserve(raw_bytes);
}

void CloudTrailRows::append(const RowDraft& row) {
  for (size_t i = 0; i < kColumnCount; ++i) {
    const Cell& cell = row.cells[i];
    ColumnData& c = columns_[i];
    bool present = cell.kind != Cell::Kind::kNull;
    c.valid.push_back(present ? 1 : 0);
    if (is_text(kColumns[i].type)) {
      if (present) c.bytes.append(cell.s);
      check_offset(c.bytes.size());
      c.ends.push_back(static_cast<uint32_t>(c.bytes.size()));
    } else {
      c.ints.push_back(cell.kind == Cell::Kind::kBool ? (cell.b ? 1 : 0) : cell.i);
    }
  }
  ++size_;
}

}  // namespace trailwarden::formats::cloudtrail
