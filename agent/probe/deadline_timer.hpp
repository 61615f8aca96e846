// One Asio timer per engine in front of a ProbeTracker's deadline queue: it always waits for
// the earliest deadline, so thousands of outstanding probes cost one timer, not one each.
// Optional coalescing rounds each instant up to a grid, so 2,000 deadlines a second wake the
// loop ~100 times instead of 2,000 (every re-arm is a timerfd_settime and an epoll wake-up).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <optional>

#include "shared/time/clock.hpp"

namespace pathwatch::agent {

class DeadlineTimer {
 public:
  // `on_due` runs on the io_context when the armed instant has passed; it is never called
  // after this object is destroyed.
  // `coalesce` > 0: on_due runs at the first multiple of `coalesce` (on the monotonic clock)
  // at or after the armed instant, so deadlines within one grid step share one wake-up.
  DeadlineTimer(boost::asio::io_context& io, const shared::Clock& clock,
                std::function<void()> on_due, shared::Nanos coalesce = shared::Nanos{0});
  ~DeadlineTimer();
  DeadlineTimer(const DeadlineTimer&) = delete;
  DeadlineTimer& operator=(const DeadlineTimer&) = delete;

  // Makes sure on_due runs no later than `at` (monotonic, in the injected clock's terms).
  // A later instant than the one already armed changes nothing. With coalescing, "no later
  // than" becomes "no later than `at` rounded up to the grid".
  void arm(shared::MonoNanos at);

 private:
  struct State {
    boost::asio::steady_timer timer;
    const shared::Clock& clock;
    std::function<void()> on_due;
    std::optional<shared::MonoNanos> armed;
    shared::Nanos coalesce;
  };
  std::shared_ptr<State> state_;
};

}  // namespace pathwatch::agent
