#include "sim/simulator.h"

#include <fmt/format.h>
#include <libdeflate.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unordered_set>

#include "core/clock.h"
#include "core/text.h"
#include "core/time.h"
#include "enrich/mmdb_writer.h"
#include "sim/geo.h"
#include "sim/org.h"
#include "sim/record.h"
#include "sim/rng.h"

namespace trailwarden::sim {
namespace fs = std::filesystem;

const std::vector<AttackKind>& attack_kinds() {
  static const std::vector<AttackKind> kinds = {
      {"anonymous_ip", "anomaly", {"aws.anomaly.anonymous_ip_activity"}},
      {"infrequent_country", "anomaly", {"aws.anomaly.infrequent_country"}},
      {"suspicious_ip", "anomaly", {"aws.anomaly.suspicious_ip_activity"}},
      {"impossible_travel", "anomaly", {"aws.anomaly.impossible_travel"}},
      {"terminated_user", "anomaly", {"aws.anomaly.terminated_user_activity"}},
      {"failed_logins", "anomaly", {"aws.anomaly.multiple_failed_logins"}},
      {"admin_activity", "anomaly", {"aws.anomaly.unusual_admin_activity"}},
      {"storage_deletion", "anomaly", {"aws.anomaly.unusual_storage_deletion"}},
      {"vm_deletion", "anomaly", {"aws.anomaly.multiple_vm_deletion"}},
      {"vm_creation", "anomaly", {"aws.anomaly.unusual_vm_creation"}},
      {"unusual_region", "anomaly", {"aws.anomaly.unusual_region_resource"}},
      {"stop_logging",
       "rule",
       {"aws.defense_evasion.cloudtrail_tampering", "aws.defense_evasion.trail_logging_change"}},
      {"public_bucket_policy", "rule", {"aws.exfiltration.s3_bucket_policy_public"}},
      {"access_key_other_user", "rule", {"aws.persistence.access_key_created"}},
  };
  return kinds;
}

namespace {

constexpr int64_t kDay = 86400;
constexpr int kLearningDays = 7;

const char* const kFirstNames[] = {
    "alice",   "bob",    "carol", "david", "erin",    "frank",  "grace", "heidi",
    "ivan",    "judy",   "karl",  "laura", "mallory", "nina",   "oscar", "peggy",
    "quentin", "rupert", "sybil", "trent", "ursula",  "victor", "wendy", "xavier",
    "yvonne",  "zach",   "amara", "bjorn", "chen",    "dara",   "elif",  "farid",
    "greta",   "hiro",   "ines",  "jonas", "kemal",   "lena",   "mateo", "noor"};
const char* const kLastNames[] = {
    "smith",    "mueller",  "jones",    "schmidt", "brown",  "fischer", "taylor", "weber",
    "wilson",   "meyer",    "davies",   "wagner",  "evans",  "becker",  "thomas", "hoffmann",
    "johnson",  "schulz",   "roberts",  "koch",    "walker", "richter", "wright", "klein",
    "robinson", "wolf",     "thompson", "neumann", "white",  "schwarz", "hughes", "braun",
    "edwards",  "hartmann", "green",    "lange"};

const char* const kBrowsers[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 "
    "Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0"};
const char* const kCliAgents[] = {
    "aws-cli/2.18.4 md/awscrt#0.22.0 ua/2.0 os/macos#23.6.0 md/arch#arm64 lang/python#3.12.6 "
    "md/pyimpl#CPython",
    "aws-cli/2.17.50 md/awscrt#0.21.5 ua/2.0 os/linux#6.8.0-45-generic md/arch#x86_64 "
    "lang/python#3.11.9 md/pyimpl#CPython",
    "aws-cli/2.18.1 md/awscrt#0.21.5 ua/2.0 os/windows#10 md/arch#amd64 lang/python#3.12.6 "
    "md/pyimpl#CPython",
    "Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/macos#23.6.0 md/arch#arm64 lang/python#3.12.7 "
    "md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.36",
    "aws-sdk-go-v2/1.32.2 ua/2.1 os/linux lang/go#1.23.2 md/GOOS#linux md/GOARCH#amd64 "
    "api/ec2#1.182.0 terraform-provider-aws/5.72.1"};
const char* const kAttackerAgents[] = {
    "aws-cli/2.13.25 Python/3.11.5 Linux/6.5.0-kali3-amd64 exe/x86_64.kali.2023 prompt/off",
    "Boto3/1.28.62 Python/3.11.6 Linux/6.1.0-13-amd64 Botocore/1.31.62", "python-requests/2.31.0",
    "aws-cli/1.29.62 Python/3.10.12 Linux/5.15.0-88-generic botocore/1.31.62"};
constexpr const char* kLambdaAgent =
    "Boto3/1.34.145 md/Botocore#1.34.145 ua/2.0 os/linux#5.10.226-235.879.amzn2.x86_64 "
    "md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 "
    "cfg/retry-mode#legacy Botocore/1.34.145";
constexpr const char* kAppAgent =
    "aws-sdk-java/2.28.16 Linux/6.1.109-118.189.amzn2023.x86_64 OpenJDK_64-Bit_Server_VM/"
    "21.0.4+7-LTS Java/21.0.4 vendor/Amazon.com_Inc. md/io#sync md/http#Apache ua/2.1 "
    "exec-env/AWS_ECS_EC2";
constexpr const char* kCiAgent =
    "aws-cli/2.18.4 md/awscrt#0.22.0 ua/2.0 os/linux#6.5.0-1025-azure md/arch#x86_64 "
    "lang/python#3.12.6 md/pyimpl#CPython";

const char* const kUsualRegionChoices[] = {"us-east-1", "us-east-2", "us-west-2", "eu-west-1",
                                           "eu-central-1"};
// Regions no account of the organisation uses: where unusual-region attacks go.
const char* const kUnusedRegions[] = {
    "ap-southeast-1", "ap-northeast-1", "sa-east-1",      "ap-south-1",
    "ca-central-1",   "ap-southeast-2", "eu-north-1",     "me-south-1",
    "af-south-1",     "ap-northeast-2", "eu-west-3",      "us-west-1",
    "ap-east-1",      "eu-south-1",     "ap-southeast-3", "il-central-1"};

// The regions the writer knows (index = region id in file grouping).
const std::vector<std::string>& all_regions() {
  static const std::vector<std::string> r = [] {
    std::vector<std::string> v(std::begin(kUsualRegionChoices), std::end(kUsualRegionChoices));
    v.insert(v.end(), std::begin(kUnusedRegions), std::end(kUnusedRegions));
    v.push_back("eu-west-2");
    return v;
  }();
  return r;
}
int region_id(std::string_view name) {
  const auto& r = all_regions();
  for (size_t i = 0; i < r.size(); ++i)
    if (r[i] == name) return static_cast<int>(i);
  return 0;
}

// FNV-1a: a string hash that is the same with every standard library.
uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

std::string kebab(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= '0' && c <= '9') break;  // Lambda's version suffixes
    if (c >= 'A' && c <= 'Z') {
      if (i > 0) out += '-';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

struct Out {
  int64_t time;
  uint32_t group;  // account index * 64 + region id
  std::string json;
};

struct Attack {
  int id = 0;
  const AttackKind* kind = nullptr;
  int day = 0;
  int person = -1;
  int variant = 0;
  std::string identity;
  std::string identity_arn;
  std::string account;
  std::vector<std::string> event_ids;
  std::vector<std::string> ips;
  int64_t start = 0, end = 0;
  std::string detail;
};

// A workload identity: Lambda function, EC2 instance role session, the CI role.
struct Workload {
  int account = 0;
  std::string kind;  // lambda | instance | ci
  std::string name;  // function name / instance id / "GitHubActions"
  std::string role_name, role_id;
  std::string role_path = "service-role/";
  std::string region;
  std::string ip;   // egress address (lambda, instance)
  std::string key;  // identity key
};

class Generator {
 public:
  Generator(const SimOptions& o) : o_(o), rng_(Rng::derive(o.seed, 1)) {}
  Result<SimSummary> run();

 private:
  // --- building the organisation ---
  Status parse_options();
  void build_accounts();
  void build_people();
  void build_workloads();
  void plan_days();
  void schedule_attacks();
  // --- one day ---
  void person_day(Person& p, int day);
  void person_session(Person& p, int64_t start, int64_t end, const std::string& ip, bool console,
                      int day);
  void workloads_day(int account, int day);
  void ci_day(const Workload& w, int day);
  void lambda_day(const Workload& w, int day);
  void instance_day(const Workload& w, int day);
  void autoscaling_day(int account, int day);
  void attack(Attack& a);
  // --- emitting ---
  void emit(Ev& ev, int account, const std::string* identity_key, bool person,
            Attack* attack = nullptr);
  Status flush_day();
  Status write_lists();
  Status write_geoip();
  Status write_labels();
  Status write_manifest(const SimSummary& s);

  // Helpers
  int64_t day_start(int day) const { return start_ + day * kDay; }
  int64_t local_to_utc(int day, int minute_of_day, int city) const {
    return day_start(day) + minute_of_day * 60 - world_.cities()[city].utc_offset_min * 60;
  }
  bool weekend(int day) const {
    int64_t d = start_ / kDay + day;         // 1970-01-01 was a Thursday
    int wd = static_cast<int>((d + 3) % 7);  // 0 = Monday
    return wd >= 5;
  }
  std::string asia() { return "ASIA" + rng_.upper_alnum(16); }
  std::string instance_id(Rng& r) { return "i-0" + r.hex(16); }
  std::string json_str(std::string_view s) { return json_string(s); }

  // Benign call sets.
  void read_burst(Person& p, Ev& base, int account, int& n);
  void write_burst(Person& p, Ev& base, int account, struct SessionCaps& caps);

  const SimOptions& o_;
  Rng rng_;
  World world_;
  int64_t start_ = 0;
  std::vector<const AttackKind*> kinds_;
  int instances_ = 0;
  std::vector<Account> accounts_;
  std::vector<Person> people_;
  std::vector<Workload> workloads_;
  std::vector<Attack> attacks_;
  std::vector<Out> out_;
  std::unordered_set<std::string> day_identities_, day_people_;
  std::set<std::string> all_identities_;
  std::vector<int64_t> last_located_;  // per person: last benign located event today
  int current_day_ = 0;
  SimSummary summary_;
  std::set<std::string> made_dirs_;
  libdeflate_compressor* compressor_ = nullptr;
  std::string org_domain_ = "example.com";
  std::string attack_ui_;
  int64_t last_emit_time_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Organisation

Status Generator::parse_options() {
  if (o_.days < 1 || o_.days > 3650)
    return make_error(ErrorCode::kInvalidArgument, "--days must be 1..3650");
  if (o_.accounts < 1 || o_.accounts > 50)
    return make_error(ErrorCode::kInvalidArgument, "--accounts must be 1..50");
  if (o_.users < 4 || o_.users > 1000)
    return make_error(ErrorCode::kInvalidArgument, "--users must be 4..1000");
  if (o_.out_dir.empty()) return make_error(ErrorCode::kInvalidArgument, "no output directory");
  if (o_.file_minutes < 1 || o_.file_minutes > 1440)
    return make_error(ErrorCode::kInvalidArgument, "--file-minutes must be 1..1440");
  auto t = parse_iso8601_micros(o_.start + "T00:00:00Z");
  if (!t)
    return make_error(ErrorCode::kInvalidArgument, "--start: not a date (YYYY-MM-DD)", o_.start);
  start_ = *t / 1'000'000;
  for (const auto& a : o_.attacks) {
    if (a == "none") continue;
    bool found = false;
    for (const auto& k : attack_kinds()) {
      bool match = a == "all" || a == k.name ||
                   std::find(k.expected.begin(), k.expected.end(), a) != k.expected.end();
      if (match) {
        found = true;
        if (std::find(kinds_.begin(), kinds_.end(), &k) == kinds_.end()) kinds_.push_back(&k);
      }
    }
    if (!found) return make_error(ErrorCode::kInvalidArgument, "--attacks: unknown attack kind", a);
  }
  std::sort(kinds_.begin(), kinds_.end(), [](const AttackKind* x, const AttackKind* y) {
    return x - &attack_kinds()[0] < y - &attack_kinds()[0];
  });
  int after = o_.days - kLearningDays - 2;
  if (!kinds_.empty() && after < 1)
    return make_error(ErrorCode::kInvalidArgument,
                      "attacks need at least 10 days (a learning week comes first)");
  instances_ = o_.instances > 0 ? o_.instances : std::max(3, after / 8);
  return {};
}

void Generator::build_accounts() {
  Rng r = Rng::derive(o_.seed, 2);
  static const char* const kNames[] = {"prod",    "staging",  "data", "shared-services",
                                       "sandbox", "security", "dev",  "analytics"};
  std::set<std::string> ids;
  for (int i = 0; i < o_.accounts; ++i) {
    Account a;
    do a.id = std::to_string(100000000000ULL + r.below(899999999999ULL));
    while (!ids.insert(a.id).second);
    a.name = i < 8 ? kNames[i] : fmt::format("workload-{}", i);
    if (i == 0)
      a.regions = {"us-east-1", "us-west-2"};
    else if (i == 1)
      a.regions = {"us-east-1"};
    else if (i == 2)
      a.regions = {"eu-central-1", "eu-west-1"};
    else {
      a.regions.push_back(kUsualRegionChoices[r.below(5)]);
      if (r.chance(0.5)) {
        std::string second = kUsualRegionChoices[r.below(5)];
        if (second != a.regions[0]) a.regions.push_back(second);
      }
    }
    for (const char* purpose : {"app-data", "artifacts", "logs", "reports", "backups"})
      a.buckets.push_back(fmt::format("examplecorp-{}-{}-{}", a.name, purpose, a.id.substr(8)));
    a.vpc_endpoint = "vpce-0" + r.hex(16);
    accounts_.push_back(std::move(a));
  }
}

void Generator::build_people() {
  Rng r = Rng::derive(o_.seed, 3);
  // Homes: 45 % United States, 35 % Germany, 20 % United Kingdom; offices in New York, San
  // Francisco, Berlin and London.
  struct Home {
    const char* city;
    const char* country;
    double weight;
    const char* office;  // office block label, or nullptr
  };
  static const Home kHomes[] = {{"New York", "US", 14, "office-new-york"},
                                {"San Francisco", "US", 11, "office-san-francisco"},
                                {"Chicago", "US", 5, nullptr},
                                {"Austin", "US", 5, nullptr},
                                {"Seattle", "US", 5, nullptr},
                                {"Boston", "US", 5, nullptr},
                                {"Berlin", "DE", 16, "office-berlin"},
                                {"Munich", "DE", 7, nullptr},
                                {"Hamburg", "DE", 6, nullptr},
                                {"Cologne", "DE", 6, nullptr},
                                {"London", "GB", 11, "office-london"},
                                {"Manchester", "GB", 4, nullptr},
                                {"Edinburgh", "GB", 3, nullptr},
                                {"Bristol", "GB", 2, nullptr}};
  std::vector<double> weights;
  for (const auto& h : kHomes) weights.push_back(h.weight);
  std::set<std::string> names;
  std::map<std::string, std::string> permission_set_roles;  // account/set -> role name
  for (int i = 0; i < o_.users; ++i) {
    Person p;
    p.index = i;
    do {
      p.first = kFirstNames[r.below(std::size(kFirstNames))];
      p.last = kLastNames[r.below(std::size(kLastNames))];
      p.user = p.first + "." + p.last;
    } while (!names.insert(p.user).second);
    p.email = p.user + "@" + org_domain_;
    // Countries in fixed proportions (9 US, 7 DE, 4 GB in every 20 people), so that each stays
    // above 20 % of the organisation whatever the seed; the city by weight inside the country.
    static const char kPattern[] = "UDUGDUDUGUDUDUGDUDGU";
    const char* country = kPattern[i % 20] == 'U' ? "US" : kPattern[i % 20] == 'D' ? "DE" : "GB";
    std::vector<double> w = weights;
    for (size_t k = 0; k < w.size(); ++k)
      if (std::string_view(kHomes[k].country) != country) w[k] = 0;
    const Home& h = kHomes[r.weighted(w)];
    p.home_city = world_.city(h.city);
    // Profiles: ~15 % operations (administrators), 15 % data, 10 % read-only, the rest developers.
    double x = r.real();
    p.profile = x < 0.15   ? Profile::kOps
                : x < 0.30 ? Profile::kData
                : x < 0.40 ? Profile::kViewer
                           : Profile::kDeveloper;
    // Accounts: people work in one account (the first ones spread over all accounts).
    p.account = i < o_.accounts ? i : static_cast<int>(r.below(accounts_.size()));
    p.iam_user = (i % 10) < 3;  // 30 % legacy IAM users, the rest Identity Center
    const Account& a = accounts_[p.account];
    if (p.iam_user) {
      p.principal_id = "AIDA" + r.upper_alnum(17);
      p.access_key = "AKIA" + r.upper_alnum(16);
      p.arn = "arn:aws:iam::" + a.id + ":user/" + p.user;
      p.key = p.arn;
      p.console_share = 0.4 + 0.4 * r.real();
    } else {
      static const char* const kSets[] = {"Developer", "AdministratorAccess", "DataEngineer",
                                          "ReadOnly"};
      p.permission_set = kSets[static_cast<int>(p.profile)];
      std::string& role = permission_set_roles[a.id + "/" + p.permission_set];
      if (role.empty()) role = "AWSReservedSSO_" + p.permission_set + "_" + r.hex(16);
      p.role_name = role;
      p.role_id = "AROA" + Rng::derive(o_.seed, 77, fnv1a(role)).upper_alnum(17);
      p.arn = "arn:aws:iam::" + a.id + ":role/aws-reserved/sso.amazonaws.com/" + p.role_name;
      p.key = p.arn + "/" + p.email;
      p.console_share = 0.3 + 0.6 * r.real();
    }
    p.intensity = 0.6 + 0.8 * r.real();
    p.start_min = static_cast<int>(r.range(7 * 60 + 30, 10 * 60));
    p.browser = kBrowsers[r.below(std::size(kBrowsers))];
    p.cli_agent = kCliAgents[r.below(std::size(kCliAgents))];
    // Home ISP: one of the country's residential ISPs; 2-3 of its /24s in the city.
    auto home = world_.blocks_of(NetKind::kResidential, p.home_city);
    std::vector<int> v4, v6;
    for (int b : home) (world_.blocks()[b].base.version == 4 ? v4 : v6).push_back(b);
    uint32_t isp = world_.blocks()[v4[r.below(v4.size())]].asn;
    for (int b : v4)
      if (world_.blocks()[b].asn == isp && (p.home_blocks.size() < 3) && r.chance(0.5))
        p.home_blocks.push_back(b);
    if (p.home_blocks.empty())
      for (int b : v4)
        if (world_.blocks()[b].asn == isp) {
          p.home_blocks.push_back(b);
          break;
        }
    for (int b : v6)
      if (world_.blocks()[b].asn == isp && r.chance(0.4)) p.v6_block = b;
    if (h.office != nullptr && r.chance(0.8)) {
      for (int b : world_.blocks_of(NetKind::kOffice))
        if (world_.blocks()[b].label == h.office) p.office_block = b;
    }
    auto mobile = world_.blocks_of(NetKind::kMobile, -1, h.country);
    if (!mobile.empty()) p.mobile_block = mobile[0];
    people_.push_back(std::move(p));
  }
}

void Generator::build_workloads() {
  Rng r = Rng::derive(o_.seed, 4);
  for (size_t ai = 0; ai < accounts_.size(); ++ai) {
    const Account& a = accounts_[ai];
    auto aws_block = [&](const std::string& region) {
      for (int b : world_.blocks_of(NetKind::kAws))
        if (world_.blocks()[b].label == region) return b;
      return world_.blocks_of(NetKind::kAws)[0];
    };
    for (const char* fn : {"snapshot-janitor", "report-exporter", "order-sync"}) {
      Workload w;
      w.account = static_cast<int>(ai);
      w.kind = "lambda";
      w.name = fn;
      w.role_name = std::string(fn) + "-role-" + r.alnum(8);
      w.role_id = "AROA" + r.upper_alnum(17);
      w.region = a.regions[0];
      w.ip = world_.address(aws_block(w.region), r);
      w.key = "arn:aws:iam::" + a.id + ":role/" + w.role_path + w.role_name + "/" + w.name;
      workloads_.push_back(w);
    }
    std::string app_role_id = "AROA" + r.upper_alnum(17);
    for (int k = 0; k < 3; ++k) {
      Workload w;
      w.account = static_cast<int>(ai);
      w.kind = "instance";
      w.name = instance_id(r);
      w.role_name = "app-server";
      w.role_path = "";
      w.role_id = app_role_id;
      w.region = a.regions[static_cast<size_t>(k) % a.regions.size()];
      w.ip = world_.address(aws_block(w.region), r);
      w.key = "arn:aws:iam::" + a.id + ":role/" + w.role_name + "/" + w.name;
      workloads_.push_back(w);
    }
    Workload ci;
    ci.account = static_cast<int>(ai);
    ci.kind = "ci";
    ci.name = "GitHubActions";
    ci.role_name = "github-actions-deploy";
    ci.role_path = "";
    ci.role_id = "AROA" + r.upper_alnum(17);
    ci.region = a.regions[0];
    ci.key = "arn:aws:iam::" + a.id + ":role/" + ci.role_name + "/" + ci.name;
    workloads_.push_back(ci);
  }
}

// Vacations, business trips (to an office city in the US or Germany, the organisation's big
// countries, with a day of travel on each side), leavers.
void Generator::plan_days() {
  static const char* const kTripCities[] = {"New York", "San Francisco", "Berlin"};
  for (auto& p : people_) {
    Rng r = Rng::derive(o_.seed, 5, static_cast<uint64_t>(p.index));
    p.plan.assign(o_.days, DayKind::kWork);
    p.trip_city.assign(o_.days, -1);
    p.force_home.assign(o_.days, 0);
    for (int d = 0; d < o_.days; ++d)
      if (weekend(d)) p.plan[d] = DayKind::kOff;
    // A week of vacation, sometimes.
    if (o_.days >= 20 && r.chance(0.35)) {
      int s = static_cast<int>(r.range(3, o_.days - 6));
      for (int d = s; d < s + 5; ++d) p.plan[d] = DayKind::kOff;
    }
    // Trips, after the learning period.
    int trips = o_.days >= 20 ? static_cast<int>(r.below(3)) : 0;
    for (int t = 0; t < trips; ++t) {
      int s =
          static_cast<int>(r.range(kLearningDays + 3, std::max(kLearningDays + 3, o_.days - 6)));
      int len = static_cast<int>(r.range(2, 4));
      if (s + len + 1 >= o_.days) continue;
      bool clash = false;
      for (int d = s - 1; d <= s + len + 1; ++d)
        if (d < 0 || p.plan[d] == DayKind::kTrip || p.plan[d] == DayKind::kTransit) clash = true;
      if (clash) continue;
      int dest = -1;
      for (int tries = 0; tries < 5 && dest < 0; ++tries) {
        int c = world_.city(kTripCities[r.below(3)]);
        if (c != p.home_city) dest = c;
      }
      if (dest < 0) continue;
      p.plan[s - 1] = DayKind::kTransit;
      for (int d = s; d < s + len; ++d) {
        p.plan[d] = DayKind::kTrip;
        p.trip_city[d] = dest;
      }
      p.plan[s + len] = DayKind::kTransit;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Emitting

void Generator::emit(Ev& ev, int account, const std::string* identity_key, bool person,
                     Attack* attack) {
  Out o;
  o.time = ev.time;
  o.group = static_cast<uint32_t>(account * 64 + region_id(ev.region));
  std::string id;
  append_record(o.json, ev, rng_, id);
  out_.push_back(std::move(o));
  ++summary_.events;
  last_emit_time_ = ev.time;
  if (attack != nullptr) {
    ++summary_.attack_events;
    attack->event_ids.push_back(id);
    if (attack->start == 0 || ev.time < attack->start) attack->start = ev.time;
    attack->end = std::max(attack->end, ev.time);
    if (std::find(attack->ips.begin(), attack->ips.end(), ev.source_ip) == attack->ips.end())
      attack->ips.emplace_back(ev.source_ip);
    return;
  }
  if (identity_key != nullptr) {
    int64_t day = ev.time / kDay;
    std::string k = *identity_key;
    k += '\n';
    k += std::to_string(day);
    if (day_identities_.insert(k).second) {
      ++summary_.identity_days;
      if (person) ++summary_.person_identity_days;
    }
    all_identities_.insert(*identity_key);
  }
}

// ---------------------------------------------------------------------------------------------
// Benign people

// $B bucket, $R region, $A account, $F function, $K object key, $I instance, $S stack.
struct Vars {
  std::string_view bucket, region, account, function, key, instance, stack;
};
std::string_view var(char name, const Vars& v) {
  switch (name) {
    case 'B':
      return v.bucket;
    case 'R':
      return v.region;
    case 'A':
      return v.account;
    case 'F':
      return v.function;
    case 'K':
      return v.key;
    case 'I':
      return v.instance;
    case 'S':
      return v.stack;
    default:
      return {};
  }
}
std::string fill(std::string_view tpl, const Vars& v) {
  std::string out;
  out.reserve(tpl.size() + 64);
  for (size_t i = 0; i < tpl.size(); ++i) {
    if (tpl[i] == '$' && i + 1 < tpl.size() &&
        std::string_view("BRAFKIS").find(tpl[i + 1]) != std::string_view::npos) {
      out += var(tpl[i + 1], v);
      ++i;
      continue;
    }
    out += tpl[i];
  }
  return out;
}

struct Call {
  const char* source;
  const char* name;
  const char* request;  // template
  bool global = false;  // recorded in us-east-1
  bool data = false;    // an S3 data event (resources: object and bucket)
};

// Read-only calls, by service group.
const std::vector<std::vector<Call>>& read_groups() {
  static const std::vector<std::vector<Call>> g = {
      // 0 ec2
      {{"ec2.amazonaws.com", "DescribeInstances", R"({"instancesSet":{},"filterSet":{}})"},
       {"ec2.amazonaws.com", "DescribeSecurityGroups",
        R"({"securityGroupSet":{},"securityGroupIdSet":{},"filterSet":{}})"},
       {"ec2.amazonaws.com", "DescribeVolumes", R"({"volumeSet":{},"filterSet":{}})"},
       {"ec2.amazonaws.com", "DescribeInstanceStatus",
        R"({"instancesSet":{},"filterSet":{},"includeAllInstances":false})"},
       {"ec2.amazonaws.com", "DescribeVpcs", R"({"vpcSet":{},"filterSet":{}})"},
       {"ec2.amazonaws.com", "DescribeSubnets", R"({"subnetSet":{},"filterSet":{}})"},
       {"ec2.amazonaws.com", "DescribeSnapshots",
        R"({"snapshotSet":{},"ownersSet":{"items":[{"owner":"self"}]},"restorableBySet":{},"filterSet":{}})"}},
      // 1 s3 (management reads)
      {{"s3.amazonaws.com", "ListBuckets", R"({"Host":"s3.amazonaws.com"})", true},
       {"s3.amazonaws.com", "GetBucketLocation",
        R"({"bucketName":"$B","Host":"$B.s3.amazonaws.com","location":""})"},
       {"s3.amazonaws.com", "GetBucketPolicyStatus",
        R"({"bucketName":"$B","Host":"$B.s3.$R.amazonaws.com","policyStatus":""})"},
       {"s3.amazonaws.com", "GetBucketAcl",
        R"({"bucketName":"$B","Host":"$B.s3.$R.amazonaws.com","acl":""})"},
       {"s3.amazonaws.com", "GetBucketVersioning",
        R"({"bucketName":"$B","Host":"$B.s3.$R.amazonaws.com","versioning":""})"}},
      // 2 iam
      {{"iam.amazonaws.com", "ListUsers", "null", true},
       {"iam.amazonaws.com", "ListRoles", "null", true},
       {"iam.amazonaws.com", "GetRole", R"({"roleName":"app-server"})", true},
       {"iam.amazonaws.com", "ListAttachedRolePolicies", R"({"roleName":"app-server"})", true},
       {"iam.amazonaws.com", "GetAccountSummary", "null", true},
       {"iam.amazonaws.com", "ListPolicies", R"({"scope":"Local","onlyAttached":false})", true}},
      // 3 lambda
      {{"lambda.amazonaws.com", "ListFunctions20150331", "null"},
       {"lambda.amazonaws.com", "GetFunction20150331v2", R"({"functionName":"$F"})"},
       {"lambda.amazonaws.com", "GetPolicy20150331v2", R"({"functionName":"$F"})"}},
      // 4 logs
      {{"logs.amazonaws.com", "DescribeLogGroups", R"({"limit":50})"},
       {"logs.amazonaws.com", "DescribeLogStreams",
        R"({"logGroupName":"/aws/lambda/$F","orderBy":"LastEventTime","descending":true})"},
       {"logs.amazonaws.com", "FilterLogEvents",
        R"({"logGroupName":"/aws/lambda/$F","limit":100,"interleaved":true})"}},
      // 5 cloudwatch
      {{"monitoring.amazonaws.com", "DescribeAlarms", R"({"maxRecords":100})"},
       {"monitoring.amazonaws.com", "GetMetricData",
        R"({"maxDatapoints":1440,"scanBy":"TimestampDescending"})"},
       {"monitoring.amazonaws.com", "ListDashboards", "null"}},
      // 6 cloudformation
      {{"cloudformation.amazonaws.com", "DescribeStacks", R"({"stackName":"$S"})"},
       {"cloudformation.amazonaws.com", "ListStacks",
        R"({"stackStatusFilter":["CREATE_COMPLETE","UPDATE_COMPLETE"]})"},
       {"cloudformation.amazonaws.com", "DescribeStackEvents", R"({"stackName":"$S"})"},
       {"cloudformation.amazonaws.com", "GetTemplate", R"({"stackName":"$S"})"}},
      // 7 rds
      {{"rds.amazonaws.com", "DescribeDBInstances", "null"},
       {"rds.amazonaws.com", "DescribeDBClusters", R"({"includeShared":false})"},
       {"rds.amazonaws.com", "DescribeDBSnapshots", R"({"dBInstanceIdentifier":"orders-db"})"}},
      // 8 dynamodb
      {{"dynamodb.amazonaws.com", "ListTables", "null"},
       {"dynamodb.amazonaws.com", "DescribeTable", R"({"tableName":"orders"})"},
       {"dynamodb.amazonaws.com", "DescribeContinuousBackups", R"({"tableName":"orders"})"}},
      // 9 ssm / ecr / eks
      {{"ssm.amazonaws.com", "DescribeParameters", R"({"maxResults":50})"},
       {"ssm.amazonaws.com", "GetParameter",
        R"({"name":"/app/config/db_host","withDecryption":false})"},
       {"ecr.amazonaws.com", "DescribeRepositories", R"({"maxResults":100})"},
       {"eks.amazonaws.com", "ListClusters", "null"}},
      // 10 security services (operations)
      {{"cloudtrail.amazonaws.com", "LookupEvents", R"({"maxResults":50})"},
       {"cloudtrail.amazonaws.com", "DescribeTrails", R"({"includeShadowTrails":true})"},
       {"guardduty.amazonaws.com", "ListDetectors", "null"},
       {"securityhub.amazonaws.com", "GetFindings", R"({"maxResults":100})"},
       {"kms.amazonaws.com", "ListKeys", R"({"limit":100})"},
       {"kms.amazonaws.com", "ListAliases", "null"}},
      // 11 s3 data reads
      {{"s3.amazonaws.com", "GetObject",
        R"({"bucketName":"$B","Host":"$B.s3.$R.amazonaws.com","key":"$K"})", false, true},
       {"s3.amazonaws.com", "ListObjects",
        R"({"bucketName":"$B","Host":"$B.s3.$R.amazonaws.com","list-type":"2","prefix":"reports/","delimiter":"/"})",
        false, true},
       {"s3.amazonaws.com", "HeadObject",
        R"({"bucketName":"$B","Host":"$B.s3.$R.amazonaws.com","key":"$K"})", false, true}},
      // 12 sts
      {{"sts.amazonaws.com", "GetCallerIdentity", "null"}},
  };
  return g;
}

// Read group weights per profile (index = Profile).
const std::vector<double>& read_weights(Profile p) {
  static const std::vector<double> dev = {3, 2, 0.5, 3, 3, 2, 2, 0.5, 1, 1.5, 0, 1, 0.5};
  static const std::vector<double> ops = {4, 2, 3, 0.5, 1, 2, 1.5, 1, 0.5, 1, 2.5, 0.5, 0.5};
  static const std::vector<double> data = {0.5, 3, 0, 0.5, 1, 1, 0.5, 2, 2, 0.5, 0, 4, 0.5};
  static const std::vector<double> viewer = {2, 2, 0, 0.5, 0.5, 3, 1, 0.5, 0.5, 0, 0, 0.5, 0};
  switch (p) {
    case Profile::kOps:
      return ops;
    case Profile::kData:
      return data;
    case Profile::kViewer:
      return viewer;
    default:
      return dev;
  }
}

const char* const kFunctions[] = {"snapshot-janitor", "report-exporter", "order-sync",
                                  "image-resizer", "billing-webhook"};
const char* const kStacks[] = {"platform-core", "orders-service", "reporting", "network-base"};
const char* const kInstanceTypes[] = {"t3.medium", "t3.large", "m6i.large", "c6i.xlarge"};

std::string object_key(Rng& r) {
  static const char* const kPrefixes[] = {"reports/2026/", "exports/daily/", "uploads/",
                                          "invoices/", "tmp/"};
  return std::string(kPrefixes[r.below(5)]) + r.hex(12) + (r.chance(0.5) ? ".csv" : ".json");
}

std::string s3_resources(std::string_view account, std::string_view bucket, std::string_view key) {
  std::string s = "[{\"type\":\"AWS::S3::Object\",\"ARN\":\"arn:aws:s3:::";
  s += bucket;
  s += '/';
  s += key;
  s += "\"},{\"accountId\":\"";
  s += account;
  s += "\",\"type\":\"AWS::S3::Bucket\",\"ARN\":\"arn:aws:s3:::";
  s += bucket;
  s += "\"}]";
  return s;
}

// RunInstances with `n` instances; fills request and response and returns the instance ids.
std::vector<std::string> run_instances(Rng& r, int n, std::string_view type,
                                       std::string_view account, std::string& rp, std::string& re) {
  std::string ami = "ami-0" + r.hex(16);
  rp = fmt::format(
      R"({{"instancesSet":{{"items":[{{"imageId":"{}","minCount":{},"maxCount":{}}}]}},"instanceType":"{}","blockDeviceMapping":{{}},"monitoring":{{"enabled":false}},"disableApiTermination":false,"disableApiStop":false,"clientToken":"{}","networkInterfaceSet":{{"items":[{{"deviceIndex":0,"subnetId":"subnet-0{}","associatePublicIpAddress":true}}]}}}})",
      ami, n, n, type, r.uuid(), r.hex(16));
  std::vector<std::string> ids;
  std::string items;
  for (int i = 0; i < n; ++i) {
    std::string id = "i-0" + r.hex(16);
    if (i) items += ',';
    items += fmt::format(
        R"({{"instanceId":"{}","imageId":"{}","currentInstanceBootMode":"uefi","instanceState":{{"code":0,"name":"pending"}},"privateDnsName":"ip-10-0-{}-{}.ec2.internal","amiLaunchIndex":{},"productCodes":{{}},"instanceType":"{}","launchTime":1700000000000,"placement":{{"availabilityZone":"us-east-1a","tenancy":"default"}},"monitoring":{{"state":"disabled"}},"subnetId":"subnet-0{}","privateIpAddress":"10.0.{}.{}","groupSet":{{"items":[{{"groupId":"sg-0{}","groupName":"default"}}]}},"architecture":"x86_64","rootDeviceType":"ebs","rootDeviceName":"/dev/xvda","blockDeviceMapping":{{}},"virtualizationType":"hvm","hypervisor":"xen","enaSupport":true}})",
        id, ami, r.below(256), r.below(256), i, type, r.hex(8), r.below(256), r.below(256),
        r.hex(8));
    ids.push_back(std::move(id));
  }
  re = fmt::format(
      R"({{"requestId":"{}","reservationId":"r-0{}","ownerId":"{}","groupSet":{{}},"instancesSet":{{"items":[{}]}}}})",
      r.uuid(), r.hex(16), account, items);
  return ids;
}

void terminate_instances(Rng& r, const std::vector<std::string>& ids, std::string& rp,
                         std::string& re) {
  std::string req, resp;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) req += ',', resp += ',';
    req += "{\"instanceId\":\"" + ids[i] + "\"}";
    resp += "{\"instanceId\":\"" + ids[i] +
            "\",\"currentState\":{\"code\":32,\"name\":\"shutting-down\"},"
            "\"previousState\":{\"code\":16,\"name\":\"running\"}}";
  }
  rp = "{\"instancesSet\":{\"items\":[" + req + "]}}";
  re = "{\"requestId\":\"" + r.uuid() + "\",\"instancesSet\":{\"items\":[" + resp + "]}}";
}

struct SessionCaps {
  int admin = 0, admin_max = 0;
  int vm_created = 0, vm_terminated = 0, storage = 0, objects = 0;
  std::vector<std::string> launched;  // instances this session launched (to terminate)
};

void Generator::person_day(Person& p, int day) {
  if (p.leave_day >= 0 && day > p.leave_day) return;
  DayKind kind = p.plan[day];
  const Account& a = accounts_[p.account];
  (void)a;
  if (kind == DayKind::kTransit) return;
  int city = kind == DayKind::kTrip ? p.trip_city[day] : p.home_city;
  // Home address: the ISP re-assigns it every ~10 days.
  uint64_t period = static_cast<uint64_t>(day / 10);
  int home_block = p.home_blocks[(period + p.index) % p.home_blocks.size()];
  uint64_t home_host = Rng::derive(o_.seed, 11, p.index, period).next();
  std::string home_ip = world_.address(home_block, home_host);
  std::string ip;
  bool located_ip = true;  // residential: counts as the person's location
  if (kind == DayKind::kOff) {
    // Weekend or vacation: now and then a short look from home (on call).
    bool on_call = p.profile != Profile::kViewer && rng_.chance(0.04);
    if (!on_call || p.leave_day == day) return;
    int s = static_cast<int>(rng_.range(11 * 60, 16 * 60));
    int64_t start = local_to_utc(day, s, city);
    person_session(p, start, start + rng_.range(15, 45) * 60, home_ip, false, day);
    last_located_[p.index] = 0;
    return;
  }
  if (kind == DayKind::kTrip) {
    // Hotel network in the destination city.
    auto blocks = world_.blocks_of(NetKind::kResidential, city);
    std::vector<int> v4;
    for (int b : blocks)
      if (world_.blocks()[b].base.version == 4) v4.push_back(b);
    Rng h = Rng::derive(o_.seed, 12, p.index, static_cast<uint64_t>(city) * 1000 + day / 7);
    ip = world_.address(v4[h.below(v4.size())], h.next());
  } else if (!p.force_home[day] && p.office_block >= 0 && !weekend(day) && rng_.chance(0.45)) {
    ip = world_.address(p.office_block, Rng::derive(o_.seed, 13, p.index).below(12));
    located_ip = false;  // trusted office egress
  } else if (!p.force_home[day] && rng_.chance(0.07)) {
    // The corporate VPN for the day.
    std::string label = world_.cities()[p.home_city].country == "US" ? "corporate-vpn-new-york"
                                                                     : "corporate-vpn-frankfurt";
    for (int b : world_.blocks_of(NetKind::kVpn))
      if (world_.blocks()[b].label == label) ip = world_.address(b, rng_);
    located_ip = false;
  } else if (p.v6_block >= 0 && rng_.chance(0.5)) {
    ip = world_.address(p.v6_block, Rng::derive(o_.seed, 14, p.index, period).next());
  } else {
    ip = home_ip;
  }
  int local_city = city;
  int t = p.start_min + static_cast<int>(rng_.range(-20, 40));
  int sessions = 1 + (rng_.chance(0.6) ? 1 : 0) + (rng_.chance(0.25) ? 1 : 0);
  int end_of_day = 19 * 60;
  if (p.leave_day == day) end_of_day = 17 * 60;  // the last day ends early
  for (int s = 0; s < sessions && t < end_of_day - 20; ++s) {
    int len = static_cast<int>(rng_.range(35, 150));
    int e = std::min(end_of_day, t + len);
    bool mobile = !p.force_home[day] && kind == DayKind::kWork && rng_.chance(0.04);
    std::string sip = mobile ? world_.address(p.mobile_block, rng_) : ip;
    bool console = rng_.chance(p.console_share);
    person_session(p, local_to_utc(day, t, local_city), local_to_utc(day, e, local_city), sip,
                   console, day);
    t = e + static_cast<int>(rng_.range(45, 120));
  }
  (void)located_ip;
}

void Generator::person_session(Person& p, int64_t start, int64_t end, const std::string& ip,
                               bool console, int day) {
  (void)day;
  const Account& a = accounts_[p.account];
  std::string key_id = (console || !p.iam_user) ? asia() : p.access_key;
  std::string ui =
      p.iam_user ? ui_iam_user(p, a, key_id, console, start) : ui_sso(p, a, key_id, start);
  Ev base;
  base.account = a.id;
  base.source_ip = ip;
  base.identity = ui;
  base.console = console;
  std::string agent = console ? p.browser : p.cli_agent;
  base.agent = agent;
  int64_t t = start;
  if (p.iam_user && console) {
    // Console sign-in; now and then a mistyped password first.
    std::string fail_ui = "{\"type\":\"IAMUser\",\"principalId\":\"" + p.principal_id +
                          "\",\"accountId\":\"" + a.id +
                          "\",\"accessKeyId\":\"\",\"userName\":" + json_str(p.user) + "}";
    int failures = rng_.chance(0.03) ? 1 : (rng_.chance(0.005) ? 2 : 0);
    for (int f = 0; f < failures; ++f) {
      Ev ev = base;
      ev.time = t;
      ev.region = "us-east-1";
      ev.identity = fail_ui;
      ev.source = "signin.amazonaws.com";
      ev.name = "ConsoleLogin";
      ev.read_only = false;
      ev.event_type = "AwsConsoleSignIn";
      ev.error_message = "Failed authentication";
      ev.response = R"({"ConsoleLogin":"Failure"})";
      ev.additional =
          R"({"LoginTo":"https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_a1b2c3","MobileVersion":"No","MFAUsed":"No"})";
      ev.console = false;
      emit(ev, p.account, &p.key, true);
      t += rng_.range(8, 40);
    }
    std::string aed =
        R"({"LoginTo":"https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_a1b2c3","MobileVersion":"No","MFAIdentifier":"arn:aws:iam::)" +
        a.id + ":mfa/" + p.user + R"(","MFAUsed":"Yes"})";
    std::string login_ui = "{\"type\":\"IAMUser\",\"principalId\":\"" + p.principal_id +
                           "\",\"arn\":" + json_str(p.arn) + ",\"accountId\":\"" + a.id +
                           "\",\"accessKeyId\":\"\",\"userName\":" + json_str(p.user) + "}";
    Ev ev = base;
    ev.time = t;
    ev.region = "us-east-1";
    ev.identity = login_ui;
    ev.source = "signin.amazonaws.com";
    ev.name = "ConsoleLogin";
    ev.read_only = false;
    ev.event_type = "AwsConsoleSignIn";
    ev.response = R"({"ConsoleLogin":"Success"})";
    ev.additional = aed;
    ev.console = false;
    emit(ev, p.account, &p.key, true);
    t += rng_.range(3, 20);
  } else if (p.iam_user && rng_.chance(0.004)) {
    // Someone mistypes a user name at the sign-in page (keyed by address, one failure).
    Ev ev = base;
    ev.time = t;
    ev.region = "us-east-1";
    std::string hidden_ui =
        "{\"type\":\"IAMUser\",\"accountId\":\"" + a.id +
        "\",\"accessKeyId\":\"\",\"userName\":\"HIDDEN_DUE_TO_SECURITY_REASONS\"}";
    ev.identity = hidden_ui;
    ev.agent = p.browser;
    ev.source = "signin.amazonaws.com";
    ev.name = "ConsoleLogin";
    ev.read_only = false;
    ev.event_type = "AwsConsoleSignIn";
    ev.error_message = "No username found in supplied account";
    ev.response = R"({"ConsoleLogin":"Failure"})";
    ev.additional =
        R"({"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"No"})";
    ev.console = false;
    emit(ev, p.account, nullptr, true);
  }
  SessionCaps caps;
  if (p.profile == Profile::kOps)
    caps.admin_max = static_cast<int>(rng_.range(0, 12));
  else if (p.profile == Profile::kDeveloper && rng_.chance(0.08))
    caps.admin_max = static_cast<int>(rng_.range(1, 2));
  double write_p = p.profile == Profile::kOps         ? 0.12
                   : p.profile == Profile::kDeveloper ? 0.07
                   : p.profile == Profile::kData      ? 0.06
                                                      : 0.0;
  int n = 0;
  while (t < end) {
    base.time = t;
    if (rng_.chance(write_p))
      write_burst(p, base, p.account, caps);
    else
      read_burst(p, base, p.account, n);
    double gap = std::min(1200.0, 5 + rng_.exponential(75.0 / p.intensity));
    t = base.time + static_cast<int64_t>(gap);
  }
  // A launched test instance is cleaned up before leaving.
  if (!caps.launched.empty() && rng_.chance(0.7)) {
    base.time = end + rng_.range(5, 60);
    std::string rp, re;
    terminate_instances(rng_, caps.launched, rp, re);
    Ev ev = base;
    ev.region = a.regions[0];
    ev.source = "ec2.amazonaws.com";
    ev.name = "TerminateInstances";
    ev.read_only = false;
    ev.request = rp;
    ev.response = re;
    std::string ag = console ? p.browser : p.cli_agent + " command/ec2.terminate-instances";
    ev.agent = ag;
    emit(ev, p.account, &p.key, true);
  }
  last_located_[p.index] = last_emit_time_;
}

void Generator::read_burst(Person& p, Ev& base, int account, int& n) {
  const Account& a = accounts_[account];
  const auto& groups = read_groups();
  size_t g = rng_.weighted(read_weights(p.profile));
  int calls = static_cast<int>(rng_.range(1, 6));
  std::string region = a.regions[rng_.chance(0.8) ? 0 : rng_.below(a.regions.size())];
  for (int i = 0; i < calls; ++i, ++n) {
    const Call& c = groups[g][rng_.below(groups[g].size())];
    std::string key = object_key(rng_);
    std::string_view bucket = a.buckets[rng_.below(a.buckets.size())];
    Vars v{bucket,
           c.global ? std::string_view("us-east-1") : std::string_view(region),
           a.id,
           kFunctions[rng_.below(5)],
           key,
           "",
           kStacks[rng_.below(4)]};
    std::string rp = fill(c.request, v);
    Ev ev = base;
    ev.region = c.global ? std::string_view("us-east-1") : std::string_view(region);
    ev.source = c.source;
    ev.name = c.name;
    ev.read_only = true;
    ev.request = rp;
    std::string res;
    if (c.data) {
      res = s3_resources(a.id, bucket, key);
      ev.resources = res;
      ev.data_event = true;
      ev.additional =
          R"({"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"Zm9vYmFy","bytesTransferredOut":18432})";
    }
    std::string agent;
    if (!base.console && p.cli_agent.starts_with("aws-cli")) {
      std::string_view src = c.source;
      agent = p.cli_agent + " command/" + std::string(src.substr(0, src.find('.'))) + "." +
              kebab(c.name);
      ev.agent = agent;
    }
    // Now and then a call the person may not make.
    if (rng_.chance(0.012)) {
      ev.error_code = c.source == std::string_view("ec2.amazonaws.com")
                          ? "Client.UnauthorizedOperation"
                          : "AccessDenied";
      ev.error_message = "User is not authorized to perform this operation";
      ev.response = "null";
    }
    emit(ev, account, &p.key, true);
    base.time += rng_.range(0, 3);
  }
}

void Generator::write_burst(Person& p, Ev& base, int account, SessionCaps& caps) {
  const Account& a = accounts_[account];
  std::string region = a.regions[rng_.chance(0.8) ? 0 : rng_.below(a.regions.size())];
  Ev ev = base;
  ev.region = region;
  ev.read_only = false;
  std::string rp, re, res, agent, extra;
  auto cli = [&](const char* svc, const char* op) {
    if (!base.console && p.cli_agent.starts_with("aws-cli")) {
      agent = p.cli_agent + " command/" + svc + "." + op;
      ev.agent = agent;
    }
  };
  std::string_view bucket = a.buckets[rng_.below(a.buckets.size())];
  double x = rng_.real();
  bool admin_ok = caps.admin < caps.admin_max;
  if (admin_ok && x < 0.45) {
    // Administrative changes: IAM roles and policies, security groups, KMS grants.
    int k = static_cast<int>(rng_.range(1, std::min(4, caps.admin_max - caps.admin)));
    for (int i = 0; i < k; ++i) {
      int which = static_cast<int>(rng_.below(7));
      std::string role = "svc-" + std::string(kFunctions[rng_.below(5)]) + "-" + rng_.hex(4);
      ev.region = "us-east-1";
      ev.source = "iam.amazonaws.com";
      switch (which) {
        case 0:
          ev.name = "CreateRole";
          rp =
              "{\"roleName\":\"" + role +
              R"(","assumeRolePolicyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"})";
          re = "{\"role\":{\"path\":\"/\",\"roleName\":\"" + role + "\",\"roleId\":\"AROA" +
               rng_.upper_alnum(17) + "\",\"arn\":\"arn:aws:iam::" + a.id + ":role/" + role +
               "\",\"createDate\":\"Nov 1, 2026, 10:00:00 AM\"}}";
          cli("iam", "create-role");
          break;
        case 1:
          ev.name = "AttachRolePolicy";
          rp = "{\"roleName\":\"" + role + "\",\"policyArn\":\"arn:aws:iam::aws:policy/" +
               (rng_.chance(0.5) ? "ReadOnlyAccess" : "CloudWatchAgentServerPolicy") + "\"}";
          re = "null";
          cli("iam", "attach-role-policy");
          break;
        case 2:
          ev.name = "PutRolePolicy";
          rp =
              "{\"roleName\":\"" + role +
              R"(","policyName":"bucket-read","policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:ListBucket\"],\"Resource\":[\"arn:aws:s3:::)" +
              std::string(bucket) + R"(\",\"arn:aws:s3:::)" + std::string(bucket) + R"(/*\"]}]}"})";
          re = "null";
          cli("iam", "put-role-policy");
          break;
        case 3:
          ev.name = "TagRole";
          rp =
              "{\"roleName\":\"app-server\",\"tags\":[{\"key\":\"owner\",\"value\":\"platform\"}]}";
          re = "null";
          cli("iam", "tag-role");
          break;
        case 4:
          ev.region = region;
          ev.source = "ec2.amazonaws.com";
          ev.name =
              rng_.chance(0.5) ? "AuthorizeSecurityGroupIngress" : "RevokeSecurityGroupIngress";
          rp =
              "{\"groupId\":\"sg-0" + rng_.hex(16) +
              R"(","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":443,"toPort":443,"groups":{},"ipRanges":{"items":[{"cidrIp":"10.20.0.0/16","description":"internal"}]},"ipv6Ranges":{},"prefixListIds":{}}]}})";
          re = "{\"requestId\":\"" + rng_.uuid() + "\",\"_return\":true}";
          cli("ec2", ev.name == std::string_view("AuthorizeSecurityGroupIngress")
                         ? "authorize-security-group-ingress"
                         : "revoke-security-group-ingress");
          break;
        case 5:
          ev.region = region;
          ev.source = "kms.amazonaws.com";
          ev.name = "CreateGrant";
          rp = "{\"keyId\":\"arn:aws:kms:" + region + ":" + a.id + ":key/" + rng_.uuid() +
               "\",\"granteePrincipal\":\"arn:aws:iam::" + a.id +
               ":role/app-server\",\"operations\":[\"Decrypt\",\"GenerateDataKey\"]}";
          re = "{\"grantId\":\"" + rng_.hex(64) + "\"}";
          cli("kms", "create-grant");
          break;
        default:
          ev.name = "UpdateAssumeRolePolicy";
          rp = "{\"roleName\":\"app-server\",\"policyDocument\":\"{\\\"Version\\\":\\\"2012-10-"
               "17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":{"
               "\\\"Service\\\":\\\"ec2.amazonaws.com\\\"},\\\"Action\\\":\\\"sts:AssumeRole\\\"}]}"
               "\"}";
          re = "null";
          cli("iam", "update-assume-role-policy");
      }
      ev.request = rp;
      ev.response = re;
      emit(ev, account, &p.key, true);
      ++caps.admin;
      ev.time += rng_.range(2, 30);
      ev.agent = base.agent;
    }
    return;
  }
  ev.source = "ec2.amazonaws.com";
  if (x < 0.55 && p.profile != Profile::kData && caps.vm_created < 2) {
    int n = 1;
    auto ids = run_instances(rng_, n, kInstanceTypes[rng_.below(4)], a.id, rp, re);
    caps.launched.insert(caps.launched.end(), ids.begin(), ids.end());
    caps.vm_created += n;
    ev.name = "RunInstances";
    cli("ec2", "run-instances");
  } else if (x < 0.62 && p.profile == Profile::kOps && caps.storage < 2) {
    ev.name = rng_.chance(0.6) ? "DeleteSnapshot" : "DeleteVolume";
    rp = ev.name == std::string_view("DeleteSnapshot")
             ? "{\"snapshotId\":\"snap-0" + rng_.hex(16) + "\"}"
             : "{\"volumeId\":\"vol-0" + rng_.hex(16) + "\"}";
    re = "{\"requestId\":\"" + rng_.uuid() + "\",\"_return\":true}";
    ++caps.storage;
    cli("ec2", ev.name == std::string_view("DeleteSnapshot") ? "delete-snapshot" : "delete-volume");
  } else if (x < 0.70 && p.profile == Profile::kData) {
    // Data people clean up a few objects.
    int k = static_cast<int>(rng_.range(1, 6));
    if (caps.objects + k > 60) k = 0;
    ev.source = "s3.amazonaws.com";
    ev.name = "DeleteObject";
    ev.data_event = true;
    for (int i = 0; i < k; ++i) {
      std::string key = object_key(rng_);
      rp = fill(R"({"bucketName":"$B","Host":"$B.s3.$R.amazonaws.com","key":"$K"})",
                Vars{bucket, region, a.id, "", key, "", ""});
      res = s3_resources(a.id, bucket, key);
      ev.request = rp;
      ev.response = "null";
      ev.resources = res;
      emit(ev, account, &p.key, true);
      ev.time += rng_.range(1, 5);
      ++caps.objects;
    }
    return;
  } else if (x < 0.80 && p.profile != Profile::kViewer) {
    ev.source = "s3.amazonaws.com";
    ev.name = "PutObject";
    ev.data_event = true;
    std::string key = object_key(rng_);
    rp = fill(R"({"bucketName":"$B","Host":"$B.s3.$R.amazonaws.com","key":"$K"})",
              Vars{bucket, region, a.id, "", key, "", ""});
    re = "null";
    res = s3_resources(a.id, bucket, key);
    ev.resources = res;
    extra =
        R"({"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":20480,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"YmFyYmF6","bytesTransferredOut":0})";
    ev.additional = extra;
  } else if (x < 0.86) {
    ev.source = "lambda.amazonaws.com";
    ev.name = "UpdateFunctionConfiguration20150331v2";
    std::string fn = kFunctions[rng_.below(5)];
    rp = "{\"functionName\":\"" + fn + "\",\"timeout\":" + std::to_string(rng_.range(10, 60)) + "}";
    re = "{\"functionName\":\"" + fn + "\",\"functionArn\":\"arn:aws:lambda:" + region + ":" +
         a.id + ":function:" + fn + "\",\"runtime\":\"python3.12\",\"state\":\"Active\"}";
    cli("lambda", "update-function-configuration");
  } else if (x < 0.92) {
    ev.source = "ssm.amazonaws.com";
    ev.name = "PutParameter";
    rp = R"({"name":"/app/config/feature_flags","type":"String","overwrite":true})";
    re = R"({"version":)" + std::to_string(rng_.range(2, 90)) + R"(,"tier":"Standard"})";
    cli("ssm", "put-parameter");
  } else {
    ev.source = "ec2.amazonaws.com";
    ev.name = "CreateTags";
    rp = "{\"resourcesSet\":{\"items\":[{\"resourceId\":\"i-0" + rng_.hex(16) +
         "\"}]},\"tagSet\":{\"items\":[{\"key\":\"team\",\"value\":\"platform\"}]}}";
    re = "{\"requestId\":\"" + rng_.uuid() + "\",\"_return\":true}";
    cli("ec2", "create-tags");
  }
  ev.request = rp;
  ev.response = re;
  emit(ev, account, &p.key, true);
}

// ---------------------------------------------------------------------------------------------
// Workloads and AWS services

void Generator::workloads_day(int account, int day) {
  for (const auto& w : workloads_) {
    if (w.account != account) continue;
    if (w.kind == "lambda")
      lambda_day(w, day);
    else if (w.kind == "instance")
      instance_day(w, day);
    else if (w.kind == "ci")
      ci_day(w, day);
  }
  autoscaling_day(account, day);
}

void Generator::lambda_day(const Workload& w, int day) {
  const Account& a = accounts_[w.account];
  int64_t d0 = day_start(day);
  int period = w.name == "snapshot-janitor" ? 1440 : w.name == "report-exporter" ? 30 : 10;
  int64_t first =
      w.name == "snapshot-janitor" ? d0 + 3 * 3600 + 600 : d0 + rng_.range(0, period * 60 - 1);
  std::string key_id, ui;
  int64_t cred_hour = -1;
  std::string assume_ui = R"({"type":"AWSService","invokedBy":"lambda.amazonaws.com"})";
  for (int64_t t = first; t < d0 + kDay; t += period * 60) {
    int64_t hour = t / 3600;
    if (hour != cred_hour) {
      // The Lambda service assumes the execution role; the function's calls use that session.
      cred_hour = hour;
      key_id = asia();
      ui = ui_assumed_role(a, w.role_path, w.role_name, w.role_id, w.name, key_id, t);
      Ev ev;
      ev.time = t;
      ev.account = a.id;
      ev.region = w.region;
      ev.source_ip = "lambda.amazonaws.com";
      ev.agent = "lambda.amazonaws.com";
      ev.identity = assume_ui;
      ev.source = "sts.amazonaws.com";
      ev.name = "AssumeRole";
      ev.read_only = true;
      std::string rp = "{\"roleArn\":\"arn:aws:iam::" + a.id + ":role/" + w.role_path +
                       w.role_name + "\",\"roleSessionName\":\"" + w.name + "\"}";
      std::string re = "{\"credentials\":{\"accessKeyId\":\"" + key_id +
                       "\",\"sessionToken\":\"IQoJb3JpZ2luX2VjEXAMPLE\",\"expiration\":\"" +
                       format_time(t + 43200) + "\"},\"assumedRoleUser\":{\"assumedRoleId\":\"" +
                       w.role_id + ":" + w.name + "\",\"arn\":\"arn:aws:sts::" + a.id +
                       ":assumed-role/" + w.role_name + "/" + w.name + "\"}}";
      std::string res = "[{\"accountId\":\"" + a.id +
                        "\",\"type\":\"AWS::IAM::Role\",\"ARN\":\"arn:aws:iam::" + a.id + ":role/" +
                        w.role_path + w.role_name + "\"}]";
      ev.request = rp;
      ev.response = re;
      ev.resources = res;
      ev.tls = false;
      ev.event_type = "AwsApiCall";
      emit(ev, w.account, nullptr, false);
    }
    Ev ev;
    ev.time = t + rng_.range(0, 20);
    ev.account = a.id;
    ev.region = w.region;
    ev.source_ip = w.ip;
    ev.agent = kLambdaAgent;
    ev.identity = ui;
    std::string rp, re, res, aed;
    if (w.name == "snapshot-janitor") {
      // Nightly backups in every region the account runs in: new snapshots of the tagged
      // volumes, then the expired ones deleted (2-6 in all).
      int deletions = static_cast<int>(rng_.range(2, 6));
      for (size_t ri = 0; ri < a.regions.size(); ++ri) {
        ev.region = a.regions[ri];
        ev.source = "ec2.amazonaws.com";
        ev.name = "DescribeSnapshots";
        ev.read_only = true;
        ev.request =
            R"({"snapshotSet":{},"ownersSet":{"items":[{"owner":"self"}]},"restorableBySet":{},"filterSet":{"items":[{"name":"tag:retention","valueSet":{"items":[{"value":"7d"}]}}]}})";
        ev.response = "null";
        emit(ev, w.account, &w.key, false);
        int creations = static_cast<int>(rng_.range(1, 2));
        for (int i = 0; i < creations; ++i) {
          ev.time += rng_.range(1, 4);
          ev.name = "CreateSnapshot";
          ev.read_only = false;
          std::string vol = "vol-0" + rng_.hex(16);
          rp = "{\"volumeId\":\"" + vol + "\",\"description\":\"nightly backup\"}";
          re = "{\"requestId\":\"" + rng_.uuid() + "\",\"snapshotId\":\"snap-0" + rng_.hex(16) +
               "\",\"volumeId\":\"" + vol + "\",\"status\":\"pending\",\"ownerId\":\"" + a.id +
               "\"}";
          ev.request = rp;
          ev.response = re;
          emit(ev, w.account, &w.key, false);
        }
        int k =
            ri + 1 == a.regions.size() ? deletions : deletions / static_cast<int>(a.regions.size());
        deletions -= k;
        for (int i = 0; i < k; ++i) {
          ev.time += rng_.range(1, 4);
          ev.name = "DeleteSnapshot";
          ev.read_only = false;
          rp = "{\"snapshotId\":\"snap-0" + rng_.hex(16) + "\"}";
          re = "{\"requestId\":\"" + rng_.uuid() + "\",\"_return\":true}";
          ev.request = rp;
          ev.response = re;
          emit(ev, w.account, &w.key, false);
        }
        ev.time += rng_.range(2, 10);
      }
      continue;
    }
    if (w.name == "order-sync") {
      ev.source = "secretsmanager.amazonaws.com";
      ev.name = "GetSecretValue";
      rp = "{\"secretId\":\"arn:aws:secretsmanager:" + w.region + ":" + a.id +
           ":secret:orders/api-key-AbCdEf\"}";
      ev.request = rp;
      emit(ev, w.account, &w.key, false);
      ev.time += 1;
    }
    // Reports and synchronised orders land in S3 (a data event).
    std::string_view bucket = a.buckets[w.name == "order-sync" ? 0 : 3];
    std::string key = object_key(rng_);
    rp = fill(R"({"bucketName":"$B","Host":"$B.s3.$R.amazonaws.com","key":"$K"})",
              Vars{bucket, w.region, a.id, "", key, "", ""});
    res = s3_resources(a.id, bucket, key);
    ev.source = "s3.amazonaws.com";
    ev.name = "PutObject";
    ev.read_only = false;
    ev.data_event = true;
    ev.request = rp;
    ev.response = "null";
    ev.resources = res;
    ev.additional =
        R"({"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":4096,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"cXV1eA==","bytesTransferredOut":0})";
    emit(ev, w.account, &w.key, false);
  }
}

void Generator::instance_day(const Workload& w, int day) {
  const Account& a = accounts_[w.account];
  int64_t d0 = day_start(day);
  std::string key_id = asia();
  std::string ui = ui_assumed_role(a, w.role_path, w.role_name, w.role_id, w.name, key_id, d0,
                                   ",\"ec2RoleDelivery\":\"2.0\"");
  int64_t cred = d0;
  std::string private_ip =
      "10.0." + std::to_string(rng_.below(250)) + "." + std::to_string(2 + rng_.below(250));
  for (int64_t t = d0 + rng_.range(0, 599); t < d0 + kDay; t += 600) {
    if (t - cred > 6 * 3600) {  // instance profile credentials rotate
      cred = t;
      key_id = asia();
      ui = ui_assumed_role(a, w.role_path, w.role_name, w.role_id, w.name, key_id, t,
                           ",\"ec2RoleDelivery\":\"2.0\"");
    }
    Ev ev;
    ev.time = t;
    ev.account = a.id;
    ev.region = w.region;
    ev.agent = kAppAgent;
    ev.identity = ui;
    // Objects through the S3 gateway endpoint (private address), parameters over the internet.
    std::string_view bucket = a.buckets[0];
    std::string key = object_key(rng_);
    std::string rp = fill(R"({"bucketName":"$B","Host":"$B.s3.$R.amazonaws.com","key":"$K"})",
                          Vars{bucket, w.region, a.id, "", key, "", ""});
    std::string res = s3_resources(a.id, bucket, key);
    ev.source_ip = private_ip;
    ev.vpc_endpoint = a.vpc_endpoint;
    ev.source = "s3.amazonaws.com";
    ev.name = "GetObject";
    ev.data_event = true;
    ev.request = rp;
    ev.resources = res;
    ev.additional =
        R"({"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"c2VydmVy","bytesTransferredOut":65536})";
    emit(ev, w.account, &w.key, false);
    if (t % 3600 < 600) {
      Ev e2;
      e2.time = t + 2;
      e2.account = a.id;
      e2.region = w.region;
      e2.agent = kAppAgent;
      e2.identity = ui;
      e2.source_ip = w.ip;
      e2.source = "ssm.amazonaws.com";
      e2.name = "GetParameters";
      e2.request =
          R"({"names":["/app/config/db_host","/app/config/cache_host"],"withDecryption":false})";
      emit(e2, w.account, &w.key, false);
      // Secrets Manager decrypts the secret with KMS on the instance's behalf.
      e2.time += 1;
      e2.source = "secretsmanager.amazonaws.com";
      e2.name = "GetSecretValue";
      std::string srp = "{\"secretId\":\"orders/db-password\"}";
      e2.request = srp;
      emit(e2, w.account, &w.key, false);
      Ev k = e2;
      std::string kui =
          ui_assumed_role(a, w.role_path, w.role_name, w.role_id, w.name, key_id, cred,
                          ",\"ec2RoleDelivery\":\"2.0\"", "secretsmanager.amazonaws.com");
      k.identity = kui;
      k.source_ip = "secretsmanager.amazonaws.com";
      k.agent = "secretsmanager.amazonaws.com";
      k.source = "kms.amazonaws.com";
      k.name = "Decrypt";
      std::string krp =
          "{\"encryptionContext\":{\"SecretARN\":\"arn:aws:secretsmanager:" + w.region + ":" +
          a.id +
          ":secret:orders/db-password-QwErTy\"},\"encryptionAlgorithm\":\"SYMMETRIC_DEFAULT\"}";
      k.request = krp;
      k.tls = false;
      emit(k, w.account, nullptr, false);
    }
  }
}

void Generator::ci_day(const Workload& w, int day) {
  if (weekend(day)) return;
  const Account& a = accounts_[w.account];
  int runs = static_cast<int>(rng_.range(2, 6));
  std::string provider =
      "arn:aws:iam::" + a.id + ":oidc-provider/token.actions.githubusercontent.com";
  auto runners = world_.blocks_of(NetKind::kCiRunner);
  for (int r = 0; r < runs; ++r) {
    int64_t t = day_start(day) + rng_.range(13 * 3600, 23 * 3600);
    std::string ip = world_.address(runners[rng_.below(runners.size())], rng_);
    std::string key_id = asia();
    std::string subject = "repo:examplecorp/" +
                          std::string(a.name == "data" ? "pipelines" : "platform") +
                          ":ref:refs/heads/main";
    std::string wi = "{\"type\":\"WebIdentityUser\",\"principalId\":" +
                     json_str(provider + ":sts.amazonaws.com:" + subject) +
                     ",\"userName\":" + json_str(subject) +
                     ",\"identityProvider\":" + json_str(provider) + "}";
    Ev ev;
    ev.time = t;
    ev.account = a.id;
    ev.region = w.region;
    ev.source_ip = ip;
    std::string agent = std::string(kCiAgent) + " command/sts.assume-role-with-web-identity";
    ev.agent = agent;
    ev.identity = wi;
    ev.source = "sts.amazonaws.com";
    ev.name = "AssumeRoleWithWebIdentity";
    std::string rp = "{\"roleArn\":\"arn:aws:iam::" + a.id + ":role/" + w.role_name +
                     "\",\"roleSessionName\":\"GitHubActions\",\"durationSeconds\":3600}";
    std::string re = "{\"credentials\":{\"accessKeyId\":\"" + key_id + "\",\"expiration\":\"" +
                     format_time(t + 3600) +
                     "\"},\"subjectFromWebIdentityToken\":" + json_str(subject) +
                     ",\"assumedRoleUser\":{\"assumedRoleId\":\"" + w.role_id +
                     ":GitHubActions\",\"arn\":\"arn:aws:sts::" + a.id + ":assumed-role/" +
                     w.role_name + "/GitHubActions\"},\"provider\":" + json_str(provider) +
                     ",\"audience\":\"sts.amazonaws.com\"}";
    ev.request = rp;
    ev.response = re;
    emit(ev, w.account, nullptr, false);
    std::string ui = ui_assumed_role(a, w.role_path, w.role_name, w.role_id, w.name, key_id, t);
    ev.identity = ui;
    ev.response = "null";
    struct Step {
      const char* source;
      const char* name;
      const char* cmd;
      bool ro;
      const char* rp;
    };
    static const Step kSteps[] = {
        {"sts.amazonaws.com", "GetCallerIdentity", "sts.get-caller-identity", true, "null"},
        {"ecr.amazonaws.com", "GetAuthorizationToken", "ecr.get-login-password", true, "null"},
        {"ecr.amazonaws.com", "PutImage", "ecr.put-image", false,
         R"({"repositoryName":"orders-service","imageTag":"main"})"},
        {"s3.amazonaws.com", "PutObject", "s3.cp", false,
         R"({"bucketName":"$B","Host":"$B.s3.$R.amazonaws.com","key":"$K"})"},
        {"cloudformation.amazonaws.com", "DescribeStacks", "cloudformation.deploy", true,
         R"({"stackName":"$S"})"},
        {"cloudformation.amazonaws.com", "CreateChangeSet", "cloudformation.deploy", false,
         R"({"stackName":"$S","changeSetName":"awscli-cloudformation-package-deploy","changeSetType":"UPDATE","capabilities":["CAPABILITY_IAM"]})"},
        {"cloudformation.amazonaws.com", "DescribeChangeSet", "cloudformation.deploy", true,
         R"({"changeSetName":"awscli-cloudformation-package-deploy","stackName":"$S"})"},
        {"cloudformation.amazonaws.com", "ExecuteChangeSet", "cloudformation.deploy", false,
         R"({"changeSetName":"awscli-cloudformation-package-deploy","stackName":"$S"})"},
        {"cloudformation.amazonaws.com", "DescribeStackEvents", "cloudformation.deploy", true,
         R"({"stackName":"$S"})"},
        {"lambda.amazonaws.com", "UpdateFunctionCode20150331v2", "lambda.update-function-code",
         false, R"({"functionName":"$F","publish":true,"s3Bucket":"$B","s3Key":"$K"})"},
    };
    std::string stack = kStacks[rng_.below(4)];
    std::string_view bucket = a.buckets[1];
    for (const auto& s : kSteps) {
      int reps = std::string_view(s.name) == "DescribeStackEvents"
                     ? static_cast<int>(rng_.range(3, 12))
                     : 1;
      for (int k = 0; k < reps; ++k) {
        ev.time += rng_.range(2, 25);
        std::string key = "builds/" + rng_.hex(10) + ".zip";
        std::string prp =
            fill(s.rp, Vars{bucket, w.region, a.id, kFunctions[rng_.below(5)], key, "", stack});
        std::string ag = std::string(kCiAgent) + " command/" + s.cmd;
        Ev e = ev;
        e.source = s.source;
        e.name = s.name;
        e.read_only = s.ro;
        e.request = prp;
        e.agent = ag;
        std::string res;
        if (std::string_view(s.name) == "PutObject") {
          res = s3_resources(a.id, bucket, key);
          e.resources = res;
          e.data_event = true;
        }
        emit(e, w.account, &w.key, false);
        ev.time = e.time;
      }
    }
    // Integration tests: one instance, launched and terminated.
    if (rng_.chance(0.2)) {
      std::string rrp, rre;
      auto ids = run_instances(rng_, 1, "t3.small", a.id, rrp, rre);
      Ev e = ev;
      e.time += 5;
      e.source = "ec2.amazonaws.com";
      e.name = "RunInstances";
      e.read_only = false;
      e.request = rrp;
      e.response = rre;
      std::string ag = std::string(kCiAgent) + " command/ec2.run-instances";
      e.agent = ag;
      emit(e, w.account, &w.key, false);
      terminate_instances(rng_, ids, rrp, rre);
      e.request = rrp;
      e.response = rre;
      e.time += rng_.range(240, 900);
      e.name = "TerminateInstances";
      std::string ag2 = std::string(kCiAgent) + " command/ec2.terminate-instances";
      e.agent = ag2;
      emit(e, w.account, &w.key, false);
      ev.time = e.time;
    }
    // Infrastructure changes now and then: a role policy, a security group rule.
    if (rng_.chance(0.08)) {
      Ev e = ev;
      e.time += 10;
      e.region = "us-east-1";
      e.source = "iam.amazonaws.com";
      e.name = "PutRolePolicy";
      e.read_only = false;
      std::string prp =
          R"({"roleName":"orders-service-task","policyName":"queue-access","policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"sqs:SendMessage\"],\"Resource\":\"*\"}]}"})";
      e.request = prp;
      std::string ag = std::string(kCiAgent) + " command/iam.put-role-policy";
      e.agent = ag;
      emit(e, w.account, &w.key, false);
    }
  }
}

void Generator::autoscaling_day(int account, int day) {
  if (weekend(day)) return;
  const Account& a = accounts_[account];
  std::string ui =
      ui_assumed_role(a, "aws-service-role/autoscaling.amazonaws.com/",
                      "AWSServiceRoleForAutoScaling", "AROA" + std::string(16, 'Q') + "S",
                      "AutoScaling", asia(), day_start(day), {}, "autoscaling.amazonaws.com");
  int n = static_cast<int>(rng_.range(3, 8));
  std::string rp, re;
  auto ids = run_instances(rng_, n, "m6i.large", a.id, rp, re);
  Ev ev;
  ev.time = day_start(day) + 13 * 3600 + rng_.range(0, 600);
  ev.account = a.id;
  ev.region = a.regions[0];
  ev.source_ip = "autoscaling.amazonaws.com";
  ev.agent = "autoscaling.amazonaws.com";
  ev.identity = ui;
  ev.source = "ec2.amazonaws.com";
  ev.name = "RunInstances";
  ev.read_only = false;
  ev.request = rp;
  ev.response = re;
  ev.tls = false;
  emit(ev, account, nullptr, false);
  terminate_instances(rng_, ids, rp, re);
  ev.time = day_start(day) + kDay - 3 * 3600 + rng_.range(0, 600);
  ev.name = "TerminateInstances";
  ev.request = rp;
  ev.response = re;
  emit(ev, account, nullptr, false);
}

// ---------------------------------------------------------------------------------------------
// Attacks

void Generator::schedule_attacks() {
  if (kinds_.empty()) return;
  Rng r = Rng::derive(o_.seed, 8);
  // A random order of the people: victims are taken in turn so that instances of one kind never
  // share a victim and different kinds rarely do.
  std::vector<int> order(people_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[r.below(i)]);
  int first = kLearningDays + 1, last = o_.days - 2;
  int span = std::max(1, last - first + 1);
  size_t cursor = 0;
  std::set<std::pair<int, int>> busy;  // (person, day) with an attack
  std::vector<int> leavers;
  const AttackKind* terminated = nullptr;
  for (const auto* k : kinds_)
    if (k->name == "terminated_user") terminated = k;
  // Leavers: people whose employment ends during the period (some come back as attackers).
  if (terminated != nullptr || o_.days >= 20) {
    int want = (terminated != nullptr ? instances_ : 0) + 1;
    for (int i = 0; i < want && cursor < order.size(); ++i) leavers.push_back(order[cursor++]);
  }
  int id = 0, region_cursor = 0;
  for (size_t ki = 0; ki < kinds_.size(); ++ki) {
    const AttackKind* k = kinds_[ki];
    std::set<int> used;
    for (int j = 0; j < instances_; ++j) {
      double frac = (j + (ki + 0.5) / kinds_.size()) / instances_;
      int day = first + static_cast<int>(frac * span);
      day = std::clamp(day, first, last);
      while (weekend(day) && day < last) ++day;
      while (weekend(day) && day > first) --day;
      Attack a;
      a.id = ++id;
      a.kind = k;
      a.day = day;
      a.variant = j;
      if (k->name == "terminated_user") {
        if (static_cast<size_t>(j) >= leavers.size()) continue;
        int victim = leavers[j];
        Person& p = people_[victim];
        // Alternate IAM users and Identity Center users among the leavers.
        p.leave_day = std::max(first - 1, day - static_cast<int>(r.range(2, 4)));
        p.plan[p.leave_day] = DayKind::kWork;
        p.terminated_at = local_to_utc(p.leave_day, 17 * 60 + 30, p.home_city);
        a.person = victim;
        attacks_.push_back(a);
        continue;
      }
      // A victim who works at home that day, with no trip around it, not attacked nearby.
      int victim = -1;
      for (size_t tries = 0; tries < order.size() * 2 && victim < 0; ++tries) {
        int cand = order[cursor++ % order.size()];
        const Person& p = people_[cand];
        if (std::find(leavers.begin(), leavers.end(), cand) != leavers.end()) continue;
        if (used.count(cand)) continue;
        if (k->name == "failed_logins" && !p.iam_user) continue;
        bool ok = true;
        for (int d = day - 1; d <= day + 1; ++d) {
          if (d < 0 || d >= o_.days) continue;
          if (p.plan[d] == DayKind::kTrip || p.plan[d] == DayKind::kTransit) ok = false;
          if (busy.count({cand, d})) ok = false;
        }
        if (ok) victim = cand;
      }
      if (victim < 0) continue;
      used.insert(victim);
      busy.insert({victim, day});
      Person& p = people_[victim];
      p.plan[day] = DayKind::kWork;
      p.force_home[day] = 1;
      a.person = victim;
      if (k->name == "unusual_region") a.variant = region_cursor++;
      attacks_.push_back(a);
    }
  }
  // The remaining leaver(s) simply leave.
  for (size_t i = (terminated != nullptr ? instances_ : 0); i < leavers.size(); ++i) {
    Person& p = people_[leavers[i]];
    p.leave_day = std::max(first, o_.days / 2 + static_cast<int>(i));
    if (p.leave_day >= o_.days) p.leave_day = o_.days - 1;
    p.plan[p.leave_day] = DayKind::kWork;
    p.terminated_at = local_to_utc(p.leave_day, 17 * 60 + 30, p.home_city);
  }
  std::stable_sort(attacks_.begin(), attacks_.end(),
                   [](const Attack& x, const Attack& y) { return x.day < y.day; });
}

void Generator::attack(Attack& at) {
  Person& p = people_[at.person];
  const Account& a = accounts_[p.account];
  Rng& r = rng_;
  const std::string& kind = at.kind->name;
  at.identity = p.key;
  at.identity_arn =
      p.iam_user ? p.arn : "arn:aws:sts::" + a.id + ":assumed-role/" + p.role_name + "/" + p.email;
  at.account = a.id;
  // Attacker infrastructure.
  static const char* const kFarCities[] = {
      "Sao Paulo", "Ho Chi Minh City", "Jakarta", "Seoul", "Mumbai", "Lagos", "Moscow", "Kyiv"};
  auto residential_in = [&](const char* city) {
    auto blocks = world_.blocks_of(NetKind::kResidential, world_.city(city));
    return world_.address(blocks[r.below(blocks.size())], r);
  };
  auto pick_block = [&](NetKind k, const std::string& country = {}) {
    auto blocks = world_.blocks_of(k, -1, country);
    if (blocks.empty()) blocks = world_.blocks_of(k);
    return blocks[static_cast<size_t>(at.variant + at.id) % blocks.size()];
  };
  const std::string& home_country = world_.cities()[p.home_city].country;
  std::string ip;
  std::string agent = kAttackerAgents[r.below(std::size(kAttackerAgents))];
  int64_t t = local_to_utc(at.day, 21 * 60 + 30 + static_cast<int>(r.range(0, 60)), p.home_city);
  bool use_console = false;
  if (kind == "anonymous_ip") {
    ip = world_.address(pick_block(at.variant % 2 == 0 ? NetKind::kTor : NetKind::kAnonymizer), r);
    at.detail = at.variant % 2 == 0 ? "tor exit" : "anonymising VPN";
  } else if (kind == "suspicious_ip") {
    ip = world_.address(pick_block(NetKind::kThreat), static_cast<uint64_t>(r.range(9, 59)));
    at.detail = "threat-intel address";
  } else if (kind == "infrequent_country") {
    const char* city = kFarCities[(at.variant + 3) % std::size(kFarCities)];
    ip = residential_in(city);
    at.detail = std::string("first activity from ") + city;
  } else if (kind == "impossible_travel") {
    // The five far cities: 6,000 km or more from any home, so even a 100-minute gap is
    // well above 900 km/h.
    const char* city = kFarCities[at.variant % 5];
    ip = residential_in(city);
    int64_t last = last_located_[at.person];
    if (last > 0) t = last + r.range(40, 100) * 60;
    use_console = p.iam_user;
    at.detail = std::string("activity from ") + city + " shortly after activity at home";
  } else if (kind == "terminated_user") {
    // The former employee, from home, a few days after leaving.
    t = local_to_utc(at.day, static_cast<int>(r.range(10 * 60, 15 * 60)), p.home_city);
    ip = world_.address(p.home_blocks[0], r);
    at.detail = "activity " + std::to_string(at.day - p.leave_day) + " days after termination";
  } else if (kind == "failed_logins") {
    t = local_to_utc(at.day, static_cast<int>(r.range(2 * 60, 4 * 60)), p.home_city);
    ip = world_.address(pick_block(NetKind::kHosting), r);
  } else {
    // Stolen credentials used from a VPS in the victim's country (no location policy fires).
    ip = world_.address(pick_block(NetKind::kHosting, home_country), r);
  }
  std::string ui = p.iam_user ? ui_iam_user(p, a, p.access_key, false, 0) : ui_sso(p, a, asia(), t);
  Ev base;
  base.time = t;
  base.account = a.id;
  base.region = a.regions[0];
  base.source_ip = ip;
  base.agent = agent;
  base.identity = ui;
  auto send = [&](Ev& ev) {
    emit(ev, p.account, nullptr, false, &at);
    base.time = ev.time + r.range(2, 40);
  };
  auto recon = [&](int n) {
    static const Call kRecon[] = {
        {"sts.amazonaws.com", "GetCallerIdentity", "null"},
        {"s3.amazonaws.com", "ListBuckets", R"({"Host":"s3.amazonaws.com"})", true},
        {"ec2.amazonaws.com", "DescribeInstances", R"({"instancesSet":{},"filterSet":{}})"},
        {"iam.amazonaws.com", "ListUsers", "null", true},
        {"iam.amazonaws.com", "ListRoles", "null", true},
        {"ec2.amazonaws.com", "DescribeRegions", R"({"regionSet":{},"allRegions":true})"},
        {"secretsmanager.amazonaws.com", "ListSecrets", "null"},
        {"s3.amazonaws.com", "GetObject",
         R"({"bucketName":"$B","Host":"$B.s3.$R.amazonaws.com","key":"$K"})", false, true}};
    for (int i = 0; i < n; ++i) {
      const Call& c = i == 0 ? kRecon[0] : kRecon[r.below(std::size(kRecon))];
      std::string key = object_key(r);
      std::string_view bucket = a.buckets[r.below(a.buckets.size())];
      std::string rp = fill(c.request, Vars{bucket, a.regions[0], a.id, "", key, "", ""});
      Ev ev = base;
      ev.region = c.global ? std::string_view("us-east-1") : std::string_view(a.regions[0]);
      ev.source = c.source;
      ev.name = c.name;
      ev.request = rp;
      std::string res;
      if (c.data) {
        res = s3_resources(a.id, bucket, key);
        ev.resources = res;
        ev.data_event = true;
      }
      send(ev);
    }
  };
  auto console_login = [&]() {
    std::string login_ui = "{\"type\":\"IAMUser\",\"principalId\":\"" + p.principal_id +
                           "\",\"arn\":" + json_str(p.arn) + ",\"accountId\":\"" + a.id +
                           "\",\"accessKeyId\":\"\",\"userName\":" + json_str(p.user) + "}";
    Ev ev = base;
    ev.region = "us-east-1";
    ev.identity = login_ui;
    ev.agent = kBrowsers[0];
    ev.source = "signin.amazonaws.com";
    ev.name = "ConsoleLogin";
    ev.read_only = false;
    ev.event_type = "AwsConsoleSignIn";
    ev.response = R"({"ConsoleLogin":"Success"})";
    std::string aed =
        R"({"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"No"})";
    ev.additional = aed;
    send(ev);
  };

  if (kind == "anonymous_ip" || kind == "suspicious_ip" || kind == "infrequent_country" ||
      kind == "terminated_user") {
    recon(static_cast<int>(r.range(5, 12)));
  } else if (kind == "impossible_travel") {
    if (use_console) console_login();
    recon(static_cast<int>(r.range(3, 8)));
  } else if (kind == "failed_logins") {
    std::string fail_ui = "{\"type\":\"IAMUser\",\"principalId\":\"" + p.principal_id +
                          "\",\"accountId\":\"" + a.id +
                          "\",\"accessKeyId\":\"\",\"userName\":" + json_str(p.user) + "}";
    int n = static_cast<int>(r.range(8, 25));
    for (int i = 0; i < n; ++i) {
      Ev ev = base;
      ev.region = "us-east-1";
      ev.identity = fail_ui;
      ev.agent = kBrowsers[3];
      ev.source = "signin.amazonaws.com";
      ev.name = "ConsoleLogin";
      ev.read_only = false;
      ev.event_type = "AwsConsoleSignIn";
      ev.error_message = "Failed authentication";
      ev.response = R"({"ConsoleLogin":"Failure"})";
      ev.additional =
          R"({"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"No"})";
      emit(ev, p.account, nullptr, false, &at);
      base.time += r.range(15, 150);
    }
    at.detail = std::to_string(n) + " failed console sign-ins";
  } else if (kind == "admin_activity") {
    recon(2);
    int n = static_cast<int>(r.range(25, 45));
    std::string user = "svc-" + r.alnum(6);
    for (int i = 0; i < n; ++i) {
      Ev ev = base;
      ev.region = "us-east-1";
      ev.source = "iam.amazonaws.com";
      ev.read_only = false;
      std::string rp, re;
      std::string role = "ops-" + r.hex(6);
      switch (i % 8) {
        case 0:
          ev.name = "CreateUser";
          user = "svc-" + r.alnum(6);
          rp = "{\"userName\":\"" + user + "\"}";
          re = "{\"user\":{\"path\":\"/\",\"userName\":\"" + user + "\",\"userId\":\"AIDA" +
               r.upper_alnum(17) + "\",\"arn\":\"arn:aws:iam::" + a.id + ":user/" + user +
               "\",\"createDate\":\"Nov 1, 2026, 11:00:00 PM\"}}";
          break;
        case 1:
          ev.name = "AttachUserPolicy";
          rp = "{\"userName\":\"" + user +
               "\",\"policyArn\":\"arn:aws:iam::aws:policy/AdministratorAccess\"}";
          re = "null";
          break;
        case 2:
          ev.name = "CreateLoginProfile";
          rp = "{\"userName\":\"" + user + "\",\"passwordResetRequired\":false}";
          re = "{\"loginProfile\":{\"userName\":\"" + user +
               "\",\"createDate\":\"Nov 1, 2026, 11:00:00 PM\",\"passwordResetRequired\":false}}";
          break;
        case 3:
          ev.name = "CreateAccessKey";
          rp = "{\"userName\":\"" + user + "\"}";
          re = "{\"accessKey\":{\"accessKeyId\":\"AKIA" + r.upper_alnum(16) +
               "\",\"status\":\"Active\",\"userName\":\"" + user +
               "\",\"createDate\":\"Nov 1, 2026, 11:00:00 PM\"}}";
          break;
        case 4:
          ev.name = "CreateRole";
          rp =
              "{\"roleName\":\"" + role +
              R"(","assumeRolePolicyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::444455556666:root\"},\"Action\":\"sts:AssumeRole\"}]}"})";
          re = "{\"role\":{\"path\":\"/\",\"roleName\":\"" + role +
               "\",\"arn\":\"arn:aws:iam::" + a.id + ":role/" + role + "\"}}";
          break;
        case 5:
          ev.name = "PutUserPolicy";
          rp =
              "{\"userName\":\"" + user +
              R"(","policyName":"inline","policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"})";
          re = "null";
          break;
        case 6:
          ev.region = a.regions[0];
          ev.source = "ec2.amazonaws.com";
          ev.name = "AuthorizeSecurityGroupIngress";
          rp =
              "{\"groupId\":\"sg-0" + r.hex(16) +
              R"(","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"groups":{},"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]},"ipv6Ranges":{},"prefixListIds":{}}]}})";
          re = "{\"requestId\":\"" + r.uuid() + "\",\"_return\":true}";
          break;
        default:
          ev.name = "AddUserToGroup";
          rp = "{\"groupName\":\"admins\",\"userName\":\"" + user + "\"}";
          re = "null";
      }
      ev.request = rp;
      ev.response = re;
      send(ev);
    }
    at.detail = std::to_string(n) + " administrative changes";
  } else if (kind == "storage_deletion") {
    recon(2);
    if (at.variant % 2 == 0) {
      int n = static_cast<int>(r.range(14, 30));
      for (int i = 0; i < n; ++i) {
        Ev ev = base;
        ev.read_only = false;
        std::string rp, re;
        switch (i % 6) {
          case 0:
            ev.source = "ec2.amazonaws.com";
            ev.name = "DeleteSnapshot";
            rp = "{\"snapshotId\":\"snap-0" + r.hex(16) + "\"}";
            re = "{\"requestId\":\"" + r.uuid() + "\",\"_return\":true}";
            break;
          case 1:
            ev.source = "ec2.amazonaws.com";
            ev.name = "DeleteVolume";
            rp = "{\"volumeId\":\"vol-0" + r.hex(16) + "\"}";
            re = "{\"requestId\":\"" + r.uuid() + "\",\"_return\":true}";
            break;
          case 2:
            ev.source = "rds.amazonaws.com";
            ev.name = "DeleteDBSnapshot";
            rp = "{\"dBSnapshotIdentifier\":\"orders-db-" + r.hex(6) + "\"}";
            re = "{\"dBSnapshotIdentifier\":\"orders-db\",\"status\":\"deleted\"}";
            break;
          case 3:
            ev.source = "dynamodb.amazonaws.com";
            ev.name = "DeleteBackup";
            rp = "{\"backupArn\":\"arn:aws:dynamodb:" + a.regions[0] + ":" + a.id +
                 ":table/orders/backup/01" + r.hex(14) + "\"}";
            re = "{\"backupDescription\":{\"backupDetails\":{\"backupStatus\":\"DELETED\"}}}";
            break;
          case 4:
            ev.source = "s3.amazonaws.com";
            ev.name = "DeleteBucket";
            rp = "{\"bucketName\":\"examplecorp-archive-" + r.hex(8) +
                 "\",\"Host\":\"s3.amazonaws.com\"}";
            re = "null";
            break;
          default:
            ev.source = "rds.amazonaws.com";
            ev.name = "DeleteDBClusterSnapshot";
            rp = "{\"dBClusterSnapshotIdentifier\":\"analytics-" + r.hex(6) + "\"}";
            re = "{\"dBClusterSnapshotIdentifier\":\"analytics\",\"status\":\"deleted\"}";
        }
        ev.request = rp;
        ev.response = re;
        send(ev);
        base.time -= r.range(0, 30);  // keep the pace of a script
      }
      at.detail = std::to_string(n) + " storage resources deleted";
    } else {
      int n = static_cast<int>(r.range(1200, 1600));
      std::string_view bucket = a.buckets[0];
      for (int i = 0; i < n; ++i) {
        std::string key = object_key(r);
        std::string rp = fill(R"({"bucketName":"$B","Host":"$B.s3.$R.amazonaws.com","key":"$K"})",
                              Vars{bucket, a.regions[0], a.id, "", key, "", ""});
        std::string res = s3_resources(a.id, bucket, key);
        Ev ev = base;
        ev.source = "s3.amazonaws.com";
        ev.name = "DeleteObject";
        ev.read_only = false;
        ev.data_event = true;
        ev.request = rp;
        ev.resources = res;
        emit(ev, p.account, nullptr, false, &at);
        base.time += r.chance(0.3) ? 1 : 0;
      }
      at.detail = std::to_string(n) + " objects deleted";
    }
  } else if (kind == "vm_deletion") {
    recon(2);
    int n = static_cast<int>(r.range(12, 35));
    int calls = static_cast<int>(r.range(1, 3));
    for (int c = 0; c < calls; ++c) {
      int k = c + 1 == calls ? n - (n / calls) * c : n / calls;
      std::vector<std::string> ids;
      for (int i = 0; i < k; ++i) ids.push_back("i-0" + r.hex(16));
      std::string rp, re;
      terminate_instances(r, ids, rp, re);
      Ev ev = base;
      ev.source = "ec2.amazonaws.com";
      ev.name = "TerminateInstances";
      ev.read_only = false;
      ev.request = rp;
      ev.response = re;
      send(ev);
    }
    at.detail = std::to_string(n) + " instances terminated";
  } else if (kind == "vm_creation") {
    recon(2);
    int n = static_cast<int>(r.range(24, 60));
    static const char* const kMiners[] = {"c5.4xlarge", "g4dn.xlarge", "p3.2xlarge", "c6i.8xlarge"};
    int left = n;
    while (left > 0) {
      int k = std::min(left, static_cast<int>(r.range(8, 20)));
      std::string rp, re;
      run_instances(r, k, kMiners[r.below(4)], a.id, rp, re);
      Ev ev = base;
      ev.source = "ec2.amazonaws.com";
      ev.name = "RunInstances";
      ev.read_only = false;
      ev.request = rp;
      ev.response = re;
      send(ev);
      left -= k;
    }
    at.detail = std::to_string(n) + " instances launched";
  } else if (kind == "unusual_region") {
    std::string region =
        kUnusedRegions[static_cast<size_t>(at.variant) % std::size(kUnusedRegions)];
    recon(1);
    Ev ev = base;
    ev.region = region;
    ev.source = "ec2.amazonaws.com";
    ev.name = "DescribeImages";
    ev.request = R"({"imagesSet":{},"ownersSet":{"items":[{"owner":"amazon"}]},"filterSet":{}})";
    send(ev);
    std::string rp, re;
    if (at.variant % 3 == 2) {
      ev = base;
      ev.region = region;
      ev.source = "lambda.amazonaws.com";
      ev.name = "CreateFunction20150331";
      ev.read_only = false;
      rp = "{\"functionName\":\"updater-" + r.hex(6) +
           "\",\"runtime\":\"python3.12\",\"role\":\"arn:aws:iam::" + a.id +
           ":role/app-server\",\"handler\":\"index.handler\"}";
      re = "{\"functionName\":\"updater\",\"functionArn\":\"arn:aws:lambda:" + region + ":" + a.id +
           ":function:updater\",\"state\":\"Pending\"}";
    } else if (at.variant % 3 == 1) {
      ev = base;
      ev.region = region;
      ev.source = "s3.amazonaws.com";
      ev.name = "CreateBucket";
      ev.read_only = false;
      std::string b = "examplecorp-sync-" + r.hex(8);
      rp = "{\"bucketName\":\"" + b + "\",\"Host\":\"" + b + ".s3." + region +
           ".amazonaws.com\",\"CreateBucketConfiguration\":{\"LocationConstraint\":\"" + region +
           "\",\"xmlns\":\"http://s3.amazonaws.com/doc/2006-03-01/\"}}";
      re = "null";
    } else {
      run_instances(r, 2, "c5.2xlarge", a.id, rp, re);
      ev = base;
      ev.region = region;
      ev.source = "ec2.amazonaws.com";
      ev.name = "RunInstances";
      ev.read_only = false;
    }
    ev.request = rp;
    ev.response = re;
    send(ev);
    at.detail = std::string(ev.name) + " in " + region;
  } else if (kind == "stop_logging") {
    recon(2);
    Ev ev = base;
    ev.region = "us-east-1";
    ev.source = "cloudtrail.amazonaws.com";
    ev.name = "StopLogging";
    ev.read_only = false;
    std::string rp =
        "{\"name\":\"arn:aws:cloudtrail:us-east-1:" + accounts_[0].id + ":trail/org-trail\"}";
    ev.request = rp;
    send(ev);
    at.detail = "StopLogging on org-trail";
  } else if (kind == "public_bucket_policy") {
    recon(2);
    std::string b = a.buckets[r.below(a.buckets.size())];
    Ev ev = base;
    ev.source = "s3.amazonaws.com";
    ev.name = "PutBucketPolicy";
    ev.read_only = false;
    std::string rp = "{\"bucketName\":\"" + b + "\",\"Host\":\"" + b + ".s3." + a.regions[0] +
                     ".amazonaws.com\",\"bucketPolicy\":{\"Version\":\"2012-10-17\",\"Statement\":["
                     "{\"Sid\":\"PublicRead\","
                     "\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\","
                     "\"Resource\":\"arn:aws:s3:::" +
                     b + "/*\"}]},\"policy\":\"\"}";
    ev.request = rp;
    send(ev);
    at.detail = "public read policy on " + b;
  } else if (kind == "access_key_other_user") {
    recon(2);
    std::string other = "svc-backup";
    for (const auto& q : people_)
      if (q.iam_user && q.index != p.index && q.account == p.account) {
        other = q.user;
        break;
      }
    Ev ev = base;
    ev.region = "us-east-1";
    ev.source = "iam.amazonaws.com";
    ev.name = "CreateAccessKey";
    ev.read_only = false;
    std::string rp = "{\"userName\":" + json_str(other) + "}";
    std::string re = "{\"accessKey\":{\"accessKeyId\":\"AKIA" + r.upper_alnum(16) +
                     "\",\"status\":\"Active\",\"userName\":" + json_str(other) +
                     ",\"createDate\":\"Nov 1, 2026, 11:00:00 PM\"}}";
    ev.request = rp;
    ev.response = re;
    send(ev);
    at.detail = "access key created for " + other;
  }
  if (at.detail.empty()) at.detail = kind;
}

// ---------------------------------------------------------------------------------------------
// Output

Status write_file(const fs::path& path, std::string_view data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return make_error(ErrorCode::kIo, "cannot create file", path.string());
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!f) return make_error(ErrorCode::kIo, "cannot write file", path.string());
  return {};
}

Status Generator::flush_day() {
  std::vector<uint32_t> idx(out_.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<uint32_t>(i);
  const int64_t period = o_.file_minutes * 60;
  auto slot = [&](const Out& o) { return (o.time / period + 1) * period; };
  std::stable_sort(idx.begin(), idx.end(), [&](uint32_t x, uint32_t y) {
    const Out &a = out_[x], &b = out_[y];
    if (a.group != b.group) return a.group < b.group;
    return slot(a) < slot(b);
  });
  std::string body, packed;
  for (size_t i = 0; i < idx.size();) {
    const Out& first = out_[idx[i]];
    int64_t s = slot(first);
    size_t j = i;
    body.assign("{\"Records\":[");
    while (j < idx.size() && out_[idx[j]].group == first.group && slot(out_[idx[j]]) == s) {
      if (j > i) body += ',';
      body += out_[idx[j]].json;
      ++j;
    }
    body += "]}";
    const Account& a = accounts_[first.group / 64];
    const std::string& region = all_regions()[first.group % 64];
    // Delivery: up to a few minutes after the slot closes.
    int64_t delivered = s + static_cast<int64_t>(rng_.below(4)) * 60;
    Civil c = civil(delivered);
    std::string dir = fmt::format("{}/logs/AWSLogs/{}/CloudTrail/{}/{:04}/{:02}/{:02}", o_.out_dir,
                                  a.id, region, c.year, c.month, c.day);
    if (made_dirs_.insert(dir).second) {
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec) return make_error(ErrorCode::kIo, "cannot create directory: " + ec.message(), dir);
    }
    std::string name =
        fmt::format("{}_CloudTrail_{}_{:04}{:02}{:02}T{:02}{:02}Z_{}.json.gz", a.id, region, c.year,
                    c.month, c.day, c.hour, c.minute, rng_.alnum(16));
    packed.resize(libdeflate_gzip_compress_bound(compressor_, body.size()));
    size_t n = libdeflate_gzip_compress(compressor_, body.data(), body.size(), packed.data(),
                                        packed.size());
    if (n == 0) return make_error(ErrorCode::kInternal, "gzip compression failed", name);
    if (auto st = write_file(fs::path(dir) / name, std::string_view(packed.data(), n)); !st)
      return st;
    ++summary_.files;
    summary_.bytes += n;
    i = j;
  }
  out_.clear();
  return {};
}

Status Generator::write_lists() {
  fs::path dir = fs::path(o_.out_dir) / "lists";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return make_error(ErrorCode::kIo, "cannot create directory: " + ec.message(), dir.string());
  std::string tor = "# Tor exit addresses (simulated; one per line, as the Tor bulk exit list)\n";
  std::string anon = "# Anonymising VPN and proxy egress (simulated)\n";
  std::string intel =
      "indicator,type,confidence,category,source,first_seen,last_seen,valid_until\n";
  std::string trusted = "# Operator-trusted egress: offices and the corporate VPN\n";
  std::string ranges =
      "{\n  \"syncToken\": \"1700000000\",\n  \"createDate\": \"2026-08-30-00-00-00\",\n  "
      "\"prefixes\": [";
  bool first_range = true;
  std::string seen_first = format_time(start_ - 30 * kDay),
              valid = format_time(start_ + 3650 * kDay);
  const auto& blocks = world_.blocks();
  for (size_t i = 0; i < blocks.size(); ++i) {
    const NetBlock& b = blocks[i];
    std::string cidr = format_ip(b.base) + "/" + std::to_string(b.prefix);
    switch (b.kind) {
      case NetKind::kTor:
        for (uint64_t h = 0; h < 254; ++h) tor += world_.address(static_cast<int>(i), h) + "\n";
        break;
      case NetKind::kAnonymizer:
        anon += cidr + "\n";
        break;
      case NetKind::kThreat:
        for (uint64_t h = 9; h < 60; ++h)
          intel += world_.address(static_cast<int>(i), h) + ",ipv4-addr," +
                   std::to_string(b.confidence) + "," + b.label + ",sim-feed," + seen_first + "," +
                   seen_first + "," + valid + "\n";
        break;
      case NetKind::kOffice:
      case NetKind::kVpn:
        trusted += cidr + " " + b.label + "\n";
        break;
      case NetKind::kAws:
        for (const char* service : {"AMAZON", "EC2"}) {
          ranges += first_range ? "\n" : ",\n";
          first_range = false;
          ranges += fmt::format(
              "    {{\"ip_prefix\": \"{}\", \"region\": \"{}\", \"service\": \"{}\", "
              "\"network_border_group\": \"{}\"}}",
              cidr, b.label, service, b.label);
        }
        break;
      default:
        break;
    }
  }
  ranges += "\n  ],\n  \"ipv6_prefixes\": []\n}\n";
  std::string terminated = "identity,terminated_at,note\n";
  for (const auto& p : people_) {
    if (p.leave_day < 0) continue;
    terminated += (p.iam_user ? p.user : p.email) + "," + format_time(p.terminated_at) +
                  ",left the company\n";
  }
  for (auto [name, text] : {std::pair<const char*, std::string*>{"tor_exit.txt", &tor},
                            {"anonymizer.txt", &anon},
                            {"threat_intel.csv", &intel},
                            {"trusted_cidrs.txt", &trusted},
                            {"aws_ip_ranges.json", &ranges},
                            {"terminated_users.csv", &terminated}}) {
    if (auto st = write_file(dir / name, *text); !st) return st;
  }
  return {};
}

Status Generator::write_geoip() {
  fs::path dir = fs::path(o_.out_dir) / "geoip";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return make_error(ErrorCode::kIo, "cannot create directory: " + ec.message(), dir.string());
  std::vector<enrich::MmdbNetwork> nets;
  for (const auto& b : world_.blocks()) {
    enrich::MmdbNetwork n;
    n.base = b.base;
    n.prefix_bits = b.prefix;
    std::string city = b.city >= 0 ? world_.cities()[b.city].name : std::string();
    n.record = enrich::maxmind_city_record(b.country, city, b.latitude, b.longitude, b.accuracy_km,
                                           b.asn, b.as_org);
    nets.push_back(std::move(n));
  }
  enrich::MmdbMetadata meta;
  meta.database_type = "trailwarden-sim-City";
  meta.description = "trailwarden simulated geo-IP (cities, ISPs, hosting, Tor, AWS)";
  meta.build_epoch = static_cast<uint64_t>(start_);
  return enrich::write_mmdb((dir / "sim-city.mmdb").string(), nets, meta);
}

Status Generator::write_labels() {
  std::string out;
  for (const auto& a : attacks_) {
    if (a.event_ids.empty()) continue;
    out += fmt::format("{{\"attack_id\":\"A{:04}\",\"kind\":{},\"category\":{},\"expected\":{},",
                       a.id, json_string(a.kind->name), json_string(a.kind->category),
                       json_string_array(a.kind->expected));
    out += "\"identity\":" + json_string(a.identity) +
           ",\"identity_arn\":" + json_string(a.identity_arn) +
           ",\"account\":" + json_string(a.account) +
           ",\"person\":" + json_string(people_[a.person].email) + ",\"start\":\"" +
           format_time(a.start) + "\",\"end\":\"" + format_time(a.end) +
           "\",\"source_ips\":" + json_string_array(a.ips) +
           ",\"detail\":" + json_string(a.detail) +
           ",\"event_count\":" + std::to_string(a.event_ids.size()) +
           ",\"event_ids\":" + json_string_array(a.event_ids) + "}\n";
  }
  return write_file(fs::path(o_.out_dir) / "labels.jsonl", out);
}

Status Generator::write_manifest(const SimSummary& s) {
  std::string accounts;
  for (const auto& a : accounts_) {
    if (!accounts.empty()) accounts += ", ";
    accounts += "{\"id\": " + json_string(a.id) + ", \"name\": " + json_string(a.name) +
                ", \"regions\": " + json_string_array(a.regions) + "}";
  }
  std::map<std::string, int> per_kind;
  for (const auto& a : attacks_)
    if (!a.event_ids.empty()) ++per_kind[a.kind->name];
  std::string kinds;
  for (const auto& [k, v] : per_kind) {
    if (!kinds.empty()) kinds += ", ";
    kinds += json_string(k) + ": " + std::to_string(v);
  }
  int iam = 0, leavers = 0;
  for (const auto& p : people_) iam += p.iam_user, leavers += p.leave_day >= 0;
  std::string text = fmt::format(
      "{{\n  \"generator\": \"trailwarden simulate\",\n  \"seed\": {},\n  \"start\": {},\n"
      "  \"days\": {},\n  \"learning_days\": {},\n  \"accounts\": [{}],\n  \"users\": {},\n"
      "  \"iam_users\": {},\n  \"leavers\": {},\n  \"events\": {},\n  \"benign_events\": {},\n"
      "  \"attack_events\": {},\n  \"files\": {},\n  \"compressed_bytes\": {},\n"
      "  \"attacks\": {},\n  \"attacks_by_kind\": {{{}}},\n  \"identities\": {},\n"
      "  \"benign_identity_days\": {},\n  \"benign_person_identity_days\": {},\n"
      "  \"geoip\": \"geoip/sim-city.mmdb\",\n  \"lists\": \"lists\",\n  \"labels\": "
      "\"labels.jsonl\"\n}}\n",
      o_.seed, json_string(o_.start), o_.days, kLearningDays, accounts, o_.users, iam, leavers,
      s.events, s.events - s.attack_events, s.attack_events, s.files, s.bytes, s.attacks, kinds,
      s.identities, s.identity_days, s.person_identity_days);
  return write_file(fs::path(o_.out_dir) / "manifest.json", text);
}

Result<SimSummary> Generator::run() {
  const Clock& clock = SystemClock::instance();  // only for the summary's seconds
  int64_t t0 = clock.monotonic_nanos();
  if (auto st = parse_options(); !st) return std::unexpected(st.error());
  std::error_code ec;
  fs::create_directories(o_.out_dir, ec);
  if (ec) return make_error(ErrorCode::kIo, "cannot create directory: " + ec.message(), o_.out_dir);
  if (fs::exists(fs::path(o_.out_dir) / "logs"))
    return make_error(ErrorCode::kInvalidArgument,
                      "output directory already holds logs/ (simulate into an empty directory)",
                      o_.out_dir);
  build_accounts();
  build_people();
  build_workloads();
  plan_days();
  schedule_attacks();
  last_located_.assign(people_.size(), 0);
  compressor_ = libdeflate_alloc_compressor(std::clamp(o_.compression_level, 1, 12));
  if (compressor_ == nullptr) return make_error(ErrorCode::kInternal, "libdeflate: out of memory");
  struct Free {
    libdeflate_compressor*& c;
    ~Free() { libdeflate_free_compressor(c); }
  } free_compressor{compressor_};
  if (auto st = write_lists(); !st) return std::unexpected(st.error());
  if (auto st = write_geoip(); !st) return std::unexpected(st.error());
  size_t next_attack = 0;
  for (int day = 0; day < o_.days; ++day) {
    current_day_ = day;
    std::fill(last_located_.begin(), last_located_.end(), 0);
    for (auto& p : people_) person_day(p, day);
    for (size_t a = 0; a < accounts_.size(); ++a) workloads_day(static_cast<int>(a), day);
    while (next_attack < attacks_.size() && attacks_[next_attack].day == day)
      attack(attacks_[next_attack++]);
    if (auto st = flush_day(); !st) return std::unexpected(st.error());
  }
  for (const auto& a : attacks_) summary_.attacks += !a.event_ids.empty();
  summary_.identities = all_identities_.size();
  if (auto st = write_labels(); !st) return std::unexpected(st.error());
  if (auto st = write_manifest(summary_); !st) return std::unexpected(st.error());
  summary_.seconds = static_cast<double>(clock.monotonic_nanos() - t0) / 1e9;
  return summary_;
}

}  // namespace

Result<SimSummary> simulate(const SimOptions& options) {
  Generator g(options);
  return g.run();
}

}  // namespace trailwarden::sim
