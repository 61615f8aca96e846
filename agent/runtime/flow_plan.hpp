// Which flows the config asks for: every target on every path it lists, once per probe kind
// (ICMP, each TCP port), plus one TTL-limited "hop" flow per target on an as_routed path with
// line_hops (the active-path detector's input). Pure: config in, flow definitions out.
//
// Hop probes are answered by routers' ICMP Time Exceeded, which routers rate-limit (Linux:
// net.ipv4.icmp_ratelimit 1000 ms per destination with a burst of 6; vendors often stricter).
// The agent cannot know beforehand which router answers, and a site's lines often end on one
// router (the lab's dc-rtr), so all hop flows of one address family share one budget:
// together at most one probe per kHopSpacing. Each hop flow's interval is its target's
// interval or, when that is shorter, kHopSpacing x the family's hop flows; the schedule
// spreads them over it and never hurries them (docs/agent.md "Which line carries the traffic").
#pragma once

#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/config/agent_config.hpp"
#include "agent/stats/flow_key.hpp"

namespace pathwatch::agent {

struct FlowDef {
  FlowKey key;
  bool hop_probe = false;    // TTL-limited probe for the active-path detector, not measured
  std::uint8_t hop_ttl = 0;  // hop flows: the target's hop_ttl, else the path's
  boost::asio::ip::address address;
  // One copy per path, shared by its flows (a PathConfig is ~170 bytes; 2,000 flows each with
  // its own copy cost ~0.3 MB, bench/agent_vs_fping). Never null.
  std::shared_ptr<const PathConfig> path;
  ProbeSettings settings;
};

// The schedule group of a flow: probes of one target, kind and port share a phase (see
// probe_schedule.hpp), hop flows their own. "asp|icmp", "asp|tcp:8443", "asp|icmp|hops".
std::string schedule_group(const FlowDef& flow);

// All hop probes of one address family together: at most one per this (the Linux default
// icmp_ratelimit, per destination).
inline constexpr std::chrono::nanoseconds kHopSpacing = std::chrono::seconds{1};

// The config loader has validated addresses and path names already.
std::vector<FlowDef> plan_flows(const AgentConfig& config);

// Same measurement: key, hop flag, path pinning and probe settings all equal. A flow that is
// the same across a reload keeps its state, statistics and sequence numbers.
bool same_flow(const FlowDef& a, const FlowDef& b);
bool same_path(const PathConfig& a, const PathConfig& b);
bool same_settings(const ProbeSettings& a, const ProbeSettings& b);

}  // namespace pathwatch::agent
