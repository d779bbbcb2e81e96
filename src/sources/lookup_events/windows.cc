#include "sources/lookup_events/windows.h"

#include <algorithm>
#include <charconv>

namespace trailwarden::sources::lookup_events {

Span poll_span(std::optional<int64_t> checkpoint_s, int64_t since_s, int64_t until_s,
               int64_t overlap_s, int64_t now_s) {
  Span s;
  s.end_s = until_s > 0 ? std::min(until_s, now_s) : now_s;
  const int64_t floor_s = now_s - kLookbackSeconds + kLookbackMarginSeconds;
  int64_t start = since_s > 0 ? since_s : floor_s;
  if (checkpoint_s) start = std::max(*checkpoint_s - std::max<int64_t>(overlap_s, 0), start);
  s.start_s = std::max(start, floor_s);
  return s;
}

Span next_window(int64_t start_s, int64_t end_s, int64_t window_s) {
  window_s = std::max<int64_t>(window_s, 1);
  Span w;
  w.start_s = start_s;
  w.end_s = end_s - start_s > window_s ? start_s + window_s : end_s;
  return w;
}

int64_t adapt_window(int64_t window_s, uint64_t pages, uint64_t max_pages, int64_t min_s,
                     int64_t max_s) {
  if (pages > max_pages) {
    window_s /= 2;
  } else if (pages * 10 < max_pages) {
    window_s *= 2;
  }
  return std::clamp(window_s, std::max<int64_t>(min_s, 1), std::max(min_s, max_s));
}

std::string format_checkpoint(int64_t end_s) { return std::to_string(end_s); }

std::optional<int64_t> parse_checkpoint(std::string_view value) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || p != value.data() + value.size() || v <= 0) return std::nullopt;
  return v;
}

}  // namespace trailwarden::sources::lookup_events
