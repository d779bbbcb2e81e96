#include "detect/scheduled.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/text.h"
#include "core/time.h"
#include "detect/detector.h"
#include "detect/hunting.h"
#include "detect/sigma/reader.h"

namespace trailwarden::detect {

namespace fs = std::filesystem;

namespace {

Result<ScheduledRule> parse(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  ScheduledRule r;
  try {
    YAML::Node n = YAML::Load(ss.str());
    auto req = [&](const char* key) -> Result<std::string> {
      if (!n[key] || !n[key].IsScalar()) {
        return make_error(ErrorCode::kInvalidArgument, std::string("missing `") + key + "`", path);
      }
      return n[key].Scalar();
    };
    for (auto [field, key] : {std::pair{&r.meta.name, "name"},
                              {&r.meta.id, "id"},
                              {&r.meta.title, "title"},
                              {&r.query, "query"}}) {
      auto v = req(key);
      if (!v) return std::unexpected(v.error());
      *field = *v;
    }
    if (n["description"]) r.meta.description = n["description"].Scalar();
    if (n["author"]) r.meta.author = n["author"].Scalar();
    auto level = parse_severity(n["level"] ? n["level"].Scalar() : "");
    if (!level) return make_error(ErrorCode::kInvalidArgument, "missing or unknown `level`", path);
    r.meta.severity = *level;
    if (n["tags"] && n["tags"].IsSequence()) {
      for (const auto& t : n["tags"]) r.meta.tags.push_back(t.Scalar());
    }
    sigma::derive_attack(r.meta.tags, r.meta.tactics, r.meta.techniques);
    YAML::Node tw = n["trailwarden"];
    if (!tw || !tw["frequency"] || !tw["lookback"]) {
      return make_error(ErrorCode::kInvalidArgument, "missing `trailwarden: {frequency, lookback}`",
                        path);
    }
    auto f = parse_duration(tw["frequency"].Scalar());
    auto l = parse_duration(tw["lookback"].Scalar());
    if (!f || !l) return make_error(ErrorCode::kInvalidArgument, "bad frequency or lookback", path);
    r.frequency_us = *f;
    r.lookback_us = *l;
    if (tw["data"] && tw["data"].IsSequence()) {
      for (const auto& d : tw["data"]) r.meta.data.push_back(d.Scalar());
    }
    r.meta.pos.file = path;
    r.meta.source = "builtin";
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::kInvalidArgument, e.what(), path);
  }
  return r;
}

}  // namespace

Result<std::vector<ScheduledRule>> load_scheduled_rules(const std::string& dir) {
  std::vector<ScheduledRule> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string n = e.path().filename().string();
    if (n.ends_with(".yml") && !n.ends_with(".tests.yml")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto r = parse(f.string());
    if (!r) return std::unexpected(r.error());
    out.push_back(std::move(*r));
  }
  return out;
}

Result<std::vector<store::AlertRow>> run_scheduled_rules(store::Workspace& workspace,
                                                         const std::vector<ScheduledRule>& rules,
                                                         int64_t start_us, int64_t end_us,
                                                         int64_t now_us) {
  std::vector<store::AlertRow> out;
  for (const auto& rule : rules) {
    HuntingQuery q;
    q.name = rule.meta.name;
    q.file = rule.meta.pos.file;
    q.sql = rule.query;
    auto sql = bind_hunting_query(q, start_us, end_us, {});
    if (!sql) return std::unexpected(sql.error());
    auto res = workspace.query(*sql);
    if (!res) {
      return make_error(res.error().code, res.error().message, rule.meta.pos.file);
    }
    auto col = [&](std::string_view name) -> int {
      for (size_t c = 0; c < res->columns.size(); ++c) {
        if (res->columns[c].name == name) return static_cast<int>(c);
      }
      return -1;
    };
    const int key = col("alert_key"), first = col("first_time"), last = col("last_time"),
              identity = col("identity"), ip = col("source_ip"), account = col("account"),
              resource = col("resource"), ids = col("event_ids"), desc = col("description");
    if (key < 0 || first < 0 || last < 0 || ids < 0 || desc < 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        "a scheduled rule must return alert_key, first_time, last_time, "
                        "event_ids and description",
                        rule.meta.pos.file);
    }
    for (const auto& row : res->rows) {
      auto cell = [&](int c) -> std::string {
        return c >= 0 && row[static_cast<size_t>(c)] ? *row[static_cast<size_t>(c)] : "";
      };
      store::AlertRow a;
      a.rule_id = rule.meta.name;
      a.rule_uuid = rule.meta.id;
      a.rule_source = rule.meta.source;
      a.kind = "scheduled-sql";
      a.may_exist = true;  // the same span evaluated again refreshes the same alert
      a.title = rule.meta.title;
      a.severity = std::string(severity_name(rule.meta.severity));
      a.description = rule.meta.title + ": " + cell(desc);
      a.tactics_json = json_string_array(rule.meta.tactics);
      a.techniques_json = json_string_array(rule.meta.techniques);
      a.first_time_us = parse_iso8601_micros(cell(first)).value_or(0);
      a.last_time_us = parse_iso8601_micros(cell(last)).value_or(a.first_time_us);
      a.created_us = a.updated_us = now_us;
      std::string id_json = cell(ids);
      if (id_json.empty() || id_json.front() != '[') id_json = "[]";
      a.event_ids_json = id_json;
      a.event_count = static_cast<int64_t>(std::count(id_json.begin(), id_json.end(), ',')) +
                      (id_json.size() > 2 ? 1 : 0);
      a.alert_id = stable_id(rule.meta.id + '\x1f' + cell(key));
      a.account = cell(account);
      a.identity = cell(identity);
      a.identity_arn = a.identity;
      a.source_ip = cell(ip);
      std::string res_text = cell(resource);
      a.resources_json = res_text.empty() ? "[]" : json_string_array({res_text});
      std::string e = "{\"account\":";
      append_json_string(e, a.account);
      e += ",\"identity\":{\"name\":";
      append_json_string(e, a.identity);
      e += "},\"ip\":";
      if (a.source_ip.empty())
        e += "null";
      else
        append_json_string(e, a.source_ip);
      e += ",\"resources\":" + a.resources_json + "}";
      a.entities_json = std::move(e);
      std::string d = "{\"rule\":{\"id\":";
      append_json_string(d, rule.meta.id);
      d += ",\"name\":";
      append_json_string(d, rule.meta.name);
      d += ",\"source\":\"builtin\"},\"window\":{\"start\":";
      append_json_string(d, format_iso8601_micros(start_us));
      d += ",\"end\":";
      append_json_string(d, format_iso8601_micros(end_us));
      d += "}}";
      a.details_json = std::move(d);
      out.push_back(std::move(a));
    }
  }
  return out;
}

}  // namespace trailwarden::detect
