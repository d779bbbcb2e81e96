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

}  // namespace trailwarden::cli
