// The pure parts of aws/s3.h (no network): ListObjectsV2 parsing and key encoding.
#include <charconv>
#include <pugixml.hpp>
#include <utility>

#include "aws/s3.h"
#include "core/time.h"

namespace trailwarden::aws {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The text of the first child element named `name` (S3 uses a default namespace, so
// element names carry no prefix).
std::string_view child_text(const pugi::xml_node& node, const char* name) {
  return node.child(name).text().get();
}

}  // namespace

std::string url_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size()) {
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) {
        out.push_back(c);
      } else {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
      }
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string s3_encode_key(std::string_view key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(key.size() + 16);
  for (unsigned char c : key) {
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.' || c == '~' || c == '/';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

bool s3_virtual_host_ok(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;  // '.', upper case, '_' -> path-style
  }
  return bucket.front() != '-' && bucket.back() != '-';
}

Result<ListObjectsPage> parse_list_objects_v2(std::string_view xml, bool url_encoded) {
  if (xml.empty()) return make_error(ErrorCode::kCorrupt, "ListObjectsV2 response is empty");
  pugi::xml_document doc;
  pugi::xml_parse_result parsed =
      doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    return make_error(ErrorCode::kCorrupt,
                      std::string("ListObjectsV2 response is not XML: ") + parsed.description());
  }
  pugi::xml_node root = doc.child("ListBucketResult");
  if (!root) {
    return make_error(ErrorCode::kCorrupt, "ListObjectsV2 response has no ListBucketResult");
  }
  // Decoded when the response says it used URL encoding (as botocore does): a server that
  // ignored encoding-type=url sends raw keys, which must not be decoded a second time.
  (void)url_encoded;
  bool decode = child_text(root, "EncodingType") == "url";
  auto text = [&](std::string_view raw) {
    return decode ? url_decode(raw, false) : std::string(raw);
  };
  ListObjectsPage page;
  std::string_view truncated = child_text(root, "IsTruncated");
  page.truncated = truncated == "true";
  page.next_token = child_text(root, "NextContinuationToken");
  for (pugi::xml_node c = root.child("Contents"); c; c = c.next_sibling("Contents")) {
    S3Object o;
    o.key = text(child_text(c, "Key"));
    if (o.key.empty()) {
      return make_error(ErrorCode::kCorrupt, "ListObjectsV2 response has an object without a Key");
    }
    o.etag = child_text(c, "ETag");
    std::string_view size = child_text(c, "Size");
    int64_t n = 0;
    auto [ptr, ec] = std::from_chars(size.data(), size.data() + size.size(), n);
    o.size = (ec == std::errc() && ptr == size.data() + size.size() && n >= 0) ? n : 0;
    o.last_modified_us = parse_iso8601_micros(child_text(c, "LastModified")).value_or(0);
    page.contents.push_back(std::move(o));
  }
  for (pugi::xml_node c = root.child("CommonPrefixes"); c; c = c.next_sibling("CommonPrefixes")) {
    std::string p = text(child_text(c, "Prefix"));
    if (!p.empty()) page.common_prefixes.push_back(std::move(p));
  }
  if (page.truncated && page.next_token.empty()) {
    return make_error(ErrorCode::kCorrupt,
                      "ListObjectsV2 response is truncated without a NextContinuationToken");
  }
  return page;
}

}  // namespace trailwarden::aws
