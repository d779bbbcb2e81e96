// The simulated organisation: accounts, people, workloads and their identities (userIdentity
// objects and the catalogue's identity keys, detection-catalog.md §4.3).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/geo.h"
#include "sim/rng.h"

namespace trailwarden::sim {

struct Account {
  std::string id;
  std::string name;
  std::vector<std::string> regions;  // where it runs things; regions[0] is the primary
  std::vector<std::string> buckets;
  std::string vpc_endpoint;
};

enum class Profile : uint8_t { kDeveloper, kOps, kData, kViewer };

// What a person does on one day.
enum class DayKind : uint8_t { kWork, kOff, kTransit, kTrip };

struct Person {
  int index = 0;
  std::string first, last, user, email;
  int account = 0;
  bool iam_user = false;  // else an Identity Center user (AWSReservedSSO_<set>_<hex> role)
  std::string permission_set;
  std::string role_name;     // AWSReservedSSO_...
  std::string role_id;       // AROA...
  std::string principal_id;  // AIDA... (IAM users)
  std::string access_key;    // AKIA... (IAM users: their long-lived key)
  std::string arn;           // IAM user ARN, or the issuer role ARN
  std::string key;           // identity key (catalog §4.3)
  Profile profile = Profile::kDeveloper;
  double console_share = 0.5;
  double intensity = 1.0;       // events per minute multiplier
  int start_min = 8 * 60 + 30;  // usual local start of work
  int home_city = 0;
  std::vector<int> home_blocks;  // residential /24s of the home ISP in the home city
  int v6_block = -1;
  int office_block = -1;  // -1: works from home only
  int mobile_block = -1;
  std::string browser;
  std::string cli_agent;
  // Off-boarding: last working day and the time HR recorded (terminated_users.csv).
  int leave_day = -1;
  int64_t terminated_at = 0;
  std::vector<DayKind> plan;
  std::vector<int> trip_city;       // per day, for kTrip
  std::vector<uint8_t> force_home;  // per day: an attack needs the person at home
};

// userIdentity objects.
std::string ui_iam_user(const Person& p, const Account& a, const std::string& key_id, bool console,
                        int64_t session_start);
std::string ui_assumed_role(const Account& a, const std::string& role_path,
                            const std::string& role_name, const std::string& role_id,
                            const std::string& session, const std::string& key_id,
                            int64_t session_start, const std::string& extra_context = {},
                            const std::string& invoked_by = {});
std::string ui_sso(const Person& p, const Account& a, const std::string& key_id,
                   int64_t session_start);

}  // namespace trailwarden::sim
