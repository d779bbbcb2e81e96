// Evaluation and textual form of compiled Sigma detections (see matcher.h).
#include "detect/sigma/matcher.h"

#include <arpa/inet.h>
#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/text.h"
#include "core/time.h"

namespace trailwarden::detect::sigma {

using simdjson::dom::element;
using simdjson::dom::element_type;

namespace {

bool parse_address(std::string_view text, bool& v6, std::array<uint8_t, 16>& bytes) {
  char buf[64];
  if (text.empty() || text.size() >= sizeof buf) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  bytes.fill(0);
  if (inet_pton(AF_INET, buf, bytes.data()) == 1) {
    v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, buf, bytes.data()) == 1) {
    v6 = true;
    return true;
  }
  return false;
}

bool parse_number_text(std::string_view s, double& out) {
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || c == '-' || c == '.' || c == 'e' || c == 'E' || c == '+')) {
      return false;
    }
  }
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool numeric_value(element e, std::string_view text, double& out) {
  switch (e.type()) {
    case element_type::INT64:
      out = static_cast<double>(e.get_int64().value_unsafe());
      return true;
    case element_type::UINT64:
      out = static_cast<double>(e.get_uint64().value_unsafe());
      return true;
    case element_type::DOUBLE:
      out = e.get_double().value_unsafe();
      return true;
    case element_type::STRING:
      return parse_number_text(text, out);
    default:
      return false;
  }
}

bool compare_ref(std::string_view value, std::string_view ref, StringMatcher::Kind kind,
                 bool cased) {
  if (cased) {
    switch (kind) {
      case StringMatcher::Kind::kPrefix:
        return value.starts_with(ref);
      case StringMatcher::Kind::kSuffix:
        return value.ends_with(ref);
      case StringMatcher::Kind::kContains:
        return value.find(ref) != std::string_view::npos;
      default:
        return value == ref;
    }
  }
  std::string folded = fold_copy(ref);
  switch (kind) {
    case StringMatcher::Kind::kPrefix:
      return istarts_with(value, folded);
    case StringMatcher::Kind::kSuffix:
      return iends_with(value, folded);
    case StringMatcher::Kind::kContains:
      return icontains(value, folded);
    default:
      return iequals_folded(value, folded);
  }
}

bool regex_match(const ValueTest& v, std::string_view text) {
  if (!v.re_literal.empty()) {
    bool has =
        v.cased ? text.find(v.re_literal) != std::string_view::npos : icontains(text, v.re_literal);
    if (!has) return false;
  }
  return RE2::PartialMatch(text, *v.re);
}

bool compare_number(ValueTest::Op op, double d, double n) {
  switch (op) {
    case ValueTest::Op::kLt:
      return d < n;
    case ValueTest::Op::kLte:
      return d <= n;
    case ValueTest::Op::kGt:
      return d > n;
    case ValueTest::Op::kGte:
      return d >= n;
    default:
      return d == n;
  }
}

// Calls `fn` on every string value inside `e` (depth-limited) until it returns true.
template <typename Fn>
bool any_string_leaf(element e, const Fn& fn, int depth) {
  if (depth > 32) return false;
  switch (e.type()) {
    case element_type::STRING: {
      std::string_view s;
      return e.get_string().get(s) == simdjson::SUCCESS && fn(s);
    }
    case element_type::ARRAY: {
      simdjson::dom::array arr;
      if (e.get_array().get(arr) != simdjson::SUCCESS) return false;
      for (element x : arr) {
        if (any_string_leaf(x, fn, depth + 1)) return true;
      }
      return false;
    }
    case element_type::OBJECT: {
      simdjson::dom::object obj;
      if (e.get_object().get(obj) != simdjson::SUCCESS) return false;
      for (auto field : obj) {
        if (any_string_leaf(field.value, fn, depth + 1)) return true;
      }
      return false;
    }
    default:
      return false;
  }
}

// Does element `e` (not null) pass value test `v`? `text` is computed on first need.
bool match_element(const ValueTest& v, element e, Event& ev, std::string_view& text,
                   bool& have_text) {
  auto get_text = [&]() -> std::string_view {
    if (!have_text) {
      text = ev.scratch_text(e);
      have_text = true;
    }
    return text;
  };
  if (v.time_part != ValueTest::TimePart::kNone) {
    if (e.type() != element_type::STRING) return false;
    auto part = time_part_of(get_text(), v.time_part);
    return part && compare_number(v.op, *part, v.number);
  }
  switch (v.op) {
    case ValueTest::Op::kString: {
      if (v.str.match(get_text())) return true;
      // `contains` on an object or array also searches its string values as text: a policy
      // document held as a JSON string inside requestParameters is escaped in the object's
      // JSON text ("\"Allow\""), but an analyst's `contains '"Allow"'` means the document.
      if (v.str.kind() != StringMatcher::Kind::kContains ||
          (e.type() != element_type::OBJECT && e.type() != element_type::ARRAY)) {
        return false;
      }
      return any_string_leaf(
          e, [&](std::string_view leaf) { return v.str.match(leaf); }, 0);
    }
    case ValueTest::Op::kRegex:
      return regex_match(v, get_text());
    case ValueTest::Op::kCidr:
      return e.type() == element_type::STRING && v.cidr.contains(get_text());
    case ValueTest::Op::kNumEq: {
      std::string_view t = get_text();
      if (t.size() == v.number_text.size() && iequals_folded(t, v.number_text)) return true;
      double d = 0;
      return numeric_value(e, t, d) && d == v.number;
    }
    case ValueTest::Op::kLt:
    case ValueTest::Op::kLte:
    case ValueTest::Op::kGt:
    case ValueTest::Op::kGte: {
      double d = 0;
      if (!numeric_value(e, e.type() == element_type::STRING ? get_text() : std::string_view(),
                         d)) {
        return false;
      }
      return compare_number(v.op, d, v.number);
    }
    case ValueTest::Op::kFieldRef: {
      // The other field is resolved inside this visit: keep this text stable.
      std::string_view mine = ev.stable_text(e);
      bool hit = false;
      ev.visit(v.ref, [&](element r) {
        if (r.type() == element_type::NULL_VALUE) return false;
        hit = compare_ref(mine, ev.stable_text(r), v.ref_kind, v.cased);
        return hit;
      });
      return hit;
    }
    case ValueTest::Op::kNull:
    case ValueTest::Op::kExists:
    case ValueTest::Op::kNotExists:
      return false;
  }
  return false;
}

void append_quoted(std::string& out, std::string_view s) { append_json_string(out, s); }

std::string_view ref_kind_name(StringMatcher::Kind k) {
  switch (k) {
    case StringMatcher::Kind::kPrefix:
      return "prefix";
    case StringMatcher::Kind::kSuffix:
      return "suffix";
    case StringMatcher::Kind::kContains:
      return "contains";
    default:
      return "eq";
  }
}

// "(op" + operand, without the closing parenthesis; `path` is inserted after op when given.
void dump_value_into(std::string& out, const ValueTest& v, std::string_view path) {
  std::string head;
  std::string operand;
  switch (v.op) {
    case ValueTest::Op::kString:
      head = std::string(v.str.op_name());
      if (v.str.cased()) head += "/cased";
      if (v.str.kind() != StringMatcher::Kind::kAny) append_quoted(operand, v.str.operand());
      break;
    case ValueTest::Op::kRegex:
      head = "re";
      if (!v.re_flags.empty()) head += "/" + v.re_flags;
      append_quoted(operand, v.re_source);
      break;
    case ValueTest::Op::kCidr:
      head = "cidr";
      append_quoted(operand, v.cidr.text);
      break;
    case ValueTest::Op::kNumEq:
      head = "num=";
      operand = v.number_text;
      break;
    case ValueTest::Op::kLt:
      head = "lt";
      operand = v.number_text;
      break;
    case ValueTest::Op::kLte:
      head = "lte";
      operand = v.number_text;
      break;
    case ValueTest::Op::kGt:
      head = "gt";
      operand = v.number_text;
      break;
    case ValueTest::Op::kGte:
      head = "gte";
      operand = v.number_text;
      break;
    case ValueTest::Op::kNull:
      head = "null";
      break;
    case ValueTest::Op::kExists:
      head = "exists";
      break;
    case ValueTest::Op::kNotExists:
      head = "not-exists";
      break;
    case ValueTest::Op::kFieldRef:
      head = "fieldref-" + std::string(ref_kind_name(v.ref_kind));
      if (v.cased) head += "/cased";
      append_quoted(operand, v.ref.text());
      break;
  }
  static constexpr std::string_view kParts[] = {"",     "minute", "hour", "day",
                                                "week", "month",  "year"};
  if (v.time_part != ValueTest::TimePart::kNone) {
    head += "/";
    head += kParts[static_cast<size_t>(v.time_part)];
  }
  if (v.negate) out += "(neq ";
  out += "(" + head;
  if (!path.empty()) {
    out += " ";
    out += path;
  }
  if (!operand.empty()) {
    out += " ";
    out += operand;
  }
  out += ")";
  if (v.negate) out += ")";
}

std::string path_name(const FieldTest& t) {
  if (t.keyword) return "@keywords";
  std::string out;
  // Field names are identifiers in practice; quote anything unusual.
  bool plain = !t.path.text().empty();
  for (char c : t.path.text()) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.' || c == '-' || c == '@' || c == '$')) {
      plain = false;
    }
  }
  if (plain) return t.path.text();
  append_quoted(out, t.path.text());
  return out;
}

void dump_node(std::string& out, const Node& n, const CompiledRule& rule) {
  switch (n.kind) {
    case Node::Kind::kTrue:
      out += "true";
      return;
    case Node::Kind::kFalse:
      out += "false";
      return;
    case Node::Kind::kTest: {
      const FieldTest& t = rule.tests[n.test];
      std::string path = path_name(t);
      if (t.values.size() == 1) {
        dump_value_into(out, t.values[0], path);
        return;
      }
      out += t.all ? "(all " : "(any ";
      out += path;
      for (const auto& v : t.values) {
        out += " ";
        dump_value_into(out, v, {});
      }
      out += ")";
      return;
    }
    case Node::Kind::kNot:
      out += "(not ";
      dump_node(out, n.children[0], rule);
      out += ")";
      return;
    case Node::Kind::kAnd:
    case Node::Kind::kOr:
    case Node::Kind::kAtLeast:
      if (n.kind == Node::Kind::kAnd) {
        out += "(and";
      } else if (n.kind == Node::Kind::kOr) {
        out += "(or";
      } else {
        out += "(at-least " + std::to_string(n.count);
      }
      for (const auto& c : n.children) {
        out += " ";
        dump_node(out, c, rule);
      }
      out += ")";
      return;
  }
}

}  // namespace

bool Cidr::parse(std::string_view text, Cidr& out) {
  out = Cidr{};
  out.text = std::string(text);
  std::string_view addr = text;
  int prefix = -1;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    std::string_view p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3) return false;
    auto r = std::from_chars(p.data(), p.data() + p.size(), prefix);
    if (r.ec != std::errc() || r.ptr != p.data() + p.size()) return false;
  }
  if (!parse_address(addr, out.v6, out.bytes)) return false;
  int max = out.v6 ? 128 : 32;
  if (prefix < 0) prefix = max;
  if (prefix > max) return false;
  out.prefix = prefix;
  return true;
}

bool Cidr::contains(std::string_view address) const {
  bool v6_addr = false;
  std::array<uint8_t, 16> a{};
  if (!parse_address(address, v6_addr, a) || v6_addr != v6) return false;
  int full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(a.data(), bytes.data(), static_cast<size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (a[static_cast<size_t>(full)] & mask) == (bytes[static_cast<size_t>(full)] & mask);
}

bool CompiledRule::match(Event& event) const { return eval(root, event); }

bool CompiledRule::eval(const Node& n, Event& event) const {
  switch (n.kind) {
    case Node::Kind::kTrue:
      return true;
    case Node::Kind::kFalse:
      return false;
    case Node::Kind::kTest:
      return eval_test(tests[n.test], event);
    case Node::Kind::kNot:
      return !eval(n.children[0], event);
    case Node::Kind::kAnd:
      for (const auto& c : n.children) {
        if (!eval(c, event)) return false;
      }
      return true;
    case Node::Kind::kOr:
      for (const auto& c : n.children) {
        if (eval(c, event)) return true;
      }
      return false;
    case Node::Kind::kAtLeast: {
      uint32_t hits = 0;
      size_t left = n.children.size();
      for (const auto& c : n.children) {
        --left;
        if (eval(c, event) && ++hits >= n.count) return true;
        if (hits + left < n.count) return false;
      }
      return false;
    }
  }
  return false;
}

bool CompiledRule::eval_test(const FieldTest& t, Event& event) const {
  const size_t n = t.values.size();
  if (n == 1 && !t.keyword && t.values[0].op == ValueTest::Op::kString && !t.values[0].negate) {
    // The common case: one string test, any element.
    const StringMatcher& str = t.values[0].str;
    bool hit = false;
    event.visit(t.path, [&](element e) {
      if (e.type() == element_type::NULL_VALUE) return false;
      hit = str.match(event.scratch_text(e));
      return hit;
    });
    return hit;
  }
  uint64_t hit = 0;
  // With `all`, the walk may stop once every value test has a hit, unless some test needs
  // the whole walk (negated or presence tests).
  bool can_stop_all = t.all;
  for (const auto& v : t.values) can_stop_all = can_stop_all && v.reads_values() && !v.negate;
  const uint64_t full = n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
  bool nonnull = false;
  bool stop_any = false;
  auto on_element = [&](element e) -> bool {
    std::string_view text;
    bool have_text = false;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t bit = uint64_t{1} << i;
      const ValueTest& v = t.values[i];
      if ((hit & bit) != 0 || !v.reads_values()) continue;
      if (match_element(v, e, event, text, have_text)) {
        hit |= bit;
        if (!t.all && !v.negate) {
          stop_any = true;
          return true;
        }
      }
    }
    return can_stop_all && hit == full;
  };
  bool found = false;
  if (t.keyword) {
    event.visit_strings([&](std::string_view s) {
      nonnull = true;
      // Keywords only test strings: give the text directly.
      for (size_t i = 0; i < n; ++i) {
        const uint64_t bit = uint64_t{1} << i;
        const ValueTest& v = t.values[i];
        if ((hit & bit) != 0) continue;
        bool m = false;
        if (v.op == ValueTest::Op::kString) {
          m = v.str.match(s);
        } else if (v.op == ValueTest::Op::kRegex) {
          m = regex_match(v, s);
        }
        if (m) {
          hit |= bit;
          if (!t.all && !v.negate) {
            stop_any = true;
            return true;
          }
        }
      }
      return false;
    });
    found = nonnull;
  } else {
    found = event.visit(t.path, [&](element e) {
      if (e.type() == element_type::NULL_VALUE) return false;
      nonnull = true;
      return on_element(e);
    });
  }
  if (stop_any) return true;
  for (size_t i = 0; i < n; ++i) {
    const ValueTest& v = t.values[i];
    const bool h = (hit & (uint64_t{1} << i)) != 0;
    bool sat = false;
    switch (v.op) {
      case ValueTest::Op::kNull:
        sat = !nonnull;
        break;
      case ValueTest::Op::kExists:
        sat = found;
        break;
      case ValueTest::Op::kNotExists:
        sat = !found;
        break;
      default:
        sat = v.negate ? (nonnull && !h) : h;
        break;
    }
    if (t.all && !sat) return false;
    if (!t.all && sat) return true;
  }
  return t.all;
}

std::string CompiledRule::dump() const {
  std::string out;
  dump_node(out, root, *this);
  return out;
}

std::vector<std::string> CompiledRule::fields() const {
  std::vector<std::string> out;
  for (const auto& t : tests) {
    if (!t.keyword) out.push_back(t.path.text());
    for (const auto& v : t.values) {
      if (v.op == ValueTest::Op::kFieldRef) out.push_back(v.ref.text());
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string dump_value(const ValueTest& v) {
  std::string out;
  dump_value_into(out, v, {});
  return out;
}

std::optional<int> time_part_of(std::string_view text, ValueTest::TimePart part) {
  std::optional<int64_t> us = parse_iso8601_micros(text);
  if (!us && text.size() == 10) us = parse_iso8601_micros(std::string(text) + "T00:00:00Z");
  if (!us) return std::nullopt;
  constexpr int64_t kDay = 86'400'000'000;
  int64_t days = *us >= 0 ? *us / kDay : -((-*us + kDay - 1) / kDay);
  int64_t secs = (*us - days * kDay) / 1'000'000;
  // Civil date from days since 1970-01-01 (H. Hinnant).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  switch (part) {
    case ValueTest::TimePart::kMinute:
      return static_cast<int>(secs / 60 % 60);
    case ValueTest::TimePart::kHour:
      return static_cast<int>(secs / 3600);
    case ValueTest::TimePart::kDay:
      return static_cast<int>(d);
    case ValueTest::TimePart::kMonth:
      return static_cast<int>(m);
    case ValueTest::TimePart::kYear:
      return static_cast<int>(y);
    case ValueTest::TimePart::kWeek: {
      auto weekday = [](int64_t day) { return ((day % 7 + 7 + 3) % 7) + 1; };  // Monday = 1
      auto is_leap = [](int64_t yr) { return (yr % 4 == 0 && yr % 100 != 0) || yr % 400 == 0; };
      auto weeks_in = [&](int64_t yr) {
        int64_t jan1 = days_from_civil(yr, 1, 1);
        int64_t wd = weekday(jan1);
        return (wd == 4 || (is_leap(yr) && wd == 3)) ? 53 : 52;
      };
      int64_t ordinal = days - days_from_civil(y, 1, 1) + 1;
      int64_t week = (ordinal - weekday(days) + 10) / 7;
      if (week < 1) return static_cast<int>(weeks_in(y - 1));
      if (week > weeks_in(y)) return 1;
      return static_cast<int>(week);
    }
    case ValueTest::TimePart::kNone:
      break;
  }
  return std::nullopt;
}

std::string CompiledRule::dump_pretty(size_t width) const { return pretty_sexpr(dump(), width); }

namespace {

struct SNode {
  std::string atom;  // when not a list
  bool list = false;
  std::vector<SNode> kids;
};

// Parses one s-expression starting at `i`; tolerant of malformed input (it is ours).
SNode parse_sexpr(std::string_view t, size_t& i) {
  while (i < t.size() && t[i] == ' ') ++i;
  SNode n;
  if (i < t.size() && t[i] == '(') {
    n.list = true;
    ++i;
    while (true) {
      while (i < t.size() && t[i] == ' ') ++i;
      if (i >= t.size()) break;
      if (t[i] == ')') {
        ++i;
        break;
      }
      n.kids.push_back(parse_sexpr(t, i));
    }
    return n;
  }
  size_t start = i;
  if (i < t.size() && t[i] == '"') {
    ++i;
    while (i < t.size() && t[i] != '"') {
      if (t[i] == '\\') ++i;
      ++i;
    }
    if (i < t.size()) ++i;
  } else {
    while (i < t.size() && t[i] != ' ' && t[i] != '(' && t[i] != ')') ++i;
  }
  n.atom = std::string(t.substr(start, i - start));
  return n;
}

void flat(const SNode& n, std::string& out) {
  if (!n.list) {
    out += n.atom;
    return;
  }
  out += "(";
  for (size_t k = 0; k < n.kids.size(); ++k) {
    if (k > 0) out += " ";
    flat(n.kids[k], out);
  }
  out += ")";
}

void pretty(const SNode& n, size_t indent, size_t width, std::string& out) {
  std::string one;
  flat(n, one);
  if (!n.list || indent + one.size() <= width) {
    out += one;
    return;
  }
  // Leading atoms stay on the first line; every other element gets its own line.
  out += "(";
  size_t k = 0;
  for (; k < n.kids.size() && !n.kids[k].list; ++k) {
    if (k > 0) out += " ";
    out += n.kids[k].atom;
  }
  for (; k < n.kids.size(); ++k) {
    out += "\n" + std::string(indent + 2, ' ');
    pretty(n.kids[k], indent + 2, width, out);
  }
  out += ")";
}

}  // namespace

std::string pretty_sexpr(std::string_view text, size_t width) {
  size_t i = 0;
  SNode root = parse_sexpr(text, i);
  std::string out;
  pretty(root, 0, width, out);
  return out;
}

}  // namespace trailwarden::detect::sigma
