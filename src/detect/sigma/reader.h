// Reads Sigma YAML (one or more `---` documents) into rule structures: detection rules
// (metadata + compiled detection) and correlation documents (CorrelationSpec).
//
// Diagnostic codes (stable): yaml-syntax, missing-field, bad-type, unknown-key (warning),
// unknown-modifier, unsupported-modifier, bad-modifier-combination, bad-regex, bad-cidr,
// undefined-selection, unused-selection (warning), condition-syntax, unknown-placeholder,
// bad-timespan, duplicate-key, deprecated-aggregation (warning when converted),
// unsupported-construct; at set level (ruleset.h): duplicate-id, duplicate-name,
// unknown-rule-reference, correlation-cycle, unsatisfiable (warning), io-error.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "detect/rule.h"
#include "detect/sigma/compiler.h"
#include "detect/sigma/matcher.h"

namespace trailwarden::detect::sigma {

struct SigmaDocument {
  enum class Kind : uint8_t { kDetection, kCorrelation };
  Kind kind = Kind::kDetection;
  RuleMeta meta;                             // for correlations: also in `correlation.meta`
  std::vector<std::string> sigma_fields;     // the Sigma `fields` list
  std::shared_ptr<const CompiledRule> rule;  // kDetection
  CorrelationSpec correlation;               // kCorrelation
};

// Every document of `yaml` that has no error; diagnostics for all of them are appended.
// `source` goes to RuleMeta::source.
std::vector<SigmaDocument> read_sigma(std::string_view yaml, const std::string& file,
                                      std::string_view source, const CompileOptions& options,
                                      std::vector<Diagnostic>& diags);

// ATT&CK tags -> TA00xx tactic ids and Txxxx[.yyy] technique ids (appended, no duplicates).
void derive_attack(const std::vector<std::string>& tags, std::vector<std::string>& tactics,
                   std::vector<std::string>& techniques);

}  // namespace trailwarden::detect::sigma
