// aws.anomaly.impossible_travel (catalog §4.4). Per identity the last 16 located activities of
// the past 24 h (runs from one address folded into one entry); a new located activity from a
// different address is compared with its nearest earlier and later neighbours in event time,
// so out-of-order arrivals meet their true neighbours. Effective distance = great circle minus
// both accuracy radii (50 km when unknown); alert when it is at least the sensitivity's minimum
// and the speed is above 900 km/h. One alert per (identity, country pair) per 24 h.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "anomaly/engine_state.h"
#include "core/text.h"
#include "core/time.h"

namespace trailwarden::anomaly {

namespace {

constexpr double kEarthRadiusKm = 6371.0088;
constexpr double kDefaultRadiusKm = 50;

double great_circle_km(double lat1, double lon1, double lat2, double lon2) {
  constexpr double r = 3.14159265358979323846 / 180;
  const double dlat = (lat2 - lat1) * r, dlon = (lon2 - lon1) * r;
  const double h =
      std::sin(dlat / 2) * std::sin(dlat / 2) +
      std::cos(lat1 * r) * std::cos(lat2 * r) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

std::string pair_key(const std::string& a, const std::string& b) {
  return a < b ? a + "|" + b : b + "|" + a;
}

std::string place(const std::string& city, const std::string& country) {
  return city.empty() ? country : city + ", " + country;
}

std::string duration_text(int64_t us) {
  int64_t minutes = us / kMinuteUs;
  if (minutes < 60) return fmt::format("{} min", std::max<int64_t>(minutes, 1));
  return fmt::format("{} h {} min", minutes / 60, minutes % 60);
}

// Checks one pair: `now` is the new activity, `other` its neighbour (earlier when `before`).
void check_pair(Context& c, const PolicySettings& s, const Located& now, const Located& other,
                bool before) {
  if (other.ip == now.ip) return;
  // Trusted addresses: Low and Medium skip any pair with one; High checks a pair of two.
  if (now.trusted || other.trusted) {
    if (s.sensitivity != Sensitivity::kHigh || !(now.trusted && other.trusted)) return;
  }
  const bool same_country = now.country == other.country;
  if (s.sensitivity != Sensitivity::kHigh && same_country) return;
  if (s.sensitivity == Sensitivity::kLow && c.policies.neighbours(now.country, other.country))
    return;
  const std::string pair =
      same_country ? now.country + "|" + now.country : pair_key(now.country, other.country);
  const int32_t since = day_of(c.t - s.baseline_us);
  if (s.applies_identity_suppression() && daily_has(c.id->pairs, pair, since)) return;
  if (s.applies_org_suppression()) {
    auto it = c.org.pair_ids.find(pair);
    if (it != c.org.pair_ids.end() &&
        count_others(it->second, identity_hash(c.id->key), since) >= 3)
      return;
  }
  const double r1 = now.accuracy_km > 0 ? now.accuracy_km : kDefaultRadiusKm;
  const double r2 = other.accuracy_km > 0 ? other.accuracy_km : kDefaultRadiusKm;
  const double gc = great_circle_km(now.lat, now.lon, other.lat, other.lon);
  const double d = std::max(0.0, gc - r1 - r2);
  const int64_t dt_us = std::max<int64_t>(
      kMinuteUs, before ? now.first_us - other.last_us : other.first_us - now.last_us);
  const double hours = static_cast<double>(dt_us) / static_cast<double>(kHourUs);
  const double speed = d / hours;
  if (d < s.min_travel_km() || speed <= s.max_speed_kmh) return;

  bool fresh = false;
  const std::string key = "travel\x1f" + pair;
  OpenAlert& o = open_alert(c, c.id->alerts, s, key, s.alert_window_us,
                            c.id->key + '\x1f' + key + '\x1f' + c.a.event_id, fresh);
  if (std::find(o.ids.begin(), o.ids.end(), other.event_id) == o.ids.end() &&
      o.ids.size() < kMaxEvidence)
    o.ids.push_back(other.event_id);
  if (!fresh) {
    emit(c, o);
    return;
  }
  if (now.risky || other.risky) o.row.severity = "high";
  const Located& first = before ? other : now;
  const Located& second = before ? now : other;
  o.row.description = fmt::format(
      "{} by {} from {} {} after activity from {}: {} km, {} km/h (effective distance after "
      "accuracy radii {} and {} km; great circle {} km). Minimum distance {} km, speed limit {} "
      "km/h, sensitivity {}.",
      second.event_name, c.a.identity_name, place(second.city, second.country),
      duration_text(dt_us), place(first.city, first.country), format_count(std::round(d)),
      format_count(std::round(speed)), static_cast<int>(r1), static_cast<int>(r2),
      format_count(std::round(gc)), format_count(s.min_travel_km()), format_count(s.max_speed_kmh),
      sensitivity_name(s.sensitivity));
  auto side = [](std::string& out, const Located& l) {
    out += "{\"ip\":";
    append_json_string(out, l.ip);
    out += ",\"country\":";
    append_json_string(out, l.country);
    out += ",\"city\":";
    append_json_string(out, l.city);
    out += fmt::format(",\"latitude\":{},\"longitude\":{},\"accuracy_km\":{},\"time\":", l.lat,
                       l.lon, l.accuracy_km);
    append_json_string(out, format_iso8601_micros(l.first_us));
    out += ",\"event_id\":";
    append_json_string(out, l.event_id);
    out += ",\"event_name\":";
    append_json_string(out, l.event_name);
    out += '}';
  };
  std::string dj = "{\"policy\":";
  append_json_string(dj, s.name);
  dj += ",\"from\":";
  side(dj, first);
  dj += ",\"to\":";
  side(dj, second);
  dj += fmt::format(
      ",\"distance_km\":{:.0f},\"great_circle_km\":{:.0f},\"minutes\":{},\"speed_kmh\":{:.0f},"
      "\"min_distance_km\":{},\"max_speed_kmh\":{},\"sensitivity\":",
      d, gc, dt_us / kMinuteUs, speed, s.min_travel_km(), s.max_speed_kmh);
  append_json_string(dj, sensitivity_name(s.sensitivity));
  dj += ",\"identity_key\":";
  append_json_string(dj, c.id->key);
  dj += '}';
  o.row.details_json = std::move(dj);
  emit(c, o);
}

}  // namespace

void check_impossible_travel(Context& c) {
  const Activity& a = c.a;
  if (c.id == nullptr) return;
  const PolicySettings& s = c.policies.get(PolicyId::kImpossibleTravel);
  auto& recent = c.id->recent;
  // Forget entries more than 24 h older than the identity's newest activity.
  const int64_t horizon = c.id->newest_us - kDayUs;
  recent.erase(std::remove_if(recent.begin(), recent.end(),
                              [&](const Located& l) { return l.last_us < horizon; }),
               recent.end());
  if (c.t < horizon) return;  // too late to compare with anything we still hold

  // Neighbours in event time.
  auto later = std::lower_bound(recent.begin(), recent.end(), c.t,
                                [](const Located& l, int64_t t) { return l.first_us <= t; });
  Located* prev = later == recent.begin() ? nullptr : &*std::prev(later);
  Located* next = later == recent.end() ? nullptr : &*later;
  if (prev != nullptr && prev->ip == a.source && c.t <= prev->last_us + kSessionCutUs) {
    prev->last_us = std::max(prev->last_us, c.t);  // the same run of activity
    return;
  }
  Located now;
  now.first_us = now.last_us = c.t;
  now.ip = a.source;
  now.country = a.ip.country;
  now.city = a.ip.city;
  now.lat = a.ip.latitude;
  now.lon = a.ip.longitude;
  now.accuracy_km = a.ip.accuracy_km;
  now.risky = a.ip.tor_exit || a.ip.anonymizer || a.ip.threat_intel || a.ip.db_anonymous;
  now.trusted = a.ip.trusted;
  now.event_id = a.event_id;
  now.event_name = a.event_name;

  const bool active = learned(s, c.id->first_us, c.t) && s.enabled &&
                      c.policies.in_scope(PolicyId::kImpossibleTravel, a.account, a.identity_arn);
  if (active) {
    if (prev != nullptr) check_pair(c, s, now, *prev, true);
    if (next != nullptr) check_pair(c, s, now, *next, false);
  }
  // The identity's (and organisation's) country pairs, recorded after the checks.
  const int32_t day = c.day;
  const uint64_t self = identity_hash(c.id->key);
  for (const Located* n : {prev, next}) {
    if (n == nullptr || n->country == now.country || n->trusted || now.trusted) continue;
    const std::string pair = pair_key(n->country, now.country);
    daily_add(c.id->pairs, pair, day);
    auto& ids = c.org.pair_ids[pair];
    auto [it, inserted] = ids.emplace(self, day);
    if (!inserted) it->second = std::max(it->second, day);
  }
  auto pos = recent.insert(later, std::move(now));
  (void)pos;
  while (recent.size() > kMaxRecentLocated) recent.erase(recent.begin());
}

}  // namespace trailwarden::anomaly
