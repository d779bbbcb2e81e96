// The reserved `tw.*` fields: values computed from a record once, lazily, that rules test like
// any field (docs/rules.md lists them). The Event asks for a group the first time a rule reads a
// path under `tw.<group>` and caches the answer for that record.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

namespace trailwarden::detect {

class DerivedFields {
 public:
  virtual ~DerivedFields() = default;

  // Writes the JSON value of `tw.<group>` for `record` into `out` (cleared first) and returns
  // true; false when there is no such group. The value may be a scalar ("ok", true) or an
  // object whose members the rest of the path addresses (`tw.policy.capabilities`). Must not
  // throw; a record the group cannot be computed for yields its documented fallback
  // (e.g. {"error": "..."} for an unparsable policy document).
  virtual bool compute(std::string_view group, simdjson::dom::element record,
                       std::string& out) const = 0;
};

}  // namespace trailwarden::detect
