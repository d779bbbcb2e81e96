// The store-side anomaly engine: sessions, baselines and the 11 policies over the activities of
// the rows a batch stored (catalog §4.3–4.4). All decisions use event time.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "anomaly/anomaly.h"
#include "anomaly/engine_state.h"
#include "anomaly/policy_set.h"

namespace trailwarden::anomaly {

namespace {

class EngineImpl final : public Engine {
 public:
  EngineImpl(std::shared_ptr<const PolicySet> policies, const Clock* clock)
      : policies_(std::move(policies)), clock_(clock) {
    for (const auto& s : policies_->all()) max_window_us_ = std::max(max_window_us_, s.baseline_us);
  }

  Status restore(store::Workspace& workspace) override {
    auto states = workspace.load_states("anomaly/");
    if (!states) return std::unexpected(states.error());
    for (auto& [key, blob] : *states) {
      if (key.starts_with("anomaly/id/") || key.starts_with("anomaly/login/")) {
        auto s = decode_identity(blob);
        if (!s) return std::unexpected(Error{s.error().code, s.error().message, key});
        auto& map = s->login ? logins_ : identities_;
        std::string k = s->key;
        map[k] = std::move(*s);
      } else if (key.starts_with("anomaly/acct/")) {
        auto s = decode_account(blob);
        if (!s) return std::unexpected(Error{s.error().code, s.error().message, key});
        std::string k = s->account;
        accounts_[k] = std::move(*s);
      } else if (key == kOrgStateKey) {
        auto s = decode_org(blob);
        if (!s) return std::unexpected(Error{s.error().code, s.error().message, key});
        org_ = std::move(*s);
      }
    }
    return {};
  }

  void process(std::vector<Activity>& activities, store::DetectionWrites& out) override {
    if (!policies_->any_enabled() || activities.empty()) return;
    // Order by event time through pointers: an Activity is a few hundred bytes, and moving
    // them through a merge sort cost more than the policies themselves.
    order_.clear();
    order_.reserve(activities.size());
    for (const Activity& a : activities)
      if (a.time_us != 0) order_.push_back(&a);
    std::stable_sort(order_.begin(), order_.end(),
                     [](const Activity* x, const Activity* y) { return x->time_us < y->time_us; });
    std::unordered_map<std::string, size_t> emitted;
    for (const Activity* a : order_) one(*a, out.alerts, emitted);
    order_.clear();
    for (const auto& k : dirty_ids_) {
      if (auto it = identities_.find(k); it != identities_.end())
        out.state.emplace_back(identity_state_key(it->second), encode_identity(it->second));
    }
    for (const auto& k : dirty_logins_) {
      if (auto it = logins_.find(k); it != logins_.end())
        out.state.emplace_back(identity_state_key(it->second), encode_identity(it->second));
    }
    for (const auto& k : dirty_accounts_) {
      if (auto it = accounts_.find(k); it != accounts_.end())
        out.state.emplace_back(account_state_key(k), encode_account(it->second));
    }
    if (org_dirty_) out.state.emplace_back(std::string(kOrgStateKey), encode_org(org_));
    dirty_ids_.clear();
    dirty_logins_.clear();
    dirty_accounts_.clear();
    org_dirty_ = false;
  }

  void after_commit(bool) override {}
  uint64_t alerts_raised() const override { return raised_; }

 private:
  bool on(PolicyId p, const Activity& a) const {
    return policies_->enabled(p) && policies_->in_scope(p, a.account, a.identity_arn);
  }

  // Sessions that nothing can join any more (gap + allowed lateness past their end) enter the
  // baselines: the identity's series and its account's pool.
  void finalize_sessions(IdentityState& id) {
    const int64_t limit = id.newest_us - kSessionGapUs - policies_->allowed_lateness_us();
    while (!id.sessions.empty() &&
           (id.sessions.front().end_us < limit || id.sessions.size() > kMaxOpenSessions)) {
      Session& s = id.sessions.front();
      const int32_t day = day_of(s.start_us);
      AccountState* acct = nullptr;
      if (!id.account.empty()) {
        auto it = accounts_.find(id.account);
        if (it != accounts_.end()) acct = &it->second;
      }
      for (size_t m = 0; m < kMetricCount; ++m) {
        const bool relevant = id.login ? m == kFailed : m != kFailed;
        if (!relevant) continue;
        series_push(id.series[m], day, s.metric[m]);
        if (acct != nullptr) series_push(acct->pool[m], day, s.metric[m]);
      }
      if (acct != nullptr) dirty_accounts_.insert(acct->account);
      const std::string suffix = '\x1f' + std::to_string(s.key_us);
      for (auto it = id.alerts.begin(); it != id.alerts.end();) {
        it = it->first.ends_with(suffix) ? id.alerts.erase(it) : std::next(it);
      }
      id.sessions.erase(id.sessions.begin());
    }
  }

  Session& session_for(IdentityState& id, int64_t t) {
    for (auto& s : id.sessions) {
      if (t >= s.start_us - kSessionGapUs && t < s.end_us + kSessionGapUs &&
          std::max(s.end_us, t) - std::min(s.start_us, t) < kSessionCutUs) {
        s.start_us = std::min(s.start_us, t);
        s.end_us = std::max(s.end_us, t);
        return s;
      }
    }
    Session n;
    n.key_us = n.start_us = n.end_us = t;
    auto pos = std::upper_bound(id.sessions.begin(), id.sessions.end(), t,
                                [](int64_t v, const Session& s) { return v < s.start_us; });
    return *id.sessions.insert(pos, std::move(n));
  }

  static void count(Session& s, Metric m, uint32_t n, const std::string& event_id) {
    s.metric[m] += n;
    if (s.evidence[m].size() < kMaxEvidence) s.evidence[m].push_back(event_id);
  }

  void trim(IdentityState& id, int32_t day) {
    if (id.trimmed_day == day) return;
    id.trimmed_day = day;
    const int32_t since = day_of(static_cast<int64_t>(day) * kDayUs - max_window_us_);
    daily_trim(id.countries, since);
    daily_trim(id.pairs, since);
    std::erase_if(id.regions, [&](const auto& kv) { return kv.second < since; });
    std::erase_if(id.country_last, [&](const auto& kv) { return kv.second < day - kHistoryDays; });
    for (auto& s : id.series)
      while (!s.empty() && s.front().day < since) s.pop_front();
  }

  void trim_org(int32_t day) {
    if (org_trimmed_day_ == day) return;
    org_trimmed_day_ = day;
    const int32_t since = day_of(static_cast<int64_t>(day) * kDayUs - max_window_us_);
    auto trim_ids = [&](std::map<uint64_t, int32_t>& ids) {
      std::erase_if(ids, [&](const auto& kv) { return kv.second < since; });
    };
    for (auto* m : {&org_.country_ids, &org_.pair_ids}) {
      for (auto it = m->begin(); it != m->end();) {
        trim_ids(it->second);
        it = it->second.empty() ? m->erase(it) : std::next(it);
      }
    }
    trim_ids(org_.located_ids);
    for (auto it = org_.flagged_ips.begin(); it != org_.flagged_ips.end();) {
      trim_ids(it->second.ids);
      std::erase_if(it->second.days, [&](int32_t d) { return d < since; });
      it = it->second.ids.empty() ? org_.flagged_ips.erase(it) : std::next(it);
    }
    std::erase_if(org_.regions, [&](const auto& kv) { return kv.second < since; });
    for (auto& [k, acct] : accounts_) {
      const size_t before = acct.regions.size();
      std::erase_if(acct.regions, [&](const auto& kv) { return kv.second < since; });
      if (acct.regions.size() != before) dirty_accounts_.insert(k);
    }
    org_dirty_ = true;
  }

  static void touch(std::map<uint64_t, int32_t>& ids, uint64_t h, int32_t day) {
    auto [it, inserted] = ids.emplace(h, day);
    if (!inserted) it->second = std::max(it->second, day);
  }
  static void touch(std::map<std::string, int32_t>& m, const std::string& k, int32_t day) {
    auto [it, inserted] = m.emplace(k, day);
    if (!inserted) it->second = std::max(it->second, day);
  }

  void one(const Activity& a, std::vector<store::AlertRow>& out,
           std::unordered_map<std::string, size_t>& emitted) {
    const int64_t t = a.time_us;
    const int32_t day = day_of(t);
    trim_org(day_of(std::max(newest_us_, t)));
    newest_us_ = std::max(newest_us_, t);
    AccountState* acct = nullptr;
    if (!a.account.empty()) {
      auto [it, inserted] = accounts_.try_emplace(a.account);
      acct = &it->second;
      if (inserted) acct->account = a.account;
      if (t < acct->first_us || t > acct->newest_us) {
        acct->first_us = std::min(acct->first_us, t);
        acct->newest_us = std::max(acct->newest_us, t);
        dirty_accounts_.insert(a.account);
      }
    }
    Context c{*policies_, org_, a,    nullptr,  acct,   nullptr,
              t,          day,  &out, &emitted, clock_, &raised_};

    if (!a.identity_key.empty()) {
      auto [it, inserted] = identities_.try_emplace(a.identity_key);
      IdentityState& id = it->second;
      if (inserted) id.key = a.identity_key;
      dirty_ids_.insert(a.identity_key);
      // Usually unchanged: compare before copying.
      if (id.name != a.identity_name) id.name = a.identity_name;
      if (!a.identity_arn.empty() && id.arn != a.identity_arn) id.arn = a.identity_arn;
      if (id.type != a.identity_type) id.type = a.identity_type;
      if (!a.account.empty() && id.account != a.account) id.account = a.account;
      id.first_us = std::min(id.first_us, t);
      id.newest_us = std::max(id.newest_us, t);
      trim(id, day_of(id.newest_us));
      finalize_sessions(id);
      Session& s = session_for(id, t);
      s.events += 1;
      if (a.admin_event) count(s, kAdmin, 1, a.event_id);
      if (a.storage_deleted) count(s, kStorage, a.storage_deleted, a.event_id);
      if (a.objects_deleted) count(s, kObjects, a.objects_deleted, a.event_id);
      if (a.vms_terminated) count(s, kVmTerminated, a.vms_terminated, a.event_id);
      if (a.vms_created) count(s, kVmCreated, a.vms_created, a.event_id);
      c.id = &id;
      c.session = &s;
      if (a.admin_event && on(PolicyId::kAdminActivity, a)) check_admin_activity(c);
      if ((a.storage_deleted || a.objects_deleted) && on(PolicyId::kStorageDeletion, a))
        check_storage_deletion(c);
      if (a.vms_terminated && on(PolicyId::kVmDeletion, a)) check_vm_deletion(c);
      if (a.vms_created && on(PolicyId::kVmCreation, a)) check_vm_creation(c);
      if (a.terminated != nullptr && on(PolicyId::kTerminatedUser, a)) check_terminated_user(c);

      // Location (catalog §4.3 "located activity").
      if (a.person && a.ok && a.ip.kind == enrich::SourceKind::kPublic && !a.ip.aws) {
        const bool anonymous = a.ip.tor_exit || a.ip.anonymizer || a.ip.db_anonymous;
        if (anonymous && on(PolicyId::kAnonymousIp, a)) check_anonymous_ip(c);
        if (a.ip.threat_intel && on(PolicyId::kSuspiciousIp, a)) check_suspicious_ip(c);
        if (anonymous || a.ip.threat_intel) {
          auto& use = org_.flagged_ips[a.source];
          touch(use.ids, identity_hash(id.key), day);
          use.days.insert(day);
          while (use.days.size() > 64) use.days.erase(use.days.begin());
          org_dirty_ = true;
        }
        if (!system_suppressed(a)) {
          if (on(PolicyId::kInfrequentCountry, a)) check_infrequent_country(c);
          check_impossible_travel(c);  // keeps its recent-activity list even when disabled
          daily_add(id.countries, a.ip.country, day);
          touch(id.country_last, a.ip.country, day);
          const uint64_t h = identity_hash(id.key);
          touch(org_.country_ids[a.ip.country], h, day);
          touch(org_.located_ids, h, day);
          org_dirty_ = true;
        }
      }
      if (!a.creation_region.empty() && a.ok && !a.service_originated) {
        if (on(PolicyId::kRegion, a)) check_region(c);
        touch(id.regions, a.creation_region, day);
        if (acct != nullptr) {
          touch(acct->regions, a.creation_region, day);
          dirty_accounts_.insert(a.account);
        }
        touch(org_.regions, a.creation_region, day);
        org_dirty_ = true;
      }
    }

    if (a.console_login && !a.failed_login_key.empty() && !a.service_originated) {
      auto [it, inserted] = logins_.try_emplace(a.failed_login_key);
      IdentityState& lg = it->second;
      if (inserted) {
        lg.key = a.failed_login_key;
        lg.login = true;
      }
      dirty_logins_.insert(a.failed_login_key);
      lg.name = a.failed_login_key.starts_with("ip:") ? a.failed_login_key : a.identity_name;
      if (!a.identity_arn.empty()) lg.arn = a.identity_arn;
      lg.type = a.identity_type;
      if (!a.account.empty()) lg.account = a.account;
      lg.first_us = std::min(lg.first_us, t);
      lg.newest_us = std::max(lg.newest_us, t);
      finalize_sessions(lg);
      Session& s = session_for(lg, t);
      s.events += 1;
      if (a.console_login_failed) count(s, kFailed, 1, a.event_id);
      Context lc = c;
      lc.id = &lg;
      lc.session = &s;
      if (a.console_login_failed && on(PolicyId::kFailedLogins, a)) check_failed_logins(lc);
    }
  }

  std::shared_ptr<const PolicySet> policies_;
  const Clock* clock_;
  int64_t max_window_us_ = 30 * kDayUs;
  std::unordered_map<std::string, IdentityState> identities_;
  std::unordered_map<std::string, IdentityState> logins_;
  std::unordered_map<std::string, AccountState> accounts_;
  OrgState org_;
  std::unordered_set<std::string> dirty_ids_, dirty_logins_, dirty_accounts_;
  bool org_dirty_ = false;
  int32_t org_trimmed_day_ = INT32_MIN;
  int64_t newest_us_ = INT64_MIN;
  uint64_t raised_ = 0;
  std::vector<const Activity*> order_;
};

}  // namespace

std::unique_ptr<Engine> Engine::create(std::shared_ptr<const PolicySet> policies,
                                       const Clock* clock) {
  return std::make_unique<EngineImpl>(std::move(policies), clock);
}

}  // namespace trailwarden::anomaly
