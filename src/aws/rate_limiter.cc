#include "aws/rate_limiter.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

namespace trailwarden::aws {

RateLimiter::RateLimiter(double rate, double burst, const Clock& clock)
    : rate_(rate > 0 ? rate : 1e-9),
      burst_(burst >= 1 ? burst : 1),
      clock_(clock),
      tokens_(burst_),
      last_nanos_(clock.monotonic_nanos()) {}

void RateLimiter::refill_locked(int64_t now) const {
  if (now <= last_nanos_) return;
  double added = static_cast<double>(now - last_nanos_) * rate_ / 1e9;
  tokens_ = std::min(burst_, tokens_ + added);
  last_nanos_ = now;
}

bool RateLimiter::try_acquire() {
  std::lock_guard lock(mu_);
  refill_locked(clock_.monotonic_nanos());
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  return false;
}

int64_t RateLimiter::wait_nanos() const {
  std::lock_guard lock(mu_);
  refill_locked(clock_.monotonic_nanos());
  if (tokens_ >= 1.0) return 0;
  double missing = 1.0 - tokens_;
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(missing * 1e9 / rate_)));
}

void RateLimiter::acquire() {
  for (;;) {
    int64_t wait = 0;
    {
      std::lock_guard lock(mu_);
      refill_locked(clock_.monotonic_nanos());
      if (tokens_ >= 1.0) {
        tokens_ -= 1.0;
        return;
      }
      wait = std::max<int64_t>(1, static_cast<int64_t>(std::ceil((1.0 - tokens_) * 1e9 / rate_)));
    }
    // Waiting is real time; the arithmetic above is the injected clock's. A manual clock
    // that never moves would spin here, so wait at most 50 ms before looking again.
    std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<int64_t>(wait, 50'000'000)));
  }
}

}  // namespace trailwarden::aws
