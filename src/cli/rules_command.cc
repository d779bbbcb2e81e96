// trailwarden rules list|check|test|run : the detection content.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include "cli/commands.h"
#include "cli/detection_options.h"
#include "cli/render.h"
#include "core/clock.h"
#include "core/text.h"
#include "core/time.h"
#include "detect/detector.h"
#include "detect/rule_tests.h"
#include "store/duckdb/duckdb_workspace.h"

namespace trailwarden::cli {
namespace {

namespace fs = std::filesystem;
using detect::Diagnostic;

struct RulesArgs {
  DetectionArgs detection;
  std::string format = "table";
  std::vector<std::string> paths;
  std::string workspace = "./trailwarden-data";
  std::string since = "30d";
  std::string until;
  bool builtin_too = false;
  size_t max_width = 60;
};

std::string join(const std::vector<std::string>& v, std::string_view sep = ", ") {
  std::string s;
  for (const auto& x : v) {
    if (!s.empty()) s += sep;
    s += x;
  }
  return s;
}

void print(const store::QueryResult& r, const RulesArgs& a) {
  std::string out = render(r, a.format, a.max_width);
  std::fwrite(out.data(), 1, out.size(), stdout);
}

int fail(const char* cmd, const std::string& message) {
  std::fprintf(stderr, "trailwarden rules %s: %s\n", cmd, escape_control(message).c_str());
  return kExitFatal;
}

// Why a rule cannot see its data: an enrichment list it needs was not given (--lists).
std::string status_of(const detect::RuleMeta& m, const detect::DetectionContent& c) {
  auto required = c.missing_data(m, false);
  if (!required.empty()) return "inactive (missing " + join(required) + ")";
  auto optional = c.missing_data(m, true);
  if (!optional.empty()) return "active, partly (missing " + join(optional) + ")";
  return "active";
}

int run_list(const RulesArgs& a) {
  DetectionArgs d = a.detection;
  auto content = load_detection(d, "rules list");
  if (!content) return fail("list", content.error().to_string());
  const auto& rs = (*content)->rules();
  store::QueryResult r;
  for (const char* c : {"rule", "title", "severity", "kind", "tactics", "techniques", "source",
                        "status", "uuid", "author"}) {
    r.columns.push_back({c, store::QueryColumn::Kind::kString});
  }
  auto row = [&](const detect::RuleMeta& m, const char* kind) {
    r.rows.push_back({m.name.empty() ? m.id : m.name, m.title,
                      std::string(detect::severity_name(m.severity)), std::string(kind),
                      join(m.tactics), join(m.techniques), m.source, status_of(m, **content), m.id,
                      m.author});
  };
  // Rules only a correlation uses are its building blocks, not alerts of their own.
  std::set<size_t> bases;
  for (size_t c = 0; c < rs.correlations().size(); ++c) {
    for (const auto& ref : rs.correlation_refs(c)) {
      if (!ref.is_correlation) bases.insert(ref.index);
    }
  }
  for (size_t i = 0; i < rs.size(); ++i) {
    row(rs.meta(i), bases.contains(i) ? "correlation-base" : "stateless");
  }
  for (const auto& c : rs.correlations()) row(c.meta, "correlation");
  print(r, a);
  return kExitOk;
}

int run_check(const RulesArgs& a) {
  DetectionArgs d = a.detection;
  d.rules.insert(d.rules.end(), a.paths.begin(), a.paths.end());
  if (!a.paths.empty() && !a.builtin_too) d.no_builtin = true;
  std::vector<Diagnostic> diags;
  auto content = load_detection(d, "rules check", {}, &diags, /*quiet=*/true);
  if (!content) return fail("check", content.error().to_string());
  size_t errors = 0, warnings = 0;
  if (a.format == "json") {
    std::string out = "[";
    for (size_t i = 0; i < diags.size(); ++i) {
      const auto& x = diags[i];
      out += i ? ",\n " : "\n ";
      out += fmt::format(
          "{{\"level\": \"{}\", \"code\": {}, \"file\": {}, \"line\": {}, \"column\": {}, "
          "\"title\": {}, \"message\": {}}}",
          x.level == Diagnostic::Level::kError ? "error" : "warning", json_string(x.code),
          json_string(x.pos.file), x.pos.line, x.pos.column, json_string(x.rule_title),
          json_string(x.message));
    }
    out += diags.empty() ? "]\n" : "\n]\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else {
    for (const auto& x : diags) std::printf("%s\n", format_diagnostic(x).c_str());
  }
  for (const auto& x : diags) (x.level == Diagnostic::Level::kError ? errors : warnings) += 1;
  std::fprintf(a.format == "json" ? stderr : stdout,
               "%zu rules and %zu correlations loaded; %zu errors, %zu warnings\n",
               (*content)->rules().size(), (*content)->rules().correlations().size(), errors,
               warnings);
  return errors > 0 ? kExitFatal : kExitOk;
}

bool under(const std::string& file, const std::vector<std::string>& roots) {
  std::error_code ec;
  fs::path f = fs::weakly_canonical(file, ec);
  for (const auto& r : roots) {
    fs::path root = fs::weakly_canonical(r, ec);
    auto [a, b] = std::mismatch(root.begin(), root.end(), f.begin(), f.end());
    if (a == root.end()) return true;
  }
  return false;
}

int run_test(const RulesArgs& a) {
  std::vector<std::string> paths = a.paths;
  const std::string builtin = detect::builtin_rules_dir();
  if (paths.empty()) paths.push_back(builtin);
  DetectionArgs d = a.detection;
  for (const auto& p : paths) {
    if (!under(p, {builtin})) d.rules.push_back(p);
  }
  auto files = detect::find_rule_test_files(paths);
  if (files.empty()) return fail("test", "no *.tests.yml files under " + join(paths));
  std::shared_ptr<const detect::DetectionContent> last;
  auto loader = [&](const std::map<std::string, std::vector<std::string>>& ph,
                    const std::map<std::string, std::vector<std::string>>& lists)
      -> Result<std::shared_ptr<const detect::DetectionContent>> {
    // Quiet: a rule needing placeholders fails to load for test files that bring none; the
    // tests that need a rule that did not load say so, and `rules check` explains why.
    auto c = load_detection(d, "rules test", ph, nullptr, /*quiet=*/true, lists);
    if (c) last = *c;
    return c;
  };
  auto report = detect::run_rule_tests(files, loader);
  for (const auto& e : report.errors) std::printf("ERROR %s\n", escape_control(e).c_str());
  for (const auto& o : report.outcomes) {
    if (o.passed) continue;
    std::printf("FAIL  %s:%d  %s  [%s]: %s\n", escape_control(o.test.file).c_str(), o.test.line,
                escape_control(o.test.name).c_str(), escape_control(o.rule_id).c_str(),
                escape_control(o.message).c_str());
  }
  // Every rule defined under the tested paths needs a passing match and no-match test
  // (base rules of a correlation and inner correlations are tested through it).
  size_t uncovered = 0;
  if (last) {
    const auto& rs = last->rules();
    std::set<size_t> inner_rules, inner_corrs;
    for (size_t c = 0; c < rs.correlations().size(); ++c) {
      for (const auto& ref : rs.correlation_refs(c)) {
        (ref.is_correlation ? inner_corrs : inner_rules).insert(ref.index);
      }
    }
    auto check = [&](const detect::RuleMeta& m) {
      if (!under(m.pos.file, paths)) return;
      auto it = report.coverage.find(m.name.empty() ? m.id : m.name);
      bool ok = it != report.coverage.end() && it->second.first > 0 && it->second.second > 0;
      if (!ok) {
        ++uncovered;
        std::printf("UNTESTED  %s  [%s]: needs a passing `match` and `no-match` test\n",
                    escape_control(m.pos.file).c_str(),
                    escape_control(m.name.empty() ? m.id : m.name).c_str());
      }
    };
    for (size_t i = 0; i < rs.size(); ++i) {
      if (!inner_rules.contains(i)) check(rs.meta(i));
    }
    for (size_t c = 0; c < rs.correlations().size(); ++c) {
      if (!inner_corrs.contains(c)) check(rs.correlations()[c].meta);
    }
  }
  std::printf(
      "%zu test files, %zu tests: %zu passed, %zu failed; %zu rules untested; %zu file errors\n",
      files.size(), report.outcomes.size(), report.passed(), report.failed(), uncovered,
      report.errors.size());
  return report.failed() == 0 && uncovered == 0 && report.errors.empty() ? kExitOk : kExitFatal;
}

// Retro-hunt: rules over stored history, in event-time order, alerts stored as if live.
int run_retro(const RulesArgs& a) {
  const Clock& clock = SystemClock::instance();
  const int64_t now = clock.now_micros();
  auto since = parse_since(a.since, now);
  if (!since) return fail("run", "--since: " + since.error().to_string());
  int64_t until = now + int64_t{86400} * 1000000;  // events stamped slightly ahead still count
  if (!a.until.empty()) {
    auto u = parse_since(a.until, now);
    if (!u) return fail("run", "--until: " + u.error().to_string());
    until = *u;
  }
  DetectionArgs d = a.detection;
  d.rules.insert(d.rules.end(), a.paths.begin(), a.paths.end());
  if (!a.paths.empty() && !a.builtin_too) d.no_builtin = true;
  auto content = load_detection(d, "rules run");
  if (!content) return fail("run", content.error().to_string());
  store::DuckDbOptions wo;
  wo.dir = a.workspace;
  wo.mode = store::OpenMode::kReadWrite;
  wo.command = "rules run";
  wo.threads = 1;
  wo.memory_limit = "256MB";
  auto ws = store::DuckDbWorkspace::open(wo);
  if (!ws) return fail("run", ws.error().to_string());
  detect::EventMatcher matcher(*content);
  detect::AlertBuilder builder(*content, clock);
  simdjson::dom::parser parser;
  std::vector<detect::Hit> hits;
  store::DetectionWrites writes;
  uint64_t records = 0, unreadable = 0, hit_count = 0, written = 0;
  Status status;
  auto flush = [&]() -> bool {
    builder.process(hits, writes.alerts);
    hits.clear();
    if (writes.alerts.empty()) return true;
    // One row per alert id: the latest state of an alert updated several times.
    std::map<std::string, store::AlertRow> latest;
    for (auto& r : writes.alerts) latest[r.alert_id] = std::move(r);
    writes.alerts.clear();
    for (auto& [id, r] : latest) {
      r.may_exist = true;  // a retro-hunt may re-raise what live detection already stored
      writes.alerts.push_back(std::move(r));
    }
    written += writes.alerts.size();
    status = (*ws)->write_detection_only(writes);
    writes.clear();
    return status.has_value();
  };
  auto scanned = (*ws)->scan_records(*since, until, [&](int64_t, std::string_view raw) {
    ++records;
    simdjson::dom::element root;
    if (parser.parse(raw.data(), raw.size()).get(root)) {
      ++unreadable;
      return true;
    }
    size_t before = hits.size();
    matcher.match(root, "cloudtrail", 0, hits);
    hit_count += hits.size() - before;
    if (hits.size() >= 10000) return flush();
    return true;
  });
  if (!scanned) return fail("run", scanned.error().to_string());
  if (!flush()) return fail("run", status.error().to_string());
  if (!status) return fail("run", status.error().to_string());
  std::printf(
      "retro-hunt over %s .. %s: %s records, %s rule hits, %s alerts written (%s new)%s\n",
      format_iso8601_micros(*since).c_str(), format_iso8601_micros(until).c_str(),
      with_commas(records).c_str(), with_commas(hit_count).c_str(), with_commas(written).c_str(),
      with_commas(builder.alerts_raised()).c_str(),
      unreadable ? fmt::format(" ({} unreadable records skipped)", unreadable).c_str() : "");
  return kExitOk;
}

int run_fields(const RulesArgs& a) {
  store::QueryResult r;
  r.columns.push_back({"field", store::QueryColumn::Kind::kString});
  r.columns.push_back({"definition", store::QueryColumn::Kind::kString});
  for (const auto& g : detect::StandardDerivedFields::groups()) {
    r.rows.push_back({"tw." + std::string(g.name), std::string(g.definition)});
  }
  print(r, a);
  return kExitOk;
}

}  // namespace

void add_rules_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RulesArgs>();
  CLI::App* cmd = app.add_subcommand("rules", "List, check, test and retro-run detection rules.");
  cmd->require_subcommand(1);

  CLI::App* list = cmd->add_subcommand(
      "list", "The loaded rules (built-in and --rules) with their MITRE tactics and techniques.");
  add_detection_options(list, args->detection);
  list->add_option("--format", args->format)->check(CLI::IsMember({"table", "json", "csv"}));
  list->add_option("--max-width", args->max_width, "widest table cell");
  list->callback([args, &exit_code] { exit_code = run_list(*args); });

  CLI::App* check = cmd->add_subcommand(
      "check",
      "Load rule files and report every problem: code, file:line:col, title, explanation.");
  check->add_option("paths", args->paths, "rule files or folders (default: the built-in pack)");
  check->add_flag("--with-builtin", args->builtin_too, "also load the built-in pack");
  add_detection_options(check, args->detection);
  check->add_option("--format", args->format)->check(CLI::IsMember({"table", "json"}));
  check->callback([args, &exit_code] { exit_code = run_check(*args); });

  CLI::App* test = cmd->add_subcommand(
      "test", "Run the positive and negative test events beside each rule (*.tests.yml).");
  test->add_option("paths", args->paths, "folders or tests files (default: the built-in pack)");
  add_detection_options(test, args->detection);
  test->callback([args, &exit_code] { exit_code = run_test(*args); });

  CLI::App* fields = cmd->add_subcommand(
      "fields", "The derived fields (tw.*) rules can test, with their definitions.");
  fields->add_option("--format", args->format)->check(CLI::IsMember({"table", "json", "csv"}));
  fields->add_option("--max-width", args->max_width, "widest table cell");
  fields->callback([args, &exit_code] { exit_code = run_fields(*args); });

  CLI::App* run = cmd->add_subcommand(
      "run",
      "Retro-hunt: run rules over stored history in event-time order and store their "
      "alerts as if they had been live (an alert already raised is not raised twice).");
  run->add_option("-w,--workspace", args->workspace, "workspace directory")->capture_default_str();
  run->add_option("paths", args->paths, "rule files or folders (default: the built-in pack)");
  run->add_option("--since", args->since, "history from: a duration (30d) or an ISO-8601 time")
      ->capture_default_str();
  run->add_option("--until", args->until, "history up to (default: now)");
  run->add_flag("--with-builtin", args->builtin_too, "also run the built-in pack");
  add_detection_options(run, args->detection);
  run->callback([args, &exit_code] { exit_code = run_retro(*args); });
}

}  // namespace trailwarden::cli
