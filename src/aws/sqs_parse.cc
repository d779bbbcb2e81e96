// The pure parts of aws/sqs.h (no network): ReceiveMessage parsing, the region of a queue URL.
#include <simdjson.h>

#include <charconv>
#include <utility>

#include "aws/sqs.h"
#include "aws/sqs_json.h"

namespace trailwarden::aws {
namespace sqs_json {

std::string_view string_field(simdjson::dom::element e, std::string_view name) {
  std::string_view s;
  if (e[name].get_string().get(s) != simdjson::SUCCESS) return {};
  return s;
}

int64_t to_int(std::string_view s) {
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  return (ec == std::errc() && ptr == s.data() + s.size()) ? n : 0;
}

}  // namespace sqs_json

using sqs_json::string_field;
using sqs_json::to_int;

Result<std::vector<SqsMessage>> parse_receive_message(std::string_view json) {
  if (json.empty()) return make_error(ErrorCode::kCorrupt, "ReceiveMessage response is empty");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size(), true).get(doc) != simdjson::SUCCESS ||
      !doc.is_object()) {
    return make_error(ErrorCode::kCorrupt, "ReceiveMessage response is not a JSON object");
  }
  std::vector<SqsMessage> out;
  simdjson::dom::element messages;
  if (doc["Messages"].get(messages) != simdjson::SUCCESS || messages.is_null()) return out;
  simdjson::dom::array array;
  if (messages.get_array().get(array) != simdjson::SUCCESS) {
    return make_error(ErrorCode::kCorrupt, "ReceiveMessage response: Messages is not an array");
  }
  for (simdjson::dom::element m : array) {
    if (!m.is_object()) {
      return make_error(ErrorCode::kCorrupt, "ReceiveMessage response: a message is not an object");
    }
    SqsMessage msg;
    msg.message_id = string_field(m, "MessageId");
    msg.receipt_handle = string_field(m, "ReceiptHandle");
    msg.body = string_field(m, "Body");
    if (msg.receipt_handle.empty()) {
      return make_error(ErrorCode::kCorrupt,
                        "ReceiveMessage response: a message has no ReceiptHandle");
    }
    simdjson::dom::element attrs;
    if (m["Attributes"].get(attrs) == simdjson::SUCCESS && attrs.is_object()) {
      msg.receive_count = static_cast<int>(to_int(string_field(attrs, "ApproximateReceiveCount")));
      msg.sent_us = to_int(string_field(attrs, "SentTimestamp")) * 1000;
    }
    out.push_back(std::move(msg));
  }
  return out;
}

std::string sqs_region_from_url(std::string_view queue_url) {
  size_t scheme = queue_url.find("://");
  std::string_view host =
      scheme == std::string_view::npos ? queue_url : queue_url.substr(scheme + 3);
  host = host.substr(0, host.find('/'));
  constexpr std::string_view kPrefix = "sqs.";
  if (!host.starts_with(kPrefix)) return {};
  host.remove_prefix(kPrefix.size());
  size_t dot = host.find('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  std::string_view region = host.substr(0, dot);
  if (!host.substr(dot).starts_with(".amazonaws.com")) return {};
  return std::string(region);
}

}  // namespace trailwarden::aws
