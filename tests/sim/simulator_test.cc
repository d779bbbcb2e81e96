// The simulator: deterministic bytes, CloudTrail's S3 layout and record shape, labels that point
// at real events and match the catalogue's policy definitions, and a benign background that
// stays below the policies' floors (detection-catalog.md §4.3-4.4).
#include "sim/simulator.h"

#include <gtest/gtest.h>
#include <maxminddb.h>
#include <simdjson.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/time.h"

namespace fs = std::filesystem;
using namespace trailwarden;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string gunzip(const std::string& in) {
  z_stream s{};
  inflateInit2(&s, 16 + MAX_WBITS);
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  s.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[1 << 16];
  int rc;
  do {
    s.next_out = reinterpret_cast<Bytef*>(buf);
    s.avail_out = sizeof buf;
    rc = inflate(&s, Z_NO_FLUSH);
    out.append(buf, sizeof buf - s.avail_out);
  } while (rc == Z_OK);
  inflateEnd(&s);
  EXPECT_EQ(rc, Z_STREAM_END);
  return out;
}

fs::path temp_dir(const std::string& name) {
  fs::path p =
      fs::temp_directory_path() / ("tw-sim-test-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(p);
  return p;
}

std::string str(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get(v) != simdjson::SUCCESS) return {};
  return std::string(v);
}

struct Event {
  std::string id, name, source, region, ip, account, key, identity_type, error, login, invoked_by;
  bool read_only = true;
  int64_t time = 0;
  int run_instances = 0;  // items in responseElements.instancesSet
  int terminated = 0;     // items in requestParameters.instancesSet
  std::string location;   // CreateBucket's LocationConstraint
  std::string user_name;
};

// Identity key as catalog §4.3 defines it (IAM users, assumed roles), empty otherwise.
std::string identity_key(simdjson::dom::element ui) {
  std::string_view type, arn;
  if (ui["type"].get(type)) return {};
  if (type == "IAMUser") {
    if (ui["arn"].get(arn)) return {};
    return std::string(arn);
  }
  if (type == "AssumedRole") {
    std::string_view issuer;
    if (ui["sessionContext"]["sessionIssuer"]["arn"].get(issuer) || ui["arn"].get(arn)) return {};
    return std::string(issuer) + "/" + std::string(arn.substr(arn.rfind('/') + 1));
  }
  return {};
}

struct Sim {
  fs::path dir;
  std::vector<Event> events;
  std::unordered_map<std::string, size_t> by_id;
  std::vector<simdjson::dom::document> labels_docs;
  std::vector<std::string> label_lines;
  std::vector<std::string> files;
};

void load(Sim& s) {
  simdjson::dom::parser parser;
  std::regex name_re(R"(^\d{12}_CloudTrail_[a-z0-9-]+_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$)");
  for (const auto& e : fs::recursive_directory_iterator(s.dir / "logs")) {
    if (!e.is_regular_file()) continue;
    std::string rel = fs::relative(e.path(), s.dir / "logs").string();
    s.files.push_back(rel);
    std::string fname = e.path().filename().string();
    ASSERT_TRUE(std::regex_match(fname, name_re)) << rel;
    // AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<YYYYMMDD>...
    std::vector<std::string> parts;
    for (const auto& part : fs::path(rel)) parts.push_back(part.string());
    ASSERT_EQ(parts.size(), 8u) << rel;
    EXPECT_EQ(parts[0], "AWSLogs");
    EXPECT_EQ(parts[2], "CloudTrail");
    EXPECT_EQ(fname.substr(0, 12), parts[1]);
    EXPECT_EQ(fname.find("_CloudTrail_" + parts[3] + "_" + parts[4] + parts[5] + parts[6] + "T"),
              12u)
        << rel;
    std::string json = gunzip(read_all(e.path()));
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << rel;
    simdjson::dom::array recs;
    ASSERT_EQ(doc["Records"].get(recs), simdjson::SUCCESS);
    for (auto r : recs) {
      Event ev;
      std::string_view v;
      EXPECT_EQ(r["eventID"].get(v), simdjson::SUCCESS);
      ev.id = v;
      ev.name = str(r, "eventName");
      ev.source = str(r, "eventSource");
      ev.region = str(r, "awsRegion");
      EXPECT_EQ(ev.region, parts[3]);
      ev.ip = str(r, "sourceIPAddress");
      ev.account = str(r, "recipientAccountId");
      EXPECT_EQ(ev.account, parts[1]);
      auto t = parse_iso8601_micros(str(r, "eventTime"));
      EXPECT_TRUE(t.has_value());
      ev.time = t.value_or(0) / 1000000;
      bool ro = true;
      if (r["readOnly"].get(ro) != simdjson::SUCCESS) ro = true;
      ev.read_only = ro;
      simdjson::dom::element ui;
      if (r["userIdentity"].get(ui) == simdjson::SUCCESS) {
        ev.key = identity_key(ui);
        if (ui["type"].get(v) == simdjson::SUCCESS) ev.identity_type = v;
        if (ui["invokedBy"].get(v) == simdjson::SUCCESS) ev.invoked_by = v;
        if (ui["userName"].get(v) == simdjson::SUCCESS) ev.user_name = v;
      }
      if (r["errorCode"].get(v) == simdjson::SUCCESS) ev.error = v;
      if (r["errorMessage"].get(v) == simdjson::SUCCESS && ev.error.empty()) ev.error = v;
      if (r["responseElements"]["ConsoleLogin"].get(v) == simdjson::SUCCESS) ev.login = v;
      simdjson::dom::array items;
      if (ev.name == "RunInstances" &&
          r["responseElements"]["instancesSet"]["items"].get(items) == simdjson::SUCCESS)
        ev.run_instances = static_cast<int>(items.size());
      if (ev.name == "TerminateInstances" &&
          r["requestParameters"]["instancesSet"]["items"].get(items) == simdjson::SUCCESS)
        ev.terminated = static_cast<int>(items.size());
      if (r["requestParameters"]["CreateBucketConfiguration"]["LocationConstraint"].get(v) ==
          simdjson::SUCCESS)
        ev.location = v;
      EXPECT_TRUE(s.by_id.emplace(ev.id, s.events.size()).second) << "duplicate id " << ev.id;
      s.events.push_back(std::move(ev));
    }
  }
  std::ifstream lf(s.dir / "labels.jsonl");
  for (std::string line; std::getline(lf, line);) s.label_lines.push_back(line);
}

// Digest of every output file (path and bytes).
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> m;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) m[fs::relative(e.path(), dir).string()] = read_all(e.path());
  return m;
}

sim::SimOptions small(const fs::path& dir, uint64_t seed = 7) {
  sim::SimOptions o;
  o.days = 24;
  o.accounts = 2;
  o.users = 16;
  o.seed = seed;
  o.instances = 2;
  o.out_dir = dir.string();
  return o;
}

const std::set<std::string> kAdminSources = {"iam.amazonaws.com",
                                             "organizations.amazonaws.com",
                                             "sso.amazonaws.com",
                                             "identitystore.amazonaws.com",
                                             "cloudtrail.amazonaws.com",
                                             "config.amazonaws.com",
                                             "guardduty.amazonaws.com",
                                             "securityhub.amazonaws.com",
                                             "access-analyzer.amazonaws.com",
                                             "account.amazonaws.com",
                                             "ram.amazonaws.com"};
bool admin_event(const Event& e) {
  if (!e.error.empty() || e.read_only) return false;
  if (kAdminSources.count(e.source)) return true;
  if (e.source == "kms.amazonaws.com")
    return e.name == "PutKeyPolicy" || e.name == "CreateGrant" || e.name == "RevokeGrant" ||
           e.name == "DisableKey" || e.name == "ScheduleKeyDeletion";
  return e.source == "ec2.amazonaws.com" &&
         (e.name.find("SecurityGroup") != std::string::npos ||
          e.name.find("NetworkAcl") != std::string::npos ||
          e.name.find("Route") != std::string::npos || e.name.find("Gateway") != std::string::npos);
}
bool storage_deletion(const Event& e) {
  static const std::set<std::string> names = {
      "DeleteBucket",    "DeleteVolume",     "DeleteSnapshot",          "DeleteDBInstance",
      "DeleteDBCluster", "DeleteDBSnapshot", "DeleteDBClusterSnapshot", "DeleteTable",
      "DeleteBackup",    "DeleteFileSystem", "DeleteRecoveryPoint",     "DeleteBackupVault",
      "DeleteVault"};
  return e.error.empty() && names.count(e.name) > 0;
}
bool service_originated(const Event& e) {
  return !e.invoked_by.empty() || e.identity_type == "AWSService" ||
         (e.ip.find('.') != std::string::npos &&
          e.ip.find_first_not_of("0123456789.") != std::string::npos);
}

class SimulatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim_ = new Sim;
    sim_->dir = temp_dir("main");
    auto r = sim::simulate(small(sim_->dir));
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    summary_ = *r;
    load(*sim_);
  }
  static void TearDownTestSuite() {
    fs::remove_all(sim_->dir);
    delete sim_;
  }
  static Sim* sim_;
  static sim::SimSummary summary_;
};
Sim* SimulatorTest::sim_ = nullptr;
sim::SimSummary SimulatorTest::summary_;

TEST_F(SimulatorTest, SummaryMatchesFiles) {
  EXPECT_EQ(summary_.events, sim_->events.size());
  EXPECT_EQ(summary_.files, sim_->files.size());
  EXPECT_GT(summary_.events, 50000u);
  EXPECT_GT(summary_.identity_days, 16u * 10);
  auto manifest = read_all(sim_->dir / "manifest.json");
  simdjson::dom::parser p;
  simdjson::dom::element m;
  ASSERT_EQ(p.parse(manifest).get(m), simdjson::SUCCESS);
  uint64_t events = 0, days = 0;
  ASSERT_EQ(m["events"].get(events), simdjson::SUCCESS);
  EXPECT_EQ(events, summary_.events);
  ASSERT_EQ(m["benign_identity_days"].get(days), simdjson::SUCCESS);
  EXPECT_EQ(days, summary_.identity_days);
}

TEST_F(SimulatorTest, EveryAnomalyPolicyHasLabelledInstancesPointingAtRealEvents) {
  simdjson::dom::parser p;
  std::map<std::string, int> per_policy;
  int64_t start = *parse_iso8601_micros("2026-09-01T00:00:00Z") / 1000000;
  for (const auto& line : sim_->label_lines) {
    simdjson::dom::element l;
    ASSERT_EQ(p.parse(line).get(l), simdjson::SUCCESS) << line;
    std::string_view first;
    ASSERT_EQ(l["expected"].at(0).get(first), simdjson::SUCCESS);
    ++per_policy[std::string(first)];
    simdjson::dom::array ids;
    ASSERT_EQ(l["event_ids"].get(ids), simdjson::SUCCESS);
    EXPECT_GT(ids.size(), 0u);
    for (auto id : ids) {
      std::string_view v;
      ASSERT_EQ(id.get(v), simdjson::SUCCESS);
      auto it = sim_->by_id.find(std::string(v));
      ASSERT_NE(it, sim_->by_id.end())
          << "label points at a missing event: " << line.substr(0, 120);
      // After the learning week.
      EXPECT_GE(sim_->events[it->second].time, start + 7 * 86400);
    }
  }
  for (const auto& k : sim::attack_kinds()) EXPECT_EQ(per_policy[k.expected[0]], 2) << k.name;
}

// Each attack, checked against the policy it is meant for (catalog §4.4 at Medium).
TEST_F(SimulatorTest, AttacksCrossThePolicyFloors) {
  simdjson::dom::parser p;
  auto lists = read_all(sim_->dir / "lists" / "tor_exit.txt") +
               read_all(sim_->dir / "lists" / "anonymizer.txt");
  auto intel = read_all(sim_->dir / "lists" / "threat_intel.csv");
  auto terminated = read_all(sim_->dir / "lists" / "terminated_users.csv");
  for (const auto& line : sim_->label_lines) {
    simdjson::dom::element l;
    ASSERT_EQ(p.parse(line).get(l), simdjson::SUCCESS);
    std::string_view kind_v, identity_v;
    ASSERT_EQ(l["kind"].get(kind_v), simdjson::SUCCESS);
    ASSERT_EQ(l["identity"].get(identity_v), simdjson::SUCCESS);
    std::string kind(kind_v), identity(identity_v);
    std::vector<const Event*> evs;
    simdjson::dom::array ids;
    ASSERT_EQ(l["event_ids"].get(ids), simdjson::SUCCESS);
    for (auto id : ids)
      evs.push_back(&sim_->events[sim_->by_id.at(std::string(id.get_string().value()))]);
    int admin = 0, storage = 0, objects = 0, created = 0, terminated_n = 0, failed = 0;
    for (const Event* e : evs) {
      if (kind != "failed_logins") {
        EXPECT_EQ(e->key, identity) << kind;
        EXPECT_TRUE(e->error.empty()) << kind;
      }
      admin += admin_event(*e);
      storage += storage_deletion(*e);
      objects += e->name == "DeleteObject";
      created += e->run_instances;
      terminated_n += e->terminated;
      failed += e->login == "Failure";
    }
    // The attack forms one session: no gap of 30 minutes.
    for (size_t i = 1; i < evs.size(); ++i)
      if (kind != "impossible_travel") {
        EXPECT_LT(std::llabs(evs[i]->time - evs[i - 1]->time), 1800) << kind;
      }
    if (kind == "anonymous_ip")
      for (const Event* e : evs) {
        auto ip = e->ip;
        bool listed = lists.find(ip + "\n") != std::string::npos ||
                      lists.find(ip.substr(0, ip.rfind('.')) + ".0/24") != std::string::npos;
        EXPECT_TRUE(listed) << ip;
      }
    if (kind == "suspicious_ip") {
      for (const Event* e : evs) EXPECT_NE(intel.find(e->ip + ","), std::string::npos) << e->ip;
    }
    if (kind == "terminated_user") {
      std::string_view person;
      ASSERT_EQ(l["person"].get(person), simdjson::SUCCESS);
      std::string who(person);
      if (identity.find(":user/") != std::string::npos)
        who = identity.substr(identity.rfind('/') + 1);
      auto at = terminated.find(who + ",");
      ASSERT_NE(at, std::string::npos) << who;
      auto when = parse_iso8601_micros(terminated.substr(at + who.size() + 1, 20));
      ASSERT_TRUE(when.has_value());
      for (const Event* e : evs) EXPECT_GT(e->time, *when / 1000000 + 3600);
    }
    if (kind == "failed_logins") {
      EXPECT_GT(failed, 5);
    }
    if (kind == "admin_activity") {
      EXPECT_GT(admin, 20);
    }
    if (kind == "storage_deletion") {
      EXPECT_TRUE(storage > 10 || objects > 1000) << storage << " " << objects;
    }
    if (kind == "vm_deletion") {
      EXPECT_GT(terminated_n, 10);
    }
    if (kind == "vm_creation") {
      EXPECT_GT(created, 20);
    }
    if (kind == "unusual_region") {
      bool creation = false;
      for (const Event* e : evs) {
        if (e->read_only) continue;
        std::string region = e->name == "CreateBucket" ? e->location : e->region;
        // No benign resource creation in that region, anywhere in the organisation.
        for (const auto& b : sim_->events)
          if (!b.read_only && b.region == region &&
              (b.name == "RunInstances" || b.name == "CreateBucket" ||
               b.name.starts_with("CreateFunction"))) {
            EXPECT_TRUE(std::find(evs.begin(), evs.end(), &b) != evs.end()) << region;
          }
        creation = true;
      }
      EXPECT_TRUE(creation);
    }
  }
}

// The benign background stays below the floors the policies use at Medium, so that what they
// find is what the labels say.
TEST_F(SimulatorTest, BenignBackgroundStaysBelowThePolicyFloors) {
  std::set<std::string> attack_ids;
  simdjson::dom::parser p;
  for (const auto& line : sim_->label_lines) {
    simdjson::dom::element l;
    ASSERT_EQ(p.parse(line).get(l), simdjson::SUCCESS);
    simdjson::dom::array ids;
    ASSERT_EQ(l["event_ids"].get(ids), simdjson::SUCCESS);
    for (auto id : ids) attack_ids.insert(std::string(id.get_string().value()));
  }
  auto listed = read_all(sim_->dir / "lists" / "tor_exit.txt") +
                read_all(sim_->dir / "lists" / "threat_intel.csv");
  std::map<std::string, std::vector<const Event*>> by_identity, failures_by_user;
  for (const auto& e : sim_->events) {
    if (attack_ids.count(e.id)) continue;
    EXPECT_EQ(listed.find("\n" + e.ip + "\n"), std::string::npos)
        << "benign event from a Tor exit: " << e.ip;
    EXPECT_EQ(listed.find("\n" + e.ip + ","), std::string::npos)
        << "benign event from threat intel: " << e.ip;
    if (e.login == "Failure") failures_by_user[e.user_name].push_back(&e);
    if (!e.key.empty() && !service_originated(e)) by_identity[e.key].push_back(&e);
  }
  auto sessions = [](std::vector<const Event*> evs, auto metric, int limit, const char* what,
                     const std::string& who) {
    std::sort(evs.begin(), evs.end(), [](auto* a, auto* b) { return a->time < b->time; });
    int value = 0;
    int64_t start = 0, last = 0;
    for (const Event* e : evs) {
      if (e->time - last >= 1800 || e->time - start > 12 * 3600) value = 0, start = e->time;
      last = e->time;
      value += metric(*e);
      EXPECT_LE(value, limit) << what << " by " << who;
    }
  };
  for (auto& [key, evs] : by_identity) {
    sessions(
        evs, [](const Event& e) { return admin_event(e) ? 1 : 0; }, 15, "admin events", key);
    sessions(
        evs, [](const Event& e) { return storage_deletion(e) ? 1 : 0; }, 8, "storage deletions",
        key);
    sessions(
        evs, [](const Event& e) { return e.name == "DeleteObject" ? 1 : 0; }, 200,
        "object deletions", key);
    sessions(
        evs, [](const Event& e) { return e.run_instances; }, 12, "instances launched", key);
    sessions(
        evs, [](const Event& e) { return e.terminated; }, 5, "instances terminated", key);
  }
  for (auto& [user, evs] : failures_by_user)
    sessions(
        evs, [](const Event&) { return 1; }, 2, "failed sign-ins", user);
}

TEST_F(SimulatorTest, GeoIpDatabaseLocatesTheSimulatedAddresses) {
  MMDB_s db;
  ASSERT_EQ(MMDB_open((sim_->dir / "geoip" / "sim-city.mmdb").c_str(), MMDB_MODE_MMAP, &db),
            MMDB_SUCCESS);
  int located = 0, public_v4 = 0;
  std::set<std::string> seen;
  for (const auto& e : sim_->events) {
    if (e.ip.find_first_not_of("0123456789.:abcdef") != std::string::npos ||
        e.ip.starts_with("10."))
      continue;
    if (!seen.insert(e.ip).second) continue;
    ++public_v4;
    int gai = 0, err = 0;
    auto r = MMDB_lookup_string(&db, e.ip.c_str(), &gai, &err);
    ASSERT_EQ(gai, 0);
    ASSERT_EQ(err, MMDB_SUCCESS);
    if (!r.found_entry) continue;
    MMDB_entry_data_s d;
    if (MMDB_get_value(&r.entry, &d, "country", "iso_code", nullptr) == MMDB_SUCCESS && d.has_data)
      ++located;
  }
  EXPECT_GT(public_v4, 50);
  EXPECT_EQ(located, public_v4) << "every public source address is in the database";
  MMDB_close(&db);
}

TEST(Simulator, SameSeedSameBytesOtherSeedOtherBytes) {
  auto a = temp_dir("a"), b = temp_dir("b"), c = temp_dir("c");
  auto o = small(a);
  o.days = 12;
  o.users = 6;
  o.instances = 1;
  ASSERT_TRUE(sim::simulate(o).has_value());
  o.out_dir = b.string();
  ASSERT_TRUE(sim::simulate(o).has_value());
  o.out_dir = c.string();
  o.seed = 8;
  ASSERT_TRUE(sim::simulate(o).has_value());
  auto sa = snapshot(a), sb = snapshot(b), sc = snapshot(c);
  EXPECT_GT(sa.size(), 100u);
  EXPECT_TRUE(sa == sb);
  EXPECT_NE(sa.at("labels.jsonl"), sc.at("labels.jsonl"));
  EXPECT_NE(sa.at("manifest.json"), sc.at("manifest.json"));
  // Refuses to write over an existing simulation.
  o.out_dir = a.string();
  EXPECT_FALSE(sim::simulate(o).has_value());
  for (auto& d : {a, b, c}) fs::remove_all(d);
}

TEST(Simulator, RejectsBadOptions) {
  auto d = temp_dir("bad");
  auto o = small(d);
  o.days = 5;  // attacks need the learning week first
  EXPECT_FALSE(sim::simulate(o).has_value());
  o.days = 12;
  o.attacks = {"no_such_attack"};
  EXPECT_FALSE(sim::simulate(o).has_value());
  o.attacks = {"none"};
  o.days = 3;
  auto r = sim::simulate(o);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->attacks, 0u);
  EXPECT_EQ(read_all(d / "labels.jsonl"), "");
  fs::remove_all(d);
}

}  // namespace
