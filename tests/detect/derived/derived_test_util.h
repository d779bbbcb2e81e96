// Helpers for the derived-field tests: parse JSON text into a DOM that lives as long as the
// helper, and load the shipped rules/data lists.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <memory>
#include <string>
#include <string_view>

#include "detect/derived/standard.h"

namespace trailwarden::detect::testing {

// A parsed JSON document; root() is a null element when the text did not parse (the test
// fails then).
class Json {
 public:
  explicit Json(std::string_view text) : text_(text) {
    auto err = parser_.parse(text_).get(root_);
    if (err != simdjson::SUCCESS) {
      ADD_FAILURE() << "test JSON does not parse: " << simdjson::error_message(err) << "\n" << text;
    }
  }
  simdjson::dom::element root() const { return root_; }

 private:
  std::string text_;
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

inline std::string shipped_data_dir() {
  return std::string(TRAILWARDEN_SOURCE_DIR) + "/rules/data";
}

// The shipped StandardDerivedFields (loaded once per test binary).
inline const StandardDerivedFields& shipped_fields() {
  static const std::unique_ptr<StandardDerivedFields> fields = [] {
    auto loaded = StandardDerivedFields::load(shipped_data_dir());
    if (!loaded) {
      ADD_FAILURE() << loaded.error().to_string();
      return std::make_unique<StandardDerivedFields>(std::vector<derived::Capability>{},
                                                     std::vector<std::string>{});
    }
    return std::move(*loaded);
  }();
  return *fields;
}

}  // namespace trailwarden::detect::testing
