#include "detect/derived/record_fields.h"

#include "detect/derived/dom_util.h"
#include "detect/derived/ip.h"

namespace trailwarden::detect::derived {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_command_char(char c) { return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-'; }

// The longest `[a-z0-9-]+\.[a-z0-9-]+` at the start of `s`, or empty.
std::string_view service_command(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && is_command_char(s[i])) ++i;
  if (i == 0 || i == s.size() || s[i] != '.') return {};
  size_t j = i + 1;
  while (j < s.size() && is_command_char(s[j])) ++j;
  if (j == i + 1) return {};
  return s.substr(0, j);
}

std::optional<element> either(element v, std::string_view a, std::string_view b) {
  auto x = member(v, a);
  return x ? x : member(v, b);
}

bool is_public_group_uri(std::string_view uri) {
  return iends_with(uri, "/global/AllUsers") || iends_with(uri, "/global/AuthenticatedUsers");
}

std::string_view group_name(std::string_view uri) {
  return iends_with(uri, "/global/AllUsers") ? "AllUsers" : "AuthenticatedUsers";
}

bool has_user_data(element v, int budget) {
  if (budget <= 0) return false;
  simdjson::dom::object obj;
  if (v.get_object().get(obj) == simdjson::SUCCESS) {
    for (auto field : obj) {
      if ((field.key == "UserData" || field.key == "userData") && !field.value.is_null()) {
        return true;
      }
      if (has_user_data(field.value, budget - 1)) return true;
    }
    return false;
  }
  simdjson::dom::array arr;
  if (v.get_array().get(arr) == simdjson::SUCCESS) {
    for (element item : arr) {
      if (has_user_data(item, budget - 1)) return true;
    }
  }
  return false;
}

}  // namespace

bool outcome_ok(element record) {
  for (std::string_view key : {"errorCode", "errorMessage"}) {
    auto v = member(record, key);
    if (!v) continue;
    auto s = as_string(*v);
    if (!s || !s->empty()) return false;
  }
  return true;
}

bool service_originated(element record) {
  std::string_view ip = string_at(record, {"sourceIPAddress"});
  if (!ip.empty() && !parse_ip(ip)) return true;
  if (!string_at(record, {"userIdentity", "invokedBy"}).empty()) return true;
  return string_at(record, {"userIdentity", "type"}) == "AWSService";
}

bool caller_external(element record) {
  std::string_view caller = string_at(record, {"userIdentity", "accountId"});
  if (caller == "ANONYMOUS_PRINCIPAL") return true;
  std::string_view recipient = string_at(record, {"recipientAccountId"});
  return !caller.empty() && !recipient.empty() && caller != recipient;
}

std::optional<std::string_view> cli_command(std::string_view ua) {
  if (!ua.empty() && ua.front() == '[') ua.remove_prefix(1);
  if (!ua.starts_with("aws-cli/")) return std::nullopt;
  while (!ua.empty()) {
    size_t space = ua.find(' ');
    std::string_view token = ua.substr(0, space);
    ua = space == std::string_view::npos ? std::string_view{} : ua.substr(space + 1);
    std::string_view rest;
    if (token.starts_with("command/")) {
      rest = token.substr(8);
    } else if (token.starts_with("md/command#")) {
      rest = token.substr(11);
    } else {
      continue;
    }
    std::string_view found = service_command(rest);
    if (!found.empty()) return found;
  }
  return std::nullopt;
}

std::string_view strip_api_version(std::string_view name) {
  size_t end = name.size();
  size_t i = end;
  while (i > 0 && is_digit(name[i - 1])) --i;
  if (i > 0 && i < end && name[i - 1] == 'v') end = i - 1;  // the v<digits> revision
  size_t digits = 0;
  while (digits < 8 && end > digits && is_digit(name[end - digits - 1])) ++digits;
  if (digits < 8 || end == 8 || is_digit(name[end - 9])) return name;
  return name.substr(0, end - 8);
}

std::optional<ManagedPolicy> managed_policy(element record) {
  std::string_view arn = string_at(record, {"requestParameters", "policyArn"});
  // CreatePolicy names the new policy only in its response.
  if (arn.empty()) arn = string_at(record, {"responseElements", "policy", "arn"});
  if (arn.empty()) return std::nullopt;
  ManagedPolicy p;
  p.arn = std::string(arn);
  size_t slash = arn.rfind('/');
  std::string_view name = slash == std::string_view::npos ? arn : arn.substr(slash + 1);
  p.name.reserve(name.size());
  for (char c : name) p.name += ascii_lower(c);
  // arn:<partition>:iam::aws:policy/...
  std::string_view fields[6];
  std::string_view rest = arn;
  size_t n = 0;
  for (; n < 5; ++n) {
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) break;
    fields[n] = rest.substr(0, colon);
    rest = rest.substr(colon + 1);
  }
  fields[5] = rest;
  p.aws_managed = n == 5 && fields[0] == "arn" && !fields[1].empty() && fields[2] == "iam" &&
                  fields[3].empty() && fields[4] == "aws" && fields[5].starts_with("policy/");
  return p;
}

bool foreign_resource_account(element record) {
  std::string_view recipient = string_at(record, {"recipientAccountId"});
  if (recipient.empty()) return false;
  return any_object(member(record, "resources"), [&](element r) {
    std::string_view owner = as_string(member(r, "accountId")).value_or("");
    return !owner.empty() && owner != recipient;
  });
}

S3Acl s3_public_acl(element record) {
  S3Acl out;
  auto rp = member(record, "requestParameters");
  if (!rp) return out;
  auto grants = path(*rp, {"AccessControlPolicy", "AccessControlList", "Grant"});
  any_object(grants, [&](element g) {
    auto grantee = member(g, "Grantee");
    if (!grantee) return false;
    std::string_view type = as_string(member(*grantee, "xsi:type"))
                                .value_or(as_string(either(*grantee, "type", "Type")).value_or(""));
    std::string_view uri = as_string(either(*grantee, "URI", "uri")).value_or("");
    if (!(type.empty() || iequals(type, "Group")) || !is_public_group_uri(uri)) return false;
    out.public_acl = true;
    out.reason = "grant ";
    out.reason += as_string(member(g, "Permission")).value_or("(no permission)");
    out.reason += " to ";
    out.reason += group_name(uri);
    return true;
  });
  if (out.public_acl) return out;
  any_string(member(*rp, "x-amz-acl"), [&](std::string_view acl) {
    if (!iequals(acl, "public-read") && !iequals(acl, "public-read-write") &&
        !iequals(acl, "authenticated-read")) {
      return false;
    }
    out.public_acl = true;
    out.reason = "x-amz-acl ";
    out.reason += acl;
    return true;
  });
  if (out.public_acl) return out;
  static constexpr std::string_view kHeaders[] = {"x-amz-grant-read", "x-amz-grant-write",
                                                  "x-amz-grant-read-acp", "x-amz-grant-write-acp",
                                                  "x-amz-grant-full-control"};
  for (std::string_view header : kHeaders) {
    any_string(member(*rp, header), [&](std::string_view value) {
      std::string_view group;
      if (icontains(value, "/global/AllUsers")) {
        group = "AllUsers";
      } else if (icontains(value, "/global/AuthenticatedUsers")) {
        group = "AuthenticatedUsers";
      } else {
        return false;
      }
      out.public_acl = true;
      out.reason = std::string(header) + " names " + std::string(group);
      return true;
    });
    if (out.public_acl) return out;
  }
  return out;
}

bool public_access_block_disabled(element record) {
  auto cfg = path(record, {"requestParameters", "PublicAccessBlockConfiguration"});
  if (!cfg || !cfg->is_object()) return false;
  for (std::string_view flag :
       {"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"}) {
    if (as_flag(member(*cfg, flag)) != true) return true;
  }
  return false;
}

bool nacl_all_ports(element record) {
  auto rp = member(record, "requestParameters");
  if (!rp) return false;
  auto proto = member(*rp, "aclProtocol");
  if (as_integer(proto) == -1 || iequals(as_string(proto).value_or(""), "all")) return true;
  auto range = member(*rp, "portRange");
  if (!range) return false;
  auto from = as_integer(member(*range, "from")), to = as_integer(member(*range, "to"));
  return from && to && *to - *from > 1024;
}

bool trail_weakened(element record) {
  std::string_view name = string_at(record, {"eventName"});
  auto rp = member(record, "requestParameters");
  if (name == "UpdateTrail") {
    if (!rp) return false;
    for (std::string_view flag :
         {"enableLogFileValidation", "isMultiRegionTrail", "includeGlobalServiceEvents"}) {
      if (as_flag(member(*rp, flag)) == false) return true;
    }
    return false;
  }
  if (name != "PutEventSelectors") return false;
  if (!rp) return true;
  bool basic = any_object(either(*rp, "eventSelectors", "EventSelectors"), [](element s) {
    auto flag = as_flag(either(s, "includeManagementEvents", "IncludeManagementEvents"));
    return flag.value_or(true);
  });
  if (basic) return false;
  bool advanced =
      any_object(either(*rp, "advancedEventSelectors", "AdvancedEventSelectors"), [](element s) {
        return any_object(either(s, "fieldSelectors", "FieldSelectors"), [](element f) {
          std::string_view field = as_string(either(f, "field", "Field")).value_or("");
          return iequals(field, "eventCategory") &&
                 any_string(either(f, "equals", "Equals"),
                            [](std::string_view v) { return iequals(v, "Management"); });
        });
      });
  return !advanced;
}

bool user_data_present(element record) {
  auto rp = member(record, "requestParameters");
  return rp && has_user_data(*rp, 32);
}

}  // namespace trailwarden::detect::derived
