// PolicySet: the settings of the 11 anomaly policies (catalog §4.3–4.4). Each policy's defaults
// are shipped in rules/anomaly/<short id>.yml; a user file (--policies FILE) overrides them per
// policy, and --sensitivity sets the default sensitivity of every policy the user file does not
// set. Loaded once, shared read-only by the decode threads and the store thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "anomaly/anomaly.h"
#include "core/result.h"

namespace trailwarden::anomaly {

enum class PolicyId : uint8_t {
  kAnonymousIp,
  kInfrequentCountry,
  kSuspiciousIp,
  kImpossibleTravel,
  kTerminatedUser,
  kFailedLogins,
  kAdminActivity,
  kStorageDeletion,
  kVmDeletion,
  kVmCreation,
  kRegion,
};
inline constexpr size_t kPolicyCount = 11;

// "aws.anomaly.impossible_travel" etc.
std::string_view policy_id_text(PolicyId id);
std::optional<PolicyId> policy_from_text(std::string_view text);  // full or short id
std::string_view sensitivity_name(Sensitivity s);                 // low | medium | high
std::optional<Sensitivity> parse_sensitivity(std::string_view text);

struct Scope {
  std::vector<std::string> include_identities;  // ARN globs (empty: every identity)
  std::vector<std::string> exclude_identities;
  std::vector<std::string> include_accounts;  // account ids (empty: every account)
  std::vector<std::string> exclude_accounts;
};

struct PolicySettings {
  PolicyId id{};
  std::string name;  // aws.anomaly.…
  std::string title;
  std::string severity = "medium";
  std::string description;
  std::vector<std::string> tactics, techniques;
  bool enabled = true;
  Sensitivity sensitivity = Sensitivity::kMedium;
  int64_t learning_us = int64_t{7} * 86400 * 1000000;
  int64_t baseline_us = int64_t{30} * 86400 * 1000000;
  double floor = 0;                     // count policies: the Medium floor
  double objects_floor = 0;             // storage deletion: the object metric's floor
  int64_t alert_window_us = 0;          // one alert per key per window (0: per session)
  int64_t grace_us = 3600LL * 1000000;  // terminated user: off-boarding grace
  int min_located_events = 20;          // infrequent country
  double max_speed_kmh = 900;           // impossible travel
  Scope scope;
  std::string source;  // the files the settings came from

  // Sensitivity-derived values (catalog §4.3 table).
  double percentile() const;                  // 0.999, 0.99, 0.95
  double effective_floor(double base) const;  // ×2, ×1, ÷2 (min 2)
  double min_travel_km() const;               // 1000, 500, 300
  bool applies_org_suppression() const { return sensitivity == Sensitivity::kLow; }
  bool applies_identity_suppression() const { return sensitivity != Sensitivity::kHigh; }
};

struct PolicyOptions {
  std::string builtin_dir;  // rules/ (holds anomaly/ and data/); empty: the built-in rules dir
  std::string user_file;    // --policies FILE
  std::optional<Sensitivity> sensitivity;  // --sensitivity
  bool disabled = false;                   // --no-policies
  int64_t allowed_lateness_us = int64_t{2} * 3600 * 1000000;
};

// Heterogeneous lookup: string_view keys find std::string entries without a copy.
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using TextSet = std::unordered_set<std::string, TextHash, std::equal_to<>>;

class PolicySet {
 public:
  static Result<std::shared_ptr<const PolicySet>> load(const PolicyOptions& options,
                                                       std::vector<std::string>& warnings);
  // Defaults only (tests): every policy enabled at `sensitivity`, shipped data lists inline.
  static std::shared_ptr<PolicySet> defaults(Sensitivity sensitivity = Sensitivity::kMedium);

  const PolicySettings& get(PolicyId id) const { return settings_[static_cast<size_t>(id)]; }
  PolicySettings& mutable_get(PolicyId id) { return settings_[static_cast<size_t>(id)]; }
  const std::array<PolicySettings, kPolicyCount>& all() const { return settings_; }
  const PolicySettings* find(std::string_view name) const;
  bool any_enabled() const;
  bool enabled(PolicyId id) const { return get(id).enabled; }
  // The activity's identity and account are in the policy's scope.
  bool in_scope(PolicyId id, std::string_view account, std::string_view identity_arn) const;
  int64_t allowed_lateness_us() const { return lateness_us_; }

  // Shipped data (rules/data): admin events "source:Name", resource-creating event names,
  // country neighbours ("DE" -> {"AT", ...}).
  bool is_admin_event(std::string_view source, std::string_view name, bool read_only) const;
  bool is_creation_event(std::string_view name) const;
  bool neighbours(std::string_view a, std::string_view b) const;

  void set_admin_events(std::vector<std::string> lines);
  void set_creation_events(std::vector<std::string> lines);
  void set_neighbours(const std::vector<std::string>& lines);

 private:
  std::array<PolicySettings, kPolicyCount> settings_;
  TextSet admin_services_;                      // every write of these services
  TextSet admin_events_;                        // "kms.amazonaws.com:PutKeyPolicy"
  TextSet creation_events_;                     // exact names
  std::vector<std::string> creation_prefixes_;  // "CreateFunction*"
  std::set<std::string> neighbour_pairs_;       // "AT:DE" (sorted)
  int64_t lateness_us_ = int64_t{2} * 3600 * 1000000;
};

}  // namespace trailwarden::anomaly
