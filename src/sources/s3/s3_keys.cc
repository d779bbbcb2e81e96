#include "sources/s3/s3_keys.h"

#include <fmt/format.h>

#include <vector>

#include "core/time.h"

namespace trailwarden::sources::s3 {
namespace {

bool all_digits(std::string_view s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool is_account(std::string_view s) { return all_digits(s, 12); }

bool is_org(std::string_view s) {
  if (s.size() < 4 || s.size() > 40 || !s.starts_with("o-")) return false;
  for (char c : s.substr(2)) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

bool is_region(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

int number(std::string_view s) {
  int n = 0;
  for (char c : s) n = n * 10 + (c - '0');
  return n;
}

// Complete segments: "a/b/c" -> a, b, c when `complete_only` is false; "a/b/c" -> a, b otherwise.
std::vector<std::string_view> split(std::string_view s, bool complete_only) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t slash = s.find('/', start);
    if (slash == std::string_view::npos) {
      if (!complete_only) out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, slash - start));
    start = slash + 1;
  }
}

size_t find_awslogs(const std::vector<std::string_view>& segs) {
  for (size_t i = 0; i < segs.size(); ++i) {
    if (segs[i] == "AWSLogs") return i;
  }
  return segs.size();
}

// <acct>_CloudTrail_<region>_<YYYYMMDD>T<HHmm>Z_<unique>.json.gz; returns the delivery time
// or 0 when the name does not match.
int64_t cloudtrail_file_time(std::string_view name) {
  constexpr std::string_view kSuffix = ".json.gz";
  if (!name.ends_with(kSuffix)) return 0;
  name.remove_suffix(kSuffix.size());
  if (name.size() < 12 || !all_digits(name.substr(0, 12), 12)) return 0;
  name.remove_prefix(12);
  constexpr std::string_view kMid = "_CloudTrail_";
  if (!name.starts_with(kMid)) return 0;
  name.remove_prefix(kMid.size());
  size_t unique_sep = name.rfind('_');
  if (unique_sep == std::string_view::npos) return 0;
  std::string_view unique = name.substr(unique_sep + 1);
  if (unique.empty() || unique.size() > 64) return 0;
  for (char c : unique) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return 0;
  }
  name = name.substr(0, unique_sep);
  size_t time_sep = name.rfind('_');
  if (time_sep == std::string_view::npos) return 0;
  std::string_view stamp = name.substr(time_sep + 1);
  if (!is_region(name.substr(0, time_sep))) return 0;
  // YYYYMMDDTHHmmZ
  if (stamp.size() != 14 || stamp[8] != 'T' || stamp[13] != 'Z' ||
      !all_digits(stamp.substr(0, 8), 8) || !all_digits(stamp.substr(9, 4), 4)) {
    return 0;
  }
  int y = number(stamp.substr(0, 4)), mo = number(stamp.substr(4, 2)),
      d = number(stamp.substr(6, 2));
  int h = number(stamp.substr(9, 2)), mi = number(stamp.substr(11, 2));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return 0;
  int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 24 + h) * 60 + mi) * 60 * 1000000;
}

}  // namespace

std::string_view key_kind_name(KeyKind kind) {
  switch (kind) {
    case KeyKind::kCloudTrail:
      return "cloudtrail";
    case KeyKind::kGuardDuty:
      return "guardduty";
    case KeyKind::kDigest:
      return "digest";
    case KeyKind::kIgnored:
      return "ignored";
  }
  return "ignored";
}

KeyInfo classify_key(std::string_view key) {
  KeyInfo info;
  std::vector<std::string_view> segs = split(key, false);
  size_t i = find_awslogs(segs);
  if (i == segs.size()) return info;
  ++i;
  if (i < segs.size() && is_org(segs[i])) info.org = segs[i++];
  // account, service, region, YYYY, MM, DD, file
  if (segs.size() != i + 7) return info;
  std::string_view account = segs[i], service = segs[i + 1], region = segs[i + 2];
  std::string_view yyyy = segs[i + 3], mm = segs[i + 4], dd = segs[i + 5], file = segs[i + 6];
  if (!is_account(account) || !is_region(region)) return info;
  if (service == "CloudTrail-Digest") {
    info.kind = KeyKind::kDigest;
    return info;
  }
  if (service != "CloudTrail" && service != "GuardDuty") return info;
  if (!all_digits(yyyy, 4) || !all_digits(mm, 2) || !all_digits(dd, 2)) return info;
  int y = number(yyyy), m = number(mm), d = number(dd);
  if (m < 1 || m > 12 || d < 1 || d > 31) return info;
  if (service == "CloudTrail") {
    info.delivery_us = cloudtrail_file_time(file);
    if (info.delivery_us == 0) return info;  // not a log file (Insight has its own folder)
    info.kind = KeyKind::kCloudTrail;
  } else {
    if (!file.ends_with(".jsonl.gz") || file.size() == 9) return info;
    info.kind = KeyKind::kGuardDuty;
  }
  info.account = account;
  info.region = region;
  info.year = y;
  info.month = m;
  info.day = d;
  size_t partition_end = static_cast<size_t>(region.data() + region.size() - key.data()) + 1;
  info.partition = key.substr(0, partition_end);
  return info;
}

PrefixInfo classify_prefix(std::string_view prefix) {
  PrefixInfo out;
  std::vector<std::string_view> segs = split(prefix, true);
  size_t i = find_awslogs(segs);
  if (i == segs.size()) return out;
  ++i;
  size_t n = segs.size() - i;
  out.level = PrefixLevel::kAccountOrOrg;
  if (n == 0) return out;
  if (is_org(segs[i])) {
    ++i;
    --n;
    if (n == 0) return out;
  }
  if (!is_account(segs[i])) {
    out.level = PrefixLevel::kSkip;
    return out;
  }
  out.level = PrefixLevel::kService;
  if (n == 1) return out;
  if (segs[i + 1] != "CloudTrail" && segs[i + 1] != "GuardDuty") {
    out.level = PrefixLevel::kSkip;
    return out;
  }
  out.level = PrefixLevel::kRegion;
  if (n == 2) return out;
  if (!is_region(segs[i + 2])) {
    out.level = PrefixLevel::kSkip;
    return out;
  }
  out.level = PrefixLevel::kPartition;
  std::string_view region = segs[i + 2];
  out.partition =
      prefix.substr(0, static_cast<size_t>(region.data() + region.size() - prefix.data()) + 1);
  return out;
}

Result<S3Url> parse_s3_url(std::string_view url) {
  constexpr std::string_view kScheme = "s3://";
  if (!url.starts_with(kScheme)) {
    return make_error(ErrorCode::kInvalidArgument, "expected an s3://bucket/prefix URL",
                      std::string(url));
  }
  url.remove_prefix(kScheme.size());
  size_t slash = url.find('/');
  S3Url out;
  out.bucket = url.substr(0, slash);
  if (slash != std::string_view::npos) out.prefix = url.substr(slash + 1);
  if (out.bucket.size() < 3 || out.bucket.size() > 63) {
    return make_error(ErrorCode::kInvalidArgument, "bucket names have 3 to 63 characters",
                      std::string(kScheme) + std::string(url));
  }
  for (char c : out.bucket) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              (c >= 'A' && c <= 'Z') || c == '_';
    if (!ok) {
      return make_error(ErrorCode::kInvalidArgument,
                        "the bucket name has a character S3 does not allow",
                        std::string(kScheme) + std::string(url));
    }
  }
  return out;
}

std::string day_folder(int64_t days) {
  // civil_from_days (Howard Hinnant's algorithm, written out here).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  return fmt::format("{:04}/{:02}/{:02}", y, m, d);
}

int64_t key_days(const KeyInfo& info) {
  return days_from_civil(info.year, static_cast<unsigned>(info.month),
                         static_cast<unsigned>(info.day));
}

}  // namespace trailwarden::sources::s3
