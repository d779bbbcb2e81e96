// AWS Signature Version 4, header signing (../shared/docs/aws-facts.md §1). The pieces are
// exposed so tests can compare them with the official suite and with botocore line by line.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "aws/credentials.h"
#include "aws/http.h"

namespace trailwarden::aws::sigv4 {

inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);
// Raw HMAC-SHA-256.
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string hex(std::string_view bytes);

// UriEncode: keeps A-Z a-z 0-9 - _ . ~ (and '/' when keep_slash), %XX upper-case otherwise.
std::string uri_encode(std::string_view s, bool keep_slash);
// "name=value&..." with both sides encoded, in the order given (no sorting): a wire query.
std::string encode_query(const std::vector<std::pair<std::string, std::string>>& params);
// The canonical form of a wire query (already strictly encoded): pairs sorted by name then
// value, "name" without '=' written "name=".
std::string canonical_query(std::string_view wire_query);
// Non-S3 services: dot segments and repeated '/' removed, then every byte encoded again
// ('/' kept). S3 (normalize = false): the path as sent.
std::string canonical_uri(std::string_view wire_path, bool normalize);

// "YYYYMMDDTHHMMSSZ" for microseconds since the epoch.
std::string amz_date(int64_t micros);

struct Options {
  bool s3 = false;              // S3 rules: path as sent, x-amz-content-sha256 added and signed
  bool normalize_path = true;   // non-S3 only (the suite's "normalize": false cases)
  bool content_sha256 = false;  // add x-amz-content-sha256 for a non-S3 service too
};

struct Signed {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  std::string signed_headers;
  std::string authorization;
};

// The parts of a URL the signer needs. `host` is lower case, without a default port.
struct UrlParts {
  std::string scheme, host, path, query;
};
UrlParts split_url(std::string_view url);

// Signs a request in place: adds X-Amz-Date, X-Amz-Security-Token (temporary credentials),
// X-Amz-Content-SHA256 (S3) and Authorization to `headers`, replacing any that were there.
// Every header in `headers` is signed except the hop-by-hop ones botocore leaves out
// (connection, expect, user-agent, ...); host comes from a Host header or the URL.
// Thread-safe; derived signing keys are cached per (key, day, region, service).
class Signer {
 public:
  Signed sign(std::string_view method, std::string_view url, Headers& headers,
              std::string_view body, const Credentials& credentials, std::string_view region,
              std::string_view service, std::string_view amz_date, const Options& options);
  // The derived key (kSigning) for a day "YYYYMMDD".
  std::string signing_key(const Credentials& credentials, std::string_view day,
                          std::string_view region, std::string_view service);
  size_t cached_keys() const;

 private:
  mutable std::mutex mu_;
  // (access key id, secret hash, day, region, service) -> key
  std::map<std::tuple<std::string, std::string, std::string, std::string, std::string>, std::string>
      keys_;
};

// The canonical request for already-final headers (names as given; values trimmed here).
std::string canonical_request(std::string_view method, std::string_view canonical_uri,
                              std::string_view canonical_query, const Headers& signed_headers,
                              std::string_view payload_hash, std::string* signed_names = nullptr);
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);

}  // namespace trailwarden::aws::sigv4
