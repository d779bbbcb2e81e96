// The `run -c FILE` configuration: the workspace, detection, and the collectors to run.
// Validated whole before anything starts: every problem is reported with file:line:col (unknown
// key, wrong type, missing field, bad value), never just the first one.
//
//   workspace: /var/lib/trailwarden
//   poll_interval: 60s            # default for collectors
//   detection: {rules: [./my-rules], builtin: true, lists: ./lists, lateness: 2h,
//               geoip: [./GeoLite2-City.mmdb],   # or no_geoip: true; default: deps/geoip
//               policies: ./policies.yml, sensitivity: medium}   # or no_policies: true
//   collectors:
//     - type: lookup-events
//       role_arn: arn:aws:iam::111122223333:role/TrailwardenReader
//       external_id: 7f3a...
//       regions: all              # or [us-east-1, eu-west-1]
//       since: 7d
//     - type: s3
//       url: s3://central-logs/AWSLogs/
//       queue: https://sqs.us-east-1.amazonaws.com/111122223333/ct-events   # optional
//       since: 30d
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace trailwarden::collect {

struct LookupEventsConfig {
  std::string role_arn;  // empty: the caller's own credentials (account from STS)
  std::string external_id;
  std::string session_name;
  std::vector<std::string> regions;  // empty or {"all"}: every enabled region
  std::string since = "7d";
  std::optional<int64_t> overlap_us;
};

struct S3Config {
  std::string url;     // s3://bucket/prefix
  std::string queue;   // SQS queue URL; empty: list the bucket
  std::string region;  // bucket (and queue) region; empty: the default region
  std::string since = "30d";
  std::optional<int64_t> late_window_us;
};

struct CollectorConfig {
  std::string type;              // lookup-events | s3
  std::string name;              // optional label
  int line = 0;                  // where it starts in the file
  int64_t poll_interval_us = 0;  // 0: the file's default
  LookupEventsConfig lookup;
  S3Config s3;
};

struct DetectionConfigFile {
  bool enabled = true;
  bool builtin = true;
  std::vector<std::string> rules;
  std::string lists;
  std::string lateness = "2h";
  std::vector<std::string> geoip;  // MaxMind DB files (empty: the default database)
  bool no_geoip = false;
  std::string policies;     // anomaly policy overrides (YAML file)
  std::string sensitivity;  // low | medium | high (default of the anomaly policies)
  bool no_policies = false;
};

struct RunConfig {
  std::string path;
  std::string workspace = "./trailwarden-data";
  int64_t poll_interval_us = 60'000'000;
  int64_t commit_interval_us = 1'000'000;
  DetectionConfigFile detection;
  std::vector<CollectorConfig> collectors;
};

// Reads and validates. The error's message lists every problem, one per line, each
// "FILE:LINE:COL: message".
Result<RunConfig> load_run_config(const std::string& path);
Result<RunConfig> parse_run_config(std::string_view text, const std::string& path);

}  // namespace trailwarden::collect
