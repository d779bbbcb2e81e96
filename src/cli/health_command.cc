// trailwarden health -w DIR : per-connector status, lag, backlog, last success and errors,
// from the ConnectorHealth table; while `run` holds the workspace, from the live snapshot it
// keeps beside it (connector-health.json).
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "cli/render.h"
#include "core/text.h"
#include "store/duckdb/duckdb_workspace.h"

namespace trailwarden::cli {

namespace {

struct HealthArgs {
  std::string workspace = "./trailwarden-data";
  std::string format = "text";
  std::string connector;
};

// Latest state per (connector, scope), with totals over the table.
constexpr const char* kStatusSql = R"sql(
WITH rows AS (
  SELECT * FROM ConnectorHealth WHERE Kind <> 'failure-summary' {filter}
), latest AS (
  SELECT Connector, Scope,
         arg_max(Status, TimeGenerated) AS Status,
         arg_max(ErrorCode, TimeGenerated) AS ErrorCode,
         arg_max(Reason, TimeGenerated) AS Reason,
         arg_max(LagSeconds, TimeGenerated) AS LagSeconds,
         arg_max(Backlog, TimeGenerated) AS Backlog,
         arg_max(EventsPerSecond, TimeGenerated) AS EventsPerSecond,
         max(LastSuccessTime) AS LastSuccess,
         max(TimeGenerated) AS Updated,
         sum(EventsCollected) AS EventsCollected
  FROM rows GROUP BY Connector, Scope
), changes AS (
  SELECT Connector, Scope, max(TimeGenerated) AS Since
  FROM rows WHERE Kind = 'status-change' GROUP BY Connector, Scope
), failures AS (
  SELECT Connector, Scope, sum(Failures) AS Failures24h
  FROM ConnectorHealth
  WHERE Kind = 'failure-summary' AND TimeGenerated >= now()::TIMESTAMP - INTERVAL 24 HOUR {filter}
  GROUP BY Connector, Scope
)
SELECT l.Connector, l.Scope, l.Status, c.Since, l.LastSuccess, l.LagSeconds, l.Backlog,
       round(l.EventsPerSecond, 1) AS EventsPerSecond, l.EventsCollected,
       coalesce(f.Failures24h, 0) AS Failures24h, l.ErrorCode, l.Reason, l.Updated
FROM latest l LEFT JOIN changes c USING (Connector, Scope) LEFT JOIN failures f USING (Connector, Scope)
ORDER BY l.Connector, l.Scope
)sql";

constexpr const char* kFailuresSql = R"sql(
SELECT Connector, ErrorCode, sum(Failures) AS Failures, max(TimeGenerated) AS Last, arg_max(Reason, TimeGenerated) AS Reason
FROM ConnectorHealth
WHERE Kind = 'failure-summary' AND TimeGenerated >= now()::TIMESTAMP - INTERVAL 24 HOUR {filter}
GROUP BY Connector, ErrorCode ORDER BY Failures DESC, Connector
)sql";

std::string with_filter(const char* sql, const std::string& connector) {
  std::string filter;
  if (!connector.empty())
    filter = "AND starts_with(Connector, " + sql_string_literal(connector) + ")";
  std::string out = sql;
  for (size_t p; (p = out.find("{filter}")) != std::string::npos;) out.replace(p, 8, filter);
  return out;
}

int run(const HealthArgs& a) {
  auto fail = [](const std::string& m) {
    std::fprintf(stderr, "trailwarden health: %s\n", escape_control(m).c_str());
    return kExitFatal;
  };
  store::DuckDbOptions wo;
  wo.dir = a.workspace;
  wo.mode = store::OpenMode::kReadOnly;
  wo.command = "health";
  auto ws = store::DuckDbWorkspace::open(wo);
  if (!ws && ws.error().code == ErrorCode::kBusy) {
    // A collector owns the workspace: show its live snapshot.
    std::ifstream in(a.workspace + "/connector-health.json");
    if (!in) return fail(ws.error().to_string() + "; and it has written no health snapshot yet");
    std::stringstream ss;
    ss << in.rdbuf();
    if (a.format == "json") {
      std::fputs(ss.str().c_str(), stdout);
      return kExitOk;
    }
    std::fprintf(stdout,
                 "the workspace is in use by a running collector; its live health snapshot "
                 "(JSON; --format json for programs):\n%s",
                 escape_control(ss.str()).c_str());
    return kExitOk;
  }
  if (!ws) return fail(ws.error().to_string());
  auto status = (*ws)->query(with_filter(kStatusSql, a.connector));
  if (!status) return fail(status.error().to_string());
  auto failures = (*ws)->query(with_filter(kFailuresSql, a.connector));
  if (!failures) return fail(failures.error().to_string());
  if (a.format == "json") {
    std::string out = "{\"connectors\": " + render_json(*status) +
                      ", \"failures_24h\": " + render_json(*failures) + "}\n";
    std::fputs(out.c_str(), stdout);
    return kExitOk;
  }
  if (status->rows.empty()) {
    std::fputs("no connector has reported yet (run `trailwarden collect` or `run`)\n", stdout);
    return kExitOk;
  }
  std::string out = render_table(*status, 60);
  if (!failures->rows.empty()) {
    out += "\nfailures in the last 24 hours, by error code:\n" + render_table(*failures, 80);
  }
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

}  // namespace

void add_health_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<HealthArgs>();
  auto* cmd = app.add_subcommand(
      "health", "per-connector status, lag, backlog, last success and errors (ConnectorHealth)");
  cmd->add_option("-w,--workspace", args->workspace, "workspace directory")->capture_default_str();
  cmd->add_option("--format", args->format, "output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_option("--connector", args->connector, "only connectors whose id starts with this");
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace trailwarden::cli
