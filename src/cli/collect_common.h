// What `collect lookup-events`, `collect s3` and `run` share: the workspace and detection
// options, opening the workspace and an IngestSession, running collectors, and the summary.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "cli/detection_options.h"
#include "collect/collector.h"
#include "collect/runner.h"
#include "core/result.h"

namespace trailwarden::cli {

struct CollectCommonArgs {
  std::string workspace = "./trailwarden-data";
  std::string format = "text";
  bool no_detect = false;
  std::string since;          // "7d", ISO time; empty: the collector's default
  std::string until = "now";  // "now" or an ISO time / duration ago
  DetectionArgs detection;
};

// -w, --format, --no-detect, --since, --until and the detection options.
void add_collect_common_options(CLI::App* cmd, CollectCommonArgs& args, bool with_window = true);

// --since / --until as microseconds (until: 0 means "now at each poll").
Result<int64_t> collect_since_us(const CollectCommonArgs& args, int64_t default_ago_us);
Result<int64_t> collect_until_us(const CollectCommonArgs& args);

// Opens the workspace read-write and an IngestSession (with detection unless --no-detect),
// runs the collectors with `options` until they are caught up (or forever when continuous,
// until SIGINT/SIGTERM), commits, prints a summary (text or JSON) and returns the exit code:
// 0 all caught up, 1 a collector gave up or the workspace failed, 2 input was rejected.
int run_collectors_command(const char* command, const CollectCommonArgs& args,
                           std::vector<std::unique_ptr<collect::Collector>> collectors,
                           collect::RunnerOptions options);

}  // namespace trailwarden::cli
