#include "detect/derived/identity.h"

#include "core/text.h"
#include "detect/derived/dom_util.h"

namespace trailwarden::detect {

using derived::as_string;
using derived::member;
using derived::string_at;

namespace {

// The name an ARN gives: its last `/` segment, or after its last `:` when it has no `/`.
std::string_view arn_name(std::string_view arn) {
  size_t slash = arn.rfind('/');
  if (slash != std::string_view::npos) return arn.substr(slash + 1);
  size_t colon = arn.rfind(':');
  return colon == std::string_view::npos ? arn : arn.substr(colon + 1);
}

std::string_view first_resource_arn(simdjson::dom::element record) {
  std::string_view found;
  derived::any_object(member(record, "resources"), [&](simdjson::dom::element r) {
    found = as_string(member(r, "ARN")).value_or("");
    return !found.empty();
  });
  return found;
}

}  // namespace

IdentityInfo identity_of(simdjson::dom::element record) {
  IdentityInfo id;
  auto ui_opt = member(record, "userIdentity");
  simdjson::dom::element ui = ui_opt.value_or(simdjson::dom::element{});
  if (ui_opt) {
    id.arn = string_at(ui, {"arn"});
    id.type = string_at(ui, {"type"});
    id.principal_id = string_at(ui, {"principalId"});
    id.account = string_at(ui, {"accountId"});
    id.access_key_id = string_at(ui, {"accessKeyId"});
    id.session_issuer_arn = string_at(ui, {"sessionContext", "sessionIssuer", "arn"});
    id.invoked_by = string_at(ui, {"invokedBy"});
  }
  std::string_view user_name = ui_opt ? string_at(ui, {"userName"}) : std::string_view{};
  std::string_view name;
  if (id.principal_id == "Anonymous" || id.account == "ANONYMOUS_PRINCIPAL") {
    name = "Anonymous";
    id.name_source = "anonymous";
  } else if (!user_name.empty()) {
    name = user_name;
    id.name_source = "user";
  } else if (!id.arn.empty() && !arn_name(id.arn).empty()) {
    name = arn_name(id.arn);
    id.name_source = "arn";
  } else if (std::string_view r = first_resource_arn(record); !r.empty()) {
    name = r;
    id.name_source = "resource";
  } else if (!id.invoked_by.empty()) {
    name = id.invoked_by;
    id.name_source = "invokedBy";
  } else {
    name = "unknown";
    id.name_source = "unknown";
  }
  size_t at = name.find('@');
  if (at != std::string_view::npos) {
    id.upn_suffix = std::string(name.substr(at + 1));
    name = name.substr(0, at);
  }
  id.name = std::string(name);
  return id;
}

void append_identity_json(const IdentityInfo& id, std::string& out) {
  auto field = [&](std::string_view key, const std::string& value, bool first = false) {
    if (!first) out += ',';
    out += '"';
    out += key;
    out += "\":";
    append_json_string(out, value);
  };
  out += '{';
  field("name", id.name, true);
  field("upn_suffix", id.upn_suffix);
  field("name_source", id.name_source);
  field("arn", id.arn);
  field("type", id.type);
  field("principal_id", id.principal_id);
  field("account", id.account);
  field("access_key_id", id.access_key_id);
  field("session_issuer_arn", id.session_issuer_arn);
  field("invoked_by", id.invoked_by);
  out += '}';
}

}  // namespace trailwarden::detect
