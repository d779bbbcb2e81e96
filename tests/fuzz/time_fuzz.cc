// parse(format(parse(x))) == parse(x) for every time the parser accepts.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/time.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  auto t = trailwarden::parse_iso8601_micros(s);
  if (t) {
    auto again = trailwarden::parse_iso8601_micros(trailwarden::format_iso8601_micros(*t));
    if (!again || *again != *t) std::abort();
  }
  return 0;
}
