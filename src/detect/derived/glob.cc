#include "detect/derived/glob.h"

#include <array>
#include <cstdint>
#include <vector>

#include "detect/derived/dom_util.h"

namespace trailwarden::detect::derived {
namespace {

bool char_matches(char p, char c) { return p == '?' || ascii_lower(p) == ascii_lower(c); }

// The set of live automaton states 0..m (state i: pattern[0, i) has been matched). Patterns up
// to 255 characters use inline storage; longer ones (never valid IAM, but attacker-supplied)
// fall back to the heap.
class StateSet {
 public:
  explicit StateSet(size_t states) : words_((states + 63) / 64) {
    if (words_ > inline_.size()) heap_.assign(words_, 0);
  }
  uint64_t* data() { return words_ > inline_.size() ? heap_.data() : inline_.data(); }
  const uint64_t* data() const { return words_ > inline_.size() ? heap_.data() : inline_.data(); }
  bool test(size_t i) const { return (data()[i / 64] >> (i % 64)) & 1u; }
  void set(size_t i) { data()[i / 64] |= uint64_t{1} << (i % 64); }
  void clear() {
    for (size_t w = 0; w < words_; ++w) data()[w] = 0;
  }
  bool empty() const {
    for (size_t w = 0; w < words_; ++w) {
      if (data()[w] != 0) return false;
    }
    return true;
  }

 private:
  size_t words_;
  std::array<uint64_t, 4> inline_{};
  std::vector<uint64_t> heap_;
};

// A `*` at i may match nothing: state i also reaches i + 1.
void close_over_stars(std::string_view p, StateSet& s) {
  for (size_t i = 0; i < p.size(); ++i) {
    if (s.test(i) && p[i] == '*') s.set(i + 1);
  }
}

// Runs the automaton over `text` from the start state; `cur` holds the live states after it.
void run(std::string_view p, std::string_view text, StateSet& cur, StateSet& next) {
  cur.clear();
  cur.set(0);
  close_over_stars(p, cur);
  for (char c : text) {
    next.clear();
    bool any = false;
    for (size_t i = 0; i < p.size(); ++i) {
      if (!cur.test(i)) continue;
      if (p[i] == '*') {
        next.set(i);
        any = true;
      } else if (char_matches(p[i], c)) {
        next.set(i + 1);
        any = true;
      }
    }
    close_over_stars(p, next);
    std::swap(cur, next);
    if (!any) return;
  }
}

}  // namespace

bool glob_match(std::string_view p, std::string_view t) {
  // Greedy matching with backtracking to the last star: linear space, no allocation.
  size_t pi = 0, ti = 0;
  size_t star = std::string_view::npos, star_t = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      star_t = ti;
    } else if (pi < p.size() && char_matches(p[pi], t[ti])) {
      ++pi;
      ++ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++star_t;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool glob_prefix_alive(std::string_view p, std::string_view prefix) {
  StateSet cur(p.size() + 1), next(p.size() + 1);
  run(p, prefix, cur, next);
  return !cur.empty();
}

bool glob_covers_prefix(std::string_view p, std::string_view prefix) {
  // After `prefix` the pattern must match every continuation: the union of the suffixes
  // p[i, m) over the live states i must be universal. A suffix holding a literal character
  // misses every continuation made of a character the pattern does not contain, so only the
  // suffixes of `*` and `?` alone count, and those match by length: q `?`s and a `*` match
  // lengths >= q, q `?`s alone exactly q. Universal = every length is covered.
  size_t wild_from = p.size();  // p[wild_from, m) holds only * and ?
  while (wild_from > 0 && (p[wild_from - 1] == '*' || p[wild_from - 1] == '?')) --wild_from;
  StateSet cur(p.size() + 1), next(p.size() + 1);
  run(p, prefix, cur, next);
  StateSet exact(p.size() + 1);    // lengths matched exactly by a star-free live suffix
  size_t min_open = p.size() + 1;  // least q of a live suffix with a star
  size_t q = 0;
  bool star = false;
  for (size_t i = p.size() + 1; i-- > wild_from;) {
    if (i < p.size()) {
      if (p[i] == '?') ++q;
      if (p[i] == '*') star = true;
    }
    if (!cur.test(i)) continue;
    if (star) {
      if (q < min_open) min_open = q;
    } else {
      exact.set(q);
    }
  }
  if (min_open > p.size()) return false;
  for (size_t len = 0; len < min_open; ++len) {
    if (!exact.test(len)) return false;
  }
  return true;
}

}  // namespace trailwarden::detect::derived
