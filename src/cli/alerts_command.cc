// trailwarden alerts -w DIR [--since 24h] [--format table|json|csv] : the Alerts table.
#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/detection_options.h"
#include "cli/render.h"
#include "core/clock.h"
#include "core/text.h"
#include "core/time.h"
#include "detect/rule.h"
#include "store/duckdb/duckdb_workspace.h"

namespace trailwarden::cli {
namespace {

struct AlertsArgs {
  std::string workspace = "./trailwarden-data";
  std::string since;
  std::string format = "table";
  std::string min_severity = "informational";
  std::string rule;
  size_t limit = 10000;
  size_t max_width = 60;
};

int fail(const std::string& message) {
  std::fprintf(stderr, "trailwarden alerts: %s\n", escape_control(message).c_str());
  return kExitFatal;
}

int run(const AlertsArgs& a) {
  const Clock& clock = SystemClock::instance();
  std::string where = "WHERE 1 = 1";
  if (!a.since.empty()) {
    auto since = parse_since(a.since, clock.now_micros());
    if (!since) return fail(since.error().to_string());
    where += " AND LastEventTime >= TIMESTAMP '" + format_iso8601_micros(*since) + "'";
  }
  auto min = detect::parse_severity(a.min_severity);
  if (!min) return fail("--min-severity: not a severity: " + a.min_severity);
  std::string levels;
  for (int s = static_cast<int>(*min); s <= static_cast<int>(detect::Severity::kCritical); ++s) {
    if (!levels.empty()) levels += ", ";
    levels += sql_string_literal(detect::severity_name(static_cast<detect::Severity>(s)));
  }
  where += " AND Severity IN (" + levels + ")";
  if (!a.rule.empty())
    where += " AND (RuleId = " + sql_string_literal(a.rule) +
             " OR RuleUuid = " + sql_string_literal(a.rule) + ")";

  store::DuckDbOptions wo;
  wo.dir = a.workspace;
  wo.mode = store::OpenMode::kReadOnly;
  wo.command = "alerts";
  auto ws = store::DuckDbWorkspace::open(wo);
  if (!ws) return fail(ws.error().to_string());

  std::string order = fmt::format(" ORDER BY FirstEventTime, AlertId LIMIT {}", a.limit);
  if (a.format == "json") {
    auto r = (*ws)->query(
        "SELECT AlertId, RuleId, Title, Severity, Tactics, Techniques, FirstEventTime, "
        "LastEventTime, EventCount, EventIds, Entities, Description, Kind, Details, CreatedTime, "
        "UpdatedTime FROM Alerts " +
        where + order);
    if (!r) return fail(r.error().to_string());
    // Built by hand: the JSON columns are nested as JSON, not as strings.
    std::string out = "[";
    for (size_t i = 0; i < r->rows.size(); ++i) {
      const auto& row = r->rows[i];
      auto text = [&](size_t c) { return json_string(row[c].value_or("")); };
      auto raw = [&](size_t c, const char* fallback) {
        return row[c] ? *row[c] : std::string(fallback);
      };
      out += i ? ",\n " : "\n ";
      out += fmt::format(
          "{{\"alert_id\": {}, \"rule_id\": {}, \"title\": {}, \"severity\": {}, \"tactics\": {}, "
          "\"techniques\": {}, \"time\": {{\"first\": {}, \"last\": {}}}, \"event_count\": {}, "
          "\"event_ids\": {}, \"entities\": {}, \"description\": {}, \"kind\": {}, "
          "\"details\": {}, \"created\": {}, \"updated\": {}}}",
          text(0), text(1), text(2), text(3), raw(4, "[]"), raw(5, "[]"), text(6), text(7),
          row[8].value_or("0"), raw(9, "[]"), raw(10, "{}"), text(11), text(12), raw(13, "{}"),
          text(14), text(15));
    }
    out += r->rows.empty() ? "]\n" : "\n]\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    return kExitOk;
  }
  auto r = (*ws)->query(
      "SELECT FirstEventTime AS first_event, Severity AS severity, RuleId AS rule, Title AS title, "
      "Identity AS identity, SourceIp AS source_ip, Account AS account, EventCount AS events, "
      "AlertId AS alert_id FROM Alerts " +
      where + order);
  if (!r) return fail(r.error().to_string());
  std::string out = render(*r, a.format, a.max_width);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

void add_alerts_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<AlertsArgs>();
  CLI::App* cmd = app.add_subcommand(
      "alerts", "Show the alerts detection raised, oldest first (by the time of their events).");
  cmd->add_option("-w,--workspace", args->workspace, "workspace directory")->capture_default_str();
  cmd->add_option("--since", args->since,
                  "only alerts whose events reach this far: a duration back from now (24h, 7d) "
                  "or an ISO-8601 time");
  cmd->add_option("--format", args->format, "output format")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  cmd->add_option("--min-severity", args->min_severity,
                  "informational, low, medium, high or critical")
      ->capture_default_str();
  cmd->add_option("--rule", args->rule, "only this rule (name or id)");
  cmd->add_option("--limit", args->limit, "at most this many alerts")->capture_default_str();
  cmd->add_option("--max-width", args->max_width, "widest table cell, in columns")
      ->check(CLI::Range(size_t{8}, size_t{100000}))
      ->capture_default_str();
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace trailwarden::cli
