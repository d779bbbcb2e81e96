// ISO-8601 timestamps <-> microseconds since the Unix epoch, UTC, without locale or TZ.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trailwarden {

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)" (also a space or lower-case 't'
// instead of 'T', and 'z'). The result must fall in years 0001-9999 UTC. Returns nullopt for
// anything else, including out-of-range fields (month 13, second 61, Feb 30).
std::optional<int64_t> parse_iso8601_micros(std::string_view text);

// "2024-01-15T00:04:35Z", or with ".123456" when the value has sub-second microseconds.
std::string format_iso8601_micros(int64_t micros);

// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

}  // namespace trailwarden
