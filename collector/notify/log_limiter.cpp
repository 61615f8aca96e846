#include "collector/notify/log_limiter.hpp"

namespace pathwatch::collector::notify {

std::optional<std::uint64_t> LogLimiter::allow(shared::MonoNanos now) {
  if (last_ && now - *last_ < interval_) {
    ++suppressed_;
    return std::nullopt;
  }
  last_ = now;
  const auto n = suppressed_;
  suppressed_ = 0;
  return n;
}

}  // namespace pathwatch::collector::notify
