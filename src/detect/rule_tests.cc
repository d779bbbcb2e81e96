#include "detect/rule_tests.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/clock.h"
#include "core/text.h"

namespace trailwarden::detect {

namespace fs = std::filesystem;

namespace {

bool json_number(const std::string& s) {
  if (s.empty()) return false;
  size_t i = 0;
  if (s[i] == '-') ++i;
  if (i >= s.size()) return false;
  if (s[i] == '0' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))
    return false;  // leading zeros: an account id, not a number
  double d;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  return ec == std::errc() && p == s.data() + s.size() &&
         s.find_first_of("xXnN") == std::string::npos;
}

void to_json(const YAML::Node& n, std::string& out, int depth) {
  if (depth > 64) throw YAML::Exception(n.Mark(), "nested too deeply");
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      out += "null";
      return;
    case YAML::NodeType::Scalar: {
      const std::string& v = n.Scalar();
      if (n.Tag() != "!") {  // plain scalar: YAML's core types
        if (v == "true" || v == "True" || v == "TRUE") return void(out += "true");
        if (v == "false" || v == "False" || v == "FALSE") return void(out += "false");
        if (v == "null" || v == "Null" || v == "NULL" || v == "~") return void(out += "null");
        if (json_number(v)) return void(out += v);
      }
      append_json_string(out, v);
      return;
    }
    case YAML::NodeType::Sequence: {
      out += '[';
      bool first = true;
      for (const auto& e : n) {
        if (!first) out += ',';
        first = false;
        to_json(e, out, depth + 1);
      }
      out += ']';
      return;
    }
    case YAML::NodeType::Map: {
      out += '{';
      bool first = true;
      for (const auto& kv : n) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, kv.first.Scalar());
        out += ':';
        to_json(kv.second, out, depth + 1);
      }
      out += '}';
      return;
    }
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Result<std::string> yaml_to_json(const std::string& yaml_text) {
  try {
    std::string out;
    to_json(YAML::Load(yaml_text), out, 0);
    return out;
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::kInvalidArgument, e.what());
  }
}

Result<RuleTestFile> load_rule_test_file(const std::string& path) {
  RuleTestFile f;
  f.file = path;
  try {
    YAML::Node root = YAML::Load(read_file(path));
    if (!root.IsMap() || !root["tests"] || !root["tests"].IsSequence()) {
      return make_error(ErrorCode::kInvalidArgument, "expected a map with a `tests` list", path);
    }
    if (auto ph = root["placeholders"]; ph && ph.IsMap()) {
      for (const auto& kv : ph) {
        auto& vals = f.placeholders[kv.first.Scalar()];
        if (kv.second.IsSequence()) {
          for (const auto& v : kv.second) vals.push_back(v.Scalar());
        } else {
          vals.push_back(kv.second.Scalar());
        }
      }
    }
    for (const auto& t : root["tests"]) {
      RuleTestCase c;
      c.file = path;
      c.line = t.Mark().line + 1;
      if (!t.IsMap()) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("line {}: a test is a map", c.line), path);
      }
      c.name = t["name"] ? t["name"].Scalar() : fmt::format("test at line {}", c.line);
      if (t["rule"]) c.rule = t["rule"].Scalar();
      std::string expect = t["expect"] ? t["expect"].Scalar() : "";
      if (expect != "match" && expect != "no-match") {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("line {}: expect must be match or no-match", c.line), path);
      }
      c.expect_match = expect == "match";
      if (t["alerts"]) c.alerts = t["alerts"].as<int>();
      if (auto l = t["lists"]; l && l.IsMap()) {
        for (const auto& kv : l) {
          auto& vals = c.lists[kv.first.Scalar()];
          if (kv.second.IsSequence()) {
            for (const auto& v : kv.second) vals.push_back(v.Scalar());
          } else {
            vals.push_back(kv.second.Scalar());
          }
        }
      }
      if (!t["events"] || !t["events"].IsSequence() || t["events"].size() == 0) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("line {}: a test needs a non-empty `events` list", c.line),
                          path);
      }
      for (const auto& e : t["events"]) {
        std::string json;
        to_json(e, json, 0);
        c.events_json.push_back(std::move(json));
      }
      f.tests.push_back(std::move(c));
    }
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::kInvalidArgument, e.what(), path);
  }
  return f;
}

std::vector<std::string> find_rule_test_files(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  auto is_test = [](const fs::path& p) {
    std::string n = p.filename().string();
    return n.size() > 10 && n.ends_with(".tests.yml");
  };
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) {
      if (is_test(p)) out.push_back(p);
      continue;
    }
    for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      if (it->is_regular_file(ec) && is_test(it->path())) out.push_back(it->path().string());
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

size_t RuleTestReport::passed() const {
  return static_cast<size_t>(
      std::count_if(outcomes.begin(), outcomes.end(), [](const auto& o) { return o.passed; }));
}
size_t RuleTestReport::failed() const { return outcomes.size() - passed(); }

namespace {

// Which rule a test addresses: by name or id among detection rules and correlations; without
// a name, the one defined in the sibling .yml (the top correlation if there are several).
struct Target {
  bool correlation = false;
  size_t index = 0;
  std::string id;
};

std::optional<Target> resolve(const DetectionContent& c, const RuleTestCase& t) {
  const RuleSet& rs = c.rules();
  const auto& corrs = rs.correlations();
  if (!t.rule.empty()) {
    for (size_t i = 0; i < corrs.size(); ++i) {
      if (corrs[i].meta.name == t.rule || corrs[i].meta.id == t.rule)
        return Target{true, i, corrs[i].meta.name.empty() ? corrs[i].meta.id : corrs[i].meta.name};
    }
    for (size_t i = 0; i < rs.size(); ++i) {
      if (rs.meta(i).name == t.rule || rs.meta(i).id == t.rule)
        return Target{false, i, rs.meta(i).name.empty() ? rs.meta(i).id : rs.meta(i).name};
    }
    return std::nullopt;
  }
  std::string stem = t.file.substr(0, t.file.size() - std::string_view(".tests.yml").size());
  auto same_file = [&](const SourcePos& pos) {
    std::error_code ec;
    return fs::equivalent(pos.file, stem + ".yml", ec);
  };
  // The correlation that no other correlation of the file references.
  std::optional<Target> found;
  for (size_t i = 0; i < corrs.size(); ++i) {
    if (!same_file(corrs[i].meta.pos)) continue;
    bool referenced = false;
    for (size_t j = 0; j < corrs.size(); ++j) {
      for (const auto& r : rs.correlation_refs(j)) {
        if (r.is_correlation && r.index == i) referenced = true;
      }
    }
    if (!referenced)
      found = Target{true, i, corrs[i].meta.name.empty() ? corrs[i].meta.id : corrs[i].meta.name};
  }
  if (found) return found;
  for (size_t i = 0; i < rs.size(); ++i) {
    if (same_file(rs.meta(i).pos)) {
      if (found) return std::nullopt;  // ambiguous: several rules, say which
      found = Target{false, i, rs.meta(i).name.empty() ? rs.meta(i).id : rs.meta(i).name};
    }
  }
  return found;
}

}  // namespace

RuleTestReport run_rule_tests(const std::vector<std::string>& test_files,
                              const ContentLoader& load) {
  RuleTestReport report;
  using Lists = std::map<std::string, std::vector<std::string>>;
  std::map<std::pair<Lists, Lists>, std::shared_ptr<const DetectionContent>> contents;
  std::vector<RuleTestFile> files;
  for (const auto& path : test_files) {
    auto file = load_rule_test_file(path);
    if (!file) {
      report.errors.push_back(file.error().to_string());
      continue;
    }
    files.push_back(std::move(*file));
  }
  simdjson::dom::parser parser;
  ManualClock clock(int64_t{253402300799} * 1000000);  // 9999-12-31: no test event is "future"
  for (const auto& file : files) {
    for (const auto& t : file.tests) {
      auto& content = contents[{file.placeholders, t.lists}];
      if (!content) {
        auto loaded = load(file.placeholders, t.lists);
        if (!loaded) {
          report.errors.push_back(file.file + ": " + loaded.error().to_string());
          continue;
        }
        content = *loaded;
      }
      RuleTestOutcome o;
      o.test = t;
      o.test.events_json.clear();
      auto target = resolve(*content, t);
      if (!target) {
        o.message = t.rule.empty()
                        ? "no single rule is defined beside this tests file; name it with `rule:`"
                        : "no loaded rule has the name or id " + t.rule +
                              " (see `trailwarden rules check` for why it did not load)";
        report.outcomes.push_back(std::move(o));
        continue;
      }
      o.rule_id = target->id;
      EventMatcher matcher(content);
      AlertBuilder builder(content, clock);
      size_t matched = 0, alerts = 0;
      std::string error;
      for (size_t k = 0; k < t.events_json.size(); ++k) {
        simdjson::dom::element root;
        if (auto err = parser.parse(t.events_json[k]).get(root)) {
          error =
              fmt::format("event {} is not valid JSON: {}", k + 1, simdjson::error_message(err));
          break;
        }
        std::vector<Hit> hits;
        // GuardDuty findings (no eventSource, a finding type) meet the guardduty rules.
        const bool finding =
            root["eventSource"].error() && !root["type"].error() && !root["schemaVersion"].error();
        matcher.match(root, finding ? "guardduty" : "cloudtrail", 0, hits);
        for (const auto& h : hits) {
          if (!target->correlation && h.rule == target->index) ++matched;
        }
        std::vector<store::AlertRow> rows;
        builder.process(hits, rows);
        if (target->correlation) {
          const auto& meta = content->rules().correlations()[target->index].meta;
          for (const auto& r : rows) {
            if (r.rule_uuid == meta.id && r.kind == "correlation") ++alerts;
          }
        }
      }
      if (!error.empty()) {
        o.message = error;
      } else if (target->correlation) {
        size_t want = t.expect_match ? static_cast<size_t>(t.alerts >= 0 ? t.alerts : 1) : 0;
        o.passed = alerts == want;
        o.message = fmt::format("{} alert(s) from {} event(s), expected {}", alerts,
                                t.events_json.size(), want);
      } else {
        size_t want = t.expect_match ? t.events_json.size() : 0;
        o.passed = matched == want;
        o.message = fmt::format("{} of {} event(s) matched, expected {}", matched,
                                t.events_json.size(), want);
      }
      auto& cov = report.coverage[o.rule_id];
      if (o.passed) (t.expect_match ? cov.first : cov.second) += 1;
      report.outcomes.push_back(std::move(o));
    }
  }
  return report;
}

}  // namespace trailwarden::detect
