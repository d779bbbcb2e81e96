#include "formats/guardduty/finding.h"

#include <fmt/format.h>

#include "core/time.h"

namespace trailwarden::formats::guardduty {

namespace {

std::string_view str(simdjson::dom::object o, std::string_view key) {
  std::string_view v;
  if (o[key].get_string().get(v)) return {};
  return v;
}

}  // namespace

bool is_finding(simdjson::dom::object o) {
  if (!o["eventSource"].error() || !o["eventVersion"].error()) return false;
  if (str(o, "schemaVersion").empty() || str(o, "id").empty() || str(o, "type").empty() ||
      str(o, "accountId").empty()) {
    return false;
  }
  if (o["severity"].error()) return false;
  return str(o, "arn").find(":guardduty:") != std::string_view::npos;
}

std::expected<void, FindingError> to_row(simdjson::dom::object o, std::string_view raw,
                                         std::string_view origin, int64_t ingestion_time_us,
                                         store::GuardDutyRow& row) {
  row = store::GuardDutyRow{};
  row.id = std::string(str(o, "id"));
  if (row.id.empty()) return std::unexpected(FindingError{RejectReason::kBadFinding, "no id"});
  auto updated = parse_iso8601_micros(str(o, "updatedAt"));
  if (!updated) {
    return std::unexpected(FindingError{RejectReason::kBadFinding,
                                        "updatedAt is missing or not an ISO-8601 UTC time"});
  }
  auto created = parse_iso8601_micros(str(o, "createdAt"));
  if (!created) {
    return std::unexpected(FindingError{RejectReason::kBadFinding,
                                        "createdAt is missing or not an ISO-8601 UTC time"});
  }
  row.time_generated_us = *updated;
  row.time_created_us = *created;
  row.arn = std::string(str(o, "arn"));
  row.account_id = std::string(str(o, "accountId"));
  row.region = std::string(str(o, "region"));
  row.partition = std::string(str(o, "partition"));
  row.activity_type = std::string(str(o, "type"));
  row.title = std::string(str(o, "title"));
  row.description = std::string(str(o, "description"));
  row.schema_version = std::string(str(o, "schemaVersion"));
  double severity = 0;
  if (auto sv = o["severity"]; sv.get_double().get(severity)) {
    int64_t i = 0;
    uint64_t u = 0;
    if (!sv.get_int64().get(i))
      severity = static_cast<double>(i);
    else if (!sv.get_uint64().get(u))
      severity = static_cast<double>(u);
    else
      severity = 0;
  }
  row.severity = severity;
  if (auto r = o["resource"]; !r.error()) row.resource_details_json = simdjson::minify(r.value());
  if (auto s = o["service"]; !s.error()) row.service_details_json = simdjson::minify(s.value());
  row.ingestion_time_us = ingestion_time_us;
  row.origin = std::string(origin);
  row.raw = std::string(raw);
  return {};
}

}  // namespace trailwarden::formats::guardduty
