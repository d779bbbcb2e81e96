// JSON field helpers shared by the SQS client (sqs.cc) and its response parser (sqs_parse.cc).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string_view>

namespace trailwarden::aws::sqs_json {

// The string member `name` of `e`, or "" when it is missing or not a string.
std::string_view string_field(simdjson::dom::element e, std::string_view name);
// A whole decimal integer ("42"), or 0 for anything else (SQS sends numbers as strings).
int64_t to_int(std::string_view s);

}  // namespace trailwarden::aws::sqs_json
