#include "collect/health.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "core/log.h"
#include "core/text.h"
#include "core/time.h"

namespace trailwarden::collect {

std::string_view health_status_name(HealthStatus s) {
  switch (s) {
    case HealthStatus::kSuccess:
      return "Success";
    case HealthStatus::kWarning:
      return "Warning";
    case HealthStatus::kFailure:
      return "Failure";
  }
  return "Failure";
}

HealthReporter::HealthReporter(store::Workspace& workspace, const Clock& clock,
                               std::string snapshot_path)
    : workspace_(workspace), clock_(clock), snapshot_path_(std::move(snapshot_path)) {
  // A snapshot left by an earlier (killed) process must not pass for this one's.
  std::lock_guard lock(mu_);
  write_snapshot_locked();
}

void HealthReporter::write_snapshot_locked() const {
  if (snapshot_path_.empty()) return;
  std::string out = "{\"time\": " + json_string(format_iso8601_micros(clock_.now_micros())) +
                    ", \"pid\": " + std::to_string(::getpid()) + ", \"scopes\": [";
  bool first = true;
  for (const auto& [key, st] : scopes_) {
    if (!st.seen) continue;
    const auto& r = st.latest;
    int64_t failures = 0;
    for (const auto& [code, n] : st.failures) failures += n;
    out += fmt::format(
        "{}{{\"connector\": {}, \"scope\": {}, \"status\": {}, \"since\": {}, "
        "\"error_code\": {}, \"reason\": {}, \"lag_seconds\": {}, \"backlog\": {}, "
        "\"events_per_second\": {:.1f}, \"last_success\": {}, \"failures_this_hour\": {}}}",
        first ? "" : ", ", json_string(key.first), json_string(key.second),
        json_string(health_status_name(st.status)), json_string(format_iso8601_micros(st.since_us)),
        json_string(st.error_code), json_string(r.reason), r.lag_seconds, r.backlog,
        r.events_per_second,
        json_string(st.last_success_us > 0 ? format_iso8601_micros(st.last_success_us) : ""),
        failures);
    first = false;
  }
  out += "]}\n";
  const std::string tmp = snapshot_path_ + ".tmp";
  if (FILE* f = std::fopen(tmp.c_str(), "w")) {
    bool ok = std::fwrite(out.data(), 1, out.size(), f) == out.size();
    ok = std::fclose(f) == 0 && ok;
    if (ok) std::rename(tmp.c_str(), snapshot_path_.c_str());
  }
}

void HealthReporter::summarize_hour_locked(const std::string& connector, const std::string& scope,
                                           ScopeState& st) {
  for (const auto& [code, count] : st.failures) {
    store::HealthRow row;
    // The end of the hour summarised (or now, for a partial hour summarised at shutdown).
    row.time_us = std::min<int64_t>((st.hour + 1) * 3600000000LL, clock_.now_micros());
    row.connector = connector;
    row.scope = scope;
    row.kind = "failure-summary";
    row.status = "Failure";
    row.error_code = code;
    row.reason = st.last_reason[code];
    row.failures = count;
    row.last_success_us = st.last_success_us;
    pending_.push_back(std::move(row));
  }
  st.failures.clear();
  st.last_reason.clear();
}

void HealthReporter::report(const HealthSample& sample) {
  std::vector<store::HealthRow> rows;
  {
    std::lock_guard lock(mu_);
    const int64_t now = clock_.now_micros();
    ScopeState& st = scopes_[{sample.connector, sample.scope}];
    const int64_t hour = now / 3'600'000'000LL;
    if (st.hour >= 0 && hour != st.hour) summarize_hour_locked(sample.connector, sample.scope, st);
    st.hour = hour;
    st.events += sample.events;
    if (sample.status != HealthStatus::kFailure) st.last_success_us = now;
    if (sample.status == HealthStatus::kFailure) {
      const std::string code = sample.error_code.empty() ? "Unknown" : sample.error_code;
      ++st.failures[code];
      st.last_reason[code] = sample.reason;
    }
    const bool changed =
        !st.seen || st.status != sample.status ||
        (sample.status != HealthStatus::kSuccess && st.error_code != sample.error_code);
    const bool due = now - st.last_row_us >= kSampleEveryUs;
    if (changed || due) {
      store::HealthRow row;
      row.time_us = now;
      row.connector = sample.connector;
      row.scope = sample.scope;
      row.kind = changed ? "status-change" : "sample";
      row.status = std::string(health_status_name(sample.status));
      row.error_code = sample.error_code;
      row.reason = sample.reason;
      row.lag_seconds = sample.lag_seconds;
      row.backlog = sample.backlog;
      row.events = static_cast<int64_t>(st.events);
      row.events_per_second = sample.events_per_second;
      row.last_success_us = st.last_success_us;
      st.latest = row;
      pending_.push_back(std::move(row));
      st.events = 0;
      st.last_row_us = now;
      if (changed) st.since_us = now;
      if (changed) {
        const std::string who = sample.scope.empty()
                                    ? escape_control(sample.connector)
                                    : escape_control(sample.connector + " " + sample.scope);
        if (sample.status == HealthStatus::kSuccess) {
          if (st.seen) log::warn("{}: recovered", who);
        } else {
          log::warn("{}: {}: {}{}", who, health_status_name(sample.status),
                    escape_control(sample.error_code.empty() ? "" : sample.error_code + ": "),
                    escape_control(sample.reason));
        }
      }
    }
    st.seen = true;
    st.status = sample.status;
    st.error_code = sample.error_code;
    if (!pending_.empty()) write_snapshot_locked();
    rows.swap(pending_);
  }
  if (!rows.empty()) {
    if (auto s = workspace_.write_health(rows); !s) {
      log::warn("could not write connector health: {}", s.error().to_string());
      std::lock_guard lock(mu_);
      pending_.insert(pending_.begin(), rows.begin(), rows.end());  // retried with the next
      return;
    }
    std::lock_guard lock(mu_);
    written_ += rows.size();
  }
}

Status HealthReporter::flush() {
  std::vector<store::HealthRow> rows;
  {
    std::lock_guard lock(mu_);
    for (auto& [key, st] : scopes_) {
      if (!st.failures.empty()) summarize_hour_locked(key.first, key.second, st);
    }
    rows.swap(pending_);
  }
  if (rows.empty()) return {};
  if (auto s = workspace_.write_health(rows); !s) return s;
  std::lock_guard lock(mu_);
  written_ += rows.size();
  return {};
}

uint64_t HealthReporter::rows_written() const {
  std::lock_guard lock(mu_);
  return written_;
}

}  // namespace trailwarden::collect
