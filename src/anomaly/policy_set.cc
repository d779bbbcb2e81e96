#include "anomaly/policy_set.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/text.h"
#include "detect/derived/dom_util.h"
#include "detect/derived/glob.h"
#include "detect/detector.h"
#include "detect/hunting.h"

namespace trailwarden::anomaly {

namespace {

constexpr std::array<std::string_view, kPolicyCount> kIds = {
    "aws.anomaly.anonymous_ip_activity",    "aws.anomaly.infrequent_country",
    "aws.anomaly.suspicious_ip_activity",   "aws.anomaly.impossible_travel",
    "aws.anomaly.terminated_user_activity", "aws.anomaly.multiple_failed_logins",
    "aws.anomaly.unusual_admin_activity",   "aws.anomaly.unusual_storage_deletion",
    "aws.anomaly.multiple_vm_deletion",     "aws.anomaly.unusual_vm_creation",
    "aws.anomaly.unusual_region_resource",
};
constexpr std::string_view kPrefix = "aws.anomaly.";
constexpr int64_t kDayUs = int64_t{86400} * 1000000;

std::string lower(std::string_view s) {
  std::string o(s);
  for (char& c : o) c = detect::derived::ascii_lower(c);
  return o;
}

Result<std::vector<std::string>> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::kNotFound, "cannot read data file", path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// Settings of one YAML map (a shipped file, or one entry of the user's file) onto `s`.
Status apply(const YAML::Node& n, PolicySettings& s, const std::string& where,
             bool& sensitivity_set) {
  if (!n.IsMap())
    return make_error(ErrorCode::kInvalidArgument, "policy settings must be a map", where);
  auto text = [&](const char* key, std::string& out) {
    if (n[key] && n[key].IsScalar()) out = n[key].as<std::string>();
  };
  auto list = [&](const YAML::Node& v, std::vector<std::string>& out) -> Status {
    if (!v) return {};
    if (v.IsNull()) return {};
    if (v.IsScalar()) {
      out = {v.as<std::string>()};
      return {};
    }
    if (!v.IsSequence()) return make_error(ErrorCode::kInvalidArgument, "expected a list", where);
    out.clear();
    for (const auto& i : v) out.push_back(i.as<std::string>());
    return {};
  };
  auto duration = [&](const char* key, int64_t& out) -> Status {
    if (!n[key]) return {};
    std::string v = n[key].as<std::string>();
    auto d = detect::parse_duration(v);
    if (!d && v != "0" && v != "0d")
      return make_error(ErrorCode::kInvalidArgument,
                        std::string("bad duration for ") + key + ": " + escape_control(v), where);
    out = d ? *d : 0;
    return {};
  };
  auto number = [&](const char* key, double& out) -> Status {
    if (!n[key]) return {};
    try {
      out = n[key].as<double>();
    } catch (const YAML::Exception&) {
      return make_error(ErrorCode::kInvalidArgument, std::string("bad number for ") + key, where);
    }
    if (!(out >= 0))
      return make_error(ErrorCode::kInvalidArgument, std::string(key) + " must be >= 0", where);
    return {};
  };
  try {
    text("title", s.title);
    text("severity", s.severity);
    text("description", s.description);
    if (auto st = list(n["tactics"], s.tactics); !st) return st;
    if (auto st = list(n["techniques"], s.techniques); !st) return st;
    if (n["enabled"]) s.enabled = n["enabled"].as<bool>();
    if (n["sensitivity"]) {
      auto v = parse_sensitivity(n["sensitivity"].as<std::string>());
      if (!v)
        return make_error(ErrorCode::kInvalidArgument, "sensitivity must be low, medium or high",
                          where);
      s.sensitivity = *v;
      sensitivity_set = true;
    }
    if (auto st = duration("learning", s.learning_us); !st) return st;
    if (auto st = duration("baseline_window", s.baseline_us); !st) return st;
    if (auto st = duration("alert_window", s.alert_window_us); !st) return st;
    if (auto st = duration("grace", s.grace_us); !st) return st;
    if (auto st = number("floor", s.floor); !st) return st;
    if (auto st = number("objects_floor", s.objects_floor); !st) return st;
    if (auto st = number("max_speed_kmh", s.max_speed_kmh); !st) return st;
    if (n["min_located_events"]) s.min_located_events = n["min_located_events"].as<int>();
    if (const auto sc = n["scope"]; sc) {
      if (!sc.IsMap() && !sc.IsNull())
        return make_error(ErrorCode::kInvalidArgument, "scope must be a map", where);
      if (sc.IsMap()) {
        if (auto st = list(sc["include_identities"], s.scope.include_identities); !st) return st;
        if (auto st = list(sc["exclude_identities"], s.scope.exclude_identities); !st) return st;
        if (auto st = list(sc["include_accounts"], s.scope.include_accounts); !st) return st;
        if (auto st = list(sc["exclude_accounts"], s.scope.exclude_accounts); !st) return st;
      }
    }
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::kInvalidArgument, std::string("bad policy settings: ") + e.what(),
                      where);
  }
  if (s.baseline_us < kDayUs)
    return make_error(ErrorCode::kInvalidArgument, "baseline_window must be at least 1d", where);
  if (s.baseline_us > 400 * kDayUs)
    return make_error(ErrorCode::kInvalidArgument, "baseline_window must be at most 400d", where);
  return {};
}

void shipped_defaults(PolicySettings& s) {
  // The values of rules/anomaly/*.yml, so that tests and a missing file behave the same.
  switch (s.id) {
    case PolicyId::kAnonymousIp:
      s.title = "Activity from anonymous IP addresses";
      s.learning_us = 0;
      s.alert_window_us = kDayUs;
      s.tactics = {"TA0001", "TA0011"};
      s.techniques = {"T1078.004", "T1090.003"};
      break;
    case PolicyId::kInfrequentCountry:
      s.title = "Activity from infrequent country";
      s.alert_window_us = 7 * kDayUs;
      s.tactics = {"TA0001"};
      s.techniques = {"T1078.004"};
      break;
    case PolicyId::kSuspiciousIp:
      s.title = "Activity from suspicious IP addresses";
      s.learning_us = 0;
      s.alert_window_us = kDayUs;
      s.tactics = {"TA0001"};
      s.techniques = {"T1078.004"};
      break;
    case PolicyId::kImpossibleTravel:
      s.title = "Impossible travel";
      s.alert_window_us = kDayUs;
      s.tactics = {"TA0001"};
      s.techniques = {"T1078.004"};
      break;
    case PolicyId::kTerminatedUser:
      s.title = "Activity performed by terminated user";
      s.severity = "high";
      s.learning_us = 0;
      s.alert_window_us = kDayUs;
      s.tactics = {"TA0001", "TA0003"};
      s.techniques = {"T1078.004", "T1098"};
      break;
    case PolicyId::kFailedLogins:
      s.title = "Multiple failed login attempts";
      s.floor = 5;
      s.tactics = {"TA0006"};
      s.techniques = {"T1110"};
      break;
    case PolicyId::kAdminActivity:
      s.title = "Unusual administrative activities";
      s.floor = 20;
      s.tactics = {"TA0004", "TA0005"};
      s.techniques = {"T1098", "T1562"};
      break;
    case PolicyId::kStorageDeletion:
      s.title = "Unusual multiple storage deletion activities";
      s.severity = "high";
      s.floor = 10;
      s.objects_floor = 1000;
      s.tactics = {"TA0040"};
      s.techniques = {"T1485", "T1490"};
      break;
    case PolicyId::kVmDeletion:
      s.title = "Multiple delete VM activities";
      s.floor = 10;
      s.tactics = {"TA0040", "TA0005"};
      s.techniques = {"T1485", "T1578.003"};
      break;
    case PolicyId::kVmCreation:
      s.title = "Unusual multiple VM creation activities";
      s.floor = 20;
      s.tactics = {"TA0040", "TA0005"};
      s.techniques = {"T1496", "T1578.002"};
      break;
    case PolicyId::kRegion:
      s.title = "Unusual region for cloud resource";
      s.alert_window_us = 7 * kDayUs;
      s.tactics = {"TA0005"};
      s.techniques = {"T1535"};
      break;
  }
}

const std::vector<std::string>& builtin_admin_lines() {
  static const std::vector<std::string> v = {"iam",
                                             "organizations",
                                             "sso",
                                             "identitystore",
                                             "cloudtrail",
                                             "config",
                                             "guardduty",
                                             "securityhub",
                                             "access-analyzer",
                                             "account",
                                             "ram",
                                             "kms:PutKeyPolicy",
                                             "kms:CreateGrant",
                                             "kms:RevokeGrant",
                                             "kms:DisableKey",
                                             "kms:ScheduleKeyDeletion",
                                             "ec2:AuthorizeSecurityGroupIngress",
                                             "ec2:AuthorizeSecurityGroupEgress",
                                             "ec2:RevokeSecurityGroupIngress",
                                             "ec2:RevokeSecurityGroupEgress",
                                             "ec2:CreateSecurityGroup",
                                             "ec2:DeleteSecurityGroup",
                                             "ec2:CreateNetworkAclEntry",
                                             "ec2:ReplaceNetworkAclEntry",
                                             "ec2:CreateRoute",
                                             "ec2:ReplaceRoute",
                                             "ec2:AttachInternetGateway",
                                             "ec2:CreateInternetGateway"};
  return v;
}
const std::vector<std::string>& builtin_creation_lines() {
  static const std::vector<std::string> v = {
      "RunInstances",       "CreateFunction*",        "CreateDBInstance", "CreateDBCluster",
      "CreateCluster",      "CreateBucket",           "CreateVolume",     "CreateStack",
      "CreateKey",          "CreateSecret",           "CreateVpc",        "CreateNatGateway",
      "CreateLoadBalancer", "CreateRepository",       "CreateTable",      "CreateQueue",
      "CreateTopic",        "CreateNotebookInstance", "CreateTrainingJob"};
  return v;
}

}  // namespace

std::string_view policy_id_text(PolicyId id) { return kIds[static_cast<size_t>(id)]; }

std::optional<PolicyId> policy_from_text(std::string_view text) {
  for (size_t i = 0; i < kPolicyCount; ++i) {
    std::string_view full = kIds[i];
    if (text == full || text == full.substr(kPrefix.size())) return static_cast<PolicyId>(i);
  }
  return std::nullopt;
}

std::string_view sensitivity_name(Sensitivity s) {
  switch (s) {
    case Sensitivity::kLow:
      return "low";
    case Sensitivity::kMedium:
      return "medium";
    case Sensitivity::kHigh:
      return "high";
  }
  return "medium";
}

std::optional<Sensitivity> parse_sensitivity(std::string_view text) {
  std::string t = lower(text);
  if (t == "low") return Sensitivity::kLow;
  if (t == "medium") return Sensitivity::kMedium;
  if (t == "high") return Sensitivity::kHigh;
  return std::nullopt;
}

double PolicySettings::percentile() const {
  switch (sensitivity) {
    case Sensitivity::kLow:
      return 0.999;
    case Sensitivity::kMedium:
      return 0.99;
    case Sensitivity::kHigh:
      return 0.95;
  }
  return 0.99;
}

double PolicySettings::effective_floor(double base) const {
  switch (sensitivity) {
    case Sensitivity::kLow:
      return base * 2;
    case Sensitivity::kMedium:
      return base;
    case Sensitivity::kHigh:
      return std::max(2.0, base / 2);
  }
  return base;
}

double PolicySettings::min_travel_km() const {
  switch (sensitivity) {
    case Sensitivity::kLow:
      return 1000;
    case Sensitivity::kMedium:
      return 500;
    case Sensitivity::kHigh:
      return 300;
  }
  return 500;
}

std::shared_ptr<PolicySet> PolicySet::defaults(Sensitivity sensitivity) {
  auto set = std::make_shared<PolicySet>();
  for (size_t i = 0; i < kPolicyCount; ++i) {
    auto& s = set->settings_[i];
    s.id = static_cast<PolicyId>(i);
    s.name = std::string(kIds[i]);
    shipped_defaults(s);
    s.sensitivity = sensitivity;
    s.source = "built-in defaults";
  }
  set->set_admin_events(builtin_admin_lines());
  set->set_creation_events(builtin_creation_lines());
  return set;
}

Result<std::shared_ptr<const PolicySet>> PolicySet::load(const PolicyOptions& options,
                                                         std::vector<std::string>& warnings) {
  auto set = defaults(Sensitivity::kMedium);
  set->lateness_us_ = options.allowed_lateness_us;
  const std::string dir =
      options.builtin_dir.empty() ? detect::builtin_rules_dir() : options.builtin_dir;
  std::array<bool, kPolicyCount> user_sensitivity{};
  for (auto& s : set->settings_) {
    std::string path = dir + "/anomaly/" + s.name.substr(kPrefix.size()) + ".yml";
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      warnings.push_back("anomaly policy file missing, built-in defaults used: " + path);
      continue;
    }
    YAML::Node n;
    try {
      n = YAML::LoadFile(path);
    } catch (const YAML::Exception& e) {
      return make_error(ErrorCode::kInvalidArgument, std::string("cannot parse: ") + e.what(),
                        path);
    }
    bool unused = false;
    if (auto st = apply(n, s, path, unused); !st) return std::unexpected(st.error());
    if (n["id"] && n["id"].as<std::string>() != s.name)
      return make_error(ErrorCode::kInvalidArgument, "id does not match the file name", path);
    s.source = path;
  }
  if (auto lines = read_lines(dir + "/data/admin_events.txt"); lines)
    set->set_admin_events(*lines);
  else
    warnings.push_back("admin event list missing, built-in list used: " + lines.error().context);
  if (auto lines = read_lines(dir + "/data/resource_creation_events.txt"); lines)
    set->set_creation_events(*lines);
  else
    warnings.push_back("resource creation list missing, built-in list used: " +
                       lines.error().context);
  if (auto lines = read_lines(dir + "/data/country_neighbours.txt"); lines)
    set->set_neighbours(*lines);
  else
    warnings.push_back(
        "country_neighbours missing: impossible travel at Low ignores only the same country");

  if (!options.user_file.empty()) {
    YAML::Node root;
    try {
      root = YAML::LoadFile(options.user_file);
    } catch (const YAML::Exception& e) {
      return make_error(ErrorCode::kInvalidArgument, std::string("cannot parse: ") + e.what(),
                        options.user_file);
    }
    if (!root.IsMap())
      return make_error(ErrorCode::kInvalidArgument, "the policies file must be a map",
                        options.user_file);
    std::optional<Sensitivity> file_default;
    if (root["sensitivity"]) {
      file_default = parse_sensitivity(root["sensitivity"].as<std::string>(""));
      if (!file_default)
        return make_error(ErrorCode::kInvalidArgument, "sensitivity must be low, medium or high",
                          options.user_file);
    }
    if (file_default)
      for (auto& s : set->settings_) s.sensitivity = *file_default;
    if (const auto ps = root["policies"]; ps) {
      if (!ps.IsMap())
        return make_error(ErrorCode::kInvalidArgument, "policies: must map policy ids to settings",
                          options.user_file);
      for (const auto& kv : ps) {
        std::string name = kv.first.as<std::string>();
        auto id = policy_from_text(name);
        if (!id)
          return make_error(ErrorCode::kInvalidArgument, "unknown policy " + escape_control(name),
                            options.user_file);
        auto& s = set->settings_[static_cast<size_t>(*id)];
        bool sens = false;
        if (auto st = apply(kv.second, s, options.user_file + ": " + s.name, sens); !st)
          return std::unexpected(st.error());
        if (sens) user_sensitivity[static_cast<size_t>(*id)] = true;
        s.source += ", " + options.user_file;
      }
    }
    for (const auto& kv : root) {
      std::string k = kv.first.as<std::string>();
      if (k != "sensitivity" && k != "policies")
        warnings.push_back(options.user_file + ": unknown key " + escape_control(k) + " ignored");
    }
    if (file_default) {
      for (size_t i = 0; i < kPolicyCount; ++i) user_sensitivity[i] = true;
      // per-policy values above already overrode the file default where given
    }
  }
  if (options.sensitivity) {
    for (size_t i = 0; i < kPolicyCount; ++i)
      if (!user_sensitivity[i]) set->settings_[i].sensitivity = *options.sensitivity;
  }
  if (options.disabled)
    for (auto& s : set->settings_) s.enabled = false;
  return std::shared_ptr<const PolicySet>(std::move(set));
}

const PolicySettings* PolicySet::find(std::string_view name) const {
  auto id = policy_from_text(name);
  return id ? &get(*id) : nullptr;
}

bool PolicySet::any_enabled() const {
  return std::any_of(settings_.begin(), settings_.end(), [](const auto& s) { return s.enabled; });
}

bool PolicySet::in_scope(PolicyId id, std::string_view account, std::string_view arn) const {
  const Scope& sc = get(id).scope;
  auto any = [](const std::vector<std::string>& globs, std::string_view v) {
    return std::any_of(globs.begin(), globs.end(),
                       [&](const std::string& g) { return detect::derived::glob_match(g, v); });
  };
  if (!sc.include_accounts.empty() && !any(sc.include_accounts, account)) return false;
  if (any(sc.exclude_accounts, account)) return false;
  if (!sc.include_identities.empty() && !any(sc.include_identities, arn)) return false;
  if (any(sc.exclude_identities, arn)) return false;
  return true;
}

void PolicySet::set_admin_events(std::vector<std::string> lines) {
  admin_services_.clear();
  admin_events_.clear();
  for (auto& l : lines) {
    std::string_view t = trim_blanks(l);
    if (t.empty() || t[0] == '#') continue;
    auto colon = t.find(':');
    if (colon == std::string_view::npos) {
      admin_services_.insert(std::string(t) + ".amazonaws.com");
    } else {
      admin_events_.insert(std::string(t.substr(0, colon)) +
                           ".amazonaws.com:" + std::string(t.substr(colon + 1)));
    }
  }
}

void PolicySet::set_creation_events(std::vector<std::string> lines) {
  creation_events_.clear();
  creation_prefixes_.clear();
  for (auto& l : lines) {
    std::string_view t = trim_blanks(l);
    if (t.empty() || t[0] == '#') continue;
    if (t.back() == '*')
      creation_prefixes_.emplace_back(t.substr(0, t.size() - 1));
    else
      creation_events_.emplace(t);
  }
}

void PolicySet::set_neighbours(const std::vector<std::string>& lines) {
  neighbour_pairs_.clear();
  for (const auto& l : lines) {
    std::string_view t = trim_blanks(l);
    if (t.empty() || t[0] == '#') continue;
    auto colon = t.find(':');
    if (colon == std::string_view::npos) continue;
    std::string a(trim_blanks(t.substr(0, colon)));
    std::istringstream rest{std::string(t.substr(colon + 1))};
    std::string b;
    while (rest >> b) {
      if (!b.empty() && b.back() == ',') b.pop_back();
      if (b.empty()) continue;
      neighbour_pairs_.insert(a < b ? a + ":" + b : b + ":" + a);
    }
  }
}

bool PolicySet::is_admin_event(std::string_view source, std::string_view name,
                               bool read_only) const {
  if (!read_only && admin_services_.contains(source)) return true;
  char buf[256];
  if (source.size() + name.size() + 1 > sizeof(buf)) return false;  // no listed event is that long
  std::memcpy(buf, source.data(), source.size());
  buf[source.size()] = ':';
  std::memcpy(buf + source.size() + 1, name.data(), name.size());
  return admin_events_.contains(std::string_view(buf, source.size() + name.size() + 1));
}

bool PolicySet::is_creation_event(std::string_view name) const {
  if (creation_events_.contains(name)) return true;
  return std::any_of(creation_prefixes_.begin(), creation_prefixes_.end(),
                     [&](const std::string& p) { return name.starts_with(p); });
}

bool PolicySet::neighbours(std::string_view a, std::string_view b) const {
  std::string k =
      a < b ? std::string(a) + ":" + std::string(b) : std::string(b) + ":" + std::string(a);
  return neighbour_pairs_.contains(k);
}

}  // namespace trailwarden::anomaly
