// trailwarden run -c FILE : every configured collector, continuously, with detection, until
// SIGINT/SIGTERM; a restart resumes from the checkpoints in the workspace.
#include <fmt/format.h>

#include <cstdio>

#include "aws/config.h"
#include "cli/collect_common.h"
#include "cli/commands.h"
#include "collect/config.h"
#include "core/clock.h"
#include "core/text.h"
#include "sources/lookup_events/lookup_events.h"
#include "sources/s3/s3_collector.h"

namespace trailwarden::cli {

namespace {

struct RunArgs {
  std::string config;
  std::string format = "text";
  bool check_only = false;
};

// The collectors of the file, and each one's poll interval (ms) in `intervals`.
Result<std::vector<std::unique_ptr<collect::Collector>>> build_collectors(
    const collect::RunConfig& cfg, std::shared_ptr<const aws::AwsConfig> aws,
    std::vector<int64_t>& intervals) {
  std::vector<std::unique_ptr<collect::Collector>> out;
  const int64_t now = SystemClock::instance().now_micros();
  for (const auto& c : cfg.collectors) {
    auto where = [&](const Error& e) {
      return make_error(e.code,
                        fmt::format("{}:{}: collector {}: {}", cfg.path, c.line,
                                    c.name.empty() ? c.type : c.name, e.message),
                        e.context);
    };
    if (c.type == "lookup-events") {
      sources::lookup_events::LookupEventsSettings s;
      s.role_arn = c.lookup.role_arn;
      s.external_id = c.lookup.external_id;
      if (!c.lookup.session_name.empty()) s.session_name = c.lookup.session_name;
      s.regions = c.lookup.regions;
      auto since = parse_since(c.lookup.since, now);
      if (!since) return where(since.error());
      s.since_us = *since;
      if (c.lookup.overlap_us) s.overlap_s = *c.lookup.overlap_us / 1'000'000;
      auto made = sources::lookup_events::make_lookup_events_collectors(s, aws);
      if (!made) return where(made.error());
      for (auto& m : *made) {
        out.push_back(std::move(m));
        intervals.push_back(c.poll_interval_us / 1000);
      }
    } else {
      sources::s3::S3Settings s;
      s.url = c.s3.url;
      s.queue_url = c.s3.queue;
      s.region = c.s3.region;
      auto since = parse_since(c.s3.since, now);
      if (!since) return where(since.error());
      s.since_us = *since;
      if (c.s3.late_window_us) s.late_window_us = *c.s3.late_window_us;
      auto made = sources::s3::make_s3_collector(s, aws);
      if (!made) return where(made.error());
      out.push_back(std::move(*made));
      intervals.push_back(c.poll_interval_us / 1000);
    }
  }
  return out;
}

int run(const RunArgs& a) {
  auto fail = [](const std::string& m) {
    std::fprintf(stderr, "trailwarden run: %s\n", escape_control(m).c_str());
    return kExitFatal;
  };
  auto cfg = collect::load_run_config(a.config);
  if (!cfg) return fail(cfg.error().to_string());
  auto aws = aws::AwsConfig::load();
  if (!aws) return fail(aws.error().to_string());
  auto shared = std::make_shared<const aws::AwsConfig>(std::move(*aws));
  std::vector<int64_t> intervals;
  auto collectors = build_collectors(*cfg, shared, intervals);
  if (!collectors) return fail(collectors.error().to_string());
  if (a.check_only) {
    std::fprintf(stdout, "%s: ok, %zu collector(s):\n", escape_control(a.config).c_str(),
                 collectors->size());
    for (const auto& c : *collectors)
      std::fprintf(stdout, "  %s\n", escape_control(c->id()).c_str());
    return kExitOk;
  }
  CollectCommonArgs common;
  common.workspace = cfg->workspace;
  common.format = a.format;
  common.no_detect = !cfg->detection.enabled;
  common.detection.no_builtin = !cfg->detection.builtin;
  common.detection.rules = cfg->detection.rules;
  common.detection.lists_dir = cfg->detection.lists;
  common.detection.geoip = cfg->detection.geoip;
  common.detection.no_geoip = cfg->detection.no_geoip;
  common.detection.policies_file = cfg->detection.policies;
  common.detection.sensitivity = cfg->detection.sensitivity;
  common.detection.no_policies = cfg->detection.no_policies;
  common.detection.lateness = cfg->detection.lateness;
  collect::RunnerOptions options;
  options.continuous = true;
  options.poll_interval_ms = cfg->poll_interval_us / 1000;
  options.poll_interval_ms_of = intervals;
  options.commit_interval_ms = cfg->commit_interval_us / 1000;
  std::fprintf(stderr, "trailwarden run: %zu collector(s) into %s; Ctrl-C or SIGTERM stops\n",
               collectors->size(), escape_control(cfg->workspace).c_str());
  return run_collectors_command("run", common, std::move(*collectors), options);
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand(
      "run", "run every collector of a configuration file, continuously, with detection");
  cmd->add_option("-c,--config", args->config, "configuration file (YAML; docs/collectors.md)")
      ->required();
  cmd->add_option("--format", args->format, "summary format at exit")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_flag("--check", args->check_only,
                "validate the configuration and credentials, list the collectors, and exit");
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace trailwarden::cli
