// S3 over the signed AwsClient: ListObjectsV2 and GetObject, the two calls the S3 collector
// makes. Addressing follows botocore: path-style when the endpoint is a custom override
// (S3-compatible servers, moto, MinIO) or the bucket name has a dot, virtual-hosted otherwise.
// Listing asks for encoding-type=url and URL-decodes Key and Prefix, so any key round-trips.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.h"
#include "core/result.h"
#include "formats/padded_buffer.h"

namespace trailwarden::aws {

struct S3Object {
  std::string key;  // decoded
  std::string etag;
  int64_t size = 0;
  int64_t last_modified_us = 0;  // 0 when absent or unparseable
};

struct ListObjectsParams {
  std::string prefix;
  std::string delimiter;
  std::string start_after;         // list strictly after this key
  std::string continuation_token;  // from the previous page's next_token
  int max_keys = 1000;             // 1..1000
};

struct ListObjectsPage {
  std::vector<S3Object> contents;            // ascending key order
  std::vector<std::string> common_prefixes;  // decoded; with a delimiter
  bool truncated = false;
  std::string next_token;  // NextContinuationToken, when truncated
};

// Parses a ListObjectsV2 response body. Key and Prefix are percent-decoded when the response
// says <EncodingType>url</EncodingType> (`url_encoded`: the request asked for it; a server may
// ignore the request, so the response decides). Hostile input gives an error, never a crash.
Result<ListObjectsPage> parse_list_objects_v2(std::string_view xml, bool url_encoded);

// Percent-decodes `text`; with `plus_is_space` (form encoding, S3 event keys) '+' is a space
// first. Malformed escapes are kept as they are.
std::string url_decode(std::string_view text, bool plus_is_space);

// SigV4 UriEncode of an object key for the request path: every byte but A-Z a-z 0-9 - _ . ~
// and '/' becomes %XX.
std::string s3_encode_key(std::string_view key);

// True when `bucket` may be addressed virtual-hosted (DNS-compatible, no dot).
bool s3_virtual_host_ok(std::string_view bucket);

class S3Client {
 public:
  // `region`: the bucket's region (signing and endpoint); empty: the config's, else us-east-1.
  S3Client(std::shared_ptr<AwsClient> client, std::string region);

  std::expected<ListObjectsPage, AwsError> list_objects_v2(std::string_view bucket,
                                                           const ListObjectsParams& params,
                                                           CallStats* stats = nullptr);
  // The object's bytes as stored (no Accept-Encoding: gzip stays gzip), into `out`.
  std::expected<void, AwsError> get_object(std::string_view bucket, std::string_view key,
                                           formats::PaddedBuffer& out, CallStats* stats = nullptr);
  const std::string& region() const { return region_; }

 private:
  AwsRequest base_request(std::string_view bucket, std::string_view key) const;
  std::shared_ptr<AwsClient> client_;
  std::string region_;
  bool path_style_ = false;
};

}  // namespace trailwarden::aws
