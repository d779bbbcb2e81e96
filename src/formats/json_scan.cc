#include "formats/json_scan.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace trailwarden::formats {

size_t skip_ws(std::string_view s, size_t pos) {
  while (pos < s.size() && is_json_ws(s[pos])) ++pos;
  return pos;
}

ScanResult scan_string(std::string_view s, size_t pos) {
  // Strings are most of a CloudTrail record: find the closing quote 16 bytes at a time,
  // stepping over each backslash escape (the escaped byte can never close the string).
  const char* p = s.data() + pos + 1;
  const char* const end = s.data() + s.size();
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  while (end - p >= 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    auto mask = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash))));
    if (mask == 0) {
      p += 16;
      continue;
    }
    p += __builtin_ctz(mask);
    if (*p == '"') return {static_cast<size_t>(p - s.data()) + 1, ScanError::kNone};
    p += 2;  // a backslash and the byte it escapes
  }
#endif
  while (p < end) {
    if (*p == '"') return {static_cast<size_t>(p - s.data()) + 1, ScanError::kNone};
    p += *p == '\\' ? 2 : 1;
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
