// What trailwarden knows about one `sourceIPAddress` value: its kind (an address, an AWS
// service name, an anonymised or invalid value), its geo-IP location and ASN, and the lists it
// is on. Computed once per distinct value (enrich/enricher.h caches it) and shared by the rule
// matcher (`tw.ip.*`), the anomaly policies and the workspace's IpEnrichment table.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "detect/derived/ip.h"

namespace trailwarden::enrich {

enum class SourceKind : uint8_t {
  kEmpty,    // absent or ""
  kPublic,   // a globally reachable IPv4/IPv6 address
  kPrivate,  // an address that is not globally reachable (detect::is_private)
  kService,  // an AWS service or internal caller: "ec2.amazonaws.com", "AWS Internal"
  kInvalid,  // anything else: anonymised values ("xxx.xxx.xxx.xxx"), host names, garbage
};
// "empty", "public", "private", "service", "invalid".
std::string_view source_kind_name(SourceKind kind);

struct IpInfo {
  SourceKind kind = SourceKind::kEmpty;
  detect::IpAddress address;  // valid for kPublic and kPrivate

  // Geo-IP. `located` is false when no database is loaded or it has no entry.
  bool located = false;
  std::string country;  // ISO 3166-1 alpha-2 ("DE")
  std::string city;     // may be empty: a country-level entry
  double latitude = 0;
  double longitude = 0;
  int accuracy_km = 0;  // the database's accuracy radius; 0 when it gives none
  // Too coarse for location policies: no city and no radius, or a radius > 500 km.
  bool coarse = false;
  uint32_t asn = 0;  // 0: unknown
  std::string as_org;
  bool db_anonymous = false;  // the database flags it (is_anonymous_proxy, is_anonymous_vpn, ...)

  // Lists (E:<name>); each flag is meaningful only when the list is loaded.
  bool aws = false;  // inside AWS's published ranges (aws_ip_ranges / ip-ranges.json)
  bool tor_exit = false;
  bool anonymizer = false;
  bool threat_intel = false;
  int threat_confidence = 0;          // 0..100, from threat_intel.csv
  std::string threat_category;        // botnet, c2, password_spray, brute_force, malware, ...
  std::string threat_indicator;       // the matching indicator as the feed wrote it
  int64_t threat_valid_until_us = 0;  // the indicator's valid_until; 0: none
  bool trusted = false;               // inside an operator-trusted CIDR (trusted_cidrs.txt)
  std::string trusted_label;
  // The IP lists the address is on, comma-separated, by their tw.ip member names (tor_exit,
  // anonymizer, threat_intel, trusted, aws, and inline list names): the IpEnrichment table's
  // SourceIpLists.
  std::string lists;
};

// The tw.ip member name of an IP list: "aws" for aws_ip_ranges, "trusted" for trusted_cidrs,
// the list's name otherwise.
std::string_view ip_list_member(std::string_view list_name);

}  // namespace trailwarden::enrich
