// trailwarden hunt -w DIR "SQL" : read-only SQL over the workspace.
#include <cstdio>

#include "cli/commands.h"
#include "cli/detection_options.h"
#include "cli/render.h"
#include "core/clock.h"
#include "core/text.h"
#include "core/time.h"
#include "detect/detector.h"
#include "detect/hunting.h"
#include "store/duckdb/duckdb_workspace.h"

namespace trailwarden::cli {
namespace {

struct HuntArgs {
  std::string workspace = "./trailwarden-data";
  std::string sql;
  std::string format = "table";
  size_t max_width = 80;
  bool list = false;
  std::string query;
  std::string since, start, end;
  std::vector<std::string> params;
};

int fail(const std::string& message) {
  std::fprintf(stderr, "trailwarden hunt: %s\n", escape_control(message).c_str());
  return kExitFatal;
}

// `--list`: the saved queries as a table (or JSON/CSV).
int list_queries(const HuntArgs& a, const std::vector<detect::HuntingQuery>& queries) {
  store::QueryResult r;
  for (const char* c :
       {"name", "id", "title", "tactics", "techniques", "window", "params", "description"}) {
    r.columns.push_back({c, store::QueryColumn::Kind::kString});
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  for (const auto& q : queries) {
    std::vector<std::string> params;
    for (const auto& [k, v] : q.params) params.push_back(k + "=" + v);
    r.rows.push_back({q.name, q.id, q.title, join(q.tactics), join(q.techniques), q.window,
                      join(params), q.description});
  }
  std::string out = render(r, a.format, a.max_width);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

int run(HuntArgs a) {
  if (a.list || !a.query.empty()) {
    auto queries = detect::load_hunting_queries(detect::builtin_rules_dir() + "/hunting");
    if (!queries) return fail(queries.error().to_string());
    if (a.list) return list_queries(a, *queries);
    const detect::HuntingQuery* q = nullptr;
    for (const auto& x : *queries) {
      if (x.name == a.query || x.id == a.query) q = &x;
    }
    if (q == nullptr) return fail("no saved query named " + a.query + " (see hunt --list)");
    const int64_t now = SystemClock::instance().now_micros();
    int64_t end = now, start = now - q->window_us;
    if (!a.end.empty()) {
      auto t = parse_since(a.end, now);
      if (!t) return fail("--end: " + t.error().to_string());
      end = *t;
    }
    if (!a.since.empty() || !a.start.empty()) {
      auto t = parse_since(a.start.empty() ? a.since : a.start, a.start.empty() ? end : now);
      if (!t) return fail("--since/--start: " + t.error().to_string());
      start = *t;
    } else {
      start = end - q->window_us;
    }
    std::map<std::string, std::string> values;
    for (const auto& p : a.params) {
      size_t eq = p.find('=');
      if (eq == std::string::npos || eq == 0) return fail("--param takes NAME=VALUE: " + p);
      values[p.substr(0, eq)] = p.substr(eq + 1);
    }
    auto sql = detect::bind_hunting_query(*q, start, end, values);
    if (!sql) return fail(sql.error().to_string());
    a.sql = *sql;
  } else if (a.sql.empty()) {
    return fail("give a SQL query, --query NAME or --list");
  }
  store::DuckDbOptions wo;
  wo.dir = a.workspace;
  wo.mode = store::OpenMode::kReadOnly;
  wo.command = "hunt";
  auto ws = store::DuckDbWorkspace::open(wo);
  if (!ws) {
    std::fprintf(stderr, "trailwarden hunt: %s\n", escape_control(ws.error().to_string()).c_str());
    return kExitFatal;
  }
  auto result = (*ws)->query(a.sql);
  if (!result) {
    // DuckDB's messages span lines (the statement, a caret under the error): keep the line
    // breaks, escape everything else.
    std::string message;
    std::string_view rest = result.error().message;
    while (true) {
      size_t nl = rest.find('\n');
      append_escape_control(message, rest.substr(0, nl));
      if (nl == std::string_view::npos) break;
      message += "\n  ";
      rest.remove_prefix(nl + 1);
    }
    std::fprintf(stderr, "trailwarden hunt: %s\n", message.c_str());
    return kExitFatal;
  }
  std::string out = render(*result, a.format, a.max_width);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

void add_hunt_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<HuntArgs>();
  CLI::App* cmd = app.add_subcommand(
      "hunt",
      "Run one read-only SQL query over the workspace (AWSCloudTrail, AWSGuardDuty, Alerts, "
      "Rejected, IngestedFiles), or a saved hunting query (--list, --query NAME). Writes are "
      "refused; the workspace is never changed.");
  cmd->add_option("-w,--workspace", args->workspace, "workspace directory")->capture_default_str();
  cmd->add_option("sql", args->sql, "the SQL query");
  cmd->add_flag("--list", args->list, "list the saved hunting queries");
  cmd->add_option("--query", args->query, "run a saved hunting query by name or id");
  cmd->add_option("--since", args->since,
                  "saved query window start: a duration before --end (7d) or an ISO-8601 time "
                  "(default: the query's own window)");
  cmd->add_option("--start", args->start, "saved query window start (ISO-8601)");
  cmd->add_option("--end", args->end, "saved query window end (ISO-8601; default now)");
  cmd->add_option("--param", args->params, "a saved query parameter: NAME=VALUE (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--format", args->format, "output format")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  cmd->add_option("--max-width", args->max_width, "widest table cell, in columns")
      ->check(CLI::Range(size_t{8}, size_t{100000}))
      ->capture_default_str();
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace trailwarden::cli
