// Detection as the ingest pipeline runs it, in two halves:
//
//   decode thread:  EventMatcher   — each parsed record meets its candidate rules (the index);
//                                    a hit captures the facts an alert needs (entities, values),
//                                    because the parsed record is gone once the batch moves on.
//   store thread:   AlertBuilder   — once the workspace knows which rows are new (duplicates
//                                    raise nothing), hits become alerts: suppression windows,
//                                    correlation windows; alerts and the detectors' state commit
//                                    in the same transaction as the events.
//
// DetectionContent is everything loaded once and shared read-only: rules, derived fields,
// correlation specifications.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "anomaly/anomaly.h"
#include "anomaly/policy_set.h"
#include "core/clock.h"
#include "core/result.h"
#include "detect/correlation.h"
#include "detect/derived/standard.h"
#include "detect/event.h"
#include "detect/rule.h"
#include "detect/sigma/ruleset.h"
#include "enrich/enricher.h"
#include "store/workspace.h"

namespace trailwarden::detect {

// Where the built-in content lives: $TRAILWARDEN_RULES_DIR, else the source tree's rules/.
std::string builtin_rules_dir();

struct DetectionConfig {
  bool builtin = true;                  // load the built-in pack
  std::vector<std::string> rule_paths;  // user rules: files or directories
  std::string builtin_dir;              // empty: builtin_rules_dir()
  SigmaOptions sigma;                   // placeholders for |expand
  CorrelationLimits limits;
  // Anomaly policies (src/anomaly): settings files, --sensitivity, --no-policies.
  anomaly::PolicyOptions policies;
  // Enrichment lists (E:<name>): files in lists_dir (tor_exit.txt, anonymizer.txt,
  // threat_intel.csv, trusted_cidrs.txt, aws_ip_ranges.json, terminated_users.csv,
  // admin_identities.txt), plus entries given inline (rule tests). Read by the Enricher
  // (enrich/enricher.h), except admin_identities.
  std::string lists_dir;
  std::map<std::string, std::vector<std::string>> lists;
  // Geo-IP databases (MaxMind DB files); empty: enrich::default_geoip_paths().
  std::vector<std::string> geoip;
  bool no_geoip = false;
  int64_t list_reload_check_us = 10'000'000;  // EnrichmentConfig::reload_check_us
};

class DetectionContent {
 public:
  // Loads the rules; problems become diagnostics (a rule with an error is left out). Fails
  // only when the built-in pack or its data cannot be read at all.
  static Result<std::shared_ptr<const DetectionContent>> load(const DetectionConfig& config,
                                                              std::vector<Diagnostic>& diags);

  const RuleSet& rules() const { return *rules_; }
  const DerivedFields& derived() const { return *derived_; }
  const DetectionConfig& config() const { return config_; }
  // The anomaly policies' settings (never null; every policy disabled with --no-policies).
  const std::shared_ptr<const anomaly::PolicySet>& policies() const { return policies_; }
  std::vector<ResolvedCorrelation> resolved_correlations() const;
  // Whether the enrichment list `name` (tor_exit, admin_identities, ...) is loaded.
  bool has_list(const std::string& name) const { return lists_.contains(name); }
  // The rule's `data` prerequisites that are not met: "E:a|b" needs one of the lists a, b;
  // "E?:a" is optional (the rule works partly without it). Empty: active.
  std::vector<std::string> missing_data(const RuleMeta& meta, bool include_optional) const;
  // Licence to quote in alerts of rule `i` ("DRL-1.1" for rules read from a SigmaHQ checkout).
  const std::string& license(size_t rule) const;
  // The source-IP enrichment (geo-IP, lists, terminated users). Never null. Thread-safe; the
  // pipeline calls maybe_reload() on it once per batch.
  const std::shared_ptr<enrich::Enricher>& enricher() const { return enricher_; }
  // Problems met opening the enrichment that did not stop it (no default geo-IP database).
  const std::vector<std::string>& enrichment_warnings() const { return enrichment_warnings_; }

 private:
  DetectionConfig config_;
  std::unique_ptr<RuleSet> rules_;
  std::shared_ptr<const anomaly::PolicySet> policies_;
  std::unique_ptr<StandardDerivedFields> derived_;
  std::vector<std::string> licenses_;  // per rule
  std::set<std::string> lists_;        // loaded enrichment lists
  std::shared_ptr<enrich::Enricher> enricher_;
  std::vector<std::string> enrichment_warnings_;
};

// The facts of one triggering event, captured on the decode side.
struct HitFacts {
  int64_t time_us = 0;
  std::string event_id;
  std::string event_name;
  std::string event_source;
  std::string account;        // recipientAccountId
  std::string actor_account;  // userIdentity.accountId when it differs
  std::string region;
  std::string ip;              // sourceIPAddress when it is an IP
  std::string source_service;  // sourceIPAddress when it is not
  std::string identity_json;   // the tw.identity object
  std::string identity_name;
  std::string identity_arn;
  std::vector<std::string> resources;
  // path -> value for every path the rule's alert needs: details, suppression keys,
  // correlation group-by and value fields.
  std::vector<std::pair<std::string, std::string>> values;
};

// Hits on GuardDuty findings carry kFindingRowBase + the finding's index in the batch.
inline constexpr uint32_t kFindingRowBase = 0x80000000u;

struct Hit {
  uint32_t rule = 0;
  uint32_t row = 0;  // row of the batch (or kFindingRowBase + finding index)
  HitFacts facts;
};

// The hits of one batch, carried with it to the store thread.
struct BatchHits final : store::DetectionPayload {
  std::vector<Hit> hits;
  std::vector<anomaly::Activity> activities;  // one per CloudTrail row when policies run
  void clear() override {
    hits.clear();
    activities.clear();
  }
};

// Decode side. One per thread (holds the Event's caches).
class EventMatcher {
 public:
  explicit EventMatcher(std::shared_ptr<const DetectionContent> content);
  // Matches one parsed record of `service` ("cloudtrail"); appends a hit per matching rule.
  void match(simdjson::dom::element record, std::string_view service, uint32_t row,
             std::vector<Hit>& out);
  uint64_t evaluated() const { return evaluated_; }

 private:
  void capture_event(HitFacts& facts);                // what every hit of the record shares
  void capture_finding(HitFacts& facts);              // the same, for a GuardDuty finding
  void capture_rule(uint32_t rule, HitFacts& facts);  // what this rule's alert adds

  struct Path {
    std::string text;
    FieldPath path;
  };
  struct Common {
    FieldPath event_time, event_id, event_name, event_source, account, actor_account, region,
        source_ip, is_ip, identity_name, identity_arn, identity;
  };
  std::shared_ptr<const DetectionContent> content_;
  Event event_;
  std::vector<uint32_t> matched_;
  std::vector<FieldValue> scratch_;
  Common common_;
  // A finding's id (its alerts' identity across updates), updatedAt, type, account, region.
  FieldPath finding_id_{"id"}, finding_time_{"updatedAt"}, finding_type_{"type"},
      finding_account_{"accountId"}, finding_region_{"region"};
  std::vector<std::vector<Path>> paths_per_rule_;  // values to capture, per rule
  std::vector<std::vector<FieldPath>> resources_per_rule_;
  uint64_t evaluated_ = 0;
};

// Store side: the AppendHook that turns new rows' hits into alerts.
class AlertBuilder final : public store::AppendHook {
 public:
  AlertBuilder(std::shared_ptr<const DetectionContent> content, const Clock& clock);

  // Restores correlation and suppression state saved in the workspace.
  Status restore(store::Workspace& workspace);

  Status before_commit(const store::AppendBatch& batch, std::span<const uint8_t> keep,
                       store::DetectionWrites& out) override;
  void after_commit(bool committed) override;

  // Rule alerts plus anomaly alerts.
  uint64_t alerts_raised() const { return raised_ + (anomaly_ ? anomaly_->alerts_raised() : 0); }
  uint64_t alerts_updated() const { return updated_; }
  // Feeds hits directly (rules test, retro-hunt); `out` receives the alert rows.
  void process(std::vector<Hit>& hits, std::vector<store::AlertRow>& out);
  // State blobs to persist (keys "correlation", "suppression").
  void save_state(std::vector<std::pair<std::string, std::string>>& out) const;

 private:
  struct Open {
    store::AlertRow row;
    std::vector<std::string> ids;
    int64_t until_us = 0;  // event time after which a repeat raises a new alert
  };
  void stateless_alert(const Hit& hit, std::vector<store::AlertRow>& out);
  void flush_updates(std::vector<store::AlertRow>& out);
  void emit_update(Open& o, std::vector<store::AlertRow>& out);
  void make_room(std::vector<store::AlertRow>& out);
  void process_hits(std::vector<Hit>& hits, std::vector<store::AlertRow>& out);
  void correlation_alert(const CorrelationAlert& ca, const Hit& last,
                         std::vector<store::AlertRow>& out);
  store::AlertRow base_row(const RuleMeta& meta, size_t license_rule, const HitFacts& f) const;

  std::shared_ptr<const DetectionContent> content_;
  const Clock& clock_;
  std::unique_ptr<CorrelationEngine> engine_;
  std::unique_ptr<anomaly::Engine> anomaly_;    // null when no policy is enabled
  std::unordered_map<std::string, Open> open_;  // suppression key -> open alert
  std::set<std::string> dirty_;                 // open alerts repeated in this batch
  int64_t newest_time_us_ = 0;
  uint64_t raised_ = 0;
  uint64_t updated_ = 0;
};

// A stable 128-bit hash as 32 hex digits (alert ids).
std::string stable_id(std::string_view text);

}  // namespace trailwarden::detect
