#include "aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "core/time.h"

namespace trailwarden::aws::sigv4 {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// botocore: ' '.join(value.split())
std::string squash(std::string_view v) {
  std::string out;
  size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && is_space(v[i])) ++i;
    size_t start = i;
    while (i < v.size() && !is_space(v[i])) ++i;
    if (i > start) {
      if (!out.empty()) out += ' ';
      out.append(v.substr(start, i - start));
    }
  }
  return out;
}

bool unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

// Headers botocore never signs (auth.py SIGNED_HEADERS_BLACKLIST); libcurl may rewrite them.
bool never_signed(std::string_view lname) {
  static constexpr std::string_view kList[] = {"connection",
                                               "expect",
                                               "keep-alive",
                                               "proxy-authenticate",
                                               "proxy-authorization",
                                               "te",
                                               "trailer",
                                               "transfer-encoding",
                                               "upgrade",
                                               "user-agent",
                                               "x-amzn-trace-id",
                                               "authorization"};
  return std::find(std::begin(kList), std::end(kList), lname) != std::end(kList);
}

void erase_header(Headers& headers, std::string_view lname) {
  std::erase_if(headers, [&](const auto& h) { return lower(h.first) == lname; });
}

// RFC 3986 5.2.4 plus squashing of empty segments, as botocore's remove_dot_segments.
std::string remove_dot_segments(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view seg = path.substr(i, j - i);
    if (!seg.empty() && seg != ".") {
      if (seg == "..") {
        if (!out.empty()) out.pop_back();
      } else {
        out.push_back(seg);
      }
    }
    i = j + 1;
  }
  std::string result = path.front() == '/' ? "/" : "";
  for (size_t k = 0; k < out.size(); ++k) {
    if (k > 0) result += '/';
    result.append(out[k]);
  }
  if (path.back() == '/' && !out.empty()) result += '/';
  return result;
}

}  // namespace

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return hex(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (unreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
  }
  return out;
}

std::string encode_query(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += uri_encode(k, false);
    out += '=';
    out += uri_encode(v, false);
  }
  return out;
}

std::string canonical_query(std::string_view wire_query) {
  if (wire_query.empty()) return {};
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  size_t i = 0;
  while (i <= wire_query.size()) {
    size_t j = wire_query.find('&', i);
    if (j == std::string_view::npos) j = wire_query.size();
    std::string_view pair = wire_query.substr(i, j - i);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      pairs.emplace_back(pair, std::string_view());
    } else {
      pairs.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
    }
    i = j + 1;
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (size_t k = 0; k < pairs.size(); ++k) {
    if (k > 0) out += '&';
    out.append(pairs[k].first);
    out += '=';
    out.append(pairs[k].second);
  }
  return out;
}

std::string canonical_uri(std::string_view wire_path, bool normalize) {
  if (!normalize) return wire_path.empty() ? std::string("/") : std::string(wire_path);
  return uri_encode(remove_dot_segments(wire_path), true);
}

std::string amz_date(int64_t micros) {
  int64_t secs = micros >= 0 ? micros / 1'000'000 : (micros - 999'999) / 1'000'000;
  std::string iso = format_iso8601_micros(secs * 1'000'000);  // 2024-01-15T00:04:35Z
  std::string out;
  for (char c : iso) {
    if (c != '-' && c != ':') out += c;
  }
  return out;
}

UrlParts split_url(std::string_view url) {
  UrlParts parts;
  size_t p = url.find("://");
  std::string_view rest = url;
  if (p != std::string_view::npos) {
    parts.scheme = lower(url.substr(0, p));
    rest = url.substr(p + 3);
  }
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  std::string_view host = authority, port;
  size_t bracket = authority.rfind(']');
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  parts.host = lower(host);
  bool default_port = port.empty() || (parts.scheme == "https" && port == "443") ||
                      (parts.scheme == "http" && port == "80");
  if (!default_port) {
    parts.host += ':';
    parts.host.append(port);
  }
  if (size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  size_t q = rest.find('?');
  parts.path = std::string(rest.substr(0, q));
  if (q != std::string_view::npos) parts.query = std::string(rest.substr(q + 1));
  if (parts.path.empty()) parts.path = "/";
  return parts;
}

std::string canonical_request(std::string_view method, std::string_view canonical_uri,
                              std::string_view canonical_query, const Headers& headers,
                              std::string_view payload_hash, std::string* signed_names) {
  // name -> values in the order sent
  std::map<std::string, std::string> joined;
  for (const auto& [name, value] : headers) {
    std::string lname = lower(name);
    auto [it, inserted] = joined.try_emplace(lname, squash(value));
    if (!inserted) {
      it->second += ',';
      it->second += squash(value);
    }
  }
  std::string out;
  out.append(method);
  out += '\n';
  out.append(canonical_uri);
  out += '\n';
  out.append(canonical_query);
  out += '\n';
  std::string names;
  for (const auto& [name, value] : joined) {
    out += name;
    out += ':';
    out += value;
    out += '\n';
    if (!names.empty()) names += ';';
    names += name;
  }
  out += '\n';
  out += names;
  out += '\n';
  out.append(payload_hash);
  if (signed_names != nullptr) *signed_names = std::move(names);
  return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  std::string out = "AWS4-HMAC-SHA256\n";
  out.append(amz_date);
  out += '\n';
  out.append(scope);
  out += '\n';
  out += sha256_hex(canonical_request);
  return out;
}

std::string Signer::signing_key(const Credentials& credentials, std::string_view day,
                                std::string_view region, std::string_view service) {
  auto key = std::make_tuple(credentials.access_key_id, credentials.secret_access_key,
                             std::string(day), std::string(region), std::string(service));
  {
    std::lock_guard lock(mu_);
    if (auto it = keys_.find(key); it != keys_.end()) return it->second;
  }
  std::string k = hmac_sha256("AWS4" + credentials.secret_access_key, day);
  k = hmac_sha256(k, region);
  k = hmac_sha256(k, service);
  k = hmac_sha256(k, "aws4_request");
  std::lock_guard lock(mu_);
  if (keys_.size() >= 64) keys_.clear();  // old days and rotated keys
  keys_.emplace(std::move(key), k);
  return k;
}

size_t Signer::cached_keys() const {
  std::lock_guard lock(mu_);
  return keys_.size();
}

Signed Signer::sign(std::string_view method, std::string_view url, Headers& headers,
                    std::string_view body, const Credentials& credentials, std::string_view region,
                    std::string_view service, std::string_view amz_date_value,
                    const Options& options) {
  UrlParts parts = split_url(url);
  std::string payload_hash = sha256_hex(body);

  erase_header(headers, "authorization");
  erase_header(headers, "x-amz-date");
  headers.emplace_back("X-Amz-Date", std::string(amz_date_value));
  if (!credentials.session_token.empty()) {
    erase_header(headers, "x-amz-security-token");
    headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  if (options.s3 || options.content_sha256) {
    erase_header(headers, "x-amz-content-sha256");
    headers.emplace_back("X-Amz-Content-SHA256", payload_hash);
  }

  Headers to_sign;
  bool has_host = false;
  for (const auto& h : headers) {
    std::string lname = lower(h.first);
    if (never_signed(lname)) continue;
    if (lname == "host") has_host = true;
    to_sign.push_back(h);
  }
  if (!has_host) to_sign.emplace_back("host", parts.host);

  Signed out;
  bool normalize = !options.s3 && options.normalize_path;
  std::string upper_method = lower(method);
  for (char& c : upper_method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  out.canonical_request =
      canonical_request(upper_method, canonical_uri(parts.path, normalize),
                        canonical_query(parts.query), to_sign, payload_hash, &out.signed_headers);
  std::string_view day = amz_date_value.substr(0, std::min<size_t>(8, amz_date_value.size()));
  std::string scope =
      std::string(day) + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  out.string_to_sign = string_to_sign(amz_date_value, scope, out.canonical_request);
  out.signature =
      hex(hmac_sha256(signing_key(credentials, day, region, service), out.string_to_sign));
  out.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
                      ", SignedHeaders=" + out.signed_headers + ", Signature=" + out.signature;
  headers.emplace_back("Authorization", out.authorization);
  return out;
}

}  // namespace trailwarden::aws::sigv4
