// trailwarden collect lookup-events|s3 : one collector kind, until caught up, then exit.
#include <fmt/format.h>

#include <cstdio>

#include "cli/collect_common.h"
#include "cli/commands.h"
#include "cli/render.h"
#include "core/log.h"
#include "core/text.h"
#include "core/time.h"
#include "pipeline/session.h"
#include "store/duckdb/duckdb_workspace.h"

namespace trailwarden::cli {

void add_collect_common_options(CLI::App* cmd, CollectCommonArgs& a, bool with_window) {
  cmd->add_option("-w,--workspace", a.workspace, "workspace directory (created if missing)")
      ->capture_default_str();
  cmd->add_option("--format", a.format, "summary format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_flag("--no-detect", a.no_detect, "store events without running detection");
  if (with_window) {
    cmd->add_option("--since", a.since,
                    "start of the backfill: a duration before now (7d, 24h) or an ISO-8601 "
                    "time; later runs resume from the checkpoint");
    cmd->add_option("--until", a.until, "collect up to this time: now, a duration ago or ISO-8601")
        ->capture_default_str();
  }
  add_detection_options(cmd, a.detection);
}

Result<int64_t> collect_since_us(const CollectCommonArgs& a, int64_t default_ago_us) {
  const int64_t now = SystemClock::instance().now_micros();
  if (a.since.empty()) return now - default_ago_us;
  return parse_since(a.since, now);
}

Result<int64_t> collect_until_us(const CollectCommonArgs& a) {
  if (a.until.empty() || a.until == "now") return int64_t{0};
  return parse_since(a.until, SystemClock::instance().now_micros());
}

namespace {

std::string outcome_json(const collect::RunOutcome& run, const pipeline::IngestSummary& s,
                         const std::string& ws) {
  std::string cs = "[";
  for (const auto& c : run.collectors) {
    if (cs.size() > 1) cs += ", ";
    cs += fmt::format(
        "{{\"id\": {}, \"caught_up\": {}, \"polls\": {}, \"documents\": {}, \"events\": {}, "
        "\"failures\": {}, \"last_error\": {}}}",
        json_string(c.id), c.caught_up, c.polls, c.documents, c.events, c.failures,
        json_string(c.last_error));
  }
  cs += "]";
  double rate = s.seconds > 0 ? s.records / s.seconds : 0;
  return fmt::format(
      "{{\"workspace\": {}, \"collectors\": {}, \"stopped\": {}, \"documents\": {}, "
      "\"records\": {}, \"stored\": {}, \"duplicates\": {}, \"findings\": {}, "
      "\"findings_stored\": {}, \"rejected\": {}, \"alerts_raised\": {}, \"alerts_updated\": {}, "
      "\"seconds\": {:.3f}, \"events_per_second\": {:.0f}}}\n",
      json_string(ws), cs, run.stopped, s.files, s.records, s.stored, s.duplicates, s.findings,
      s.findings_stored, s.rejected, s.alerts_raised, s.alerts_updated, s.seconds, rate);
}

std::string outcome_text(const collect::RunOutcome& run, const pipeline::IngestSummary& s,
                         const std::string& ws) {
  std::string out = fmt::format("collected into {}{}\n", escape_control(ws),
                                run.stopped ? " (stopped by signal)" : "");
  for (const auto& c : run.collectors) {
    out += fmt::format("  {:<40} {:>10} events  {:>7} docs  {}{}\n", escape_control(c.id),
                       with_commas(c.events), with_commas(c.documents),
                       c.caught_up ? "caught up" : "not caught up",
                       c.last_error.empty() ? "" : "  last error: " + escape_control(c.last_error));
  }
  double rate = s.seconds > 0 ? s.records / s.seconds : 0;
  out += fmt::format("  records     {:>12}\n", with_commas(s.records));
  out += fmt::format("  stored      {:>12}\n", with_commas(s.stored));
  out += fmt::format("  duplicates  {:>12}\n", with_commas(s.duplicates));
  if (s.findings > 0) {
    out += fmt::format("  findings    {:>12}  ({} new or updated)\n", with_commas(s.findings),
                       with_commas(s.findings_stored));
  }
  out += fmt::format("  rejected    {:>12}", with_commas(s.rejected));
  for (const auto& [k, v] : s.rejected_by_reason) out += fmt::format("  {}: {}", k, v);
  out += "\n";
  out += fmt::format("  alerts      {:>12}  new", with_commas(s.alerts_raised));
  if (s.alerts_updated > 0) out += fmt::format(", {} repeats folded", s.alerts_updated);
  out += "\n";
  out += fmt::format("  time        {:>12.2f}  s  ({} events/s)\n", s.seconds,
                     with_commas(static_cast<uint64_t>(rate)));
  return out;
}

}  // namespace

int run_collectors_command(const char* command, const CollectCommonArgs& a,
                           std::vector<std::unique_ptr<collect::Collector>> collectors,
                           collect::RunnerOptions options) {
  const Clock& clock = SystemClock::instance();
  auto fail = [&](const std::string& msg) {
    std::fprintf(stderr, "trailwarden %s: %s\n", command, escape_control(msg).c_str());
    return kExitFatal;
  };
  store::DuckDbOptions wo;
  wo.dir = a.workspace;
  wo.mode = store::OpenMode::kReadWrite;
  wo.command = command;
  wo.threads = 1;
  wo.memory_limit = "256MB";
  auto ws = store::DuckDbWorkspace::open(wo);
  if (!ws) return fail(ws.error().to_string());
  pipeline::IngestOptions io;
  if (!a.no_detect) {
    auto content = load_detection(a.detection, command);
    if (!content) return fail(content.error().to_string());
    io.detection = *content;
  }
  auto session = pipeline::IngestSession::open(**ws, io, clock);
  if (!session) return fail(session.error().to_string());
  // The live snapshot lets `health` answer while this process holds the workspace.
  collect::HealthReporter health(**ws, clock, a.workspace + "/connector-health.json");
  const auto& stop = collect::install_stop_signals();
  auto run = collect::run_collectors(collectors, **ws, **session, health, clock, options, stop);
  auto summary = (*session)->finish();
  (void)health.flush();
  if (!summary) return fail("the workspace refused a batch: " + summary.error().to_string());
  std::string text = a.format == "json" ? outcome_json(run, *summary, a.workspace)
                                        : outcome_text(run, *summary, a.workspace);
  std::fputs(text.c_str(), stdout);
  if (!run.stopped && !run.all_caught_up()) return kExitFatal;
  return summary->rejected > 0 ? kExitRejected : kExitOk;
}

void add_collect_command(CLI::App& app, int& exit_code) {
  auto* collect = app.add_subcommand(
      "collect",
      "collect from AWS until caught up, then exit (backfills, tests); `run` keeps polling");
  collect->require_subcommand(1);
  add_collect_lookup_events(*collect, exit_code);
  add_collect_s3(*collect, exit_code);
}

}  // namespace trailwarden::cli
