#include "formats/cloudtrail/normalizer.h"

#include <fmt/format.h>

#include "core/time.h"
#include "formats/cloudtrail/decoder.h"

namespace trailwarden::formats::cloudtrail {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

constexpr size_t kMaxEventIdBytes = 256;

// First value wins when a key repeats, as DuckDB's json_extract reads it from the raw record.
void set_string_if(RowDraft& row, Col c, element v) {
  if (row.get(c).kind != Cell::Kind::kNull) return;
  std::string_view s;
  if (v.get_string().get(s) == simdjson::SUCCESS) row.set_string(c, s);
}

void set_bool_if(RowDraft& row, Col c, element v) {
  if (row.get(c).kind != Cell::Kind::kNull) return;
  bool b;
  if (v.get_bool().get(b) == simdjson::SUCCESS) {
    row.set_bool(c, b);
    return;
  }
  // Some producers (LookupEvents, sessionContext) write booleans as strings.
  std::string_view s;
  if (v.get_string().get(s) == simdjson::SUCCESS) {
    if (s == "true" || s == "True" || s == "TRUE")
      row.set_bool(c, true);
    else if (s == "false" || s == "False" || s == "FALSE")
      row.set_bool(c, false);
  }
}

void session_context(RowDraft& row, object ctx) {
  for (auto [key, value] : ctx) {
    if (key == "attributes") {
      object attrs;
      if (value.get_object().get(attrs)) continue;
      for (auto [k, v] : attrs) {
        if (k == "mfaAuthenticated") {
          set_bool_if(row, Col::kSessionMfaAuthenticated, v);
        } else if (k == "creationDate") {
          std::string_view s;
          if (row.get(Col::kSessionCreationDate).kind == Cell::Kind::kNull &&
              v.get_string().get(s) == simdjson::SUCCESS) {
            if (auto t = parse_iso8601_micros(s)) row.set_int(Col::kSessionCreationDate, *t);
          }
        }
      }
    } else if (key == "sessionIssuer") {
      object issuer;
      if (value.get_object().get(issuer)) continue;
      for (auto [k, v] : issuer) {
        if (k == "arn")
          set_string_if(row, Col::kSessionIssuerArn, v);
        else if (k == "userName")
          set_string_if(row, Col::kSessionIssuerUserName, v);
      }
    }
  }
}

void user_identity(RowDraft& row, object ui) {
  for (auto [key, value] : ui) {
    if (key == "type")
      set_string_if(row, Col::kUserIdentityType, value);
    else if (key == "principalId")
      set_string_if(row, Col::kUserIdentityPrincipalid, value);
    else if (key == "arn")
      set_string_if(row, Col::kUserIdentityArn, value);
    else if (key == "accountId")
      set_string_if(row, Col::kUserIdentityAccountId, value);
    else if (key == "accessKeyId")
      set_string_if(row, Col::kUserIdentityAccessKeyId, value);
    else if (key == "userName")
      set_string_if(row, Col::kUserIdentityUserName, value);
    else if (key == "invokedBy")
      set_string_if(row, Col::kUserIdentityInvokedBy, value);
    else if (key == "sessionContext") {
      object ctx;
      if (!value.get_object().get(ctx)) session_context(row, ctx);
    }
  }
}

}  // namespace

CloudTrailNormalizer::CloudTrailNormalizer(size_t max_record_bytes, int max_depth) {
  // On failure parse() allocates on demand; nothing is lost.
  [[maybe_unused]] auto allocated =
      parser_.allocate(max_record_bytes + 64, static_cast<size_t>(max_depth));
}

std::expected<void, NormalizeError> CloudTrailNormalizer::normalize(std::string_view record,
                                                                    const RecordContext& ctx,
                                                                    CloudTrailRows& out) {
  element doc;
  if (auto err = parser_.parse(record.data(), record.size(), false).get(doc)) {
    return std::unexpected(NormalizeError{reject_reason_for(err), simdjson::error_message(err)});
  }
  object rec;
  if (doc.get_object().get(rec)) {
    return std::unexpected(NormalizeError{RejectReason::kRecordNotObject,
                                          "a CloudTrail record must be a JSON object"});
  }
  draft_.clear();
  RowDraft& row = draft_;
  bool have_time_field = false;
  std::string_view time_text;
  bool time_is_string = false;
  for (auto [key, value] : rec) {
    // Keys in rough order of frequency; an unknown key costs a few comparisons.
    if (key == "eventTime") {
      if (!have_time_field) {
        have_time_field = true;
        time_is_string = value.get_string().get(time_text) == simdjson::SUCCESS;
      }
    } else if (key == "eventID")
      set_string_if(row, Col::kAwsEventId, value);
    else if (key == "eventName")
      set_string_if(row, Col::kEventName, value);
    else if (key == "eventSource")
      set_string_if(row, Col::kEventSource, value);
    else if (key == "userIdentity") {
      object ui;
      if (!value.get_object().get(ui)) user_identity(row, ui);
    } else if (key == "awsRegion")
      set_string_if(row, Col::kAWSRegion, value);
    else if (key == "sourceIPAddress")
      set_string_if(row, Col::kSourceIpAddress, value);
    else if (key == "userAgent")
      set_string_if(row, Col::kUserAgent, value);
    else if (key == "eventType")
      set_string_if(row, Col::kEventTypeName, value);
    else if (key == "readOnly")
      set_bool_if(row, Col::kReadOnly, value);
    else if (key == "managementEvent")
      set_bool_if(row, Col::kManagementEvent, value);
    else if (key == "recipientAccountId")
      set_string_if(row, Col::kRecipientAccountId, value);
    else if (key == "errorCode")
      set_string_if(row, Col::kErrorCode, value);
    else if (key == "errorMessage")
      set_string_if(row, Col::kErrorMessage, value);
  }

  const Cell& id = row.get(Col::kAwsEventId);
  if (id.kind != Cell::Kind::kString || id.s.empty() || id.s.size() > kMaxEventIdBytes) {
    return std::unexpected(
        NormalizeError{RejectReason::kMissingEventId, id.kind == Cell::Kind::kString
                                                          ? "eventID must be 1 to 256 bytes"
                                                          : "the record has no eventID string"});
  }
  if (!have_time_field) {
    return std::unexpected(
        NormalizeError{RejectReason::kMissingEventTime, "the record has no eventTime"});
  }
  std::optional<int64_t> t;
  if (time_is_string) t = parse_iso8601_micros(time_text);
  if (!t) {
    return std::unexpected(NormalizeError{
        RejectReason::kBadEventTime,
        time_is_string
            ? fmt::format("eventTime is not an ISO-8601 time with a zone: {:.64}", time_text)
            : std::string("eventTime is not a string")});
  }
  row.set_int(Col::kTimeGenerated, *t);
  row.set_int(Col::kIngestionTime, ctx.ingestion_time_us);
  row.set_string(Col::kOrigin, ctx.origin);
  row.set_int(Col::kOriginIndex, ctx.origin_index);
  row.set_string(Col::kRawZ, ctx.stored_raw.value_or(record));
  out.append(row);
  last_ = doc;
  return {};
}

}  // namespace trailwarden::formats::cloudtrail
