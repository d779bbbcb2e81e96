// Window arithmetic of the LookupEvents collector, on whole epoch seconds (CloudTrail event
// times have no fraction; StartTime and EndTime are inclusive).
//
// A poll collects [start, end] where end = min(until, now) and
//   start = max(checkpoint - overlap, since)   when a checkpoint exists,
//   start = since                              otherwise,
// never earlier than the API's 90-day look-back. The span is cut into windows of at most
// `window` seconds, oldest first; each window is read to its last page before its end is
// checkpointed. The next window starts at the previous end (the boundary second is read
// twice; the workspace drops the repeats by AwsEventId).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trailwarden::sources::lookup_events {

inline constexpr int64_t kLookbackSeconds = 90 * 86400;
// A little inside the 90 days, so a request made a moment later is not refused for a
// start time that has just fallen out of range.
inline constexpr int64_t kLookbackMarginSeconds = 3600;

struct Span {
  int64_t start_s = 0;
  int64_t end_s = 0;
  bool empty() const { return start_s > end_s; }
};

// What one poll should cover. `since_s` 0: from the look-back limit.
Span poll_span(std::optional<int64_t> checkpoint_s, int64_t since_s, int64_t until_s,
               int64_t overlap_s, int64_t now_s);

// The window starting at `start_s`, at most `window_s` long, not past `end_s`.
Span next_window(int64_t start_s, int64_t end_s, int64_t window_s);

// The next window size: halved after a window of more than `max_pages` pages (so a restart,
// after a kill or an invalid token, redoes little), doubled after one of fewer than a tenth
// of that, within [min_s, max_s].
int64_t adapt_window(int64_t window_s, uint64_t pages, uint64_t max_pages, int64_t min_s,
                     int64_t max_s);

// Checkpoint values: the end of the last complete window, epoch seconds in decimal.
std::string format_checkpoint(int64_t end_s);
std::optional<int64_t> parse_checkpoint(std::string_view value);

}  // namespace trailwarden::sources::lookup_events
