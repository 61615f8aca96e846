// Pure decision logic for the interfaces paths use: up/down transitions from successive link
// snapshots (including interfaces that vanish, reappear or are re-created) and their counters.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "agent/route/netlink_source.hpp"
#include "agent/route/route_events.hpp"

namespace pathwatch::agent {

class LinkStateTracker {
 public:
  // interface name -> path it carries; only these interfaces are tracked.
  explicit LinkStateTracker(std::map<std::string, std::string> interface_paths);

  // A complete snapshot of the kernel's interfaces at `at`. Returns the transitions of
  // tracked interfaces since the previous snapshot, in interface-name order:
  //  - first sighting: one event flagged initial (absent counts as down, not reported);
  //  - oper state changed, or the interface vanished (= down) or came back: one event;
  //  - re-created (new ifindex) while up both times: down then up, because it was gone in
  //    between even if the notifications were coalesced or lost.
  std::vector<LinkChangeEvent> update(const std::vector<LinkInfo>& snapshot, shared::UtcNanos at);

  // The interface's state in the last snapshot; present=false if absent or never seen.
  InterfaceCounters counters(const std::string& interface) const;

  const std::map<std::string, std::string>& interface_paths() const { return paths_; }

 private:
  struct Tracked {
    bool seen = false;  // any snapshot processed
    InterfaceCounters last;
  };
  std::map<std::string, std::string> paths_;
  std::map<std::string, Tracked> tracked_;
};

}  // namespace pathwatch::agent
