// A signed AWS call with retries: SigV4 on every attempt (fresh X-Amz-Date), exponential
// backoff with full jitter on throttling, transient codes, 5xx and transport errors, and the
// service's error body parsed into an AwsError. Optional rate limiter taken before every
// attempt, so retries count against the API's budget too.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "aws/config.h"
#include "aws/credentials.h"
#include "aws/http.h"
#include "aws/rate_limiter.h"

namespace trailwarden::aws {

struct AwsRequest {
  const Service* service = nullptr;
  std::string region;  // signing region
  std::string method = "POST";
  std::string path = "/";  // already encoded once (S3 keys: UriEncode with '/' kept)
  // Prepended to the endpoint's host when set: S3 virtual-hosted addressing ("bucket.").
  std::string host_prefix;
  std::vector<std::pair<std::string, std::string>> query;  // raw; the client encodes
  Headers headers;  // content-type, x-amz-target, range ...; host/x-amz-* added by the client
  std::string body;
  RateLimiter* limiter = nullptr;  // taken once per attempt when set
  std::string context;             // what is being fetched, for error messages ("s3://b/k")
};

struct AwsError {
  long http_status = 0;  // 0: transport failure
  std::string code;      // "ThrottlingException", "NoSuchKey", "Unavailable" ...
  std::string message;   // the service's message (attacker text is escaped when shown)
  std::string request_id;
  bool throttling = false;
  bool retryable = false;
  int attempts = 0;
  // "ThrottlingException: Rate exceeded (HTTP 400, request 1a2b..., after 3 attempts)"
  std::string to_string() const;
  Error to_error(std::string context) const;  // kUnavailable / kDenied / kInvalidArgument ...
};

struct CallStats {
  uint64_t attempts = 0;
  uint64_t throttled = 0;  // attempts answered with a throttling error
  uint64_t retried = 0;
};

class AwsClient {
 public:
  AwsClient(std::shared_ptr<const AwsConfig> config,
            std::shared_ptr<CredentialsProvider> credentials);
  // Thread-safe: each thread gets its own HttpClient.
  std::expected<HttpResponse, AwsError> call(const AwsRequest& request, CallStats* stats = nullptr);
  const AwsConfig& config() const { return *config_; }
  std::shared_ptr<CredentialsProvider> credentials() const { return credentials_; }

 private:
  struct State;  // connection pool and signing-key cache
  std::shared_ptr<const AwsConfig> config_;
  std::shared_ptr<CredentialsProvider> credentials_;
  std::shared_ptr<State> state_;
};

// A query-protocol (awsQuery) call: POST / with the form-encoded `params`, Action and Version
// first (STS, EC2).
AwsRequest query_request(const Service& service, std::string region,
                         const std::vector<std::pair<std::string, std::string>>& params,
                         std::string context);

// STS AssumeRole as a credentials provider: calls AssumeRole with `source`'s credentials,
// caches the result, refreshes 15 min before expiry. The session name defaults to
// "trailwarden-<unix time>".
struct AssumeRoleParams {
  std::string role_arn;
  std::string external_id;  // empty: not sent
  std::string session_name;
  int duration_seconds = 3600;
  std::string region;  // STS endpoint region; empty: us-east-1
};
std::shared_ptr<CredentialsProvider> assume_role(std::shared_ptr<const AwsConfig> config,
                                                 std::shared_ptr<CredentialsProvider> source,
                                                 AssumeRoleParams params);

}  // namespace trailwarden::aws
