// trailwarden hunt -w DIR "SQL" : read-only SQL over the workspace.
#include <cstdio>

#include "cli/commands.h"
#include "cli/render.h"
#include "core/text.h"
#include "store/duckdb/duckdb_workspace.h"

namespace trailwarden::cli {
namespace {

struct HuntArgs {
  std::string workspace = "./trailwarden-data";
  std::string sql;
  std::string format = "table";
  size_t max_width = 80;
};

int run(const HuntArgs& a) {
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
  std::string out = a.format == "json"  ? render_json(*result)
                    : a.format == "csv" ? render_csv(*result)
                                        : render_table(*result, a.max_width);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

void add_hunt_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<HuntArgs>();
  CLI::App* cmd = app.add_subcommand(
      "hunt",
      "Run one read-only SQL query over the workspace (tables AWSCloudTrail, Rejected, "
      "IngestedFiles). Writes are refused; the workspace is never changed.");
  cmd->add_option("-w,--workspace", args->workspace, "workspace directory")->capture_default_str();
  cmd->add_option("sql", args->sql, "the SQL query")->required();
  cmd->add_option("--format", args->format, "output format")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  cmd->add_option("--max-width", args->max_width, "widest table cell, in columns")
      ->check(CLI::Range(size_t{8}, size_t{100000}))
      ->capture_default_str();
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace trailwarden::cli
