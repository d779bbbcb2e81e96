// The stored columns of a CloudTrail event: one list, used by the normalizer, the store's
// DDL and appender, and the golden tests. Names are Microsoft Sentinel's (table AWSCloudTrail)
// so that queries ported from Sentinel need little change. Only what hunts filter and group
// on is a column of its own: every string column costs the store on each append (measured:
// bench/RESULTS.md). Sentinel's other columns — large ones (RequestParameters,
// ResponseElements, ...) and rarely filtered ones (TlsVersion, VpcEndpointId, EventVersion,
// ...) — are derived by the workspace view from the compressed raw record.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace trailwarden::formats::cloudtrail {

enum class ColumnType { kString, kTimestamp, kBool, kInt, kBlob };

struct ColumnSpec {
  std::string_view name;
  ColumnType type;
  bool not_null;
};

// Order matters: it is the physical column order of the events table.
enum class Col : size_t {
  kTimeGenerated,
  kAwsEventId,
  kEventSource,
  kEventName,
  kEventTypeName,
  kAWSRegion,
  kSourceIpAddress,
  kUserAgent,
  kErrorCode,
  kErrorMessage,
  kReadOnly,
  kManagementEvent,
  kRecipientAccountId,
  kUserIdentityType,
  kUserIdentityPrincipalid,
  kUserIdentityArn,
  kUserIdentityAccountId,
  kUserIdentityAccessKeyId,
  kUserIdentityUserName,
  kUserIdentityInvokedBy,
  kSessionMfaAuthenticated,
  kSessionCreationDate,
  kSessionIssuerArn,
  kSessionIssuerUserName,
  kIngestionTime,
  kOrigin,       // the file or object the event came from
  kOriginIndex,  // the record's position in it (see decoder.h)
  kRawZ,         // the record's original bytes, zstd-compressed (store/raw_codec.h)
  kCount
};

inline constexpr size_t kColumnCount = static_cast<size_t>(Col::kCount);

inline constexpr std::array<ColumnSpec, kColumnCount> kColumns = {{
    {"TimeGenerated", ColumnType::kTimestamp, true},
    {"AwsEventId", ColumnType::kString, true},
    {"EventSource", ColumnType::kString, false},
    {"EventName", ColumnType::kString, false},
    {"EventTypeName", ColumnType::kString, false},
    {"AWSRegion", ColumnType::kString, false},
    {"SourceIpAddress", ColumnType::kString, false},
    {"UserAgent", ColumnType::kString, false},
    {"ErrorCode", ColumnType::kString, false},
    {"ErrorMessage", ColumnType::kString, false},
    {"ReadOnly", ColumnType::kBool, false},
    {"ManagementEvent", ColumnType::kBool, false},
    {"RecipientAccountId", ColumnType::kString, false},
    {"UserIdentityType", ColumnType::kString, false},
    {"UserIdentityPrincipalid", ColumnType::kString, false},
    {"UserIdentityArn", ColumnType::kString, false},
    {"UserIdentityAccountId", ColumnType::kString, false},
    {"UserIdentityAccessKeyId", ColumnType::kString, false},
    {"UserIdentityUserName", ColumnType::kString, false},
    {"UserIdentityInvokedBy", ColumnType::kString, false},
    {"SessionMfaAuthenticated", ColumnType::kBool, false},
    {"SessionCreationDate", ColumnType::kTimestamp, false},
    {"SessionIssuerArn", ColumnType::kString, false},
    {"SessionIssuerUserName", ColumnType::kString, false},
    {"IngestionTime", ColumnType::kTimestamp, true},
    {"Origin", ColumnType::kString, true},
    {"OriginIndex", ColumnType::kInt, true},
    {"RawZ", ColumnType::kBlob, true},
}};

constexpr size_t idx(Col c) { return static_cast<size_t>(c); }

}  // namespace trailwarden::formats::cloudtrail
