#include "aws/sqs.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include "aws/sqs_json.h"
#include "core/text.h"

namespace trailwarden::aws {
namespace {

using sqs_json::string_field;
using sqs_json::to_int;

AwsError malformed(long status, std::string message) {
  AwsError e;
  e.http_status = status;
  e.code = "MalformedResponse";
  e.message = std::move(message);
  return e;
}

}  // namespace

SqsClient::SqsClient(std::shared_ptr<AwsClient> client, std::string queue_url, std::string region)
    : client_(std::move(client)), queue_url_(std::move(queue_url)), region_(std::move(region)) {
  if (region_.empty()) region_ = sqs_region_from_url(queue_url_);
  if (region_.empty()) region_ = client_->config().region;
  if (region_.empty()) region_ = "us-east-1";
}

std::expected<HttpResponse, AwsError> SqsClient::call(std::string_view op, std::string body) {
  AwsRequest r;
  r.service = &kSqs;
  r.region = region_;
  r.method = "POST";
  r.path = "/";
  r.headers.emplace_back("Content-Type", "application/x-amz-json-1.0");
  r.headers.emplace_back("X-Amz-Target", "AmazonSQS." + std::string(op));
  r.body = std::move(body);
  r.context = "sqs " + std::string(op) + " " + queue_url_;
  auto response = client_->call(r);
  if (!response) return response;
  if (response->status != 200) {
    AwsError e;
    e.http_status = response->status;
    e.code = "UnexpectedStatus";
    e.message = std::string(op) + " answered HTTP " + std::to_string(response->status);
    return std::unexpected(std::move(e));
  }
  return response;
}

std::expected<std::vector<SqsMessage>, AwsError> SqsClient::receive(int max_messages,
                                                                    int wait_seconds,
                                                                    int visibility_timeout) {
  max_messages = std::clamp(max_messages, 1, 10);
  wait_seconds = std::clamp(wait_seconds, 0, 20);
  // The HTTP request must outlive the long poll.
  int64_t http_limit_s = client_->config().http.timeout_ms / 1000 - 5;
  if (wait_seconds > http_limit_s)
    wait_seconds = static_cast<int>(std::max<int64_t>(0, http_limit_s));
  visibility_timeout = std::clamp(visibility_timeout, 0, 43200);
  std::string body = "{\"QueueUrl\":" + json_string(queue_url_) +
                     ",\"MaxNumberOfMessages\":" + std::to_string(max_messages) +
                     ",\"WaitTimeSeconds\":" + std::to_string(wait_seconds) +
                     ",\"VisibilityTimeout\":" + std::to_string(visibility_timeout) +
                     ",\"AttributeNames\":[\"All\"],\"MessageSystemAttributeNames\":[\"All\"]}";
  auto response = call("ReceiveMessage", std::move(body));
  if (!response) return std::unexpected(std::move(response.error()));
  auto parsed = parse_receive_message(response->body);
  if (!parsed) return std::unexpected(malformed(response->status, parsed.error().message));
  return std::move(*parsed);
}

std::expected<void, AwsError> SqsClient::delete_message(std::string_view receipt_handle) {
  std::string body = "{\"QueueUrl\":" + json_string(queue_url_) +
                     ",\"ReceiptHandle\":" + json_string(receipt_handle) + "}";
  auto response = call("DeleteMessage", std::move(body));
  if (!response) return std::unexpected(std::move(response.error()));
  return {};
}

std::expected<std::vector<SqsDeleteFailure>, AwsError> SqsClient::delete_messages(
    const std::vector<std::string>& handles) {
  std::vector<SqsDeleteFailure> failures;
  for (size_t start = 0; start < handles.size(); start += 10) {
    size_t end = std::min(handles.size(), start + 10);
    std::string body = "{\"QueueUrl\":" + json_string(queue_url_) + ",\"Entries\":[";
    for (size_t i = start; i < end; ++i) {
      if (i > start) body += ',';
      body += "{\"Id\":\"m" + std::to_string(i - start) +
              "\",\"ReceiptHandle\":" + json_string(handles[i]) + "}";
    }
    body += "]}";
    auto response = call("DeleteMessageBatch", std::move(body));
    if (!response) return std::unexpected(std::move(response.error()));
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(response->body.data(), response->body.size(), true).get(doc) !=
        simdjson::SUCCESS) {
      return std::unexpected(
          malformed(response->status, "DeleteMessageBatch response is not JSON"));
    }
    simdjson::dom::array failed;
    if (doc["Failed"].get_array().get(failed) == simdjson::SUCCESS) {
      for (simdjson::dom::element f : failed) {
        std::string_view id = string_field(f, "Id");
        size_t index = 0;
        if (id.size() < 2 || id[0] != 'm') continue;
        auto [p, ec] = std::from_chars(id.data() + 1, id.data() + id.size(), index);
        if (ec != std::errc() || start + index >= end) continue;
        failures.push_back({handles[start + index], std::string(string_field(f, "Code")),
                            std::string(string_field(f, "Message"))});
      }
    }
  }
  return failures;
}

std::expected<void, AwsError> SqsClient::change_visibility(std::string_view receipt_handle,
                                                           int seconds) {
  std::string body = "{\"QueueUrl\":" + json_string(queue_url_) +
                     ",\"ReceiptHandle\":" + json_string(receipt_handle) +
                     ",\"VisibilityTimeout\":" + std::to_string(std::clamp(seconds, 0, 43200)) +
                     "}";
  auto response = call("ChangeMessageVisibility", std::move(body));
  if (!response) return std::unexpected(std::move(response.error()));
  return {};
}

std::expected<int64_t, AwsError> SqsClient::approximate_messages() {
  std::string body = "{\"QueueUrl\":" + json_string(queue_url_) +
                     ",\"AttributeNames\":[\"ApproximateNumberOfMessages\"]}";
  auto response = call("GetQueueAttributes", std::move(body));
  if (!response) return std::unexpected(std::move(response.error()));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(response->body.data(), response->body.size(), true).get(doc) !=
      simdjson::SUCCESS) {
    return std::unexpected(malformed(response->status, "GetQueueAttributes response is not JSON"));
  }
  simdjson::dom::element attrs;
  if (doc["Attributes"].get(attrs) != simdjson::SUCCESS || !attrs.is_object()) {
    return std::unexpected(
        malformed(response->status, "GetQueueAttributes response has no Attributes"));
  }
  return to_int(string_field(attrs, "ApproximateNumberOfMessages"));
}

}  // namespace trailwarden::aws
