#include "collector/notify/retry_backoff.hpp"

#include <algorithm>

namespace pathwatch::collector::notify {

std::chrono::nanoseconds retry_delay(const RetryPolicy& policy, int failed_attempts, double u) {
  std::chrono::nanoseconds base = policy.initial_backoff;
  // Double without overflow: stop as soon as the cap is reached.
  for (int i = 1; i < failed_attempts && base < policy.max_backoff; ++i) base *= 2;
  base = std::min(base, policy.max_backoff);
  u = std::clamp(u, 0.0, 1.0);
  const auto half = base / 2;
  return half + std::chrono::nanoseconds(
                    static_cast<std::int64_t>(static_cast<double>((base - half).count()) * u));
}

}  // namespace pathwatch::collector::notify
