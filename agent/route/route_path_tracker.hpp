// Pure decision logic: for each watched prefix, which path the kernel's current answer means,
// and a RouteChangeEvent the moment that path moves. No sockets, no clocks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/route/netlink_source.hpp"
#include "agent/route/route_events.hpp"
#include "agent/route/watched_prefix.hpp"

namespace pathwatch::agent {

class RoutePathTracker {
 public:
  struct Current {
    bool known = false;  // false until the first successful answer
    std::string path;    // "" = no route
    std::string out_interface;
    std::string gateway;
  };
  struct Counters {
    std::uint64_t answers = 0;
    std::uint64_t lookup_errors = 0;      // kError answers: decision kept
    std::uint64_t same_path_changes = 0;  // interface/gateway moved, path did not
    std::uint64_t path_changes = 0;       // events emitted, initial ones excluded
  };

  explicit RoutePathTracker(std::vector<WatchedPrefix> watches);

  std::size_t size() const { return watches_.size(); }
  const WatchedPrefix& watch(std::size_t i) const { return watches_.at(i); }
  const Current& current(std::size_t i) const { return current_.at(i); }
  const Counters& counters() const { return counters_; }

  // The kernel's answer for watch i at time `at`. Returns an event when the path differs from
  // the last decision (or for the first decision, flagged initial). A kError answer changes
  // nothing: a failed question is not evidence that the route went away.
  std::optional<RouteChangeEvent> update(std::size_t i, const RouteAnswer& answer,
                                         shared::UtcNanos at);

  // The path name an answer means for watch i: the mapped path, "unknown:<ifname>" for an
  // interface that carries no configured path, "" for no route.
  std::string path_of(std::size_t i, const RouteAnswer& answer) const;

 private:
  std::vector<WatchedPrefix> watches_;
  std::vector<Current> current_;
  Counters counters_;
};

}  // namespace pathwatch::agent
