// Any bytes as an SQS message body: decoding never crashes, and whatever decodes names only
// non-empty buckets and keys.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sources/s3/notification.h"
#include "sources/s3/s3_keys.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trailwarden::sources::s3;
  std::string_view s(reinterpret_cast<const char*>(data), size);
  auto n = decode_notification(s);
  if (n) {
    for (const auto& o : n->objects) {
      if (o.bucket.empty() || o.key.empty()) std::abort();
      KeyInfo k = classify_key(o.key);
      if (k.kind == KeyKind::kCloudTrail || k.kind == KeyKind::kGuardDuty) {
        if (!o.key.starts_with(k.partition) ||
            classify_prefix(k.partition).partition != k.partition)
          std::abort();
      }
    }
    if (n->kind == NotificationKind::kTestEvent && !n->objects.empty()) std::abort();
  }
  // The key classifier takes any text too.
  KeyInfo k = classify_key(s);
  if (k.kind == KeyKind::kCloudTrail && k.delivery_us == 0) std::abort();
  (void)classify_prefix(s);
  (void)parse_s3_url(s);
  return 0;
}
