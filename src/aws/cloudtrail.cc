#include "aws/cloudtrail.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <pugixml.hpp>

#include "core/text.h"

namespace trailwarden::aws {

const Service kEc2{"EC2", "ec2", "ec2"};

namespace {

constexpr std::array<std::string_view, 8> kAttributeKeys = {
    "EventId",      "EventName",    "ReadOnly",    "Username",
    "ResourceType", "ResourceName", "EventSource", "AccessKeyId"};

}  // namespace

Result<std::string> lookup_events_body(const LookupEventsParams& p) {
  if (p.max_results < 1 || p.max_results > kLookupEventsMaxResults)
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("MaxResults {} is outside 1..50", p.max_results));
  if (p.start_s && p.end_s && *p.start_s > *p.end_s)
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("StartTime {} is after EndTime {}", *p.start_s, *p.end_s));
  std::string out = "{";
  auto field = [&](std::string_view name) {
    if (out.size() > 1) out += ',';
    out += '"';
    out += name;
    out += "\":";
  };
  if (!p.attribute_key.empty()) {
    if (std::find(kAttributeKeys.begin(), kAttributeKeys.end(), p.attribute_key) ==
        kAttributeKeys.end())
      return make_error(ErrorCode::kInvalidArgument,
                        "unknown LookupAttributes key " + json_string(p.attribute_key));
    field("LookupAttributes");
    out += "[{\"AttributeKey\":";
    append_json_string(out, p.attribute_key);
    out += ",\"AttributeValue\":";
    append_json_string(out, p.attribute_value);
    out += "}]";
  }
  if (p.start_s) {
    field("StartTime");
    out += std::to_string(*p.start_s);
  }
  if (p.end_s) {
    field("EndTime");
    out += std::to_string(*p.end_s);
  }
  field("MaxResults");
  out += std::to_string(p.max_results);
  if (!p.next_token.empty()) {
    field("NextToken");
    append_json_string(out, p.next_token);
  }
  out += '}';
  return out;
}

Result<AwsRequest> lookup_events_request(const LookupEventsParams& params, std::string region,
                                         RateLimiter* limiter) {
  auto body = lookup_events_body(params);
  if (!body) return std::unexpected(body.error());
  AwsRequest r;
  r.service = &kCloudTrail;
  r.region = std::move(region);
  r.method = "POST";
  r.path = "/";
  r.headers = {{"Content-Type", "application/x-amz-json-1.1"},
               {"X-Amz-Target", std::string(kLookupEventsTarget)}};
  r.body = std::move(*body);
  r.limiter = limiter;
  r.context = "cloudtrail LookupEvents " + r.region;
  return r;
}

Result<LookupEventsPage> parse_lookup_events_page(std::string_view body) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(body.data(), body.size()).get(root); err)
    return make_error(ErrorCode::kCorrupt, std::string("LookupEvents response is not JSON: ") +
                                               simdjson::error_message(err));
  simdjson::dom::object obj;
  if (root.get_object().get(obj))
    return make_error(ErrorCode::kCorrupt, "LookupEvents response is not a JSON object");
  LookupEventsPage page;
  simdjson::dom::array events;
  auto ev = obj["Events"];
  if (ev.error() == simdjson::SUCCESS) {
    if (ev.get_array().get(events))
      return make_error(ErrorCode::kCorrupt, "LookupEvents response: Events is not a list");
    for (simdjson::dom::element e : events) {
      ++page.events;
      double t = 0;
      if (e["EventTime"].get_double().get(t)) continue;  // the decoder judges the record
      if (!page.newest_s || t > *page.newest_s) page.newest_s = t;
      if (!page.oldest_s || t < *page.oldest_s) page.oldest_s = t;
    }
  } else if (ev.error() != simdjson::NO_SUCH_FIELD) {
    return make_error(ErrorCode::kCorrupt, "LookupEvents response: bad Events");
  }
  auto tok = obj["NextToken"];
  if (tok.error() == simdjson::SUCCESS && !tok.is_null()) {
    std::string_view t;
    if (tok.get_string().get(t))
      return make_error(ErrorCode::kCorrupt, "LookupEvents response: NextToken is not a string");
    page.next_token = std::string(t);
  }
  return page;
}

AwsRequest describe_regions_request(std::string region) {
  std::string context = "ec2 DescribeRegions " + region;
  return query_request(kEc2, std::move(region),
                       {{"Action", "DescribeRegions"}, {"Version", "2016-11-15"}},
                       std::move(context));
}

Result<std::vector<std::string>> parse_describe_regions(std::string_view xml) {
  pugi::xml_document doc;
  auto parsed = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default);
  if (!parsed)
    return make_error(ErrorCode::kCorrupt,
                      std::string("DescribeRegions response is not XML: ") + parsed.description());
  pugi::xml_node root = doc.child("DescribeRegionsResponse");
  if (!root) return make_error(ErrorCode::kCorrupt, "DescribeRegions response has no root");
  std::vector<std::string> regions;
  for (pugi::xml_node item : root.child("regionInfo").children("item")) {
    std::string_view name = item.child_value("regionName");
    std::string_view status = item.child_value("optInStatus");
    if (name.empty() || status == "not-opted-in") continue;
    // Region names are short lower-case identifiers; anything else is not used as one.
    if (name.size() > 32 || !std::all_of(name.begin(), name.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        }))
      return make_error(
          ErrorCode::kCorrupt,
          "DescribeRegions returned a region name that is not one: " + escape_control(name));
    regions.emplace_back(name);
  }
  if (regions.empty()) return make_error(ErrorCode::kCorrupt, "DescribeRegions returned no region");
  std::sort(regions.begin(), regions.end());
  regions.erase(std::unique(regions.begin(), regions.end()), regions.end());
  return regions;
}

AwsRequest get_caller_identity_request(std::string region) {
  std::string context = "sts GetCallerIdentity " + region;
  return query_request(kSts, std::move(region),
                       {{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}},
                       std::move(context));
}

Result<std::string> parse_caller_identity_account(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size()))
    return make_error(ErrorCode::kCorrupt, "GetCallerIdentity response is not XML");
  std::string_view account = doc.child("GetCallerIdentityResponse")
                                 .child("GetCallerIdentityResult")
                                 .child_value("Account");
  if (account.size() != 12 ||
      !std::all_of(account.begin(), account.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return make_error(ErrorCode::kCorrupt,
                      "GetCallerIdentity returned no 12-digit account: " + escape_control(account));
  return std::string(account);
}

}  // namespace trailwarden::aws
