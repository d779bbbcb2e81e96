// Any bytes as one record: normalize() either appends exactly one row or none.
#include <cstdint>
#include <cstdlib>

#include "formats/cloudtrail/normalizer.h"
#include "formats/padded_buffer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trailwarden::formats;
  static cloudtrail::CloudTrailNormalizer normalizer(1 << 16, 32);
  PaddedBuffer buf;
  buf.assign(std::string_view(reinterpret_cast<const char*>(data), size));
  cloudtrail::CloudTrailRows rows;
  auto r = normalizer.normalize(buf.view(), {"fuzz", 0, 0}, rows);
  if (rows.size() != (r ? 1u : 0u)) std::abort();
  if (r && rows.column(cloudtrail::Col::kAwsEventId).str(0).empty()) std::abort();
  return 0;
}
