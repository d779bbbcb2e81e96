// The actor of a CloudTrail record (catalogue §1.5): its display name and the identifiers an
// alert's identity entity carries. `tw.identity` is this as JSON; alert building shares it.
#pragma once

#include <simdjson.h>

#include <string>

namespace trailwarden::detect {

struct IdentityInfo {
  // Display name, in this order: "Anonymous" (principalId Anonymous or accountId
  // ANONYMOUS_PRINCIPAL); userIdentity.userName; the last `/` segment of userIdentity.arn (after
  // the last `:` when it has no `/`); the ARN of the first resources[] item with one; invokedBy;
  // "unknown". A name holding `@` is split at the first `@` into name and upn_suffix.
  std::string name;
  std::string upn_suffix;
  std::string name_source;  // user | arn | resource | invokedBy | anonymous | unknown
  std::string arn;          // userIdentity.arn
  std::string type;         // userIdentity.type
  std::string principal_id;
  std::string account;  // userIdentity.accountId (the caller's account)
  std::string access_key_id;
  std::string session_issuer_arn;  // userIdentity.sessionContext.sessionIssuer.arn
  std::string invoked_by;          // userIdentity.invokedBy
};

IdentityInfo identity_of(simdjson::dom::element record);

// Appends IdentityInfo as a JSON object with every member (empty strings when absent).
void append_identity_json(const IdentityInfo& id, std::string& out);

}  // namespace trailwarden::detect
