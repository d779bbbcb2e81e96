#include "aws/credentials.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

#include "aws/client.h"
#include "aws/config.h"
#include "aws/fake_server.h"
#include "aws/providers.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/time.h"
#include "test_util.h"

namespace trailwarden::aws {
namespace {

using testing::FakeRequest;
using testing::FakeResponse;
using testing::FakeServer;
using testing::TempDir;

using Vars = std::map<std::string, std::string>;

AwsEnvironment fake_env(Vars vars, std::string home = "/nonexistent-home-for-tests") {
  AwsEnvironment env;
  env.getenv = [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  env.home = std::move(home);
  return env;
}

Vars no_imds(Vars v) {
  v["AWS_EC2_METADATA_DISABLED"] = "true";
  return v;
}

// Form body "a=b&c=d" (values percent-decoded).
std::map<std::string, std::string> form(const std::string& body) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t amp = body.find('&', pos);
    if (amp == std::string::npos) amp = body.size();
    std::string pair = body.substr(pos, amp - pos);
    size_t eq = pair.find('=');
    auto decode = [](std::string s) {
      std::string o;
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() + 0 && i + 2 <= s.size() - 1 + 1) {
          o += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
          i += 2;
        } else {
          o += s[i];
        }
      }
      return o;
    };
    out[decode(pair.substr(0, eq))] = eq == std::string::npos ? "" : decode(pair.substr(eq + 1));
    pos = amp + 1;
  }
  return out;
}

std::string sts_answer(const std::string& key, const std::string& expiration) {
  return "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
         "<AssumeRoleResult><AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/R/s</Arn>"
         "</AssumedRoleUser><Credentials><AccessKeyId>" +
         key + "</AccessKeyId><SecretAccessKey>secret-of-" + key +
         "</SecretAccessKey><SessionToken>token-of-" + key + "</SessionToken><Expiration>" +
         expiration +
         "</Expiration></Credentials></AssumeRoleResult><ResponseMetadata><RequestId>r"
         "</RequestId></ResponseMetadata></AssumeRoleResponse>";
}

// A fake STS: AssumeRole answers ASIA<n> keys valid until `expiration`.
struct FakeSts {
  std::atomic<int> issued{0};
  std::atomic<bool> fail{false};
  std::string expiration = "2030-01-01T01:00:00Z";
  FakeServer server{[this](const FakeRequest& r) {
    if (fail) return FakeResponse{503, {}, ""};
    auto f = form(r.body);
    if (f["Action"] != "AssumeRole" && f["Action"] != "AssumeRoleWithWebIdentity") {
      return FakeResponse{
          400, {}, "<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>"};
    }
    return FakeResponse{200, {}, sts_answer("ASIA" + std::to_string(++issued), expiration)};
  }};
};

TEST(ParseIni, ProfilesServicesAndComments) {
  std::map<std::string, ProfileSection> services;
  auto r = SharedConfig::parse_ini(
      "# comment\n[default]\nregion = eu-west-1\n; other comment\n"
      "[profile prod]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile=default\n"
      "services = local\n[sso-session x]\nsso_region = us-east-1\n"
      "[services local]\ns3 =\n  endpoint_url = http://127.0.0.1:9000\nsts =\n"
      "  endpoint_url = http://127.0.0.1:5000\n",
      "/home/u/.aws/config", true, &services);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->at("default").at("region"), "eu-west-1");
  EXPECT_EQ(r->at("prod").at("source_profile"), "default");
  EXPECT_EQ(r->count("sso-session x"), 0u);
  EXPECT_EQ(services.at("local").at("s3.endpoint_url"), "http://127.0.0.1:9000");
  EXPECT_EQ(services.at("local").at("sts.endpoint_url"), "http://127.0.0.1:5000");
  auto creds = SharedConfig::parse_ini("[prod]\nAWS_ACCESS_KEY_ID = A\n", "credentials", false);
  ASSERT_TRUE(creds);
  EXPECT_EQ(creds->at("prod").at("aws_access_key_id"), "A");
}

TEST(ParseIni, MalformedFilesNameFileAndLine) {
  auto a = SharedConfig::parse_ini("[default]\nregion = x\nthis is not a setting\n",
                                   "/tmp/x/credentials", false);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("credentials:3:"), std::string::npos) << a.error().message;
  auto b = SharedConfig::parse_ini("region = x\n", "config", true);
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("config:1:"), std::string::npos);
  auto c = SharedConfig::parse_ini("\n\n[profile x\n", "config", true);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("config:3:"), std::string::npos);
  EXPECT_FALSE(SharedConfig::parse_ini("[profile ]\n", "config", true));
  EXPECT_FALSE(SharedConfig::parse_ini("[ ]\n", "credentials", false));
  EXPECT_FALSE(SharedConfig::parse_ini("[default]\n= value\n", "credentials", false));
  auto nul = SharedConfig::parse_ini(std::string("[default]\nx = a\0b\n", 19), "c", false);
  ASSERT_FALSE(nul);
  EXPECT_NE(nul.error().message.find("c:2:"), std::string::npos);
}

TEST(Chain, EnvironmentFirstWithTheLegacyTokenAlias) {
  auto cfg = AwsConfig::load(fake_env(no_imds({{"AWS_ACCESS_KEY_ID", "AKIAENV"},
                                               {"AWS_SECRET_ACCESS_KEY", "envsecret"},
                                               {"AWS_SECURITY_TOKEN", "envtoken"},
                                               {"AWS_REGION", "eu-central-1"}})));
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->region, "eu-central-1");
  auto p = cfg->default_credentials();
  ASSERT_TRUE(p) << p.error().to_string();
  auto c = (*p)->get();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "AKIAENV");
  EXPECT_EQ(c->session_token, "envtoken");
  EXPECT_EQ((*p)->describe(), "environment");
}

TEST(Chain, SharedFilesProfilesAndRegion) {
  TempDir dir;
  std::string creds = dir.write("creds",
                                "[default]\naws_access_key_id = AKIADEF\n"
                                "aws_secret_access_key = defsecret\n"
                                "[dev]\naws_access_key_id = AKIADEV\n"
                                "aws_secret_access_key = devsecret\n"
                                "aws_session_token = devtoken\n");
  std::string config = dir.write("config",
                                 "[profile dev]\nregion = ap-south-1\n"
                                 "[profile inline]\naws_access_key_id = AKIAINL\n"
                                 "aws_secret_access_key = inlsecret\n");
  Vars base{{"AWS_SHARED_CREDENTIALS_FILE", creds}, {"AWS_CONFIG_FILE", config}};
  {
    auto cfg = AwsConfig::load(fake_env(no_imds(base)));
    ASSERT_TRUE(cfg);
    EXPECT_EQ(cfg->profile, "default");
    auto c = (*cfg->default_credentials())->get();
    EXPECT_EQ(c->access_key_id, "AKIADEF");
  }
  {
    Vars v = base;
    v["AWS_PROFILE"] = "dev";
    auto cfg = AwsConfig::load(fake_env(no_imds(v)));
    ASSERT_TRUE(cfg);
    EXPECT_EQ(cfg->region, "ap-south-1");
    auto p = *cfg->default_credentials();
    EXPECT_EQ(p->get()->session_token, "devtoken");
    EXPECT_EQ(p->describe(), "shared credentials file, profile dev");
  }
  {
    Vars v = base;
    v["AWS_DEFAULT_PROFILE"] = "inline";
    auto cfg = AwsConfig::load(fake_env(no_imds(v)));
    ASSERT_TRUE(cfg);
    EXPECT_EQ((*cfg->default_credentials())->get()->access_key_id, "AKIAINL");
  }
  {
    Vars v = base;
    v["AWS_PROFILE"] = "missing";
    auto cfg = AwsConfig::load(fake_env(no_imds(v)));
    ASSERT_FALSE(cfg);
    EXPECT_NE(cfg.error().message.find("missing"), std::string::npos);
  }
  {
    // ~ expands to the injected home.
    dir.write(".aws/credentials",
              "[default]\naws_access_key_id = AKIAHOME\n"
              "aws_secret_access_key = s\n");
    auto cfg = AwsConfig::load(fake_env(no_imds({}), dir.str()));
    ASSERT_TRUE(cfg);
    EXPECT_EQ((*cfg->default_credentials())->get()->access_key_id, "AKIAHOME");
  }
  {
    std::string bad = dir.write("bad", "[default]\naws_access_key_id = A\n  \nnonsense\n");
    Vars v = base;
    v["AWS_SHARED_CREDENTIALS_FILE"] = bad;
    auto cfg = AwsConfig::load(fake_env(no_imds(v)));
    ASSERT_FALSE(cfg);
    EXPECT_NE(cfg.error().message.find("bad:4:"), std::string::npos) << cfg.error().message;
  }
}

TEST(Chain, NothingFoundIsDenied) {
  auto cfg = AwsConfig::load(fake_env(no_imds({})));
  ASSERT_TRUE(cfg);
  auto p = cfg->default_credentials();
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kDenied);
}

TEST(Endpoints, OverrideOrder) {
  TempDir dir;
  std::string config = dir.write("config",
                                 "[default]\nservices = loc\nendpoint_url = http://profile:1/\n"
                                 "[services loc]\nsqs =\n  endpoint_url = http://svcsection:2\n");
  Vars v{{"AWS_CONFIG_FILE", config},
         {"AWS_ENDPOINT_URL_S3", "http://s3env:3/"},
         {"AWS_ENDPOINT_URL", "http://global:4"}};
  auto cfg = AwsConfig::load(fake_env(v));
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->endpoint(kS3, "us-east-1").url, "http://s3env:3");
  EXPECT_TRUE(cfg->endpoint(kS3, "us-east-1").custom);
  EXPECT_EQ(cfg->endpoint(kSqs, "us-east-1").url, "http://global:4");
  v.erase("AWS_ENDPOINT_URL");
  cfg = AwsConfig::load(fake_env(v));
  EXPECT_EQ(cfg->endpoint(kSqs, "us-east-1").url, "http://svcsection:2");
  EXPECT_EQ(cfg->endpoint(kCloudTrail, "us-east-1").url, "http://profile:1");
  v["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  cfg = AwsConfig::load(fake_env(v));
  Endpoint ct = cfg->endpoint(kCloudTrail, "eu-west-1");
  EXPECT_EQ(ct.url, "https://cloudtrail.eu-west-1.amazonaws.com");
  EXPECT_FALSE(ct.custom);
  EXPECT_EQ(cfg->endpoint(kS3, "us-east-1").url, "https://s3.amazonaws.com");
  EXPECT_EQ(cfg->endpoint(kS3, "eu-west-1").url, "https://s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(cfg->endpoint(kSts, "").url, "https://sts.amazonaws.com");
  EXPECT_EQ(cfg->endpoint(kSts, "cn-north-1").url, "https://sts.cn-north-1.amazonaws.com.cn");
}

TEST(Config, RetryAndCaBundleSettings) {
  auto cfg = AwsConfig::load(fake_env({{"AWS_MAX_ATTEMPTS", "7"}, {"AWS_CA_BUNDLE", "/x/ca.pem"}}));
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->retry.max_attempts, 7);
  EXPECT_EQ(cfg->http.ca_bundle, "/x/ca.pem");
  EXPECT_FALSE(AwsConfig::load(fake_env({{"AWS_MAX_ATTEMPTS", "zero"}})));
  EXPECT_FALSE(AwsConfig::load(fake_env({{"AWS_MAX_ATTEMPTS", "0"}})));
}

TEST(Chain, SourceProfileChainWithExternalId) {
  FakeSts sts;
  TempDir dir;
  std::string config = dir.write(
      "config",
      "[profile top]\nrole_arn = arn:aws:iam::111111111111:role/Top\nsource_profile = mid\n"
      "role_session_name = top-session\n"
      "[profile mid]\nrole_arn = arn:aws:iam::222222222222:role/Mid\nsource_profile = base\n"
      "external_id = ext-42\nduration_seconds = 1800\n");
  std::string creds = dir.write("credentials",
                                "[base]\naws_access_key_id = AKIABASE\n"
                                "aws_secret_access_key = basesecret\n");
  auto cfg = AwsConfig::load(fake_env(no_imds({{"AWS_CONFIG_FILE", config},
                                               {"AWS_SHARED_CREDENTIALS_FILE", creds},
                                               {"AWS_PROFILE", "top"},
                                               {"AWS_REGION", "eu-west-1"},
                                               {"AWS_ENDPOINT_URL_STS", sts.server.url()}})));
  ASSERT_TRUE(cfg) << cfg.error().to_string();
  ManualClock clock(*parse_iso8601_micros("2030-01-01T00:00:00Z"));
  cfg->clock = &clock;
  auto p = cfg->default_credentials();
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ((*p)->describe(),
            "assume-role arn:aws:iam::111111111111:role/Top via assume-role "
            "arn:aws:iam::222222222222:role/Mid via shared credentials file, profile base");
  auto c = (*p)->get();
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->access_key_id, "ASIA2");
  EXPECT_EQ(c->session_token, "token-of-ASIA2");
  auto reqs = sts.server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  auto first = form(reqs[0].body), second = form(reqs[1].body);
  EXPECT_EQ(first["RoleArn"], "arn:aws:iam::222222222222:role/Mid");
  EXPECT_EQ(first["ExternalId"], "ext-42");
  EXPECT_EQ(first["DurationSeconds"], "1800");
  EXPECT_EQ(first["Version"], "2011-06-15");
  EXPECT_NE(reqs[0].header("Authorization").find("Credential=AKIABASE/20300101/eu-west-1/sts/"),
            std::string::npos);
  EXPECT_EQ(reqs[0].header("X-Amz-Security-Token"), "");
  EXPECT_EQ(second["RoleArn"], "arn:aws:iam::111111111111:role/Top");
  EXPECT_EQ(second["RoleSessionName"], "top-session");
  EXPECT_EQ(second.count("ExternalId"), 0u);
  EXPECT_NE(reqs[1].header("Authorization").find("Credential=ASIA1/"), std::string::npos);
  EXPECT_EQ(reqs[1].header("X-Amz-Security-Token"), "token-of-ASIA1");
  EXPECT_EQ(reqs[1].header("Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
  // Cached: no new STS call.
  ASSERT_TRUE((*p)->get());
  EXPECT_EQ(sts.server.requests().size(), 2u);
}

TEST(Chain, SourceProfileLoopIsAnErrorWithFileAndLine) {
  TempDir dir;
  std::string config =
      dir.write("config",
                "[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\n"
                "\n[profile b]\nrole_arn = arn:aws:iam::1:role/B\n"
                "source_profile = a\n");
  auto cfg =
      AwsConfig::load(fake_env(no_imds({{"AWS_CONFIG_FILE", config}, {"AWS_PROFILE", "a"}})));
  ASSERT_TRUE(cfg);
  auto p = cfg->default_credentials();
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(p.error().message.find("config:1:"), std::string::npos) << p.error().message;
  EXPECT_NE(p.error().message.find("a -> b -> a"), std::string::npos) << p.error().message;
}

TEST(Chain, ProfileMistakesAreExplained) {
  TempDir dir;
  auto try_config = [&](const std::string& text, Vars extra = {}) {
    std::string config = dir.write("config", text);
    extra["AWS_CONFIG_FILE"] = config;
    extra["AWS_PROFILE"] = "p";
    auto cfg = AwsConfig::load(fake_env(no_imds(extra)));
    EXPECT_TRUE(cfg);
    auto r = cfg->default_credentials();
    return r ? std::string("ok") : r.error().message;
  };
  EXPECT_NE(try_config("[profile p]\nrole_arn = arn:x\n").find("neither source_profile"),
            std::string::npos);
  EXPECT_NE(try_config("[profile p]\nrole_arn = arn:x\nsource_profile = nope\n")
                .find("'nope' does not exist"),
            std::string::npos);
  EXPECT_NE(try_config("[profile p]\nrole_arn = arn:x\ncredential_source = Magic\n")
                .find("unsupported credential_source"),
            std::string::npos);
  EXPECT_NE(try_config("[profile p]\nrole_arn = arn:x\ncredential_source = Environment\n")
                .find("AWS_ACCESS_KEY_ID"),
            std::string::npos);
  EXPECT_NE(try_config("[profile p]\naws_access_key_id = A\n").find("only one of"),
            std::string::npos);
  EXPECT_NE(try_config("[profile p]\nrole_arn = arn:x\nsource_profile = p\n"
                       "duration_seconds = 5\naws_access_key_id = A\naws_secret_access_key = B\n")
                .find("duration_seconds"),
            std::string::npos);
  // A profile that is its own source uses its own keys.
  EXPECT_EQ(try_config("[profile p]\nrole_arn = arn:x\nsource_profile = p\n"
                       "aws_access_key_id = A\naws_secret_access_key = B\n"),
            "ok");
}

TEST(Chain, CredentialSourceInstanceMetadata) {
  FakeSts sts;
  FakeServer imds([&](const FakeRequest& r) {
    if (r.method == "PUT") return FakeResponse{200, {}, "T"};
    if (r.target.ends_with("/security-credentials/")) return FakeResponse{200, {}, "role"};
    return FakeResponse{200,
                        {},
                        R"({"AccessKeyId":"ASIAINST","SecretAccessKey":"instsecret",)"
                        R"("Token":"insttoken","Expiration":"2030-01-01T06:00:00Z"})"};
  });
  TempDir dir;
  std::string config = dir.write("config",
                                 "[profile p]\nrole_arn = arn:aws:iam::1:role/R\n"
                                 "credential_source = Ec2InstanceMetadata\nexternal_id = e1\n");
  auto cfg = AwsConfig::load(fake_env({{"AWS_CONFIG_FILE", config},
                                       {"AWS_PROFILE", "p"},
                                       {"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()},
                                       {"AWS_ENDPOINT_URL_STS", sts.server.url()}}));
  ASSERT_TRUE(cfg);
  auto p = cfg->default_credentials();
  ASSERT_TRUE(p) << p.error().to_string();
  auto c = (*p)->get();
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->access_key_id, "ASIA1");
  auto req = sts.server.requests().at(0);
  EXPECT_NE(req.header("Authorization").find("Credential=ASIAINST/"), std::string::npos);
  EXPECT_EQ(req.header("X-Amz-Security-Token"), "insttoken");
  EXPECT_EQ(form(req.body)["ExternalId"], "e1");
  // credential_source = Environment without the variables is explained.
  std::string env_config = dir.write("config2",
                                     "[profile p]\nrole_arn = arn:aws:iam::1:role/R\n"
                                     "credential_source = Environment\n");
  auto cfg2 =
      AwsConfig::load(fake_env(no_imds({{"AWS_CONFIG_FILE", env_config}, {"AWS_PROFILE", "p"}})));
  auto p2 = cfg2->default_credentials();
  ASSERT_FALSE(p2);
  EXPECT_NE(p2.error().message.find("config2:1: credential_source Environment"), std::string::npos)
      << p2.error().message;
}

TEST(RefreshingProvider, AdvisoryAndMandatoryRefresh) {
  ManualClock clock(0);
  std::atomic<int> fetches{0};
  std::atomic<bool> fail{false};
  int64_t hour = 3600LL * 1'000'000;
  RefreshingProvider p(
      [&]() -> Result<Credentials> {
        ++fetches;
        if (fail) return make_error(ErrorCode::kUnavailable, "sts down");
        return Credentials{"ASIA" + std::to_string(fetches.load()), "s", "t",
                           clock.now_micros() + hour};
      },
      "test", clock);
  log::Level saved = log::level();
  log::set_level(log::Level::kOff);
  EXPECT_EQ(p.get()->access_key_id, "ASIA1");
  clock.advance(44 * 60 * 1'000'000LL);  // 16 min left
  EXPECT_EQ(p.get()->access_key_id, "ASIA1");
  EXPECT_EQ(fetches.load(), 1);
  clock.advance(2 * 60 * 1'000'000LL);  // 14 min left: advisory refresh
  EXPECT_EQ(p.get()->access_key_id, "ASIA2");
  EXPECT_EQ(fetches.load(), 2);
  // 14 min left and STS down: keep the current credentials; retry at most once a minute.
  clock.advance(46 * 60 * 1'000'000LL);
  fail = true;
  EXPECT_EQ(p.get()->access_key_id, "ASIA2");
  EXPECT_EQ(p.get()->access_key_id, "ASIA2");
  EXPECT_EQ(fetches.load(), 3);
  clock.advance(61 * 1'000'000LL);
  EXPECT_EQ(p.get()->access_key_id, "ASIA2");
  EXPECT_EQ(fetches.load(), 4);
  // 9 min left: a refresh is mandatory and its failure is an error.
  clock.advance(4 * 60 * 1'000'000LL);
  auto r = p.get();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("sts down"), std::string::npos);
  fail = false;
  EXPECT_EQ(p.get()->access_key_id, "ASIA6");
  log::set_level(saved);
}

TEST(AssumeRole, RefreshesBeforeExpiryOnAManualClock) {
  FakeSts sts;
  auto cfg = AwsConfig::load(fake_env(no_imds({{"AWS_ENDPOINT_URL_STS", sts.server.url()}})));
  ASSERT_TRUE(cfg);
  ManualClock clock(*parse_iso8601_micros("2030-01-01T00:00:00Z"));
  cfg->clock = &clock;
  auto shared = std::make_shared<const AwsConfig>(*cfg);
  auto p = assume_role(shared, static_credentials({"AKIASRC", "srcsecret", "", 0}, "keys"),
                       {"arn:aws:iam::1:role/R", "ext", "", 3600, ""});
  auto a = p->get();
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_EQ(a->access_key_id, "ASIA1");
  auto f = form(sts.server.requests()[0].body);
  EXPECT_EQ(f["RoleSessionName"], "trailwarden-" + std::to_string(clock.now_micros() / 1'000'000));
  EXPECT_NE(sts.server.requests()[0].header("Authorization").find("/us-east-1/sts/"),
            std::string::npos);
  clock.advance(40 * 60 * 1'000'000LL);
  EXPECT_EQ(p->get()->access_key_id, "ASIA1");
  sts.expiration = "2030-01-01T02:00:00Z";
  clock.advance(6 * 60 * 1'000'000LL);  // 14 min before expiry
  EXPECT_EQ(p->get()->access_key_id, "ASIA2");
  EXPECT_EQ(sts.server.requests().size(), 2u);
  // Nothing secret in what people see.
  EXPECT_EQ(p->describe().find("srcsecret"), std::string::npos);
  sts.fail = true;
  clock.set(*parse_iso8601_micros("2030-01-01T01:55:00Z"));
  auto err = p->get();
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().code, ErrorCode::kUnavailable);
  for (const char* secret : {"srcsecret", "secret-of-ASIA2", "token-of-ASIA2"}) {
    EXPECT_EQ(err.error().to_string().find(secret), std::string::npos);
  }
}

TEST(InstanceMetadata, V2TokenRoleAndCredentials) {
  std::atomic<bool> v1_only{false};
  FakeServer imds([&](const FakeRequest& r) {
    if (r.method == "PUT" && r.target == "/latest/api/token") {
      if (v1_only) return FakeResponse{405, {}, ""};
      if (r.header("X-aws-ec2-metadata-token-ttl-seconds") != "21600") {
        return FakeResponse{400, {}, ""};
      }
      return FakeResponse{200, {}, "TOKEN123"};
    }
    if (!v1_only && r.header("X-aws-ec2-metadata-token") != "TOKEN123") {
      return FakeResponse{401, {}, ""};
    }
    if (r.target == "/latest/meta-data/iam/security-credentials/") {
      return FakeResponse{200, {}, "my-role\n"};
    }
    if (r.target == "/latest/meta-data/iam/security-credentials/my-role") {
      return FakeResponse{200,
                          {},
                          R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAIMDS",)"
                          R"("SecretAccessKey":"imdssecret","Token":"imdstoken",)"
                          R"("Expiration":"2030-01-01T06:00:00Z"})"};
    }
    return FakeResponse{404, {}, ""};
  });
  auto cfg = AwsConfig::load(fake_env({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url() + "/"}}));
  ASSERT_TRUE(cfg);
  auto p = cfg->default_credentials();
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ((*p)->describe(), "instance metadata " + imds.url());
  auto c = (*p)->get();
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->access_key_id, "ASIAIMDS");
  EXPECT_EQ(c->session_token, "imdstoken");
  EXPECT_EQ(c->expiration_us, *parse_iso8601_micros("2030-01-01T06:00:00Z"));
  EXPECT_EQ(imds.requests().size(), 3u);

  v1_only = true;
  auto p1 = instance_metadata_credentials(*cfg);
  auto c1 = p1->get();
  ASSERT_TRUE(c1) << c1.error().to_string();
  EXPECT_EQ(c1->access_key_id, "ASIAIMDS");
  auto strict = AwsConfig::load(fake_env({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()},
                                          {"AWS_EC2_METADATA_V1_DISABLED", "true"}}));
  EXPECT_FALSE(instance_metadata_credentials(*strict)->get());
}

TEST(InstanceMetadata, UnreachableFailsFast) {
  int port;
  {
    FakeServer gone([](const FakeRequest&) { return FakeResponse{}; });
    port = gone.port();
  }
  auto cfg = AwsConfig::load(fake_env(
      {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:" + std::to_string(port)}}));
  // As the chain's last resort, unreachable metadata means there are no credentials at all.
  auto chain = cfg->default_credentials();
  ASSERT_TRUE(chain);
  auto none = (*chain)->get();
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kDenied);
  EXPECT_NE(none.error().message.find("no AWS credentials found"), std::string::npos);
  auto p = instance_metadata_credentials(*cfg);
  const Clock& clock = SystemClock::instance();
  int64_t start = clock.monotonic_nanos();
  auto c = p->get();
  EXPECT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kUnavailable);
  EXPECT_LT((clock.monotonic_nanos() - start) / 1'000'000, 3000);
}

TEST(ContainerCredentials, FullUriWithTokenFile) {
  FakeServer agent([&](const FakeRequest& r) {
    if (r.header("Authorization") != "Bearer pod-token") return FakeResponse{401, {}, ""};
    return FakeResponse{200,
                        {},
                        R"({"AccessKeyId":"ASIACTR","SecretAccessKey":"ctrsecret",)"
                        R"("Token":"ctrtoken","Expiration":"2030-01-01T06:00:00Z"})"};
  });
  TempDir dir;
  std::string token_file = dir.write("token", "Bearer pod-token\n");
  auto cfg = AwsConfig::load(
      fake_env(no_imds({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", agent.url() + "/v1/credentials"},
                        {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file},
                        {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored"}})));
  ASSERT_TRUE(cfg);
  auto p = cfg->default_credentials();
  ASSERT_TRUE(p) << p.error().to_string();
  auto c = (*p)->get();
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->access_key_id, "ASIACTR");
  EXPECT_EQ(agent.requests().at(0).target, "/v1/credentials");
  EXPECT_EQ((*p)->describe().find("pod-token"), std::string::npos);

  auto remote = AwsConfig::load(
      fake_env(no_imds({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://attacker.example/creds"}})));
  auto r = remote->default_credentials();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST(WebIdentity, UnsignedAssumeRoleWithWebIdentity) {
  FakeSts sts;
  TempDir dir;
  std::string token_file = dir.write("token", "eyJraWQiOi.jwt.sig\n");
  auto cfg = AwsConfig::load(fake_env(no_imds({{"AWS_WEB_IDENTITY_TOKEN_FILE", token_file},
                                               {"AWS_ROLE_ARN", "arn:aws:iam::1:role/Irsa"},
                                               {"AWS_ROLE_SESSION_NAME", "pod"},
                                               {"AWS_ENDPOINT_URL_STS", sts.server.url()}})));
  ASSERT_TRUE(cfg);
  ManualClock clock(*parse_iso8601_micros("2030-01-01T00:00:00Z"));
  cfg->clock = &clock;
  auto p = cfg->default_credentials();
  ASSERT_TRUE(p) << p.error().to_string();
  auto c = (*p)->get();
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->access_key_id, "ASIA1");
  auto req = sts.server.requests().at(0);
  EXPECT_EQ(req.header("Authorization"), "");
  auto f = form(req.body);
  EXPECT_EQ(f["Action"], "AssumeRoleWithWebIdentity");
  EXPECT_EQ(f["WebIdentityToken"], "eyJraWQiOi.jwt.sig");
  EXPECT_EQ(f["RoleSessionName"], "pod");
}

}  // namespace
}  // namespace trailwarden::aws

namespace trailwarden::aws {
namespace {

TEST(Chain, CredentialProcess) {
  TempDir dir;
  std::string script = dir.write("creds.sh",
                                 "#!/bin/sh\n"
                                 "echo '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC\", "
                                 "\"SecretAccessKey\": \"procsecret\", \"SessionToken\": "
                                 "\"proctoken\", \"Expiration\": \"2030-01-01T00:00:00Z\"}'\n");
  std::string failing = dir.write("fail.sh", "#!/bin/sh\necho oops >&2\nexit 3\n");
  std::string config =
      dir.write("config", "[profile proc]\ncredential_process = sh " + script +
                              "\n[profile bad]\ncredential_process = sh " + failing + "\n");
  auto cfg =
      AwsConfig::load(fake_env(no_imds({{"AWS_CONFIG_FILE", config}, {"AWS_PROFILE", "proc"}})));
  ASSERT_TRUE(cfg);
  auto p = cfg->default_credentials();
  ASSERT_TRUE(p) << p.error().to_string();
  auto c = (*p)->get();
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->access_key_id, "ASIAPROC");
  EXPECT_EQ(c->session_token, "proctoken");
  EXPECT_EQ(c->expiration_us, *parse_iso8601_micros("2030-01-01T00:00:00Z"));
  auto bad_cfg =
      AwsConfig::load(fake_env(no_imds({{"AWS_CONFIG_FILE", config}, {"AWS_PROFILE", "bad"}})));
  ::testing::internal::CaptureStderr();
  auto bad = (*bad_cfg->default_credentials())->get();
  ::testing::internal::GetCapturedStderr();
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kDenied);
  EXPECT_NE(bad.error().message.find("exit status 3"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace trailwarden::aws
