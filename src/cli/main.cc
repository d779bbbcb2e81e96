// trailwarden: one binary, one subcommand per job.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/commands.h"
#include "core/log.h"

#ifndef TRAILWARDEN_VERSION
#define TRAILWARDEN_VERSION "0.1.0"
#endif

int main(int argc, char** argv) {
  using namespace trailwarden;
  CLI::App app{
      "trailwarden: self-hosted security monitoring for AWS. Collects CloudTrail events into a "
      "workspace you can hunt in with SQL, and detects attacks as they are stored."};
  app.set_version_flag("--version", TRAILWARDEN_VERSION);
  app.require_subcommand(1);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "log what happens, on standard error");
  int exit_code = cli::kExitOk;
  cli::add_ingest_command(app, exit_code);
  cli::add_hunt_command(app, exit_code);
  cli::add_alerts_command(app, exit_code);
  cli::add_rules_command(app, exit_code);
  cli::add_collect_command(app, exit_code);
  cli::add_run_command(app, exit_code);
  cli::add_health_command(app, exit_code);
  cli::add_policies_command(app, exit_code);
  cli::add_baseline_command(app, exit_code);
  cli::add_simulate_command(app, exit_code);
  app.parse_complete_callback(
      [&] { log::set_level(verbose ? log::Level::kInfo : log::Level::kWarn); });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  std::fflush(stdout);
  return exit_code;
}
