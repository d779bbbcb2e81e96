// Small read-only helpers over simdjson DOM values for the derived fields: key lookups that
// never throw, CloudTrail's loose booleans ("false" or false), ASCII case folding, and string-or-
// array iteration. Nothing here allocates.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

namespace trailwarden::detect::derived {

using simdjson::dom::element;

// The member `key` of `v` when `v` is an object holding it (JSON null counts as absent).
std::optional<element> member(element v, std::string_view key);
// Follows object keys from `v`; nullopt when any step is missing or not an object.
std::optional<element> path(element v, std::initializer_list<std::string_view> keys);

// The string at `v` (nullopt when not a string).
std::optional<std::string_view> as_string(element v);
std::optional<std::string_view> as_string(std::optional<element> v);
// The string at the path, "" when absent or not a string.
std::string_view string_at(element v, std::initializer_list<std::string_view> keys);

// A CloudTrail flag: JSON true/false, or the strings "true"/"false" (any case).
std::optional<bool> as_flag(std::optional<element> v);

// A number given as a JSON number or a string holding a (possibly signed) decimal integer.
std::optional<int64_t> as_integer(std::optional<element> v);

// Calls f(string_view) for a string, or for each string element of an array; stops and
// returns true as soon as f does.
template <typename F>
bool any_string(std::optional<element> v, F&& f) {
  if (!v) return false;
  std::string_view s;
  if (v->get_string().get(s) == simdjson::SUCCESS) return f(s);
  simdjson::dom::array arr;
  if (v->get_array().get(arr) != simdjson::SUCCESS) return false;
  for (element item : arr) {
    if (item.get_string().get(s) == simdjson::SUCCESS && f(s)) return true;
  }
  return false;
}

// Calls f(element) for an object, or for each object element of an array; stops and returns
// true as soon as f does.
template <typename F>
bool any_object(std::optional<element> v, F&& f) {
  if (!v) return false;
  if (v->is_object()) return f(*v);
  simdjson::dom::array arr;
  if (v->get_array().get(arr) != simdjson::SUCCESS) return false;
  for (element item : arr) {
    if (item.is_object() && f(item)) return true;
  }
  return false;
}

constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view text, std::string_view prefix);
bool iends_with(std::string_view text, std::string_view suffix);
bool icontains(std::string_view text, std::string_view needle);

// Nesting depth of `v` (a scalar is 0, {} or [] is 1), counting no further than `limit` + 1.
int depth(element v, int limit);

}  // namespace trailwarden::detect::derived
