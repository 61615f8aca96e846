// When to try a failed delivery again: exponential backoff with "equal jitter" (half fixed,
// half random), so a relay that comes back is not hit by every queued message at once.
#pragma once

#include <chrono>

#include "collector/notify/notify_config.hpp"

namespace pathwatch::collector::notify {

// Delay after the `failed_attempts`-th failure (1 = the first try failed):
// base = min(max_backoff, initial_backoff * 2^(failed_attempts-1)),
// delay = base/2 + base/2 * u, with u in [0, 1] drawn by the caller (injected for tests).
std::chrono::nanoseconds retry_delay(const RetryPolicy& policy, int failed_attempts, double u);

}  // namespace pathwatch::collector::notify
