// The clock interface injected into all logic, so analyses can be replayed and tests can
// move time by hand instead of sleeping.
#pragma once

#include "shared/time/time_types.hpp"

namespace pathwatch::shared {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UtcNanos utc_now() const = 0;
  virtual MonoNanos mono_now() const = 0;
};

// The real clocks: CLOCK_REALTIME and CLOCK_MONOTONIC.
class SystemClock final : public Clock {
 public:
  UtcNanos utc_now() const override;
  MonoNanos mono_now() const override;
};

// A clock that only moves when told to (tests, replay).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(UtcNanos start = UtcNanos{}) : utc_(start) {}
  UtcNanos utc_now() const override { return utc_; }
  MonoNanos mono_now() const override { return mono_; }
  void advance(Nanos d) {
    utc_ += d;
    mono_ += d;
  }
  // A wall-clock jump (NTP step, operator error): monotonic time does not move.
  void jump_utc(Nanos d) { utc_ += d; }

 private:
  UtcNanos utc_;
  MonoNanos mono_{};
};

}  // namespace pathwatch::shared
