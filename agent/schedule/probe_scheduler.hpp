// Runs a ProbeSchedule on the agent's io_context: one steady_timer for all flows, armed for
// the earliest due probe. No thread per target.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <vector>

#include "agent/schedule/probe_schedule.hpp"
#include "shared/time/clock.hpp"

namespace pathwatch::agent {

class ProbeScheduler {
 public:
  using SendProbe = std::function<void(FlowId)>;

  ProbeScheduler(boost::asio::io_context& io, const shared::Clock& clock, SendProbe send);
  ~ProbeScheduler();
  ProbeScheduler(const ProbeScheduler&) = delete;
  ProbeScheduler& operator=(const ProbeScheduler&) = delete;

  // Replaces the flows (start-up, reload) and (re)arms the timer.
  void set_flows(const std::vector<ScheduleEntry>& entries);
  // ProbeSchedule::hurry from now for `hold`, re-arming the timer whenever flows were brought
  // forward. Returns whether a new hurry began.
  bool hurry(std::uint32_t factor, shared::Nanos hold);
  // No probe is sent after this returns.
  void stop();

  const ProbeSchedule& schedule() const { return schedule_; }

 private:
  void arm();
  void fire();

  boost::asio::steady_timer timer_;
  const shared::Clock& clock_;
  SendProbe send_;
  ProbeSchedule schedule_;
  std::vector<FlowId> due_;
  bool stopped_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace pathwatch::agent
