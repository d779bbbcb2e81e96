#include "detect/derived/policy.h"

#include "core/text.h"
#include "detect/derived/dom_util.h"
#include "detect/derived/glob.h"

namespace trailwarden::detect::derived {
namespace {

using simdjson::dom::element;

// The parser for documents that arrive as strings, one per thread, reused across events.
struct TextParser {
  simdjson::dom::parser parser{kMaxPolicyBytes};
  std::string buffer;   // the text, padded for simdjson
  std::string decoded;  // the percent-decoded text
  bool allocated = false;

  simdjson::error_code parse(std::string_view text, element& root) {
    if (!allocated) {
      if (auto e = parser.allocate(4096, kMaxPolicyDepth); e != simdjson::SUCCESS) return e;
      allocated = true;
    }
    buffer.reserve(text.size() + simdjson::SIMDJSON_PADDING);
    buffer.assign(text);
    return parser.parse(buffer.data(), buffer.size(), false).get(root);
  }
};

TextParser& text_parser() {
  thread_local TextParser p;
  return p;
}

bool is_empty_object(element v) {
  simdjson::dom::object obj;
  return v.get_object().get(obj) == simdjson::SUCCESS && obj.size() == 0;
}

bool is_star(std::string_view s) { return s == "*"; }

PolicyStatement normalise(element s) {
  PolicyStatement st;
  st.raw = s;
  st.allow = iequals(as_string(member(s, "Effect")).value_or(""), "allow");
  if (auto c = member(s, "Condition")) st.unconditioned = is_empty_object(*c);
  if (member(s, "NotResource")) {
    st.any_resource = true;
    st.not_resource = true;
  } else {
    st.any_resource = any_string(member(s, "Resource"), is_star);
  }
  if (auto p = member(s, "Principal")) {
    if (as_string(*p) == "*") {
      st.public_principal = true;
    } else {
      // Principal "*" normalises to {"*": ["*"]}; either key holding * is public.
      st.public_principal =
          any_string(member(*p, "AWS"), is_star) || any_string(member(*p, "*"), is_star);
    }
  }
  if (st.allow && member(s, "NotPrincipal")) st.public_principal = true;
  if (auto a = member(s, "Action")) {
    st.actions = a;
  } else if (auto na = member(s, "NotAction")) {
    st.actions = na;
    st.not_action = true;
  }
  return st;
}

void read_statements(element root, PolicyDocument& doc) {
  if (!root.is_object()) {
    doc.error = "policy document is not a JSON object";
    return;
  }
  any_object(member(root, "Statement"), [&](element s) {
    doc.statements.push_back(normalise(s));
    return false;
  });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool eval(const CapabilityExpr& e, const PolicyDocument& doc, uint8_t filter);

bool term_holds(const CapabilityExpr& e, const PolicyStatement& s) {
  using K = CapabilityExpr::Kind;
  switch (e.kind) {
    case K::kGrants:
      return grants(s, e.arg);
    case K::kGrantsPrefix:
      return grants_prefix(s, e.arg);
    case K::kActionIs:
      return action_is(s, e.arg);
    case K::kUsesNotAction:
      return s.not_action;
    case K::kAll:
    case K::kAny:
      break;
  }
  return false;
}

bool passes(const PolicyStatement& s, uint8_t filter) { return (s.bits() & filter) == filter; }

bool eval(const CapabilityExpr& e, const PolicyDocument& doc, uint8_t filter) {
  using K = CapabilityExpr::Kind;
  if (e.kind == K::kAll) {
    for (const auto& c : e.children) {
      if (!eval(c, doc, filter)) return false;
    }
    return true;
  }
  if (e.kind == K::kAny) {
    for (const auto& c : e.children) {
      if (eval(c, doc, filter)) return true;
    }
    return false;
  }
  for (const auto& s : doc.statements) {
    if (passes(s, filter) && term_holds(e, s)) return true;
  }
  return false;
}

// Some term of `e` holds for `s` alone: `s` contributed to the capability.
bool contributes(const CapabilityExpr& e, const PolicyStatement& s) {
  using K = CapabilityExpr::Kind;
  if (e.kind == K::kAll || e.kind == K::kAny) {
    for (const auto& c : e.children) {
      if (contributes(c, s)) return true;
    }
    return false;
  }
  return term_holds(e, s);
}

void append_bool(std::string& out, std::string_view key, bool value) {
  out += ",\"";
  out += key;
  out += "\":";
  out += value ? "true" : "false";
}

// Cuts `text` to at most `limit` bytes on a UTF-8 boundary, marking the cut with "...".
void cut_utf8(std::string& text, size_t limit) {
  if (text.size() <= limit) return;
  size_t end = limit - 3;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  text += "...";
}

}  // namespace

uint8_t PolicyStatement::bits() const {
  return (allow ? kAllow : 0) | (unconditioned ? kUnconditioned : 0) |
         (any_resource ? kAnyResource : 0) | (public_principal ? kPublicPrincipal : 0);
}

bool grants(const PolicyStatement& s, std::string_view action) {
  if (!s.actions) return false;
  bool matched = any_string(s.actions, [&](std::string_view p) { return glob_match(p, action); });
  return s.not_action ? !matched : matched;
}

bool grants_prefix(const PolicyStatement& s, std::string_view prefix) {
  if (!s.actions) return false;
  if (s.not_action) {
    return !any_string(s.actions,
                       [&](std::string_view p) { return glob_covers_prefix(p, prefix); });
  }
  return any_string(s.actions, [&](std::string_view p) { return glob_prefix_alive(p, prefix); });
}

bool wildcard_action(const PolicyStatement& s) {
  if (s.not_action) return false;
  return any_string(s.actions,
                    [](std::string_view p) { return p.find('*') != std::string_view::npos; });
}

bool action_is(const PolicyStatement& s, std::string_view literal) {
  if (s.not_action) return false;
  return any_string(s.actions, [&](std::string_view p) { return iequals(p, literal); });
}

bool condition_requires_mfa(const PolicyStatement& s) {
  simdjson::dom::object cond;
  auto c = member(s.raw, "Condition");
  if (!c || c->get_object().get(cond) != simdjson::SUCCESS) return false;
  for (auto op : cond) {
    if (!iequals(op.key, "Bool") && !iequals(op.key, "BoolIfExists")) continue;
    simdjson::dom::object tests;
    if (op.value.get_object().get(tests) != simdjson::SUCCESS) continue;
    for (auto test : tests) {
      if (!iequals(test.key, "aws:MultiFactorAuthPresent")) continue;
      auto is_true = [](element v) { return as_flag(v) == true; };
      simdjson::dom::array values;
      if (test.value.get_array().get(values) == simdjson::SUCCESS) {
        bool all = values.size() > 0;
        for (element v : values) all = all && is_true(v);
        if (all) return true;
      } else if (is_true(test.value)) {
        return true;
      }
    }
  }
  return false;
}

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  bool changed = false;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        changed = true;
        continue;
      }
    } else if (c == '+') {
      out += ' ';
      changed = true;
      continue;
    }
    out += c;
  }
  return changed;
}

void parse_policy_text(std::string_view text, PolicyDocument& doc) {
  doc.present = true;
  doc.statements.clear();
  doc.error.clear();
  if (text.size() > kMaxPolicyBytes) {
    doc.error = "policy document is larger than 128 KiB";
    return;
  }
  TextParser& tp = text_parser();
  element root;
  auto err = tp.parse(text, root);
  if (err != simdjson::SUCCESS && err != simdjson::DEPTH_ERROR &&
      percent_decode(text, tp.decoded)) {
    auto err2 = tp.parse(tp.decoded, root);  // copied into tp.buffer, so no aliasing
    if (err2 == simdjson::SUCCESS || err2 == simdjson::DEPTH_ERROR) err = err2;
  }
  if (err == simdjson::DEPTH_ERROR) {
    doc.error = "policy document is nested deeper than 32";
    return;
  }
  if (err != simdjson::SUCCESS) {
    doc.error = std::string("policy document is not valid JSON: ") + simdjson::error_message(err);
    return;
  }
  read_statements(root, doc);
}

void parse_policy_value(element value, PolicyDocument& doc) {
  doc.present = true;
  doc.statements.clear();
  doc.error.clear();
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    parse_policy_text(text, doc);
    return;
  }
  if (!value.is_object()) {
    doc.error = "policy document is not a JSON object";
    return;
  }
  if (depth(value, kMaxPolicyDepth) > kMaxPolicyDepth) {
    doc.error = "policy document is nested deeper than 32";
    return;
  }
  read_statements(value, doc);
}

void read_policy(element record, PolicyDocument& doc) {
  doc = PolicyDocument{};
  auto rp = member(record, "requestParameters");
  if (!rp) return;
  auto usable = [](std::optional<element> v) {
    if (!v) return false;
    if (v->is_object()) return true;
    auto s = as_string(*v);
    return s && !s->empty();
  };
  static constexpr std::string_view kKeys[] = {"policyDocument", "policy", "bucketPolicy"};
  for (std::string_view key : kKeys) {
    auto v = member(*rp, key);
    if (usable(v)) {
      doc.source = key;
      parse_policy_value(*v, doc);
      return;
    }
  }
  auto ap = path(*rp, {"PutAccessPointPolicyRequest", "Policy"});
  if (usable(ap)) {
    doc.source = "PutAccessPointPolicyRequest.Policy";
    parse_policy_value(*ap, doc);
  }
}

void evaluate_policy(const PolicyDocument& doc, std::span<const Capability> capabilities,
                     PolicyVerdict& v) {
  v = PolicyVerdict{};
  v.capabilities.assign(capabilities.size(), 0);
  v.statement_matched.assign(doc.statements.size(), 0);
  if (!doc.error.empty()) return;
  for (size_t c = 0; c < capabilities.size(); ++c) {
    const Capability& cap = capabilities[c];
    if (!eval(cap.when, doc, cap.filter)) continue;
    v.capabilities[c] = 1;
    if (cap.name == "full_admin") v.full_admin = true;
    for (size_t i = 0; i < doc.statements.size(); ++i) {
      const auto& s = doc.statements[i];
      if (passes(s, cap.filter) && contributes(cap.when, s)) v.statement_matched[i] = 1;
    }
  }
  bool kms_public = false, kms_all_mfa = true;
  for (size_t i = 0; i < doc.statements.size(); ++i) {
    const auto& s = doc.statements[i];
    if (!s.allow) continue;
    if (wildcard_action(s)) {
      v.wildcard_action = true;
      v.statement_matched[i] = 1;
    }
    if (!s.public_principal) continue;
    if (s.unconditioned) {
      v.public_unconditioned = true;
      v.statement_matched[i] = 1;
    }
    if (grants(s, "kms:Encrypt")) {
      kms_public = true;
      if (s.unconditioned) v.public_grants_kms_encrypt = true;
      if (!condition_requires_mfa(s)) kms_all_mfa = false;
      v.statement_matched[i] = 1;
    }
  }
  v.public_kms_requires_mfa = kms_public && kms_all_mfa;
  for (size_t i = 0; i < doc.statements.size(); ++i) {
    if (v.statement_matched[i] && doc.statements[i].not_resource) v.not_resource = true;
  }
}

void append_policy_json(const PolicyDocument& doc, const PolicyVerdict& v,
                        std::span<const Capability> capabilities, std::string& out) {
  out += "{\"present\":";
  out += doc.present ? "true" : "false";
  if (doc.present) {
    out += ",\"source\":";
    append_json_string(out, doc.source);
  }
  if (!doc.error.empty()) {
    out += ",\"error\":";
    append_json_string(out, doc.error);
  }
  out += ",\"capabilities\":[";
  bool first = true;
  for (size_t c = 0; c < capabilities.size() && c < v.capabilities.size(); ++c) {
    if (!v.capabilities[c]) continue;
    if (!first) out += ',';
    first = false;
    append_json_string(out, capabilities[c].name);
  }
  out += ']';
  append_bool(out, "full_admin", v.full_admin);
  append_bool(out, "public_unconditioned", v.public_unconditioned);
  append_bool(out, "wildcard_action", v.wildcard_action);
  append_bool(out, "public_grants_kms_encrypt", v.public_grants_kms_encrypt);
  append_bool(out, "public_kms_requires_mfa", v.public_kms_requires_mfa);
  append_bool(out, "not_resource", v.not_resource);
  out += ",\"statement_count\":";
  out += std::to_string(doc.statements.size());
  std::string text;
  for (size_t i = 0; i < doc.statements.size() && i < v.statement_matched.size(); ++i) {
    if (!v.statement_matched[i]) continue;
    text += text.empty() ? '[' : ',';
    text += simdjson::minify(doc.statements[i].raw);
    if (text.size() > kMaxStatementsText) break;
  }
  if (!text.empty()) text += ']';
  cut_utf8(text, kMaxStatementsText);
  out += ",\"statements\":";
  append_json_string(out, text);
  out += '}';
}

}  // namespace trailwarden::detect::derived
