// What an object key under AWSLogs/ is, from its path alone (no download): a CloudTrail log
// file of an account or organization trail, a GuardDuty export, a digest (skipped), or
// something else sharing the bucket (ignored). Also `s3://bucket/prefix` URLs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace trailwarden::sources::s3 {

enum class KeyKind {
  kCloudTrail,  // AWSLogs/[o-x/]<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_...json.gz
  kGuardDuty,   // AWSLogs/[o-x/]<acct>/GuardDuty/<region>/YYYY/MM/DD/<name>.jsonl.gz
  kDigest,      // CloudTrail-Digest: integrity files, no events
  kIgnored,     // Insight, Config, vpcflowlogs, anything not recognised
};

std::string_view key_kind_name(KeyKind kind);

struct KeyInfo {
  KeyKind kind = KeyKind::kIgnored;
  std::string org;      // "o-xxxxxxxxxx" for organization trails, else empty
  std::string account;  // 12 digits
  std::string region;
  std::string partition;             // the key up to and including "<region>/"
  int year = 0, month = 0, day = 0;  // the delivery day folder
  int64_t delivery_us = 0;           // from the CloudTrail file name's YYYYMMDDTHHmmZ; 0 if unknown
};

KeyInfo classify_key(std::string_view key);

// Where a listing prefix stands in the layout, to decide how discovery descends.
enum class PrefixLevel {
  kAboveAwsLogs,  // no complete "AWSLogs/" segment yet
  kAccountOrOrg,  // after AWSLogs/ (or after an org id): next is an account or an org id
  kService,       // after the account: next is CloudTrail, GuardDuty, ...
  kRegion,        // after CloudTrail/ or GuardDuty/: next is a region
  kPartition,     // at or below <region>/: a partition
  kSkip,          // a branch that holds nothing to collect (digests, Config, ...)
};
struct PrefixInfo {
  PrefixLevel level = PrefixLevel::kAboveAwsLogs;
  std::string partition;  // for kPartition: the prefix up to and including "<region>/"
};
// Looks only at the complete ("/"-terminated) segments of `prefix`.
PrefixInfo classify_prefix(std::string_view prefix);

struct S3Url {
  std::string bucket;
  std::string prefix;  // may be empty
};
// "s3://bucket[/prefix]".
Result<S3Url> parse_s3_url(std::string_view url);

// "YYYY/MM/DD" of a day given as days since the epoch.
std::string day_folder(int64_t days);
// Days since the epoch of a key's YYYY/MM/DD folder (KeyInfo) .
int64_t key_days(const KeyInfo& info);

}  // namespace trailwarden::sources::s3
