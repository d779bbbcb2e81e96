// Credentials and where they come from: the standard AWS chain (environment, shared config and
// credentials files with profiles, assume-role profiles, web identity, container, IMDSv2) and
// STS AssumeRole with ExternalId. Secrets never leave this module in text meant for people:
// describe() and errors name the source, never a key.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace trailwarden::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  int64_t expiration_us = 0;  // 0: does not expire
  bool temporary() const { return !session_token.empty(); }
};

// Everything the chain reads from outside, injectable so tests never touch the real ~/.aws.
struct AwsEnvironment {
  std::function<std::optional<std::string>(std::string_view)> getenv;  // default: ::getenv
  std::string home;                                                    // for ~/.aws; default: $HOME
  static AwsEnvironment process();
  std::optional<std::string> get(std::string_view name) const;  // unset or empty -> nullopt
};

// One section of an INI-style AWS config or credentials file. Keys are lower case; a nested
// setting ("s3 =\n  endpoint_url = ...") is stored as "s3.endpoint_url". The key " where"
// (leading space: never a real key) holds "file:line" of the section header, for messages.
using ProfileSection = std::map<std::string, std::string>;

struct SharedConfig {
  // Profiles by name without the "profile " prefix ("default" stays "default").
  std::map<std::string, ProfileSection> config;       // ~/.aws/config
  std::map<std::string, ProfileSection> credentials;  // ~/.aws/credentials
  std::map<std::string, ProfileSection> services;     // [services NAME] sections of config
  // Parses one file's text. Errors name the file and line ("config:12: ...").
  static Result<std::map<std::string, ProfileSection>> parse_ini(
      std::string_view text, std::string_view file_name, bool config_file,
      std::map<std::string, ProfileSection>* services = nullptr);
  // Reads AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE or their ~/.aws defaults; missing files
  // are empty, unreadable or malformed ones are errors.
  static Result<SharedConfig> load(const AwsEnvironment& env);
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Thread-safe. Cached; refreshed ahead of expiry (advisory 15 min, mandatory 10 min).
  virtual Result<Credentials> get() = 0;
  // "environment", "profile prod", "assume-role arn:aws:iam::1:role/R via profile default" ...
  virtual std::string describe() const = 0;
  // The service said the credentials are expired or invalid (ExpiredToken): forget cached
  // ones so the next get() fetches again. No-op for fixed credentials.
  virtual void invalidate() {}
};

// Fixed credentials (tests, config files that give keys inline).
std::shared_ptr<CredentialsProvider> static_credentials(Credentials c, std::string description);

}  // namespace trailwarden::aws
