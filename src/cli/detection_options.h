// The rule options several commands share (--rules, --no-builtin-rules, --placeholder) and
// loading the content with its diagnostics reported.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "detect/detector.h"

namespace trailwarden::cli {

struct DetectionArgs {
  std::vector<std::string> rules;  // user rule files or folders
  bool no_builtin = false;
  std::vector<std::string> placeholders;  // name=v1,v2
  std::string lists_dir;                  // enrichment lists (E:tor_exit, ...)
  std::vector<std::string> geoip;         // --geoip FILE (repeatable)
  bool no_geoip = false;                  // --no-geoip
  std::string lateness = "2h";            // how late an event may be and still feed correlations
  std::string policies_file;              // --policies FILE: anomaly policy overrides
  std::string sensitivity;                // --sensitivity low|medium|high (anomaly default)
  bool no_policies = false;               // --no-policies
};

void add_detection_options(CLI::App* cmd, DetectionArgs& args);

// Loads the content; diagnostics go to stderr (errors always, warnings when `verbose`).
// `extra_placeholders` override the command line's.
Result<std::shared_ptr<const detect::DetectionContent>> load_detection(
    const DetectionArgs& args, const char* command,
    const std::map<std::string, std::vector<std::string>>& extra_placeholders = {},
    std::vector<detect::Diagnostic>* diagnostics = nullptr, bool quiet = false,
    const std::map<std::string, std::vector<std::string>>& inline_lists = {});

// "file:line:col: error[code]: title: message", escaped.
std::string format_diagnostic(const detect::Diagnostic& d);

// "24h", "7d" (before now) or an ISO-8601 time -> microseconds.
Result<int64_t> parse_since(std::string_view text, int64_t now_us);

}  // namespace trailwarden::cli
