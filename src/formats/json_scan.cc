#include "formats/json_scan.h"

#include <cstring>

namespace trailwarden::formats {

size_t skip_ws(std::string_view s, size_t pos) {
  while (pos < s.size() && is_json_ws(s[pos])) ++pos;
  return pos;
}

ScanResult scan_string(std::string_view s, size_t pos) {
  const char* p = s.data() + pos + 1;
  const char* end = s.data() + s.size();
  while (p < end) {
    // Most string bytes are neither '"' nor '\\': jump between them with memchr-speed scans.
    const char* q = static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(end - p)));
    if (q == nullptr) return {s.size(), ScanError::kTruncated};
    // Count the backslashes immediately before the quote: an odd run escapes it.
    const char* b = q;
    while (b > p && b[-1] == '\\') --b;
    if (((q - b) & 1) == 0) return {static_cast<size_t>(q - s.data()) + 1, ScanError::kNone};
    p = q + 1;
  }
  return {s.size(), ScanError::kTruncated};
}

ScanResult scan_value(std::string_view s, size_t pos, int max_depth) {
  if (pos >= s.size()) return {pos, ScanError::kTruncated};
  char c = s[pos];
  if (c == '"') return scan_string(s, pos);
  if (c != '{' && c != '[') {
    // A scalar: runs to the next structural character or whitespace.
    if (c == '}' || c == ']' || c == ',' || c == ':') return {pos, ScanError::kUnexpected};
    size_t i = pos;
    while (i < s.size()) {
      char d = s[i];
      if (d == ',' || d == '}' || d == ']' || d == ':' || d == '"' || d == '{' || d == '[' ||
          is_json_ws(d)) {
        break;
      }
      ++i;
    }
    return {i, ScanError::kNone};
  }
  // Depth past the limit is reported, but the scan still finds where the value ends, so a
  // caller can reject this value alone and go on with its neighbours.
  int depth = 0;
  bool too_deep = false;
  size_t i = pos;
  const size_t n = s.size();
  while (i < n) {
    char d = s[i];
    switch (d) {
      case '{':
      case '[':
        if (++depth > max_depth) too_deep = true;
        ++i;
        break;
      case '}':
      case ']':
        --depth;
        ++i;
        if (depth == 0) return {i, too_deep ? ScanError::kTooDeep : ScanError::kNone};
        break;
      case '"': {
        ScanResult str = scan_string(s, i);
        if (str.error != ScanError::kNone) return str;
        i = str.end;
        break;
      }
      default:
        ++i;
    }
  }
  return {n, ScanError::kTruncated};
}

}  // namespace trailwarden::formats
