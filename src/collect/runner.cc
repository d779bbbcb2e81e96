#include "collect/runner.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/log.h"
#include "core/text.h"

namespace trailwarden::collect {

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) {
  if (g_stop.exchange(true)) _exit(130);  // second signal: stop now
}

// Sleeps up to `ms`, waking early when `stop` is set.
void sleep_unless_stopped(int64_t ms, const std::atomic<bool>& stop) {
  const int64_t step = 50;
  for (int64_t slept = 0; slept < ms && !stop.load(); slept += step) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(step, ms - slept)));
  }
}

}  // namespace

const std::atomic<bool>& install_stop_signals() {
  static bool installed = false;
  if (!installed) {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    installed = true;
  }
  return g_stop;
}

bool RunOutcome::all_caught_up() const {
  return std::all_of(collectors.begin(), collectors.end(),
                     [](const CollectorOutcome& c) { return c.caught_up; });
}

RunOutcome run_collectors(const std::vector<std::unique_ptr<Collector>>& collectors,
                          store::Workspace& workspace, pipeline::IngestSession& session,
                          HealthReporter& health, const Clock& clock, const RunnerOptions& options,
                          const std::atomic<bool>& stop) {
  RunOutcome out;
  out.collectors.resize(collectors.size());
  std::atomic<bool> done{false};
  std::atomic<bool> store_failed{false};
  const int max_failures = options.max_failures > 0 ? options.max_failures : 5;

  auto loop = [&](size_t i) {
    Collector& c = *collectors[i];
    CollectorOutcome& o = out.collectors[i];
    o.id = c.id();
    int consecutive = 0;
    while (!stop.load() && !store_failed.load()) {
      CollectContext ctx;
      ctx.workspace = &workspace;
      ctx.session = &session;
      ctx.health = &health;
      ctx.clock = &clock;
      ctx.stop = &stop;
      ctx.until_us = options.until_us;
      ++o.polls;
      auto r = c.poll(ctx);
      if (!r) {
        ++o.failures;
        ++consecutive;
        o.last_error = r.error().to_string();
        o.caught_up = false;
        if (r.error().code == ErrorCode::kStore) {  // the workspace failed: nothing to retry
          log::error("{}: {}", escape_control(o.id), escape_control(o.last_error));
          store_failed = true;
          return;
        }
        if (!options.continuous && consecutive >= max_failures) {
          log::error("{}: giving up after {} failures in a row: {}", escape_control(o.id),
                     consecutive, escape_control(o.last_error));
          return;
        }
        const int64_t backoff = std::min<int64_t>(options.max_backoff_ms,
                                                  int64_t{1000} << std::min(consecutive - 1, 20));
        log::info("{}: poll failed ({}); next try in {} ms", escape_control(o.id),
                  escape_control(o.last_error), backoff);
        sleep_unless_stopped(backoff, stop);
        continue;
      }
      consecutive = 0;
      o.last_error.clear();
      o.documents += r->documents;
      o.events += r->events;
      o.caught_up = r->caught_up;
      if (r->caught_up) {
        if (!options.continuous) return;
        const int64_t interval = i < options.poll_interval_ms_of.size()
                                     ? options.poll_interval_ms_of[i]
                                     : options.poll_interval_ms;
        sleep_unless_stopped(interval, stop);
      }
    }
  };

  // The committer: events (and their checkpoints) become durable at least this often.
  std::thread committer([&] {
    while (!done.load() && !stop.load()) {
      sleep_unless_stopped(options.commit_interval_ms, done);
      if (auto s = session.flush(); !s) {
        log::error("commit failed: {}", escape_control(s.error().to_string()));
        store_failed = true;
        return;
      }
    }
  });
  std::vector<std::thread> threads;
  threads.reserve(collectors.size());
  for (size_t i = 0; i < collectors.size(); ++i) threads.emplace_back(loop, i);
  for (auto& t : threads) t.join();
  done = true;
  committer.join();
  out.stopped = stop.load();
  return out;
}

}  // namespace trailwarden::collect
