// Policy-document capabilities as data (catalogue §1.6, §2.3): each capability is a statement
// filter plus an expression over grant tests, read from rules/data/policy_capabilities.yaml.
//
// File format (strict: unknown keys are errors, and every error names the file and line):
//
//   capabilities:
//     - name: crud_iam                       # [a-z0-9_]+, unique
//       description: ...                     # optional, shown by `trailwarden rules fields`
//       filter: [allow, any_resource, unconditioned]   # optional; this is the default
//       when:                                # an expression node:
//         all:                               #   {all: [node, ...]}  every node holds
//           - P(iam:Create)                  #   {any: [node, ...]}  some node holds
//           - any: [P(iam:Get), P(iam:List)] #   a term (below)
//           - P(iam:Update)
//
// Terms, each true when some statement that passes the filter satisfies it (the expression is
// evaluated over the union of those statements, so splitting a capability across statements
// does not hide it):
//   G(svc:Action)  grants(s, "svc:Action")        P(svc:Verb)  grants_prefix(s, "svc:Verb")
//   action(x)      an Action element equals x (case-insensitively; `*`, `*:*`)
//   not_action     the statement uses NotAction
// Filter predicates: allow, unconditioned, any_resource, public_principal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace trailwarden::detect::derived {

// Statement predicates, as bits (a filter requires all of its bits).
enum StatementBit : uint8_t {
  kAllow = 1,
  kUnconditioned = 2,
  kAnyResource = 4,
  kPublicPrincipal = 8,
};

struct CapabilityExpr {
  enum class Kind : uint8_t { kAll, kAny, kGrants, kGrantsPrefix, kActionIs, kUsesNotAction };
  Kind kind = Kind::kAll;
  std::string arg;                       // the action, prefix or literal of a term
  std::vector<CapabilityExpr> children;  // kAll, kAny
};

struct Capability {
  std::string name;
  std::string description;
  uint8_t filter = kAllow | kAnyResource | kUnconditioned;
  CapabilityExpr when;
  int line = 0;  // where the entry starts in its file (1-based)
};

// Parses the text of a capabilities file; `file` names it in errors.
Result<std::vector<Capability>> parse_capabilities(std::string_view yaml_text,
                                                   std::string_view file);
// Reads and parses the file at `path`.
Result<std::vector<Capability>> load_capabilities(const std::string& path);

// The expression in the file's term syntax, e.g. "all(P(iam:Create), any(P(iam:Get), ...))".
std::string to_string(const CapabilityExpr& e);
// "allow, any_resource, unconditioned".
std::string filter_to_string(uint8_t filter);

}  // namespace trailwarden::detect::derived
