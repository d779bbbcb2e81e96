// The credential providers behind AwsConfig::default_credentials(), exposed for tests and
// for callers that want one source explicitly.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "aws/credentials.h"
#include "core/clock.h"
#include "core/result.h"

namespace trailwarden::aws {

struct AwsConfig;

// Caches what `fetch` returns. Refreshes when less than 15 min of validity is left
// (advisory: if that refresh fails and more than 10 min are left, the cached credentials are
// kept, and the next attempt waits a minute); with 10 min or less the refresh must succeed.
class RefreshingProvider : public CredentialsProvider {
 public:
  using Fetch = std::function<Result<Credentials>()>;
  static constexpr int64_t kAdvisoryMicros = 15 * 60 * 1'000'000LL;
  static constexpr int64_t kMandatoryMicros = 10 * 60 * 1'000'000LL;
  static constexpr int64_t kRetryAfterFailureMicros = 60 * 1'000'000LL;

  RefreshingProvider(Fetch fetch, std::string description, const Clock& clock);
  Result<Credentials> get() override;
  std::string describe() const override { return description_; }
  void invalidate() override;
  uint64_t fetches() const;

 private:
  Fetch fetch_;
  std::string description_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::optional<Credentials> cached_;
  int64_t last_failure_us_ = 0;
  uint64_t fetches_ = 0;
};

// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (AWS_SECURITY_TOKEN) /
// AWS_CREDENTIAL_EXPIRATION. nullopt when the key id or the secret is missing.
std::optional<Credentials> environment_credentials(const AwsEnvironment& env);

// ECS / EKS Pod Identity endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI);
// nullptr when neither variable is set. A FULL_URI over plain http must point at a loopback
// or container-agent address.
Result<std::shared_ptr<CredentialsProvider>> container_credentials(const AwsConfig& config);

// EC2 instance metadata, IMDSv2 (token first; v1 fallback unless AWS_EC2_METADATA_V1_DISABLED).
// nullptr when AWS_EC2_METADATA_DISABLED is true.
std::shared_ptr<CredentialsProvider> instance_metadata_credentials(const AwsConfig& config);

// credential_process: runs `command` (through /bin/sh, as written in the profile) and reads
// {"Version":1,"AccessKeyId","SecretAccessKey","SessionToken","Expiration"} from its stdout.
std::shared_ptr<CredentialsProvider> process_credentials(std::string command, const Clock& clock);

// STS AssumeRoleWithWebIdentity, unsigned, with the token read from `token_file` on every
// refresh.
std::shared_ptr<CredentialsProvider> web_identity_credentials(
    std::shared_ptr<const AwsConfig> config, std::string role_arn, std::string token_file,
    std::string session_name);

}  // namespace trailwarden::aws
