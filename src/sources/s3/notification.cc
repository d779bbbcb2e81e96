#include "sources/s3/notification.h"

#include <simdjson.h>

#include <utility>

#include "aws/s3.h"
#include "core/time.h"

namespace trailwarden::sources::s3 {
namespace {

using simdjson::SUCCESS;
using simdjson::dom::element;

constexpr size_t kMaxBody = 4 << 20;  // SQS bodies are at most 256 KiB; be generous

std::string_view str(element e, std::string_view name) {
  std::string_view s;
  if (e[name].get_string().get(s) != SUCCESS) return {};
  return s;
}

Result<Notification> decode_element(element doc, bool allow_envelope);

Result<Notification> decode_text(std::string_view text, bool allow_envelope) {
  if (text.empty()) return make_error(ErrorCode::kCorrupt, "notification body is empty");
  if (text.size() > kMaxBody) {
    return make_error(ErrorCode::kCorrupt, "notification body is too large");
  }
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(text.data(), text.size(), true).get(doc) != SUCCESS) {
    return make_error(ErrorCode::kCorrupt, "notification body is not JSON");
  }
  return decode_element(doc, allow_envelope);
}

Result<Notification> decode_element(element doc, bool allow_envelope) {
  if (!doc.is_object()) {
    return make_error(ErrorCode::kCorrupt, "notification body is not a JSON object");
  }
  Notification out;
  // SNS envelope: the payload is a JSON string in Message.
  if (str(doc, "Type") == "Notification") {
    std::string_view message;
    if (doc["Message"].get_string().get(message) != SUCCESS) {
      return make_error(ErrorCode::kCorrupt, "SNS notification without a Message string");
    }
    if (!allow_envelope) {
      return make_error(ErrorCode::kCorrupt, "SNS envelope inside an SNS envelope");
    }
    std::string copy(message);  // the outer parser's buffer is reused below
    auto inner = decode_text(copy, false);
    if (inner) inner->sns = true;
    return inner;
  }
  if (str(doc, "Event") == "s3:TestEvent") {
    out.kind = NotificationKind::kTestEvent;
    return out;
  }
  // CloudTrail's own notification.
  std::string_view ct_bucket;
  if (doc["s3Bucket"].get_string().get(ct_bucket) == SUCCESS) {
    simdjson::dom::array keys;
    if (doc["s3ObjectKey"].get_array().get(keys) != SUCCESS) {
      return make_error(ErrorCode::kCorrupt, "CloudTrail notification without an s3ObjectKey list");
    }
    for (element k : keys) {
      std::string_view key;
      if (k.get_string().get(key) != SUCCESS || key.empty()) {
        return make_error(ErrorCode::kCorrupt, "CloudTrail notification key is not a string");
      }
      ObjectRef ref;
      ref.bucket = ct_bucket;
      ref.key = key;
      out.objects.push_back(std::move(ref));
    }
    return out;
  }
  simdjson::dom::array records;
  if (doc["Records"].get_array().get(records) != SUCCESS) {
    return make_error(ErrorCode::kCorrupt,
                      "not an S3 event, SNS envelope or CloudTrail notification");
  }
  for (element r : records) {
    if (!r.is_object()) {
      return make_error(ErrorCode::kCorrupt, "S3 event record is not an object");
    }
    std::string_view name = str(r, "eventName");
    element s3;
    if (r["s3"].get(s3) != SUCCESS || !s3.is_object()) {
      return make_error(ErrorCode::kCorrupt, "S3 event record without s3");
    }
    if (!name.starts_with("ObjectCreated:")) {
      ++out.skipped_records;
      continue;
    }
    element bucket, object;
    if (s3["bucket"].get(bucket) != SUCCESS || s3["object"].get(object) != SUCCESS) {
      return make_error(ErrorCode::kCorrupt, "S3 event record without bucket or object");
    }
    ObjectRef ref;
    ref.bucket = str(bucket, "name");
    ref.key = aws::url_decode(str(object, "key"), true);
    if (ref.bucket.empty() || ref.key.empty()) {
      return make_error(ErrorCode::kCorrupt, "S3 event record without bucket name or key");
    }
    int64_t size = 0;
    uint64_t usize = 0;
    if (object["size"].get_int64().get(size) == SUCCESS) {
      ref.size = size;
    } else if (object["size"].get_uint64().get(usize) == SUCCESS) {
      ref.size = static_cast<int64_t>(usize >> 1);  // absurd; keep it positive
    }
    ref.etag = str(object, "eTag");
    ref.sequencer = str(object, "sequencer");
    ref.event_name = name;
    ref.event_time_us = parse_iso8601_micros(str(r, "eventTime")).value_or(0);
    out.objects.push_back(std::move(ref));
  }
  return out;
}

}  // namespace

Result<Notification> decode_notification(std::string_view body) { return decode_text(body, true); }

}  // namespace trailwarden::sources::s3
