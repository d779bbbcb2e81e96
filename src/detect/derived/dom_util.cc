#include "detect/derived/dom_util.h"

#include <charconv>

namespace trailwarden::detect::derived {

std::optional<element> member(element v, std::string_view key) {
  simdjson::dom::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) return std::nullopt;
  element out;
  if (obj.at_key(key).get(out) != simdjson::SUCCESS || out.is_null()) return std::nullopt;
  return out;
}

std::optional<element> path(element v, std::initializer_list<std::string_view> keys) {
  std::optional<element> cur = v;
  for (std::string_view k : keys) {
    cur = member(*cur, k);
    if (!cur) return std::nullopt;
  }
  return cur;
}

std::optional<std::string_view> as_string(element v) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

std::optional<std::string_view> as_string(std::optional<element> v) {
  if (!v) return std::nullopt;
  return as_string(*v);
}

std::string_view string_at(element v, std::initializer_list<std::string_view> keys) {
  return as_string(path(v, keys)).value_or(std::string_view{});
}

std::optional<bool> as_flag(std::optional<element> v) {
  if (!v) return std::nullopt;
  bool b;
  if (v->get_bool().get(b) == simdjson::SUCCESS) return b;
  std::string_view s;
  if (v->get_string().get(s) == simdjson::SUCCESS) {
    if (iequals(s, "true")) return true;
    if (iequals(s, "false")) return false;
  }
  return std::nullopt;
}

std::optional<int64_t> as_integer(std::optional<element> v) {
  if (!v) return std::nullopt;
  int64_t i;
  if (v->get_int64().get(i) == simdjson::SUCCESS) return i;
  uint64_t u;
  if (v->get_uint64().get(u) == simdjson::SUCCESS) {
    return u > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(u);
  }
  double d;
  if (v->get_double().get(d) == simdjson::SUCCESS) {
    if (d != d || d >= 9.2e18 || d <= -9.2e18) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  std::string_view s;
  if (v->get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return i;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

bool iends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && iequals(text.substr(text.size() - suffix.size()), suffix);
}

bool icontains(std::string_view text, std::string_view needle) {
  if (needle.empty()) return true;
  if (text.size() < needle.size()) return false;
  for (size_t i = 0; i + needle.size() <= text.size(); ++i) {
    if (iequals(text.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

int depth(element v, int limit) {
  simdjson::dom::array arr;
  simdjson::dom::object obj;
  const bool is_array = v.get_array().get(arr) == simdjson::SUCCESS;
  if (!is_array && v.get_object().get(obj) != simdjson::SUCCESS) return 0;
  if (limit <= 0) return 1;  // a container with no budget left: already deeper than `limit`
  int deepest = 0;
  auto visit = [&](element child) {
    int d = depth(child, limit - 1);
    if (d > deepest) deepest = d;
    return deepest >= limit;  // the answer exceeds `limit` already
  };
  if (is_array) {
    for (element item : arr) {
      if (visit(item)) break;
    }
  } else {
    for (auto field : obj) {
      if (visit(field.value)) break;
    }
  }
  return 1 + deepest;
}

}  // namespace trailwarden::detect::derived
