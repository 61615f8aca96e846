// Pure decision logic for an agent on a LAN host behind the site router: which line carries
// "as routed" traffic to a target, learnt from the router that answers TTL-limited probes
// (its address -> path via PathConfig.line_hops). ProbeResults in, RouteChangeEvents out.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "agent/config/agent_config.hpp"
#include "agent/probe/probe_result.hpp"
#include "agent/route/route_events.hpp"

namespace pathwatch::agent {

struct ActivePathDetectorSettings {
  // Consecutive answers naming the same new path before it is believed. 2, not 1: one stray
  // answer (a transient during reconvergence, per-packet load sharing upstream) must not
  // raise a failover event, which the collector counts against a contract. 2 still meets
  // "a failover is seen within 3 probe intervals": the first probe sent after the switch
  // goes at most 1 interval after it, the second 1 interval later, and its answer arrives
  // one round trip after that, so the change is known < 2 intervals + 1 RTT after the switch.
  // A probe lost during the switch does not reset the count (a miss is not a disagreement).
  std::uint32_t confirm_answers = 2;
  // Consecutive probes without any router's answer (timeout, unreachable, local error)
  // before the path becomes "none". 3 is the state machine's default detect multiplier
  // (StateThresholds.down_after), so "no route" and "path down" agree in time.
  std::uint32_t none_after_misses = 3;
};

class ActivePathDetector {
 public:
  struct Counters {
    std::uint64_t answers = 0;          // Time Exceeded from a line_hops router
    std::uint64_t unknown_routers = 0;  // Time Exceeded from any other router
    std::uint64_t misses = 0;           // timeout, unreachable, local error
    std::uint64_t direct_replies = 0;   // the target itself answered: hop_ttl is too large
    std::uint64_t ignored = 0;          // duplicate or late results
    std::uint64_t changes = 0;          // events emitted, the initial one excluded
  };

  // `target`: the probed address, reported as RouteChangeEvent.prefix. `path`: the as_routed
  // path whose line_hops name the lines.
  ActivePathDetector(std::string target, const PathConfig& path,
                     ActivePathDetectorSettings settings = {});

  // One result of a TTL-limited probe to the target. The event's time is when the deciding
  // outcome happened: send time plus round trip for an answer, send time for a miss.
  // A router that is in no line_hops is a path of its own, "unknown:<address>", debounced
  // like any other: traffic leaving every known line is exactly what the operator must see.
  std::optional<RouteChangeEvent> on_result(const ProbeResult& result);

  bool known() const { return known_; }
  const std::string& path() const { return path_; }  // "" = none (or not known yet)
  const std::string& router() const { return router_; }
  const Counters& counters() const { return counters_; }

 private:
  RouteChangeEvent decide(std::string path, std::string router, shared::UtcNanos at);

  std::string target_;
  std::map<std::string, std::string> line_hops_;  // canonical address text -> path
  ActivePathDetectorSettings settings_;
  bool known_ = false;
  std::string path_;
  std::string router_;
  std::string candidate_;  // path the latest answers name
  std::string candidate_router_;
  std::uint32_t candidate_count_ = 0;
  std::uint32_t miss_streak_ = 0;
  Counters counters_;
};

}  // namespace pathwatch::agent
