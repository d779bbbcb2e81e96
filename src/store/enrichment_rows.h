// The IpEnrichment table: one row per distinct sourceIPAddress value the workspace has seen,
// with what enrichment said about it when it was last seen. The AWSCloudTrail view joins it, so
// SourceCountry, SourceCity, ... read like columns of the events without costing every
// appended event a column of its own (per-column store cost: bench/RESULTS.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace trailwarden::store {

struct IpEnrichmentRow {
  std::string source;  // the sourceIPAddress value as recorded (the key)
  std::string kind;    // enrich::source_kind_name
  std::string country;
  std::string city;
  std::optional<double> latitude;
  std::optional<double> longitude;
  int accuracy_km = 0;
  uint32_t asn = 0;
  std::string as_org;
  std::string lists;  // comma-separated names of the lists the address was on: "tor_exit,aws"
  int64_t first_seen_us = 0;  // event time
  int64_t last_seen_us = 0;
};

}  // namespace trailwarden::store
