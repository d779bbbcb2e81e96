#include "cli/detection_options.h"

#include <fmt/format.h>

#include <cstdio>

#include "core/log.h"
#include "core/text.h"
#include "core/time.h"
#include "detect/hunting.h"

namespace trailwarden::cli {

void add_detection_options(CLI::App* cmd, DetectionArgs& args) {
  cmd->add_option("--rules", args.rules,
                  "more Sigma rule files or folders (repeatable; e.g. a SigmaHQ checkout)")
      ->allow_extra_args(false);
  cmd->add_flag("--no-builtin-rules", args.no_builtin, "do not load the built-in rule pack");
  cmd->add_option("--lists", args.lists_dir,
                  "folder of enrichment lists: tor_exit.txt, anonymizer.txt, threat_intel.csv, "
                  "trusted_cidrs.txt, aws_ip_ranges.json, terminated_users.csv, "
                  "admin_identities.txt (rules needing a missing list stay inactive; files are "
                  "read again when they change)");
  auto* geoip = cmd->add_option("--geoip", args.geoip,
                                "a MaxMind DB file for source-IP locations and ASNs (repeatable: "
                                "IPv4 and IPv6 files, a City and an ASN file; default: the "
                                "database scripts/setup installs in deps/geoip, or "
                                "$TRAILWARDEN_GEOIP)")
                    ->allow_extra_args(false);
  cmd->add_flag("--no-geoip", args.no_geoip, "no geo-IP lookups (not even the default database)")
      ->excludes(geoip);
  cmd->add_option("--correlation-lateness", args.lateness,
                  "how far behind the newest event an event may arrive and still count in "
                  "correlation windows (a duration; raise it for backfills of unordered input)")
      ->capture_default_str();
  cmd->add_option("--policies", args.policies_file,
                  "YAML file overriding the anomaly policies' settings (docs/anomaly.md)");
  cmd->add_option("--sensitivity", args.sensitivity,
                  "default sensitivity of the anomaly policies: low, medium (default) or high")
      ->check(CLI::IsMember({"low", "medium", "high"}));
  cmd->add_flag("--no-policies", args.no_policies, "do not run the anomaly policies");
  cmd->add_option("--placeholder", args.placeholders,
                  "a value list for Sigma's |expand modifier: NAME=v1,v2 (repeatable)")
      ->allow_extra_args(false);
}

std::string format_diagnostic(const detect::Diagnostic& d) {
  std::string where = d.pos.file;
  if (d.pos.line > 0) where += fmt::format(":{}", d.pos.line);
  if (d.pos.column > 0) where += fmt::format(":{}", d.pos.column);
  std::string s =
      fmt::format("{}: {}[{}]: ", where,
                  d.level == detect::Diagnostic::Level::kError ? "error" : "warning", d.code);
  if (!d.rule_title.empty()) s += d.rule_title + ": ";
  s += d.message;
  return escape_control(s);
}

Result<std::shared_ptr<const detect::DetectionContent>> load_detection(
    const DetectionArgs& args, const char* command,
    const std::map<std::string, std::vector<std::string>>& extra_placeholders,
    std::vector<detect::Diagnostic>* diagnostics, bool quiet,
    const std::map<std::string, std::vector<std::string>>& inline_lists) {
  detect::DetectionConfig config;
  config.lists_dir = args.lists_dir;
  config.geoip = args.geoip;
  config.no_geoip = args.no_geoip;
  auto lateness = detect::parse_duration(args.lateness);
  if (!lateness) {
    return make_error(ErrorCode::kInvalidArgument,
                      "--correlation-lateness: " + lateness.error().message, args.lateness);
  }
  config.limits.allowed_lateness_us = *lateness;
  config.lists = inline_lists;
  config.policies.user_file = args.policies_file;
  config.policies.disabled = args.no_policies;
  if (!args.sensitivity.empty()) {
    config.policies.sensitivity = anomaly::parse_sensitivity(args.sensitivity);
    if (!config.policies.sensitivity)
      return make_error(ErrorCode::kInvalidArgument, "--sensitivity takes low, medium or high",
                        args.sensitivity);
  }
  config.builtin = !args.no_builtin;
  config.rule_paths = args.rules;
  for (const auto& p : args.placeholders) {
    size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return make_error(ErrorCode::kInvalidArgument, "--placeholder takes NAME=v1,v2", p);
    }
    auto& vals = config.sigma.placeholders[p.substr(0, eq)];
    std::string_view rest = std::string_view(p).substr(eq + 1);
    while (true) {
      size_t comma = rest.find(',');
      vals.emplace_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  for (const auto& [k, v] : extra_placeholders) config.sigma.placeholders[k] = v;
  std::vector<detect::Diagnostic> local;
  auto& diags = diagnostics ? *diagnostics : local;
  auto content = detect::DetectionContent::load(config, diags);
  if (content) {
    // No default geo-IP database is common (before scripts/setup): said with --verbose.
    for (const auto& w : (*content)->enrichment_warnings()) {
      log::info("{}: {}", command, escape_control(w));
    }
  }
  if (!quiet) {
    size_t errors = 0;
    for (const auto& d : diags) {
      if (d.level == detect::Diagnostic::Level::kError) {
        ++errors;
        if (errors <= 20)
          std::fprintf(stderr, "trailwarden %s: %s\n", command, format_diagnostic(d).c_str());
      }
    }
    if (errors > 20) {
      std::fprintf(stderr, "trailwarden %s: %zu more rule errors (see `trailwarden rules check`)\n",
                   command, errors - 20);
    }
  }
  return content;
}

Result<int64_t> parse_since(std::string_view text, int64_t now_us) {
  if (auto t = parse_iso8601_micros(text)) return *t;
  auto d = detect::parse_duration(text);
  if (!d) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected a duration (30m, 24h, 7d) or an ISO-8601 time",
                      escape_control(text));
  }
  return now_us - *d;
}

}  // namespace trailwarden::cli
