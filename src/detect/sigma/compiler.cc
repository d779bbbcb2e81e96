// Sigma detection compiler: selections and value modifiers -> field tests, the condition ->
// a boolean tree over them (see compiler.h).
#include "detect/sigma/compiler.h"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "core/text.h"
#include "detect/sigma/condition.h"

namespace trailwarden::detect::sigma {

namespace {

constexpr size_t kMaxExpansion = 4096;  // values one rule value may expand to

std::string show(std::string_view s) { return json_string(s); }

bool is_quoted(const YAML::Node& n) { return n.Tag() == "!"; }

// A plain YAML scalar that reads as a number (int or float).
bool plain_number(const YAML::Node& n, double& out) {
  if (!n.IsScalar() || is_quoted(n)) return false;
  const std::string& s = n.Scalar();
  if (s.empty()) return false;
  bool digit = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E') {
      return false;
    }
  }
  if (!digit) return false;
  std::string_view v = s;
  if (v.front() == '+') v.remove_prefix(1);
  auto r = std::from_chars(v.data(), v.data() + v.size(), out);
  return r.ec == std::errc() && r.ptr == v.data() + v.size();
}

bool parse_number(std::string_view s, double& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// ---- value transformations ----

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

// The three forms a value takes inside base64 text depending on its offset (0, 1, 2 bytes),
// without the characters that depend on the neighbouring bytes (as pySigma does).
std::vector<std::string> base64_offsets(std::string_view value) {
  static constexpr size_t kStart[3] = {0, 2, 3};
  static constexpr int kEnd[3] = {0, -3, -2};  // 0: to the end
  std::vector<std::string> out;
  for (size_t i = 0; i < 3; ++i) {
    std::string padded(i, ' ');
    padded += value;
    std::string enc = base64(padded);
    int end_off = kEnd[(value.size() + i) % 3];
    size_t end = end_off == 0 ? enc.size()
                              : (enc.size() >= static_cast<size_t>(-end_off)
                                     ? enc.size() - static_cast<size_t>(-end_off)
                                     : 0);
    size_t start = std::min(kStart[i], end);
    out.push_back(enc.substr(start, end - start));
  }
  return out;
}

// UTF-8 -> code points (invalid bytes pass as Latin-1).
std::vector<uint32_t> code_points(std::string_view s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence_length(s, i);
    auto c = static_cast<unsigned char>(s[i]);
    if (n == 0) {
      out.push_back(c);
      ++i;
      continue;
    }
    uint32_t cp = n == 1 ? c : (n == 2 ? c & 0x1F : (n == 3 ? c & 0x0F : c & 0x07));
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

std::string utf16(std::string_view s, bool big_endian, bool bom) {
  std::string out;
  auto put = [&](uint16_t u) {
    if (big_endian) {
      out.push_back(static_cast<char>(u >> 8));
      out.push_back(static_cast<char>(u & 0xFF));
    } else {
      out.push_back(static_cast<char>(u & 0xFF));
      out.push_back(static_cast<char>(u >> 8));
    }
  };
  if (bom) put(0xFEFF);
  for (uint32_t cp : code_points(s)) {
    if (cp >= 0x10000) {
      cp -= 0x10000;
      put(static_cast<uint16_t>(0xD800 + (cp >> 10)));
      put(static_cast<uint16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      put(static_cast<uint16_t>(cp));
    }
  }
  return out;
}

bool is_word_symbol(int16_t c) {
  return c >= 0 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c >= 0x80);
}

// Every `-` or `/` that starts a word (pySigma: \B[-/]\b) in each of its five forms.
bool windash(const SigmaString& s, std::vector<SigmaString>& out) {
  static const std::vector<std::string> kForms = {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94",
                                                  "\xE2\x80\x95"};
  const auto& sym = s.symbols();
  std::vector<size_t> at;
  for (size_t i = 0; i < sym.size(); ++i) {
    if ((sym[i] == '-' || sym[i] == '/') && (i == 0 || !is_word_symbol(sym[i - 1])) &&
        i + 1 < sym.size() && is_word_symbol(sym[i + 1])) {
      at.push_back(i);
    }
  }
  size_t total = 1;
  for (size_t k = 0; k < at.size(); ++k) {
    total *= kForms.size();
    if (total + out.size() > kMaxExpansion) return false;
  }
  for (size_t combo = 0; combo < total; ++combo) {
    SigmaString r;
    size_t c = combo, next = 0;
    for (size_t i = 0; i < sym.size(); ++i) {
      if (next < at.size() && at[next] == i) {
        r.append_literal(kForms[c % kForms.size()]);
        c /= kForms.size();
        ++next;
      } else {
        if (sym[i] < 0) {
          r.append(SigmaString::parse(sym[i] == SigmaString::kStar ? "*" : "?"));
        } else {
          const char ch = static_cast<char>(sym[i]);
          r.append_literal(std::string_view(&ch, 1));
        }
      }
    }
    out.push_back(std::move(r));
  }
  return true;
}

// The longest literal run every match of `pattern` must contain, or "" when the pattern is
// too complex to tell (groups, alternation). Conservative: a wrong literal would lose matches.
std::string required_literal(std::string_view pattern, bool case_insensitive) {
  std::string best, run;
  auto end_run = [&] {
    if (run.size() > best.size()) best = run;
    run.clear();
  };
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    switch (c) {
      case '(':
      case ')':
      case '|':
        return {};
      case '\\': {
        if (i + 1 >= pattern.size()) return {};
        char n = pattern[++i];
        if (std::isalnum(static_cast<unsigned char>(n))) {
          end_run();  // \d, \w, \b, \x41, ...: not a literal we track
          if (n == 'x' || n == 'p' || n == 'P' || n == 'Q' || n == 'E' || n == 'C') return {};
        } else {
          run.push_back(n);
        }
        break;
      }
      case '[': {
        end_run();
        size_t j = i + 1;
        if (j < pattern.size() && pattern[j] == '^') ++j;
        if (j < pattern.size() && pattern[j] == ']') ++j;
        while (j < pattern.size() && pattern[j] != ']') {
          if (pattern[j] == '\\') ++j;
          ++j;
        }
        if (j >= pattern.size()) return {};
        i = j;
        break;
      }
      case '*':
      case '?':
      case '{':
        // The previous character is optional (or repeated a variable number of times).
        if (!run.empty()) run.pop_back();
        end_run();
        if (c == '{') {
          size_t close = pattern.find('}', i);
          if (close == std::string_view::npos) return {};
          i = close;
        }
        if (i + 1 < pattern.size() && (pattern[i + 1] == '?' || pattern[i + 1] == '+')) ++i;
        break;
      case '+':
        end_run();
        if (i + 1 < pattern.size() && (pattern[i + 1] == '?' || pattern[i + 1] == '+')) ++i;
        break;
      case '.':
      case '^':
      case '$':
        end_run();
        break;
      default:
        if (case_insensitive && static_cast<unsigned char>(c) >= 0x80) {
          end_run();  // Unicode case folding is beyond an ASCII check
        } else {
          run.push_back(c);
        }
    }
  }
  end_run();
  if (best.size() < 3) return {};
  return case_insensitive ? fold_copy(best) : best;
}

// ---- modifiers ----

enum class MatchKind : uint8_t {
  kDefault,
  kContains,
  kStartswith,
  kEndswith,
  kRe,
  kCidr,
  kLt,
  kLte,
  kGt,
  kGte,
  kExists,
};

struct Modifiers {
  MatchKind match = MatchKind::kDefault;
  bool all = false, cased = false, neq = false, fieldref = false, expand = false;
  std::string re_flags;
  std::vector<std::string> transforms;  // windash, utf16le, utf16be, utf16, base64, base64offset
  std::string time_part;                // minute, hour, day, week, month, year
};

bool is_string_match(MatchKind k) {
  return k == MatchKind::kDefault || k == MatchKind::kContains || k == MatchKind::kStartswith ||
         k == MatchKind::kEndswith;
}

bool is_numeric(MatchKind k) {
  return k == MatchKind::kLt || k == MatchKind::kLte || k == MatchKind::kGt || k == MatchKind::kGte;
}

const std::set<std::string_view>& time_modifiers() {
  static const std::set<std::string_view> k = {"minute", "hour", "day", "week", "month", "year"};
  return k;
}

struct Selection {
  std::string name;
  YAML::Mark mark;
  Node node;
  bool ok = false;
  bool used = false;
};

class Compiler {
 public:
  Compiler(const CompileOptions& options, DiagSink& diag) : options_(options), diag_(diag) {}

  std::optional<CompiledDetection> run(const YAML::Node& detection);

 private:
  bool parse_modifiers(const std::vector<std::string_view>& names, const YAML::Mark& mark,
                       bool keyword, Modifiers& m);
  std::optional<Node> compile_selection(const YAML::Node& n);
  std::optional<Node> compile_map(const YAML::Node& m);
  std::optional<Node> compile_field(const YAML::Node& key, const YAML::Node& value);
  std::optional<Node> compile_keywords(const std::vector<YAML::Node>& values);
  bool compile_values(const Modifiers& m, const std::vector<YAML::Node>& values, bool keyword,
                      std::vector<ValueTest>& out);
  bool expand_placeholders(const std::string& raw, const YAML::Mark& mark,
                           std::vector<std::string>& out);
  Node make_test(FieldTest test);
  std::optional<Node> compile_condition(const ConditionNode& c, const YAML::Node& cond_node,
                                        int offset);
  void condition_error(std::string_view code, const YAML::Node& cond_node, int offset, int column,
                       std::string message);

  const CompileOptions& options_;
  DiagSink& diag_;
  CompiledDetection out_;
  std::vector<Selection> selections_;
};

Node make_group(Node::Kind kind, std::vector<Node> children) {
  if (children.size() == 1) return std::move(children[0]);
  Node n;
  n.kind = kind;
  for (auto& c : children) {
    if (c.kind == kind && kind != Node::Kind::kAtLeast) {
      for (auto& g : c.children) n.children.push_back(std::move(g));
    } else {
      n.children.push_back(std::move(c));
    }
  }
  return n;
}

Node Compiler::make_test(FieldTest test) {
  // Keep each test at most 64 values (the evaluator tracks hits in a 64-bit mask).
  if (test.values.size() <= 64) {
    Node n;
    n.kind = Node::Kind::kTest;
    n.test = static_cast<uint32_t>(out_.rule.tests.size());
    out_.rule.tests.push_back(std::move(test));
    return n;
  }
  std::vector<Node> parts;
  for (size_t i = 0; i < test.values.size(); i += 64) {
    FieldTest part;
    part.path = test.path;
    part.keyword = test.keyword;
    part.all = test.all;
    size_t end = std::min(test.values.size(), i + 64);
    part.values.assign(std::make_move_iterator(test.values.begin() + static_cast<long>(i)),
                       std::make_move_iterator(test.values.begin() + static_cast<long>(end)));
    parts.push_back(make_test(std::move(part)));
  }
  return make_group(test.all ? Node::Kind::kAnd : Node::Kind::kOr, std::move(parts));
}

bool Compiler::parse_modifiers(const std::vector<std::string_view>& names, const YAML::Mark& mark,
                               bool keyword, Modifiers& m) {
  std::set<std::string_view> seen;
  auto conflict = [&](std::string msg) {
    diag_.error("bad-modifier-combination", mark, std::move(msg));
    return false;
  };
  for (std::string_view name : names) {
    if (!seen.insert(name).second)
      return conflict("modifier '" + std::string(name) + "' is given twice");
    auto set_match = [&](MatchKind k) {
      if (m.match != MatchKind::kDefault) {
        return conflict("modifier '" + std::string(name) +
                        "' cannot be combined with another match modifier before it");
      }
      m.match = k;
      return true;
    };
    bool ok = true;
    if (name == "contains") {
      ok = set_match(MatchKind::kContains);
    } else if (name == "startswith") {
      ok = set_match(MatchKind::kStartswith);
    } else if (name == "endswith") {
      ok = set_match(MatchKind::kEndswith);
    } else if (name == "re") {
      ok = set_match(MatchKind::kRe);
    } else if (name == "cidr") {
      ok = set_match(MatchKind::kCidr);
    } else if (name == "lt") {
      ok = set_match(MatchKind::kLt);
    } else if (name == "lte") {
      ok = set_match(MatchKind::kLte);
    } else if (name == "gt") {
      ok = set_match(MatchKind::kGt);
    } else if (name == "gte") {
      ok = set_match(MatchKind::kGte);
    } else if (name == "exists") {
      ok = set_match(MatchKind::kExists);
    } else if (name == "i" || name == "m" || name == "s" || name == "ignorecase" ||
               name == "multiline" || name == "dotall") {
      if (m.match != MatchKind::kRe) {
        return conflict("regular expression flag '" + std::string(name) +
                        "' must follow the 're' modifier");
      }
      m.re_flags += name.substr(0, 1) == "d" ? std::string("s") : std::string(name.substr(0, 1));
    } else if (name == "all") {
      m.all = true;
    } else if (name == "cased") {
      m.cased = true;
    } else if (name == "neq") {
      m.neq = true;
    } else if (name == "fieldref") {
      m.fieldref = true;
    } else if (name == "expand") {
      m.expand = true;
    } else if (name == "windash" || name == "base64" || name == "base64offset" ||
               name == "utf16le" || name == "utf16be" || name == "utf16" || name == "wide") {
      m.transforms.emplace_back(name == "wide" ? "utf16le" : name);
    } else if (time_modifiers().contains(name)) {
      if (!m.time_part.empty()) return conflict("only one time modifier may be given");
      m.time_part = std::string(name);
    } else {
      diag_.error("unknown-modifier", mark,
                  "unknown modifier " + show(name) +
                      " (known: contains, startswith, endswith, all, re, i, m, s, cidr, base64, "
                      "base64offset, utf16le, utf16be, utf16, wide, windash, exists, fieldref, lt, "
                      "lte, gt, gte, neq, cased, expand, minute, hour, day, week, month, year)");
      return false;
    }
    if (!ok) return false;
  }
  const bool has_transforms = !m.transforms.empty();
  if (!m.time_part.empty() && (!(m.match == MatchKind::kDefault || is_numeric(m.match)) ||
                               has_transforms || m.fieldref || m.cased || m.expand)) {
    return conflict("the time modifier '" + m.time_part +
                    "' only combines with lt/lte/gt/gte, neq and all");
  }
  if (m.match == MatchKind::kExists) {
    if (m.all || m.neq || m.cased || m.fieldref || m.expand || has_transforms) {
      return conflict("'exists' takes a boolean and no other modifier");
    }
  }
  if (m.match == MatchKind::kRe || m.match == MatchKind::kCidr || is_numeric(m.match)) {
    const char* what =
        m.match == MatchKind::kRe ? "re" : (m.match == MatchKind::kCidr ? "cidr" : "lt/lte/gt/gte");
    if (has_transforms)
      return conflict(std::string("'") + what +
                      "' cannot be combined with encoding or windash modifiers");
    if (m.fieldref)
      return conflict(std::string("'") + what + "' cannot be combined with 'fieldref'");
    if (m.cased && m.match != MatchKind::kRe)
      return conflict(std::string("'cased' has no meaning with '") + what + "'");
    if (m.neq && is_numeric(m.match))
      return conflict("'neq' cannot be combined with lt/lte/gt/gte");
  }
  if (m.fieldref && has_transforms) {
    return conflict("'fieldref' cannot be combined with encoding or windash modifiers");
  }
  if (m.fieldref && m.expand) return conflict("'fieldref' cannot be combined with 'expand'");
  for (size_t i = 0; i < m.transforms.size(); ++i) {
    const std::string& t = m.transforms[i];
    if (t == "utf16le" || t == "utf16be" || t == "utf16") {
      bool encoded_later = false;
      for (size_t j = i + 1; j < m.transforms.size(); ++j) {
        encoded_later =
            encoded_later || m.transforms[j] == "base64" || m.transforms[j] == "base64offset";
      }
      if (!encoded_later) {
        return conflict("'" + t +
                        "' must be followed by 'base64' or 'base64offset' (a JSON "
                        "string cannot hold UTF-16 bytes)");
      }
    }
    if (t == "base64offset" && m.match != MatchKind::kContains) {
      return conflict(
          "'base64offset' must be combined with 'contains' (it yields fragments of "
          "base64 text)");
    }
    if (t == "windash") {
      for (size_t j = i + 1; j < m.transforms.size(); ++j) {
        if (m.transforms[j] != "windash") {
          return conflict("'windash' must come after encoding modifiers");
        }
      }
    }
  }
  if (keyword && (!(is_string_match(m.match) || m.match == MatchKind::kRe) || m.fieldref || m.neq ||
                  !m.time_part.empty())) {
    diag_.error("unsupported-modifier", mark,
                "keyword searches (no field name) support only the string modifiers and 're'; "
                "name the field to use the others");
    return false;
  }
  return true;
}

bool Compiler::expand_placeholders(const std::string& raw, const YAML::Mark& mark,
                                   std::vector<std::string>& out) {
  std::vector<std::string> acc = {std::string()};
  size_t i = 0;
  while (i < raw.size()) {
    size_t open = raw.find('%', i);
    size_t close = open == std::string::npos ? std::string::npos : raw.find('%', open + 1);
    if (close == std::string::npos) {
      for (auto& a : acc) a += raw.substr(i);
      break;
    }
    for (auto& a : acc) a += raw.substr(i, open - i);
    std::string name = raw.substr(open + 1, close - open - 1);
    const std::vector<std::string>* vals = nullptr;
    if (options_.placeholders != nullptr) {
      auto it = options_.placeholders->find(name);
      if (it != options_.placeholders->end()) vals = &it->second;
    }
    if (vals == nullptr) {
      diag_.error("unknown-placeholder", mark,
                  "placeholder %" + name +
                      "% has no configured values (configure it in the "
                      "Sigma placeholders, or remove the 'expand' modifier)");
      return false;
    }
    if (vals->empty()) {
      diag_.warning("unknown-placeholder", mark,
                    "placeholder %" + name +
                        "% is configured with no values: this value never "
                        "matches");
    }
    std::vector<std::string> next;
    for (const auto& a : acc) {
      for (const auto& v : *vals) {
        next.push_back(a + v);
        if (next.size() > kMaxExpansion) {
          diag_.error("bad-type", mark, "placeholder expansion yields too many values");
          return false;
        }
      }
    }
    acc = std::move(next);
    i = close + 1;
  }
  for (auto& a : acc) out.push_back(std::move(a));
  return true;
}

bool Compiler::compile_values(const Modifiers& m, const std::vector<YAML::Node>& values,
                              bool keyword, std::vector<ValueTest>& out) {
  for (const YAML::Node& v : values) {
    const YAML::Mark mark = v.Mark();
    if (v.IsMap() || v.IsSequence()) {
      diag_.error("bad-type", mark,
                  "a field value must be a string, number, boolean or null, not a " +
                      std::string(v.IsMap() ? "map" : "nested list"));
      return false;
    }
    if (v.IsNull()) {
      if (keyword) {
        diag_.error("bad-type", mark, "a keyword cannot be null");
        return false;
      }
      if (m.match != MatchKind::kDefault || m.fieldref || m.neq || m.expand ||
          !m.transforms.empty() || m.cased) {
        diag_.error("bad-type", mark, "null (field absent or null) cannot be used with modifiers");
        return false;
      }
      ValueTest t;
      t.op = ValueTest::Op::kNull;
      out.push_back(std::move(t));
      continue;
    }
    const std::string& scalar = v.Scalar();
    if (m.match == MatchKind::kExists) {
      if (values.size() != 1) {
        diag_.error("bad-type", mark, "'exists' takes a single boolean, not a list");
        return false;
      }
      std::string b = fold_copy(scalar);
      if (b != "true" && b != "false") {
        diag_.error("bad-type", mark, "'exists' takes true or false, not " + show(scalar));
        return false;
      }
      ValueTest t;
      t.op = b == "true" ? ValueTest::Op::kExists : ValueTest::Op::kNotExists;
      out.push_back(std::move(t));
      continue;
    }
    if (!m.time_part.empty()) {
      ValueTest t;
      int64_t n = 0;
      auto r = std::from_chars(scalar.data(), scalar.data() + scalar.size(), n);
      if (r.ec != std::errc() || r.ptr != scalar.data() + scalar.size()) {
        diag_.error("bad-type", mark,
                    "'" + m.time_part + "' needs a whole number, not " + show(scalar));
        return false;
      }
      static const std::map<std::string, ValueTest::TimePart> kParts = {
          {"minute", ValueTest::TimePart::kMinute}, {"hour", ValueTest::TimePart::kHour},
          {"day", ValueTest::TimePart::kDay},       {"week", ValueTest::TimePart::kWeek},
          {"month", ValueTest::TimePart::kMonth},   {"year", ValueTest::TimePart::kYear}};
      t.time_part = kParts.at(m.time_part);
      t.op = m.match == MatchKind::kLt    ? ValueTest::Op::kLt
             : m.match == MatchKind::kLte ? ValueTest::Op::kLte
             : m.match == MatchKind::kGt  ? ValueTest::Op::kGt
             : m.match == MatchKind::kGte ? ValueTest::Op::kGte
                                          : ValueTest::Op::kNumEq;
      t.number = static_cast<double>(n);
      t.number_text = scalar;
      t.negate = m.neq;
      out.push_back(std::move(t));
      continue;
    }
    std::vector<std::string> raws;
    if (m.expand) {
      if (!expand_placeholders(scalar, mark, raws)) return false;
    } else {
      raws.push_back(scalar);
    }
    double plain_num = 0;
    const bool numeric_plain = !m.expand && plain_number(v, plain_num);
    for (const std::string& raw : raws) {
      if (out.size() > kMaxExpansion) {
        diag_.error("bad-type", mark, "this value expands to too many values");
        return false;
      }
      ValueTest t;
      t.negate = m.neq;
      t.cased = m.cased;
      if (m.fieldref) {
        if (raw.empty()) {
          diag_.error("bad-type", mark, "'fieldref' needs a field name");
          return false;
        }
        t.op = ValueTest::Op::kFieldRef;
        t.ref = FieldPath(raw);
        t.ref_kind = m.match == MatchKind::kContains     ? StringMatcher::Kind::kContains
                     : m.match == MatchKind::kStartswith ? StringMatcher::Kind::kPrefix
                     : m.match == MatchKind::kEndswith   ? StringMatcher::Kind::kSuffix
                                                         : StringMatcher::Kind::kExact;
        out.push_back(std::move(t));
        continue;
      }
      switch (m.match) {
        case MatchKind::kRe: {
          RE2::Options opts;
          opts.set_log_errors(false);
          std::string pattern = m.re_flags.empty() ? raw : "(?" + m.re_flags + ")" + raw;
          auto re = std::make_shared<RE2>(pattern, opts);
          if (!re->ok()) {
            diag_.error("bad-regex", mark,
                        "regular expression " + show(raw) + " does not compile with RE2: " +
                            re->error() + " (RE2 has no look-around or back-references)");
            return false;
          }
          t.op = ValueTest::Op::kRegex;
          t.re = std::move(re);
          t.re_source = raw;
          t.re_flags = m.re_flags;
          t.cased = m.re_flags.find('i') == std::string::npos;
          t.re_literal = required_literal(raw, !t.cased);
          out.push_back(std::move(t));
          continue;
        }
        case MatchKind::kCidr:
          if (!Cidr::parse(raw, t.cidr)) {
            diag_.error(
                "bad-cidr", mark,
                show(raw) + " is not an IPv4 or IPv6 network (e.g. 10.0.0.0/8, 2001:db8::/32)");
            return false;
          }
          t.op = ValueTest::Op::kCidr;
          out.push_back(std::move(t));
          continue;
        case MatchKind::kLt:
        case MatchKind::kLte:
        case MatchKind::kGt:
        case MatchKind::kGte:
          if (!parse_number(raw, t.number)) {
            diag_.error("bad-type", mark, "lt/lte/gt/gte need a number, not " + show(raw));
            return false;
          }
          t.op = m.match == MatchKind::kLt    ? ValueTest::Op::kLt
                 : m.match == MatchKind::kLte ? ValueTest::Op::kLte
                 : m.match == MatchKind::kGt  ? ValueTest::Op::kGt
                                              : ValueTest::Op::kGte;
          t.number_text = raw;
          out.push_back(std::move(t));
          continue;
        default:
          break;
      }
      if (numeric_plain && m.match == MatchKind::kDefault && m.transforms.empty() && !keyword) {
        t.op = ValueTest::Op::kNumEq;
        t.number = plain_num;
        t.number_text = raw;
        out.push_back(std::move(t));
        continue;
      }
      // A Sigma string through the transformations, then the match modifier.
      std::vector<SigmaString> strings = {SigmaString::parse(raw)};
      for (const std::string& tr : m.transforms) {
        std::vector<SigmaString> next;
        if (tr == "windash") {
          for (const auto& s : strings) {
            if (!windash(s, next)) {
              diag_.error("bad-type", mark, "'windash' yields too many variants of " + show(raw));
              return false;
            }
          }
        } else {
          for (const auto& s : strings) {
            if (s.has_wildcards()) {
              diag_.error("bad-type", mark,
                          "'" + tr + "' cannot encode a value with wildcards (" + show(raw) +
                              "); escape * and ? with a backslash");
              return false;
            }
            std::string plain = s.plain();
            if (tr == "utf16le") {
              next.push_back(SigmaString::literal(utf16(plain, false, false)));
            } else if (tr == "utf16be") {
              next.push_back(SigmaString::literal(utf16(plain, true, false)));
            } else if (tr == "utf16") {
              next.push_back(SigmaString::literal(utf16(plain, false, true)));
            } else if (tr == "base64") {
              next.push_back(SigmaString::literal(base64(plain)));
            } else {  // base64offset
              for (auto& piece : base64_offsets(plain)) next.push_back(SigmaString::literal(piece));
            }
          }
        }
        strings = std::move(next);
      }
      const bool wrap_contains =
          m.match == MatchKind::kContains || (keyword && m.match == MatchKind::kDefault);
      // Base64 text is case-sensitive: folding it would match other bytes.
      bool encoded = false;
      for (const auto& tr : m.transforms) encoded = encoded || tr.starts_with("base64");
      const bool cased = m.cased || encoded;
      for (auto& s : strings) {
        if (wrap_contains || m.match == MatchKind::kEndswith) s.prepend_star();
        if (wrap_contains || m.match == MatchKind::kStartswith) s.append_star();
        ValueTest st;
        st.op = ValueTest::Op::kString;
        st.negate = m.neq;
        st.cased = cased;
        st.str = StringMatcher(s, cased);
        out.push_back(std::move(st));
      }
    }
  }
  return true;
}

std::optional<Node> Compiler::compile_field(const YAML::Node& key, const YAML::Node& value) {
  if (!key.IsScalar()) {
    diag_.error("bad-type", key.Mark(), "a field name must be a string");
    return std::nullopt;
  }
  const std::string& text = key.Scalar();
  std::vector<std::string_view> parts;
  std::string_view rest = text;
  while (true) {
    size_t bar = rest.find('|');
    parts.push_back(rest.substr(0, bar));
    if (bar == std::string_view::npos) break;
    rest = rest.substr(bar + 1);
  }
  std::string_view field = parts[0];
  std::vector<std::string_view> mods(parts.begin() + 1, parts.end());
  const bool keyword = field.empty();
  Modifiers m;
  if (!parse_modifiers(mods, key.Mark(), keyword, m)) return std::nullopt;
  std::vector<YAML::Node> values;
  if (value.IsSequence()) {
    for (const auto& v : value) values.push_back(v);
    if (values.empty()) {
      diag_.error("bad-type", value.Mark(),
                  "the value list of " + show(text) + " is empty: it could never match");
      return std::nullopt;
    }
  } else {
    values.push_back(value);
  }
  if (m.all && values.size() == 1) {
    diag_.warning("bad-modifier-combination", key.Mark(),
                  "'all' with a single value has no effect (Sigma disallows it)");
  }
  FieldTest test;
  test.path = FieldPath(field);
  test.keyword = keyword;
  test.all = m.all || m.neq;  // neq: different from every listed value
  if (!compile_values(m, values, keyword, test.values)) return std::nullopt;
  if (test.values.empty()) {
    Node never;
    never.kind = Node::Kind::kFalse;
    return never;
  }
  return make_test(std::move(test));
}

std::optional<Node> Compiler::compile_keywords(const std::vector<YAML::Node>& values) {
  FieldTest test;
  test.keyword = true;
  Modifiers m;
  if (!compile_values(m, values, true, test.values)) return std::nullopt;
  return make_test(std::move(test));
}

std::optional<Node> Compiler::compile_map(const YAML::Node& map) {
  std::vector<Node> parts;
  std::set<std::string> keys;
  bool ok = true;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && !keys.insert(it->first.Scalar()).second) {
      diag_.error("duplicate-key", it->first.Mark(),
                  "field " + show(it->first.Scalar()) +
                      " appears twice in one selection (YAML keeps one silently); use a list "
                      "of maps or the 'all' modifier");
      ok = false;
      continue;
    }
    auto n = compile_field(it->first, it->second);
    if (!n) {
      ok = false;
      continue;
    }
    parts.push_back(std::move(*n));
  }
  if (!ok) return std::nullopt;
  if (parts.empty()) {
    diag_.error("bad-type", map.Mark(), "an empty selection map");
    return std::nullopt;
  }
  return make_group(Node::Kind::kAnd, std::move(parts));
}

std::optional<Node> Compiler::compile_selection(const YAML::Node& n) {
  if (n.IsMap()) return compile_map(n);
  if (n.IsSequence()) {
    std::vector<Node> parts;
    std::vector<YAML::Node> keywords;
    bool ok = true;
    for (const auto& item : n) {
      if (item.IsMap()) {
        auto m = compile_map(item);
        if (!m) {
          ok = false;
          continue;
        }
        parts.push_back(std::move(*m));
      } else if (item.IsScalar()) {
        keywords.push_back(item);
      } else {
        diag_.error("bad-type", item.Mark(),
                    "a selection list holds maps (field: value) or keywords (strings)");
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    if (!keywords.empty()) {
      auto k = compile_keywords(keywords);
      if (!k) return std::nullopt;
      parts.push_back(std::move(*k));
    }
    if (parts.empty()) {
      diag_.error("bad-type", n.Mark(), "an empty selection list");
      return std::nullopt;
    }
    return make_group(Node::Kind::kOr, std::move(parts));
  }
  if (n.IsScalar()) return compile_keywords({n});
  diag_.error("bad-type", n.Mark(),
              "a selection must be a map (field: value), a list of maps or a list of keywords");
  return std::nullopt;
}

void Compiler::condition_error(std::string_view code, const YAML::Node& cond_node, int offset,
                               int column, std::string message) {
  YAML::Mark mark = cond_node.Mark();
  if (!mark.is_null() && cond_node.Scalar().find('\n') == std::string::npos) {
    mark.column += (is_quoted(cond_node) ? 1 : 0) + offset + column - 1;
  }
  diag_.error(
      code, mark,
      std::move(message) + " (column " + std::to_string(offset + column) + " of the condition)");
}

std::optional<Node> Compiler::compile_condition(const ConditionNode& c, const YAML::Node& cond_node,
                                                int offset) {
  switch (c.kind) {
    case ConditionNode::Kind::kSelection: {
      for (auto& s : selections_) {
        if (s.name == c.name) {
          s.used = true;
          if (!s.ok) return std::nullopt;
          return s.node;
        }
      }
      condition_error(
          "undefined-selection", cond_node, offset, c.column,
          "the condition names " + show(c.name) + ", which the detection does not define");
      return std::nullopt;
    }
    case ConditionNode::Kind::kOf: {
      std::vector<Node> parts;
      bool ok = true;
      for (auto& s : selections_) {
        bool hit =
            c.name == "them" ? !s.name.starts_with("_") : selection_name_matches(c.name, s.name);
        if (!hit) continue;
        s.used = true;
        if (!s.ok) {
          ok = false;
          continue;
        }
        parts.push_back(s.node);
      }
      if (!ok) return std::nullopt;
      if (parts.empty()) {
        condition_error("undefined-selection", cond_node, offset, c.column,
                        c.name == "them" ? std::string("'them' matches no selection")
                                         : "no selection matches " + show(c.name));
        return std::nullopt;
      }
      if (c.count == 0 || static_cast<size_t>(c.count) == parts.size()) {
        return make_group(Node::Kind::kAnd, std::move(parts));
      }
      if (c.count == 1) return make_group(Node::Kind::kOr, std::move(parts));
      if (static_cast<size_t>(c.count) > parts.size()) {
        condition_error("condition-syntax", cond_node, offset, c.column,
                        std::to_string(c.count) + " of " + show(c.name) + " can never hold: only " +
                            std::to_string(parts.size()) + " selections match");
        return std::nullopt;
      }
      Node n;
      n.kind = Node::Kind::kAtLeast;
      n.count = static_cast<uint32_t>(c.count);
      n.children = std::move(parts);
      return n;
    }
    case ConditionNode::Kind::kNot: {
      auto inner = compile_condition(c.children[0], cond_node, offset);
      if (!inner) return std::nullopt;
      Node n;
      n.kind = Node::Kind::kNot;
      n.children.push_back(std::move(*inner));
      return n;
    }
    case ConditionNode::Kind::kAnd:
    case ConditionNode::Kind::kOr: {
      std::vector<Node> parts;
      bool ok = true;
      for (const auto& child : c.children) {
        auto n = compile_condition(child, cond_node, offset);
        if (!n) {
          ok = false;
          continue;
        }
        parts.push_back(std::move(*n));
      }
      if (!ok) return std::nullopt;
      return make_group(c.kind == ConditionNode::Kind::kAnd ? Node::Kind::kAnd : Node::Kind::kOr,
                        std::move(parts));
    }
  }
  return std::nullopt;
}

std::optional<CompiledDetection> Compiler::run(const YAML::Node& detection) {
  const size_t errors_before = diag_.errors();
  if (!detection.IsMap()) {
    diag_.error("bad-type", detection.Mark(),
                "'detection' must be a map of selections and a condition");
    return std::nullopt;
  }
  YAML::Node condition;
  bool has_condition = false;
  std::set<std::string> names;
  for (auto it = detection.begin(); it != detection.end(); ++it) {
    if (!it->first.IsScalar()) {
      diag_.error("bad-type", it->first.Mark(), "a selection name must be a string");
      continue;
    }
    const std::string& name = it->first.Scalar();
    if (!names.insert(name).second) {
      diag_.error("duplicate-key", it->first.Mark(),
                  show(name) + " is defined twice in 'detection' (YAML keeps one silently)");
      continue;
    }
    if (name == "condition") {
      condition = it->second;
      has_condition = true;
      continue;
    }
    if (name == "timeframe") {
      if (!it->second.IsScalar()) {
        diag_.error("bad-type", it->second.Mark(), "'timeframe' must be a duration like 10m");
      } else {
        out_.timeframe = it->second.Scalar();
        out_.timeframe_mark = it->second.Mark();
      }
      continue;
    }
    Selection s;
    s.name = name;
    s.mark = it->first.Mark();
    auto node = compile_selection(it->second);
    if (node) {
      s.node = std::move(*node);
      s.ok = true;
    }
    selections_.push_back(std::move(s));
  }
  if (!has_condition) {
    diag_.error("missing-field", detection.Mark(), "'detection' has no 'condition'");
    return std::nullopt;
  }
  std::vector<YAML::Node> conditions;
  if (condition.IsSequence()) {
    for (const auto& c : condition) conditions.push_back(c);
    if (conditions.empty()) {
      diag_.error("condition-syntax", condition.Mark(), "the condition list is empty");
      return std::nullopt;
    }
  } else {
    conditions.push_back(condition);
  }
  out_.condition_mark = condition.Mark();
  std::vector<Node> roots;
  bool ok = true;
  for (const auto& c : conditions) {
    if (!c.IsScalar()) {
      diag_.error("bad-type", c.Mark(), "a condition must be a string");
      ok = false;
      continue;
    }
    std::string_view text = c.Scalar();
    int offset = 0;
    size_t bar = text.find('|');
    if (bar != std::string_view::npos) {
      std::string error;
      auto agg = parse_aggregation(text.substr(bar + 1), error);
      if (!agg) {
        condition_error("deprecated-aggregation", c, 0, static_cast<int>(bar) + 1,
                        "the aggregation after '|' (deprecated Sigma syntax) cannot be read: " +
                            error + "; write a correlation rule instead");
        ok = false;
        continue;
      }
      if (conditions.size() > 1) {
        condition_error("deprecated-aggregation", c, 0, static_cast<int>(bar) + 1,
                        "an aggregation in a list of conditions is not supported");
        ok = false;
        continue;
      }
      out_.aggregation = std::move(*agg);
      text = text.substr(0, bar);
    }
    auto parsed = parse_condition(text);
    if (!parsed) {
      condition_error("condition-syntax", c, offset, parsed.error().column, parsed.error().message);
      ok = false;
      continue;
    }
    auto node = compile_condition(*parsed, c, offset);
    if (!node) {
      ok = false;
      continue;
    }
    roots.push_back(std::move(*node));
  }
  for (const auto& s : selections_) {
    if (!s.used) {
      diag_.warning("unused-selection", s.mark,
                    "selection " + show(s.name) + " is not used by the condition");
    }
  }
  if (!ok || diag_.errors() != errors_before) return std::nullopt;
  out_.rule.root = make_group(Node::Kind::kOr, std::move(roots));
  return std::move(out_);
}

}  // namespace

std::optional<CompiledDetection> compile_detection(const YAML::Node& detection,
                                                   const CompileOptions& options, DiagSink& diag) {
  Compiler c(options, diag);
  return c.run(detection);
}

std::optional<Aggregation> parse_aggregation(std::string_view text, std::string& error) {
  Aggregation a;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  a.text = std::string(text);
  size_t i = 0;
  auto skip = [&] {
    while (i < text.size() &&
           (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
      ++i;
  };
  auto word = [&]() -> std::string {
    skip();
    size_t start = i;
    while (i < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_' || text[i] == '.' ||
            text[i] == '-' || text[i] == '*')) {
      ++i;
    }
    return std::string(text.substr(start, i - start));
  };
  a.function = word();
  if (a.function.empty()) {
    error = "expected an aggregation function such as count()";
    return std::nullopt;
  }
  if (a.function == "near") {
    a.field = std::string(text.substr(i));
    return a;
  }
  skip();
  if (i >= text.size() || text[i] != '(') {
    error = "expected '(' after '" + a.function + "'";
    return std::nullopt;
  }
  ++i;
  a.field = word();
  skip();
  if (i >= text.size() || text[i] != ')') {
    error = "expected ')'";
    return std::nullopt;
  }
  ++i;
  skip();
  if (text.substr(i).starts_with("by")) {
    i += 2;
    while (true) {
      std::string g = word();
      if (g.empty()) {
        error = "expected a field name after 'by'";
        return std::nullopt;
      }
      a.group_by.push_back(g);
      skip();
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      break;
    }
  }
  skip();
  std::string_view rest = text.substr(i);
  static const std::pair<std::string_view, CompareOp> kOps[] = {
      {">=", CompareOp::kGte}, {"<=", CompareOp::kLte}, {"==", CompareOp::kEq},
      {"!=", CompareOp::kNeq}, {">", CompareOp::kGt},   {"<", CompareOp::kLt},
      {"=", CompareOp::kEq}};
  bool found = false;
  for (const auto& [tok, op] : kOps) {
    if (rest.starts_with(tok)) {
      a.op = op;
      i += tok.size();
      found = true;
      break;
    }
  }
  if (!found) {
    error = "expected a comparison (>, >=, <, <=, ==, !=) after the aggregation";
    return std::nullopt;
  }
  skip();
  size_t start = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  auto r = std::from_chars(text.data() + start, text.data() + i, a.value);
  if (start == i || r.ec != std::errc()) {
    error = "expected a whole number after the comparison";
    return std::nullopt;
  }
  skip();
  if (i != text.size()) {
    error = "unexpected text after the number";
    return std::nullopt;
  }
  return a;
}

std::optional<int64_t> parse_timespan(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  char unit = text.back();
  int64_t scale = 0;
  switch (unit) {
    case 's':
      scale = 1'000'000;
      break;
    case 'm':
      scale = 60'000'000;
      break;
    case 'h':
      scale = 3'600'000'000;
      break;
    case 'd':
      scale = 86'400'000'000;
      break;
    case 'w':
      scale = 7 * 86'400'000'000;
      break;
    default:
      return std::nullopt;
  }
  std::string_view digits = text.substr(0, text.size() - 1);
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int64_t n = 0;
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (r.ec != std::errc() || n <= 0 || n > INT64_MAX / scale) return std::nullopt;
  return n * scale;
}

}  // namespace trailwarden::detect::sigma
