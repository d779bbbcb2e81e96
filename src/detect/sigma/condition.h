// The Sigma condition language: selection names, `and`, `or`, `not`, parentheses,
// `1 of X`, `any of X`, `all of X`, `N of X` (at least N), wildcard names (`selection*`) and
// `them`. Precedence: not > and > or. Errors carry the 1-based column of the problem.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace trailwarden::detect::sigma {

struct ConditionNode {
  enum class Kind : uint8_t { kAnd, kOr, kNot, kSelection, kOf };
  Kind kind = Kind::kSelection;
  std::vector<ConditionNode> children;  // kAnd, kOr (two or more), kNot (one)
  std::string name;                     // kSelection: the name; kOf: the pattern or "them"
  int count = 1;                        // kOf: at least `count`; 0 means all
  int column = 1;                       // where the node starts in the condition text
};

struct ConditionError {
  int column = 1;
  std::string message;
};

std::expected<ConditionNode, ConditionError> parse_condition(std::string_view text);

// S-expression of the tree, e.g. (or a (and b (not c))), for tests and explanations.
std::string to_string(const ConditionNode& node);

// True when `name` matches `pattern` (`*` any run; no other wildcard).
bool selection_name_matches(std::string_view pattern, std::string_view name);

}  // namespace trailwarden::detect::sigma
