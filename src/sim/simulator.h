// `trailwarden simulate`: CloudTrail logs of a simulated AWS organisation, with labelled
// attacks. See docs/simulator.md.
//
// The organisation: accounts with their usual regions; people (IAM users and Identity Center
// users through AWSReservedSSO_* roles) living in real cities, with ISPs, working hours in their
// time zone, habits (services, read/write mix, console or CLI), office days, the corporate VPN,
// mobile tethering and business trips; workloads (Lambda functions, long-lived EC2 instances,
// a CI pipeline through GitHub's OIDC provider) and AWS services (Auto Scaling, Lambda, Secrets
// Manager) acting on their behalf. After the learning week, attack instances for each anomaly
// policy of the detection catalogue (§4.4) and some rule-pack scenarios are mixed in; every
// attack event id is written to labels.jsonl.
//
// Output (DIR = SimOptions::out_dir):
//   logs/AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<time>_<16>.json.gz
//   labels.jsonl  geoip/sim-city.mmdb  lists/{tor_exit.txt,anonymizer.txt,threat_intel.csv,
//   terminated_users.csv,trusted_cidrs.txt,aws_ip_ranges.json}  manifest.json
//
// Deterministic: the same options give the same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace trailwarden::sim {

struct SimOptions {
  int days = 45;
  int accounts = 3;
  int users = 40;
  // Attack kinds (attack_kinds()), their expected rule or policy ids, "all" or "none".
  std::vector<std::string> attacks = {"all"};
  uint64_t seed = 1;
  std::string start = "2026-09-01";  // first simulated day (UTC)
  std::string out_dir;
  int instances = 0;  // per attack kind; 0: one per 8 days after the learning week, at least 3
  int compression_level = 3;
  // CloudTrail delivers a file per account and region about every 5 minutes; benchmarks may ask
  // for fewer, larger files.
  int file_minutes = 5;
};

struct AttackKind {
  std::string name;                   // "impossible_travel"
  std::string category;               // "anomaly" or "rule"
  std::vector<std::string> expected;  // policy or rule ids that must fire
};
const std::vector<AttackKind>& attack_kinds();

struct SimSummary {
  uint64_t events = 0;
  uint64_t attack_events = 0;
  uint64_t files = 0;
  uint64_t bytes = 0;  // compressed
  uint64_t attacks = 0;
  uint64_t identities = 0;
  uint64_t identity_days = 0;         // benign (identity key, UTC day) pairs
  uint64_t person_identity_days = 0;  // of people (IAM and Identity Center users)
  double seconds = 0;
};

Result<SimSummary> simulate(const SimOptions& options);

}  // namespace trailwarden::sim
