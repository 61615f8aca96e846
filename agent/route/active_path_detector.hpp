// Pure decision logic for an agent on a LAN host behind the site router: which line carries
// "as routed" traffic to a target, learnt from the router that answers TTL-limited probes
// (its address -> path via PathConfig.line_hops). ProbeResults in, RouteChangeEvents out.
//
// A missing answer is missing evidence, never "no path": routers rate-limit Time Exceeded
// (Linux: net.ipv4.icmp_ratelimit 1000 ms per destination, burst 6) and some never send it.
// Without answers for `unknown_after` the detector says "unknown" (kUnknownPath); it names a
// line again only when answers name one (docs/agent.md "Which line carries the traffic").
#pragma once

#include <chrono>
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
  // Probes without an answer in between do not reset the count (a miss is not a
  // disagreement: the router may have rate-limited its answer).
  std::uint32_t confirm_answers = 2;
  // How long without any router's answer before the line is "unknown" (said once; never
  // "no path": that is for the forced-path flows' states to show). 30 s: with hop probes at
  // the kernel's default rate limit (1 a second) and a router rate-limiting harder (1 a
  // second for all its peers), answers still come every few seconds; 30 s of none means the
  // evidence is gone (both lines cut, a router that never answers, a filter).
  shared::Nanos unknown_after{std::chrono::seconds{30}};
};

class ActivePathDetector {
 public:
  struct Counters {
    std::uint64_t answers = 0;          // Time Exceeded from a line_hops router
    std::uint64_t unknown_routers = 0;  // Time Exceeded from any other router
    std::uint64_t misses = 0;           // timeout, unreachable, local error: no evidence
    std::uint64_t direct_replies = 0;   // the target itself answered: hop_ttl is too large
    std::uint64_t ignored = 0;          // duplicate or late results
    std::uint64_t changes = 0;          // events emitted, the initial one excluded
  };

  // `target`: the probed address, reported as RouteChangeEvent.prefix. `path`: the as_routed
  // path whose line_hops name the lines.
  ActivePathDetector(std::string target, const PathConfig& path,
                     ActivePathDetectorSettings settings = {});

  // One result of a TTL-limited probe to the target. The event's time is when the deciding
  // outcome happened: send time plus round trip for an answer, send time for the miss that
  // made the line unknown. A router that is in no line_hops is a path of its own,
  // "unknown:<address>", debounced like any other: traffic leaving every known line is
  // exactly what the operator must see.
  std::optional<RouteChangeEvent> on_result(const ProbeResult& result);

  bool known() const { return known_; }
  // The line now: a path name, "unknown:<router>", kUnknownPath, or "" before any decision.
  const std::string& path() const { return path_; }
  // A configured line is known now (not unknown, not an unknown router).
  bool line_known() const;
  const std::string& router() const { return router_; }
  const Counters& counters() const { return counters_; }
  // The target answered the hop probe itself and no router ever did: it is within hop_ttl
  // hops, so its line cannot be told at this TTL (the runtime says so at start-up).
  bool target_within_hop_ttl() const {
    return counters_.direct_replies > 0 && counters_.answers + counters_.unknown_routers == 0;
  }

 private:
  RouteChangeEvent decide(std::string path, std::string router, shared::UtcNanos at);

  std::string target_;
  std::map<std::string, std::string> line_hops_;  // canonical address text -> path
  ActivePathDetectorSettings settings_;
  bool known_ = false;
  std::string path_;
  std::string router_;
  std::string candidate_;  // path the latest answers name
  std::uint32_t candidate_count_ = 0;
  // The latest answer, or the first result while none came: what "unknown_after" counts from.
  std::optional<shared::UtcNanos> evidence_at_;
  Counters counters_;
};

}  // namespace pathwatch::agent
