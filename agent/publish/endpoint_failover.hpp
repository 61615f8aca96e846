// Which collector endpoint the agent uses, and when to give up on it: one endpoint at a time
// (acks come from the collector that committed, so spraying messages across collectors would
// mix their acks), moving to the next when nothing (ack or heartbeat) was heard from the
// current one for `timeout`, stretched by a per-switch jitter so a site's agents do not all
// move at once. Pure: times and jitter are passed in.
#pragma once

#include <cstddef>

#include "shared/time/time_types.hpp"

namespace pathwatch::agent {

class EndpointFailover {
 public:
  // count >= 1; with one endpoint due() never moves (libzmq keeps reconnecting to it).
  EndpointFailover(std::size_t count, shared::Nanos timeout);

  std::size_t current() const { return current_; }
  // A frame arrived from the current collector.
  void heard(shared::MonoNanos now);
  // The current endpoint was (re)opened at `now`; jitter01 in [0, 1) stretches its timeout
  // by up to a fifth.
  void opened(shared::MonoNanos now, double jitter01);
  // True when the current endpoint has been silent past its deadline; the caller then opens
  // current(), which this call has already advanced.
  bool due(shared::MonoNanos now);

 private:
  std::size_t count_;
  shared::Nanos timeout_;
  shared::Nanos stretched_;
  std::size_t current_ = 0;
  shared::MonoNanos last_heard_{};
};

}  // namespace pathwatch::agent
