// One record (a CloudTrail event or a GuardDuty finding) as the matcher sees it: Sigma field
// paths resolved over the parsed JSON, plus the derived `tw.*` fields.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
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
  double number = 0;     // kNumber
  bool boolean = false;  // kBool
};

// A Sigma field path split once into its dot-separated segments, so resolving it per record
// costs no parsing. `tw.<group>.<rest>` paths are derived fields.
class FieldPath {
 public:
  FieldPath() = default;
  explicit FieldPath(std::string_view path);

  const std::string& text() const { return text_; }
  size_t size() const { return starts_.size(); }
  std::string_view segment(size_t i) const { return joined(i, i); }
  // Segments i..j (inclusive) with their dots: the key a record may hold literally.
  std::string_view joined(size_t i, size_t j) const;
  bool derived() const { return derived_; }
  // For derived paths: the group (segment 1); the rest of the path starts at segment 2.
  std::string_view group() const { return derived_ ? segment(1) : std::string_view(); }
  // Process-wide numbers for the first segment and for the whole path (record paths only,
  // else -1): the Event caches lookups per record under them.
  int32_t slot() const { return slot_; }
  int32_t path_slot() const { return path_slot_; }

 private:
  std::string text_;
  std::vector<uint32_t> starts_;  // offset of each segment in text_
  std::vector<uint32_t> ends_;
  bool derived_ = false;
  int32_t slot_ = -1;
  int32_t path_slot_ = -1;
};

// A non-owning callable reference (no allocation), for the visitors below.
template <typename Sig>
class FunctionRef;
template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
 public:
  template <typename F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef>)
      FunctionRef(F&& f)  // NOLINT: implicit by design
      : obj_(const_cast<void*>(static_cast<const void*>(&f))), call_([](void* o, Args... a) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<Args>(a)...);
        }) {}
  R operator()(Args... a) const { return call_(obj_, std::forward<Args>(a)...); }

 private:
  void* obj_;
  R (*call_)(void*, Args...);
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
  bool values(const FieldPath& path, std::vector<FieldValue>& out);
  // The first value at `path` as text ("" when absent or null).
  std::string_view first(std::string_view path);
  std::string_view first(const FieldPath& path);
  bool exists(std::string_view path);

  // --- The matcher's allocation-free interface ---

  // Calls `fn` for every element at `path` (arrays fan out, along the way and at the end, so
  // `fn` never sees an array). `fn` returns true to stop early. Returns whether the path is
  // present (an empty array or a JSON null at the end counts as present).
  bool visit(const FieldPath& path, FunctionRef<bool(simdjson::dom::element)> fn);
  // Calls `fn` for every string value anywhere in the record (keyword search); true stops.
  void visit_strings(FunctionRef<bool(std::string_view)> fn);
  // Text of a scalar or composite element; valid until the next call of scratch_text (strings
  // are views into the record and stay valid until reset). Null gives "".
  std::string_view scratch_text(simdjson::dom::element e);
  // Like scratch_text, but the text stays valid until reset.
  std::string_view stable_text(simdjson::dom::element e);
  FieldValue value_of(simdjson::dom::element e);

  // How many derived groups were computed for the current record (for tests).
  size_t derived_computations() const;

 private:
  struct Impl;
  simdjson::dom::element root_;
  const DerivedFields* derived_ = nullptr;
  Impl* impl_ = nullptr;  // caches of derived groups and composite texts for the current record
};

// Appends `e` as minified JSON.
void append_json(std::string& out, simdjson::dom::element e);

}  // namespace trailwarden::detect
