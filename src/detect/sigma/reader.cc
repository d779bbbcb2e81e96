// Sigma YAML documents -> detection rules and correlation specifications (see reader.h).
#include "detect/sigma/reader.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <charconv>
#include <optional>
#include <set>
#include <sstream>

#include "core/text.h"
#include "detect/sigma/diagnostics.h"
#include "detect/sigma/strings.h"

namespace trailwarden::detect::sigma {

namespace {

std::string show(std::string_view s) { return json_string(s); }

const std::set<std::string_view>& known_top_level_keys() {
  static const std::set<std::string_view> k = {
      "title",     "id",          "name",           "related",
      "status",    "description", "references",     "author",
      "date",      "modified",    "tags",           "logsource",
      "detection", "fields",      "falsepositives", "level",
      "license",   "taxonomy",    "scope",          "correlation",
      "generate",  "trailwarden", "simulation",     "regression_tests_path"};
  return k;
}

std::optional<bool> parse_bool(const YAML::Node& n) {
  if (!n.IsScalar()) return std::nullopt;
  std::string v = fold_copy(n.Scalar());
  if (v == "true" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "no" || v == "off") return false;
  return std::nullopt;
}

class DocumentReader {
 public:
  DocumentReader(const YAML::Node& doc, std::string_view source, const CompileOptions& options,
                 DiagSink& diag, std::vector<SigmaDocument>& out)
      : doc_(doc), source_(source), options_(options), diag_(diag), out_(out) {}

  void run();

 private:
  bool get_string(const YAML::Node& map, const char* key, std::string& out);
  bool get_list(const YAML::Node& map, const char* key, std::vector<std::string>& out);
  bool read_trailwarden(const YAML::Node& tw, RuleMeta& meta);
  void read_detection(RuleMeta meta);
  void read_correlation(RuleMeta meta);
  void convert_aggregation(RuleMeta meta, std::vector<std::string> fields,
                           CompiledDetection compiled);

  const YAML::Node& doc_;
  std::string_view source_;
  const CompileOptions& options_;
  DiagSink& diag_;
  std::vector<SigmaDocument>& out_;
  size_t errors_at_start_ = 0;
};

bool DocumentReader::get_string(const YAML::Node& map, const char* key, std::string& out) {
  YAML::Node n = map[key];
  if (!n || n.IsNull()) return true;
  if (!n.IsScalar()) {
    diag_.error("bad-type", n.Mark(), std::string("'") + key + "' must be a string");
    return false;
  }
  out = n.Scalar();
  return true;
}

bool DocumentReader::get_list(const YAML::Node& map, const char* key,
                              std::vector<std::string>& out) {
  YAML::Node n = map[key];
  if (!n || n.IsNull()) return true;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
    return true;
  }
  if (!n.IsSequence()) {
    diag_.error("bad-type", n.Mark(), std::string("'") + key + "' must be a list of strings");
    return false;
  }
  for (const auto& item : n) {
    if (!item.IsScalar()) {
      diag_.error("bad-type", item.Mark(), std::string("'") + key + "' must be a list of strings");
      return false;
    }
    out.push_back(item.Scalar());
  }
  return true;
}

bool DocumentReader::read_trailwarden(const YAML::Node& tw, RuleMeta& meta) {
  if (!tw.IsMap()) {
    diag_.error("bad-type", tw.Mark(), "'trailwarden' must be a map");
    return false;
  }
  meta.has_trailwarden = true;
  bool ok = get_list(tw, "resources", meta.resources) && get_list(tw, "details", meta.details) &&
            get_list(tw, "suppress_by", meta.suppress_by) && get_list(tw, "data", meta.data);
  if (YAML::Node s = tw["suppress"]; s && !s.IsNull()) {
    std::optional<int64_t> us;
    if (s.IsScalar()) us = parse_timespan(s.Scalar());
    if (!us) {
      diag_.error("bad-timespan", s.Mark(),
                  "'suppress' must be a duration like 30s, 10m, 1h, 14d or 1w");
      ok = false;
    } else {
      meta.suppress_us = *us;
    }
  }
  static const std::set<std::string_view> kKnown = {"resources", "details", "suppress",
                                                    "suppress_by", "data"};
  for (auto it = tw.begin(); it != tw.end(); ++it) {
    if (it->first.IsScalar() && !kKnown.contains(it->first.Scalar())) {
      diag_.warning("unknown-key", it->first.Mark(),
                    "unknown key " + show(it->first.Scalar()) + " in 'trailwarden' is ignored");
    }
  }
  return ok;
}

void DocumentReader::run() {
  errors_at_start_ = diag_.errors();
  if (doc_.IsNull()) return;  // an empty document (e.g. a trailing ---)
  if (!doc_.IsMap()) {
    diag_.error("bad-type", doc_.Mark(), "a Sigma document must be a map");
    return;
  }
  RuleMeta meta;
  YAML::Node title = doc_["title"];
  if (title && title.IsScalar()) diag_.set_title(title.Scalar());
  meta.pos = diag_.pos(doc_.Mark());
  meta.source = std::string(source_);
  std::set<std::string> keys;
  for (auto it = doc_.begin(); it != doc_.end(); ++it) {
    if (!it->first.IsScalar()) {
      diag_.error("bad-type", it->first.Mark(), "a top-level key must be a string");
      continue;
    }
    const std::string& k = it->first.Scalar();
    if (!keys.insert(k).second) {
      diag_.error("duplicate-key", it->first.Mark(),
                  show(k) + " appears twice at the top level (YAML keeps one silently)");
    } else if (k == "action") {
      diag_.error("unsupported-construct", it->first.Mark(),
                  "Sigma 1 rule collections ('action: global/reset/repeat') are not supported: "
                  "write each rule as a complete document");
    } else if (k == "filter") {
      diag_.error("unsupported-construct", it->first.Mark(),
                  "Sigma filter documents are not supported: add the exclusion to the rule");
    } else if (!known_top_level_keys().contains(k)) {
      diag_.warning("unknown-key", it->first.Mark(),
                    "unknown top-level key " + show(k) + " is ignored");
    }
  }
  if (!title) {
    diag_.error("missing-field", doc_.Mark(), "the rule has no 'title'");
  } else if (!title.IsScalar()) {
    diag_.error("bad-type", title.Mark(), "'title' must be a string");
  } else {
    meta.title = title.Scalar();
  }
  get_string(doc_, "id", meta.id);
  get_string(doc_, "name", meta.name);
  get_string(doc_, "description", meta.description);
  get_string(doc_, "author", meta.author);
  get_string(doc_, "license", meta.license);
  get_string(doc_, "status", meta.status);
  get_string(doc_, "date", meta.date);
  get_string(doc_, "modified", meta.modified);
  get_list(doc_, "references", meta.references);
  get_list(doc_, "falsepositives", meta.falsepositives);
  get_list(doc_, "tags", meta.tags);
  if (YAML::Node level = doc_["level"]; level && !level.IsNull()) {
    std::optional<Severity> sev;
    if (level.IsScalar()) sev = parse_severity(level.Scalar());
    if (!sev) {
      diag_.error("bad-type", level.Mark(),
                  "'level' must be informational, low, medium, high or critical");
    } else {
      meta.severity = *sev;
    }
  }
  if (YAML::Node ls = doc_["logsource"]; ls && !ls.IsNull()) {
    if (!ls.IsMap()) {
      diag_.error("bad-type", ls.Mark(), "'logsource' must be a map");
    } else {
      get_string(ls, "product", meta.logsource_product);
      get_string(ls, "service", meta.logsource_service);
    }
  }
  if (YAML::Node tw = doc_["trailwarden"]; tw && !tw.IsNull()) read_trailwarden(tw, meta);
  derive_attack(meta.tags, meta.tactics, meta.techniques);
  if (doc_["correlation"]) {
    read_correlation(std::move(meta));
  } else {
    read_detection(std::move(meta));
  }
}

void DocumentReader::read_detection(RuleMeta meta) {
  std::vector<std::string> fields;
  get_list(doc_, "fields", fields);
  if (!doc_["logsource"]) {
    diag_.error("missing-field", doc_.Mark(), "the rule has no 'logsource'");
  }
  const YAML::Node detection = doc_["detection"];
  if (!detection) {
    diag_.error("missing-field", doc_.Mark(), "the rule has no 'detection'");
    return;
  }
  auto compiled = compile_detection(detection, options_, diag_);
  if (!compiled || diag_.errors() != errors_at_start_) return;
  if (compiled->aggregation) {
    convert_aggregation(std::move(meta), std::move(fields), std::move(*compiled));
    return;
  }
  if (!compiled->timeframe.empty()) {
    diag_.error("deprecated-aggregation", compiled->timeframe_mark,
                "'timeframe' (deprecated Sigma syntax) without an aggregation: if the "
                "selections describe separate events, write them as rules joined by a temporal "
                "correlation; otherwise remove 'timeframe'");
    return;
  }
  SigmaDocument d;
  d.kind = SigmaDocument::Kind::kDetection;
  d.meta = std::move(meta);
  d.sigma_fields = std::move(fields);
  d.rule = std::make_shared<const CompiledRule>(std::move(compiled->rule));
  out_.push_back(std::move(d));
}

void DocumentReader::convert_aggregation(RuleMeta meta, std::vector<std::string> fields,
                                         CompiledDetection compiled) {
  const Aggregation& agg = *compiled.aggregation;
  const YAML::Mark& mark = compiled.condition_mark;
  if (agg.function == "near") {
    diag_.error("deprecated-aggregation", mark,
                "'| near' (deprecated Sigma syntax) cannot be converted: write a temporal "
                "correlation rule over the two selections as separate rules");
    return;
  }
  if (agg.function != "count") {
    diag_.error("deprecated-aggregation", mark,
                "'| " + agg.function +
                    "()' (deprecated Sigma syntax) is not supported: only "
                    "count() converts to a correlation (event_count or value_count)");
    return;
  }
  if (compiled.timeframe.empty()) {
    diag_.error("deprecated-aggregation", mark,
                "'| count()' (deprecated Sigma syntax) needs 'timeframe' in 'detection' to be "
                "converted to a correlation");
    return;
  }
  auto span = parse_timespan(compiled.timeframe);
  if (!span) {
    diag_.error("bad-timespan", compiled.timeframe_mark,
                "'timeframe' must be a duration like 30s, 10m, 1h, 14d or 1w");
    return;
  }
  SigmaDocument base;
  base.kind = SigmaDocument::Kind::kDetection;
  base.meta = meta;
  const std::string key =
      !meta.name.empty() ? meta.name : (!meta.id.empty() ? meta.id : meta.title);
  base.meta.name = key + ":base";
  if (!meta.id.empty()) base.meta.id = meta.id + ":base";
  base.sigma_fields = fields;
  base.rule = std::make_shared<const CompiledRule>(std::move(compiled.rule));

  SigmaDocument corr;
  corr.kind = SigmaDocument::Kind::kCorrelation;
  corr.meta = meta;
  CorrelationSpec& spec = corr.correlation;
  spec.meta = meta;
  spec.type = agg.field.empty() ? CorrelationType::kEventCount : CorrelationType::kValueCount;
  spec.value_field = agg.field;
  spec.rules = {base.meta.name};
  spec.group_by = agg.group_by;
  spec.timespan_us = *span;
  spec.condition = {CountCondition{agg.op, agg.value}};
  spec.generate = false;
  diag_.warning("deprecated-aggregation", mark,
                "'| " + agg.text + "' (deprecated Sigma syntax) was converted to a" +
                    (agg.field.empty() ? "n event_count" : " value_count") +
                    " correlation over timeframe " + compiled.timeframe + " on a base rule named " +
                    show(base.meta.name) + "; prefer writing the correlation rule");
  out_.push_back(std::move(base));
  out_.push_back(std::move(corr));
}

void DocumentReader::read_correlation(RuleMeta meta) {
  const YAML::Node c = doc_["correlation"];
  if (!c.IsMap()) {
    diag_.error("bad-type", c.Mark(), "'correlation' must be a map");
    return;
  }
  CorrelationSpec spec;
  static const std::set<std::string_view> kKnown = {"type",      "rules",   "group-by", "timespan",
                                                    "condition", "aliases", "generate"};
  for (auto it = c.begin(); it != c.end(); ++it) {
    if (it->first.IsScalar() && !kKnown.contains(it->first.Scalar())) {
      diag_.warning("unknown-key", it->first.Mark(),
                    "unknown key " + show(it->first.Scalar()) + " in 'correlation' is ignored");
    }
  }
  YAML::Node type = c["type"];
  if (!type) {
    diag_.error("missing-field", c.Mark(), "the correlation has no 'type'");
  } else if (!type.IsScalar()) {
    diag_.error("bad-type", type.Mark(), "'type' must be a string");
  } else {
    const std::string& t = type.Scalar();
    if (t == "event_count") {
      spec.type = CorrelationType::kEventCount;
    } else if (t == "value_count") {
      spec.type = CorrelationType::kValueCount;
    } else if (t == "temporal") {
      spec.type = CorrelationType::kTemporal;
    } else if (t == "temporal_ordered") {
      spec.type = CorrelationType::kTemporalOrdered;
    } else if (t.starts_with("value_")) {
      diag_.error("unsupported-construct", type.Mark(),
                  "correlation type " + show(t) +
                      " is not supported (supported: event_count, value_count, temporal, "
                      "temporal_ordered)");
    } else {
      diag_.error("bad-type", type.Mark(),
                  "unknown correlation type " + show(t) +
                      " (event_count, value_count, temporal or temporal_ordered)");
    }
  }
  if (!c["rules"]) {
    diag_.error("missing-field", c.Mark(), "the correlation has no 'rules'");
  } else {
    get_list(c, "rules", spec.rules);
    if (spec.rules.empty()) diag_.error("bad-type", c["rules"].Mark(), "'rules' is empty");
  }
  get_list(c, "group-by", spec.group_by);
  if (YAML::Node ts = c["timespan"]; !ts) {
    diag_.error("missing-field", c.Mark(), "the correlation has no 'timespan'");
  } else {
    std::optional<int64_t> us;
    if (ts.IsScalar()) us = parse_timespan(ts.Scalar());
    if (!us) {
      diag_.error("bad-timespan", ts.Mark(),
                  "'timespan' must be a number and a unit: 30s, 10m, 1h, 14d or 1w");
    } else {
      spec.timespan_us = *us;
    }
  }
  const bool counting =
      spec.type == CorrelationType::kEventCount || spec.type == CorrelationType::kValueCount;
  YAML::Node cond = c["condition"];
  if (!cond || cond.IsNull()) {
    if (counting) diag_.error("missing-field", c.Mark(), "the correlation has no 'condition'");
  } else if (!cond.IsMap()) {
    diag_.error("bad-type", cond.Mark(),
                "'condition' must be a map such as {gte: 10} (and 'field' for value_count)");
  } else {
    for (auto it = cond.begin(); it != cond.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      const std::string& k = it->first.Scalar();
      if (k == "field") {
        if (!it->second.IsScalar()) {
          diag_.error("bad-type", it->second.Mark(), "'field' must be a field name");
        } else {
          spec.value_field = it->second.Scalar();
        }
        continue;
      }
      static const std::array<std::pair<std::string_view, CompareOp>, 6> kOps = {
          {{"gt", CompareOp::kGt},
           {"gte", CompareOp::kGte},
           {"lt", CompareOp::kLt},
           {"lte", CompareOp::kLte},
           {"eq", CompareOp::kEq},
           {"neq", CompareOp::kNeq}}};
      bool known = false;
      for (const auto& [name, op] : kOps) {
        if (k != name) continue;
        known = true;
        int64_t v = 0;
        bool ok = it->second.IsScalar();
        if (ok) {
          const std::string& s = it->second.Scalar();
          auto r = std::from_chars(s.data(), s.data() + s.size(), v);
          ok = !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
        }
        if (!ok) {
          diag_.error("bad-type", it->second.Mark(), "'" + k + "' needs a whole number");
        } else {
          spec.condition.push_back(CountCondition{op, v});
        }
      }
      if (!known) {
        diag_.error("bad-type", it->first.Mark(),
                    "unknown condition " + show(k) + " (gt, gte, lt, lte, eq, neq, field)");
      }
    }
    if (counting && spec.condition.empty()) {
      diag_.error("missing-field", cond.Mark(), "'condition' has no comparison (gt, gte, ...)");
    }
  }
  if (spec.type == CorrelationType::kValueCount && spec.value_field.empty() && cond &&
      cond.IsMap()) {
    diag_.error("missing-field", cond.Mark(),
                "a value_count correlation needs 'field' in 'condition'");
  }
  if (YAML::Node aliases = c["aliases"]; aliases && !aliases.IsNull()) {
    if (!aliases.IsMap()) {
      diag_.error("bad-type", aliases.Mark(), "'aliases' must map alias -> (rule -> field)");
    } else {
      for (auto it = aliases.begin(); it != aliases.end(); ++it) {
        if (!it->first.IsScalar() || !it->second.IsMap()) {
          diag_.error("bad-type", it->first.Mark(), "'aliases' must map alias -> (rule -> field)");
          continue;
        }
        auto& m = spec.aliases[it->first.Scalar()];
        for (auto r = it->second.begin(); r != it->second.end(); ++r) {
          if (!r->first.IsScalar() || !r->second.IsScalar()) {
            diag_.error("bad-type", r->first.Mark(), "an alias maps a rule name to a field name");
            continue;
          }
          m[r->first.Scalar()] = r->second.Scalar();
        }
      }
    }
  }
  for (YAML::Node g : {c["generate"], doc_["generate"]}) {
    if (!g || g.IsNull()) continue;
    auto b = parse_bool(g);
    if (!b) {
      diag_.error("bad-type", g.Mark(), "'generate' must be true or false");
    } else {
      spec.generate = *b;
    }
  }
  if (diag_.errors() != errors_at_start_) return;
  SigmaDocument d;
  d.kind = SigmaDocument::Kind::kCorrelation;
  d.meta = meta;
  spec.meta = std::move(meta);
  d.correlation = std::move(spec);
  out_.push_back(std::move(d));
}

}  // namespace

void derive_attack(const std::vector<std::string>& tags, std::vector<std::string>& tactics,
                   std::vector<std::string>& techniques) {
  static const std::array<std::pair<std::string_view, std::string_view>, 16> kTactics = {{
      {"reconnaissance", "TA0043"},
      {"resource_development", "TA0042"},
      {"initial_access", "TA0001"},
      {"execution", "TA0002"},
      {"persistence", "TA0003"},
      {"privilege_escalation", "TA0004"},
      {"defense_evasion", "TA0005"},
      {"stealth", "TA0005"},
      {"defense_impairment", "TA0005"},
      {"credential_access", "TA0006"},
      {"discovery", "TA0007"},
      {"lateral_movement", "TA0008"},
      {"collection", "TA0009"},
      {"exfiltration", "TA0010"},
      {"command_and_control", "TA0011"},
      {"impact", "TA0040"},
  }};
  auto add = [](std::vector<std::string>& v, std::string s) {
    for (const auto& x : v) {
      if (x == s) return;
    }
    v.push_back(std::move(s));
  };
  for (const std::string& tag : tags) {
    std::string t = fold_copy(tag);
    if (!t.starts_with("attack.")) continue;
    std::string rest = t.substr(7);
    // tNNNN or tNNNN.NNN
    bool technique = rest.size() >= 5 && rest[0] == 't';
    if (technique) {
      for (size_t i = 1; i < rest.size(); ++i) {
        char ch = rest[i];
        bool digit = ch >= '0' && ch <= '9';
        if (!(digit || (ch == '.' && i == 5))) technique = false;
      }
      technique = technique && (rest.size() == 5 || rest.size() == 9);
    }
    if (technique) {
      std::string id = rest;
      id[0] = 'T';
      add(techniques, id);
      continue;
    }
    for (char& ch : rest) {
      if (ch == '-') ch = '_';
    }
    for (const auto& [name, id] : kTactics) {
      if (rest == name) add(tactics, std::string(id));
    }
  }
}

namespace {

// One YAML document of a file and the number of lines before it.
struct Chunk {
  std::string text;
  int first_line = 0;
};

bool is_marker(std::string_view line, std::string_view marker) {
  return line.starts_with(marker) && (line.size() == 3 || line[3] == ' ' || line[3] == '\t' ||
                                      line[3] == '\r' || line[3] == '\n');
}

// Splits at `---` and after `...` lines, as YAML does (markers only count at column 0).
// yaml-cpp's own LoadAll loops forever on some malformed streams (jbeder/yaml-cpp#1319), so
// documents are cut here and loaded one by one.
std::vector<Chunk> split_documents(std::string_view yaml) {
  std::vector<Chunk> chunks(1);
  int line_no = 0;
  bool start_next = false;
  size_t pos = 0;
  while (pos < yaml.size()) {
    size_t eol = yaml.find('\n', pos);
    size_t end = eol == std::string_view::npos ? yaml.size() : eol + 1;
    std::string_view line = yaml.substr(pos, end - pos);
    if (start_next || is_marker(line, "---")) {
      chunks.push_back(Chunk{std::string(), line_no});
      start_next = false;
    }
    chunks.back().text += line;
    if (is_marker(line, "...")) start_next = true;
    pos = end;
    ++line_no;
  }
  // Drop chunks without content; directives go with the document after them.
  std::vector<Chunk> out;
  std::string pending;
  int pending_line = -1;
  for (auto& c : chunks) {
    bool content = false, directive = false;
    std::string_view rest = c.text;
    while (!rest.empty()) {
      size_t e = rest.find('\n');
      std::string_view l = rest.substr(0, e);
      rest = e == std::string_view::npos ? std::string_view() : rest.substr(e + 1);
      size_t first = l.find_first_not_of(" \t\r");
      if (first == std::string_view::npos || l[first] == '#') continue;
      if (first == 0 && l[0] == '%') {
        directive = true;
      } else if (!(first == 0 && (is_marker(l, "...") || l == "---" || l == "---\r"))) {
        content = true;
      }
    }
    if (!content && directive) {
      if (pending_line < 0) pending_line = c.first_line;
      pending += c.text;
      continue;
    }
    if (!content) continue;
    if (pending_line >= 0) {
      c.text = pending + c.text;
      c.first_line = pending_line;
      pending.clear();
      pending_line = -1;
    }
    out.push_back(std::move(c));
  }
  return out;
}

// Counts parser events, remembering where the first one was.
class EventCounter final : public YAML::EventHandler {
 public:
  size_t events = 0;
  YAML::Mark first = YAML::Mark::null_mark();
  void seen(const YAML::Mark& m) {
    if (events++ == 0) first = m;
  }
  void OnDocumentStart(const YAML::Mark& m) override { seen(m); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { seen(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { seen(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                const std::string&) override {
    seen(m);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    seen(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    seen(m);
  }
  void OnMapEnd() override {}
};

// Loads one document; nullopt after reporting yaml-syntax. yaml-cpp silently ignores text it
// cannot place after a document's root (e.g. a line starting with ','): that is an error here.
std::optional<YAML::Node> load_document(const Chunk& chunk, DiagSink& sink) {
  try {
    std::istringstream in(chunk.text);
    YAML::Parser parser(in);
    EventCounter first, second;
    parser.HandleNextDocument(first);
    if (parser.HandleNextDocument(second)) {
      sink.error("yaml-syntax", second.first,
                 "the file is not valid YAML: the reader cannot place the text here (a stray "
                 "character, or content after a flow-style document)");
      return std::nullopt;
    }
    return YAML::Load(chunk.text);
  } catch (const YAML::Exception& e) {
    sink.error("yaml-syntax", e.mark, "the file is not valid YAML: " + e.msg);
  } catch (const std::exception& e) {
    sink.error("yaml-syntax", YAML::Mark::null_mark(),
               std::string("the file is not valid YAML: ") + e.what());
  }
  return std::nullopt;
}

}  // namespace

std::vector<SigmaDocument> read_sigma(std::string_view yaml, const std::string& file,
                                      std::string_view source, const CompileOptions& options,
                                      std::vector<Diagnostic>& diags) {
  std::vector<SigmaDocument> out;
  DiagSink sink(file, diags);
  for (const Chunk& chunk : split_documents(yaml)) {
    sink.set_title({});
    sink.set_line_offset(chunk.first_line);
    std::optional<YAML::Node> doc = load_document(chunk, sink);
    if (!doc) continue;
    std::vector<SigmaDocument> got;
    try {
      DocumentReader(*doc, source, options, sink, got).run();
    } catch (const YAML::Exception& e) {
      sink.error("bad-type", e.mark, "unexpected YAML structure: " + e.msg);
      continue;
    } catch (const std::exception& e) {
      sink.error("bad-type", doc->Mark(), std::string("unexpected YAML structure: ") + e.what());
      continue;
    }
    for (auto& d : got) out.push_back(std::move(d));
  }
  return out;
}

}  // namespace trailwarden::detect::sigma
