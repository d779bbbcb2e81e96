// A structural scanner that finds where JSON values begin and end without parsing them.
// The decoders use it to cut a file into records, so that one bad record (invalid UTF-8,
// a syntax error, a truncation) is rejected alone while its neighbours are kept, and so that
// each record's original bytes are stored exactly. simdjson then parses each record.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace trailwarden::formats {

enum class ScanError { kNone, kTruncated, kTooDeep, kUnexpected };

struct ScanResult {
  size_t end = 0;  // one past the last byte of the value (valid when error == kNone)
  ScanError error = ScanError::kNone;
};

size_t skip_ws(std::string_view s, size_t pos);

// Finds the end of the value that starts at s[pos] (pos must be at its first byte).
// Objects and arrays are matched bracket by bracket, aware of strings and escapes. Depth
// beyond max_depth gives kTooDeep with `end` still set to the value's end. Scalars end at the
// next delimiter. Inner syntax is not validated: that is the parser's job.
ScanResult scan_value(std::string_view s, size_t pos, int max_depth);

// Walks the members of the object starting at s[pos] == '{'. For each member calls
// on_member(key_raw, value_begin, value_end) where key_raw is the key's text between the
// quotes, still escaped. Stops early when on_member returns false. Returns the object's end,
// or the error that stopped the walk; `stopped_at` receives the offset where it stopped.
// `claim(key_raw, value_begin)` may take a member's value over (walking it itself, so the
// value is read once) and return its ScanResult; members it claims skip on_member.
struct ClaimNone {
  std::optional<ScanResult> operator()(std::string_view, size_t) const { return std::nullopt; }
};
template <typename OnMember, typename Claim = ClaimNone>
ScanResult walk_object(std::string_view s, size_t pos, int max_depth, OnMember&& on_member,
                       size_t* stopped_at = nullptr, Claim&& claim = {});

// Walks the elements of the array starting at s[pos] == '['. For each element calls
// on_element(begin, end, error): error is kNone for a complete element, kTooDeep for a
// complete element nested too deep (the walk goes on), or the scan error of the element that
// stopped the walk (begin is valid, end is s.size()).
template <typename OnElement>
ScanResult walk_array(std::string_view s, size_t pos, int max_depth, OnElement&& on_element);

// ---- implementation ---------------------------------------------------------------------

inline bool is_json_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// End of the string starting at s[pos] == '"' (one past the closing quote).
ScanResult scan_string(std::string_view s, size_t pos);

template <typename OnMember, typename Claim>
ScanResult walk_object(std::string_view s, size_t pos, int max_depth, OnMember&& on_member,
                       size_t* stopped_at, Claim&& claim) {
  auto stop = [&](size_t at, ScanError e) {
    if (stopped_at) *stopped_at = at;
    return ScanResult{at, e};
  };
  size_t i = skip_ws(s, pos + 1);
  if (i < s.size() && s[i] == '}') return {i + 1, ScanError::kNone};
  while (true) {
    if (i >= s.size()) return stop(i, ScanError::kTruncated);
    if (s[i] != '"') return stop(i, ScanError::kUnexpected);
    ScanResult key = scan_string(s, i);
    if (key.error != ScanError::kNone) return stop(i, key.error);
    std::string_view key_raw = s.substr(i + 1, key.end - i - 2);
    i = skip_ws(s, key.end);
    if (i >= s.size()) return stop(i, ScanError::kTruncated);
    if (s[i] != ':') return stop(i, ScanError::kUnexpected);
    i = skip_ws(s, i + 1);
    if (i >= s.size()) return stop(i, ScanError::kTruncated);
    std::optional<ScanResult> claimed = claim(key_raw, i);
    ScanResult value = claimed ? *claimed : scan_value(s, i, max_depth - 1);
    if (value.error != ScanError::kNone && value.error != ScanError::kTooDeep) {
      // Let the caller see the member whose value is cut short (e.g. a truncated "Records").
      if (!claimed) on_member(key_raw, i, s.size());
      return stop(i, value.error);
    }
    if (!claimed && !on_member(key_raw, i, value.end)) return stop(value.end, ScanError::kNone);
    i = skip_ws(s, value.end);
    if (i >= s.size()) return stop(i, ScanError::kTruncated);
    if (s[i] == '}') return {i + 1, ScanError::kNone};
    if (s[i] != ',') return stop(i, ScanError::kUnexpected);
    i = skip_ws(s, i + 1);
  }
}

template <typename OnElement>
ScanResult walk_array(std::string_view s, size_t pos, int max_depth, OnElement&& on_element) {
  size_t i = skip_ws(s, pos + 1);
  if (i < s.size() && s[i] == ']') return {i + 1, ScanError::kNone};
  while (true) {
    if (i >= s.size()) return {i, ScanError::kTruncated};
    ScanResult value = scan_value(s, i, max_depth - 1);
    if (value.error != ScanError::kNone && value.error != ScanError::kTooDeep) {
      on_element(i, s.size(), value.error);
      return {i, value.error};
    }
    on_element(i, value.end, value.error);
    i = skip_ws(s, value.end);
    if (i >= s.size()) return {i, ScanError::kTruncated};
    if (s[i] == ']') return {i + 1, ScanError::kNone};
    if (s[i] != ',') return {i, ScanError::kUnexpected};
    i = skip_ws(s, i + 1);
  }
}

}  // namespace trailwarden::formats
