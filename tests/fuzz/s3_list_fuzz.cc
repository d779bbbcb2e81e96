// Any bytes as a ListObjectsV2 response: parsing never crashes; a truncated page always has a
// continuation token, every object a key, and encoding round-trips every decoded key.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "aws/s3.h"
#include "aws/sqs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trailwarden::aws;
  std::string_view s(reinterpret_cast<const char*>(data), size);
  for (bool encoded : {true, false}) {
    auto page = parse_list_objects_v2(s, encoded);
    if (!page) continue;
    if (page->truncated && page->next_token.empty()) std::abort();
    for (const auto& o : page->contents) {
      if (o.key.empty() || o.size < 0) std::abort();
      if (url_decode(s3_encode_key(o.key), false) != o.key) std::abort();
    }
  }
  // The SQS ReceiveMessage parser shares the target (both are response parsers).
  auto msgs = parse_receive_message(s);
  if (msgs) {
    for (const auto& m : *msgs) {
      if (m.receipt_handle.empty()) std::abort();
    }
  }
  return 0;
}
