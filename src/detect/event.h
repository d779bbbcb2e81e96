// One record (a CloudTrail event or a GuardDuty finding) as the matcher sees it: Sigma field
// paths resolved over the parsed JSON, plus the derived `tw.*` fields.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "detect/derived.h"

namespace trailwarden::detect {

// A value found at a field path. Strings are as in the record; numbers keep their JSON text
// ("42", "1.5"); booleans are "true"/"false"; an object or array at the end of the path is its
// minified JSON text. Views stay valid until the Event is reset.
struct FieldValue {
  enum class Type : uint8_t { kNull, kBool, kNumber, kString, kComposite };
  Type type = Type::kNull;
  std::string_view text;
  double number = 0;  // kNumber
  bool boolean = false;  // kBool
};

class Event {
 public:
  explicit Event(const DerivedFields* derived = nullptr);
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event();

  // Binds to a parsed record; `root` (and the parser owning it) must outlive the binding.
  void reset(simdjson::dom::element root);
  simdjson::dom::element root() const { return root_; }

  // Appends every value at `path` (dot-separated, case-sensitive; arrays along the way fan
  // out, an array at the end yields its elements). Returns false when the path is absent.
  bool values(std::string_view path, std::vector<FieldValue>& out);
  // The first value at `path` as text ("" when absent or null).
  std::string_view first(std::string_view path);
  bool exists(std::string_view path);

 private:
  struct Impl;
  simdjson::dom::element root_;
  const DerivedFields* derived_ = nullptr;
  Impl* impl_ = nullptr;  // caches of derived groups and composite texts for the current record
};

}  // namespace trailwarden::detect
