// Strong time types. On the wire and in storage: UTC nanoseconds since the Unix epoch.
// RTTs come from monotonic or kernel timestamps, never from differences of wall-clock times.
#pragma once

#include <chrono>
#include <cstdint>

namespace pathwatch::shared {

using Nanos = std::chrono::nanoseconds;
// A UTC instant (system_clock's epoch is the Unix epoch since C++20).
using UtcNanos = std::chrono::sys_time<Nanos>;
// A monotonic instant: only differences mean anything.
using MonoNanos = std::chrono::time_point<std::chrono::steady_clock, Nanos>;

inline std::int64_t to_unix_nanos(UtcNanos t) {
  return t.time_since_epoch().count();
}
inline UtcNanos from_unix_nanos(std::int64_t ns) {
  return UtcNanos{Nanos{ns}};
}

}  // namespace pathwatch::shared
