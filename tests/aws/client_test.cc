#include "aws/client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "aws/fake_server.h"
#include "aws/parse.h"
#include "aws/providers.h"
#include "aws/sigv4.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/time.h"

namespace trailwarden::aws {
namespace {

using testing::FakeRequest;
using testing::FakeResponse;
using testing::FakeServer;

constexpr char kKey[] = "AKIDTESTKEY";
constexpr char kSecret[] = "SECRETsecretSECRETsecret/+0123456789";
constexpr char kToken[] = "TOKENtokenTOKENtoken==";

AwsEnvironment fake_env(std::map<std::string, std::string> vars) {
  AwsEnvironment env;
  env.getenv = [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  env.home = "/nonexistent-home-for-tests";
  return env;
}

struct Harness {
  ManualClock clock{*parse_iso8601_micros("2024-01-15T00:00:00Z")};
  std::vector<int64_t> delays;
  std::shared_ptr<AwsConfig> config;
  std::shared_ptr<CredentialsProvider> creds;

  explicit Harness(const std::string& url, std::map<std::string, std::string> extra = {}) {
    extra["AWS_ENDPOINT_URL"] = url;
    auto c = AwsConfig::load(fake_env(extra));
    EXPECT_TRUE(c) << c.error().to_string();
    config = std::make_shared<AwsConfig>(std::move(*c));
    config->clock = &clock;
    config->retry.sleep_ms = [this](int64_t ms) {
      delays.push_back(ms);
      clock.advance(ms * 1000 + 1'000'000);  // the next attempt has a later X-Amz-Date
    };
    creds = static_credentials({kKey, kSecret, kToken, 0}, "test keys");
  }
  AwsClient client() { return AwsClient(config, creds); }
};

AwsRequest lookup_events() {
  AwsRequest r;
  r.service = &kCloudTrail;
  r.region = "us-east-1";
  r.headers = {
      {"Content-Type", "application/x-amz-json-1.1"},
      {"X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"}};
  r.body = R"({"MaxResults":50})";
  r.context = "LookupEvents us-east-1";
  return r;
}

// Recomputes the signature of a received request from what arrived on the wire.
void expect_valid_signature(const FakeRequest& req, std::string_view service, bool s3 = false) {
  std::string auth = req.header("Authorization");
  ASSERT_FALSE(auth.empty());
  size_t sh = auth.find("SignedHeaders=");
  size_t comma = auth.find(',', sh);
  std::string names = auth.substr(sh + 14, comma - sh - 14);
  Headers signed_headers;
  size_t pos = 0;
  while (pos <= names.size()) {
    size_t semi = names.find(';', pos);
    if (semi == std::string::npos) semi = names.size();
    std::string name = names.substr(pos, semi - pos);
    signed_headers.emplace_back(name, req.header(name));
    pos = semi + 1;
  }
  std::string path = req.target.substr(0, req.target.find('?'));
  std::string query =
      req.target.find('?') == std::string::npos ? "" : req.target.substr(req.target.find('?') + 1);
  std::string date = req.header("X-Amz-Date");
  std::string creq = sigv4::canonical_request(
      req.method, sigv4::canonical_uri(path, !s3), sigv4::canonical_query(query), signed_headers,
      s3 ? req.header("X-Amz-Content-SHA256") : sigv4::sha256_hex(req.body));
  std::string scope = date.substr(0, 8) + "/us-east-1/" + std::string(service) + "/aws4_request";
  std::string sts = sigv4::string_to_sign(date, scope, creq);
  sigv4::Signer signer;
  std::string sig = sigv4::hex(sigv4::hmac_sha256(
      signer.signing_key({kKey, kSecret, kToken, 0}, date.substr(0, 8), "us-east-1", service),
      sts));
  EXPECT_NE(auth.find("Signature=" + sig), std::string::npos) << creq;
}

TEST(AwsClient, RetriesThrottlingThenSucceedsWithFreshSignatures) {
  std::atomic<int> calls{0};
  FakeServer server([&](const FakeRequest&) {
    if (calls++ < 2) {
      return FakeResponse{
          400,
          {{"Content-Type", "application/x-amz-json-1.1"}, {"x-amzn-RequestId", "req-throttle"}},
          R"({"__type":"ThrottlingException","message":"Rate exceeded"})"};
    }
    return FakeResponse{200, {}, R"({"Events":[]})"};
  });
  Harness h(server.url(), {{"AWS_MAX_ATTEMPTS", "3"}});
  auto client = h.client();
  CallStats stats;
  auto resp = client.call(lookup_events(), &stats);
  ASSERT_TRUE(resp) << resp.error().to_string();
  EXPECT_EQ(resp->body, R"({"Events":[]})");
  EXPECT_EQ(stats.attempts, 3u);
  EXPECT_EQ(stats.throttled, 2u);
  EXPECT_EQ(stats.retried, 2u);
  ASSERT_EQ(h.delays.size(), 2u);
  EXPECT_LE(h.delays[0], 1000);  // full jitter under min(base * 2^0, max)
  EXPECT_LE(h.delays[1], 2000);
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  std::set<std::string> dates;
  for (const auto& r : reqs) {
    dates.insert(r.header("X-Amz-Date"));
    EXPECT_EQ(r.header("X-Amz-Security-Token"), kToken);
    EXPECT_EQ(r.header("Expect"), "");
    EXPECT_EQ(r.header("Accept"), "");
    EXPECT_EQ(r.header("Content-Type"), "application/x-amz-json-1.1");
    EXPECT_EQ(r.body, R"({"MaxResults":50})");
    expect_valid_signature(r, "cloudtrail");
  }
  EXPECT_EQ(dates.size(), 3u) << "every attempt is signed again";
  EXPECT_EQ(server.connections(), 1u) << "keep-alive reuses the connection";
}

TEST(AwsClient, ServerErrorsRunOutOfAttempts) {
  std::atomic<int> calls{0};
  FakeServer server([&](const FakeRequest&) {
    ++calls;
    return FakeResponse{503, {}, ""};
  });
  Harness h(server.url(), {{"AWS_MAX_ATTEMPTS", "4"}});
  auto client = h.client();
  auto resp = client.call(lookup_events());
  ASSERT_FALSE(resp);
  EXPECT_EQ(calls.load(), 4);
  EXPECT_EQ(resp.error().attempts, 4);
  EXPECT_EQ(resp.error().http_status, 503);
  ASSERT_EQ(h.delays.size(), 3u);
  EXPECT_LE(h.delays[2], 4000);
  Error e = resp.error().to_error("LookupEvents us-east-1");
  EXPECT_EQ(e.code, ErrorCode::kUnavailable);
  EXPECT_NE(e.message.find("after 4 attempts"), std::string::npos) << e.message;
}

TEST(AwsClient, ThrottlingThatNeverEndsIsThrottled) {
  FakeServer server([&](const FakeRequest&) {
    return FakeResponse{429, {}, R"({"__type":"com.amazon#TooManyRequestsException:x"})"};
  });
  Harness h(server.url());
  auto client = h.client();
  auto resp = client.call(lookup_events());
  ASSERT_FALSE(resp);
  EXPECT_EQ(resp.error().code, "TooManyRequestsException");
  EXPECT_EQ(resp.error().attempts, 3);
  EXPECT_EQ(resp.error().to_error("x").code, ErrorCode::kThrottled);
}

TEST(AwsClient, AccessDeniedIsNeverRetried) {
  std::atomic<int> calls{0};
  FakeServer server([&](const FakeRequest&) {
    ++calls;
    return FakeResponse{403,
                        {},
                        "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                        "<Message>not allowed\x1b[31m</Message></Error>"
                        "<RequestId>rid-1</RequestId></ErrorResponse>"};
  });
  Harness h(server.url(), {{"AWS_MAX_ATTEMPTS", "5"}});
  auto client = h.client();
  auto resp = client.call(lookup_events());
  ASSERT_FALSE(resp);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_TRUE(h.delays.empty());
  EXPECT_EQ(resp.error().code, "AccessDenied");
  EXPECT_EQ(resp.error().request_id, "rid-1");
  Error e = resp.error().to_error("ctx");
  EXPECT_EQ(e.code, ErrorCode::kDenied);
  EXPECT_EQ(e.message.find('\x1b'), std::string::npos) << "service text is escaped";
  EXPECT_EQ(e.message.find(kSecret), std::string::npos);
  EXPECT_EQ(e.message.find(kToken), std::string::npos);
}

TEST(AwsClient, BadRequestIsNotRetried) {
  std::atomic<int> calls{0};
  FakeServer server([&](const FakeRequest&) {
    ++calls;
    return FakeResponse{400, {}, R"({"__type":"InvalidNextTokenException","Message":"bad"})"};
  });
  Harness h(server.url());
  auto client = h.client();
  auto resp = client.call(lookup_events());
  ASSERT_FALSE(resp);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(resp.error().message, "bad");
  EXPECT_EQ(resp.error().to_error("x").code, ErrorCode::kInvalidArgument);
}

TEST(AwsClient, TimeoutsAndRefusedConnectionsAreUnavailable) {
  FakeServer server([&](const FakeRequest&) { return FakeResponse{200, {}, "late", 1500}; });
  Harness h(server.url(), {{"AWS_MAX_ATTEMPTS", "2"}});
  h.config->http.timeout_ms = 200;
  auto client = h.client();
  auto resp = client.call(lookup_events());
  ASSERT_FALSE(resp);
  EXPECT_EQ(resp.error().http_status, 0);
  EXPECT_EQ(resp.error().attempts, 2);
  EXPECT_EQ(resp.error().to_error("x").code, ErrorCode::kUnavailable);

  int port;
  {
    FakeServer gone([](const FakeRequest&) { return FakeResponse{}; });
    port = gone.port();
  }
  Harness refused("http://127.0.0.1:" + std::to_string(port), {{"AWS_MAX_ATTEMPTS", "1"}});
  auto c2 = refused.client();
  auto r2 = c2.call(lookup_events());
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().to_error("x").code, ErrorCode::kUnavailable);
}

TEST(AwsClient, S3ErrorsAndQuerySigning) {
  FakeServer server([&](const FakeRequest& r) {
    if (r.method == "HEAD") return FakeResponse{404, {{"x-amz-request-id", "s3rid"}}, ""};
    return FakeResponse{404,
                        {{"x-amz-request-id", "s3rid"}},
                        "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code>"
                        "<Message>The specified key does not exist.</Message></Error>"};
  });
  Harness h(server.url());
  auto client = h.client();
  AwsRequest get;
  get.service = &kS3;
  get.region = "us-east-1";
  get.method = "GET";
  get.path = "/bucket/" + sigv4::uri_encode("AWSLogs/a b+c/\xC3\xA9.json.gz", true);
  get.query = {{"versionId", "v/1+="}};
  auto resp = client.call(get);
  ASSERT_FALSE(resp);
  EXPECT_EQ(resp.error().code, "NoSuchKey");
  EXPECT_EQ(resp.error().request_id, "s3rid");
  EXPECT_EQ(resp.error().to_error("s3://bucket/k").code, ErrorCode::kNotFound);
  get.method = "HEAD";
  auto head = client.call(get);
  ASSERT_FALSE(head);
  EXPECT_EQ(head.error().code, "NotFound");
  EXPECT_EQ(head.error().to_error("x").code, ErrorCode::kNotFound);
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].target, "/bucket/AWSLogs/a%20b%2Bc/%C3%A9.json.gz?versionId=v%2F1%2B%3D");
  EXPECT_EQ(reqs[0].header("X-Amz-Content-SHA256"), sigv4::kEmptySha256);
  expect_valid_signature(reqs[0], "s3", true);
  expect_valid_signature(reqs[1], "s3", true);
}

TEST(AwsClient, BodyLargerThanTheCapIsAnError) {
  FakeServer server([&](const FakeRequest&) {
    return FakeResponse{200, {}, std::string(5000, 'x')};
  });
  Harness h(server.url(), {{"AWS_MAX_ATTEMPTS", "1"}});
  h.config->http.max_body_bytes = 1000;
  auto client = h.client();
  auto resp = client.call(lookup_events());
  ASSERT_FALSE(resp);
  EXPECT_EQ(resp.error().to_error("x").code, ErrorCode::kUnavailable);
}

TEST(AwsClient, RateLimiterIsTakenPerAttempt) {
  std::atomic<int> calls{0};
  FakeServer server([&](const FakeRequest&) {
    if (calls++ == 0) return FakeResponse{503, {}, ""};
    return FakeResponse{200, {}, "{}"};
  });
  Harness h(server.url());
  ManualClock limiter_clock(0);
  RateLimiter limiter(1.0, 5.0, limiter_clock);
  auto client = h.client();
  AwsRequest r = lookup_events();
  r.limiter = &limiter;
  ASSERT_TRUE(client.call(r));
  // Two attempts took two of the five tokens.
  EXPECT_TRUE(limiter.try_acquire());
  EXPECT_TRUE(limiter.try_acquire());
  EXPECT_TRUE(limiter.try_acquire());
  EXPECT_FALSE(limiter.try_acquire());
}

TEST(ParseError, JsonQueryCompatibleAndRestJson) {
  auto e = parse_error_response(
      400, {{"x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"}},
      R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"gone"})");
  EXPECT_EQ(e.code, "AWS.SimpleQueueService.NonExistentQueue");
  EXPECT_EQ(e.message, "gone");
  EXPECT_FALSE(e.retryable);
  auto gd = parse_error_response(403, {{"x-amzn-ErrorType", "AccessDeniedException:http://x"}},
                                 R"({"message":"no"})");
  EXPECT_EQ(gd.code, "AccessDeniedException");
  auto slow = parse_error_response(503, {}, "<Error><Code>SlowDown</Code></Error>");
  EXPECT_TRUE(slow.throttling);
  EXPECT_TRUE(slow.retryable);
  auto transient = parse_error_response(400, {}, R"({"__type":"RequestTimeoutException"})");
  EXPECT_TRUE(transient.retryable);
  EXPECT_FALSE(transient.throttling);
  auto junk = parse_error_response(500, {}, "<<<not xml");
  EXPECT_EQ(junk.code, "InternalError");
  EXPECT_TRUE(junk.retryable);
}

TEST(ParseStsCredentials, BothExpirationFormsAndMissingFields) {
  std::string xml =
      R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
      <Credentials><AccessKeyId>ASIAX</AccessKeyId><SecretAccessKey>s</SecretAccessKey>
      <SessionToken>t</SessionToken><Expiration>2019-11-09T13:34:41.000Z</Expiration>
      </Credentials></AssumeRoleResult></AssumeRoleResponse>)";
  auto c = parse_sts_credentials(xml);
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->access_key_id, "ASIAX");
  EXPECT_EQ(c->expiration_us, *parse_iso8601_micros("2019-11-09T13:34:41Z"));
  std::string no_token = xml;
  no_token.replace(no_token.find("<SessionToken>t</SessionToken>"), 30, "");
  EXPECT_FALSE(parse_sts_credentials(no_token));
  EXPECT_FALSE(parse_sts_credentials("<AssumeRoleResponse/>"));
  EXPECT_FALSE(parse_sts_credentials("garbage"));
}

}  // namespace
}  // namespace trailwarden::aws

namespace trailwarden::aws {
namespace {

TEST(AwsClient, ClockSkewIsCorrectedFromTheDateHeader) {
  // The server's clock is 2 h ahead of ours; it refuses signatures more than 15 min off.
  int64_t server_now = *parse_iso8601_micros("2024-01-15T02:00:00Z");
  FakeServer server([&](const FakeRequest& r) {
    std::string date = r.header("X-Amz-Date");
    int64_t signed_at = *parse_iso8601_micros(date.substr(0, 4) + "-" + date.substr(4, 2) + "-" +
                                              date.substr(6, 2) + "T" + date.substr(9, 2) + ":" +
                                              date.substr(11, 2) + ":" + date.substr(13, 2) + "Z");
    if (std::llabs(signed_at - server_now) > 15 * 60 * 1'000'000LL) {
      return FakeResponse{403,
                          {{"Date", "Mon, 15 Jan 2024 02:00:00 GMT"}},
                          "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference "
                          "between the request time and the current time is too large.</Message>"
                          "</Error>"};
    }
    return FakeResponse{200, {}, "{}"};
  });
  Harness h(server.url());
  auto client = h.client();
  CallStats stats;
  log::Level saved = log::level();
  log::set_level(log::Level::kOff);
  auto resp = client.call(lookup_events(), &stats);
  log::set_level(saved);
  ASSERT_TRUE(resp) << resp.error().to_string();
  EXPECT_EQ(stats.attempts, 2u);
  EXPECT_TRUE(h.delays.empty()) << "no backoff for a clock correction";
  // Later calls sign with the corrected time straight away.
  ASSERT_TRUE(client.call(lookup_events(), &stats));
  EXPECT_EQ(stats.attempts, 3u);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            parse_iso8601_micros("1994-11-06T08:49:37Z"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 PST"));
  EXPECT_FALSE(parse_http_date("garbage"));
}

TEST(AwsClient, SignatureErrorWithoutSkewIsNotRetried) {
  std::atomic<int> calls{0};
  FakeServer server([&](const FakeRequest&) {
    ++calls;
    return FakeResponse{403,
                        {{"Date", "Mon, 15 Jan 2024 00:00:00 GMT"}},
                        "<Error><Code>SignatureDoesNotMatch</Code></Error>"};
  });
  Harness h(server.url());
  auto client = h.client();
  auto resp = client.call(lookup_events());
  ASSERT_FALSE(resp);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(resp.error().to_error("x").code, ErrorCode::kDenied);
}

}  // namespace
}  // namespace trailwarden::aws

namespace trailwarden::aws {
namespace {

TEST(AwsClient, ExpiredTokenFetchesNewCredentialsOnce) {
  FakeServer server([&](const FakeRequest& r) {
    if (r.header("Authorization").find("Credential=ASIA1/") != std::string::npos) {
      return FakeResponse{400, {}, R"({"__type":"ExpiredTokenException","message":"expired"})"};
    }
    return FakeResponse{200, {}, "{}"};
  });
  Harness h(server.url());
  std::atomic<int> fetches{0};
  auto provider = std::make_shared<RefreshingProvider>(
      [&]() -> Result<Credentials> {
        ++fetches;
        return Credentials{"ASIA" + std::to_string(fetches.load()), "s", "t",
                           h.clock.now_micros() + 3600LL * 1'000'000};
      },
      "test", h.clock);
  AwsClient client(h.config, provider);
  auto resp = client.call(lookup_events());
  ASSERT_TRUE(resp) << resp.error().to_string();
  EXPECT_EQ(fetches.load(), 2);
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_TRUE(h.delays.empty());
  // Static keys are never "renewed": the error comes back.
  FakeServer always([&](const FakeRequest&) {
    return FakeResponse{400, {}, R"({"__type":"ExpiredTokenException"})"};
  });
  Harness h2(always.url());
  auto c2 = h2.client();
  auto r2 = c2.call(lookup_events());
  ASSERT_FALSE(r2);
  EXPECT_EQ(always.requests().size(), 2u) << "one renewal, then the error";
  EXPECT_EQ(r2.error().to_error("x").code, ErrorCode::kDenied);
}

TEST(AwsClient, ConcurrentCallsShareOneClient) {
  FakeServer server([&](const FakeRequest&) { return FakeResponse{200, {}, "{}"}; });
  Harness h(server.url());
  auto client = std::make_shared<AwsClient>(h.config, h.creds);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        if (client->call(lookup_events())) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 60);
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 60u);
  for (const auto& r : reqs) expect_valid_signature(r, "cloudtrail");
  EXPECT_LE(server.connections(), 6u) << "connections are pooled and reused";
}

}  // namespace
}  // namespace trailwarden::aws

namespace trailwarden::aws {
namespace {

TEST(AwsClient, DebugLogsCarryNoSecrets) {
  std::atomic<int> calls{0};
  FakeServer server([&](const FakeRequest& r) {
    if (calls++ < 2) {
      // A hostile server echoing what it received into its error text.
      return FakeResponse{503,
                          {},
                          "<Error><Code>SlowDown</Code><Message>got " +
                              r.header("X-Amz-Security-Token") + "</Message></Error>"};
    }
    return FakeResponse{200, {}, "{}"};
  });
  Harness h(server.url());
  auto client = h.client();
  log::Level saved = log::level();
  log::set_level(log::Level::kDebug);
  ::testing::internal::CaptureStderr();
  auto resp = client.call(lookup_events());
  auto failing = std::make_shared<RefreshingProvider>(
      [&]() -> Result<Credentials> { return make_error(ErrorCode::kUnavailable, "down"); },
      "assume-role arn:aws:iam::1:role/R via test keys", h.clock);
  AwsClient no_creds(h.config, failing);
  auto err = no_creds.call(lookup_events());
  std::string logged = ::testing::internal::GetCapturedStderr();
  log::set_level(saved);
  ASSERT_TRUE(resp);
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().to_error("x").code, ErrorCode::kUnavailable);
  EXPECT_NE(logged.find("retrying"), std::string::npos) << logged;
  EXPECT_NE(logged.find("got [redacted]"), std::string::npos) << logged;
  for (const std::string& text : {logged, err.error().to_string(), h.creds->describe()}) {
    EXPECT_EQ(text.find(kSecret), std::string::npos);
    EXPECT_EQ(text.find(kToken), std::string::npos);
  }
}

}  // namespace
}  // namespace trailwarden::aws
