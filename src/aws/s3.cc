#include "aws/s3.h"

#include <utility>

namespace trailwarden::aws {

namespace {
// An answer S3 gave that is not an error body and not what was asked for.
AwsError response_error(long status, std::string code, std::string message) {
  AwsError e;
  e.http_status = status;
  e.code = std::move(code);
  e.message = std::move(message);
  return e;
}
}  // namespace

S3Client::S3Client(std::shared_ptr<AwsClient> client, std::string region)
    : client_(std::move(client)), region_(std::move(region)) {
  if (region_.empty()) region_ = client_->config().region;
  if (region_.empty()) region_ = "us-east-1";
  path_style_ = client_->config().endpoint(kS3, region_).custom;
}

AwsRequest S3Client::base_request(std::string_view bucket, std::string_view key) const {
  AwsRequest r;
  r.service = &kS3;
  r.region = region_;
  r.method = "GET";
  if (path_style_ || !s3_virtual_host_ok(bucket)) {
    r.path = "/" + s3_encode_key(bucket) + "/" + s3_encode_key(key);
  } else {
    r.host_prefix = std::string(bucket) + ".";
    r.path = "/" + s3_encode_key(key);
  }
  r.context = "s3://" + std::string(bucket) + "/" + std::string(key);
  return r;
}

std::expected<ListObjectsPage, AwsError> S3Client::list_objects_v2(std::string_view bucket,
                                                                   const ListObjectsParams& params,
                                                                   CallStats* stats) {
  AwsRequest r = base_request(bucket, "");
  if (r.host_prefix.empty()) r.path = "/" + s3_encode_key(bucket);  // no trailing slash
  r.query.emplace_back("list-type", "2");
  if (!params.prefix.empty()) r.query.emplace_back("prefix", params.prefix);
  if (!params.delimiter.empty()) r.query.emplace_back("delimiter", params.delimiter);
  if (!params.start_after.empty()) r.query.emplace_back("start-after", params.start_after);
  if (!params.continuation_token.empty()) {
    r.query.emplace_back("continuation-token", params.continuation_token);
  }
  int max_keys = params.max_keys < 1 ? 1 : (params.max_keys > 1000 ? 1000 : params.max_keys);
  r.query.emplace_back("max-keys", std::to_string(max_keys));
  r.query.emplace_back("encoding-type", "url");
  r.context = "s3://" + std::string(bucket) + "/" + params.prefix;
  auto response = client_->call(r, stats);
  if (!response) return std::unexpected(std::move(response.error()));
  if (response->status != 200) {
    return std::unexpected(
        response_error(response->status, "UnexpectedStatus",
                       "ListObjectsV2 answered HTTP " + std::to_string(response->status)));
  }
  auto page = parse_list_objects_v2(response->body, true);
  if (!page) {
    return std::unexpected(
        response_error(response->status, "MalformedResponse", page.error().message));
  }
  return std::move(*page);
}

std::expected<void, AwsError> S3Client::get_object(std::string_view bucket, std::string_view key,
                                                   formats::PaddedBuffer& out, CallStats* stats) {
  AwsRequest r = base_request(bucket, key);
  auto response = client_->call(r, stats);
  if (!response) return std::unexpected(std::move(response.error()));
  if (response->status != 200) {
    return std::unexpected(
        response_error(response->status, "UnexpectedStatus",
                       "GetObject answered HTTP " + std::to_string(response->status)));
  }
  out.assign(response->body);
  return {};
}

}  // namespace trailwarden::aws
