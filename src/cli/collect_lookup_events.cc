// trailwarden collect lookup-events -w WS --role-arn ARN [--external-id ID] [--regions all|a,b]
//     [--since 7d] [--until now]
// Reads CloudTrail's LookupEvents in every (account, region) until caught up to --until, each
// account-region on its own thread (they have separate API budgets), into one ingest session
// with detection; then prints a summary.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <thread>

#include "aws/config.h"
#include "cli/commands.h"
#include "cli/detection_options.h"
#include "core/log.h"
#include "core/text.h"
#include "detect/hunting.h"
#include "pipeline/session.h"
#include "sources/lookup_events/lookup_events.h"
#include "store/duckdb/duckdb_workspace.h"

namespace trailwarden::cli {
namespace {

namespace le = sources::lookup_events;

struct LookupArgs {
  std::string workspace = "./trailwarden-data";
  std::vector<std::string> role_arns;
  std::string external_id;
  std::string session_name = "trailwarden-lookup-events";
  std::string account;
  std::string regions = "all";
  std::string since = "1d";
  std::string until = "now";
  std::string overlap = "15m";
  std::string window = "1h";
  uint64_t max_window_pages = 600;
  double rate = 1.92;
  std::string format = "text";
  bool no_detect = false;
  DetectionArgs detection;
};

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true); }

struct Outcome {
  std::string scope;
  bool caught_up = false;
  std::string error;
  double seconds = 0;
  uint64_t pages = 0, events = 0, requests = 0, throttled = 0, token_restarts = 0,
           transient = 0;
};

// Polls one collector until it has caught up, was stopped, or failed for good. Failures a
// later poll may cure (endpoint down, throttling) are retried a few times; each poll resumes
// from the checkpoint.
Outcome drive(le::LookupEventsCollector& c, collect::CollectContext ctx) {
  Outcome o;
  o.scope = c.scope();
  const Clock& clock = SystemClock::instance();
  const int64_t t0 = clock.monotonic_nanos();
  int failures = 0;
  while (!g_stop.load()) {
    auto r = c.poll(ctx);
    if (r) {
      o.caught_up = r->caught_up;
      if (r->caught_up) break;
      continue;  // stopped mid-window (g_stop), or more to read
    }
    o.error = r.error().to_string();
    const bool transient =
        r.error().code == ErrorCode::kUnavailable || r.error().code == ErrorCode::kThrottled;
    if (!transient || ++failures > 5) break;
    log::warn("lookup-events {}: {}; polling again", c.scope(), escape_control(o.error));
    for (int i = 0; i < 50 && !g_stop.load(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (o.caught_up) o.error.clear();
  o.seconds = (clock.monotonic_nanos() - t0) / 1e9;
  const auto& s = c.stats();
  o.pages = s.pages;
  o.events = s.events;
  o.requests = s.requests;
  o.throttled = s.throttled;
  o.token_restarts = s.token_restarts;
  o.transient = s.transient_errors;
  return o;
}

std::string summary_text(const std::vector<Outcome>& outs, const pipeline::IngestSummary& s,
                         const std::string& ws, double seconds) {
  std::string out = fmt::format("collected LookupEvents into {}\n", escape_control(ws));
  out += fmt::format("  {:<28} {:>8} {:>9} {:>9} {:>9} {:>8} {:>9}  {}\n", "account/region",
                     "pages", "events", "requests", "throttled", "seconds", "ceiling", "status");
  for (const auto& o : outs) {
    const double ceiling = o.seconds > 0 ? o.events / o.seconds / 100.0 : 0;
    out += fmt::format("  {:<28} {:>8} {:>9} {:>9} {:>9} {:>8.1f} {:>8.1f}%  {}\n",
                       escape_control(o.scope), o.pages, o.events, o.requests, o.throttled,
                       o.seconds, ceiling * 100,
                       o.caught_up ? std::string("caught up") : escape_control(o.error));
  }
  out += fmt::format("  stored      {:>12}\n", with_commas(s.stored));
  out += fmt::format("  duplicates  {:>12}  (overlapping windows read again)\n",
                     with_commas(s.duplicates));
  out += fmt::format("  rejected    {:>12}\n", with_commas(s.rejected));
  out += fmt::format("  alerts      {:>12}  new\n", with_commas(s.alerts_raised));
  out += fmt::format("  time        {:>12.2f}  s\n", seconds);
  return out;
}

std::string summary_json(const std::vector<Outcome>& outs, const pipeline::IngestSummary& s,
                         const std::string& ws, double seconds) {
  std::string list = "[";
  for (const auto& o : outs) {
    if (list.size() > 1) list += ", ";
    const double eps = o.seconds > 0 ? o.events / o.seconds : 0;
    list += fmt::format(
        "{{\"scope\": {}, \"caught_up\": {}, \"error\": {}, \"pages\": {}, \"events\": {}, "
        "\"requests\": {}, \"throttled\": {}, \"token_restarts\": {}, \"transient_errors\": {}, "
        "\"seconds\": {:.3f}, \"events_per_second\": {:.2f}, \"ceiling_fraction\": {:.4f}}}",
        json_string(o.scope), o.caught_up ? "true" : "false", json_string(o.error), o.pages,
        o.events, o.requests, o.throttled, o.token_restarts, o.transient, o.seconds, eps,
        eps / 100.0);
  }
  list += "]";
  return fmt::format(
      "{{\"workspace\": {}, \"collectors\": {}, \"records\": {}, \"stored\": {}, "
      "\"duplicates\": {}, \"rejected\": {}, \"alerts_raised\": {}, \"seconds\": {:.3f}}}\n",
      json_string(ws), list, s.records, s.stored, s.duplicates, s.rejected, s.alerts_raised,
      seconds);
}

int fail(const Error& e) {
  std::fprintf(stderr, "trailwarden collect lookup-events: %s\n",
               escape_control(e.to_string()).c_str());
  return kExitFatal;
}

int run(const LookupArgs& a) {
  const Clock& clock = SystemClock::instance();
  const int64_t t0 = clock.monotonic_nanos();
  const int64_t now_us = clock.now_micros();
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
  auto since = parse_since(a.since, now_us);
  if (!since) return fail(since.error());
  base.since_us = *since;
  if (a.until != "now") {
    auto until = parse_since(a.until, now_us);
    if (!until) return fail(until.error());
    base.until_us = *until;
  }
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

  store::DuckDbOptions wo;
  wo.dir = a.workspace;
  wo.mode = store::OpenMode::kReadWrite;
  wo.command = "collect lookup-events";
  wo.threads = 1;
  wo.memory_limit = "256MB";
  auto opened = store::DuckDbWorkspace::open(wo);
  if (!opened) return fail(opened.error());
  std::unique_ptr<store::Workspace> ws = std::move(*opened);
  pipeline::IngestOptions o;
  if (!a.no_detect) {
    auto content = load_detection(a.detection, "collect lookup-events");
    if (!content) return fail(content.error());
    o.detection = *content;
  }
  auto session = pipeline::IngestSession::open(*ws, o, clock);
  if (!session) return fail(session.error());

  g_stop = false;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::vector<Outcome> outcomes(collectors.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < collectors.size(); ++i) {
    threads.emplace_back([&, i] {
      collect::CollectContext ctx;
      ctx.workspace = ws.get();
      ctx.session = session->get();
      ctx.clock = &clock;
      ctx.stop = &g_stop;
      ctx.health = nullptr;  // TODO(lead): a collect::HealthReporter once it is implemented
      outcomes[i] = drive(static_cast<le::LookupEventsCollector&>(*collectors[i]), ctx);
    });
  }
  for (auto& t : threads) t.join();
  auto summary = (*session)->finish();
  session->reset();
  ws.reset();
  if (!summary) return fail(summary.error());
  const double seconds = (clock.monotonic_nanos() - t0) / 1e9;
  std::string out = a.format == "json" ? summary_json(outcomes, *summary, a.workspace, seconds)
                                       : summary_text(outcomes, *summary, a.workspace, seconds);
  std::fwrite(out.data(), 1, out.size(), stdout);
  bool all = true;
  for (const auto& oc : outcomes) all = all && oc.caught_up;
  if (!all || g_stop.load()) return kExitFatal;
  return summary->rejected > 0 ? kExitRejected : kExitOk;
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
  cmd->add_option("-w,--workspace", args->workspace, "workspace directory")->capture_default_str();
  cmd->add_option("--role-arn", args->role_arns,
                  "role to assume in each monitored account (repeat for several accounts)");
  cmd->add_option("--external-id", args->external_id, "ExternalId the roles require");
  cmd->add_option("--session-name", args->session_name, "RoleSessionName")->capture_default_str();
  cmd->add_option("--account", args->account,
                  "without --role-arn: the account of the default credentials");
  cmd->add_option("--regions", args->regions,
                  "all (the account's enabled regions, from EC2 DescribeRegions) or a,b,c")
      ->capture_default_str();
  cmd->add_option("--since", args->since,
                  "where a first run starts: 7d, 24h or an ISO-8601 time (at most 90 days)")
      ->capture_default_str();
  cmd->add_option("--until", args->until, "now, a duration before now, or an ISO-8601 time")
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
  cmd->add_option("--format", args->format, "summary format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_flag("--no-detect", args->no_detect, "store only: run no rules");
  add_detection_options(cmd, args->detection);
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace trailwarden::cli
