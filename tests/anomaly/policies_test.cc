// The 11 anomaly policies (catalog §4.4): a match, a near miss, learning, suppression and
// sensitivity for each, on Activities built directly.
#include <gtest/gtest.h>

#include "anomaly_test_util.h"

namespace trailwarden::anomaly::testing {
namespace {

constexpr std::string_view kTravel = "aws.anomaly.impossible_travel";
constexpr std::string_view kCountry = "aws.anomaly.infrequent_country";
constexpr std::string_view kAnon = "aws.anomaly.anonymous_ip_activity";
constexpr std::string_view kSuspicious = "aws.anomaly.suspicious_ip_activity";
constexpr std::string_view kTerminated = "aws.anomaly.terminated_user_activity";
constexpr std::string_view kFailed = "aws.anomaly.multiple_failed_logins";
constexpr std::string_view kAdmin = "aws.anomaly.unusual_admin_activity";
constexpr std::string_view kStorage = "aws.anomaly.unusual_storage_deletion";
constexpr std::string_view kVmDel = "aws.anomaly.multiple_vm_deletion";
constexpr std::string_view kVmNew = "aws.anomaly.unusual_vm_creation";
constexpr std::string_view kRegion = "aws.anomaly.unusual_region_resource";

const int64_t kDay10 = kT0 + 10 * kDay;

// ---- impossible travel ----

TEST(ImpossibleTravel, FrankfurtThenSaoPauloSeventyMinutesLaterAlertsWithExplanation) {
  Harness h;
  h.run(routine(kAlice, 10, 6, frankfurt));
  Activity fra =
      frankfurt(event(kDay10 + 9 * kHour, kAlice, "ConsoleLogin", "signin.amazonaws.com"));
  Activity sao = sao_paulo(
      event(kDay10 + 10 * kHour + 10 * kMin, kAlice, "ConsoleLogin", "signin.amazonaws.com"));
  h.run({fra, sao});
  auto alerts = h.of(kTravel);
  ASSERT_EQ(alerts.size(), 1u);
  const auto& a = alerts[0];
  EXPECT_EQ(a.kind, "anomaly");
  EXPECT_NE(a.description.find("ConsoleLogin by alice from São Paulo, BR 1 h 10 min after activity "
                               "from Frankfurt, DE"),
            std::string::npos)
      << a.description;
  EXPECT_NE(a.description.find("km/h"), std::string::npos);
  EXPECT_NE(a.event_ids_json.find(fra.event_id), std::string::npos);
  EXPECT_NE(a.event_ids_json.find(sao.event_id), std::string::npos);
  EXPECT_NE(a.details_json.find("\"speed_kmh\""), std::string::npos);
  EXPECT_NE(a.entities_json.find("\"identity\":{\"name\":\"alice\""), std::string::npos);
}

TEST(ImpossibleTravel, SameTripOverTwelveHoursIsPossible) {
  Harness h;
  h.run(routine(kAlice, 10, 6, frankfurt));
  h.run({frankfurt(event(kDay10 + 6 * kHour)), sao_paulo(event(kDay10 + 19 * kHour))});
  EXPECT_EQ(h.count(kTravel), 0u);  // 9,800 km in 13 h is ~750 km/h
}

TEST(ImpossibleTravel, NoAlertDuringLearning) {
  Harness h;
  h.run(routine(kAlice, 3, 6, frankfurt));
  h.run({frankfurt(event(kT0 + 3 * kDay + 9 * kHour)),
         sao_paulo(event(kT0 + 3 * kDay + 10 * kHour))});
  EXPECT_EQ(h.count(kTravel), 0u);
}

TEST(ImpossibleTravel, OutOfOrderArrivalComparesWithTrueNeighbours) {
  Harness h;
  h.run(routine(kAlice, 10, 6, frankfurt));
  // São Paulo arrives first, then a Frankfurt event 20 minutes *earlier* in event time.
  h.run1(sao_paulo(event(kDay10 + 10 * kHour)));
  h.run1(frankfurt(event(kDay10 + 9 * kHour + 40 * kMin)));
  EXPECT_EQ(h.count(kTravel), 1u);
}

TEST(ImpossibleTravel, SensitivityDecidesNeighbouringCountriesAndMinimumDistance) {
  // Frankfurt -> Vienna: ~600 km in 10 minutes.
  for (auto [s, expect] : {std::pair{Sensitivity::kLow, 0u}, std::pair{Sensitivity::kMedium, 1u},
                           std::pair{Sensitivity::kHigh, 1u}}) {
    Harness h(policies_at(s));
    h.run(routine(kAlice, 10, 6, frankfurt));
    h.run({frankfurt(event(kDay10 + 9 * kHour)), vienna(event(kDay10 + 9 * kHour + 10 * kMin))});
    EXPECT_EQ(h.count(kTravel), expect) << sensitivity_name(s);
  }
}

TEST(ImpossibleTravel, PairSeenInBaselineIsSuppressedExceptAtHigh) {
  for (auto [s, expect] :
       {std::pair{Sensitivity::kMedium, 0u}, std::pair{Sensitivity::kHigh, 1u}}) {
    Harness h(policies_at(s));
    h.run(routine(kAlice, 2, 6, frankfurt));
    // A plausible DE -> BR trip on day 2 puts the pair into the identity's baseline.
    h.run({frankfurt(event(kT0 + 2 * kDay + 6 * kHour)),
           sao_paulo(event(kT0 + 2 * kDay + 22 * kHour))});
    h.run(routine(kAlice, 7, 6, frankfurt, kT0 + 3 * kDay));
    h.run({frankfurt(event(kDay10 + 9 * kHour)), sao_paulo(event(kDay10 + 9 * kHour + 30 * kMin))});
    EXPECT_EQ(h.count(kTravel), expect) << sensitivity_name(s);
  }
}

TEST(ImpossibleTravel, SystemSuppressionsSkipAwsTrustedAndCoarseAddresses) {
  Harness h;
  h.run(routine(kAlice, 10, 6, frankfurt));
  Activity aws = sao_paulo(event(kDay10 + 9 * kHour + 10 * kMin));
  aws.ip.aws = true;
  Activity trusted = sao_paulo(event(kDay10 + 9 * kHour + 20 * kMin));
  trusted.source = "177.20.20.21";
  trusted.ip.trusted = true;
  Activity coarse = sao_paulo(event(kDay10 + 9 * kHour + 30 * kMin));
  coarse.source = "177.20.20.22";
  coarse.ip.accuracy_km = 1000;
  coarse.ip.coarse = true;
  h.run({frankfurt(event(kDay10 + 9 * kHour)), aws, trusted, coarse});
  EXPECT_EQ(h.count(kTravel), 0u);
}

// ---- infrequent country ----

TEST(InfrequentCountry, NewCountryAfterLearningAlerts) {
  Harness h;
  h.run(routine(kAlice, 10, 3, frankfurt));
  h.run1(moscow(event(kDay10 + 20 * kHour)));
  auto a = h.of(kCountry);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(a[0].description.find("Moscow, RU"), std::string::npos) << a[0].description;
  EXPECT_NE(a[0].description.find("DE (30)"), std::string::npos) << a[0].description;
  // The same country again within 7 days: no second alert.
  h.run1(moscow(event(kDay10 + 2 * kDay)));
  EXPECT_EQ(h.count(kCountry), 1u);
}

TEST(InfrequentCountry, KnownCountryAndTooFewLocatedEventsDoNotAlert) {
  Harness h;
  h.run(routine(kAlice, 10, 3, frankfurt));
  h.run1(frankfurt(event(kDay10 + 20 * kHour)));
  EXPECT_EQ(h.count(kCountry), 0u);
  Harness few;
  few.run(routine(kAlice, 10, 1, frankfurt));  // 10 located events < 20
  few.run1(moscow(event(kDay10 + 20 * kHour)));
  EXPECT_EQ(few.count(kCountry), 0u);
}

TEST(InfrequentCountry, LearningPeriod) {
  Harness h;
  h.run(routine(kAlice, 5, 6, frankfurt));
  h.run1(moscow(event(kT0 + 5 * kDay + 20 * kHour)));
  EXPECT_EQ(h.count(kCountry), 0u);
}

TEST(InfrequentCountry, CountryCommonInTheOrganisationIsSuppressedAtMediumNotHigh) {
  for (auto [s, expect] :
       {std::pair{Sensitivity::kMedium, 0u}, std::pair{Sensitivity::kHigh, 1u}}) {
    Harness h(policies_at(s));
    h.run(routine(kAlice, 10, 3, frankfurt));
    // Two of four other identities work from Russia (50% >= 20%).
    for (int i = 0; i < 4; ++i) {
      std::string arn = "arn:aws:iam::111122223333:user/u" + std::to_string(i);
      h.run(routine(arn, 2, 2, i < 2 ? moscow : frankfurt));
    }
    h.run1(moscow(event(kDay10 + 20 * kHour)));
    EXPECT_EQ(h.count(kCountry), expect) << sensitivity_name(s);
  }
}

// ---- anonymous and suspicious addresses ----

Activity tor(Activity a) {
  a = at(std::move(a), "185.220.101.1", "NL", "Amsterdam", 52.37, 4.89);
  a.ip.tor_exit = true;
  return a;
}

TEST(AnonymousIp, TorExitAlertsWithoutLearningAndFoldsRepeats) {
  Harness h;
  h.run({tor(event(kT0 + kHour)), tor(event(kT0 + 2 * kHour))});
  auto a = h.of(kAnon);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].event_count, 2);
  EXPECT_NE(a[0].description.find("tor_exit"), std::string::npos);
  // After 24 h the same address raises a new alert.
  h.run1(tor(event(kT0 + 27 * kHour)));
  EXPECT_EQ(h.count(kAnon), 2u);
}

TEST(AnonymousIp, FailedServiceAwsAndTrustedActivityDoesNotAlert) {
  Harness h;
  Activity failed = tor(event(kT0 + kHour));
  failed.ok = false;
  Activity service = tor(event(kT0 + kHour));
  service.person = false;
  service.service_originated = true;
  Activity aws = tor(event(kT0 + kHour));
  aws.ip.aws = true;
  Activity trusted = tor(event(kT0 + kHour));
  trusted.ip.trusted = true;
  Activity plain = frankfurt(event(kT0 + kHour));
  h.run({failed, service, aws, trusted, plain});
  EXPECT_EQ(h.count(kAnon), 0u);
}

TEST(AnonymousIp, SharedEgressSuppressedAtLowOnly) {
  for (auto [s, expect] : {std::pair{Sensitivity::kLow, 0u}, std::pair{Sensitivity::kMedium, 1u}}) {
    Harness h(policies_at(s));
    for (int i = 0; i < 3; ++i) {
      std::string arn = "arn:aws:iam::111122223333:user/u" + std::to_string(i);
      for (int d = 0; d < 3; ++d) h.run1(tor(event(kT0 + d * kDay + kHour, arn)));
    }
    size_t before = h.count(kAnon);
    h.run1(tor(event(kT0 + 5 * kDay, kAlice)));
    EXPECT_EQ(h.count(kAnon) - before, expect) << sensitivity_name(s);
  }
}

TEST(SuspiciousIp, CategoryAndConfidenceDecide) {
  Harness h;
  Activity botnet = frankfurt(event(kT0 + kHour));
  botnet.ip.threat_intel = true;
  botnet.ip.threat_category = "botnet";
  botnet.ip.threat_confidence = 90;
  Activity scanner = frankfurt(event(kT0 + kHour, kBob));
  scanner.ip.threat_intel = true;
  scanner.ip.threat_category = "scanner";
  scanner.ip.threat_confidence = 90;
  h.run({botnet, scanner});
  auto a = h.of(kSuspicious);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].severity, "high");
  EXPECT_EQ(a[0].identity, "alice");
  Harness low;
  botnet.ip.threat_confidence = 50;
  low.run1(botnet);
  ASSERT_EQ(low.count(kSuspicious), 1u);
  EXPECT_EQ(low.of(kSuspicious)[0].severity, "medium");
}

// ---- terminated user ----

struct OneUser final : enrich::TerminatedUsers {
  enrich::TerminatedUser user;
  const enrich::TerminatedUser* match(std::string_view, std::string_view, std::string_view,
                                      std::string_view) const override {
    return &user;
  }
  size_t size() const override { return 1; }
};

TEST(TerminatedUser, AlertsAfterGraceListingEventsAndSources) {
  auto list = std::make_shared<OneUser>();
  list->user = {"alice", kT0 + 5 * kDay, "left 2026-01-06"};
  auto mark = [&](Activity a) {
    a.terminated = &list->user;
    a.terminated_list = list;
    return a;
  };
  Harness h;
  h.run1(mark(frankfurt(event(kT0 + 5 * kDay + 30 * kMin, kAlice, "ListUsers"))));  // in grace
  EXPECT_EQ(h.count(kTerminated), 0u);
  h.run({mark(frankfurt(event(kT0 + 6 * kDay, kAlice, "CreateAccessKey"))),
         mark(moscow(event(kT0 + 6 * kDay + kHour, kAlice, "GetObject")))});
  auto a = h.of(kTerminated);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].severity, "high");
  EXPECT_EQ(a[0].event_count, 2);
  EXPECT_NE(a[0].description.find("CreateAccessKey, GetObject"), std::string::npos)
      << a[0].description;
  EXPECT_NE(a[0].description.find("81.10.10.10, 95.40.40.40"), std::string::npos);
  Activity failed = mark(frankfurt(event(kT0 + 8 * kDay)));
  failed.ok = false;
  h.run1(failed);
  EXPECT_EQ(h.count(kTerminated), 1u);
}

// ---- failed logins ----

Activity login(int64_t t, const std::string& user, bool failed,
               const std::string& ip = "81.10.10.10") {
  Activity a = frankfurt(
      event(t, "arn:aws:iam::111122223333:user/" + user, "ConsoleLogin", "signin.amazonaws.com"));
  a.source = ip;
  a.console_login = true;
  a.console_login_failed = failed;
  a.ok = !failed;
  a.failed_login_key = user;
  return a;
}

TEST(FailedLogins, MoreThanFloorInOneSessionAlertsAtMediumNearMissDoesNot) {
  for (auto [n, expect] : {std::pair{6, 1u}, std::pair{5, 0u}}) {
    Harness h;
    for (int d = 0; d < 10; ++d) h.run1(login(kT0 + d * kDay + 9 * kHour, "alice", false));
    std::vector<Activity> burst;
    for (int i = 0; i < n; ++i)
      burst.push_back(login(kDay10 + 3 * kHour + i * kMin, "alice", true));
    h.run(burst);
    EXPECT_EQ(h.count(kFailed), expect) << n;
    if (expect) {
      auto a = h.of(kFailed)[0];
      EXPECT_EQ(a.event_count, n);
      EXPECT_NE(a.description.find("p99 is 0 over 10 sessions (floor 5; threshold 5)"),
                std::string::npos)
          << a.description;
    }
  }
}

TEST(FailedLogins, HighSensitivityHalvesTheFloorAndLearningHolds) {
  Harness high(policies_at(Sensitivity::kHigh));
  for (int d = 0; d < 10; ++d) high.run1(login(kT0 + d * kDay + 9 * kHour, "alice", false));
  high.run({login(kDay10, "alice", true), login(kDay10 + kMin, "alice", true),
            login(kDay10 + 2 * kMin, "alice", true)});
  EXPECT_EQ(high.count(kFailed), 1u);
  Harness young;
  young.run1(login(kT0, "alice", false));
  std::vector<Activity> burst;
  for (int i = 0; i < 10; ++i) burst.push_back(login(kT0 + kDay + i * kMin, "alice", true));
  young.run(burst);
  EXPECT_EQ(young.count(kFailed), 0u);
}

TEST(FailedLogins, UnknownUserNamesAreKeyedByAddressWithoutLearning) {
  Harness h;
  std::vector<Activity> burst;
  for (int i = 0; i < 8; ++i) {
    Activity a = login(kT0 + i * kMin, "HIDDEN_DUE_TO_SECURITY_REASONS", true, "45.1.1.1");
    a.failed_login_key = "ip:45.1.1.1";
    a.identity_key.clear();
    burst.push_back(a);
  }
  h.run(burst);
  ASSERT_EQ(h.count(kFailed), 1u);
  EXPECT_EQ(h.of(kFailed)[0].event_count, 8);
}

// ---- count policies on identity sessions ----

Activity admin(int64_t t, const std::string& arn = kAlice) {
  Activity a = frankfurt(event(t, arn, "AttachUserPolicy", "iam.amazonaws.com"));
  a.admin_event = true;
  return a;
}

std::vector<Activity> admins(int64_t start, int n, const std::string& arn = kAlice) {
  std::vector<Activity> v;
  for (int i = 0; i < n; ++i) v.push_back(admin(start + i * kMin, arn));
  return v;
}

TEST(AdminActivity, AboveFloorAlertsNearMissDoesNot) {
  for (auto [n, expect] : {std::pair{21, 1u}, std::pair{19, 0u}}) {
    Harness h;
    for (int d = 0; d < 10; ++d) h.run(admins(kT0 + d * kDay + 9 * kHour, 3));  // 3 per session
    h.run(admins(kDay10 + 9 * kHour, n));
    EXPECT_EQ(h.count(kAdmin), expect) << n;
  }
}

TEST(AdminActivity, FirstAdminSessionAlertsAtHalfTheFloor) {
  Harness h;
  h.run(routine(kAlice, 10, 3, frankfurt));  // never any admin event
  h.run(admins(kDay10 + 9 * kHour, 10));
  auto a = h.of(kAdmin);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(a[0].description.find("no administrative events"), std::string::npos)
      << a[0].description;
  Harness nine;
  nine.run(routine(kAlice, 10, 3, frankfurt));
  nine.run(admins(kDay10 + 9 * kHour, 9));
  EXPECT_EQ(nine.count(kAdmin), 0u);
}

TEST(AdminActivity, IdentityPercentileRaisesTheThreshold) {
  Harness h;
  for (int d = 0; d < 12; ++d) {  // an IAM robot: two sessions of 40 a day
    h.run(admins(kT0 + d * kDay + 9 * kHour, 40));
    h.run(admins(kT0 + d * kDay + 15 * kHour, 40));
  }
  h.run(admins(kT0 + 12 * kDay + 9 * kHour, 35));
  EXPECT_EQ(h.count(kAdmin), 0u);
  h.run(admins(kT0 + 13 * kDay + 9 * kHour, 41));
  auto a = h.of(kAdmin);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(a[0].description.find("p99 is 40"), std::string::npos) << a[0].description;
  EXPECT_EQ(a[0].event_count, 41);
  EXPECT_NE(a[0].details_json.find("\"observed\":41"), std::string::npos);
}

TEST(AdminActivity, OneAlertPerSessionUpdatedAsItGrows) {
  Harness h;
  for (int d = 0; d < 10; ++d) h.run(admins(kT0 + d * kDay + 9 * kHour, 2));
  h.run(admins(kDay10 + 9 * kHour, 25));
  h.run(admins(kDay10 + 9 * kHour + 25 * kMin, 10));
  auto a = h.of(kAdmin);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].event_count, 35);
  EXPECT_TRUE(a[0].may_exist);
  // Evidence is capped at 20 ids.
  EXPECT_EQ(std::count(a[0].event_ids_json.begin(), a[0].event_ids_json.end(), ','), 19);
}

Activity deletion(int64_t t, uint32_t resources, uint32_t objects = 0) {
  Activity a =
      frankfurt(event(t, kAlice, resources ? "DeleteBucket" : "DeleteObjects", "s3.amazonaws.com"));
  a.storage_deleted = resources;
  a.objects_deleted = objects;
  return a;
}

TEST(StorageDeletion, ResourcesAndObjectsEachAgainstTheirFloor) {
  Harness h;
  h.run(routine(kAlice, 10, 3, frankfurt));
  std::vector<Activity> ten, eleven;
  for (int i = 0; i < 10; ++i) ten.push_back(deletion(kDay10 + 9 * kHour + i * kMin, 1));
  h.run(ten);
  EXPECT_EQ(h.count(kStorage), 0u);
  h.run1(deletion(kDay10 + 9 * kHour + 11 * kMin, 1));
  ASSERT_EQ(h.count(kStorage), 1u);
  EXPECT_EQ(h.of(kStorage)[0].severity, "high");
  Harness objects;
  objects.run(routine(kAlice, 10, 3, frankfurt));
  objects.run1(deletion(kDay10 + 9 * kHour, 0, 1000));
  EXPECT_EQ(objects.count(kStorage), 0u);
  objects.run1(deletion(kDay10 + 9 * kHour + kMin, 0, 5));
  ASSERT_EQ(objects.count(kStorage), 1u);
  EXPECT_NE(objects.of(kStorage)[0].description.find("1,005 S3 object deletions"),
            std::string::npos)
      << objects.of(kStorage)[0].description;
}

TEST(VmDeletion, AccountLevelLearningAndFloor) {
  auto terminate = [](int64_t t, uint32_t n, const std::string& arn) {
    Activity a = frankfurt(event(t, arn, "TerminateInstances", "ec2.amazonaws.com"));
    a.vms_terminated = n;
    return a;
  };
  Harness h;
  h.run(routine(kAlice, 10, 2, frankfurt));  // the account is 10 days old
  // Bob is new, but the policy learns per account: his 12 terminations alert.
  h.run1(terminate(kDay10 + kHour, 12, kBob));
  EXPECT_EQ(h.count(kVmDel), 1u);
  Harness young;
  young.run1(terminate(kT0 + kHour, 12, kBob));
  EXPECT_EQ(young.count(kVmDel), 0u);
  Harness near;
  near.run(routine(kAlice, 10, 2, frankfurt));
  near.run1(terminate(kDay10 + kHour, 10, kBob));
  EXPECT_EQ(near.count(kVmDel), 0u);
}

TEST(VmCreation, FloorAndIdentityBaseline) {
  auto run = [](int64_t t, uint32_t n) {
    Activity a = frankfurt(event(t, kAlice, "RunInstances", "ec2.amazonaws.com"));
    a.vms_created = n;
    return a;
  };
  Harness h;
  h.run(routine(kAlice, 10, 2, frankfurt));
  h.run1(run(kDay10 + kHour, 20));
  EXPECT_EQ(h.count(kVmNew), 0u);
  h.run1(run(kDay10 + kHour + kMin, 1));
  EXPECT_EQ(h.count(kVmNew), 1u);
  // A scaling identity launching 50 per session for 12 days is not unusual at 45.
  Harness busy;
  for (int d = 0; d < 12; ++d) {
    busy.run1(run(kT0 + d * kDay, 50));
    busy.run1(run(kT0 + d * kDay + 12 * kHour, 50));
  }
  busy.run1(run(kT0 + 12 * kDay, 45));
  EXPECT_EQ(busy.count(kVmNew), 0u);
  busy.run1(run(kT0 + 13 * kDay, 60));
  EXPECT_EQ(busy.count(kVmNew), 1u);
}

// ---- region ----

Activity create_in(int64_t t, const std::string& region, const std::string& arn = kAlice) {
  Activity a = frankfurt(event(t, arn, "CreateVolume", "ec2.amazonaws.com"));
  a.region = region;
  a.creation_region = region;
  return a;
}

TEST(Region, NewRegionForTheAccountAlertsOncePerWeek) {
  Harness h;
  for (int d = 0; d < 10; ++d)
    h.run1(create_in(kT0 + d * kDay + kHour, d % 2 ? "eu-west-1" : "us-east-1"));
  h.run1(create_in(kDay10, "eu-west-1", kBob));
  EXPECT_EQ(h.count(kRegion), 0u);
  h.run1(create_in(kDay10 + kHour, "ap-southeast-3", kBob));
  auto a = h.of(kRegion);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].region, "ap-southeast-3");
  EXPECT_NE(a[0].description.find("eu-west-1, us-east-1"), std::string::npos) << a[0].description;
  h.run1(create_in(kDay10 + 3 * kDay, "ap-southeast-3", kAlice));
  EXPECT_EQ(h.count(kRegion), 1u);
}

TEST(Region, HighComparesWithTheIdentityLowWithTheOrganisation) {
  auto scenario = [](Sensitivity s) {
    Harness h(policies_at(s));
    for (int d = 0; d < 10; ++d) h.run1(create_in(kT0 + d * kDay + kHour, "us-east-1"));
    // Another account of the organisation works in eu-west-1.
    Activity other = create_in(kT0 + 9 * kDay, "eu-west-1", "arn:aws:iam::444455556666:user/carol");
    other.account = "444455556666";
    h.run1(other);
    h.run1(create_in(kDay10, "us-east-1", kBob));    // known to the account, new to bob
    h.run1(create_in(kDay10 + kHour, "eu-west-1"));  // new to the account, known to the org
    return h.count(kRegion);
  };
  EXPECT_EQ(scenario(Sensitivity::kLow), 0u);
  EXPECT_EQ(scenario(Sensitivity::kMedium), 1u);
  EXPECT_EQ(scenario(Sensitivity::kHigh), 2u);
}

// ---- settings ----

TEST(Settings, DisabledPolicyAndScopeExclusion) {
  auto p = PolicySet::defaults();
  p->mutable_get(PolicyId::kAnonymousIp).scope.exclude_identities = {"arn:aws:iam::*:user/ali*"};
  Harness h(p);
  h.run({tor(event(kT0)), tor(event(kT0, kBob))});
  ASSERT_EQ(h.count(kAnon), 1u);
  EXPECT_EQ(h.of(kAnon)[0].identity, "bob");
  auto off = PolicySet::defaults();
  off->mutable_get(PolicyId::kAnonymousIp).enabled = false;
  Harness none(off);
  none.run1(tor(event(kT0)));
  EXPECT_EQ(none.count(kAnon), 0u);
}

}  // namespace
}  // namespace trailwarden::anomaly::testing
