// The CloudTrail LookupEvents collector: one collect::Collector per (account role, region).
//
// Each poll reads [max(checkpoint - overlap, since), min(until, now)] in windows of at most
// `window` seconds, oldest window first; a window is paged with NextToken (same parameters)
// to its last page, each page handed to the IngestSession as it arrives (memory is bounded by
// the session's batch, not by the window), and only then is the window's end checkpointed
// (connector id(), key "<account>/<region>"), so the checkpoint commits with the events it
// stands for. A kill mid-window re-reads that window; repeats are dropped by AwsEventId.
//
// Every request of an (account, region), retries included, takes a token from one
// process-wide rate limiter (shared_lookup_limiter), paced just under the API's 2 requests/s
// so that a steady state sees no ThrottlingException. A throttled or failed request is
// retried with the same NextToken (no page is lost); InvalidNextTokenException restarts the
// window.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/client.h"
#include "aws/config.h"
#include "aws/rate_limiter.h"
#include "collect/collector.h"
#include "core/result.h"

namespace trailwarden::sources::lookup_events {

struct LookupEventsSettings {
  // The role to assume in the monitored account (its account id is read from the ARN).
  // Empty: the default credentials are used directly, in `account` (empty: their own
  // account, from STS GetCallerIdentity).
  std::string role_arn;
  std::string external_id;
  std::string session_name = "trailwarden-lookup-events";
  std::string account;
  // Regions to read; empty or {"all"}: the account's enabled regions (EC2 DescribeRegions).
  std::vector<std::string> regions;
  // Region for STS and DescribeRegions; empty: the configured region, else us-east-1.
  std::string home_region;
  int64_t since_us = 0;  // first poll without a checkpoint starts here (0: 90-day look-back)
  int64_t until_us = 0;  // 0: now, at each poll (CollectContext::until_us wins when set)
  // Re-read before the checkpoint on every poll, for events that show up late. CloudTrail
  // delivers within ~5 min on average, not guaranteed; 15 min is three times that, and every
  // poll pays for it (overlap x event rate / 50 requests), so it is the lower end of the
  // 15-30 min practice. Raise it for accounts known to deliver later.
  // Cost in continuous mode: polling every P seconds reads each second (P + overlap) / P
  // times, so an account-region keeps up only below 100 x P / (P + overlap) events/s (with
  // P = 60 s and 15 min: ~6 events/s; P = 15 min: 50 events/s). Busy account-regions want a
  // long poll interval, or the S3 collector.
  int64_t overlap_s = 15 * 60;
  int64_t window_s = 3600;  // first window size; adapted between min and max
  int64_t min_window_s = 60;
  int64_t max_window_s = 86400;
  uint64_t max_window_pages = 600;  // halve the window above this (5 min of requests)
  // Requests/s per (account, region). The API allows 2; pacing at 1.92 leaves 40 ms of
  // timing slack in any three consecutive requests, so none lands in a 1 s interval
  // already holding two (measured: bench/lookup_bench.sh).
  double requests_per_second = 1.92;
  int page_size = 50;
  // Transient failures (throttling, 5xx, endpoint unreachable) are retried in place for this
  // long before the poll gives up (the next poll resumes from the checkpoint).
  int64_t give_up_after_ms = 10 * 60 * 1000;
  int64_t retry_delay_ms = 500;
  int64_t max_retry_delay_ms = 8000;
  // A source rate at or above this (events/s per account-region) is near the API's ceiling
  // of 100 (2 requests/s x 50): the health row recommends the S3 collector.
  double warn_events_per_second = 80;
};

// Counters of one collector, for summaries and the benchmark. Thread-safe to read.
struct LookupStats {
  std::atomic<uint64_t> requests{0};   // HTTP attempts, retries included
  std::atomic<uint64_t> throttled{0};  // attempts answered with ThrottlingException
  std::atomic<uint64_t> pages{0};
  std::atomic<uint64_t> events{0};
  std::atomic<uint64_t> windows{0};
  std::atomic<uint64_t> token_restarts{0};  // InvalidNextTokenException -> window restarted
  std::atomic<uint64_t> transient_errors{0};
  std::atomic<int64_t> newest_event_s{0};
};

// The one limiter of an (account, region) in this process; created at `rate` on first use.
std::shared_ptr<aws::RateLimiter> shared_lookup_limiter(const std::string& account,
                                                        const std::string& region, double rate);

// Sends one request (AwsClient::call in production; a fake in tests).
using CallFn = std::function<std::expected<aws::HttpResponse, aws::AwsError>(const aws::AwsRequest&,
                                                                             aws::CallStats*)>;

class LookupEventsCollector final : public collect::Collector {
 public:
  LookupEventsCollector(LookupEventsSettings settings, std::string account, std::string region,
                        CallFn call, std::shared_ptr<aws::RateLimiter> limiter);
  // "lookup-events:<account>/<region>": the checkpoint and ConnectorHealth connector (the
  // checkpoint key and the health scope are "<account>/<region>").
  std::string id() const override;
  std::string scope() const { return account_ + "/" + region_; }
  const std::string& account() const { return account_; }
  const std::string& region() const { return region_; }
  Result<collect::PollResult> poll(collect::CollectContext& ctx) override;
  const LookupStats& stats() const { return stats_; }

 private:
  struct WindowResult;
  Result<WindowResult> read_window(collect::CollectContext& ctx, int64_t start_s, int64_t end_s);
  void report(collect::CollectContext& ctx, const Error* error, std::string_view code,
              int64_t backlog_s, int64_t now_s);
  bool sleep_ms(collect::CollectContext& ctx, int64_t ms);

  LookupEventsSettings settings_;
  std::string account_;
  std::string region_;
  CallFn call_;
  std::shared_ptr<aws::RateLimiter> limiter_;
  LookupStats stats_;
  int64_t window_s_;
  // Poll-level rate measurement.
  uint64_t poll_events_ = 0;
  int64_t poll_started_ns_ = 0;
  uint64_t reported_events_ = 0;
  double source_rate_ = -1;
  std::string last_error_code_;  // of the error read_window returned  // events per second of event
                                 // time, over the last windows
};

// The account id in a role ARN ("arn:aws:iam::111122223333:role/R" -> "111122223333").
Result<std::string> account_of_role(std::string_view role_arn);

// One collector per region of the settings' account: assumes the role (with its external id)
// through the default credential chain, lists the enabled regions when asked for all.
Result<std::vector<std::unique_ptr<collect::Collector>>> make_lookup_events_collectors(
    const LookupEventsSettings& settings, std::shared_ptr<const aws::AwsConfig> config);

}  // namespace trailwarden::sources::lookup_events
