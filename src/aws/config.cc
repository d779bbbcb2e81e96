#include "aws/config.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <set>
#include <vector>

#include "aws/client.h"
#include "aws/providers.h"
#include "core/text.h"

namespace trailwarden::aws {

const Service kCloudTrail{"CLOUDTRAIL", "cloudtrail", "cloudtrail"};
const Service kSts{"STS", "sts", "sts"};
const Service kS3{"S3", "s3", "s3"};
const Service kSqs{"SQS", "sqs", "sqs"};
const Service kGuardDuty{"GUARDDUTY", "guardduty", "guardduty"};

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool truthy(const std::optional<std::string>& v) { return v && lower(*v) == "true"; }

const ProfileSection* find(const std::map<std::string, ProfileSection>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? nullptr : &it->second;
}

std::optional<std::string> setting(const ProfileSection* s, const std::string& key) {
  if (s == nullptr) return std::nullopt;
  auto it = s->find(key);
  if (it == s->end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::string where(const ProfileSection* s) {
  auto w = setting(s, " where");
  return w ? *w : std::string("config");
}

std::string strip_slash(std::string url) {
  while (url.ends_with("/")) url.pop_back();
  return url;
}

}  // namespace

Result<AwsConfig> AwsConfig::load(AwsEnvironment env) {
  AwsConfig c;
  c.env = std::move(env);
  if (auto p = c.env.get("AWS_PROFILE")) {
    c.profile = *p;
  } else if (auto dp = c.env.get("AWS_DEFAULT_PROFILE")) {
    c.profile = *dp;
  } else {
    c.profile = "default";
  }
  auto shared = SharedConfig::load(c.env);
  if (!shared) return std::unexpected(shared.error());
  c.shared = std::move(*shared);
  bool named = c.env.get("AWS_PROFILE") || c.env.get("AWS_DEFAULT_PROFILE");
  const ProfileSection* prof = find(c.shared.config, c.profile);
  if (named && prof == nullptr && find(c.shared.credentials, c.profile) == nullptr) {
    return make_error(ErrorCode::kInvalidArgument,
                      "AWS profile '" + escape_control(c.profile) +
                          "' is in neither the config nor the credentials file");
  }
  if (auto r = c.env.get("AWS_REGION")) {
    c.region = *r;
  } else if (auto dr = c.env.get("AWS_DEFAULT_REGION")) {
    c.region = *dr;
  } else if (auto pr = setting(prof, "region")) {
    c.region = *pr;
  }
  auto attempts = c.env.get("AWS_MAX_ATTEMPTS");
  if (!attempts) attempts = setting(prof, "max_attempts");
  if (attempts) {
    char* end = nullptr;
    long n = std::strtol(attempts->c_str(), &end, 10);
    if (end == attempts->c_str() || *end != '\0' || n < 1 || n > 50) {
      return make_error(ErrorCode::kInvalidArgument,
                        "AWS_MAX_ATTEMPTS / max_attempts must be an integer from 1 to 50",
                        escape_control(*attempts));
    }
    c.retry.max_attempts = static_cast<int>(n);
  }
  if (auto ca = c.env.get("AWS_CA_BUNDLE")) {
    c.http.ca_bundle = *ca;
  } else if (auto pca = setting(prof, "ca_bundle")) {
    c.http.ca_bundle = *pca;
  }
  return c;
}

Endpoint AwsConfig::endpoint(const Service& service, std::string_view region) const {
  const ProfileSection* prof = find(shared.config, profile);
  bool ignore = truthy(env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) ||
                truthy(setting(prof, "ignore_configured_endpoint_urls"));
  if (!ignore) {
    if (auto v = env.get("AWS_ENDPOINT_URL_" + std::string(service.id))) {
      return {strip_slash(*v), true};
    }
    if (auto v = env.get("AWS_ENDPOINT_URL")) return {strip_slash(*v), true};
    if (auto section = setting(prof, "services")) {
      const ProfileSection* svc = find(shared.services, *section);
      if (auto v = setting(svc, lower(service.id) + ".endpoint_url")) {
        return {strip_slash(*v), true};
      }
    }
    if (auto v = setting(prof, "endpoint_url")) return {strip_slash(*v), true};
  }
  std::string r(region);
  std::string suffix = r.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  if (service.id == kSts.id && r.empty()) return {"https://sts.amazonaws.com", false};
  if (service.id == kS3.id && (r.empty() || r == "us-east-1")) {
    return {"https://s3.amazonaws.com", false};
  }
  if (r.empty()) r = "us-east-1";
  return {"https://" + std::string(service.host_prefix) + "." + r + "." + suffix, false};
}

namespace {

struct ChainBuilder {
  const AwsConfig& config;
  std::shared_ptr<const AwsConfig> shared_config;

  Result<std::shared_ptr<CredentialsProvider>> static_from_profile(const std::string& name) {
    for (bool creds_file : {true, false}) {
      const ProfileSection* s =
          find(creds_file ? config.shared.credentials : config.shared.config, name);
      auto key = setting(s, "aws_access_key_id");
      auto secret = setting(s, "aws_secret_access_key");
      if (key && secret) {
        Credentials c{*key, *secret, setting(s, "aws_session_token").value_or(""), 0};
        return static_credentials(
            c, std::string(creds_file ? "shared credentials file" : "config file") + ", profile " +
                   escape_control(name));
      }
      if (key || secret) {
        return make_error(ErrorCode::kInvalidArgument,
                          where(s) + ": profile '" + escape_control(name) +
                              "' has only one of aws_access_key_id and aws_secret_access_key");
      }
      if (creds_file) {
        // botocore's order: credentials file, then credential_process, then config keys.
        for (const auto* files : {&config.shared.credentials, &config.shared.config}) {
          if (auto cmd = setting(find(*files, name), "credential_process")) {
            return process_credentials(*cmd, *config.clock);
          }
        }
      }
    }
    return std::shared_ptr<CredentialsProvider>();
  }

  Result<std::shared_ptr<CredentialsProvider>> credential_source(const std::string& source,
                                                                 const ProfileSection* s) {
    if (source == "Environment") {
      auto c = environment_credentials(config.env);
      if (!c) {
        return make_error(ErrorCode::kDenied,
                          where(s) +
                              ": credential_source Environment but AWS_ACCESS_KEY_ID / "
                              "AWS_SECRET_ACCESS_KEY are not set");
      }
      return static_credentials(*c, "environment");
    }
    if (source == "Ec2InstanceMetadata") {
      auto p = instance_metadata_credentials(config);
      if (!p) {
        return make_error(ErrorCode::kDenied, where(s) +
                                                  ": credential_source Ec2InstanceMetadata but "
                                                  "AWS_EC2_METADATA_DISABLED is set");
      }
      return p;
    }
    if (source == "EcsContainer") {
      auto p = container_credentials(config);
      if (!p) return std::unexpected(p.error());
      if (!*p) {
        return make_error(ErrorCode::kDenied, where(s) +
                                                  ": credential_source EcsContainer but no "
                                                  "AWS_CONTAINER_CREDENTIALS_* variable is set");
      }
      return *p;
    }
    return make_error(ErrorCode::kInvalidArgument,
                      where(s) + ": unsupported credential_source '" + escape_control(source) +
                          "' (Environment, Ec2InstanceMetadata or EcsContainer)");
  }

  // Profile `name` as a source of credentials: assume-role, web identity or static keys.
  Result<std::shared_ptr<CredentialsProvider>> profile(const std::string& name,
                                                       std::vector<std::string>& path) {
    const ProfileSection* s = find(config.shared.config, name);
    auto role_arn = setting(s, "role_arn");
    if (role_arn) {
      if (std::find(path.begin(), path.end(), name) != path.end()) {
        std::string chain;
        for (const auto& p : path) chain += escape_control(p) + " -> ";
        chain += escape_control(name);
        return make_error(ErrorCode::kInvalidArgument,
                          where(s) + ": source_profile loop: " + chain);
      }
      path.push_back(name);
      auto source_profile = setting(s, "source_profile");
      auto source_kind = setting(s, "credential_source");
      if (source_profile && source_kind) {
        return make_error(ErrorCode::kInvalidArgument,
                          where(s) + ": profile '" + escape_control(name) +
                              "' sets both source_profile and credential_source");
      }
      std::shared_ptr<CredentialsProvider> source;
      std::string via;
      if (source_profile) {
        if (*source_profile == name) {
          // A profile may name itself: its own static keys are the source.
          auto st = static_from_profile(name);
          if (!st) return st;
          if (!*st) {
            return make_error(ErrorCode::kInvalidArgument,
                              where(s) + ": profile '" + escape_control(name) +
                                  "' is its own source_profile but has no keys");
          }
          source = *st;
        } else {
          if (find(config.shared.config, *source_profile) == nullptr &&
              find(config.shared.credentials, *source_profile) == nullptr) {
            return make_error(ErrorCode::kInvalidArgument, where(s) + ": source_profile '" +
                                                               escape_control(*source_profile) +
                                                               "' does not exist");
          }
          auto src = profile(*source_profile, path);
          if (!src) return src;
          if (!*src) {
            return make_error(ErrorCode::kInvalidArgument, where(s) + ": source_profile '" +
                                                               escape_control(*source_profile) +
                                                               "' has no credentials");
          }
          source = *src;
        }
        via = "profile " + escape_control(*source_profile);
      } else if (source_kind) {
        auto src = credential_source(*source_kind, s);
        if (!src) return src;
        source = *src;
        via = escape_control(*source_kind);
      } else if (auto token_file = setting(s, "web_identity_token_file")) {
        path.pop_back();
        return web_identity_credentials(shared_config, *role_arn, *token_file,
                                        setting(s, "role_session_name").value_or(""));
      } else {
        return make_error(ErrorCode::kInvalidArgument,
                          where(s) + ": profile '" + escape_control(name) +
                              "' has role_arn but neither source_profile nor credential_source");
      }
      AssumeRoleParams params;
      params.role_arn = *role_arn;
      params.external_id = setting(s, "external_id").value_or("");
      params.session_name = setting(s, "role_session_name").value_or("");
      if (auto d = setting(s, "duration_seconds")) {
        char* end = nullptr;
        long v = std::strtol(d->c_str(), &end, 10);
        if (end == d->c_str() || *end != '\0' || v < 900 || v > 43200) {
          return make_error(ErrorCode::kInvalidArgument,
                            where(s) + ": duration_seconds must be an integer from 900 to 43200");
        }
        params.duration_seconds = static_cast<int>(v);
      }
      params.region = config.region;
      path.pop_back();
      (void)via;
      return assume_role(shared_config, source, std::move(params));
    }
    if (auto token_file = setting(s, "web_identity_token_file")) {
      return make_error(ErrorCode::kInvalidArgument,
                        where(s) + ": web_identity_token_file without role_arn");
    }
    return static_from_profile(name);
  }
};

// Instance metadata as the last link of the chain: until it has answered once, failing to
// reach it means "no credentials anywhere" (kDenied), as botocore's NoCredentialsError; after
// that, an outage is kUnavailable.
class LastResortProvider final : public CredentialsProvider {
 public:
  LastResortProvider(std::shared_ptr<CredentialsProvider> inner, std::string profile)
      : inner_(std::move(inner)), profile_(std::move(profile)) {}
  Result<Credentials> get() override {
    auto r = inner_->get();
    if (r) {
      answered_ = true;
      return r;
    }
    if (answered_) return r;
    return make_error(
        ErrorCode::kDenied,
        "no AWS credentials found: not in the environment, profile '" + escape_control(profile_) +
            "' or container variables, and instance metadata failed (" + r.error().message + ")");
  }
  std::string describe() const override { return inner_->describe(); }
  void invalidate() override { inner_->invalidate(); }

 private:
  std::shared_ptr<CredentialsProvider> inner_;
  std::string profile_;
  std::atomic<bool> answered_{false};
};

}  // namespace

Result<std::shared_ptr<CredentialsProvider>> AwsConfig::default_credentials() const {
  auto self = std::make_shared<const AwsConfig>(*this);
  ChainBuilder chain{*self, self};
  // 1. Environment.
  if (auto c = environment_credentials(env)) return static_credentials(*c, "environment");
  // 2. Assume-role profile (and 3. web identity from a profile).
  const ProfileSection* prof = find(shared.config, profile);
  if (setting(prof, "role_arn")) {
    std::vector<std::string> path;
    return chain.profile(profile, path);
  }
  // 3. Web identity from the environment.
  if (auto token_file = env.get("AWS_WEB_IDENTITY_TOKEN_FILE")) {
    auto role = env.get("AWS_ROLE_ARN");
    if (!role) {
      return make_error(ErrorCode::kInvalidArgument,
                        "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
    }
    return web_identity_credentials(self, *role, *token_file,
                                    env.get("AWS_ROLE_SESSION_NAME").value_or(""));
  }
  // 4. Shared credentials file, then keys in the config file.
  {
    std::vector<std::string> path;
    auto st = chain.profile(profile, path);
    if (!st) return st;
    if (*st) return st;
  }
  // 5. Container.
  auto container = container_credentials(*self);
  if (!container) return container;
  if (*container) return container;
  // 6. Instance metadata.
  if (auto imds = instance_metadata_credentials(*self)) {
    return std::shared_ptr<CredentialsProvider>(
        std::make_shared<LastResortProvider>(std::move(imds), profile));
  }
  return make_error(ErrorCode::kDenied,
                    "no AWS credentials found (environment, profile '" + escape_control(profile) +
                        "', container and instance metadata were tried; instance metadata is "
                        "disabled)");
}

}  // namespace trailwarden::aws
