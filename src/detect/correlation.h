// The Sigma correlation engine: event_count, value_count, temporal and temporal_ordered
// correlations over base-rule hits, in sliding windows of event time, per group-by key (with
// field aliases), chained (a correlation over another correlation), with bounded and
// persistable state. It runs in the store thread and is fed only with hits of new events.
//
// Semantics (the contract the tests check):
//  - Windows. A window is [t, t + timespan] (both ends included) anchored at an event time t.
//    For a condition with only lower bounds (gt/gte, and temporal types without a condition),
//    a group fires as soon as some window holds enough: the engine looks at every window that
//    contains the new hit, so events arriving out of order (within the lateness) count in the
//    windows they belong to. Conditions with an upper bound or a neq (lt, lte, eq, neq, ranges)
//    are decided when a window closes: its anchor + timespan is older than the watermark minus
//    the allowed lateness (see expire()); each window anchored at an event is evaluated once,
//    earliest first.
//  - What counts. event_count: hits (an event matched by two referenced rules counts once);
//    value_count: distinct values of the field; temporal: distinct referenced rules;
//    temporal_ordered: one hit of each referenced rule with non-decreasing times (equal times
//    are in order) and last - first <= timespan. temporal_ordered supports only its default
//    condition (all rules).
//  - Fire once. When a group fires, every hit of that group up to the time of the window's
//    last contributing hit is dropped, and hits of that group at or before that time arriving
//    later are ignored: a new alert needs a fresh set of hits, all later than the previous
//    alert's. A burst of 120 hits over a "> 50" condition raises two alerts (hits 1-51, 52-102).
//  - Group-by. Hits correlate only with hits of equal group values (exact text). A hit whose
//    group-by field (after alias mapping) or value_count field is missing or empty does not take
//    part in that correlation (counted in stats().missing_fields). An alias that does not list a
//    referenced rule maps to the alias name itself as a field path.
//  - Chaining. A correlation's firing is a hit, at the time of its last contributing event,
//    for the correlations that reference it; its group-by values are the fields that hit carries
//    (the outer correlation's group-by names, after its aliases, must be among the inner's
//    group-by names). It raises an alert of its own only when nothing references it or a
//    referencing correlation has `generate: true`. `generate` concerns the rules a correlation
//    names (base rules: generates_alone(); correlations: their own alerts), not further down.
//  - Lateness. The watermark is the latest event time seen (on_hit and expire) and never moves
//    back. A base hit older than the watermark minus allowed_lateness_us is ignored
//    (stats().late). So the caller must not feed times from the future: one record with a bogus
//    far-future eventTime would make every later hit "late" (clamp against the injected clock).
//  - Bounds. Per correlation at most max_groups_per_correlation groups (least recently updated
//    evicted); per group at most max_events_per_group hits (per referenced rule: that divided by
//    the number of rules, for temporal types), oldest dropped; all state together at most about
//    max_state_bytes (least recently updated groups of the largest correlation evicted).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "detect/rule.h"

namespace trailwarden::detect {

struct CorrelationLimits {
  size_t max_groups_per_correlation = 100000;  // least-recently-updated groups evicted beyond this
  size_t max_events_per_group = 1000;          // timestamps/ids kept per group (bounded)
  size_t max_event_ids_per_alert = 200;        // >= 100 required (smaller values are raised to 100)
  int64_t allowed_lateness_us = 2LL * 3600 * 1000000;
  size_t max_state_bytes = size_t{512} << 20;  // all correlations together, approximate
};

// One correlation with its references resolved by the caller: each entry of `refs` is either a
// base detection rule index or another correlation's index (chaining).
struct ResolvedCorrelation {
  CorrelationSpec spec;
  struct Ref {
    bool is_correlation = false;
    size_t index = 0;
    std::string name;  // as written in spec.rules (a name or an id)
    std::string id;    // optional: the referenced rule's other identifier, so `aliases` keyed
                       // by either its name or its id apply
  };
  std::vector<Ref> refs;  // same order as spec.rules
};

// The values of the fields one hit carries: path -> value text (first value when multi-valued).
// The caller extracts, for each base rule, the paths returned by needed_fields(rule).
using HitFields = std::vector<std::pair<std::string, std::string>>;

struct CorrelationAlert {
  size_t correlation = 0;                       // index into the engine's correlations
  int64_t first_time_us = 0, last_time_us = 0;  // event time span of the contributing events
  std::vector<std::string> event_ids;  // every contributing event (up to the cap), in time order;
                                       // when capped: the first ones and the last one
  size_t event_count = 0;              // contributing events (may exceed event_ids.size())
  std::vector<std::pair<std::string, std::string>> group;  // group-by field -> value
  int64_t observed = 0;  // the count or distinct-value count that met the condition
  std::string detail;    // e.g. "51 events (> 50) in 10m" or "23 distinct requestParameters.key
                         // (> 20) in 1h"
  std::string key;       // deterministic: correlation name/id + group + window start event id; the
                         // caller derives the alert id from it
};

struct CorrelationStats {
  uint64_t hits = 0;            // base-rule hits fed to on_hit
  uint64_t late = 0;            // base hits older than watermark - allowed lateness (ignored)
  uint64_t missing_fields = 0;  // (hit, correlation) pairs ignored for a missing group/value field
  uint64_t after_fire = 0;      // hits ignored because their group already fired past their time
  uint64_t evicted_groups = 0;  // groups dropped by the group or byte bounds
  uint64_t evicted_events = 0;  // hits dropped by the per-group bound
  uint64_t alerts = 0;          // alerts raised (not counting silent intermediate correlations)
};

class CorrelationEngine {
 public:
  // Correlations that cannot run (unsupported_reason, a reference cycle, a bad reference) are
  // kept but disabled: they never fire; disabled_reason() says why.
  CorrelationEngine(std::vector<ResolvedCorrelation> correlations, CorrelationLimits limits = {});
  ~CorrelationEngine();
  CorrelationEngine(CorrelationEngine&&) noexcept;
  CorrelationEngine& operator=(CorrelationEngine&&) noexcept;
  CorrelationEngine(const CorrelationEngine&) = delete;
  CorrelationEngine& operator=(const CorrelationEngine&) = delete;

  // Why the engine cannot run `spec` (a sentence for a diagnostic), or nullopt. The second form
  // also checks the spec against the limits (a count the per-group bound cannot hold).
  static std::optional<std::string> unsupported_reason(const CorrelationSpec& spec);
  static std::optional<std::string> unsupported_reason(const CorrelationSpec& spec,
                                                       const CorrelationLimits& limits);

  size_t size() const;  // number of correlations
  const ResolvedCorrelation& correlation(size_t index) const;
  // nullopt when the correlation runs; else the reason it is disabled.
  std::optional<std::string> disabled_reason(size_t correlation) const;

  // Field paths the engine needs from events of base rule `rule` (group-by fields after alias
  // mapping, value_count field), sorted, without duplicates.
  std::vector<std::string> needed_fields(size_t rule) const;
  // True when some correlation references base rule `rule` (the caller then raises no
  // standalone alert for it unless generates_alone(rule)).
  bool referenced(size_t rule) const;
  bool generates_alone(size_t rule) const;  // a referencing correlation has generate: true

  // Feeds one base-rule hit; appends alerts that fire now (chained correlations handled
  // internally). Also appends alerts decided by an earlier expire(now) without `out`.
  void on_hit(size_t rule, int64_t time_us, std::string_view event_id, const HitFields& fields,
              std::vector<CorrelationAlert>& out);
  // Advances the watermark to `now_event_time_us` (if later), decides the windows that closed
  // (conditions with an upper bound), appending their alerts, and drops state no future hit can
  // use (older than each correlation's window + lateness). Call it once per batch with the
  // batch's latest event time.
  void expire(int64_t now_event_time_us, std::vector<CorrelationAlert>& out);
  // The same; alerts decided here are kept (and persisted) until the next call that takes `out`.
  void expire(int64_t now_event_time_us);

  // Persisted state: a versioned binary blob with a checksum; restore() validates it (a corrupt
  // or incompatible blob is an error and leaves the engine unchanged) and ignores state of
  // correlations that no longer exist or whose type, references, group-by, field or aliases
  // changed (keyed by the correlation's id, else name, else title).
  std::string serialize() const;
  Status restore(std::string_view blob);

  size_t state_bytes() const;  // approximate memory of the state, for health and tests
  size_t group_count(size_t correlation) const;
  int64_t watermark() const;  // INT64_MIN before any event
  const CorrelationStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trailwarden::detect
