// Gzip detection and bounded inflation. Input is hostile: the expansion is capped, and a
// truncated stream yields what could be inflated before the cut.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "formats/padded_buffer.h"

namespace trailwarden::formats {

enum class InflateStatus { kOk, kCorrupt, kTruncated, kLimit };

struct InflateResult {
  InflateStatus status = InflateStatus::kOk;
  std::string detail;  // for people, when status != kOk
};

bool is_gzip(std::string_view data);

// Inflates every gzip member of `data` into `out` (replacing its content). Never writes more
// than `max_output` bytes: past that, returns kLimit with the output so far.
InflateResult gunzip(std::string_view data, size_t max_output, PaddedBuffer& out);

}  // namespace trailwarden::formats
