// STS AssumeRole with ExternalId against a real moto_server, refresh driven by a manual
// clock. Skipped when moto_server is not installed.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "aws/client.h"
#include "aws/config.h"
#include "aws/subprocess.h"
#include "core/clock.h"
#include "core/log.h"

namespace trailwarden::aws {
namespace {

using testing::free_port;
using testing::on_path;

class MotoServer {
 public:
  bool start() {
    port_ = free_port();
    if (!process_.start({"moto_server", "-H", "127.0.0.1", "-p", std::to_string(port_)})) {
      return false;
    }
    HttpOptions o;
    o.connect_timeout_ms = 200;
    o.timeout_ms = 1000;
    HttpClient http(o);
    for (int i = 0; i < 300; ++i) {
      if (http.send({"GET", url() + "/", {}, ""})) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  void stop() { process_.stop(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  testing::Subprocess process_;
  int port_ = 0;
};

TEST(StsMoto, AssumeRoleWithExternalIdAndRefresh) {
  if (!on_path("moto_server")) GTEST_SKIP() << "moto_server is not installed";
  MotoServer moto;
  ASSERT_TRUE(moto.start()) << "moto_server did not start";
  std::string url = moto.url();
  AwsEnvironment env;
  env.getenv = [url](std::string_view name) -> std::optional<std::string> {
    if (name == "AWS_ENDPOINT_URL_STS") return url;
    if (name == "AWS_REGION") return std::string("us-east-1");
    if (name == "AWS_EC2_METADATA_DISABLED") return std::string("true");
    return std::nullopt;
  };
  env.home = "/nonexistent-home-for-tests";
  auto cfg = AwsConfig::load(env);
  ASSERT_TRUE(cfg);
  ManualClock clock(SystemClock::instance().now_micros());
  cfg->clock = &clock;
  cfg->retry.max_attempts = 1;
  auto shared = std::make_shared<const AwsConfig>(*cfg);
  const std::string source_secret = "SourceSecretKeyDoNotLeak0123456789";
  auto provider =
      assume_role(shared, static_credentials({"AKIASOURCEKEY", source_secret, "", 0}, "test keys"),
                  {"arn:aws:iam::123456789012:role/Collector", "ext-42", "trailwarden-test", 3600,
                   "us-east-1"});
  auto a = provider->get();
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_TRUE(a->access_key_id.starts_with("ASIA")) << a->access_key_id;
  EXPECT_FALSE(a->secret_access_key.empty());
  EXPECT_FALSE(a->session_token.empty());
  int64_t left = a->expiration_us - clock.now_micros();
  EXPECT_GT(left, 55 * 60 * 1'000'000LL);
  EXPECT_LT(left, 65 * 60 * 1'000'000LL);

  auto again = provider->get();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->access_key_id, a->access_key_id) << "cached";

  clock.set(a->expiration_us - 14 * 60 * 1'000'000LL);  // inside the advisory window
  auto b = provider->get();
  ASSERT_TRUE(b) << b.error().to_string();
  EXPECT_NE(b->access_key_id, a->access_key_id) << "refreshed before expiry";

  // STS gone: inside the advisory window the current credentials are kept, with a warning
  // that names the source and never a secret.
  moto.stop();
  clock.set(b->expiration_us - 14 * 60 * 1'000'000LL);
  log::Level saved = log::level();
  log::set_level(log::Level::kWarn);
  ::testing::internal::CaptureStderr();
  auto kept = provider->get();
  std::string logged = ::testing::internal::GetCapturedStderr();
  log::set_level(saved);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->access_key_id, b->access_key_id);
  EXPECT_NE(logged.find("refresh failed"), std::string::npos) << logged;
  // Past the mandatory point the failure is an error.
  clock.set(b->expiration_us - 5 * 60 * 1'000'000LL);
  auto failed = provider->get();
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
  for (const std::string& secret : {source_secret, a->secret_access_key, a->session_token,
                                    b->secret_access_key, b->session_token}) {
    EXPECT_EQ(logged.find(secret), std::string::npos);
    EXPECT_EQ(failed.error().to_string().find(secret), std::string::npos);
    EXPECT_EQ(provider->describe().find(secret), std::string::npos);
  }
}

}  // namespace
}  // namespace trailwarden::aws
