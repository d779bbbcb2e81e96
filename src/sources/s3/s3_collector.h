// The S3 collector: CloudTrail log files (account and organization trails) and GuardDuty
// exports under `s3://bucket/prefix`, many accounts and regions in one bucket.
//
// Listing mode: discovery walks the AWSLogs/ layout with delimiter listings down to
// (account, service, region) partitions. Each partition is listed from its checkpointed key's
// day minus a late-arrival window (StartAfter), and every object already taken is remembered
// (IngestedFiles origins, committed with the object's events), so an object delivered late,
// even one whose key sorts before the checkpoint, is still taken, and none is taken twice.
// Objects are fetched by a small pool of workers and handed to the session in key order; the
// partition's checkpoint (its last contiguous key) follows each one.
//
// Queue mode (`queue_url` set): S3 event notifications (raw, or in SNS envelopes, or
// CloudTrail's own SNS notification) from SQS name the objects; a message is deleted only after
// the objects it names are committed (or were already remembered).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "aws/config.h"
#include "aws/credentials.h"
#include "collect/collector.h"
#include "core/result.h"

namespace trailwarden::sources::s3 {

struct S3Settings {
  std::string url;        // s3://bucket[/prefix]
  std::string region;     // the bucket's region; empty: the config's, else us-east-1
  std::string queue_url;  // SQS queue of notifications; empty: listing mode
  int64_t since_us = 0;   // partitions without a checkpoint start at this day (0: now - 30 days)
  // How far before its checkpoint a partition is listed again for late objects, rounded up
  // to whole day folders (keys sort by delivery day).
  int64_t late_window_us = int64_t{2} * 86400 * 1000000;
  int concurrency = 6;  // GetObject requests in flight
  int max_keys = 1000;  // ListObjectsV2 page size
  bool cloudtrail = true;
  bool guardduty = true;
  // Queue mode.
  int wait_seconds = 20;  // long poll; `collect` uses a short one to know it caught up
  int visibility_timeout = 300;
  int max_messages_per_poll = 200;  // then commit and return
};

// `credentials` null: the config's default chain.
Result<std::unique_ptr<collect::Collector>> make_s3_collector(
    const S3Settings& settings, std::shared_ptr<const aws::AwsConfig> config,
    std::shared_ptr<aws::CredentialsProvider> credentials = nullptr);

}  // namespace trailwarden::sources::s3
