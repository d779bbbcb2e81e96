// trailwarden ingest -w DIR PATH... : files and folders into the workspace.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/detection_options.h"
#include "cli/render.h"
#include "core/log.h"
#include "core/text.h"
#include "detect/scheduled.h"
#include "pipeline/ingest.h"
#include "store/duckdb/duckdb_workspace.h"
#include "store/null_workspace.h"

namespace trailwarden::cli {
namespace {

struct IngestArgs {
  std::string workspace = "./trailwarden-data";
  std::vector<std::string> paths;
  std::string format = "text";
  bool no_progress = false;
  int threads = 2;
  size_t batch_rows = 122880;
  uint64_t max_file_mb = 1024;
  uint64_t max_inflated_mb = 512;
  size_t max_record_kb = 1024;
  int max_depth = 64;
  bool dry_run = false;
  int compression_level = 3;
  bool no_detect = false;
  DetectionArgs detection;
};

std::string summary_json(const pipeline::IngestSummary& s, const std::string& ws) {
  auto map_json = [](const std::map<std::string, uint64_t>& m) {
    std::string out = "{";
    for (const auto& [k, v] : m) {
      if (out.size() > 1) out += ", ";
      out += json_string(k) + ": " + std::to_string(v);
    }
    return out + "}";
  };
  double rate = s.seconds > 0 ? s.records / s.seconds : 0;
  std::string samples = "[";
  for (const auto& r : s.rejection_samples) {
    if (samples.size() > 1) samples += ", ";
    samples += json_string(r);
  }
  samples += "]";
  return fmt::format(
      "{{\"workspace\": {}, \"files\": {}, \"records\": {}, \"stored\": {}, \"duplicates\": {}, "
      "\"skipped\": {}, \"rejected\": {}, \"rejected_by_reason\": {}, \"skipped_by_reason\": {}, "
      "\"formats\": {}, \"input_bytes\": {}, \"seconds\": {:.3f}, \"store_seconds\": {:.3f}, "
      "\"events_per_second\": {:.0f}, \"rule_hits\": {}, \"alerts_raised\": {}, "
      "\"alerts_updated\": {}, \"scheduled_alerts\": {}, "
      "\"rejection_samples\": {}}}\n",
      json_string(ws), s.files, s.records, s.stored, s.duplicates, s.skipped, s.rejected,
      map_json(s.rejected_by_reason), map_json(s.skipped_by_reason), map_json(s.files_by_format),
      s.input_bytes, s.seconds, s.store_seconds, rate, s.rule_hits, s.alerts_raised,
      s.alerts_updated, s.scheduled_alerts, samples);
}

std::string summary_text(const pipeline::IngestSummary& s, const std::string& ws) {
  std::string out;
  double rate = s.seconds > 0 ? s.records / s.seconds : 0;
  out += fmt::format("ingested into {}\n", escape_control(ws));
  out += fmt::format("  files       {:>12}\n", with_commas(s.files));
  out += fmt::format("  records     {:>12}\n", with_commas(s.records));
  out += fmt::format("  stored      {:>12}\n", with_commas(s.stored));
  out += fmt::format("  duplicates  {:>12}\n", with_commas(s.duplicates));
  out += fmt::format("  skipped     {:>12}  files", with_commas(s.skipped));
  for (const auto& [k, v] : s.skipped_by_reason) out += fmt::format("  {}: {}", k, v);
  out += "\n";
  out += fmt::format("  rejected    {:>12}", with_commas(s.rejected));
  for (const auto& [k, v] : s.rejected_by_reason) out += fmt::format("  {}: {}", k, v);
  out += "\n";
  out += fmt::format("  alerts      {:>12}  new", with_commas(s.alerts_raised));
  if (s.alerts_updated > 0)
    out += fmt::format(", {} repeats folded into open alerts", s.alerts_updated);
  if (s.scheduled_alerts > 0) out += fmt::format(", {} from scheduled rules", s.scheduled_alerts);
  out += "\n";
  out += fmt::format("  time        {:>12.2f}  s  ({} events/s)\n", s.seconds,
                     with_commas(static_cast<uint64_t>(rate)));
  if (!s.rejection_samples.empty()) {
    out += "rejected input (first " + std::to_string(s.rejection_samples.size()) +
           "; all of it is in the Rejected table):\n";
    for (const auto& r : s.rejection_samples) out += "  " + escape_control(r) + "\n";
  }
  return out;
}

int run(const IngestArgs& a) {
  const Clock& clock = SystemClock::instance();
  const int64_t started = clock.monotonic_nanos();
  store::DuckDbOptions wo;
  wo.dir = a.workspace;
  wo.mode = store::OpenMode::kReadWrite;
  wo.command = "ingest";
  // The store thread appends and commits; DuckDB's own worker threads would only spin beside
  // it and take the core the decoding thread needs (measured: bench/RESULTS.md).
  wo.threads = 1;
  // DuckDB caches every block it writes up to its memory limit (80% of RAM by default), which
  // would make ingest's memory grow with the workspace instead of with the batch size.
  // 256 MB: measured no slower than 1 GB, and 0.5 GB less peak RSS at 1M events.
  wo.memory_limit = "256MB";
  std::unique_ptr<store::Workspace> ws;
  if (a.dry_run) {
    ws = std::make_unique<store::NullWorkspace>();
  } else {
    auto opened = store::DuckDbWorkspace::open(wo);
    if (!opened) {
      std::fprintf(stderr, "trailwarden ingest: %s\n",
                   escape_control(opened.error().to_string()).c_str());
      return kExitFatal;
    }
    ws = std::move(*opened);
  }
  pipeline::IngestOptions o;
  if (!a.no_detect) {
    auto content = load_detection(a.detection, "ingest");
    if (!content) {
      std::fprintf(stderr, "trailwarden ingest: %s\n",
                   escape_control(content.error().to_string()).c_str());
      return kExitFatal;
    }
    o.detection = *content;
  }
  o.paths = a.paths;
  o.threaded = a.threads > 1;
  o.batch_rows = a.batch_rows;
  o.max_file_bytes = a.max_file_mb << 20;
  o.limits.max_inflated_bytes = a.max_inflated_mb << 20;
  o.limits.max_record_bytes = a.max_record_kb << 10;
  o.limits.max_depth = a.max_depth;
  o.compression_level = a.compression_level;
  // Progress only for a person watching: both outputs on a terminal, nothing piped.
  const bool show_progress =
      !a.no_progress && ::isatty(STDERR_FILENO) != 0 && ::isatty(STDOUT_FILENO) != 0;
  pipeline::ProgressCallback progress;
  if (show_progress) {
    progress = [](const pipeline::IngestProgress& p) {
      double rate = p.seconds > 0 ? p.records / p.seconds : 0;
      std::fprintf(stderr, "\r\033[Kfiles %zu/%zu  records %s  stored %s  %s events/s",
                   p.files_done, p.files_total, with_commas(p.records).c_str(),
                   with_commas(p.stored).c_str(), with_commas(static_cast<uint64_t>(rate)).c_str());
    };
  }
  auto summary = pipeline::run_ingest(*ws, o, clock, progress);
  if (show_progress) std::fprintf(stderr, "\r\033[K");
  // Scheduled SQL rules over the event-time span this ingest added to (their alert ids are
  // stable, so a span evaluated twice updates the same alerts).
  if (summary && o.detection && !a.dry_run && summary->stored > 0 && !a.detection.no_builtin) {
    auto rules = detect::load_scheduled_rules(detect::builtin_rules_dir() + "/scheduled");
    Result<std::vector<store::AlertRow>> rows =
        rules ? detect::run_scheduled_rules(*ws, *rules, summary->min_event_us,
                                            summary->max_event_us + 1, clock.now_micros())
              : std::unexpected(rules.error());
    if (!rows) {
      std::fprintf(stderr, "trailwarden ingest: scheduled rules: %s\n",
                   escape_control(rows.error().to_string()).c_str());
    } else if (!rows->empty()) {
      store::DetectionWrites writes;
      writes.alerts = std::move(*rows);
      if (auto st = ws->write_detection_only(writes); !st) {
        std::fprintf(stderr, "trailwarden ingest: scheduled rules: %s\n",
                     escape_control(st.error().to_string()).c_str());
      } else {
        summary->scheduled_alerts = writes.alerts.size();
      }
    }
  }
  // Closing checkpoints the last batches into the database file: part of the job, so part
  // of the time reported.
  const int64_t closing = clock.monotonic_nanos();
  ws.reset();
  log::info("workspace closed (final checkpoint) in {:.3f} s",
            (clock.monotonic_nanos() - closing) / 1e9);
  if (summary) summary->seconds = (clock.monotonic_nanos() - started) / 1e9;
  if (!summary) {
    std::fprintf(stderr, "trailwarden ingest: %s\n",
                 escape_control(summary.error().to_string()).c_str());
    return kExitFatal;
  }
  const std::string where = a.dry_run ? std::string("nothing (dry run)") : a.workspace;
  std::string out =
      a.format == "json" ? summary_json(*summary, where) : summary_text(*summary, where);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return summary->rejected > 0 ? kExitRejected : kExitOk;
}

}  // namespace

void add_ingest_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<IngestArgs>();
  CLI::App* cmd = app.add_subcommand(
      "ingest",
      "Store CloudTrail files and folders (recursively) in the workspace. Formats are "
      "recognised by content: S3 log files (gzip or not), JSON arrays, JSON Lines, saved "
      "LookupEvents responses. Exit code 0: all accepted; 2: some input rejected (see the "
      "Rejected table); 1: fatal error.");
  cmd->add_option("-w,--workspace", args->workspace, "workspace directory")->capture_default_str();
  cmd->add_option("paths", args->paths, "files or folders")->required();
  cmd->add_option("--format", args->format, "summary format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_flag("--no-progress", args->no_progress, "no progress line on the terminal");
  cmd->add_option("--raw-level", args->compression_level,
                  "zstd level for the stored raw records: lower is faster, higher is smaller")
      ->check(CLI::Range(-5, 19))
      ->capture_default_str();
  cmd->add_flag("--dry-run", args->dry_run,
                "decode and check everything, store nothing (no workspace needed; duplicates "
                "are not looked for)");
  cmd->add_option("--threads", args->threads, "1: decode and store on one thread; 2: overlap them")
      ->check(CLI::Range(1, 2))
      ->capture_default_str();
  cmd->add_option("--batch-rows", args->batch_rows, "rows per committed batch")
      ->check(CLI::Range(size_t{1}, size_t{1} << 22))
      ->capture_default_str();
  cmd->add_option("--max-file-mb", args->max_file_mb, "reject files larger than this")
      ->capture_default_str();
  cmd->add_option("--max-inflated-mb", args->max_inflated_mb,
                  "reject gzip files that inflate beyond this (decompression bombs)")
      ->capture_default_str();
  cmd->add_option("--max-record-kb", args->max_record_kb, "reject records larger than this")
      ->capture_default_str();
  cmd->add_option("--max-depth", args->max_depth, "reject records nested deeper than this")
      ->check(CLI::Range(4, 512))
      ->capture_default_str();
  cmd->add_flag("--no-detect", args->no_detect, "store only: run no rules");
  add_detection_options(cmd, args->detection);
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace trailwarden::cli
