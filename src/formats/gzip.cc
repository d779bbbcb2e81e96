#include "formats/gzip.h"

#include <libdeflate.h>
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <memory>

namespace trailwarden::formats {

bool is_gzip(std::string_view d) {
  return d.size() >= 2 && static_cast<unsigned char>(d[0]) == 0x1f &&
         static_cast<unsigned char>(d[1]) == 0x8b;
}

namespace {

// The slow path: zlib streaming. Handles truncated input (keeps what inflated), members
// that lie about their size, and anything libdeflate refused.
InflateResult gunzip_zlib(std::string_view data, size_t max_output, PaddedBuffer& out) {
  out.clear();
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return {InflateStatus::kCorrupt, "zlib init"};
  size_t in_pos = 0;
  InflateResult result;
  while (in_pos < data.size()) {
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + in_pos));
    zs.avail_in = static_cast<uInt>(std::min<size_t>(data.size() - in_pos, 1u << 30));
    size_t before_in = zs.avail_in;
    int rc = Z_OK;
    while (true) {
      if (out.size() == out.capacity()) {
        if (out.size() >= max_output) {
          inflateEnd(&zs);
          return {InflateStatus::kLimit,
                  "inflated size exceeds the limit of " + std::to_string(max_output) + " bytes"};
        }
        out.reserve(std::min(max_output, out.capacity() * 2 + 65536));
      }
      size_t room = std::min(out.capacity(), max_output) - out.size();
      zs.next_out = reinterpret_cast<Bytef*>(out.data() + out.size());
      zs.avail_out = static_cast<uInt>(std::min<size_t>(room, 1u << 30));
      size_t before_out = zs.avail_out;
      rc = inflate(&zs, Z_NO_FLUSH);
      out.resize(out.size() + (before_out - zs.avail_out));
      if (rc == Z_STREAM_END || rc == Z_NEED_DICT || rc == Z_DATA_ERROR || rc == Z_MEM_ERROR) {
        break;
      }
      if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // input exhausted mid-stream
      if (out.size() >= max_output && zs.avail_out == 0) {
        inflateEnd(&zs);
        return {InflateStatus::kLimit,
                "inflated size exceeds the limit of " + std::to_string(max_output) + " bytes"};
      }
    }
    in_pos += before_in - zs.avail_in;
    if (rc == Z_STREAM_END) {
      // Another member may follow (concatenated gzip); anything else that is not gzip is
      // trailing garbage, which gzip(1) also ignores with a warning.
      std::string_view rest = data.substr(in_pos);
      if (!is_gzip(rest)) break;
      inflateReset(&zs);
      continue;
    }
    if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_MEM_ERROR) {
      result = {InflateStatus::kCorrupt,
                std::string("corrupt gzip data: ") + (zs.msg ? zs.msg : "inflate error")};
    } else {
      result = {InflateStatus::kTruncated,
                "gzip stream ends early after " + std::to_string(out.size()) + " inflated bytes"};
    }
    break;
  }
  inflateEnd(&zs);
  return result;
}

}  // namespace

InflateResult gunzip(std::string_view data, size_t max_output, PaddedBuffer& out) {
  // Fast path: libdeflate in one shot, sized by the ISIZE trailer. ISIZE is attacker-
  // controlled and mod 2^32, so it is only a hint: capped here, and any disagreement (a
  // larger stream, several members, truncation) falls back to zlib, which is exact.
  if (data.size() >= 18) {
    uint32_t isize;
    std::memcpy(&isize, data.data() + data.size() - 4, 4);
    if (isize > 0 && isize <= max_output) {
      struct FreeDecompressor {
        void operator()(libdeflate_decompressor* p) const { libdeflate_free_decompressor(p); }
      };
      thread_local std::unique_ptr<libdeflate_decompressor, FreeDecompressor> owner(
          libdeflate_alloc_decompressor());
      libdeflate_decompressor* d = owner.get();
      out.clear();
      out.reserve(isize);
      size_t in_used = 0, out_used = 0;
      auto rc = libdeflate_gzip_decompress_ex(d, data.data(), data.size(), out.data(), isize,
                                              &in_used, &out_used);
      if (rc == LIBDEFLATE_SUCCESS && in_used == data.size()) {
        out.resize(out_used);
        return {};
      }
    }
  }
  return gunzip_zlib(data, max_output, out);
}

}  // namespace trailwarden::formats
