#include "collect/config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "core/text.h"
#include "detect/hunting.h"

namespace trailwarden::collect {

namespace {

class Validator {
 public:
  explicit Validator(std::string path) : path_(std::move(path)) {}

  void error(const YAML::Mark& m, const std::string& msg) {
    errors_.push_back(fmt::format("{}:{}:{}: {}", path_, m.line + 1, m.column + 1, msg));
  }
  bool ok() const { return errors_.empty(); }
  std::string message() const {
    std::string out;
    for (const auto& e : errors_) out += (out.empty() ? "" : "\n") + e;
    return out;
  }

  // Keys of `map` must be among `allowed`; reports the others.
  void keys(const YAML::Node& map, const std::set<std::string>& allowed, const std::string& where) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) {
        error(it->first.Mark(), "a key must be a plain name");
        continue;
      }
      const std::string k = it->first.Scalar();
      if (!allowed.contains(k)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        error(it->first.Mark(), fmt::format("unknown key '{}' in {}; expected one of: {}",
                                            escape_control(k), where, list));
      }
    }
  }

  bool string(const YAML::Node& n, const std::string& key, std::string& out) {
    if (!n.IsScalar()) {
      error(n.Mark(), fmt::format("'{}' must be a string", key));
      return false;
    }
    out = n.Scalar();
    return true;
  }

  bool boolean(const YAML::Node& n, const std::string& key, bool& out) {
    if (!n.IsScalar() || (n.Scalar() != "true" && n.Scalar() != "false")) {
      error(n.Mark(), fmt::format("'{}' must be true or false", key));
      return false;
    }
    out = n.Scalar() == "true";
    return true;
  }

  bool duration(const YAML::Node& n, const std::string& key, int64_t& out) {
    std::string s;
    if (!string(n, key, s)) return false;
    auto d = detect::parse_duration(s);
    if (!d || *d <= 0) {
      error(n.Mark(), fmt::format("'{}' must be a duration such as 30s, 5m, 1h or 7d (got '{}')",
                                  key, escape_control(s)));
      return false;
    }
    out = *d;
    return true;
  }

  bool strings(const YAML::Node& n, const std::string& key, std::vector<std::string>& out) {
    if (n.IsScalar()) {
      out = {n.Scalar()};
      return true;
    }
    if (!n.IsSequence()) {
      error(n.Mark(), fmt::format("'{}' must be a string or a list of strings", key));
      return false;
    }
    for (const auto& item : n) {
      if (!item.IsScalar()) {
        error(item.Mark(), fmt::format("'{}' must be a list of strings", key));
        return false;
      }
      out.push_back(item.Scalar());
    }
    return true;
  }

 private:
  std::string path_;
  std::vector<std::string> errors_;
};

bool valid_region(std::string_view r) {
  if (r.empty() || r.size() > 32) return false;
  for (char c : r) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

void parse_collector(Validator& v, const YAML::Node& n, size_t index, CollectorConfig& c) {
  const std::string where = fmt::format("collector {}", index + 1);
  if (!n.IsMap()) {
    v.error(n.Mark(), where + " must be a map with a 'type'");
    return;
  }
  c.line = n.Mark().line + 1;
  if (!n["type"]) {
    v.error(n.Mark(), where + " has no 'type' (lookup-events or s3)");
    return;
  }
  if (!v.string(n["type"], "type", c.type)) return;
  if (c.type != "lookup-events" && c.type != "s3") {
    v.error(n["type"].Mark(),
            fmt::format("unknown collector type '{}'; expected lookup-events or s3",
                        escape_control(c.type)));
    return;
  }
  const std::string what = fmt::format("{} ({})", where, c.type);
  if (c.type == "lookup-events") {
    v.keys(n,
           {"type", "name", "poll_interval", "role_arn", "external_id", "session_name", "regions",
            "since", "overlap"},
           what);
  } else {
    v.keys(n, {"type", "name", "poll_interval", "url", "queue", "region", "since", "late_window"},
           what);
  }
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string k = it->first.Scalar();
    const YAML::Node val = it->second;  // a copy: the iterator hands out temporaries
    if (k == "name") {
      v.string(val, k, c.name);
    } else if (k == "poll_interval") {
      v.duration(val, k, c.poll_interval_us);
    } else if (k == "role_arn") {
      if (v.string(val, k, c.lookup.role_arn) && !c.lookup.role_arn.starts_with("arn:")) {
        v.error(val.Mark(), "'role_arn' must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)");
      }
    } else if (k == "external_id") {
      v.string(val, k, c.lookup.external_id);
    } else if (k == "session_name") {
      v.string(val, k, c.lookup.session_name);
    } else if (k == "regions") {
      if (v.strings(val, k, c.lookup.regions)) {
        for (const auto& r : c.lookup.regions) {
          if (r != "all" && !valid_region(r)) {
            v.error(val.Mark(), fmt::format("'{}' is not a region name", escape_control(r)));
          }
        }
      }
    } else if (k == "since") {
      std::string s;
      if (v.string(val, k, s)) (c.type == "s3" ? c.s3.since : c.lookup.since) = s;
    } else if (k == "overlap") {
      int64_t d = 0;
      if (v.duration(val, k, d)) c.lookup.overlap_us = d;
    } else if (k == "url") {
      if (v.string(val, k, c.s3.url) && !c.s3.url.starts_with("s3://")) {
        v.error(val.Mark(), "'url' must be an s3://bucket/prefix URL");
      }
    } else if (k == "queue") {
      v.string(val, k, c.s3.queue);
    } else if (k == "region") {
      if (v.string(val, k, c.s3.region) && !valid_region(c.s3.region)) {
        v.error(val.Mark(), "'region' is not a region name");
      }
    } else if (k == "late_window") {
      int64_t d = 0;
      if (v.duration(val, k, d)) c.s3.late_window_us = d;
    }
  }
  if (c.type == "s3" && c.s3.url.empty())
    v.error(n.Mark(), what + " needs a 'url' (s3://bucket/prefix)");
}

}  // namespace

Result<RunConfig> parse_run_config(std::string_view text, const std::string& path) {
  RunConfig cfg;
  cfg.path = path;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}:{}:{}: not valid YAML: {}", path, e.mark.line + 1,
                                  e.mark.column + 1, e.msg));
  }
  Validator v(path);
  try {
    if (!root.IsMap()) {
      return make_error(
          ErrorCode::kInvalidArgument,
          path + ":1:1: the configuration must be a map (workspace, collectors, ...)");
    }
    v.keys(root, {"workspace", "poll_interval", "commit_interval", "detection", "collectors"},
           "the configuration");
    if (auto w = root["workspace"]) v.string(w, "workspace", cfg.workspace);
    if (auto p = root["poll_interval"]) v.duration(p, "poll_interval", cfg.poll_interval_us);
    if (auto p = root["commit_interval"]) v.duration(p, "commit_interval", cfg.commit_interval_us);
    if (auto d = root["detection"]) {
      if (!d.IsMap()) {
        v.error(d.Mark(), "'detection' must be a map");
      } else {
        v.keys(d,
               {"enabled", "builtin", "rules", "lists", "lateness", "geoip", "no_geoip", "policies",
                "sensitivity", "no_policies"},
               "detection");
        if (auto x = d["enabled"]) v.boolean(x, "enabled", cfg.detection.enabled);
        if (auto x = d["builtin"]) v.boolean(x, "builtin", cfg.detection.builtin);
        if (auto x = d["rules"]) v.strings(x, "rules", cfg.detection.rules);
        if (auto x = d["lists"]) v.string(x, "lists", cfg.detection.lists);
        if (auto x = d["geoip"]) v.strings(x, "geoip", cfg.detection.geoip);
        if (auto x = d["no_geoip"]) v.boolean(x, "no_geoip", cfg.detection.no_geoip);
        if (auto x = d["policies"]) v.string(x, "policies", cfg.detection.policies);
        if (auto x = d["no_policies"]) v.boolean(x, "no_policies", cfg.detection.no_policies);
        if (auto x = d["sensitivity"]) {
          if (v.string(x, "sensitivity", cfg.detection.sensitivity) &&
              cfg.detection.sensitivity != "low" && cfg.detection.sensitivity != "medium" &&
              cfg.detection.sensitivity != "high") {
            v.error(x.Mark(), "'sensitivity' must be low, medium or high");
          }
        }
        if (auto x = d["lateness"]) {
          int64_t unused = 0;
          if (v.duration(x, "lateness", unused)) cfg.detection.lateness = x.Scalar();
        }
      }
    }
    auto cs = root["collectors"];
    if (!cs) {
      v.error(root.Mark(), "no 'collectors': list at least one (type: lookup-events or s3)");
    } else if (!cs.IsSequence() || cs.size() == 0) {
      v.error(cs.Mark(), "'collectors' must be a non-empty list");
    } else {
      for (size_t i = 0; i < cs.size(); ++i) {
        CollectorConfig c;
        parse_collector(v, cs[i], i, c);
        if (c.poll_interval_us == 0) c.poll_interval_us = cfg.poll_interval_us;
        cfg.collectors.push_back(std::move(c));
      }
    }
  } catch (const YAML::Exception& e) {
    v.error(e.mark, e.msg);
  }
  if (!v.ok()) return make_error(ErrorCode::kInvalidArgument, v.message());
  return cfg;
}

Result<RunConfig> load_run_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kNotFound, "cannot read the configuration file", path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_run_config(ss.str(), path);
}

}  // namespace trailwarden::collect
