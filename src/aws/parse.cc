#include "aws/parse.h"

#include <simdjson.h>

#include <algorithm>
#include <pugixml.hpp>
#include <string>

#include "core/text.h"
#include "core/time.h"

namespace trailwarden::aws {

namespace {

constexpr size_t kMaxText = 1024;  // error texts kept from a response

std::string clip(std::string_view s) { return std::string(s.substr(0, kMaxText)); }

std::string trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

// "com.amazonaws.x#ThrottlingException:http://..." -> "ThrottlingException"
std::string strip_type(std::string_view t) {
  if (size_t hash = t.rfind('#'); hash != std::string_view::npos) t = t.substr(hash + 1);
  if (size_t colon = t.find(':'); colon != std::string_view::npos) t = t.substr(0, colon);
  return trim(t);
}

std::string_view local_name(const char* name) {
  std::string_view n(name);
  if (size_t colon = n.find(':'); colon != std::string_view::npos) n = n.substr(colon + 1);
  return n;
}

pugi::xml_node child(pugi::xml_node node, std::string_view name) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && local_name(c.name()) == name) return c;
  }
  return {};
}

std::string text_of(pugi::xml_node node) { return trim(node.text().get()); }

bool parse_xml(std::string_view body, pugi::xml_document& doc) {
  // No DOCTYPE / entity expansion beyond the predefined ones: pugixml does not fetch or
  // expand external entities.
  auto res = doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  return static_cast<bool>(res);
}

bool looks_like_json(std::string_view body) {
  for (char c : body) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    return c == '{';
  }
  return false;
}

bool looks_like_xml(std::string_view body) {
  for (char c : body) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    return c == '<';
  }
  return false;
}

void parse_json_error(std::string_view body, AwsError& e) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) return;
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) return;
  for (auto field : obj) {
    std::string_view key = field.key;
    std::string_view value;
    if (field.value.get_string().get(value) != simdjson::SUCCESS) continue;
    if (key == "__type" || (key == "code" && e.code.empty()) || (key == "Code" && e.code.empty())) {
      e.code = clip(strip_type(value));
    } else if (key == "message" || key == "Message" || key == "errorMessage") {
      e.message = clip(value);
    }
  }
}

void parse_xml_error(std::string_view body, AwsError& e) {
  pugi::xml_document doc;
  if (!parse_xml(body, doc)) return;
  pugi::xml_node root = doc.document_element();
  pugi::xml_node err;
  if (local_name(root.name()) == "ErrorResponse") {  // query protocol
    err = child(root, "Error");
    if (auto rid = child(root, "RequestId")) e.request_id = clip(text_of(rid));
  } else if (local_name(root.name()) == "Error") {  // S3
    err = root;
  } else if (local_name(root.name()) == "Response") {  // EC2-style
    err = child(child(root, "Errors"), "Error");
    if (auto rid = child(root, "RequestID")) e.request_id = clip(text_of(rid));
  }
  if (!err) return;
  if (auto c = child(err, "Code")) e.code = clip(text_of(c));
  if (auto m = child(err, "Message")) e.message = clip(text_of(m));
  if (auto rid = child(err, "RequestId"); rid && e.request_id.empty()) {
    e.request_id = clip(text_of(rid));
  }
}

std::string code_for_status(long status) {
  switch (status) {
    case 301:
      return "PermanentRedirect";
    case 304:
      return "NotModified";
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 409:
      return "Conflict";
    case 412:
      return "PreconditionFailed";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 502:
      return "BadGateway";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "GatewayTimeout";
    default:
      return "HTTP" + std::to_string(status);
  }
}

}  // namespace

bool is_throttling_code(std::string_view code) {
  static constexpr std::string_view kCodes[] = {
      "Throttling",
      "ThrottlingException",
      "ThrottledException",
      "RequestThrottledException",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "BandwidthLimitExceeded",
      "LimitExceededException",
      "RequestThrottled",
      "SlowDown",
      "PriorRequestNotComplete",
      "EC2ThrottledException",
  };
  return std::find(std::begin(kCodes), std::end(kCodes), code) != std::end(kCodes);
}

bool is_transient_code(std::string_view code) {
  return code == "RequestTimeout" || code == "RequestTimeoutException" ||
         code == "PriorRequestNotComplete";
}

bool is_clock_skew_code(std::string_view code) {
  return code == "RequestTimeTooSkewed" || code == "RequestExpired" ||
         code == "RequestInTheFuture" || code == "InvalidSignatureException" ||
         code == "SignatureDoesNotMatch" || code == "AuthFailure";
}

std::optional<int64_t> parse_http_date(std::string_view text) {
  // [Day, ]DD Mon YYYY HH:MM:SS GMT
  if (size_t comma = text.find(','); comma != std::string_view::npos) {
    text = text.substr(comma + 1);
  }
  auto skip_spaces = [&] {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  };
  auto number = [&](size_t digits) -> std::optional<int> {
    if (text.size() < digits) return std::nullopt;
    int v = 0;
    for (size_t i = 0; i < digits; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      v = v * 10 + (text[i] - '0');
    }
    text.remove_prefix(digits);
    return v;
  };
  skip_spaces();
  auto day = number(2);
  skip_spaces();
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int month = 0;
  for (int m = 0; m < 12; ++m) {
    if (text.starts_with(kMonths[m])) month = m + 1;
  }
  if (!day || month == 0) return std::nullopt;
  text.remove_prefix(3);
  skip_spaces();
  auto year = number(4);
  skip_spaces();
  auto hh = number(2);
  if (!text.starts_with(':')) return std::nullopt;
  text.remove_prefix(1);
  auto mm = number(2);
  if (!text.starts_with(':')) return std::nullopt;
  text.remove_prefix(1);
  auto ss = number(2);
  skip_spaces();
  if (!year || !hh || !mm || !ss || text != "GMT") return std::nullopt;
  if (*day < 1 || *day > 31 || *hh > 23 || *mm > 59 || *ss > 60 || *year < 1970) {
    return std::nullopt;
  }
  int64_t days = days_from_civil(*year, static_cast<unsigned>(month), static_cast<unsigned>(*day));
  return ((days * 24 + *hh) * 60 + *mm) * 60'000'000LL + *ss * 1'000'000LL;
}

AwsError parse_error_response(long status, const Headers& headers, std::string_view body) {
  AwsError e;
  e.http_status = status;
  HttpResponse view;  // for the case-insensitive header lookup
  view.headers = headers;
  if (auto rid = view.header("x-amzn-RequestId")) {
    e.request_id = clip(*rid);
  } else if (auto s3rid = view.header("x-amz-request-id")) {
    e.request_id = clip(*s3rid);
  }
  if (looks_like_json(body)) {
    parse_json_error(body, e);
  } else if (looks_like_xml(body)) {
    parse_xml_error(body, e);
  }
  if (e.code.empty()) {
    if (auto t = view.header("x-amzn-ErrorType")) e.code = clip(strip_type(*t));
  }
  // awsQueryCompatible services (SQS): the legacy query code is the one callers know.
  if (auto q = view.header("x-amzn-query-error")) {
    std::string_view qv = *q;
    std::string qcode = trim(qv.substr(0, qv.find(';')));
    if (!qcode.empty()) e.code = clip(qcode);
  }
  if (e.code.empty()) e.code = code_for_status(status);
  e.throttling = is_throttling_code(e.code) || status == 429;
  e.retryable = e.throttling || is_transient_code(e.code) || status == 500 || status == 502 ||
                status == 503 || status == 504 || status == 509;
  return e;
}

Result<Credentials> parse_sts_credentials(std::string_view xml) {
  pugi::xml_document doc;
  if (!parse_xml(xml, doc)) {
    return make_error(ErrorCode::kUnavailable, "STS answered with malformed XML");
  }
  pugi::xml_node root = doc.document_element();
  pugi::xml_node result;
  for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && local_name(c.name()).ends_with("Result")) {
      result = c;
      break;
    }
  }
  pugi::xml_node cred = child(result, "Credentials");
  if (!cred) {
    return make_error(ErrorCode::kUnavailable, "STS answer has no Credentials element");
  }
  Credentials c;
  c.access_key_id = text_of(child(cred, "AccessKeyId"));
  c.secret_access_key = text_of(child(cred, "SecretAccessKey"));
  c.session_token = text_of(child(cred, "SessionToken"));
  std::string exp = text_of(child(cred, "Expiration"));
  if (c.access_key_id.empty() || c.secret_access_key.empty() || c.session_token.empty()) {
    return make_error(ErrorCode::kUnavailable,
                      "STS answer lacks AccessKeyId, SecretAccessKey or SessionToken");
  }
  auto when = parse_iso8601_micros(exp);
  if (!when) {
    return make_error(ErrorCode::kUnavailable, "STS answer has no valid Expiration");
  }
  c.expiration_us = *when;
  return c;
}

Result<Credentials> parse_json_credentials(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  simdjson::dom::object obj;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS ||
      root.get_object().get(obj) != simdjson::SUCCESS) {
    return make_error(ErrorCode::kUnavailable, "credentials endpoint answered with malformed JSON");
  }
  Credentials c;
  std::string code, expiration;
  for (auto field : obj) {
    int64_t version = 0;
    if (field.key == "Version" && field.value.get_int64().get(version) == simdjson::SUCCESS &&
        version != 1) {
      return make_error(ErrorCode::kUnavailable, "credentials document is not Version 1");
    }
    std::string_view v;
    if (field.value.get_string().get(v) != simdjson::SUCCESS) continue;
    if (field.key == "AccessKeyId")
      c.access_key_id = std::string(v);
    else if (field.key == "SecretAccessKey")
      c.secret_access_key = std::string(v);
    else if (field.key == "Token" || field.key == "SessionToken")
      c.session_token = std::string(v);
    else if (field.key == "Expiration")
      expiration = std::string(v);
    else if (field.key == "Code")
      code = std::string(v.substr(0, 64));
  }
  if (!code.empty() && code != "Success") {
    return make_error(ErrorCode::kUnavailable,
                      "credentials endpoint answered Code " + escape_control(code));
  }
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return make_error(ErrorCode::kUnavailable,
                      "credentials endpoint answer lacks AccessKeyId or SecretAccessKey");
  }
  if (!expiration.empty()) {
    auto when = parse_iso8601_micros(expiration);
    if (!when) return make_error(ErrorCode::kUnavailable, "credentials have an invalid Expiration");
    c.expiration_us = *when;
  }
  return c;
}

}  // namespace trailwarden::aws
