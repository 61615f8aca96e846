// One Asio timer per engine in front of a ProbeTracker's deadline queue: it always waits for
// the earliest deadline, so thousands of outstanding probes cost one timer, not one each.
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
  DeadlineTimer(boost::asio::io_context& io, const shared::Clock& clock,
                std::function<void()> on_due);
  ~DeadlineTimer();
  DeadlineTimer(const DeadlineTimer&) = delete;
  DeadlineTimer& operator=(const DeadlineTimer&) = delete;

  // Makes sure on_due runs no later than `at` (monotonic, in the injected clock's terms).
  // A later instant than the one already armed changes nothing.
  void arm(shared::MonoNanos at);

 private:
  struct State {
    boost::asio::steady_timer timer;
    const shared::Clock& clock;
    std::function<void()> on_due;
    std::optional<shared::MonoNanos> armed;
  };
  std::shared_ptr<State> state_;
};

}  // namespace pathwatch::agent
