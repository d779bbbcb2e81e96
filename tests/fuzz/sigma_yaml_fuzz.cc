// Any bytes as a Sigma rule file: loading must never crash, hang or throw (diagnostics are
// fine), and whatever loads must evaluate against records without crashing, with the index
// agreeing with brute force.
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "detect/event.h"
#include "detect/sigma/ruleset.h"

namespace {

using namespace trailwarden::detect;

class Derived final : public DerivedFields {
 public:
  bool compute(std::string_view group, simdjson::dom::element, std::string& out) const override {
    if (group == "outcome") {
      out = "\"ok\"";
      return true;
    }
    if (group == "policy") {
      out = R"({"capabilities":["iam_admin"],"full_admin":true})";
      return true;
    }
    return false;
  }
};

const char* const kRecords[] = {
    R"({"eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","userAgent":"aws-cli/2",
        "sourceIPAddress":"10.1.2.3","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a",
        "userName":"a"},"requestParameters":{"name":"t","userName":"a","n":[1,2.5,true,null]},
        "errorCode":null,"resources":[{"ARN":"x"},{"ARN":"y"}]})",
    R"({"eventSource":"s3.amazonaws.com","eventName":["A","B"],"a.b":{"c":"dotted"},"n":42})",
    R"({"type":"UnauthorizedAccess:IAMUser/TorIPCaller","severity":8.5})",
    R"([1,"two",{"three":3}])",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Derived derived;
  static std::vector<simdjson::dom::parser> parsers(std::size(kRecords));
  static std::vector<simdjson::dom::element> roots = [] {
    std::vector<simdjson::dom::element> r;
    for (size_t i = 0; i < std::size(kRecords); ++i)
      r.push_back(parsers[i].parse(std::string(kRecords[i])).value());
    return r;
  }();
  SigmaOptions options;
  options.placeholders["admins"] = {"alice", "bob*"};
  options.placeholders["nets"] = {"10.0.0.0/8"};
  RuleSet set(options);
  std::vector<Diagnostic> diags;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  set.load_text(text, "fuzz.yml", "fuzz", diags);
  set.finish(diags);
  for (const auto& d : diags) {
    if (d.code.empty()) std::abort();
  }
  for (size_t i = 0; i < set.size(); ++i) {
    if (set.explain(i).empty()) std::abort();
  }
  Event ev(&derived);
  for (auto root : roots) {
    for (std::string_view service : {"cloudtrail", "guardduty"}) {
      std::vector<uint32_t> indexed, brute;
      ev.reset(root);
      set.match(ev, service, indexed);
      ev.reset(root);
      set.match_all(ev, service, brute);
      if (indexed != brute) std::abort();
    }
  }
  return 0;
}
