// trailwarden collect s3 -w WS s3://bucket/AWSLogs/ [--since 30d] [--until now] [--queue URL]
// CloudTrail log files and GuardDuty exports from a bucket (listing, or S3 event
// notifications from SQS), until caught up, then exit.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "aws/config.h"
#include "cli/collect_common.h"
#include "cli/commands.h"
#include "cli/detection_options.h"
#include "core/clock.h"
#include "core/text.h"
#include "sources/s3/s3_collector.h"

namespace trailwarden::cli {
namespace {

struct CollectS3Args {
  CollectCommonArgs common;
  std::string url;
  std::string queue;
  std::string region;
  std::string late_window = "2d";
  int concurrency = 6;
  int wait_seconds = 1;
  int visibility_timeout = 300;
  bool no_guardduty = false;
  bool no_cloudtrail = false;
};

int fail(const std::string& message) {
  std::fprintf(stderr, "trailwarden collect s3: %s\n", escape_control(message).c_str());
  return kExitFatal;
}

int run(const CollectS3Args& a) {
  constexpr int64_t kDayUs = int64_t{86400} * 1000000;
  auto since = collect_since_us(a.common, 30 * kDayUs);
  if (!since) return fail(since.error().to_string());
  auto until = collect_until_us(a.common);
  if (!until) return fail(until.error().to_string());
  const int64_t now = SystemClock::instance().now_micros();
  auto late = parse_since(a.late_window, now);
  if (!late) return fail("--late-window: " + late.error().to_string());
  auto config = aws::AwsConfig::load();
  if (!config) return fail(config.error().to_string());
  sources::s3::S3Settings s;
  s.url = a.url;
  s.queue_url = a.queue;
  s.region = a.region;
  s.since_us = *since;
  s.late_window_us = now - *late;
  s.concurrency = a.concurrency;
  s.wait_seconds = a.wait_seconds;
  s.visibility_timeout = a.visibility_timeout;
  s.guardduty = !a.no_guardduty;
  s.cloudtrail = !a.no_cloudtrail;
  auto shared = std::make_shared<const aws::AwsConfig>(std::move(*config));
  auto collector = sources::s3::make_s3_collector(s, shared);
  if (!collector) return fail(collector.error().to_string());
  std::vector<std::unique_ptr<collect::Collector>> collectors;
  collectors.push_back(std::move(*collector));
  collect::RunnerOptions options;
  options.continuous = false;
  options.until_us = *until;
  return run_collectors_command("collect s3", a.common, std::move(collectors), options);
}

}  // namespace

void add_collect_s3(CLI::App& collect, int& exit_code) {
  auto args = std::make_shared<CollectS3Args>();
  CLI::App* cmd = collect.add_subcommand(
      "s3",
      "CloudTrail log files (account and organization trails) and GuardDuty exports under "
      "s3://bucket/prefix, many accounts and regions in one bucket, until caught up. Digest "
      "files are skipped. Resumes from its checkpoints; objects delivered late are still taken, "
      "and none twice. With --queue, S3 event notifications from SQS name the objects, and a "
      "message is deleted only once its objects are committed.");
  cmd->add_option("url", args->url, "s3://bucket/prefix (e.g. s3://central-logs/AWSLogs/)")
      ->required();
  cmd->add_option("--queue", args->queue, "SQS queue URL of S3 event notifications");
  cmd->add_option("--region", args->region, "the bucket's (and queue's) region");
  cmd->add_option("--late-window", args->late_window,
                  "list this far before each checkpoint again, for objects delivered late")
      ->capture_default_str();
  cmd->add_option("--concurrency", args->concurrency, "objects fetched at once")
      ->check(CLI::Range(1, 32))
      ->capture_default_str();
  cmd->add_option("--wait", args->wait_seconds,
                  "with --queue: seconds a receive waits for messages (an empty receive means "
                  "caught up)")
      ->check(CLI::Range(0, 20))
      ->capture_default_str();
  cmd->add_option("--visibility-timeout", args->visibility_timeout,
                  "with --queue: seconds a received message stays hidden while its objects are "
                  "fetched and committed (it comes back if the process dies)")
      ->check(CLI::Range(1, 43200))
      ->capture_default_str();
  cmd->add_flag("--no-guardduty", args->no_guardduty, "leave GuardDuty exports alone");
  cmd->add_flag("--no-cloudtrail", args->no_cloudtrail, "leave CloudTrail log files alone");
  add_collect_common_options(cmd, args->common);
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace trailwarden::cli
