// Helpers for the Sigma tests: a rule from a detection block, records from JSON text.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "detect/event.h"
#include "detect/rule.h"
#include "detect/sigma/ruleset.h"

namespace trailwarden::detect::testing {

// A parsed JSON record that owns its parser.
class Record {
 public:
  explicit Record(std::string_view json) {
    auto r = parser_.parse(std::string(json));
    if (r.error()) ADD_FAILURE() << "bad test JSON: " << json;
    root_ = r.value_unsafe();
  }
  simdjson::dom::element root() const { return root_; }

 private:
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

inline std::string rule_text(std::string_view detection, std::string_view extra = {}) {
  std::string y =
      "title: Test rule\n"
      "id: 11111111-1111-4111-8111-111111111111\n"
      "logsource:\n"
      "  product: aws\n"
      "  service: cloudtrail\n";
  y += extra;
  y += "detection:\n";
  y += detection;
  return y;
}

// One rule compiled from a detection block (indented by the caller under `detection:`).
class OneRule {
 public:
  explicit OneRule(std::string_view detection, SigmaOptions options = {})
      : set_(std::move(options)) {
    set_.load_text(rule_text(detection), "test.yml", "user", diags_);
  }
  bool ok() const { return set_.size() == 1; }
  const std::vector<Diagnostic>& diags() const { return diags_; }
  std::string dump() const { return ok() ? set_.explain(0) : std::string("<not loaded>"); }
  bool match(std::string_view json) {
    Record rec(json);
    Event ev;
    ev.reset(rec.root());
    std::vector<uint32_t> out;
    set_.match(ev, "cloudtrail", out);
    std::vector<uint32_t> brute;
    ev.reset(rec.root());
    set_.match_all(ev, "cloudtrail", brute);
    EXPECT_EQ(out, brute) << "index and brute force disagree on " << json;
    return !out.empty();
  }
  const RuleSet& set() const { return set_; }

 private:
  RuleSet set_;
  std::vector<Diagnostic> diags_;
};

inline std::string describe(const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const auto& d : diags) {
    out += (d.level == Diagnostic::Level::kError ? "error " : "warning ") + d.code + " " +
           d.pos.file + ":" + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) +
           " [" + d.rule_title + "] " + d.message + "\n";
  }
  return out;
}

inline std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("TRAILWARDEN_SHARED_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
#ifdef TRAILWARDEN_SHARED_DIR
  return TRAILWARDEN_SHARED_DIR;
#else
  return {};
#endif
}

}  // namespace trailwarden::detect::testing
