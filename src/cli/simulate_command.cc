// trailwarden simulate: CloudTrail logs of a simulated organisation, with labelled attacks.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/render.h"
#include "core/text.h"
#include "sim/simulator.h"

namespace trailwarden::cli {
namespace {

struct SimulateArgs {
  sim::SimOptions options;
  std::string attacks = "all";
  std::string format = "text";
};

int run(SimulateArgs& a) {
  a.options.attacks.clear();
  std::stringstream list(a.attacks);
  for (std::string item; std::getline(list, item, ',');)
    if (!item.empty()) a.options.attacks.push_back(item);
  auto r = sim::simulate(a.options);
  if (!r) {
    std::fprintf(stderr, "trailwarden simulate: %s\n",
                 escape_control(r.error().to_string()).c_str());
    return kExitFatal;
  }
  const auto& s = *r;
  std::string out;
  if (a.format == "json") {
    out = fmt::format(
        "{{\"out\": {}, \"events\": {}, \"attack_events\": {}, \"attacks\": {}, \"files\": {}, "
        "\"compressed_bytes\": {}, \"identities\": {}, \"benign_identity_days\": {}, "
        "\"seconds\": {:.3f}}}\n",
        json_string(a.options.out_dir), s.events, s.attack_events, s.attacks, s.files, s.bytes,
        s.identities, s.identity_days, s.seconds);
  } else {
    out = fmt::format("simulated into {}\n", escape_control(a.options.out_dir));
    out += fmt::format("  events         {:>12}\n", with_commas(s.events));
    out += fmt::format("  attack events  {:>12}  in {} attacks (labels.jsonl)\n",
                       with_commas(s.attack_events), s.attacks);
    out += fmt::format("  files          {:>12}  ({} MB compressed)\n", with_commas(s.files),
                       s.bytes / 1000000);
    out += fmt::format("  identities     {:>12}  ({} benign identity-days)\n",
                       with_commas(s.identities), with_commas(s.identity_days));
    out += fmt::format("  seconds        {:>12.1f}\n", s.seconds);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

void add_simulate_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SimulateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "Write CloudTrail logs (S3 layout) of a simulated AWS organisation with labelled attacks, "
      "plus the matching geo-IP database, lists, labels.jsonl and manifest.json.");
  auto& o = args->options;
  cmd->add_option("-o,--out", o.out_dir, "output directory (must not hold logs/ yet)")->required();
  cmd->add_option("--days", o.days, "days to simulate")->capture_default_str();
  cmd->add_option("--accounts", o.accounts, "AWS accounts")->capture_default_str();
  cmd->add_option("--users", o.users, "people")->capture_default_str();
  cmd->add_option("--attacks", args->attacks,
                  "attack kinds, comma-separated (anonymous_ip, infrequent_country, suspicious_ip, "
                  "impossible_travel, terminated_user, failed_logins, admin_activity, "
                  "storage_deletion, vm_deletion, vm_creation, unusual_region, stop_logging, "
                  "public_bucket_policy, access_key_other_user, or a policy/rule id), all, none")
      ->capture_default_str();
  cmd->add_option(
         "--instances", o.instances,
         "instances per attack kind (0: one per 8 days after the learning week, at least 3)")
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "random seed (same seed, same bytes)")->capture_default_str();
  cmd->add_option("--start", o.start, "first day, YYYY-MM-DD (UTC)")->capture_default_str();
  cmd->add_option("--file-minutes", o.file_minutes,
                  "minutes of events per log file and account-region (CloudTrail: about 5)")
      ->capture_default_str();
  cmd->add_option("--compression-level", o.compression_level, "gzip level 1-12")
      ->capture_default_str();
  cmd->add_option("--format", args->format, "summary format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace trailwarden::cli
