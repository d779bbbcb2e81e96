// A compiled Sigma detection: a boolean tree over field tests, evaluated against an Event,
// and its deterministic textual form (golden tests, `explain`).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detect/event.h"
#include "detect/sigma/strings.h"

namespace re2 {
class RE2;
}

namespace trailwarden::detect::sigma {

// An IPv4 or IPv6 network.
struct Cidr {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};
  int prefix = 0;
  std::string text;  // as written

  // "10.0.0.0/8", "2001:db8::/32"; a bare address is a /32 or /128.
  static bool parse(std::string_view text, Cidr& out);
  bool contains(std::string_view address) const;
};

// One value a field is tested against.
struct ValueTest {
  enum class Op : uint8_t {
    kString,  // Sigma string (wildcards, case folding): `str`
    kRegex,   // RE2, unanchored: `re`
    kCidr,    // the value is an address inside `cidr`
    kNumEq,   // a plain number in the rule: numerically equal, or the same text
    kLt,      // numeric comparisons against `number`
    kLte,
    kGt,
    kGte,
    kNull,       // the field is absent, JSON null or an empty array
    kExists,     // the path is present (even if null)
    kNotExists,  // the path is absent
    kFieldRef,   // compared with the values of another field: `ref`, `ref_kind`, `cased`
  };
  Op op = Op::kString;
  bool negate = false;  // `neq`: holds when the field has a value and none passes the test
  StringMatcher str;
  std::shared_ptr<const re2::RE2> re;
  std::string re_source;  // the expression as written
  std::string re_flags;   // "i", "m", "s" as given
  // A literal every match contains (folded when the expression is case-insensitive), tested
  // before running the expression; empty when none was found.
  std::string re_literal;
  Cidr cidr;
  double number = 0;
  std::string number_text;
  FieldPath ref;
  StringMatcher::Kind ref_kind = StringMatcher::Kind::kExact;
  bool cased = false;
  // Time modifiers: kNumEq/kLt/... compare this part of an ISO-8601 date (UTC) in the field.
  enum class TimePart : uint8_t { kNone, kMinute, kHour, kDay, kWeek, kMonth, kYear };
  TimePart time_part = TimePart::kNone;

  // True when the test looks at the field's values (not only at its presence).
  bool reads_values() const { return op != Op::kNull && op != Op::kExists && op != Op::kNotExists; }
};

// A field (or, for keywords, every string value of the record) against a list of values:
// any of them (default) or all of them (`|all`). A list value passes when any element of an
// array-valued field passes.
struct FieldTest {
  FieldPath path;
  bool keyword = false;  // match every string value anywhere in the record
  bool all = false;
  std::vector<ValueTest> values;  // at most 64 (the compiler splits longer `all` lists)
};

struct Node {
  enum class Kind : uint8_t { kAnd, kOr, kNot, kAtLeast, kTest, kTrue, kFalse };
  Kind kind = Kind::kTrue;
  uint32_t count = 0;  // kAtLeast
  uint32_t test = 0;   // kTest: index into CompiledRule::tests
  std::vector<Node> children;
};

class CompiledRule {
 public:
  Node root;
  std::vector<FieldTest> tests;

  bool match(Event& event) const;
  // e.g. (and (eq eventSource "cloudtrail.amazonaws.com") (any eventName (eq "stoplogging") ...))
  std::string dump() const;
  // The same, indented over several lines when a node does not fit in `width` columns.
  std::string dump_pretty(size_t width = 100) const;
  // Field paths the detection reads (sorted, unique).
  std::vector<std::string> fields() const;

 private:
  bool eval(const Node& n, Event& event) const;
  bool eval_test(const FieldTest& t, Event& event) const;
};

std::string dump_value(const ValueTest& v);

// The part of an ISO-8601 date or date-time (UTC; ISO week); nullopt when `text` is no date.
std::optional<int> time_part_of(std::string_view text, ValueTest::TimePart part);

// Re-indents a one-line s-expression (atoms, JSON strings, parentheses) to fit `width`.
std::string pretty_sexpr(std::string_view text, size_t width);

}  // namespace trailwarden::detect::sigma
