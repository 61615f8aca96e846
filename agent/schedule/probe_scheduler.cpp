// The probe schedule on an Asio timer.
#include "agent/schedule/probe_scheduler.hpp"

namespace pathwatch::agent {

ProbeScheduler::ProbeScheduler(boost::asio::io_context& io, const shared::Clock& clock,
                               SendProbe send)
    : timer_(io), clock_(clock), send_(std::move(send)), schedule_(clock.mono_now()) {}

ProbeScheduler::~ProbeScheduler() {
  stop();
}

void ProbeScheduler::set_flows(const std::vector<ScheduleEntry>& entries) {
  schedule_.set_flows(entries, clock_.mono_now());
  stopped_ = false;
  arm();
}

bool ProbeScheduler::hurry(std::uint32_t factor, shared::Nanos hold) {
  const auto now = clock_.mono_now();
  const auto outcome = schedule_.hurry(factor, now + hold, now);
  if (outcome.rescheduled && !stopped_) arm();
  return outcome.began;
}

void ProbeScheduler::stop() {
  stopped_ = true;
  timer_.cancel();
}

void ProbeScheduler::arm() {
  timer_.cancel();
  const auto next = schedule_.next_due();
  if (!next || stopped_) return;
  // The timer runs on the steady clock; the schedule on the injected monotonic clock. Only
  // the distance is carried over, so a manual clock works too.
  timer_.expires_after(*next - clock_.mono_now());
  std::weak_ptr<int> alive = alive_;
  timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired() || stopped_) return;
    fire();
  });
}

void ProbeScheduler::fire() {
  due_.clear();
  schedule_.take_due(clock_.mono_now(), due_);
  for (FlowId id : due_) send_(id);
  arm();
}

}  // namespace pathwatch::agent
