// trailwarden baseline -w DIR IDENTITY [--format table|json]: what the anomaly engine has
// learned about one identity (countries, country pairs, regions, per-session metrics, open
// sessions, recent locations), read from the persisted state.
#include <fmt/format.h>

#include <cstdio>

#include "anomaly/baseline_view.h"
#include "cli/commands.h"
#include "core/text.h"
#include "store/duckdb/duckdb_workspace.h"

namespace trailwarden::cli {
namespace {

struct BaselineArgs {
  std::string workspace = "./trailwarden-data";
  std::string identity;
  std::string policies_file;
  std::string format = "table";
};

int fail(const std::string& message) {
  std::fprintf(stderr, "trailwarden baseline: %s\n", escape_control(message).c_str());
  return kExitFatal;
}

int run(const BaselineArgs& a) {
  anomaly::PolicyOptions po;
  po.user_file = a.policies_file;
  std::vector<std::string> warnings;
  auto policies = anomaly::PolicySet::load(po, warnings);
  if (!policies) return fail(policies.error().to_string());
  store::DuckDbOptions wo;
  wo.dir = a.workspace;
  wo.mode = store::OpenMode::kReadOnly;
  wo.command = "baseline";
  auto ws = store::DuckDbWorkspace::open(wo);
  if (!ws) return fail(ws.error().to_string());
  auto learned = anomaly::load_learned(**ws);
  if (!learned) return fail(learned.error().to_string());
  auto found = anomaly::find_identities(*learned, a.identity);
  if (found.empty())
    return fail("no baseline for " + a.identity +
                " (identities are keyed by ARN; `trailwarden "
                "query` on AWSCloudTrail lists them)");
  if (a.format == "json") {
    std::string out = "[";
    for (size_t i = 0; i < found.size(); ++i) {
      out += i ? ",\n " : "\n ";
      out += anomaly::baseline_json(*found[i], **policies, learned->newest_us);
    }
    std::printf("%s\n]\n", out.c_str());
    return kExitOk;
  }
  for (size_t i = 0; i < found.size(); ++i) {
    if (i) std::printf("\n");
    std::fputs(anomaly::baseline_text(*found[i], **policies, learned->newest_us).c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace

void add_baseline_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<BaselineArgs>();
  CLI::App* cmd =
      app.add_subcommand("baseline", "What the anomaly engine has learned about an identity.");
  cmd->add_option("-w,--workspace", args->workspace, "workspace directory")->capture_default_str();
  cmd->add_option("identity", args->identity,
                  "identity key, ARN or name (a part of one also matches)")
      ->required();
  cmd->add_option("--policies", args->policies_file, "YAML file overriding the policies' settings");
  cmd->add_option("--format", args->format)->check(CLI::IsMember({"table", "json"}));
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace trailwarden::cli
