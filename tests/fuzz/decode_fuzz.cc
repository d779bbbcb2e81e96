// Any bytes as a file: decoding and normalizing must never crash, hang or read out of
// bounds, and every record candidate must end as a row or a rejection.
#include <cstdint>
#include <cstdlib>

#include "formats/cloudtrail/decoder.h"
#include "formats/cloudtrail/normalizer.h"

namespace {

using namespace trailwarden::formats;
using namespace trailwarden::formats::cloudtrail;

struct Sink final : RecordSink {
  CloudTrailNormalizer normalizer{1 << 16, 32};
  CloudTrailRows rows;
  size_t candidates = 0, rejected = 0;
  void on_record(std::string_view r, int64_t index, int64_t) override {
    ++candidates;
    if (!normalizer.normalize(r, {"fuzz", index, 0}, rows)) ++rejected;
  }
  void on_reject(RejectReason, int64_t index, std::string_view, std::string_view,
                 std::string_view) override {
    if (index >= 0) {
      ++candidates;
      ++rejected;
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  PaddedBuffer buf;
  buf.assign(std::string_view(reinterpret_cast<const char*>(data), size));
  DecodeLimits limits;
  limits.max_inflated_bytes = 1 << 22;
  limits.max_record_bytes = 1 << 16;
  limits.max_depth = 32;
  CloudTrailDecoder decoder(limits);
  Sink sink;
  decoder.decode(buf, sink);
  if (sink.rows.size() + sink.rejected != sink.candidates) std::abort();
  return 0;
}
