// Golden tests: every tests/detect/sigma/golden/*.yml is loaded and described (metadata the
// engine derives, index keys, the compiled form, correlations, diagnostics); the description
// must equal the .compiled file beside it. TRAILWARDEN_UPDATE_GOLDENS=1 rewrites them (check
// the diff by eye before committing).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "detect/sigma/sigma_test_util.h"

namespace trailwarden::detect {
namespace {

namespace fs = std::filesystem;

fs::path golden_dir() { return fs::path(TRAILWARDEN_TESTS_DIR) / "detect" / "sigma" / "golden"; }

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string indent(const std::string& text, const std::string& pad) {
  std::string out = pad;
  for (char c : text) {
    out.push_back(c);
    if (c == '\n') out += pad;
  }
  return out;
}

const char* type_name(CorrelationType t) {
  switch (t) {
    case CorrelationType::kEventCount:
      return "event_count";
    case CorrelationType::kValueCount:
      return "value_count";
    case CorrelationType::kTemporal:
      return "temporal";
    case CorrelationType::kTemporalOrdered:
      return "temporal_ordered";
  }
  return "?";
}

const char* op_name(CompareOp op) {
  switch (op) {
    case CompareOp::kGt:
      return "gt";
    case CompareOp::kGte:
      return "gte";
    case CompareOp::kLt:
      return "lt";
    case CompareOp::kLte:
      return "lte";
    case CompareOp::kEq:
      return "eq";
    case CompareOp::kNeq:
      return "neq";
  }
  return "?";
}

std::string describe_file(const fs::path& file) {
  SigmaOptions opts;
  opts.placeholders["admins"] = {"alice", "bob*"};
  opts.placeholders["trusted_nets"] = {"10.0.0.0/8", "192.168.0.0/16"};
  RuleSet set(opts);
  std::vector<Diagnostic> diags;
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  set.load_text(ss.str(), file.filename().string(), "golden", diags);
  set.finish(diags);
  std::string out;
  for (size_t i = 0; i < set.size(); ++i) {
    const RuleMeta& m = set.meta(i);
    auto line = [&](std::string_view key, const std::string& value) {
      out += "  " + std::string(key) + ":" + (value.empty() ? "" : " " + value) + "\n";
    };
    out += "rule " + m.title + "\n";
    line("name", m.name);
    line("id", m.id);
    line("level", std::string(severity_name(m.severity)));
    line("service", m.logsource_service);
    line("tactics", join(m.tactics));
    line("techniques", join(m.techniques));
    line("fields", join(set.fields(i)));
    out += "  index: " + set.index_keys(i) + "\n";
    out += indent(set.explain(i), "  ") + "\n";
  }
  for (size_t c = 0; c < set.correlations().size(); ++c) {
    const CorrelationSpec& spec = set.correlations()[c];
    out += "correlation " + spec.meta.title + "\n";
    out += "  type: " + std::string(type_name(spec.type)) + "\n";
    out += "  rules:";
    for (size_t k = 0; k < spec.rules.size(); ++k) {
      const auto& ref = set.correlation_refs(c)[k];
      out += " " + spec.rules[k] + (ref.is_correlation ? " (correlation " : " (rule ") +
             std::to_string(ref.index) + ")";
    }
    out += "\n  group-by: " + join(spec.group_by) + "\n";
    out += "  timespan: " + std::to_string(spec.timespan_us / 1000000) + "s\n";
    out += "  condition:";
    for (const auto& cc : spec.condition) {
      out += " " + std::string(op_name(cc.op)) + " " + std::to_string(cc.value);
    }
    if (!spec.value_field.empty()) out += " field " + spec.value_field;
    out += "\n  generate: " + std::string(spec.generate ? "true" : "false") + "\n";
    for (const auto& [alias, per_rule] : spec.aliases) {
      for (const auto& [rule, field] : per_rule)
        out += "  alias " + alias + ": " + rule + " -> " + field + "\n";
    }
  }
  for (const auto& d : diags) {
    out += std::string(d.level == Diagnostic::Level::kError ? "error " : "warning ") + d.code +
           " " + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + " " + d.message +
           "\n";
  }
  return out;
}

TEST(SigmaGolden, CompiledFormsMatchTheGoldenFiles) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(golden_dir())) {
    if (e.path().extension() == ".yml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 5u);
  const char* update = std::getenv("TRAILWARDEN_UPDATE_GOLDENS");
  const bool rewrite = update != nullptr && std::string(update) == "1";
  for (const auto& f : files) {
    std::string got = describe_file(f);
    fs::path expected_path = f;
    expected_path.replace_extension(".compiled");
    if (rewrite) {
      std::ofstream(expected_path) << got;
      continue;
    }
    std::ifstream in(expected_path);
    ASSERT_TRUE(in.good()) << expected_path
                           << " is missing (TRAILWARDEN_UPDATE_GOLDENS=1 writes it)";
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(got, ss.str()) << "golden mismatch for " << f.filename();
  }
}

}  // namespace
}  // namespace trailwarden::detect
