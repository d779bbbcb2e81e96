// Compiles the `detection` section of a Sigma rule (selections, modifiers, condition) into a
// CompiledRule. Every construct that cannot be evaluated becomes a diagnostic, never a silent
// mismatch.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "detect/rule.h"
#include "detect/sigma/diagnostics.h"
#include "detect/sigma/matcher.h"

namespace trailwarden::detect::sigma {

struct CompileOptions {
  // `%name%` placeholders for the `expand` modifier.
  const std::map<std::string, std::vector<std::string>>* placeholders = nullptr;
};

// The deprecated aggregation after a `|` in a condition: `sel | count(field) by a, b > 5`,
// or `sel | near other`.
struct Aggregation {
  std::string function;               // "count", "min", ..., or "near"
  std::string field;                  // count(field): distinct values of field
  std::vector<std::string> group_by;  // `by a, b`
  CompareOp op = CompareOp::kGt;
  int64_t value = 0;
  std::string text;  // the text after `|`
};

struct CompiledDetection {
  CompiledRule rule;
  std::optional<Aggregation> aggregation;
  YAML::Mark condition_mark;
  std::string timeframe;  // the deprecated `detection.timeframe`, if any
  YAML::Mark timeframe_mark;
};

// nullopt when there was an error (reported to `diag`).
std::optional<CompiledDetection> compile_detection(const YAML::Node& detection,
                                                   const CompileOptions& options, DiagSink& diag);

// Parses the text after `|` of a deprecated aggregation; nullopt with `error` set otherwise.
std::optional<Aggregation> parse_aggregation(std::string_view text, std::string& error);

// "30s", "10m", "1h", "14d", "1w" -> microseconds; nullopt when malformed or out of range.
std::optional<int64_t> parse_timespan(std::string_view text);

}  // namespace trailwarden::detect::sigma
