// Time is injected: logic asks a Clock, never the system directly, so tests and replays
// are deterministic. This is the only place that reads the system clocks.
#pragma once

#include <cstdint>

namespace trailwarden {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, microseconds since the Unix epoch (UTC).
  virtual int64_t now_micros() const = 0;
  // Monotonic time for measuring durations, in nanoseconds from an arbitrary origin.
  virtual int64_t monotonic_nanos() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now_micros() const override;
  int64_t monotonic_nanos() const override;
  static const SystemClock& instance();
};

// A clock that only moves when told to; for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_micros) : now_(now_micros) {}
  int64_t now_micros() const override { return now_; }
  int64_t monotonic_nanos() const override { return now_ * 1000; }
  void set(int64_t now_micros) { now_ = now_micros; }
  void advance(int64_t micros) { now_ += micros; }

 private:
  int64_t now_;
};

}  // namespace trailwarden
