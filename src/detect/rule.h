// The vocabulary detection shares: rule metadata, diagnostics, correlation specifications.
// The Sigma reader produces these; the matcher, the correlation engine, the alert builder and
// the command line consume them. No behaviour lives here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trailwarden::detect {

enum class Severity : uint8_t { kInformational, kLow, kMedium, kHigh, kCritical };

// "informational", "low", "medium", "high", "critical".
std::string_view severity_name(Severity s);
// Accepts the five names above, case-insensitively; nullopt otherwise.
std::optional<Severity> parse_severity(std::string_view text);

struct SourcePos {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
};

// One finding of the rule reader or compiler. Codes are stable (documented in docs/rules.md)
// so scripts can match on them.
struct Diagnostic {
  enum class Level : uint8_t { kError, kWarning };
  Level level = Level::kError;
  std::string code;        // e.g. "yaml-syntax", "unknown-modifier", "undefined-selection"
  SourcePos pos;           // where in the rule file
  std::string rule_title;  // empty when the rule's title is not known yet
  std::string message;     // an explanation for people
};

// What every rule (detection or correlation document) carries.
struct RuleMeta {
  std::string id;    // Sigma `id` (a UUID)
  std::string name;  // Sigma `name`; for built-in content the dotted id, e.g.
                     // aws.defense_evasion.cloudtrail_tampering (may be empty in user rules)
  std::string title;
  std::string description;
  std::string author;
  std::string license;  // Sigma `license`, if any
  std::string status;
  std::string date;
  std::string modified;
  std::vector<std::string> references;
  std::vector<std::string> falsepositives;
  std::vector<std::string> tags;          // as written: attack.persistence, attack.t1098.001, ...
  std::vector<std::string> tactics;       // TA00xx, from attack.<tactic-name> tags
  std::vector<std::string> techniques;    // T1098.001 (upper case), from attack.tNNNN[.NNN] tags
  Severity severity = Severity::kMedium;  // Sigma `level`
  std::string logsource_product;          // e.g. "aws"
  std::string logsource_service;          // e.g. "cloudtrail", "guardduty"
  SourcePos pos;                          // the document's first line
  std::string source;                     // "builtin", "user": set by whoever loads the rules

  // The optional top-level `trailwarden:` map (other Sigma tools ignore it). A rule without one
  // (SigmaHQ's, most user rules) gets the catalogue's default suppression: 1 h by account,
  // identity, source IP and eventName.
  bool has_trailwarden = false;
  std::vector<std::string> resources;    // field paths shown as the alert's resources
  std::vector<std::string> details;      // further field paths quoted in the description
  int64_t suppress_us = 0;               // 0: every hit raises its own alert
  std::vector<std::string> suppress_by;  // field paths (or entity names) keying suppression
  std::vector<std::string> data;         // prerequisites: M, D, G, E:<list>
};

enum class CorrelationType : uint8_t { kEventCount, kValueCount, kTemporal, kTemporalOrdered };

enum class CompareOp : uint8_t { kGt, kGte, kLt, kLte, kEq, kNeq };

struct CountCondition {
  CompareOp op = CompareOp::kGte;
  int64_t value = 0;
};

// A Sigma correlation document.
struct CorrelationSpec {
  RuleMeta meta;
  CorrelationType type = CorrelationType::kEventCount;
  std::vector<std::string> rules;     // referenced rules, by `name` or `id`, in order
  std::vector<std::string> group_by;  // field names (or alias names)
  int64_t timespan_us = 0;
  // All must hold (Sigma allows a range: gte and lte together). For temporal types the
  // condition counts distinct referenced rules seen; absent means all of them.
  std::vector<CountCondition> condition;
  std::string value_field;  // value_count: the field whose distinct values are counted
  // alias -> (referenced rule name or id -> field path in that rule's events)
  std::map<std::string, std::map<std::string, std::string>> aliases;
  bool generate = false;  // the referenced rules also raise their own alerts
};

}  // namespace trailwarden::detect
