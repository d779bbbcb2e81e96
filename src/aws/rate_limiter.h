// A token bucket shared by everything that calls one (account, region) of a rate-limited API:
// LookupEvents allows 2 requests/s per account per region, retries included.
#pragma once

#include <cstdint>
#include <mutex>

#include "core/clock.h"

namespace trailwarden::aws {

class RateLimiter {
 public:
  // `rate` tokens per second, at most `burst` saved up.
  RateLimiter(double rate, double burst, const Clock& clock = SystemClock::instance());
  // Blocks until a token is available, then takes it.
  void acquire();
  // Takes a token if one is available now.
  bool try_acquire();
  // Returns nanoseconds to wait before a token would be available (0: one is).
  int64_t wait_nanos() const;

 private:
  void refill_locked(int64_t now) const;
  mutable std::mutex mu_;
  const double rate_;
  const double burst_;
  const Clock& clock_;
  mutable double tokens_;
  mutable int64_t last_nanos_;
};

}  // namespace trailwarden::aws
