// What AWS endpoints answer, and the SigV4 canonical forms of wire URLs. The first byte picks
// the parser. Invariants: no crash; error texts shown to people carry no control characters;
// canonical query strings are idempotent.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "aws/client.h"
#include "aws/parse.h"
#include "aws/sigv4.h"

namespace {

void no_controls(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trailwarden::aws;
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
    case 1: {
      long status = 400 + (size % 120);
      Headers headers;
      if (data[0] & 0x10)
        headers.emplace_back("x-amzn-query-error", std::string(body.substr(0, 40)));
      if (data[0] & 0x20) headers.emplace_back("x-amzn-ErrorType", std::string(body.substr(0, 30)));
      if (data[0] & 0x40) headers.emplace_back("x-amzn-RequestId", std::string(body.substr(0, 20)));
      AwsError e = parse_error_response(status, headers, body);
      if (e.code.empty()) std::abort();
      if (e.code.size() > 1024 || e.message.size() > 1024) std::abort();
      e.attempts = 3;
      no_controls(e.to_string());
      auto err = e.to_error("ctx");
      no_controls(err.message);
      if (e.throttling && !e.retryable) std::abort();
      break;
    }
    case 2: {
      auto c = parse_sts_credentials(body);
      if (c && (c->access_key_id.empty() || c->session_token.empty() || c->expiration_us == 0)) {
        std::abort();
      }
      if (!c) no_controls(c.error().message);
      break;
    }
    case 3: {
      auto c = parse_json_credentials(body);
      if (c && (c->access_key_id.empty() || c->secret_access_key.empty())) std::abort();
      if (!c) no_controls(c.error().message);
      break;
    }
    case 4: {
      auto parts = sigv4::split_url(body);
      if (parts.path.empty()) std::abort();
      std::string q = sigv4::canonical_query(parts.query);
      if (sigv4::canonical_query(q) != q) std::abort();
      std::string uri = sigv4::canonical_uri(parts.path, true);
      if (uri.empty() || uri[0] != '/') {
        if (parts.path[0] == '/') std::abort();
      }
      (void)sigv4::canonical_uri(parts.path, false);
      if (auto t = parse_http_date(body); t && *t < 0) std::abort();
      break;
    }
  }
  return 0;
}
