// RuleSet: loading, correlation references, the (eventSource, eventName) index and matching
// (see ruleset.h).
#include "detect/sigma/ruleset.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

#include "core/text.h"
#include "detect/sigma/matcher.h"
#include "detect/sigma/reader.h"
#include "detect/sigma/strings.h"

namespace trailwarden::detect {

using sigma::fold;
using sigma::fold_copy;
using simdjson::dom::element;
using simdjson::dom::element_type;

namespace {

constexpr size_t kMaxKeys = 4096;  // keys one rule may be indexed under

using Key = std::pair<std::optional<std::string>, std::optional<std::string>>;  // src, name

struct Constraint {
  bool unconstrained = true;
  std::set<Key> keys;
};

bool merge_part(const std::optional<std::string>& a, const std::optional<std::string>& b,
                std::optional<std::string>& out) {
  if (!a) {
    out = b;
    return true;
  }
  if (!b || *a == *b) {
    out = a;
    return true;
  }
  return false;
}

Constraint intersect(const Constraint& a, const Constraint& b) {
  Constraint r;
  r.unconstrained = false;
  for (const Key& x : a.keys) {
    for (const Key& y : b.keys) {
      Key k;
      if (merge_part(x.first, y.first, k.first) && merge_part(x.second, y.second, k.second)) {
        r.keys.insert(std::move(k));
      }
    }
  }
  return r;
}

Constraint derive(const sigma::Node& n, const sigma::CompiledRule& rule) {
  using K = sigma::Node::Kind;
  Constraint c;
  switch (n.kind) {
    case K::kTrue:
    case K::kNot:
      return c;
    case K::kFalse:
      c.unconstrained = false;
      return c;
    case K::kTest: {
      const sigma::FieldTest& t = rule.tests[n.test];
      if (t.keyword) return c;
      int which = t.path.text() == "eventSource" ? 0 : (t.path.text() == "eventName" ? 1 : -1);
      if (which < 0) return c;
      std::set<std::string> values;
      for (const auto& v : t.values) {
        if (v.op != sigma::ValueTest::Op::kString || v.negate ||
            v.str.kind() != sigma::StringMatcher::Kind::kExact) {
          return c;
        }
        values.insert(v.str.cased() ? fold_copy(v.str.needle()) : v.str.needle());
      }
      c.unconstrained = false;
      if (t.all && values.size() > 1) return c;  // two different values at once: never
      for (const auto& v : values) {
        c.keys.insert(which == 0 ? Key{v, std::nullopt} : Key{std::nullopt, v});
      }
      return c;
    }
    case K::kAtLeast:
    case K::kAnd:
    case K::kOr: {
      const bool conj =
          n.kind == K::kAnd || (n.kind == K::kAtLeast && n.count >= n.children.size());
      if (conj) {
        for (const auto& child : n.children) {
          Constraint cc = derive(child, rule);
          if (cc.unconstrained) continue;
          if (c.unconstrained) {
            c = std::move(cc);
            continue;
          }
          if (c.keys.size() * cc.keys.size() > kMaxKeys) {
            if (cc.keys.size() < c.keys.size()) c = std::move(cc);
            continue;
          }
          c = intersect(c, cc);
        }
        return c;
      }
      c.unconstrained = false;
      for (const auto& child : n.children) {
        Constraint cc = derive(child, rule);
        if (cc.unconstrained) return Constraint{};
        c.keys.insert(cc.keys.begin(), cc.keys.end());
        if (c.keys.size() > kMaxKeys) return Constraint{};
      }
      return c;
    }
  }
  return c;
}

// Drops keys a more general key of the same set already covers: (s, n) when (*, n) or
// (s, *) is there.
void simplify(Constraint& c) {
  if (c.unconstrained) return;
  if (c.keys.contains(Key{std::nullopt, std::nullopt})) {
    c = Constraint{};
    return;
  }
  for (auto it = c.keys.begin(); it != c.keys.end();) {
    const Key& k = *it;
    bool covered = k.first && k.second &&
                   (c.keys.contains(Key{std::nullopt, k.second}) ||
                    c.keys.contains(Key{k.first, std::nullopt}));
    it = covered ? c.keys.erase(it) : std::next(it);
  }
}

struct SvHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using Bucket = std::unordered_map<std::string, std::vector<uint32_t>, SvHash, std::equal_to<>>;

void add_to(Bucket& b, const std::string& key, uint32_t rule) {
  auto& v = b[key];
  if (v.empty() || v.back() != rule) v.push_back(rule);
}

constexpr char kSep = '\x1f';

// The folded text of a single scalar at `path` (into buf): 1 found, 0 absent or null,
// -1 when the record holds something the index cannot key (several values, a composite, a
// very long value).
int key_text(Event& event, const FieldPath& path, char* buf, size_t cap, size_t& len) {
  int count = 0;
  bool bad = false;
  len = 0;
  event.visit(path, [&](element e) {
    if (e.type() == element_type::NULL_VALUE) return false;
    if (++count > 1 || e.type() == element_type::OBJECT) {
      bad = true;
      return true;
    }
    std::string_view t = event.scratch_text(e);
    if (t.size() > cap) {
      bad = true;
      return true;
    }
    for (size_t i = 0; i < t.size(); ++i) buf[i] = fold(t[i]);
    len = t.size();
    return false;
  });
  if (bad) return -1;
  return count;
}

}  // namespace

struct RuleSet::Rule {
  RuleMeta meta;
  std::vector<std::string> fields;
  std::shared_ptr<const sigma::CompiledRule> compiled;
  std::string service;  // folded
  Constraint constraint;
  bool enabled = true;
};

struct RuleSet::Index {
  std::string service;  // folded; empty: services no rule names
  Bucket pair, name, src;
  std::vector<uint32_t> any;
  std::vector<uint32_t> all;
};

RuleSet::RuleSet(SigmaOptions options) : options_(std::move(options)) { rebuild_index(); }
RuleSet::~RuleSet() = default;

size_t RuleSet::size() const { return rules_.size(); }
const RuleMeta& RuleSet::meta(size_t rule) const { return rules_.at(rule).meta; }
const std::vector<std::string>& RuleSet::fields(size_t rule) const {
  return rules_.at(rule).fields;
}
std::string RuleSet::explain(size_t rule) const { return rules_.at(rule).compiled->dump_pretty(); }
const sigma::CompiledRule& RuleSet::compiled(size_t rule) const {
  return *rules_.at(rule).compiled;
}
const std::vector<CorrelationSpec>& RuleSet::correlations() const { return correlations_; }
const std::vector<RuleSet::Ref>& RuleSet::correlation_refs(size_t c) const { return refs_.at(c); }

std::string RuleSet::index_keys(size_t rule) const {
  const Constraint& c = rules_.at(rule).constraint;
  if (c.unconstrained) return "unconstrained";
  std::string out;
  for (const Key& k : c.keys) {
    if (!out.empty()) out += " ";
    out += "(" + (k.first ? json_string(*k.first) : std::string("*")) + " " +
           (k.second ? json_string(*k.second) : std::string("*")) + ")";
  }
  return out.empty() ? "never" : out;
}

long RuleSet::find_rule(std::string_view name_or_id) const {
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (!rules_[i].meta.name.empty() && rules_[i].meta.name == name_or_id)
      return static_cast<long>(i);
  }
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (!rules_[i].meta.id.empty() && rules_[i].meta.id == name_or_id) return static_cast<long>(i);
  }
  return -1;
}

size_t RuleSet::load_path(const std::string& path, std::string_view source,
                          std::vector<Diagnostic>& diags) {
  namespace fs = std::filesystem;
  auto io_error = [&](const std::string& file, std::string message) {
    Diagnostic d;
    d.code = "io-error";
    d.pos.file = file;
    d.message = std::move(message);
    diags.push_back(std::move(d));
  };
  std::error_code ec;
  std::vector<std::string> files;
  auto wanted = [](const fs::path& p) {
    std::string name = p.filename().string();
    if (name.ends_with(".tests.yml") || name.ends_with(".tests.yaml")) return false;
    return name.ends_with(".yml") || name.ends_with(".yaml");
  };
  if (fs::is_directory(path, ec)) {
    fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec) && wanted(it->path())) files.push_back(it->path().string());
    }
    if (ec) io_error(path, "cannot list the rule folder: " + ec.message());
    std::sort(files.begin(), files.end());
  } else if (fs::is_regular_file(path, ec)) {
    files.push_back(path);
  } else {
    io_error(path, "no such rule file or folder");
    return 0;
  }
  size_t loaded = 0;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      io_error(f, "cannot read the rule file");
      continue;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    loaded += load_text(ss.str(), f, source, diags);
  }
  return loaded;
}

size_t RuleSet::load_text(std::string_view yaml, const std::string& file, std::string_view source,
                          std::vector<Diagnostic>& diags) {
  sigma::CompileOptions copts;
  copts.placeholders = &options_.placeholders;
  auto docs = sigma::read_sigma(yaml, file, source, copts, diags);
  size_t loaded = 0;
  auto report = [&](Diagnostic::Level level, const RuleMeta& m, const char* code,
                    std::string message) {
    Diagnostic d;
    d.level = level;
    d.code = code;
    d.pos = m.pos;
    d.rule_title = m.title;
    d.message = std::move(message);
    diags.push_back(std::move(d));
  };
  for (auto& doc : docs) {
    const RuleMeta& m = doc.meta;
    bool clash = false;
    auto check = [&](const RuleMeta& other) {
      if (!m.id.empty() && m.id == other.id) {
        report(Diagnostic::Level::kError, m, "duplicate-id",
               "id " + json_string(m.id) + " is already used by " + json_string(other.title) +
                   " (" + other.pos.file + ":" + std::to_string(other.pos.line) +
                   "); this document is not loaded");
        clash = true;
      } else if (!m.name.empty() && m.name == other.name) {
        report(Diagnostic::Level::kError, m, "duplicate-name",
               "name " + json_string(m.name) + " is already used by " + json_string(other.title) +
                   " (" + other.pos.file + ":" + std::to_string(other.pos.line) +
                   "); this document is not loaded");
        clash = true;
      }
    };
    for (const auto& r : rules_) {
      if (!clash) check(r.meta);
    }
    for (const auto& c : correlations_) {
      if (!clash) check(c.meta);
    }
    if (clash) continue;
    if (doc.kind == sigma::SigmaDocument::Kind::kCorrelation) {
      correlations_.push_back(std::move(doc.correlation));
      refs_.emplace_back();
      ++loaded;
      continue;
    }
    Rule r;
    r.compiled = doc.rule;
    r.fields = r.compiled->fields();
    for (auto& f : doc.sigma_fields) {
      if (std::find(r.fields.begin(), r.fields.end(), f) == r.fields.end()) r.fields.push_back(f);
    }
    r.service = fold_copy(doc.meta.logsource_service);
    r.constraint = derive(r.compiled->root, *r.compiled);
    simplify(r.constraint);
    if (!r.constraint.unconstrained && r.constraint.keys.empty()) {
      report(Diagnostic::Level::kWarning, doc.meta, "unsatisfiable",
             "the condition requires different eventSource or eventName values at once, so "
             "it can only match a record where they are arrays; it will practically never match");
    }
    r.meta = std::move(doc.meta);
    rules_.push_back(std::move(r));
    ++loaded;
  }
  rebuild_index();
  return loaded;
}

void RuleSet::finish(std::vector<Diagnostic>& diags) {
  const size_t n = correlations_.size();
  std::vector<bool> bad(n, false);
  std::vector<std::vector<Ref>> refs(n);
  auto report = [&](size_t c, const char* code, std::string message) {
    const RuleMeta& m = correlations_[c].meta;
    Diagnostic d;
    d.code = code;
    d.pos = m.pos;
    d.rule_title = m.title;
    d.message = std::move(message);
    diags.push_back(std::move(d));
    bad[c] = true;
  };
  auto find_correlation = [&](std::string_view key) -> long {
    for (size_t i = 0; i < n; ++i) {
      if (!correlations_[i].meta.name.empty() && correlations_[i].meta.name == key)
        return static_cast<long>(i);
    }
    for (size_t i = 0; i < n; ++i) {
      if (!correlations_[i].meta.id.empty() && correlations_[i].meta.id == key)
        return static_cast<long>(i);
    }
    return -1;
  };
  for (size_t c = 0; c < n; ++c) {
    const CorrelationSpec& spec = correlations_[c];
    for (const auto& name : spec.rules) {
      long r = find_rule(name);
      if (r >= 0) {
        refs[c].push_back(Ref{false, static_cast<size_t>(r)});
        continue;
      }
      long k = find_correlation(name);
      if (k >= 0) {
        refs[c].push_back(Ref{true, static_cast<size_t>(k)});
        continue;
      }
      report(c, "unknown-rule-reference",
             "the correlation references " + json_string(name) +
                 ", which is no loaded rule's name or id (rules with errors are not loaded)");
    }
    for (const auto& [alias, per_rule] : spec.aliases) {
      for (const auto& [rule_name, field] : per_rule) {
        if (std::find(spec.rules.begin(), spec.rules.end(), rule_name) == spec.rules.end()) {
          report(c, "unknown-rule-reference",
                 "alias " + json_string(alias) + " maps rule " + json_string(rule_name) +
                     ", which is not in the correlation's 'rules'");
        }
      }
    }
  }
  // Cycles among correlations.
  std::vector<int> state(n, 0);  // 0 new, 1 on stack, 2 done
  std::vector<bool> cyclic(n, false);
  auto dfs = [&](auto&& self, size_t c) -> bool {
    state[c] = 1;
    bool found = false;
    for (const Ref& r : refs[c]) {
      if (!r.is_correlation) continue;
      if (state[r.index] == 1 || (state[r.index] == 0 && self(self, r.index))) {
        found = true;
      } else if (cyclic[r.index]) {
        found = true;
      }
    }
    state[c] = 2;
    if (found) cyclic[c] = true;
    return found;
  };
  for (size_t c = 0; c < n; ++c) {
    if (state[c] == 0) dfs(dfs, c);
  }
  for (size_t c = 0; c < n; ++c) {
    if (cyclic[c] && !bad[c]) {
      report(c, "correlation-cycle",
             "the correlation references itself through its rules (directly or via other "
             "correlations)");
    }
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t c = 0; c < n; ++c) {
      if (bad[c]) continue;
      for (const Ref& r : refs[c]) {
        if (r.is_correlation && bad[r.index]) {
          report(c, "unknown-rule-reference",
                 "the correlation references " + json_string(correlations_[r.index].meta.title) +
                     ", which was dropped because of an error");
          changed = true;
          break;
        }
      }
    }
  }
  std::vector<size_t> new_index(n, 0);
  std::vector<CorrelationSpec> kept;
  for (size_t c = 0; c < n; ++c) {
    if (bad[c]) continue;
    new_index[c] = kept.size();
    kept.push_back(std::move(correlations_[c]));
  }
  std::vector<std::vector<Ref>> kept_refs;
  for (size_t c = 0; c < n; ++c) {
    if (bad[c]) continue;
    for (Ref& r : refs[c]) {
      if (r.is_correlation) r.index = new_index[r.index];
    }
    kept_refs.push_back(std::move(refs[c]));
  }
  correlations_ = std::move(kept);
  refs_ = std::move(kept_refs);
}

void RuleSet::rebuild_index() {
  std::vector<std::string> services;
  for (const auto& r : rules_) {
    if (!r.service.empty() &&
        std::find(services.begin(), services.end(), r.service) == services.end()) {
      services.push_back(r.service);
    }
  }
  services.emplace_back();  // every other service
  indexes_.clear();
  for (const auto& s : services) {
    auto idx = std::make_unique<Index>();
    idx->service = s;
    for (uint32_t i = 0; i < rules_.size(); ++i) {
      const Rule& r = rules_[i];
      if (!r.enabled) continue;
      if (!r.service.empty() && r.service != s) continue;
      idx->all.push_back(i);
      if (r.constraint.unconstrained) {
        idx->any.push_back(i);
        continue;
      }
      for (const Key& k : r.constraint.keys) {
        if (k.first && k.second) {
          add_to(idx->pair, *k.first + kSep + *k.second, i);
        } else if (k.second) {
          add_to(idx->name, *k.second, i);
        } else if (k.first) {
          add_to(idx->src, *k.first, i);
        } else {
          idx->any.push_back(i);
        }
      }
    }
    std::sort(idx->any.begin(), idx->any.end());
    idx->any.erase(std::unique(idx->any.begin(), idx->any.end()), idx->any.end());
    indexes_.push_back(std::move(idx));
  }
}

void RuleSet::disable(const std::vector<size_t>& rules) {
  for (size_t r : rules) {
    if (r < rules_.size()) rules_[r].enabled = false;
  }
  rebuild_index();
}

bool RuleSet::enabled(size_t rule) const { return rule < rules_.size() && rules_[rule].enabled; }

const RuleSet::Index& RuleSet::index_for(std::string_view service) const {
  for (size_t i = 0; i + 1 < indexes_.size(); ++i) {
    if (sigma::iequals_folded(service, indexes_[i]->service)) return *indexes_[i];
  }
  return *indexes_.back();
}

void RuleSet::match_all(Event& event, std::string_view service, std::vector<uint32_t>& out) const {
  for (uint32_t i : index_for(service).all) {
    if (rules_[i].compiled->match(event)) out.push_back(i);
  }
}

void RuleSet::match(Event& event, std::string_view service, std::vector<uint32_t>& out) const {
  static const FieldPath kSource("eventSource");
  static const FieldPath kName("eventName");
  const Index& idx = index_for(service);
  constexpr size_t kCap = 256;
  char key[2 * kCap + 1];
  size_t src_len = 0, name_len = 0;
  int src = key_text(event, kSource, key, kCap, src_len);
  int name = src < 0 ? -1 : key_text(event, kName, key + src_len + 1, kCap, name_len);
  size_t evaluated = 0;
  if (src < 0 || name < 0) {
    for (uint32_t i : idx.all) {
      ++evaluated;
      if (rules_[i].compiled->match(event)) out.push_back(i);
    }
    last_evaluated_.store(evaluated, std::memory_order_relaxed);
    return;
  }
  key[src_len] = kSep;
  const std::string_view src_key(key, src_len);
  const std::string_view name_key(key + src_len + 1, name_len);
  const std::vector<uint32_t>* lists[4];
  size_t nlists = 0;
  auto add_list = [&](const Bucket& b, std::string_view k) {
    auto it = b.find(k);
    if (it != b.end()) lists[nlists++] = &it->second;
  };
  if (src > 0 && name > 0) add_list(idx.pair, std::string_view(key, src_len + 1 + name_len));
  if (name > 0) add_list(idx.name, name_key);
  if (src > 0) add_list(idx.src, src_key);
  if (!idx.any.empty()) lists[nlists++] = &idx.any;
  // Merge the sorted candidate lists, each rule once.
  size_t pos[4] = {0, 0, 0, 0};
  while (true) {
    uint32_t best = UINT32_MAX;
    for (size_t l = 0; l < nlists; ++l) {
      if (pos[l] < lists[l]->size()) best = std::min(best, (*lists[l])[pos[l]]);
    }
    if (best == UINT32_MAX) break;
    for (size_t l = 0; l < nlists; ++l) {
      if (pos[l] < lists[l]->size() && (*lists[l])[pos[l]] == best) ++pos[l];
    }
    ++evaluated;
    if (rules_[best].compiled->match(event)) out.push_back(best);
  }
  last_evaluated_.store(evaluated, std::memory_order_relaxed);
}

}  // namespace trailwarden::detect
