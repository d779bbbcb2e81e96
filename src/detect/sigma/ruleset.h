// The loaded Sigma rules: detection rules compiled and indexed by (eventSource, eventName),
// correlation documents with their references resolved.
//
// The index: from each compiled condition the set of (eventSource, eventName) pairs it can
// match is derived when the condition implies them (equality tests without wildcards under
// AND; unions under OR when every branch is constrained; NOT constrains nothing). Keys are
// case-folded. An event is only tested against the rules keyed (src, name), (any, name),
// (src, any) and the unconstrained rules; a record whose eventSource or eventName is not a
// single scalar is tested against every rule (arrays fan out, so any key could match).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "detect/event.h"
#include "detect/rule.h"

namespace trailwarden::detect {

namespace sigma {
class CompiledRule;
}

struct SigmaOptions {
  std::map<std::string, std::vector<std::string>> placeholders;
};

class RuleSet {
 public:
  explicit RuleSet(SigmaOptions options = {});
  ~RuleSet();
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  // Loads every *.yml/*.yaml under each path (file or directory, recursive, sorted), skipping
  // files ending .tests.yml. `source` is stored in RuleMeta::source. Diagnostics are appended;
  // a rule with an error is not loaded, the others are. Returns the number of documents loaded.
  size_t load_path(const std::string& path, std::string_view source,
                   std::vector<Diagnostic>& diags);
  size_t load_text(std::string_view yaml, const std::string& file, std::string_view source,
                   std::vector<Diagnostic>& diags);
  // After loading: resolves correlation references (by name or id) -> diagnostics. A
  // correlation with an unresolved reference (or in a cycle) is dropped, and so is any
  // correlation referencing a dropped one.
  void finish(std::vector<Diagnostic>& diags);

  size_t size() const;  // detection rules
  const RuleMeta& meta(size_t rule) const;
  // Field paths the rule reads (for alert text): the detection's fields, then the Sigma
  // `fields` list.
  const std::vector<std::string>& fields(size_t rule) const;
  std::string explain(size_t rule) const;  // the compiled form, indented when long
  const sigma::CompiledRule& compiled(size_t rule) const;
  // The (eventSource, eventName) keys the rule is indexed under ("*" for any), or
  // "unconstrained"; for tests and `rules explain`.
  std::string index_keys(size_t rule) const;

  const std::vector<CorrelationSpec>& correlations() const;
  // Correlation reference resolution: for correlation c, the referenced entries: either a
  // detection rule index or another correlation index (in the order of CorrelationSpec::rules).
  struct Ref {
    bool is_correlation;
    size_t index;
  };
  const std::vector<Ref>& correlation_refs(size_t c) const;
  // Detection rule index by `name` or `id`; -1 when none.
  long find_rule(std::string_view name_or_id) const;

  // Indices of the detection rules that match (only candidates from the index are evaluated),
  // appended to `out` in increasing order. Rules whose logsource service is not `service`
  // (e.g. "cloudtrail" vs "guardduty") never match; a rule without a service matches any.
  void match(Event& event, std::string_view service, std::vector<uint32_t>& out) const;
  // Takes rules out of matching (their data is missing, so they could never match); they stay
  // listed. Indices do not change.
  void disable(const std::vector<size_t>& rules);
  bool enabled(size_t rule) const;
  // The same without the index: every rule of the service is evaluated (tests, benchmarks).
  void match_all(Event& event, std::string_view service, std::vector<uint32_t>& out) const;
  // For benchmarks and tests: how many rules were evaluated by the last match() call.
  size_t last_evaluated() const { return last_evaluated_.load(std::memory_order_relaxed); }

 private:
  struct Rule;
  struct Index;
  void rebuild_index();
  const Index& index_for(std::string_view service) const;

  SigmaOptions options_;
  std::vector<Rule> rules_;
  std::vector<CorrelationSpec> correlations_;
  std::vector<std::vector<Ref>> refs_;
  std::vector<std::unique_ptr<Index>> indexes_;  // one per service named by a rule, then one
                                                 // for any other service
  mutable std::atomic<size_t> last_evaluated_{0};
};

}  // namespace trailwarden::detect
