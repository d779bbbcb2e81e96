// Sigma string values: parsing of wildcards (`*`, `?`) and escapes (`\*`, `\?`, `\\`), and the
// compiled string tests (exact, prefix, suffix, contains, glob) with ASCII case folding.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace trailwarden::detect::sigma {

inline char fold(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
std::string fold_copy(std::string_view s);
// `b` must already be folded.
bool iequals_folded(std::string_view a, std::string_view b);
bool istarts_with(std::string_view text, std::string_view folded_prefix);
bool iends_with(std::string_view text, std::string_view folded_suffix);
bool icontains(std::string_view text, std::string_view folded_needle);

// A Sigma string: literal text with wildcards. Stored as a sequence of symbols: a byte
// (0..255) or one of the wildcards.
class SigmaString {
 public:
  static constexpr int16_t kStar = -1;
  static constexpr int16_t kOne = -2;

  SigmaString() = default;
  // Interprets `*`, `?` and the escapes `\*`, `\?`, `\\` (any other backslash is literal).
  static SigmaString parse(std::string_view raw);
  // Every character literal.
  static SigmaString literal(std::string_view raw);

  const std::vector<int16_t>& symbols() const { return symbols_; }
  bool has_wildcards() const;
  bool empty() const { return symbols_.empty(); }
  // The literal bytes (wildcards dropped; callers check has_wildcards first).
  std::string plain() const;
  void prepend_star();
  void append_star();
  void append(const SigmaString& other);
  void append_literal(std::string_view text);
  // Display form: wildcards as `*`/`?`, literal `*`, `?` and `\` escaped.
  std::string pattern() const;

 private:
  std::vector<int16_t> symbols_;
};

// A compiled test of a text against a Sigma string.
class StringMatcher {
 public:
  enum class Kind : uint8_t { kExact, kPrefix, kSuffix, kContains, kGlob, kAny };

  StringMatcher() = default;
  StringMatcher(const SigmaString& s, bool cased);

  bool match(std::string_view text) const;
  Kind kind() const { return kind_; }
  bool cased() const { return cased_; }
  // The literal needle (folded unless cased) for the exact/prefix/suffix/contains kinds.
  const std::string& needle() const { return needle_; }
  // "eq", "prefix", "suffix", "contains", "glob", "any".
  std::string_view op_name() const;
  // The needle or, for globs, the pattern.
  std::string operand() const;

 private:
  Kind kind_ = Kind::kAny;
  bool cased_ = false;
  std::string needle_;
  std::vector<int16_t> glob_;  // folded unless cased
};

// Wildcard matching of `text` against symbols (see SigmaString); `?` consumes one UTF-8
// character. `pattern` must be folded unless `cased`.
bool glob_match(std::string_view text, const std::vector<int16_t>& pattern, bool cased);

}  // namespace trailwarden::detect::sigma
