// trailwarden policies list|show NAME [--format table|json] [-w DIR]: the anomaly policies'
// settings (shipped rules/anomaly/*.yml with the user's --policies overrides), and with a
// workspace their learning state and alert counts.
#include <fmt/format.h>

#include <cstdio>
#include <map>

#include "anomaly/baseline_view.h"
#include "cli/commands.h"
#include "cli/detection_options.h"
#include "cli/render.h"
#include "core/text.h"
#include "core/time.h"
#include "store/duckdb/duckdb_workspace.h"

namespace trailwarden::cli {
namespace {

struct PoliciesArgs {
  std::string workspace;
  std::string policies_file;
  std::string sensitivity;
  std::string format = "table";
  std::string name;
};

int fail(const std::string& message) {
  std::fprintf(stderr, "trailwarden policies: %s\n", escape_control(message).c_str());
  return kExitFatal;
}

std::string duration(int64_t us) {
  if (us <= 0) return "none";
  if (us % anomaly::kDayUs == 0) return fmt::format("{}d", us / anomaly::kDayUs);
  if (us % anomaly::kHourUs == 0) return fmt::format("{}h", us / anomaly::kHourUs);
  return fmt::format("{}m", us / anomaly::kMinuteUs);
}

std::string floor_text(const anomaly::PolicySettings& s) {
  if (s.floor <= 0) return "";
  std::string t = anomaly::format_count(s.effective_floor(s.floor));
  if (s.objects_floor > 0)
    t += " / " + anomaly::format_count(s.effective_floor(s.objects_floor)) + " objects";
  return t;
}

struct WorkspaceFacts {
  bool present = false;
  anomaly::LearnedState learned;
  std::map<std::string, std::pair<int64_t, std::string>> alerts;  // rule -> (count, last time)
};

Result<WorkspaceFacts> workspace_facts(const std::string& dir) {
  WorkspaceFacts f;
  if (dir.empty()) return f;
  store::DuckDbOptions wo;
  wo.dir = dir;
  wo.mode = store::OpenMode::kReadOnly;
  wo.command = "policies";
  auto ws = store::DuckDbWorkspace::open(wo);
  if (!ws) return std::unexpected(ws.error());
  auto l = anomaly::load_learned(**ws);
  if (!l) return std::unexpected(l.error());
  f.learned = std::move(*l);
  auto r = (*ws)->query(
      "SELECT RuleId, count(*), max(LastEventTime) FROM Alerts WHERE Kind = 'anomaly' GROUP BY "
      "RuleId");
  if (!r) return std::unexpected(r.error());
  for (const auto& row : r->rows)
    f.alerts[row[0].value_or("")] = {std::stoll(row[1].value_or("0")), row[2].value_or("")};
  f.present = true;
  return f;
}

std::string learning_text(const WorkspaceFacts& f, const anomaly::PolicySettings& s) {
  if (!f.present) return "";
  auto c = anomaly::learning_state(f.learned, s);
  if (c.unit.empty()) return "no learning";
  return fmt::format("{} of {} {} learned", c.learned, c.learned + c.learning, c.unit);
}

std::string settings_json(const anomaly::PolicySettings& s, const WorkspaceFacts& f) {
  std::string o = "{\"id\":";
  append_json_string(o, s.name);
  o += ",\"title\":";
  append_json_string(o, s.title);
  o += ",\"severity\":";
  append_json_string(o, s.severity);
  o += ",\"description\":";
  append_json_string(o, s.description);
  o += ",\"tactics\":" + json_string_array(s.tactics);
  o += ",\"techniques\":" + json_string_array(s.techniques);
  o += fmt::format(",\"enabled\":{},\"sensitivity\":", s.enabled);
  append_json_string(o, anomaly::sensitivity_name(s.sensitivity));
  o += ",\"learning\":";
  append_json_string(o, duration(s.learning_us));
  o += ",\"baseline_window\":";
  append_json_string(o, duration(s.baseline_us));
  o += ",\"alert_window\":";
  append_json_string(o, s.alert_window_us > 0 ? duration(s.alert_window_us) : "per session");
  o += fmt::format(",\"floor\":{},\"effective_floor\":{},\"percentile\":{}", s.floor,
                   s.floor > 0 ? s.effective_floor(s.floor) : 0, s.percentile());
  if (s.objects_floor > 0)
    o += fmt::format(",\"objects_floor\":{},\"effective_objects_floor\":{}", s.objects_floor,
                     s.effective_floor(s.objects_floor));
  if (s.id == anomaly::PolicyId::kImpossibleTravel)
    o += fmt::format(",\"min_distance_km\":{},\"max_speed_kmh\":{}", s.min_travel_km(),
                     s.max_speed_kmh);
  if (s.id == anomaly::PolicyId::kTerminatedUser)
    o += ",\"grace\":" + json_string(duration(s.grace_us));
  if (s.id == anomaly::PolicyId::kInfrequentCountry)
    o += fmt::format(",\"min_located_events\":{}", s.min_located_events);
  o += ",\"scope\":{\"include_identities\":" + json_string_array(s.scope.include_identities) +
       ",\"exclude_identities\":" + json_string_array(s.scope.exclude_identities) +
       ",\"include_accounts\":" + json_string_array(s.scope.include_accounts) +
       ",\"exclude_accounts\":" + json_string_array(s.scope.exclude_accounts) + "}";
  o += ",\"source\":";
  append_json_string(o, s.source);
  if (f.present) {
    auto c = anomaly::learning_state(f.learned, s);
    o += fmt::format(",\"learning_state\":{{\"unit\":{},\"learned\":{},\"learning\":{}}}",
                     json_string(c.unit), c.learned, c.learning);
    auto it = f.alerts.find(s.name);
    o +=
        fmt::format(",\"alerts\":{},\"last_alert\":{}", it == f.alerts.end() ? 0 : it->second.first,
                    json_string(it == f.alerts.end() ? "" : it->second.second));
  }
  return o + "}";
}

Result<std::shared_ptr<const anomaly::PolicySet>> load(const PoliciesArgs& a) {
  anomaly::PolicyOptions o;
  o.user_file = a.policies_file;
  if (!a.sensitivity.empty()) o.sensitivity = anomaly::parse_sensitivity(a.sensitivity);
  std::vector<std::string> warnings;
  auto p = anomaly::PolicySet::load(o, warnings);
  for (const auto& w : warnings)
    std::fprintf(stderr, "trailwarden policies: warning: %s\n", escape_control(w).c_str());
  return p;
}

int run_list(const PoliciesArgs& a) {
  auto p = load(a);
  if (!p) return fail(p.error().to_string());
  auto f = workspace_facts(a.workspace);
  if (!f) return fail(f.error().to_string());
  if (a.format == "json") {
    std::string out = "[";
    bool first = true;
    for (const auto& s : (*p)->all()) {
      out += first ? "\n " : ",\n ";
      first = false;
      out += settings_json(s, *f);
    }
    std::printf("%s\n]\n", out.c_str());
    return kExitOk;
  }
  store::QueryResult r;
  std::vector<std::string> cols = {"Policy",   "Severity", "Enabled", "Sensitivity",
                                   "Learning", "Window",   "Floor"};
  if (f->present) {
    cols.push_back("LearningState");
    cols.push_back("Alerts");
  }
  for (const auto& c : cols)
    r.columns.push_back(store::QueryColumn{c, store::QueryColumn::Kind::kString});
  for (const auto& s : (*p)->all()) {
    std::vector<std::optional<std::string>> row = {
        s.name,
        s.severity,
        s.enabled ? "yes" : "no",
        std::string(anomaly::sensitivity_name(s.sensitivity)),
        duration(s.learning_us),
        s.alert_window_us > 0 ? duration(s.alert_window_us) : "session",
        floor_text(s)};
    if (f->present) {
      row.push_back(learning_text(*f, s));
      auto it = f->alerts.find(s.name);
      row.push_back(std::to_string(it == f->alerts.end() ? 0 : it->second.first));
    }
    r.rows.push_back(std::move(row));
  }
  std::fputs(render(r, a.format, 80).c_str(), stdout);
  return kExitOk;
}

int run_show(const PoliciesArgs& a) {
  auto p = load(a);
  if (!p) return fail(p.error().to_string());
  const anomaly::PolicySettings* s = (*p)->find(a.name);
  if (s == nullptr) return fail("no such policy: " + a.name + " (see `trailwarden policies list`)");
  auto f = workspace_facts(a.workspace);
  if (!f) return fail(f.error().to_string());
  if (a.format == "json") {
    std::printf("%s\n", settings_json(*s, *f).c_str());
    return kExitOk;
  }
  auto line = [](std::string_view k, std::string_view v) {
    std::printf("%-20s%s\n", std::string(k).c_str(), escape_control(v).c_str());
  };
  line("policy", s->name);
  line("title", s->title);
  line("severity", s->severity);
  line("MITRE", fmt::format("{} {}", fmt::join(s->tactics, ","), fmt::join(s->techniques, ",")));
  line("enabled", s->enabled ? "yes" : "no");
  line("sensitivity", anomaly::sensitivity_name(s->sensitivity));
  line("learning", duration(s->learning_us));
  line("baseline window", duration(s->baseline_us));
  line("alert window",
       s->alert_window_us > 0 ? duration(s->alert_window_us) : "one alert per session");
  if (s->floor > 0)
    line("threshold", fmt::format("value > max({}, floor {})",
                                  anomaly::format_percentile(s->percentile()), floor_text(*s)));
  if (s->id == anomaly::PolicyId::kImpossibleTravel)
    line("travel", fmt::format("distance >= {} km and speed > {} km/h", s->min_travel_km(),
                               s->max_speed_kmh));
  if (s->id == anomaly::PolicyId::kTerminatedUser) line("grace", duration(s->grace_us));
  auto globs = [](const std::vector<std::string>& v) {
    return v.empty() ? std::string("-") : fmt::format("{}", fmt::join(v, ", "));
  };
  line("scope identities", "include " + globs(s->scope.include_identities) + "; exclude " +
                               globs(s->scope.exclude_identities));
  line("scope accounts", "include " + globs(s->scope.include_accounts) + "; exclude " +
                             globs(s->scope.exclude_accounts));
  line("settings from", s->source);
  if (f->present) {
    line("learning state", learning_text(*f, *s));
    auto it = f->alerts.find(s->name);
    line("alerts", it == f->alerts.end()
                       ? "0"
                       : fmt::format("{} (last {})", it->second.first, it->second.second));
  }
  std::printf("\n%s\n", escape_control(s->description).c_str());
  return kExitOk;
}

}  // namespace

void add_policies_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<PoliciesArgs>();
  CLI::App* cmd = app.add_subcommand(
      "policies", "The anomaly policies: settings, learning state, alert counts.");
  cmd->require_subcommand(1);
  auto common = [&](CLI::App* c) {
    c->add_option("-w,--workspace", args->workspace,
                  "workspace: add learning state and alert counts");
    c->add_option("--policies", args->policies_file, "YAML file overriding the policies' settings");
    c->add_option("--sensitivity", args->sensitivity, "default sensitivity: low, medium or high")
        ->check(CLI::IsMember({"low", "medium", "high"}));
    c->add_option("--format", args->format)->check(CLI::IsMember({"table", "json", "csv"}));
  };
  CLI::App* list = cmd->add_subcommand("list", "Every anomaly policy with its settings.");
  common(list);
  list->callback([args, &exit_code] { exit_code = run_list(*args); });
  CLI::App* show = cmd->add_subcommand("show", "One policy in full.");
  common(show);
  show->add_option("name", args->name,
                   "policy id (aws.anomaly.impossible_travel or impossible_travel)")
      ->required();
  show->callback([args, &exit_code] { exit_code = run_show(*args); });
}

}  // namespace trailwarden::cli
