#include "detect/derived/capabilities.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "core/text.h"

namespace trailwarden::detect::derived {
namespace {

struct Parser {
  std::string_view file;

  std::unexpected<Error> fail(const YAML::Node& at, std::string message) const {
    return fail_at(at.Mark(), std::move(message));
  }
  std::unexpected<Error> fail_at(const YAML::Mark& mark, std::string message) const {
    std::string where(file);
    if (mark.line >= 0) where += ":" + std::to_string(mark.line + 1);
    return make_error(ErrorCode::kInvalidArgument, where + ": " + message, where);
  }

  static bool valid_arg(std::string_view a, bool wildcards) {
    if (a.empty()) return false;
    for (char c : a) {
      auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u >= 0x7F || c == '(' || c == ')' || c == ',') return false;
      if (!wildcards && (c == '*' || c == '?')) return false;
    }
    return true;
  }

  Result<CapabilityExpr> term(const YAML::Node& n) const {
    std::string text = n.Scalar();
    CapabilityExpr e;
    if (text == "not_action") {
      e.kind = CapabilityExpr::Kind::kUsesNotAction;
      return e;
    }
    auto open = text.find('(');
    if (open == std::string::npos || text.back() != ')') {
      return fail(n, "'" + escape_control(text) +
                         "' is not a term: expected G(svc:Action), P(svc:Verb), action(x) or "
                         "not_action");
    }
    std::string head = text.substr(0, open);
    e.arg = text.substr(open + 1, text.size() - open - 2);
    bool wildcards = false;
    if (head == "G") {
      e.kind = CapabilityExpr::Kind::kGrants;
    } else if (head == "P") {
      e.kind = CapabilityExpr::Kind::kGrantsPrefix;
    } else if (head == "action") {
      e.kind = CapabilityExpr::Kind::kActionIs;
      wildcards = true;
    } else {
      return fail(
          n, "unknown term '" + escape_control(head) + "': expected G, P, action or not_action");
    }
    if (!valid_arg(e.arg, wildcards)) {
      return fail(n,
                  "bad argument in '" + escape_control(text) +
                      "': printable characters without spaces, commas or parentheses" +
                      (wildcards ? "" : ", and no * or ? (G and P take an action, not a pattern)"));
    }
    return e;
  }

  Result<CapabilityExpr> node(const YAML::Node& n, int depth) const {
    if (depth > 16) return fail(n, "expression nested deeper than 16");
    if (n.IsScalar()) return term(n);
    if (!n.IsMap() || n.size() != 1) {
      return fail(n, "an expression is a term or a map with one key, all or any");
    }
    auto it = n.begin();
    std::string key = it->first.as<std::string>();
    CapabilityExpr e;
    if (key == "all") {
      e.kind = CapabilityExpr::Kind::kAll;
    } else if (key == "any") {
      e.kind = CapabilityExpr::Kind::kAny;
    } else {
      return fail(it->first, "unknown operator '" + escape_control(key) + "': expected all or any");
    }
    YAML::Node list = it->second;
    if (!list.IsSequence() || list.size() == 0) {
      return fail(list.IsDefined() && !list.IsNull() ? list : it->first,
                  "'" + key + "' takes a non-empty list of expressions");
    }
    for (const auto& child : list) {
      auto c = node(child, depth + 1);
      if (!c) return std::unexpected(c.error());
      e.children.push_back(std::move(*c));
    }
    return e;
  }

  Result<uint8_t> filter(const YAML::Node& n) const {
    if (!n.IsSequence()) return fail(n, "filter is a list of statement predicates");
    uint8_t bits = 0;
    for (const auto& item : n) {
      std::string p = item.IsScalar() ? item.Scalar() : std::string();
      if (p == "allow") {
        bits |= kAllow;
      } else if (p == "unconditioned") {
        bits |= kUnconditioned;
      } else if (p == "any_resource") {
        bits |= kAnyResource;
      } else if (p == "public_principal") {
        bits |= kPublicPrincipal;
      } else {
        return fail(item, "unknown statement predicate '" + escape_control(p) +
                              "': expected allow, unconditioned, any_resource or public_principal");
      }
    }
    return bits;
  }

  static bool valid_name(std::string_view name) {
    if (name.empty()) return false;
    for (char c : name) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
  }

  Result<Capability> capability(const YAML::Node& n) const {
    if (!n.IsMap()) return fail(n, "a capability is a map with name, when and optional filter");
    Capability cap;
    cap.line = n.Mark().line + 1;
    bool has_when = false;
    for (auto it = n.begin(); it != n.end(); ++it) {
      std::string key = it->first.as<std::string>();
      YAML::Node v = it->second;
      if (key == "name") {
        if (!v.IsScalar() || !valid_name(v.Scalar())) {
          return fail(v, "name must be lower-case letters, digits and underscores");
        }
        cap.name = v.Scalar();
      } else if (key == "description") {
        if (!v.IsScalar()) return fail(v, "description must be text");
        cap.description = v.Scalar();
      } else if (key == "filter") {
        auto f = filter(v);
        if (!f) return std::unexpected(f.error());
        cap.filter = *f;
      } else if (key == "when") {
        auto e = node(v, 0);
        if (!e) return std::unexpected(e.error());
        cap.when = std::move(*e);
        has_when = true;
      } else {
        return fail(it->first, "unknown key '" + escape_control(key) +
                                   "' in a capability: expected name, description, filter, when");
      }
    }
    if (cap.name.empty()) return fail(n, "capability without a name");
    if (!has_when) return fail(n, "capability '" + cap.name + "' has no 'when' expression");
    return cap;
  }

  Result<std::vector<Capability>> document(const YAML::Node& root) const {
    if (!root.IsMap()) return fail(root, "expected a map with the key 'capabilities'");
    std::vector<Capability> out;
    bool seen = false;
    for (auto it = root.begin(); it != root.end(); ++it) {
      std::string key = it->first.as<std::string>();
      if (key == "version") {
        if (!it->second.IsScalar() || it->second.Scalar() != "1") {
          return fail(it->second, "unsupported version (this build reads version 1)");
        }
      } else if (key == "capabilities") {
        YAML::Node list = it->second;
        if (!list.IsSequence()) return fail(list, "'capabilities' must be a list");
        std::set<std::string> names;
        for (const auto& item : list) {
          auto cap = capability(item);
          if (!cap) return std::unexpected(cap.error());
          if (!names.insert(cap->name).second) {
            return fail(item, "capability '" + cap->name + "' is defined twice");
          }
          out.push_back(std::move(*cap));
        }
        seen = true;
      } else {
        return fail(it->first,
                    "unknown key '" + escape_control(key) + "': expected version or capabilities");
      }
    }
    if (!seen) return fail(root, "no 'capabilities' list");
    return out;
  }
};

void append_expr(std::string& out, const CapabilityExpr& e) {
  using K = CapabilityExpr::Kind;
  switch (e.kind) {
    case K::kAll:
    case K::kAny:
      out += e.kind == K::kAll ? "all(" : "any(";
      for (size_t i = 0; i < e.children.size(); ++i) {
        if (i) out += ", ";
        append_expr(out, e.children[i]);
      }
      out += ')';
      return;
    case K::kGrants:
      out += "G(" + e.arg + ")";
      return;
    case K::kGrantsPrefix:
      out += "P(" + e.arg + ")";
      return;
    case K::kActionIs:
      out += "action(" + e.arg + ")";
      return;
    case K::kUsesNotAction:
      out += "not_action";
      return;
  }
}

}  // namespace

Result<std::vector<Capability>> parse_capabilities(std::string_view yaml_text,
                                                   std::string_view file) {
  Parser p{file};
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    if (!root.IsDefined() || root.IsNull()) {
      return make_error(ErrorCode::kInvalidArgument, std::string(file) + ": empty file",
                        std::string(file));
    }
    return p.document(root);
  } catch (const YAML::Exception& e) {
    return p.fail_at(e.mark, "YAML: " + e.msg);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInvalidArgument, std::string(file) + ": " + e.what(),
                      std::string(file));
  }
}

Result<std::vector<Capability>> load_capabilities(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kNotFound, "cannot read the capabilities file", path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return make_error(ErrorCode::kIo, "cannot read the capabilities file", path);
  return parse_capabilities(text.str(), path);
}

std::string to_string(const CapabilityExpr& e) {
  std::string out;
  append_expr(out, e);
  return out;
}

std::string filter_to_string(uint8_t filter) {
  std::string out;
  auto add = [&](uint8_t bit, std::string_view name) {
    if (!(filter & bit)) return;
    if (!out.empty()) out += ", ";
    out += name;
  };
  add(kAllow, "allow");
  add(kUnconditioned, "unconditioned");
  add(kAnyResource, "any_resource");
  add(kPublicPrincipal, "public_principal");
  return out;
}

}  // namespace trailwarden::detect::derived
