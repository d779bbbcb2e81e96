#include "aws/http.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "aws/fake_server.h"
#include "aws/subprocess.h"
#include "test_util.h"

namespace trailwarden::aws {
namespace {

using testing::FakeRequest;
using testing::FakeResponse;
using testing::FakeServer;

TEST(HttpClient, HeadersBodiesAndKeepAlive) {
  FakeServer server([](const FakeRequest& r) {
    return FakeResponse{201, {{"X-Echo-Length", std::to_string(r.body.size())}}, "ok:" + r.method};
  });
  HttpClient http;
  HttpRequest put{"PUT", server.url() + "/latest/api/token", {{"X-Ttl", "5"}}, ""};
  auto a = http.send(put);
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_EQ(a->status, 201);
  EXPECT_EQ(a->body, "ok:PUT");
  EXPECT_EQ(a->header("x-echo-length"), "0");
  EXPECT_FALSE(a->header("x-missing"));
  std::string big(3 << 20, 'b');  // large enough that libcurl would ask for 100-continue
  auto b = http.send({"POST", server.url() + "/", {{"Content-Type", "application/x"}}, big});
  ASSERT_TRUE(b);
  EXPECT_EQ(b->header("X-Echo-Length"), std::to_string(big.size()));
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].header("Content-Length"), "0");
  EXPECT_EQ(reqs[0].header("Content-Type"), "") << "no unsigned default content type";
  EXPECT_EQ(reqs[0].header("X-Ttl"), "5");
  EXPECT_EQ(reqs[1].header("Expect"), "");
  EXPECT_EQ(reqs[1].header("Accept"), "");
  EXPECT_EQ(reqs[1].header("Accept-Encoding"), "");
  EXPECT_EQ(server.connections(), 1u);
}

TEST(HttpClient, GzipBodiesStayOpaque) {
  std::string gz = testing::gzip_bytes("{\"Records\":[]}");
  FakeServer server([&](const FakeRequest&) {
    return FakeResponse{200, {{"Content-Encoding", "gzip"}}, gz};
  });
  HttpClient http;
  auto r = http.send({"GET", server.url() + "/k.json.gz", {}, ""});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, gz);
}

TEST(HttpClient, TlsIsVerifiedAndCaBundleIsUsed) {
  if (!testing::on_path("openssl")) GTEST_SKIP() << "openssl is not installed";
  testing::TempDir dir;
  std::string key = dir.str() + "/key.pem", cert = dir.str() + "/cert.pem";
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert +
                    " -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
                    ">/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  int port = testing::free_port();
  testing::Subprocess server;
  ASSERT_TRUE(server.start({"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port),
                            "-cert", cert, "-key", key, "-www", "-quiet"}));
  std::string url = "https://127.0.0.1:" + std::to_string(port) + "/";
  HttpOptions trusted;
  trusted.ca_bundle = cert;
  trusted.timeout_ms = 3000;
  Result<HttpResponse> ok = make_error(ErrorCode::kInternal, "not tried");
  for (int i = 0; i < 50 && !ok; ++i) {
    HttpClient http(trusted);
    ok = http.send({"GET", url, {}, ""});
    if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ(ok->status, 200);
  // The system roots do not know this certificate.
  HttpOptions system_roots;
  system_roots.timeout_ms = 3000;
  HttpClient untrusted(system_roots);
  auto bad = untrusted.send({"GET", url, {}, ""});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(bad.error().message.find("certificate"), std::string::npos) << bad.error().message;
  // Trusted certificate, wrong name: the host name is checked too.
  HttpClient wrong_name(trusted);
  auto mismatch =
      wrong_name.send({"GET", "https://localhost:" + std::to_string(port) + "/", {}, ""});
  EXPECT_FALSE(mismatch);
}

TEST(HttpClient, RejectsOtherSchemes) {
  HttpClient http;
  auto r = http.send({"GET", "file:///etc/passwd", {}, ""});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace trailwarden::aws
