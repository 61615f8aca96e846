// The engine's single deadline timer.
#include "agent/probe/deadline_timer.hpp"

#include <algorithm>

namespace pathwatch::agent {

DeadlineTimer::DeadlineTimer(boost::asio::io_context& io, const shared::Clock& clock,
                             std::function<void()> on_due, shared::Nanos coalesce)
    : state_(std::make_shared<State>(State{boost::asio::steady_timer{io}, clock, std::move(on_due),
                                           std::nullopt, std::max(coalesce, shared::Nanos{0})})) {}

DeadlineTimer::~DeadlineTimer() {
  state_->timer.cancel();
}

void DeadlineTimer::arm(shared::MonoNanos at) {
  State& s = *state_;
  if (s.coalesce.count() > 0) {
    const auto since = at.time_since_epoch();
    const auto steps = (since + s.coalesce - shared::Nanos{1}) / s.coalesce;  // ceil
    at = shared::MonoNanos{steps * s.coalesce};
  }
  if (s.armed && *s.armed <= at) return;
  s.armed = at;
  // The wait is computed from the injected clock, so a manual clock in tests and the real
  // monotonic clock both work; steady_timer itself runs on CLOCK_MONOTONIC.
  s.timer.expires_after(std::max(shared::Nanos{0}, at - s.clock.mono_now()));
  s.timer.async_wait([weak = std::weak_ptr<State>(state_)](const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted) return;  // re-armed earlier, or destroyed
    auto state = weak.lock();
    if (!state) return;
    state->armed.reset();
    state->on_due();
  });
}

}  // namespace pathwatch::agent
