// trailwarden collect lookup-events -w WS --role-arn ARN [--external-id ID] [--regions all|a,b]
//     [--since 7d] [--until now]
// Reads CloudTrail's LookupEvents in every (account, region) until caught up to --until, each
// account-region on its own thread (they have separate API budgets), into one ingest session
// with detection (collect_common.h: the runner, the session, the summary).

#include <algorithm>
#include <cstdio>

#include "aws/config.h"
#include "cli/collect_common.h"
#include "cli/commands.h"
#include "core/text.h"
#include "detect/hunting.h"
#include "sources/lookup_events/lookup_events.h"

namespace trailwarden::cli {
namespace {

namespace le = sources::lookup_events;

struct LookupArgs {
  CollectCommonArgs common;
  std::vector<std::string> role_arns;
  std::string external_id;
  std::string session_name = "trailwarden-lookup-events";
  std::string account;
  std::string regions = "all";
  std::string overlap = "15m";
  std::string window = "1h";
  uint64_t max_window_pages = 600;
  double rate = 1.92;
};

int fail(const Error& e) {
  std::fprintf(stderr, "trailwarden collect lookup-events: %s\n",
               escape_control(e.to_string()).c_str());
  return kExitFatal;
}

int run(const LookupArgs& a) {
  le::LookupEventsSettings base;
  base.external_id = a.external_id;
  base.session_name = a.session_name;
  base.account = a.account;
  base.requests_per_second = a.rate;
  if (a.regions != "all") {
    for (size_t p = 0; p <= a.regions.size();) {
      size_t c = a.regions.find(',', p);
      if (c == std::string::npos) c = a.regions.size();
      std::string r(trim_blanks(std::string_view(a.regions).substr(p, c - p)));
      if (!r.empty()) base.regions.push_back(r);
      p = c + 1;
    }
  }
  auto since = collect_since_us(a.common, int64_t{7} * 86400 * 1000000);
  if (!since) return fail(since.error());
  base.since_us = *since;
  auto until = collect_until_us(a.common);
  if (!until) return fail(until.error());
  base.until_us = *until;
  auto overlap = detect::parse_duration(a.overlap);
  if (!overlap) return fail(overlap.error());
  base.overlap_s = *overlap / 1000000;
  auto window = detect::parse_duration(a.window);
  if (!window) return fail(window.error());
  base.window_s = std::max<int64_t>(*window / 1000000, 1);
  base.max_window_s = std::max(base.max_window_s, base.window_s);
  base.min_window_s = std::min(base.min_window_s, base.window_s);
  base.max_window_pages = a.max_window_pages;

  auto config = aws::AwsConfig::load();
  if (!config) return fail(config.error());
  auto shared_config = std::make_shared<const aws::AwsConfig>(std::move(*config));

  std::vector<std::unique_ptr<collect::Collector>> collectors;
  std::vector<std::string> roles = a.role_arns;
  if (roles.empty()) roles.push_back("");
  for (const auto& role : roles) {
    le::LookupEventsSettings st = base;
    st.role_arn = role;
    auto made = le::make_lookup_events_collectors(st, shared_config);
    if (!made) return fail(made.error());
    for (auto& c : *made) collectors.push_back(std::move(c));
  }
  collect::RunnerOptions options;
  options.continuous = false;
  options.until_us = base.until_us;
  return run_collectors_command("collect lookup-events", a.common, std::move(collectors), options);
}

}  // namespace

void add_collect_lookup_events(CLI::App& collect, int& exit_code) {
  auto args = std::make_shared<LookupArgs>();
  CLI::App* cmd = collect.add_subcommand(
      "lookup-events",
      "Read CloudTrail event history (LookupEvents) of each account and region until caught up "
      "to --until, then exit. At most 2 requests/s per account-region (the API's limit), "
      "progress checkpointed per account-region: a second run resumes, re-reading --overlap "
      "for late events; repeats are dropped by event id.");
  add_collect_common_options(cmd, args->common);
  cmd->add_option("--role-arn", args->role_arns,
                  "role to assume in each monitored account (repeat for several accounts)");
  cmd->add_option("--external-id", args->external_id, "ExternalId the roles require");
  cmd->add_option("--session-name", args->session_name, "RoleSessionName")->capture_default_str();
  cmd->add_option("--account", args->account,
                  "without --role-arn: the account of the default credentials");
  cmd->add_option("--regions", args->regions,
                  "all (the account's enabled regions, from EC2 DescribeRegions) or a,b,c")
      ->capture_default_str();
  cmd->add_option("--overlap", args->overlap,
                  "re-read this much before the checkpoint for late-appearing events")
      ->capture_default_str();
  cmd->add_option("--window", args->window,
                  "first window size (a window is checkpointed once read; the size then adapts "
                  "so a window is at most 600 pages)")
      ->capture_default_str();
  cmd->add_option("--max-window-pages", args->max_window_pages,
                  "halve the window after one of more pages than this (less to re-read after "
                  "a kill)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{100000}))
      ->capture_default_str();
  cmd->add_option("--rate", args->rate, "requests/s per account-region (the API allows 2)")
      ->check(CLI::Range(0.05, 2.0))
      ->capture_default_str();
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace trailwarden::cli
