// One file per subcommand; main.cc lists them explicitly.
#pragma once

#include <CLI/CLI.hpp>

namespace trailwarden::cli {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFatal = 1;     // the command could not do its job
inline constexpr int kExitRejected = 2;  // done, but some input was rejected

// Each adds its subcommand; when it runs, it stores its exit code in `exit_code`.
void add_ingest_command(CLI::App& app, int& exit_code);
void add_hunt_command(CLI::App& app, int& exit_code);
void add_alerts_command(CLI::App& app, int& exit_code);
void add_rules_command(CLI::App& app, int& exit_code);
// Collection: `collect` (lookup-events, s3: run until caught up, then exit), `run -c FILE`
// (every configured collector, continuously) and `health`.
void add_collect_command(CLI::App& app, int& exit_code);            // cli/collect_command.cc
void add_collect_lookup_events(CLI::App& collect, int& exit_code);  // cli/collect_lookup_events.cc
void add_collect_s3(CLI::App& collect, int& exit_code);             // cli/collect_s3.cc
void add_run_command(CLI::App& app, int& exit_code);                // cli/run_command.cc
void add_health_command(CLI::App& app, int& exit_code);             // cli/health_command.cc
// Anomaly policies (issue 5): `policies list|show` and `baseline IDENTITY`.
void add_policies_command(CLI::App& app, int& exit_code);  // cli/policies_command.cc
void add_baseline_command(CLI::App& app, int& exit_code);  // cli/baseline_command.cc
// Behaviour (issue 5): `simulate` (an organisation's CloudTrail logs with labelled attacks).
void add_simulate_command(CLI::App& app, int& exit_code);  // cli/simulate_command.cc

}  // namespace trailwarden::cli
