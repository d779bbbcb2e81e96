// HTTP over libcurl: the one place the collectors touch the network. One HttpClient per thread
// (a libcurl easy handle keeps its connections alive between requests). TLS verification is
// always on; AWS_CA_BUNDLE (or HttpOptions::ca_bundle) names extra roots.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace trailwarden::aws {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // scheme://host[:port]/path?query, path and query already strictly encoded
  Headers headers;  // sent as given (libcurl's own Accept/Expect are suppressed)
  std::string body;
};

struct HttpResponse {
  long status = 0;
  Headers headers;  // names as received
  std::string body;
  // The first header with this name, compared case-insensitively.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct HttpOptions {
  long connect_timeout_ms = 5000;
  long timeout_ms = 60000;  // whole request; SQS long polls need more than 20 s
  std::string ca_bundle;    // extra CA file (AWS_CA_BUNDLE); empty: system roots
  uint64_t max_body_bytes = uint64_t{2} << 30;  // a larger response is an error, not an OOM
};

// Transport failures (connection refused, DNS, timeout, TLS) come back as
// ErrorCode::kUnavailable with curl's reason; any HTTP status is a response, not an error.
class HttpClient {
 public:
  explicit HttpClient(HttpOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Result<HttpResponse> send(const HttpRequest& request);
  const HttpOptions& options() const { return options_; }

 private:
  struct Impl;
  HttpOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trailwarden::aws
