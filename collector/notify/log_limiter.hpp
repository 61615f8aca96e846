// At most one log line per interval for a repeating failure (a relay that is down fails every
// message); the lines in between are counted and reported with the next one. Time injected.
#pragma once

#include <cstdint>
#include <optional>

#include "shared/time/time_types.hpp"

namespace pathwatch::collector::notify {

class LogLimiter {
 public:
  explicit LogLimiter(shared::Nanos interval) : interval_(interval) {}
  // The number suppressed since the last allowed line when this one may be logged, else
  // nullopt (and this one is counted as suppressed).
  std::optional<std::uint64_t> allow(shared::MonoNanos now);

 private:
  shared::Nanos interval_;
  std::optional<shared::MonoNanos> last_;
  std::uint64_t suppressed_ = 0;
};

}  // namespace pathwatch::collector::notify
