// TEMPORARY (wt/lookup): the `collect` parent command with only `lookup-events`, so this branch's
// binary can be tested before the lead's add_collect_command (cli/collect_command.cc) exists.
// Delete this file when merging a collect_command.cc that defines add_collect_command.
#include "cli/commands.h"

namespace trailwarden::cli {

void add_collect_command(CLI::App& app, int& exit_code) {
  CLI::App* collect = app.add_subcommand(
      "collect", "Collect from AWS until caught up to --until, then exit (backfills, tests).");
  collect->require_subcommand(1);
  add_collect_lookup_events(*collect, exit_code);
}

}  // namespace trailwarden::cli
