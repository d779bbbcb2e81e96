#include "detect/detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/log.h"
#include "core/text.h"
#include "core/time.h"

namespace trailwarden::detect {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxValueBytes = 256;    // one quoted value in an alert
constexpr size_t kMaxResources = 16;      // resources listed per alert
constexpr size_t kMaxIdsPerAlert = 200;   // event ids kept per alert (>= 100)
constexpr size_t kMaxOpenAlerts = 20000;  // suppression entries kept
constexpr int64_t kDefaultSuppressUs = int64_t{3600} * 1000000;  // catalogue §1.2

std::string truncate(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
  return std::string(s.substr(0, cut)) + "…";
}

// A SigmaHQ checkout (or any rule folder) carries its licence in a LICENSE file near the root.
std::string license_near(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (!fs::is_directory(p, ec)) p = p.parent_path();
  for (int depth = 0; depth < 6 && !p.empty(); ++depth) {
    for (const auto& entry : fs::directory_iterator(p, ec)) {
      std::string name = entry.path().filename().string();
      if (name.rfind("LICENSE", 0) != 0 && name.rfind("LICENCE", 0) != 0) continue;
      std::ifstream in(entry.path());
      std::string head(4096, '\0');
      in.read(head.data(), static_cast<std::streamsize>(head.size()));
      head.resize(static_cast<size_t>(in.gcount()));
      if (head.find("Detection Rule License") != std::string::npos) return "DRL-1.1";
    }
    if (p == p.root_path()) break;
    p = p.parent_path();
  }
  return {};
}

bool is_entity(std::string_view s) {
  return s == "account" || s == "identity" || s == "ip" || s == "resource" || s == "region" ||
         s == "eventName";
}

std::string find_value(const HitFacts& f, std::string_view path) {
  if (path == "account") return f.account;
  if (path == "identity") return f.identity_arn.empty() ? f.identity_name : f.identity_arn;
  if (path == "ip") return f.ip.empty() ? f.source_service : f.ip;
  if (path == "resource") return f.resources.empty() ? std::string() : f.resources.front();
  if (path == "region" || path == "awsRegion") return f.region;
  if (path == "eventName") return f.event_name;
  for (const auto& [k, v] : f.values) {
    if (k == path) return v;
  }
  return {};
}

// {identity} {account} {ip} {region} {eventName} {resource} in titles.
std::string fill_template(std::string_view text, const HitFacts& f) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '{') {
      size_t close = text.find('}', i);
      if (close != std::string_view::npos) {
        std::string_view name = text.substr(i + 1, close - i - 1);
        if (is_entity(name)) {
          std::string v = name == "identity" ? f.identity_name : find_value(f, name);
          out += v.empty() ? "?" : truncate(v, 128);
          i = close + 1;
          continue;
        }
      }
    }
    out += text[i++];
  }
  return out;
}

}  // namespace

std::string stable_id(std::string_view text) {
  // Two FNV-1a 64-bit hashes with different offsets: stable across runs and builds.
  uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;
  for (unsigned char c : text) {
    a = (a ^ c) * 0x100000001b3ULL;
    b = (b ^ c) * 0x100000001b3ULL;
    b ^= b >> 29;
  }
  return fmt::format("{:016x}{:016x}", a, b);
}

std::string builtin_rules_dir() {
  if (const char* env = std::getenv("TRAILWARDEN_RULES_DIR"); env != nullptr && *env) return env;
#ifdef TRAILWARDEN_BUILTIN_RULES_DIR
  return TRAILWARDEN_BUILTIN_RULES_DIR;
#else
  return "rules";
#endif
}

// ---------------------------------------------------------------------------------------------
// Content

Result<std::shared_ptr<const DetectionContent>> DetectionContent::load(
    const DetectionConfig& config, std::vector<Diagnostic>& diags) {
  auto content = std::shared_ptr<DetectionContent>(new DetectionContent());
  content->config_ = config;
  content->rules_ = std::make_unique<RuleSet>(config.sigma);
  std::string dir = config.builtin_dir.empty() ? builtin_rules_dir() : config.builtin_dir;
  auto derived = StandardDerivedFields::load((fs::path(dir) / "data").string());
  if (!derived) return std::unexpected(derived.error());
  content->derived_ = std::move(*derived);
  {
    anomaly::PolicyOptions po = config.policies;
    if (po.builtin_dir.empty()) po.builtin_dir = dir;
    po.allowed_lateness_us = config.limits.allowed_lateness_us;
    std::vector<std::string> warnings;
    auto policies = anomaly::PolicySet::load(po, warnings);
    if (!policies) return std::unexpected(policies.error());
    content->policies_ = std::move(*policies);
    for (auto& w : warnings) {
      Diagnostic d;
      d.level = Diagnostic::Level::kWarning;
      d.code = "anomaly-policies";
      d.pos.file = po.builtin_dir + "/anomaly";
      d.message = std::move(w);
      diags.push_back(std::move(d));
    }
  }
  // Enrichment: geo-IP and the IP lists (the Enricher), the admin set (derived fields).
  enrich::EnrichmentConfig ec_config;
  ec_config.geoip = config.geoip;
  ec_config.no_geoip = config.no_geoip;
  ec_config.lists_dir = config.lists_dir;
  ec_config.reload_check_us = config.list_reload_check_us;
  for (const auto& [name, entries] : config.lists) {
    if (name == "admin_identities") {
      content->derived_->set_admin_identities(entries);
      content->lists_.insert(name);
      continue;
    }
    ec_config.inline_lists[name] = entries;
  }
  auto enricher = enrich::Enricher::open(ec_config, content->enrichment_warnings_);
  if (!enricher) return std::unexpected(enricher.error());
  content->enricher_ = std::move(*enricher);
  content->derived_->set_enricher(content->enricher_);
  for (const char* name : {"tor_exit", "anonymizer", "threat_intel", "trusted_cidrs",
                           "aws_ip_ranges", "terminated_users"}) {
    if (content->enricher_->has_list(name)) content->lists_.insert(name);
  }
  for (const auto& n : content->enricher_->ip_list_names()) content->lists_.insert(n);
  if (!config.lists_dir.empty()) {
    fs::path admins = fs::path(config.lists_dir) / "admin_identities.txt";
    std::error_code ec;
    if (fs::exists(admins, ec)) {
      std::ifstream in(admins);
      if (!in)
        return make_error(ErrorCode::kNotFound, "cannot read the list file", admins.string());
      std::vector<std::string> lines;
      for (std::string line; std::getline(in, line);) lines.push_back(line);
      content->derived_->set_admin_identities(lines);
      content->lists_.insert("admin_identities");
    }
  }
  if (config.builtin) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      return make_error(ErrorCode::kNotFound,
                        "the built-in rules are missing (set TRAILWARDEN_RULES_DIR)", dir);
    }
    for (const char* sub : {"analytics", "activity", "guardduty"}) {
      fs::path p = fs::path(dir) / sub;
      if (!fs::exists(p, ec)) continue;
      content->rules_->load_path(p.string(), "builtin", diags);
    }
  }
  for (const auto& p : config.rule_paths) {
    size_t before = content->rules_->size();
    std::error_code ec;
    if (!fs::exists(p, ec)) {
      return make_error(ErrorCode::kNotFound, "no such rule file or directory", p);
    }
    content->rules_->load_path(p, "user", diags);
    std::string lic = license_near(p);
    content->licenses_.resize(content->rules_->size());
    for (size_t i = before; i < content->rules_->size(); ++i) content->licenses_[i] = lic;
  }
  content->rules_->finish(diags);
  // A rule needing an enrichment list that was not given can never match: it is listed as
  // inactive and costs nothing per event.
  std::vector<size_t> inactive;
  for (size_t i = 0; i < content->rules_->size(); ++i) {
    if (!content->missing_data(content->rules_->meta(i), false).empty()) inactive.push_back(i);
  }
  if (!inactive.empty()) content->rules_->disable(inactive);
  content->licenses_.resize(content->rules_->size());
  for (size_t i = 0; i < content->rules_->size(); ++i) {
    if (!content->rules_->meta(i).license.empty())
      content->licenses_[i] = content->rules_->meta(i).license;
  }
  return std::shared_ptr<const DetectionContent>(std::move(content));
}

std::vector<std::string> DetectionContent::missing_data(const RuleMeta& meta,
                                                        bool include_optional) const {
  std::vector<std::string> missing;
  for (const auto& d : meta.data) {
    const bool optional = d.rfind("E?:", 0) == 0;
    if (!optional && d.rfind("E:", 0) != 0) continue;
    if (optional && !include_optional) continue;
    std::string_view names = std::string_view(d).substr(optional ? 3 : 2);
    bool any = false;
    while (true) {
      size_t bar = names.find('|');
      if (lists_.contains(std::string(names.substr(0, bar)))) any = true;
      if (bar == std::string_view::npos) break;
      names.remove_prefix(bar + 1);
    }
    if (!any) missing.push_back(d);
  }
  return missing;
}

const std::string& DetectionContent::license(size_t rule) const {
  static const std::string kNone;
  return rule < licenses_.size() ? licenses_[rule] : kNone;
}

std::vector<ResolvedCorrelation> DetectionContent::resolved_correlations() const {
  std::vector<ResolvedCorrelation> out;
  const auto& specs = rules_->correlations();
  for (size_t c = 0; c < specs.size(); ++c) {
    ResolvedCorrelation rc;
    rc.spec = specs[c];
    const auto& refs = rules_->correlation_refs(c);
    for (size_t k = 0; k < refs.size(); ++k) {
      ResolvedCorrelation::Ref r;
      r.is_correlation = refs[k].is_correlation;
      r.index = refs[k].index;
      r.name = k < specs[c].rules.size() ? specs[c].rules[k] : std::string();
      const RuleMeta& target =
          refs[k].is_correlation ? specs[refs[k].index].meta : rules_->meta(refs[k].index);
      r.id = target.id;
      if (!target.name.empty()) r.name = target.name;
      rc.refs.push_back(std::move(r));
    }
    out.push_back(std::move(rc));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decode side

EventMatcher::EventMatcher(std::shared_ptr<const DetectionContent> content)
    : content_(std::move(content)), event_(&content_->derived()) {
  common_ = Common{FieldPath("eventTime"),          FieldPath("eventID"),
                   FieldPath("eventName"),          FieldPath("eventSource"),
                   FieldPath("recipientAccountId"), FieldPath("userIdentity.accountId"),
                   FieldPath("awsRegion"),          FieldPath("sourceIPAddress"),
                   FieldPath("tw.ip.is_ip"),        FieldPath("tw.identity.name"),
                   FieldPath("tw.identity.arn"),    FieldPath("tw.identity")};
  // What each rule's alerts need from the record, decided once.
  const RuleSet& rules = content_->rules();
  CorrelationEngine probe(content_->resolved_correlations());
  paths_per_rule_.resize(rules.size());
  resources_per_rule_.resize(rules.size());
  for (size_t r = 0; r < rules.size(); ++r) {
    std::set<std::string> paths;
    const RuleMeta& m = rules.meta(r);
    for (const auto& p : m.details) paths.insert(p);
    for (const auto& p : m.suppress_by) {
      if (!is_entity(p)) paths.insert(p);
    }
    for (const auto& p : rules.fields(r)) {
      if (p != "eventSource" && p != "eventName" && p.rfind("tw.", 0) != 0) paths.insert(p);
    }
    for (const auto& p : probe.needed_fields(r)) paths.insert(p);
    for (const auto& p : paths) paths_per_rule_[r].push_back(Path{p, FieldPath(p)});
    for (const auto& p :
         m.resources.empty() ? std::vector<std::string>{"resources.ARN"} : m.resources) {
      resources_per_rule_[r].emplace_back(p);
    }
  }
}

void EventMatcher::match(simdjson::dom::element record, std::string_view service, uint32_t row,
                         std::vector<Hit>& out) {
  event_.reset(record);
  matched_.clear();
  content_->rules().match(event_, service, matched_);
  if (matched_.empty()) return;
  HitFacts shared;
  if (service == "guardduty")
    capture_finding(shared);
  else
    capture_event(shared);
  for (size_t k = 0; k < matched_.size(); ++k) {
    Hit& h = out.emplace_back();
    h.rule = matched_[k];
    h.row = row;
    h.facts = k + 1 == matched_.size() ? std::move(shared) : shared;
    capture_rule(matched_[k], h.facts);
  }
}

void EventMatcher::capture_event(HitFacts& f) {
  auto first = [&](const FieldPath& path) { return std::string(event_.first(path)); };
  if (auto t = parse_iso8601_micros(event_.first(common_.event_time))) f.time_us = *t;
  f.event_id = first(common_.event_id);
  f.event_name = first(common_.event_name);
  f.event_source = first(common_.event_source);
  f.account = first(common_.account);
  std::string actor = first(common_.actor_account);
  if (!actor.empty() && actor != f.account) f.actor_account = std::move(actor);
  f.region = first(common_.region);
  std::string src = first(common_.source_ip);
  if (event_.first(common_.is_ip) == "true")
    f.ip = std::move(src);
  else
    f.source_service = std::move(src);
  f.identity_name = first(common_.identity_name);
  f.identity_arn = first(common_.identity_arn);
  scratch_.clear();
  if (event_.values(common_.identity, scratch_) && !scratch_.empty()) {
    f.identity_json = std::string(scratch_.front().text);
  }
}

void EventMatcher::capture_finding(HitFacts& f) {
  auto first = [&](const FieldPath& path) { return std::string(event_.first(path)); };
  if (auto t = parse_iso8601_micros(event_.first(finding_time_))) f.time_us = *t;
  f.event_id = first(finding_id_);
  f.event_name = first(finding_type_);
  f.event_source = "guardduty.amazonaws.com";
  f.account = first(finding_account_);
  f.region = first(finding_region_);
}

void EventMatcher::capture_rule(uint32_t rule, HitFacts& f) {
  for (const auto& p : resources_per_rule_[rule]) {
    scratch_.clear();
    event_.values(p, scratch_);
    for (const auto& v : scratch_) {
      if (v.type == FieldValue::Type::kNull || v.text.empty()) continue;
      if (f.resources.size() >= kMaxResources) break;
      f.resources.push_back(truncate(v.text, kMaxValueBytes));
    }
  }
  for (const auto& p : paths_per_rule_[rule]) {
    scratch_.clear();
    if (!event_.values(p.path, scratch_) || scratch_.empty()) continue;
    std::string joined;
    for (size_t i = 0; i < scratch_.size() && i < 8; ++i) {
      if (i) joined += ", ";
      joined += scratch_[i].text;
    }
    f.values.emplace_back(p.text, truncate(joined, kMaxValueBytes));
  }
  evaluated_ += 1;
}

// ---------------------------------------------------------------------------------------------
// Store side

AlertBuilder::AlertBuilder(std::shared_ptr<const DetectionContent> content, const Clock& clock)
    : content_(std::move(content)),
      clock_(clock),
      engine_(std::make_unique<CorrelationEngine>(content_->resolved_correlations(),
                                                  content_->config().limits)) {
  if (content_->policies() && content_->policies()->any_enabled())
    anomaly_ = anomaly::Engine::create(content_->policies(), &clock_);
}

namespace {

// Suppression state: length-prefixed fields, versioned.
void put(std::string& out, std::string_view s) {
  uint32_t n = static_cast<uint32_t>(s.size());
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  out.append(s);
}
void put64(std::string& out, int64_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }
bool get(std::string_view& in, std::string& s) {
  uint32_t n;
  if (in.size() < sizeof n) return false;
  std::memcpy(&n, in.data(), sizeof n);
  in.remove_prefix(sizeof n);
  if (in.size() < n) return false;
  s.assign(in.substr(0, n));
  in.remove_prefix(n);
  return true;
}
bool get64(std::string_view& in, int64_t& v) {
  if (in.size() < sizeof v) return false;
  std::memcpy(&v, in.data(), sizeof v);
  in.remove_prefix(sizeof v);
  return true;
}
constexpr std::string_view kSuppressionMagic = "twsup1";

// An alert row's fields in their saved order (const or not, for writing and reading).
template <typename Row>
auto text_fields(Row& r) {
  return std::array{&r.alert_id,     &r.rule_id,         &r.rule_uuid,      &r.rule_source,
                    &r.kind,         &r.title,           &r.severity,       &r.description,
                    &r.tactics_json, &r.techniques_json, &r.event_ids_json, &r.account,
                    &r.identity,     &r.identity_arn,    &r.source_ip,      &r.region,
                    &r.event_name,   &r.resources_json,  &r.entities_json,  &r.details_json};
}
template <typename Row>
auto number_fields(Row& r) {
  return std::array{&r.first_time_us, &r.last_time_us, &r.created_us, &r.updated_us,
                    &r.event_count};
}

}  // namespace

void AlertBuilder::save_state(std::vector<std::pair<std::string, std::string>>& out) const {
  out.emplace_back("correlation", engine_->serialize());
  std::string s(kSuppressionMagic);
  put64(s, static_cast<int64_t>(open_.size()));
  for (const auto& [key, o] : open_) {
    const auto& r = o.row;
    put(s, key);
    for (const std::string* f : text_fields(r)) put(s, *f);
    for (const int64_t* v : number_fields(r)) put64(s, *v);
    put64(s, o.until_us);
    put64(s, static_cast<int64_t>(o.ids.size()));
    for (const auto& id : o.ids) put(s, id);
  }
  put64(s, newest_time_us_);
  out.emplace_back("suppression", std::move(s));
}

Status AlertBuilder::restore(store::Workspace& workspace) {
  if (anomaly_) {
    if (auto s = anomaly_->restore(workspace); !s) {
      // As for correlation state: events matter more than baselines; start over, loudly.
      log::warn("anomaly baselines not restored, starting empty: {}", s.error().to_string());
      anomaly_ = anomaly::Engine::create(content_->policies(), &clock_);
    }
  }
  auto corr = workspace.load_state("correlation");
  if (!corr) return std::unexpected(corr.error());
  if (*corr) {
    if (auto s = engine_->restore(**corr); !s) {
      // Events matter more than windows: go on with empty correlation state, loudly.
      log::warn("correlation state not restored, starting empty: {}", s.error().to_string());
    }
  }
  auto sup = workspace.load_state("suppression");
  if (!sup) return std::unexpected(sup.error());
  if (!*sup) return {};
  std::string_view in = **sup;
  auto corrupt = [] {
    return make_error(ErrorCode::kCorrupt, "the saved alert suppression state is damaged",
                      "tw_detect_state.suppression");
  };
  if (in.substr(0, kSuppressionMagic.size()) != kSuppressionMagic) return corrupt();
  in.remove_prefix(kSuppressionMagic.size());
  int64_t n;
  if (!get64(in, n) || n < 0) return corrupt();
  for (int64_t i = 0; i < n; ++i) {
    std::string key;
    Open o;
    auto& r = o.row;
    if (!get(in, key)) return corrupt();
    for (std::string* f : text_fields(r)) {
      if (!get(in, *f)) return corrupt();
    }
    for (int64_t* v : number_fields(r)) {
      if (!get64(in, *v)) return corrupt();
    }
    if (!get64(in, o.until_us)) return corrupt();
    int64_t ids;
    if (!get64(in, ids) || ids < 0 || ids > static_cast<int64_t>(kMaxIdsPerAlert)) return corrupt();
    o.ids.resize(static_cast<size_t>(ids));
    for (auto& id : o.ids) {
      if (!get(in, id)) return corrupt();
    }
    open_.emplace(std::move(key), std::move(o));
  }
  if (!get64(in, newest_time_us_)) return corrupt();
  return {};
}

store::AlertRow AlertBuilder::base_row(const RuleMeta& m, size_t license_rule,
                                       const HitFacts& f) const {
  store::AlertRow a;
  a.rule_id = m.name.empty() ? m.id : m.name;
  a.rule_uuid = m.id;
  a.rule_source = m.source;
  a.title = fill_template(m.title, f);
  a.severity = std::string(severity_name(m.severity));
  a.tactics_json = json_string_array(m.tactics);
  a.techniques_json = json_string_array(m.techniques);
  a.first_time_us = a.last_time_us = f.time_us;
  a.created_us = a.updated_us = clock_.now_micros();
  a.event_count = 1;
  a.account = f.account;
  a.identity = f.identity_name;
  a.identity_arn = f.identity_arn;
  a.source_ip = f.ip;
  a.region = f.region;
  a.event_name = f.event_name;
  a.resources_json = json_string_array(f.resources);
  std::string e = "{\"account\":";
  append_json_string(e, f.account);
  if (!f.actor_account.empty()) {
    e += ",\"actor_account\":";
    append_json_string(e, f.actor_account);
  }
  e += ",\"identity\":";
  e += f.identity_json.empty() ? "null" : f.identity_json;
  e += ",\"ip\":";
  if (f.ip.empty())
    e += "null";
  else
    append_json_string(e, f.ip);
  if (!f.source_service.empty()) {
    e += ",\"source_service\":";
    append_json_string(e, f.source_service);
  }
  e += ",\"region\":";
  append_json_string(e, f.region);
  e += ",\"resources\":" + a.resources_json + "}";
  a.entities_json = std::move(e);
  // Attribution travels with every alert (the DRL requires it for SigmaHQ rules).
  std::string d = "{\"rule\":{\"id\":";
  append_json_string(d, m.id);
  d += ",\"name\":";
  append_json_string(d, m.name);
  d += ",\"author\":";
  append_json_string(d, m.author);
  d += ",\"license\":";
  append_json_string(d, content_->license(license_rule));
  d += ",\"source\":";
  append_json_string(d, m.source);
  d += ",\"references\":" + json_string_array(m.references) + "}";
  a.details_json = std::move(d);  // closed by the caller
  return a;
}

namespace {
std::string describe(const HitFacts& f) {
  std::string s = f.event_name.empty() ? std::string("event") : f.event_name;
  s += " by ";
  s += f.identity_name.empty() ? "unknown identity" : f.identity_name;
  if (!f.identity_arn.empty() && f.identity_arn != f.identity_name)
    s += " (" + f.identity_arn + ")";
  if (!f.ip.empty())
    s += " from " + f.ip;
  else if (!f.source_service.empty())
    s += " via " + f.source_service;
  if (!f.account.empty()) s += " in account " + f.account;
  if (!f.region.empty()) s += ", " + f.region;
  return s;
}
std::string values_text(const HitFacts& f) {
  std::string s;
  for (const auto& [k, v] : f.values) {
    if (!s.empty()) s += "; ";
    s += k + " = " + v;
  }
  return s;
}
std::string values_json(const HitFacts& f) {
  std::string s = "{";
  for (size_t i = 0; i < f.values.size(); ++i) {
    if (i) s += ',';
    append_json_string(s, f.values[i].first);
    s += ':';
    append_json_string(s, f.values[i].second);
  }
  return s + "}";
}
}  // namespace

void AlertBuilder::stateless_alert(const Hit& hit, std::vector<store::AlertRow>& out) {
  const RuleMeta& m = content_->rules().meta(hit.rule);
  const HitFacts& f = hit.facts;
  std::string key;
  // A rule that says nothing about suppression (no `trailwarden:` map) gets the default window,
  // so a noisy third-party rule folds its repeats instead of raising one alert per event.
  const int64_t suppress_us = m.has_trailwarden ? m.suppress_us : kDefaultSuppressUs;
  if (suppress_us > 0) {
    key = m.id;
    const std::vector<std::string> kDefault = {"account", "identity", "ip", "eventName"};
    for (const auto& p : m.suppress_by.empty() ? kDefault : m.suppress_by) {
      key += '\x1f';
      key += find_value(f, p);
    }
    auto it = open_.find(key);
    if (it != open_.end() && f.time_us >= it->second.row.first_time_us &&
        f.time_us < it->second.row.first_time_us + suppress_us) {
      // A repeat inside the window updates the open alert; its row is written once per
      // batch, after the last repeat (flush_updates).
      Open& o = it->second;
      o.row.event_count += 1;
      o.row.last_time_us = std::max(o.row.last_time_us, f.time_us);
      if (o.ids.size() < kMaxIdsPerAlert) o.ids.push_back(f.event_id);
      dirty_.insert(key);
      ++updated_;
      return;
    }
  }
  store::AlertRow a = base_row(m, hit.rule, f);
  a.kind = "stateless";
  a.alert_id = stable_id(m.id + '\x1f' + f.event_id);
  a.event_ids_json = json_string_array({f.event_id});
  std::string vals = values_text(f);
  a.description = a.title + ": " + describe(f) + (vals.empty() ? "" : ". " + vals);
  a.details_json += ",\"values\":" + values_json(f) + "}";
  if (suppress_us > 0) {
    if (open_.size() >= kMaxOpenAlerts) make_room(out);
    // The key's previous window is over: write its unwritten repeats before it is replaced.
    if (auto prev = open_.find(key); prev != open_.end() && dirty_.erase(key) > 0) {
      emit_update(prev->second, out);
    }
    open_[key] = Open{a, {f.event_id}, f.time_us + suppress_us};
  }
  out.push_back(std::move(a));
  ++raised_;
}

void AlertBuilder::emit_update(Open& o, std::vector<store::AlertRow>& out) {
  o.row.updated_us = clock_.now_micros();
  o.row.event_ids_json = json_string_array(o.ids);
  o.row.may_exist = true;
  size_t cut = o.row.description.find(" (repeated:");
  o.row.description = fmt::format("{} (repeated: {} events in the suppression window)",
                                  o.row.description.substr(0, cut), o.row.event_count);
  out.push_back(o.row);
}

void AlertBuilder::flush_updates(std::vector<store::AlertRow>& out) {
  for (const auto& key : dirty_) {
    auto it = open_.find(key);
    if (it != open_.end()) emit_update(it->second, out);
  }
  dirty_.clear();
}

// The suppression table is full: forget windows that are over, then the oldest tenth. A window
// with unwritten repeats is written first, so no repeat is lost; a later repeat of a forgotten
// window raises a new alert.
void AlertBuilder::make_room(std::vector<store::AlertRow>& out) {
  const int64_t lateness = content_->config().limits.allowed_lateness_us;
  auto forget = [&](std::unordered_map<std::string, Open>::iterator it) {
    if (auto d = dirty_.find(it->first); d != dirty_.end()) {
      emit_update(it->second, out);
      dirty_.erase(d);
    }
    return open_.erase(it);
  };
  for (auto it = open_.begin(); it != open_.end();) {
    it = it->second.until_us + lateness < newest_time_us_ ? forget(it) : std::next(it);
  }
  if (open_.size() < kMaxOpenAlerts - kMaxOpenAlerts / 10) return;
  std::vector<std::pair<int64_t, std::string>> by_age;
  by_age.reserve(open_.size());
  for (const auto& [k, o] : open_) by_age.emplace_back(o.row.first_time_us, k);
  const size_t n = kMaxOpenAlerts / 10;
  std::nth_element(by_age.begin(), by_age.begin() + static_cast<ptrdiff_t>(n), by_age.end());
  for (size_t i = 0; i < n; ++i) {
    if (auto it = open_.find(by_age[i].second); it != open_.end()) forget(it);
  }
}

void AlertBuilder::correlation_alert(const CorrelationAlert& ca, const Hit& last,
                                     std::vector<store::AlertRow>& out) {
  const CorrelationSpec& spec = content_->rules().correlations()[ca.correlation];
  const RuleMeta& m = spec.meta;
  store::AlertRow a = base_row(m, last.rule, last.facts);
  a.kind = "correlation";
  a.alert_id = stable_id(m.id + '\x1f' + ca.key);
  a.first_time_us = ca.first_time_us;
  a.last_time_us = ca.last_time_us;
  a.event_count = static_cast<int64_t>(ca.event_count);
  a.event_ids_json = json_string_array(ca.event_ids);
  std::string group;
  std::string group_json = "{";
  for (size_t i = 0; i < ca.group.size(); ++i) {
    if (i) {
      group += ", ";
      group_json += ',';
    }
    group += ca.group[i].first + " = " + ca.group[i].second;
    append_json_string(group_json, ca.group[i].first);
    group_json += ':';
    append_json_string(group_json, ca.group[i].second);
  }
  group_json += '}';
  a.description = a.title + ": " + ca.detail + (group.empty() ? "" : " for " + group) +
                  "; last: " + describe(last.facts);
  a.details_json +=
      ",\"group\":" + group_json + ",\"observed\":" + std::to_string(ca.observed) + ",\"detail\":";
  append_json_string(a.details_json, ca.detail);
  a.details_json += ",\"values\":" + values_json(last.facts) + "}";
  out.push_back(std::move(a));
  ++raised_;
}

void AlertBuilder::process(std::vector<Hit>& hits, std::vector<store::AlertRow>& out) {
  const size_t first_new = out.size();
  process_hits(hits, out);
  // An alert raised and then updated in the same call: one row, the latest (it replaces any
  // stored row when it may exist).
  std::unordered_map<std::string_view, size_t> last;
  for (size_t i = first_new; i < out.size(); ++i) last[out[i].alert_id] = i;
  if (last.size() == out.size() - first_new) return;
  std::vector<store::AlertRow> unique;
  for (size_t i = first_new; i < out.size(); ++i) {
    if (last[out[i].alert_id] == i) unique.push_back(std::move(out[i]));
  }
  out.resize(first_new);
  for (auto& r : unique) out.push_back(std::move(r));
}

void AlertBuilder::process_hits(std::vector<Hit>& hits, std::vector<store::AlertRow>& out) {
  std::stable_sort(hits.begin(), hits.end(),
                   [](const Hit& x, const Hit& y) { return x.facts.time_us < y.facts.time_us; });
  std::vector<CorrelationAlert> fired;
  // An event stamped far in the future would drag correlation time forward and make every
  // later event "late": such times count as at most a day ahead of the clock.
  const int64_t ceiling = clock_.now_micros() + int64_t{86400} * 1000000;
  for (const Hit& h : hits) {
    const int64_t t = std::min(h.facts.time_us, ceiling);
    newest_time_us_ = std::max(newest_time_us_, t);
    bool standalone = true;
    if (engine_->referenced(h.rule)) {
      fired.clear();
      engine_->on_hit(h.rule, t, h.facts.event_id, h.facts.values, fired);
      for (const auto& ca : fired) correlation_alert(ca, h, out);
      standalone = engine_->generates_alone(h.rule);
    }
    if (standalone) stateless_alert(h, out);
  }
  flush_updates(out);
  // Suppression windows that can no longer be extended (even by a late event) are forgotten.
  int64_t lateness = content_->config().limits.allowed_lateness_us;
  for (auto it = open_.begin(); it != open_.end();) {
    if (it->second.until_us + lateness < newest_time_us_)
      it = open_.erase(it);
    else
      ++it;
  }
  // Windows that close now decide the upper-bound conditions ("fewer than N").
  fired.clear();
  engine_->expire(newest_time_us_, fired);
  for (const auto& ca : fired) {
    Hit none;
    none.facts.time_us = ca.last_time_us;
    correlation_alert(ca, none, out);
  }
}

Status AlertBuilder::before_commit(const store::AppendBatch& batch, std::span<const uint8_t> keep,
                                   store::DetectionWrites& out) {
  auto* payload = dynamic_cast<BatchHits*>(batch.detection.get());
  if (payload == nullptr) return {};
  if (anomaly_ && !payload->activities.empty()) {
    // Only rows the workspace found new feed the baselines (a re-ingested file teaches nothing).
    auto& acts = payload->activities;
    // Duplicates are marked (time 0: the engine skips them) rather than erased, which would
    // move every activity behind them.
    for (auto& a : acts)
      if (a.row >= keep.size() || keep[a.row] == 0) a.time_us = 0;
    anomaly_->process(acts, out);
    acts.clear();
  }
  std::vector<Hit> fresh, findings;
  fresh.reserve(payload->hits.size());
  for (auto& h : payload->hits) {
    if (h.row >= kFindingRowBase)
      findings.push_back(std::move(h));
    else if (h.row < keep.size() && keep[h.row])
      fresh.push_back(std::move(h));
  }
  payload->hits.clear();
  process(fresh, out.alerts);
  if (!findings.empty()) {
    // A finding comes back with every update the export repeats: its alert (same id) is
    // replaced, never added twice.
    const size_t first = out.alerts.size();
    process(findings, out.alerts);
    for (size_t i = first; i < out.alerts.size(); ++i) out.alerts[i].may_exist = true;
  }
  save_state(out.state);
  return {};
}

void AlertBuilder::after_commit(bool committed) {
  if (anomaly_) anomaly_->after_commit(committed);
}

}  // namespace trailwarden::detect
