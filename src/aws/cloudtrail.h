// CloudTrail LookupEvents (awsJson1_1) and EC2 DescribeRegions (ec2 query): request builders
// and response readers. No network here: the collector sends what these build through
// AwsClient, so every function is testable on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.h"
#include "aws/config.h"
#include "core/result.h"

namespace trailwarden::aws {

inline constexpr std::string_view kLookupEventsTarget =
    "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents";
inline constexpr int kLookupEventsMaxResults = 50;

// EC2, for DescribeRegions ("all enabled regions"). Endpoint override AWS_ENDPOINT_URL_EC2.
extern const Service kEc2;

struct LookupEventsParams {
  std::optional<int64_t> start_s;  // StartTime, inclusive, epoch seconds
  std::optional<int64_t> end_s;    // EndTime, inclusive
  std::string attribute_key;       // EventId, EventName ...; empty: no LookupAttributes
  std::string attribute_value;
  int max_results = kLookupEventsMaxResults;  // 1..50
  std::string next_token;                     // empty: first page
};

// The JSON body, e.g. {"StartTime":1705276800,"EndTime":1705280400,"MaxResults":50}.
// Fails on values the API would refuse (MaxResults outside 1..50, start after end, unknown
// attribute key).
Result<std::string> lookup_events_body(const LookupEventsParams& params);

// A ready-to-send request for `region`, with `limiter` taken before every attempt.
Result<AwsRequest> lookup_events_request(const LookupEventsParams& params, std::string region,
                                         RateLimiter* limiter);

struct LookupEventsPage {
  size_t events = 0;
  std::string next_token;          // empty on the last page
  std::optional<double> newest_s;  // largest EventTime on the page
  std::optional<double> oldest_s;  // smallest EventTime on the page
};

// Reads a LookupEvents response body. `body` must have simdjson's padding readable after its
// end (formats::PaddedBuffer gives that).
Result<LookupEventsPage> parse_lookup_events_page(std::string_view body);

// EC2 DescribeRegions in `region` (the account's enabled regions; opted-out ones are left out).
AwsRequest describe_regions_request(std::string region);
Result<std::vector<std::string>> parse_describe_regions(std::string_view xml);

// STS GetCallerIdentity in `region`: the account of the credentials (a 12-digit id).
AwsRequest get_caller_identity_request(std::string region);
Result<std::string> parse_caller_identity_account(std::string_view xml);

}  // namespace trailwarden::aws
