// One CloudTrail record as the service writes it (../shared/docs/aws-facts.md §5.4), built as
// JSON text without a DOM: the simulator writes millions of them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/rng.h"

namespace trailwarden::sim {

struct Ev {
  int64_t time = 0;          // seconds since the epoch
  std::string_view account;  // recipientAccountId
  std::string_view region;
  std::string_view source_ip;
  std::string_view agent;
  std::string_view identity;  // the userIdentity object, JSON text
  std::string_view source;    // eventSource
  std::string_view name;      // eventName
  bool read_only = true;
  std::string_view event_type = "AwsApiCall";
  std::string_view request = "null";   // requestParameters, JSON text
  std::string_view response = "null";  // responseElements, JSON text
  std::string_view additional;         // additionalEventData (omitted when empty)
  std::string_view resources;          // resources array (omitted when empty)
  std::string_view error_code;
  std::string_view error_message;
  bool data_event = false;
  bool console = false;  // sessionCredentialFromConsole
  bool tls = true;
  std::string_view vpc_endpoint;
  std::string_view version = "1.09";
};

// "2026-09-01T12:34:56Z"
void append_time(std::string& out, int64_t seconds);
std::string format_time(int64_t seconds);
// YYYY, MM, DD, hh, mm of a time.
struct Civil {
  int year;
  unsigned month, day, hour, minute, second;
};
Civil civil(int64_t seconds);

// Appends the record to `out`; its eventID to `event_id`.
void append_record(std::string& out, const Ev& ev, Rng& rng, std::string& event_id);

}  // namespace trailwarden::sim
