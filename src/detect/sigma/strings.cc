// Sigma string values and their compiled tests (see strings.h).
#include "detect/sigma/strings.h"

#include <cstring>

namespace trailwarden::detect::sigma {

std::string fold_copy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = fold(c);
  return out;
}

bool iequals_folded(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (fold(a[i]) != b[i]) return false;
  }
  return true;
}

bool istarts_with(std::string_view text, std::string_view p) {
  return text.size() >= p.size() && iequals_folded(text.substr(0, p.size()), p);
}

bool iends_with(std::string_view text, std::string_view s) {
  return text.size() >= s.size() && iequals_folded(text.substr(text.size() - s.size()), s);
}

bool icontains(std::string_view text, std::string_view needle) {
  if (needle.empty()) return true;
  if (text.size() < needle.size()) return false;
  const char first = needle[0];
  const char upper = (first >= 'a' && first <= 'z') ? static_cast<char>(first - 'a' + 'A') : first;
  const size_t last = text.size() - needle.size();
  const std::string_view rest = needle.substr(1);
  for (size_t i = 0; i <= last; ++i) {
    char c = text[i];
    if (c != first && c != upper) {
      // Skip ahead to the next candidate.
      const void* a = std::memchr(text.data() + i, first, last - i + 1);
      const void* b = upper == first ? nullptr : std::memchr(text.data() + i, upper, last - i + 1);
      if (a == nullptr && b == nullptr) return false;
      const char* next =
          static_cast<const char*>(a == nullptr ? b : (b == nullptr ? a : std::min(a, b)));
      i = static_cast<size_t>(next - text.data());
    }
    if (iequals_folded(text.substr(i + 1, rest.size()), rest)) return true;
  }
  return false;
}

SigmaString SigmaString::parse(std::string_view raw) {
  SigmaString s;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\' && i + 1 < raw.size() &&
        (raw[i + 1] == '*' || raw[i + 1] == '?' || raw[i + 1] == '\\')) {
      s.symbols_.push_back(static_cast<unsigned char>(raw[i + 1]));
      ++i;
    } else if (c == '*') {
      s.symbols_.push_back(kStar);
    } else if (c == '?') {
      s.symbols_.push_back(kOne);
    } else {
      s.symbols_.push_back(static_cast<unsigned char>(c));
    }
  }
  return s;
}

SigmaString SigmaString::literal(std::string_view raw) {
  SigmaString s;
  s.append_literal(raw);
  return s;
}

void SigmaString::append_literal(std::string_view text) {
  for (char c : text) symbols_.push_back(static_cast<unsigned char>(c));
}

void SigmaString::append(const SigmaString& other) {
  symbols_.insert(symbols_.end(), other.symbols_.begin(), other.symbols_.end());
}

bool SigmaString::has_wildcards() const {
  for (int16_t c : symbols_) {
    if (c < 0) return true;
  }
  return false;
}

std::string SigmaString::plain() const {
  std::string out;
  for (int16_t c : symbols_) {
    if (c >= 0) out.push_back(static_cast<char>(c));
  }
  return out;
}

void SigmaString::prepend_star() {
  if (symbols_.empty() || symbols_.front() != kStar) symbols_.insert(symbols_.begin(), kStar);
}

void SigmaString::append_star() {
  if (symbols_.empty() || symbols_.back() != kStar) symbols_.push_back(kStar);
}

namespace {
// Symbols back to Sigma's text form: wildcards as * and ?, literal *, ? and \ escaped.
std::string glob_text(const std::vector<int16_t>& symbols) {
  std::string out;
  for (int16_t c : symbols) {
    if (c == SigmaString::kStar) {
      out.push_back('*');
    } else if (c == SigmaString::kOne) {
      out.push_back('?');
    } else {
      char ch = static_cast<char>(c);
      if (ch == '*' || ch == '?' || ch == '\\') out.push_back('\\');
      out.push_back(ch);
    }
  }
  return out;
}
}  // namespace

std::string SigmaString::pattern() const { return glob_text(symbols_); }

namespace {
size_t utf8_step(std::string_view t, size_t i) {
  auto c = static_cast<unsigned char>(t[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  return std::min(n, t.size() - i);
}
}  // namespace

bool glob_match(std::string_view text, const std::vector<int16_t>& pattern, bool cased) {
  constexpr size_t kNone = static_cast<size_t>(-1);
  size_t t = 0, p = 0, star_p = kNone, star_t = 0;
  const size_t n = text.size(), m = pattern.size();
  while (t < n) {
    if (p < m) {
      int16_t s = pattern[p];
      if (s == SigmaString::kOne) {
        t += utf8_step(text, t);
        ++p;
        continue;
      }
      if (s == SigmaString::kStar) {
        star_p = p++;
        star_t = t;
        continue;
      }
      char c = cased ? text[t] : fold(text[t]);
      if (c == static_cast<char>(s)) {
        ++t;
        ++p;
        continue;
      }
    }
    if (star_p == kNone) return false;
    p = star_p + 1;
    t = ++star_t;
  }
  while (p < m && pattern[p] == SigmaString::kStar) ++p;
  return p == m;
}

StringMatcher::StringMatcher(const SigmaString& s, bool cased) : cased_(cased) {
  const auto& sym = s.symbols();
  size_t lead = 0, trail = 0;
  while (lead < sym.size() && sym[lead] == SigmaString::kStar) ++lead;
  while (trail < sym.size() - lead && sym[sym.size() - 1 - trail] == SigmaString::kStar) ++trail;
  bool inner_wildcard = false;
  for (size_t i = lead; i < sym.size() - trail; ++i) {
    if (sym[i] < 0) inner_wildcard = true;
  }
  if (inner_wildcard) {
    kind_ = Kind::kGlob;
    glob_ = sym;
    if (!cased) {
      for (auto& c : glob_) {
        if (c >= 0) c = static_cast<unsigned char>(fold(static_cast<char>(c)));
      }
    }
    return;
  }
  for (size_t i = lead; i < sym.size() - trail; ++i) needle_.push_back(static_cast<char>(sym[i]));
  if (!cased) needle_ = fold_copy(needle_);
  if (lead == 0 && trail == 0) {
    kind_ = Kind::kExact;
  } else if (needle_.empty()) {
    kind_ = Kind::kAny;
  } else if (lead == 0) {
    kind_ = Kind::kPrefix;
  } else if (trail == 0) {
    kind_ = Kind::kSuffix;
  } else {
    kind_ = Kind::kContains;
  }
}

bool StringMatcher::match(std::string_view text) const {
  switch (kind_) {
    case Kind::kExact:
      return cased_ ? text == needle_ : iequals_folded(text, needle_);
    case Kind::kPrefix:
      return cased_ ? text.starts_with(needle_) : istarts_with(text, needle_);
    case Kind::kSuffix:
      return cased_ ? text.ends_with(needle_) : iends_with(text, needle_);
    case Kind::kContains:
      return cased_ ? text.find(needle_) != std::string_view::npos : icontains(text, needle_);
    case Kind::kGlob:
      return glob_match(text, glob_, cased_);
    case Kind::kAny:
      return true;
  }
  return false;
}

std::string_view StringMatcher::op_name() const {
  switch (kind_) {
    case Kind::kExact:
      return "eq";
    case Kind::kPrefix:
      return "prefix";
    case Kind::kSuffix:
      return "suffix";
    case Kind::kContains:
      return "contains";
    case Kind::kGlob:
      return "glob";
    case Kind::kAny:
      return "any";
  }
  return "?";
}

std::string StringMatcher::operand() const {
  if (kind_ != Kind::kGlob) return needle_;
  return glob_text(glob_);
}

}  // namespace trailwarden::detect::sigma
