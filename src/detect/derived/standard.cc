#include "detect/derived/standard.h"

#include <algorithm>
#include <cctype>
#include <fstream>

#include "core/text.h"
#include "core/time.h"
#include "detect/derived/dom_util.h"
#include "detect/derived/policy.h"
#include "detect/derived/record_fields.h"

namespace trailwarden::detect {

namespace d = derived;
using simdjson::dom::element;

namespace {

void append_bool(std::string& out, bool v) { out += v ? "true" : "false"; }

constexpr DerivedGroupInfo kGroups[] = {
    {"outcome",
     "\"ok\" when errorCode and errorMessage are both absent, null or empty, else \"fail\""},
    {"service_originated",
     "true when sourceIPAddress is present and not an IP literal, or userIdentity.invokedBy is "
     "set, or userIdentity.type is AWSService"},
    {"caller_external",
     "true when userIdentity.accountId is ANONYMOUS_PRINCIPAL or differs from "
     "recipientAccountId; false when either is missing"},
    {"identity",
     "the actor: name, upn_suffix, name_source (user|arn|resource|invokedBy|anonymous|unknown), "
     "arn, type, principal_id, account, access_key_id, session_issuer_arn, invoked_by "
     "(catalogue 1.5; empty strings when absent)"},
    {"ip",
     "sourceIPAddress: is_ip; when it is an IP also version (4|6) and private (not globally "
     "reachable)"},
    {"cli_command",
     "\"service.command\" from an aws-cli/ user agent (command/<svc>.<cmd> or "
     "md/command#<svc>.<cmd>); null otherwise"},
    {"cli_recon", "true when tw.cli_command is in rules/data/cli_recon_commands.txt"},
    {"lambda_name",
     "eventName without the API-version suffix (CreateFunction20150331 -> CreateFunction)"},
    {"managed_policy",
     "from requestParameters.policyArn (CreatePolicy: responseElements.policy.arn): arn, name "
     "(last / segment, lower-case) and aws_managed (arn:<partition>:iam::aws:policy/...); null "
     "without either"},
    {"s3",
     "public_acl (catalogue 2.4), public_acl_reason (when public), pab_disabled (a "
     "PublicAccessBlockConfiguration flag false or omitted)"},
    {"policy",
     "the request's policy document (catalogue 1.6): present, source, error, capabilities, "
     "full_admin, public_unconditioned, wildcard_action, public_grants_kms_encrypt, "
     "public_kms_requires_mfa, not_resource, statement_count, statements (text, <= 2 KiB)"},
    {"nacl", "all_ports: aclProtocol -1 or portRange.to - portRange.from > 1024"},
    {"trail_weakened",
     "UpdateTrail turning off log file validation, multi-region or global service events, or "
     "PutEventSelectors leaving no management events"},
    {"user_data", "requestParameters has a UserData or userData key at any depth"},
    {"foreign_resource_account",
     "some resources[].accountId differs from recipientAccountId (e.g. a bucket of another "
     "account)"},
};

bool valid_command(std::string_view s) {
  size_t dot = s.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == s.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == dot) continue;
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<std::string>> load_cli_command_list(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kNotFound, "cannot read the command list", path);
  std::vector<std::string> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::string_view s = line;
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) {
      s.remove_suffix(1);
    }
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    if (s.empty() || s.front() == '#') continue;
    if (!valid_command(s)) {
      std::string where = path + ":" + std::to_string(n);
      return make_error(ErrorCode::kInvalidArgument,
                        where + ": '" + escape_control(s) +
                            "' is not service.command (lower-case letters, digits and -)",
                        where);
    }
    out.emplace_back(s);
  }
  if (in.bad()) return make_error(ErrorCode::kIo, "cannot read the command list", path);
  return out;
}

Result<std::unique_ptr<StandardDerivedFields>> StandardDerivedFields::load(
    const std::string& data_dir) {
  std::string dir = data_dir;
  if (!dir.empty() && dir.back() != '/') dir += '/';
  auto caps = d::load_capabilities(dir + "policy_capabilities.yaml");
  if (!caps) return std::unexpected(caps.error());
  auto recon = load_cli_command_list(dir + "cli_recon_commands.txt");
  if (!recon) return std::unexpected(recon.error());
  return std::make_unique<StandardDerivedFields>(std::move(*caps), std::move(*recon));
}

StandardDerivedFields::StandardDerivedFields(std::vector<d::Capability> capabilities,
                                             std::vector<std::string> cli_recon_commands)
    : capabilities_(std::move(capabilities)), cli_recon_(std::move(cli_recon_commands)) {
  std::sort(cli_recon_.begin(), cli_recon_.end());
  cli_recon_.erase(std::unique(cli_recon_.begin(), cli_recon_.end()), cli_recon_.end());
}

void StandardDerivedFields::set_admin_identities(const std::vector<std::string>& names) {
  std::set<std::string> set;
  for (std::string n : names) {
    while (!n.empty() && (n.back() == ' ' || n.back() == '\r' || n.back() == '\t')) n.pop_back();
    size_t start = n.find_first_not_of(" \t");
    if (start == std::string::npos || n[start] == '#') continue;
    n = n.substr(start);
    for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    set.insert(n);
  }
  admins_ = std::move(set);
}

void StandardDerivedFields::add_ip_annotator(std::shared_ptr<const IpAnnotator> annotator) {
  if (annotator) ip_annotators_.push_back(std::move(annotator));
}

std::span<const DerivedGroupInfo> StandardDerivedFields::groups() { return kGroups; }

void StandardDerivedFields::policy(element record, std::string& out) const {
  d::PolicyDocument doc;
  d::read_policy(record, doc);
  d::PolicyVerdict verdict;
  if (doc.present) d::evaluate_policy(doc, capabilities_, verdict);  // else all false
  d::append_policy_json(doc, verdict, capabilities_, out);
}

void StandardDerivedFields::set_enricher(std::shared_ptr<const enrich::Enricher> enricher) {
  enricher_ = std::move(enricher);
}

namespace {

// One lookup cache per thread for the Enricher in use (a thread may serve several contents
// over its life, e.g. in tests; the cache follows the newest).
const enrich::IpInfo& cached_ip_info(const enrich::Enricher& enricher, std::string_view source) {
  thread_local uint64_t owner = 0;
  thread_local std::unique_ptr<enrich::Enricher::Cache> cache;
  if (owner != enricher.instance_id() || !cache) {
    cache = std::make_unique<enrich::Enricher::Cache>(enricher, 1024);
    owner = enricher.instance_id();
  }
  return cache->get(source);
}

}  // namespace

void StandardDerivedFields::ip(element record, std::string& out) const {
  std::string_view source = d::string_at(record, {"sourceIPAddress"});
  auto ip = parse_ip(source);
  const enrich::IpInfo* info = enricher_ ? &cached_ip_info(*enricher_, source) : nullptr;
  if (!ip) {
    out += "{\"is_ip\":false";
    if (info) enricher_->append_ip_members(*info, 0, out);
    out += '}';
    return;
  }
  out += "{\"is_ip\":true,\"version\":";
  out += ip->version == 4 ? '4' : '6';
  out += ",\"private\":";
  append_bool(out, is_private(*ip));
  for (const auto& a : ip_annotators_) a->append_members(*ip, out);
  if (info) {
    int64_t event_time = 0;  // needed only to expire a threat indicator
    if (info->threat_intel && info->threat_valid_until_us != 0) {
      if (auto t = parse_iso8601_micros(d::string_at(record, {"eventTime"}))) event_time = *t;
    }
    enricher_->append_ip_members(*info, event_time, out);
  }
  out += '}';
}

void StandardDerivedFields::cli_recon(element record, std::string& out) const {
  auto cmd = d::cli_command(d::string_at(record, {"userAgent"}));
  append_bool(out,
              cmd && std::binary_search(cli_recon_.begin(), cli_recon_.end(), *cmd, std::less<>()));
}

bool StandardDerivedFields::compute(std::string_view group, element record,
                                    std::string& out) const {
  out.clear();
  if (group == "outcome") {
    out += d::outcome_ok(record) ? "\"ok\"" : "\"fail\"";
  } else if (group == "service_originated") {
    append_bool(out, d::service_originated(record));
  } else if (group == "caller_external") {
    append_bool(out, d::caller_external(record));
  } else if (group == "identity") {
    IdentityInfo id = identity_of(record);
    append_identity_json(id, out);
    if (admins_ && !out.empty() && out.back() == '}') {
      auto lower = [](std::string s) {
        for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
      };
      bool admin = (!id.name.empty() && admins_->contains(lower(id.name))) ||
                   (!id.arn.empty() && admins_->contains(lower(id.arn)));
      out.pop_back();
      out += admin ? ",\"admin\":true}" : ",\"admin\":false}";
    }
  } else if (group == "ip") {
    ip(record, out);
  } else if (group == "cli_command") {
    auto cmd = d::cli_command(d::string_at(record, {"userAgent"}));
    if (cmd) {
      append_json_string(out, *cmd);
    } else {
      out += "null";
    }
  } else if (group == "cli_recon") {
    cli_recon(record, out);
  } else if (group == "lambda_name") {
    auto name = d::as_string(d::member(record, "eventName"));
    if (name) {
      append_json_string(out, d::strip_api_version(*name));
    } else {
      out += "null";
    }
  } else if (group == "managed_policy") {
    auto p = d::managed_policy(record);
    if (!p) {
      out += "null";
    } else {
      out += "{\"arn\":";
      append_json_string(out, p->arn);
      out += ",\"name\":";
      append_json_string(out, p->name);
      out += ",\"aws_managed\":";
      append_bool(out, p->aws_managed);
      out += '}';
    }
  } else if (group == "s3") {
    d::S3Acl acl = d::s3_public_acl(record);
    out += "{\"public_acl\":";
    append_bool(out, acl.public_acl);
    if (acl.public_acl) {
      out += ",\"public_acl_reason\":";
      append_json_string(out, acl.reason);
    }
    out += ",\"pab_disabled\":";
    append_bool(out, d::public_access_block_disabled(record));
    out += '}';
  } else if (group == "policy") {
    policy(record, out);
  } else if (group == "nacl") {
    out += "{\"all_ports\":";
    append_bool(out, d::nacl_all_ports(record));
    out += '}';
  } else if (group == "trail_weakened") {
    append_bool(out, d::trail_weakened(record));
  } else if (group == "user_data") {
    append_bool(out, d::user_data_present(record));
  } else if (group == "foreign_resource_account") {
    append_bool(out, d::foreign_resource_account(record));
  } else {
    return false;
  }
  return true;
}

}  // namespace trailwarden::detect
