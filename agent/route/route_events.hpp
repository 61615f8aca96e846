// Plain data the route watcher and the active-path detector publish: which path carries a
// watched prefix, interface up/down, and interface counters. The runtime converts them to
// pathwatch.v1 RouteChange / LinkChange / InterfaceCounters.
#pragma once

#include <cstdint>
#include <string>

#include "shared/time/time_types.hpp"

namespace pathwatch::agent {

// Where a route decision came from (pathwatch.v1.RouteChange.Source).
enum class RouteSource : std::uint8_t {
  kNetlink,  // the kernel's routing table (agent on the router or a dual-homed host)
  kHops,     // the router answering TTL-limited probes (agent on a LAN host)
};

const char* to_string(RouteSource source);

// Path names used besides the configured ones. An empty path means "no route"; a route (or
// an answering hop) that belongs to no configured path is reported as "unknown:<what>" so the
// operator sees traffic left every known line instead of a silent gap.
inline constexpr const char* kUnknownPathPrefix = "unknown:";
// The agent has no evidence of which line carries the traffic (no hop answers for a while).
// Not "no route": the collector neither opens nor closes a failover on it
// (docs/protocol.md RouteChange). No configured path may have this name.
inline constexpr const char* kUnknownPath = "unknown";

struct RouteChangeEvent {
  std::string prefix;         // watched prefix (kNetlink) or target address (kHops)
  std::string from_path;      // "" = no route (or, with initial, nothing known before)
  std::string to_path;        // "" = no route any more; kUnknownPath = no evidence
  std::string out_interface;  // kNetlink: output interface of the new route
  std::string gateway;        // kNetlink: next hop (empty if on-link); kHops: answering router
  shared::UtcNanos at{};
  RouteSource source = RouteSource::kNetlink;
  // The first decision after start (or after the watch was created): from_path is not a
  // previous observation. The runtime may send it so the collector learns the current path.
  bool initial = false;
};

struct LinkChangeEvent {
  std::string interface;
  std::string path;  // path using this interface ("" if none)
  bool oper_up = false;
  shared::UtcNanos at{};
  // The first observation of this interface since start: not a transition.
  bool initial = false;
};

// Absolute kernel counters of one interface plus what the watcher saw of it. Window
// summaries need deltas: see interface_counters.hpp.
struct InterfaceCounters {
  std::string interface;
  int ifindex = 0;       // changes when the interface is re-created (counters restart at 0)
  bool present = false;  // false: the interface does not exist right now
  bool oper_up = false;
  std::uint64_t link_changes = 0;  // up/down transitions seen since start (cumulative)
  std::uint64_t rx_errors = 0;
  std::uint64_t tx_errors = 0;
  std::uint64_t rx_dropped = 0;
  std::uint64_t tx_dropped = 0;
};

}  // namespace pathwatch::agent
