// The built-in derived fields (`tw.<group>`, docs/rules.md): the DerivedFields the engine uses.
// Loaded once from the rules data directory; compute() is const, thread-safe and allocation-
// light (the output string, plus vectors for records that carry a policy document).
#pragma once

#include <simdjson.h>

#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "detect/derived.h"
#include "detect/derived/capabilities.h"
#include "detect/derived/identity.h"
#include "detect/derived/ip.h"
#include "enrich/enricher.h"

namespace trailwarden::detect {

// One group and its definition, as `trailwarden rules fields` lists them.
struct DerivedGroupInfo {
  std::string_view name;        // the group: rules read tw.<name>[.<member>]
  std::string_view definition;  // its value, in one or two sentences
};

class StandardDerivedFields : public DerivedFields {
 public:
  // Reads <data_dir>/policy_capabilities.yaml and <data_dir>/cli_recon_commands.txt. Errors
  // name the file and line.
  static Result<std::unique_ptr<StandardDerivedFields>> load(const std::string& data_dir);

  StandardDerivedFields(std::vector<derived::Capability> capabilities,
                        std::vector<std::string> cli_recon_commands);

  bool compute(std::string_view group, simdjson::dom::element record,
               std::string& out) const override;

  // Adds members to tw.ip. Call while setting up, before events flow.
  void add_ip_annotator(std::shared_ptr<const IpAnnotator> annotator);
  // The enrichment behind tw.ip's kind, geo-IP and list members (looked up through a
  // per-thread cache). Call while setting up, before events flow.
  void set_enricher(std::shared_ptr<const enrich::Enricher> enricher);
  // The operator's admin set (E:admin_identities): user names or ARNs, matched
  // case-insensitively; adds `tw.identity.admin`. Call before events flow.
  void set_admin_identities(const std::vector<std::string>& names);

  const std::vector<derived::Capability>& capabilities() const { return capabilities_; }
  const std::vector<std::string>& cli_recon_commands() const { return cli_recon_; }

  // Every group compute() answers, in documentation order.
  static std::span<const DerivedGroupInfo> groups();

 private:
  void policy(simdjson::dom::element record, std::string& out) const;
  void ip(simdjson::dom::element record, std::string& out) const;
  void cli_recon(simdjson::dom::element record, std::string& out) const;

  std::vector<derived::Capability> capabilities_;
  std::vector<std::string> cli_recon_;  // sorted
  std::vector<std::shared_ptr<const IpAnnotator>> ip_annotators_;
  std::shared_ptr<const enrich::Enricher> enricher_;
  std::optional<std::set<std::string>> admins_;  // lower-cased names and ARNs
};

// Reads a list of `service.command` lines ([a-z0-9-]+.[a-z0-9-]+; # comments and blank lines
// ignored); errors name the file and line.
Result<std::vector<std::string>> load_cli_command_list(const std::string& path);

}  // namespace trailwarden::detect
