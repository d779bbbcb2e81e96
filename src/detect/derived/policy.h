// Structural evaluation of IAM, S3, KMS and access-point policy documents (catalogue §1.6):
// find the document in a record, parse it (object, JSON string, or percent-encoded JSON string;
// at most 128 KiB and depth 32), normalise its statements, and evaluate statement predicates
// and the capabilities of rules/data/policy_capabilities.yaml. This is `tw.policy`.
//
// Rule-specific statement predicates exposed as `tw.policy.*`:
//   public_unconditioned       some statement allow ∧ public_principal ∧ unconditioned
//   wildcard_action            some Allow statement has an Action element containing `*`
//   public_grants_kms_encrypt  some statement allow ∧ public_principal ∧ unconditioned ∧
//                              grants(kms:Encrypt)
//   public_kms_requires_mfa    the statements allow ∧ public_principal ∧ grants(kms:Encrypt)
//                              (Condition not looked at) exist and every one of them has a
//                              Condition Bool/BoolIfExists aws:MultiFactorAuthPresent = true
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "detect/derived/capabilities.h"

namespace trailwarden::detect::derived {

inline constexpr size_t kMaxPolicyBytes = 128 * 1024;
inline constexpr int kMaxPolicyDepth = 32;
inline constexpr size_t kMaxStatementsText = 2048;

// One normalised statement. `raw` and `actions` point into the record or into a parser owned
// by the calling thread (see parse_policy_text).
struct PolicyStatement {
  simdjson::dom::element raw;
  bool allow = false;             // Effect is Allow (case-insensitively)
  bool unconditioned = true;      // Condition absent, null or {}
  bool any_resource = false;      // a Resource element is exactly *, or NotResource is used
  bool not_resource = false;      // NotResource is used
  bool public_principal = false;  // Principal * or Principal.AWS (or "*") is or holds *;
                                  // or NotPrincipal in an Allow
  bool not_action = false;        // `actions` is NotAction
  std::optional<simdjson::dom::element> actions;  // Action, else NotAction: string or array

  uint8_t bits() const;  // StatementBit set
};

bool grants(const PolicyStatement& s, std::string_view action);
bool grants_prefix(const PolicyStatement& s, std::string_view prefix);
bool wildcard_action(const PolicyStatement& s);
bool action_is(const PolicyStatement& s, std::string_view literal);
// Condition has Bool or BoolIfExists (any case) with aws:MultiFactorAuthPresent (any case)
// equal to true: JSON true, "true", or a non-empty list of only those.
bool condition_requires_mfa(const PolicyStatement& s);

struct PolicyDocument {
  bool present = false;     // the record carries a document
  std::string_view source;  // the requestParameters key it came from
  std::string error;        // why it could not be read; statements are then empty
  std::vector<PolicyStatement> statements;
};

// Looks for the document under requestParameters: policyDocument, policy, bucketPolicy, then
// PutAccessPointPolicyRequest.Policy. A candidate counts when it is an object or a non-empty
// string (S3 records carry `"policy": ""` beside the bucketPolicy object).
void read_policy(simdjson::dom::element record, PolicyDocument& doc);

// Parses a document given as an object or as a string.
void parse_policy_value(simdjson::dom::element value, PolicyDocument& doc);

// Parses JSON text (retrying once percent-decoded when it does not parse) with a parser owned
// by the calling thread: the statements stay valid until this thread parses another document.
void parse_policy_text(std::string_view text, PolicyDocument& doc);

struct PolicyVerdict {
  std::vector<uint8_t> capabilities;  // per capability: 1 when the document has it
  bool full_admin = false;            // the capability named full_admin
  bool public_unconditioned = false;
  bool wildcard_action = false;
  bool public_grants_kms_encrypt = false;
  bool public_kms_requires_mfa = false;
  bool not_resource = false;               // a matching statement uses NotResource
  std::vector<uint8_t> statement_matched;  // per statement: it made some predicate true
};

void evaluate_policy(const PolicyDocument& doc, std::span<const Capability> capabilities,
                     PolicyVerdict& verdict);

// Appends the JSON object of `tw.policy`:
// {"present", "source"?, "error"?, "capabilities": [names], "full_admin", "public_unconditioned",
//  "wildcard_action", "public_grants_kms_encrypt", "public_kms_requires_mfa", "not_resource",
//  "statement_count", "statements": "<JSON array of the matching statements, cut at 2 KiB>"}
void append_policy_json(const PolicyDocument& doc, const PolicyVerdict& verdict,
                        std::span<const Capability> capabilities, std::string& out);

// Percent-decodes `in` into `out` (`+` becomes a space, as form encoding writes it; invalid
// escapes are kept). Returns false when `in` holds nothing to decode.
bool percent_decode(std::string_view in, std::string& out);

}  // namespace trailwarden::detect::derived
