// `rules test`: the test events beside each rule (<stem>.tests.yml, docs/rules.md) run through
// the same matcher, derived fields and correlation engine as ingest.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "detect/detector.h"

namespace trailwarden::detect {

struct RuleTestCase {
  std::string file;
  int line = 0;
  std::string name;
  std::string rule;  // name or id; empty: the rule defined beside the tests file
  bool expect_match = true;
  int alerts = -1;  // correlations: expected alert count (default 1 when expect_match)
  std::vector<std::string> events_json;
  std::map<std::string, std::vector<std::string>> lists;  // enrichment list entries to load
};

struct RuleTestFile {
  std::string file;
  std::map<std::string, std::vector<std::string>> placeholders;
  std::vector<RuleTestCase> tests;
};

// YAML -> JSON text: quoted scalars are strings; plain true/false/null and valid JSON numbers
// keep their JSON types; everything else is a string.
Result<std::string> yaml_to_json(const std::string& yaml_text);

Result<RuleTestFile> load_rule_test_file(const std::string& path);
// Every *.tests.yml under the paths (files or directories), sorted.
std::vector<std::string> find_rule_test_files(const std::vector<std::string>& paths);

struct RuleTestOutcome {
  RuleTestCase test;    // without its events
  std::string rule_id;  // resolved
  bool passed = false;
  std::string message;  // why it failed, or what was checked
};

struct RuleTestReport {
  std::vector<RuleTestOutcome> outcomes;
  std::vector<std::string> errors;  // files that could not be read
  // Rules (by id) with at least one passing match test / no-match test.
  std::map<std::string, std::pair<int, int>> coverage;
  size_t passed() const;
  size_t failed() const;
};

// Loads content for a placeholder set (tests files may bring their own).
using ContentLoader = std::function<Result<std::shared_ptr<const DetectionContent>>(
    const std::map<std::string, std::vector<std::string>>& placeholders,
    const std::map<std::string, std::vector<std::string>>& lists)>;

RuleTestReport run_rule_tests(const std::vector<std::string>& test_files,
                              const ContentLoader& load);

}  // namespace trailwarden::detect
