// Counter deltas over a window, with reset handling.
#include "agent/route/interface_counters.hpp"

namespace pathwatch::agent {

InterfaceCounters counters_delta(const InterfaceCounters& before, const InterfaceCounters& after) {
  InterfaceCounters d = after;
  const bool recreated = before.ifindex != after.ifindex;
  auto diff = [recreated](std::uint64_t b, std::uint64_t a) {
    return recreated || a < b ? a : a - b;
  };
  d.rx_errors = diff(before.rx_errors, after.rx_errors);
  d.tx_errors = diff(before.tx_errors, after.tx_errors);
  d.rx_dropped = diff(before.rx_dropped, after.rx_dropped);
  d.tx_dropped = diff(before.tx_dropped, after.tx_dropped);
  // link_changes is the watcher's own cumulative count: it never restarts.
  d.link_changes = after.link_changes >= before.link_changes
                       ? after.link_changes - before.link_changes
                       : after.link_changes;
  return d;
}

}  // namespace pathwatch::agent
