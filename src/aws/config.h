// Where AWS calls go and how they are made: region, endpoint overrides
// (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the config file's services sections and
// endpoint_url), retry budget, timeouts, and the credentials chosen by the standard chain.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/http.h"
#include "core/clock.h"
#include "core/result.h"

namespace trailwarden::aws {

// The services trailwarden calls. `id` is the endpoint-override suffix, `signing_name` the
// SigV4 service name.
struct Service {
  std::string_view id;            // "CLOUDTRAIL", "STS", "S3", "SQS", "GUARDDUTY"
  std::string_view signing_name;  // "cloudtrail", "sts", "s3", "sqs", "guardduty"
  std::string_view host_prefix;   // "cloudtrail" -> https://cloudtrail.<region>.amazonaws.com
};
extern const Service kCloudTrail, kSts, kS3, kSqs, kGuardDuty;

struct Endpoint {
  std::string url;      // scheme://host[:port] with no trailing slash, or with a base path
  bool custom = false;  // from an override: S3 then uses path-style addressing
};

struct RetryPolicy {
  int max_attempts = 3;          // AWS_MAX_ATTEMPTS; total attempts, first one included
  int64_t base_delay_ms = 1000;  // delay = rand(0,1) * min(base * 2^(attempt-1), max)
  int64_t max_delay_ms = 20000;
  // Waits between attempts; empty: std::this_thread::sleep_for. Tests record the delays.
  std::function<void(int64_t delay_ms)> sleep_ms;
};

struct AwsConfig {
  AwsEnvironment env;
  std::string profile;  // AWS_PROFILE / AWS_DEFAULT_PROFILE / "default"
  std::string region;   // AWS_REGION / AWS_DEFAULT_REGION / profile region; may be empty
  SharedConfig shared;
  RetryPolicy retry;
  HttpOptions http;
  const Clock* clock = &SystemClock::instance();

  // Reads the environment and the shared files.
  static Result<AwsConfig> load(AwsEnvironment env = AwsEnvironment::process());
  Endpoint endpoint(const Service& service, std::string_view region) const;
  // The standard chain for the selected profile (see credentials.h).
  Result<std::shared_ptr<CredentialsProvider>> default_credentials() const;
};

}  // namespace trailwarden::aws
