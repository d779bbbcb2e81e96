// Decoding an SQS message body that announces S3 objects: an S3 event notification
// (Records[].s3), the same wrapped in an SNS envelope (Message holds the JSON again), or
// CloudTrail's own SNS notification {"s3Bucket":..,"s3ObjectKey":[..]}. The s3:TestEvent sent
// when notifications are configured is recognised so it can be acknowledged and dropped.
// Pure and hostile-input safe (fuzzed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace trailwarden::sources::s3 {

struct ObjectRef {
  std::string bucket;
  std::string key;  // decoded (form-style: '+' is a space, then %XX)
  int64_t size = -1;
  std::string etag;
  std::string sequencer;
  std::string event_name;  // "ObjectCreated:Put"; empty for CloudTrail's notification
  int64_t event_time_us = 0;
};

enum class NotificationKind {
  kObjects,    // objects named (possibly none, e.g. only ObjectRemoved records)
  kTestEvent,  // s3:TestEvent: acknowledge and drop
};

struct Notification {
  NotificationKind kind = NotificationKind::kObjects;
  std::vector<ObjectRef> objects;  // ObjectCreated:* records and CloudTrail keys only
  int skipped_records = 0;         // records of other events (ObjectRemoved ...)
  bool sns = false;                // came wrapped in an SNS envelope
};

// Errors (kCorrupt) for bodies that are none of the above; the caller decides what to do with
// such a message (it is not ours to delete silently).
Result<Notification> decode_notification(std::string_view body);

}  // namespace trailwarden::sources::s3
