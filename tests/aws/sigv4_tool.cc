// Reads one JSON request per line on stdin, signs it with trailwarden's SigV4 signer and
// prints one JSON line: the URL it would send, the canonical request, the string to sign,
// the signature and the Authorization header. Driven by sigv4_botocore.py.
//
// Input: {"method","base","path","query":[[k,v]...],"headers":[[k,v]...],"body","region",
//         "service","amz_date","akid","secret","token","s3"}; `path` and the query are raw
// (not encoded): the tool encodes them as AwsClient does.
#include <simdjson.h>

#include <iostream>
#include <string>

#include "aws/sigv4.h"
#include "core/text.h"

using namespace trailwarden;
using namespace trailwarden::aws;

namespace {

std::string str(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get_string().get(v) != simdjson::SUCCESS) return {};
  return std::string(v);
}

std::vector<std::pair<std::string, std::string>> pairs(simdjson::dom::element e, const char* key) {
  std::vector<std::pair<std::string, std::string>> out;
  simdjson::dom::array arr;
  if (e[key].get_array().get(arr) != simdjson::SUCCESS) return out;
  for (auto item : arr) {
    std::string_view k, v;
    if (item.at(0).get_string().get(k) != simdjson::SUCCESS) continue;
    if (item.at(1).get_string().get(v) != simdjson::SUCCESS) continue;
    out.emplace_back(std::string(k), std::string(v));
  }
  return out;
}

}  // namespace

int main() {
  simdjson::dom::parser parser;
  sigv4::Signer signer;
  std::string line;
  size_t n = 0;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    simdjson::dom::element req;
    if (parser.parse(line).get(req) != simdjson::SUCCESS) {
      std::cerr << "sigv4_tool: bad JSON on line " << (n + 1) << "\n";
      return 2;
    }
    ++n;
    bool s3 = false;
    if (req["s3"].get_bool().get(s3) != simdjson::SUCCESS) s3 = false;
    std::string url = str(req, "base") + sigv4::uri_encode(str(req, "path"), true);
    auto query = pairs(req, "query");
    if (!query.empty()) url += "?" + sigv4::encode_query(query);
    Headers headers;
    for (auto& h : pairs(req, "headers")) headers.push_back(std::move(h));
    Credentials creds{str(req, "akid"), str(req, "secret"), str(req, "token"), 0};
    sigv4::Options options;
    options.s3 = s3;
    auto s = signer.sign(str(req, "method"), url, headers, str(req, "body"), creds,
                         str(req, "region"), str(req, "service"), str(req, "amz_date"), options);
    std::string out =
        "{\"url\":" + json_string(url) + ",\"creq\":" + json_string(s.canonical_request) +
        ",\"sts\":" + json_string(s.string_to_sign) + ",\"sig\":" + json_string(s.signature) +
        ",\"authorization\":" + json_string(s.authorization) + "}\n";
    std::cout << out;
  }
  std::cout.flush();
  return 0;
}
