// ActivityExtractor: the decode-side half of the anomaly engine. Reads the few record fields
// the policies need (catalog §4.3–4.4) into an Activity; nothing here touches engine state.
#include <algorithm>

#include "anomaly/anomaly.h"
#include "anomaly/policy_set.h"
#include "core/time.h"
#include "detect/derived/dom_util.h"

namespace trailwarden::anomaly {

namespace d = detect::derived;
using simdjson::dom::element;

struct ActivityExtractor::Impl {
  std::shared_ptr<const PolicySet> policies;
  std::shared_ptr<const enrich::Enricher> enricher;
  std::shared_ptr<const enrich::TerminatedUsers> terminated;
  uint64_t generation = 0;  // the enricher's generation `terminated` was taken at
};

ActivityExtractor::ActivityExtractor(std::shared_ptr<const PolicySet> policies,
                                     std::shared_ptr<const enrich::Enricher> enricher)
    : impl_(std::make_unique<Impl>()) {
  impl_->policies = std::move(policies);
  impl_->enricher = std::move(enricher);
}

ActivityExtractor::~ActivityExtractor() = default;

namespace {

std::string_view last_segment(std::string_view arn) {
  auto slash = arn.rfind('/');
  if (slash != std::string_view::npos) return arn.substr(slash + 1);
  auto colon = arn.rfind(':');
  return colon == std::string_view::npos ? arn : arn.substr(colon + 1);
}

uint32_t count_items(std::optional<element> v) {
  if (!v) return 0;
  auto items = d::member(*v, "items");
  simdjson::dom::array arr;
  if (items && items->get_array().get(arr) == simdjson::SUCCESS)
    return static_cast<uint32_t>(std::min<size_t>(arr.size(), 1000000));
  return 0;
}

bool global_service(std::string_view source) {
  return source == "iam.amazonaws.com" || source == "organizations.amazonaws.com" ||
         source == "sts.amazonaws.com" || source == "route53.amazonaws.com" ||
         source == "cloudfront.amazonaws.com" || source == "signin.amazonaws.com" ||
         source == "route53domains.amazonaws.com" || source == "globalaccelerator.amazonaws.com";
}

bool is_storage_deletion(std::string_view src, std::string_view name) {
  if (src == "s3.amazonaws.com") return name == "DeleteBucket";
  if (src == "ec2.amazonaws.com") return name == "DeleteVolume" || name == "DeleteSnapshot";
  if (src == "rds.amazonaws.com")
    return name == "DeleteDBInstance" || name == "DeleteDBCluster" || name == "DeleteDBSnapshot" ||
           name == "DeleteDBClusterSnapshot";
  if (src == "dynamodb.amazonaws.com") return name == "DeleteTable" || name == "DeleteBackup";
  if (src == "elasticfilesystem.amazonaws.com") return name == "DeleteFileSystem";
  if (src == "fsx.amazonaws.com") return name == "DeleteFileSystem" || name == "DeleteBackup";
  if (src == "backup.amazonaws.com")
    return name == "DeleteRecoveryPoint" || name == "DeleteBackupVault";
  if (src == "glacier.amazonaws.com") return name == "DeleteVault";
  return false;
}

}  // namespace

void ActivityExtractor::extract(element record, const enrich::IpInfo* ip, uint32_t row,
                                std::vector<Activity>& out) {
  Activity& a = out.emplace_back();
  a.row = row;
  std::string_view time = d::string_at(record, {"eventTime"});
  a.time_us = parse_iso8601_micros(time).value_or(0);
  a.event_id = d::string_at(record, {"eventID"});
  a.event_name = d::string_at(record, {"eventName"});
  a.event_source = d::string_at(record, {"eventSource"});
  a.account = d::string_at(record, {"recipientAccountId"});
  a.region = d::string_at(record, {"awsRegion"});
  a.source = d::string_at(record, {"sourceIPAddress"});
  if (ip != nullptr) {
    a.ip = *ip;
  } else {
    enrich::classify_source(a.source, a.ip);  // no enrichment: the address's kind at least
  }
  std::string_view error_code = d::string_at(record, {"errorCode"});
  std::string_view error_message = d::string_at(record, {"errorMessage"});
  a.ok = error_code.empty() && error_message.empty();
  a.read_only = d::as_flag(d::member(record, "readOnly")).value_or(false);

  auto ui_opt = d::member(record, "userIdentity");
  element ui = ui_opt.value_or(element{});
  std::string_view type, arn, user_name, principal, invoked_by, issuer_arn, on_behalf;
  if (ui_opt) {
    type = d::string_at(ui, {"type"});
    arn = d::string_at(ui, {"arn"});
    user_name = d::string_at(ui, {"userName"});
    principal = d::string_at(ui, {"principalId"});
    a.actor_account = d::string_at(ui, {"accountId"});
    invoked_by = d::string_at(ui, {"invokedBy"});
    issuer_arn = d::string_at(ui, {"sessionContext", "sessionIssuer", "arn"});
    on_behalf = d::string_at(ui, {"onBehalfOf", "userId"});
  }
  a.identity_type = type;
  a.identity_arn = arn;
  const bool anonymous = principal == "Anonymous" || a.actor_account == "ANONYMOUS_PRINCIPAL";
  a.service_originated =
      a.ip.kind == enrich::SourceKind::kService || !invoked_by.empty() || type == "AWSService";
  if (anonymous)
    a.identity_name = "Anonymous";
  else if (!user_name.empty())
    a.identity_name = user_name;
  else if (!arn.empty())
    a.identity_name = last_segment(arn);
  else if (!invoked_by.empty())
    a.identity_name = invoked_by;
  else
    a.identity_name = "unknown";

  // Identity key (catalog §4.3).
  std::string_view session_name = arn.empty() ? std::string_view{} : last_segment(arn);
  if (anonymous || type == "AWSService" || type == "AWSAccount") {
    // no session
  } else if (type == "Root") {
    a.identity_key = "root@";
    a.identity_key += a.actor_account.empty() ? a.account : a.actor_account;
  } else if (type == "AssumedRole") {
    if (!issuer_arn.empty() && !session_name.empty()) {
      a.identity_key = issuer_arn;
      a.identity_key += '/';
      a.identity_key += session_name;
    } else {
      a.identity_key = arn;
    }
  } else if (type == "IdentityCenterUser" || type == "FederatedUser") {
    a.identity_key = !on_behalf.empty() && arn.empty() ? on_behalf : arn;
    if (a.identity_key.empty()) a.identity_key = on_behalf;
  } else if (!arn.empty()) {
    a.identity_key = arn;
  } else if (!principal.empty()) {
    a.identity_key = principal;
    a.identity_key.insert(0, "principal:");
  }
  a.person = !a.identity_key.empty() && !a.service_originated;

  const std::string_view src = a.event_source, name = a.event_name;
  const PolicySet& ps = *impl_->policies;
  if (name == "ConsoleLogin" && src == "signin.amazonaws.com") {
    a.console_login = true;
    std::string_view result = d::string_at(record, {"responseElements", "ConsoleLogin"});
    a.console_login_failed = result == "Failure" || (!a.ok && result != "Success");
    if (user_name == "HIDDEN_DUE_TO_SECURITY_REASONS") {
      a.failed_login_key = "ip:";
      a.failed_login_key += a.source;
    } else if (type == "Root") {
      a.failed_login_key = a.identity_key;
    } else if (!user_name.empty()) {
      a.failed_login_key = user_name;
    } else if (!session_name.empty()) {
      a.failed_login_key = session_name;
    }
  }
  if (!a.ok) return;  // the remaining facts count successful events only

  if (ps.is_admin_event(src, name, a.read_only)) a.admin_event = true;
  if (is_storage_deletion(src, name)) a.storage_deleted = 1;
  if (src == "s3.amazonaws.com") {
    if (name == "DeleteObject") {
      a.objects_deleted = 1;
    } else if (name == "DeleteObjects") {
      // requestParameters.delete.Object[] (one per key; a single key may be an object).
      auto objs = d::path(record, {"requestParameters", "delete", "Object"});
      simdjson::dom::array arr;
      if (objs && objs->get_array().get(arr) == simdjson::SUCCESS)
        a.objects_deleted = static_cast<uint32_t>(arr.size());
      else if (objs && objs->is_object())
        a.objects_deleted = 1;
      else
        a.objects_deleted = 1;
    }
  }
  if (src == "ec2.amazonaws.com") {
    if (name == "TerminateInstances" && !a.service_originated) {
      a.vms_terminated = count_items(d::path(record, {"requestParameters", "instancesSet"}));
      if (a.vms_terminated == 0) {
        // Some records carry the ids as instanceId lists only in the response.
        a.vms_terminated = count_items(d::path(record, {"responseElements", "instancesSet"}));
      }
    } else if (name == "RunInstances") {
      a.vms_created = count_items(d::path(record, {"responseElements", "instancesSet"}));
      if (a.vms_created == 0) {
        auto min = d::as_integer(d::path(record, {"requestParameters", "minCount"}));
        if (min && *min > 0)
          a.vms_created = static_cast<uint32_t>(std::min<int64_t>(*min, 1000000));
      }
    } else if (name == "CreateFleet") {
      std::string_view fleet_type =
          d::string_at(record, {"requestParameters", "CreateFleetRequest", "Type"});
      if (fleet_type.empty()) fleet_type = d::string_at(record, {"requestParameters", "type"});
      if (fleet_type == "instant") {
        uint32_t n = 0;
        auto inst = d::path(
            record, {"responseElements", "CreateFleetResponse", "fleetInstanceSet", "item"});
        d::any_object(inst, [&](element it) {
          auto ids = d::path(it, {"instanceIds", "item"});
          simdjson::dom::array arr;
          if (ids && ids->get_array().get(arr) == simdjson::SUCCESS)
            n += static_cast<uint32_t>(arr.size());
          else if (ids)
            n += 1;
          return false;
        });
        a.vms_created = n;
      }
    } else if (name == "RequestSpotInstances") {
      auto n = d::as_integer(d::path(record, {"requestParameters", "instanceCount"}));
      a.vms_created = n && *n > 0 ? static_cast<uint32_t>(std::min<int64_t>(*n, 1000000)) : 1;
    }
  }
  if (!a.service_originated && !global_service(src) && ps.is_creation_event(name)) {
    if (name == "CreateBucket" && src == "s3.amazonaws.com") {
      std::string_view loc = d::string_at(
          record, {"requestParameters", "CreateBucketConfiguration", "LocationConstraint"});
      a.creation_region = loc.empty() ? "us-east-1" : loc;
    } else {
      a.creation_region = a.region;
    }
  }
  // Terminated users: resolved here against the list current for this record.
  if (impl_->enricher && !a.identity_key.empty()) {
    if (!impl_->terminated || impl_->generation != impl_->enricher->generation()) {
      impl_->generation = impl_->enricher->generation();
      impl_->terminated = impl_->enricher->terminated_users();
    }
    if (impl_->terminated && impl_->terminated->size() > 0) {
      const enrich::TerminatedUser* t = impl_->terminated->match(
          user_name, arn, type == "AssumedRole" ? session_name : "", on_behalf);
      if (t != nullptr) {
        a.terminated = t;
        a.terminated_list = impl_->terminated;
      }
    }
  }
}

}  // namespace trailwarden::anomaly
