#include "shared/time/clock.hpp"

#include <ctime>

namespace pathwatch::shared {
namespace {

Nanos read_clock(clockid_t id) {
  timespec ts{};
  ::clock_gettime(id, &ts);
  return Nanos{static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec};
}

}  // namespace

UtcNanos SystemClock::utc_now() const {
  return UtcNanos{read_clock(CLOCK_REALTIME)};
}
MonoNanos SystemClock::mono_now() const {
  return MonoNanos{read_clock(CLOCK_MONOTONIC)};
}

}  // namespace pathwatch::shared
