// Any bytes as a Sigma condition: the parser must never crash or hang, an accepted condition
// must print and re-parse to the same tree, and the compiler must accept or diagnose it
// inside a rule with a few fixed selections.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/text.h"
#include "detect/sigma/condition.h"
#include "detect/sigma/ruleset.h"

using namespace trailwarden::detect;

namespace {

// The printed form uses prefix operators; turn it back into the Sigma syntax.
std::string to_sigma(const sigma::ConditionNode& n) {
  using K = sigma::ConditionNode::Kind;
  switch (n.kind) {
    case K::kSelection:
      return n.name;
    case K::kOf:
      return (n.count == 0 ? std::string("all") : std::to_string(n.count)) + " of " + n.name;
    case K::kNot:
      return "not (" + to_sigma(n.children[0]) + ")";
    case K::kAnd:
    case K::kOr: {
      std::string out;
      for (const auto& c : n.children) {
        if (!out.empty()) out += n.kind == K::kAnd ? " and " : " or ";
        out += "(" + to_sigma(c) + ")";
      }
      return out;
    }
  }
  return {};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = sigma::parse_condition(text);
  if (parsed) {
    auto again = sigma::parse_condition(to_sigma(*parsed));
    if (!again || sigma::to_string(*again) != sigma::to_string(*parsed)) std::abort();
  } else if (parsed.error().column < 1 || static_cast<size_t>(parsed.error().column) > size + 1) {
    std::abort();
  }
  std::string yaml =
      "title: fuzz\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n"
      "  sel: {eventName: StopLogging}\n  sel2: {eventSource: cloudtrail.amazonaws.com}\n"
      "  filter_a: {userAgent|contains: x}\n  _hidden: {errorCode: null}\n  condition: ";
  yaml += trailwarden::json_string(text);  // a YAML double-quoted scalar
  yaml += "\n";
  RuleSet set;
  std::vector<Diagnostic> diags;
  set.load_text(yaml, "fuzz.yml", "fuzz", diags);
  for (size_t i = 0; i < set.size(); ++i) {
    if (set.explain(i).empty()) std::abort();
  }
  return 0;
}
