#include "aws/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "core/clock.h"

namespace trailwarden::aws {
namespace {

TEST(RateLimiter, TokenArithmeticOnAManualClock) {
  ManualClock clock(1'000'000);
  RateLimiter limiter(2.0, 2.0, clock);  // LookupEvents: 2/s
  EXPECT_EQ(limiter.wait_nanos(), 0);
  EXPECT_TRUE(limiter.try_acquire());
  EXPECT_TRUE(limiter.try_acquire());
  EXPECT_FALSE(limiter.try_acquire());
  EXPECT_EQ(limiter.wait_nanos(), 500'000'000);
  clock.advance(250'000);  // 250 ms: half a token
  EXPECT_EQ(limiter.wait_nanos(), 250'000'000);
  EXPECT_FALSE(limiter.try_acquire());
  clock.advance(250'000);
  EXPECT_TRUE(limiter.try_acquire());
  EXPECT_FALSE(limiter.try_acquire());
  // Idle time saves up at most `burst` tokens.
  clock.advance(60'000'000);
  EXPECT_TRUE(limiter.try_acquire());
  EXPECT_TRUE(limiter.try_acquire());
  EXPECT_FALSE(limiter.try_acquire());
}

TEST(RateLimiter, ClockGoingBackwardsAddsNothing) {
  ManualClock clock(10'000'000);
  RateLimiter limiter(1.0, 1.0, clock);
  EXPECT_TRUE(limiter.try_acquire());
  clock.set(5'000'000);
  EXPECT_FALSE(limiter.try_acquire());
  clock.set(10'500'000);  // still behind the last refill point plus one second
  EXPECT_FALSE(limiter.try_acquire());
}

TEST(RateLimiter, AcquireBlocksAcrossThreads) {
  // 50 tokens/s, burst 1: 20 acquisitions from 4 threads need at least 19/50 s.
  RateLimiter limiter(50.0, 1.0);
  const Clock& clock = SystemClock::instance();
  int64_t start = clock.monotonic_nanos();
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        limiter.acquire();
        ++taken;
      }
    });
  }
  for (auto& t : threads) t.join();
  int64_t elapsed_ms = (clock.monotonic_nanos() - start) / 1'000'000;
  EXPECT_EQ(taken.load(), 20);
  EXPECT_GE(elapsed_ms, 370);
  EXPECT_LT(elapsed_ms, 3000);
}

}  // namespace
}  // namespace trailwarden::aws
