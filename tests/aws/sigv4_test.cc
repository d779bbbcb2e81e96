#include "aws/sigv4.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/time.h"

namespace trailwarden::aws::sigv4 {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string json_field(const std::string& json, const std::string& key) {
  size_t k = json.find("\"" + key + "\"");
  if (k == std::string::npos) return {};
  size_t colon = json.find(':', k);
  size_t start = json.find_first_not_of(" \t\n", colon + 1);
  if (json[start] == '"') {
    size_t end = json.find('"', start + 1);
    return json.substr(start + 1, end - start - 1);
  }
  size_t end = json.find_first_of(",}\n", start);
  return json.substr(start, end - start);
}

// The suite's request.txt shows the query decoded; on the wire every byte outside the
// unreserved set (and the = & separators) is percent-encoded.
std::string wire_query(std::string_view q) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : q) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '=' || c == '&' ||
        c == '%') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
  }
  return out;
}

TEST(SigV4Suite, EveryApplicableHeaderCase) {
  std::filesystem::path root = TRAILWARDEN_SHARED_DIR "/datasets/sigv4-test-suite/v4";
  if (!std::filesystem::exists(root)) GTEST_SKIP() << "SigV4 suite not found at " << root;
  std::vector<std::filesystem::path> cases;
  for (const auto& e : std::filesystem::directory_iterator(root)) cases.push_back(e.path());
  std::sort(cases.begin(), cases.end());
  int passed = 0, not_applicable = 0;
  for (const auto& dir : cases) {
    SCOPED_TRACE(dir.filename().string());
    std::string ctx = slurp(dir / "context.json");
    if (json_field(ctx, "omit_session_token") == "true") {
      ++not_applicable;  // token added after signing, unsigned: botocore always signs it
      continue;
    }
    std::string raw = slurp(dir / "request.txt");
    size_t blank = raw.find("\n\n");
    std::string head = blank == std::string::npos ? raw : raw.substr(0, blank);
    std::string body = blank == std::string::npos ? "" : raw.substr(blank + 2);
    std::vector<std::string> lines;
    std::istringstream hs(head);
    for (std::string l; std::getline(hs, l);) lines.push_back(l);
    std::string method = lines[0].substr(0, lines[0].find(' '));
    std::string target = lines[0].substr(method.size() + 1);
    target = target.substr(0, target.rfind(' '));
    Headers headers;
    for (size_t i = 1; i < lines.size(); ++i) {
      if (lines[i].empty()) continue;
      if ((lines[i][0] == ' ' || lines[i][0] == '\t') && !headers.empty()) {
        headers.back().second += "\n" + lines[i];
        continue;
      }
      size_t colon = lines[i].find(':');
      headers.emplace_back(lines[i].substr(0, colon), lines[i].substr(colon + 1));
    }
    std::string host;
    for (const auto& [k, v] : headers) {
      if (k == "Host") host = v;
    }
    bool normalize = json_field(ctx, "normalize") == "true";
    std::string path = target.substr(0, target.find('?'));
    std::string query =
        target.find('?') == std::string::npos ? "" : target.substr(target.find('?') + 1);
    if (!normalize) path = uri_encode(path, true);
    std::string url = "https://" + host + path +
                      (target.find('?') != std::string::npos ? "?" : "") + wire_query(query);
    Credentials creds{json_field(ctx, "access_key_id"), json_field(ctx, "secret_access_key"),
                      json_field(ctx, "token"), 0};
    Options opts;
    opts.normalize_path = normalize;
    opts.content_sha256 = json_field(ctx, "sign_body") == "true";
    auto ts = parse_iso8601_micros(json_field(ctx, "timestamp"));
    ASSERT_TRUE(ts);
    Signer signer;
    Signed s = signer.sign(method, url, headers, body, creds, json_field(ctx, "region"),
                           json_field(ctx, "service"), amz_date(*ts), opts);
    EXPECT_EQ(s.canonical_request, slurp(dir / "header-canonical-request.txt"));
    EXPECT_EQ(s.string_to_sign, slurp(dir / "header-string-to-sign.txt"));
    std::string want_sig = slurp(dir / "header-signature.txt");
    while (!want_sig.empty() && std::isspace(static_cast<unsigned char>(want_sig.back()))) {
      want_sig.pop_back();
    }
    EXPECT_EQ(s.signature, want_sig);
    // The Authorization header in the signed request is ours, byte for byte.
    std::string signed_req = slurp(dir / "header-signed-request.txt");
    EXPECT_NE(signed_req.find("Authorization:" + s.authorization), std::string::npos)
        << s.authorization;
    if (s.signature == want_sig) ++passed;
  }
  EXPECT_EQ(passed, 37);
  EXPECT_EQ(not_applicable, 1);
}

const Credentials kSuiteCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", 0};
const Credentials kS3DocCreds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                              "", 0};

TEST(SigV4Anchors, GetVanillaAndSessionToken) {
  Signer signer;
  Headers h;
  auto s = signer.sign("GET", "https://example.amazonaws.com/", h, "", kSuiteCreds, "us-east-1",
                       "service", "20150830T123600Z", {});
  EXPECT_EQ(s.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  Credentials with_token = kSuiteCreds;
  with_token.session_token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
  Headers h2;
  auto s2 = signer.sign("GET", "https://example.amazonaws.com/", h2, "", with_token, "us-east-1",
                        "service", "20150830T123600Z", {});
  EXPECT_EQ(s2.signature, "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8");
  EXPECT_EQ(s2.signed_headers, "host;x-amz-date;x-amz-security-token");
  bool token_sent = false;
  for (const auto& [k, v] : h2)
    token_sent |= k == "X-Amz-Security-Token" && v == with_token.session_token;
  EXPECT_TRUE(token_sent);
}

TEST(SigV4Anchors, S3DocumentationExamples) {
  Signer signer;
  Options s3;
  s3.s3 = true;
  Headers h{{"Range", "bytes=0-9"}};
  auto a = signer.sign("GET", "https://examplebucket.s3.amazonaws.com/test.txt", h, "", kS3DocCreds,
                       "us-east-1", "s3", "20130524T000000Z", s3);
  EXPECT_EQ(a.signed_headers, "host;range;x-amz-content-sha256;x-amz-date");
  EXPECT_EQ(a.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  bool sha_sent = false;
  for (const auto& [k, v] : h) sha_sent |= k == "X-Amz-Content-SHA256" && v == kEmptySha256;
  EXPECT_TRUE(sha_sent);
  Headers h2;
  auto b = signer.sign("GET", "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J", h2, "",
                       kS3DocCreds, "us-east-1", "s3", "20130524T000000Z", s3);
  EXPECT_EQ(b.signed_headers, "host;x-amz-content-sha256;x-amz-date");
  EXPECT_EQ(b.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4Anchors, CloudTrailLookupEvents) {
  Signer signer;
  Headers h{
      {"Content-Type", "application/x-amz-json-1.1"},
      {"X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"}};
  auto s =
      signer.sign("POST", "https://cloudtrail.us-east-1.amazonaws.com/", h, "{\"MaxResults\":50}",
                  kSuiteCreds, "us-east-1", "cloudtrail", "20240101T000000Z", {});
  EXPECT_EQ(s.signed_headers, "content-type;host;x-amz-date;x-amz-target");
  EXPECT_EQ(s.signature, "8d426d5a9feb2615a80c997270ed403c039a1dfa4271b69c8a955cf4f461738d");
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/cloudtrail/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
            "Signature=8d426d5a9feb2615a80c997270ed403c039a1dfa4271b69c8a955cf4f461738d");
}

TEST(SigV4Anchors, CustomS3EndpointSignsThePort) {
  Signer signer;
  Options s3;
  s3.s3 = true;
  Headers h;
  Credentials minio{"minioadmin", "minioadmin", "", 0};
  auto s = signer.sign("GET", "http://127.0.0.1:9000/logs?list-type=2&prefix=AWSLogs%2F", h, "",
                       minio, "us-east-1", "s3", "20240115T000000Z", s3);
  EXPECT_NE(s.canonical_request.find("\nhost:127.0.0.1:9000\n"), std::string::npos);
  EXPECT_EQ(s.signature, "6155dc4fa0f48f8d61b56117ef8f027b413237552fac95db55b675de5be66fd5");
}

TEST(SigV4, UriEncoding) {
  EXPECT_EQ(uri_encode("AWSLogs/a b+c/\xC3\xA9~x.json.gz", true),
            "AWSLogs/a%20b%2Bc/%C3%A9~x.json.gz");
  EXPECT_EQ(uri_encode("a/b=c&d", false), "a%2Fb%3Dc%26d");
  EXPECT_EQ(uri_encode("AZaz09-_.~", false), "AZaz09-_.~");
  EXPECT_EQ(encode_query({{"continuation-token", "1ueGcx/+=="}, {"prefix", ""}}),
            "continuation-token=1ueGcx%2F%2B%3D%3D&prefix=");
}

TEST(SigV4, CanonicalQueryAndUri) {
  EXPECT_EQ(canonical_query("b=2&a=3&a=1&c"), "a=1&a=3&b=2&c=");
  EXPECT_EQ(canonical_query(""), "");
  EXPECT_EQ(canonical_uri("/a%20b/c", true), "/a%2520b/c");
  EXPECT_EQ(canonical_uri("/a%20b/c", false), "/a%20b/c");
  EXPECT_EQ(canonical_uri("//a/./b/../c/", true), "/a/c/");
  EXPECT_EQ(canonical_uri("/..", true), "/");
  EXPECT_EQ(canonical_uri("", true), "/");
  EXPECT_EQ(canonical_uri("//a/./b", false), "//a/./b");
}

TEST(SigV4, UrlSplitAndDates) {
  auto a = split_url("HTTPS://Example.COM:443/p?q=1");
  EXPECT_EQ(a.host, "example.com");
  EXPECT_EQ(a.path, "/p");
  EXPECT_EQ(a.query, "q=1");
  EXPECT_EQ(split_url("http://127.0.0.1:80").host, "127.0.0.1");
  EXPECT_EQ(split_url("http://127.0.0.1:8080").path, "/");
  EXPECT_EQ(split_url("http://[::1]:8080/x").host, "[::1]:8080");
  EXPECT_EQ(split_url("https://h:8443/").host, "h:8443");
  EXPECT_EQ(amz_date(*parse_iso8601_micros("2015-08-30T12:36:00.999Z")), "20150830T123600Z");
}

TEST(SigV4, SigningKeyCachedPerDay) {
  Signer signer;
  Headers h;
  signer.sign("GET", "https://x/", h, "", kSuiteCreds, "us-east-1", "s", "20240101T000000Z", {});
  signer.sign("GET", "https://x/", h, "", kSuiteCreds, "us-east-1", "s", "20240101T235959Z", {});
  EXPECT_EQ(signer.cached_keys(), 1u);
  signer.sign("GET", "https://x/", h, "", kSuiteCreds, "us-east-1", "s", "20240102T000000Z", {});
  EXPECT_EQ(signer.cached_keys(), 2u);
  // Re-signing replaces the previous signature headers instead of adding more.
  int auth = 0, date = 0;
  for (const auto& [k, v] : h) {
    auth += k == "Authorization";
    date += k == "X-Amz-Date";
  }
  EXPECT_EQ(auth, 1);
  EXPECT_EQ(date, 1);
  // The known derived key of the documentation example (20150830/us-east-1/iam).
  EXPECT_EQ(hex(signer.signing_key(kSuiteCreds, "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

}  // namespace
}  // namespace trailwarden::aws::sigv4
