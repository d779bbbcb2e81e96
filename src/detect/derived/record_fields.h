// The small derived fields of `tw.*` that read a record's envelope and requestParameters:
// outcome, service origin, cross-account callers, the AWS CLI command, Lambda event names,
// managed policy ARNs, S3 public ACLs and public access blocks, network ACL port ranges,
// CloudTrail weakening, user data and foreign resource owners. Pure functions of the record;
// the JSON shapes are in standard.cc and docs/rules.md.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

namespace trailwarden::detect::derived {

using simdjson::dom::element;

// errorCode and errorMessage both absent, null or "" (a failed console sign-in carries only
// errorMessage).
bool outcome_ok(element record);

// sourceIPAddress is present and not an IP literal, or userIdentity.invokedBy is non-empty, or
// userIdentity.type is AWSService. A record without sourceIPAddress does not count by the first
// test.
bool service_originated(element record);

// userIdentity.accountId is ANONYMOUS_PRINCIPAL, or both it and recipientAccountId are
// non-empty and differ. False when either is missing.
bool caller_external(element record);

// "service.command" from a user agent that starts with `aws-cli/` (optionally after the `[`
// S3 data events wrap it in) and has a token `command/<svc>.<cmd>` (AWS CLI v1 and early v2)
// or `md/command#<svc>.<cmd>` (current v2); svc and cmd are [a-z0-9-]+. A view into `ua`.
std::optional<std::string_view> cli_command(std::string_view user_agent);

// eventName without the Lambda API-version suffix: 8 digits, optionally followed by v and
// digits, at the end of a longer name (CreateFunction20150331 -> CreateFunction,
// UpdateFunctionCode20150331v2 -> UpdateFunctionCode). Other names are returned whole.
std::string_view strip_api_version(std::string_view event_name);

struct ManagedPolicy {
  std::string arn;           // requestParameters.policyArn, else responseElements.policy.arn
  std::string name;          // last `/` segment of the ARN, lower-cased
  bool aws_managed = false;  // arn:<partition>:iam::aws:policy/...
};
std::optional<ManagedPolicy> managed_policy(element record);

// Some resources[].accountId is non-empty and differs from a non-empty recipientAccountId.
bool foreign_resource_account(element record);

struct S3Acl {
  bool public_acl = false;
  std::string reason;  // e.g. "grant READ to AllUsers", "x-amz-acl public-read"
};
// Catalogue §2.4: a Group grantee whose URI ends /global/AllUsers or /global/AuthenticatedUsers
// in requestParameters.AccessControlPolicy.AccessControlList.Grant (object or array); a canned
// x-amz-acl (string or array) public-read, public-read-write or authenticated-read (any case);
// or an x-amz-grant-{read,write,read-acp,write-acp,full-control} header naming those groups.
S3Acl s3_public_acl(element record);

// requestParameters.PublicAccessBlockConfiguration is present and one of BlockPublicAcls,
// IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets is false (JSON or string) or
// missing (the API treats an omitted flag as false).
bool public_access_block_disabled(element record);

// Catalogue §2.1 nacl_ingress_all_ports: requestParameters.aclProtocol is -1 (or "all") or
// portRange.to - portRange.from > 1024 (numbers or numeric strings).
bool nacl_all_ports(element record);

// UpdateTrail with enableLogFileValidation, isMultiRegionTrail or includeGlobalServiceEvents
// false; or PutEventSelectors leaving no management events: no basic selector whose
// includeManagementEvents is true (omitted means true, as in the API) and no advanced selector
// with a field selector eventCategory Equals Management. Keys in camelCase or PascalCase.
bool trail_weakened(element record);

// requestParameters has a non-null key UserData or userData at any depth (≤ 32).
bool user_data_present(element record);

}  // namespace trailwarden::detect::derived
