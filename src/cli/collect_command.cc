// trailwarden collect: run one kind of collector until it has caught up, then exit.
// Minimal version from the lookup-events branch (only `lookup-events`); the lead's
// collect_command.cc replaces it.
#include "cli/commands.h"

namespace trailwarden::cli {

void add_collect_command(CLI::App& app, int& exit_code) {
  CLI::App* collect = app.add_subcommand(
      "collect", "Collect from AWS until caught up, then exit (backfills, tests).");
  collect->require_subcommand(1);
  add_collect_lookup_events(*collect, exit_code);
}

}  // namespace trailwarden::cli
