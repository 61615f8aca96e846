// Window deltas of interface counters, robust to the interface being re-created (its kernel
// counters restart at zero) between two readings.
#pragma once

#include "agent/route/route_events.hpp"

namespace pathwatch::agent {

// What happened between two readings of the same interface: error/drop counts and
// link_changes are differences, oper_up/present/ifindex are those of `after`. When the
// interface was re-created (ifindex differs, or a counter went backwards) the new
// interface's counters are the delta: what the old one counted after `before` is lost.
InterfaceCounters counters_delta(const InterfaceCounters& before, const InterfaceCounters& after);

}  // namespace pathwatch::agent
