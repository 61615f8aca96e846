// What the collector keeps, as plain rows: the store writes and reads these; the analyzers
// (availability, failover, isolation) take them as input. No protobuf, no SQL here.
#pragma once

#include <cstdint>
#include <string>

#include "shared/time/time_types.hpp"

namespace pathwatch::collector {

// Path states and probe kinds use the wire enums' numeric values (pathwatch.v1.PathState,
// ProbeKind) so rows and messages never need a translation table.
enum class PathState : std::uint8_t { kUnspecified = 0, kUnknown = 1, kUp = 2, kDegraded = 3, kDown = 4 };
enum class ProbeKind : std::uint8_t { kUnspecified = 0, kIcmp = 1, kTcp = 2 };

const char* to_string(PathState state);

// One measured flow as seen by one agent.
struct FlowRef {
  std::string agent_id;
  std::string site;
  std::string target;
  std::string address;
  std::string path;
  ProbeKind kind = ProbeKind::kIcmp;
  std::uint32_t port = 0;
  bool operator==(const FlowRef&) const = default;
};

struct StoredWindow {
  FlowRef flow;
  std::uint64_t seq = 0;
  shared::UtcNanos start{};
  shared::UtcNanos end{};
  std::uint32_t sent = 0;
  std::uint32_t received = 0;
  std::uint32_t lost = 0;
  std::int64_t rtt_avg_ns = 0;
  std::int64_t rtt_p99_ns = 0;
  PathState state = PathState::kUnknown;
  std::uint32_t tcp_ok = 0;
  std::uint32_t tcp_refused = 0;
  std::uint32_t tcp_timeout = 0;
  std::uint32_t tcp_unreachable = 0;
  std::uint32_t tcp_error = 0;
};

struct StoredStateChange {
  FlowRef flow;
  std::uint64_t seq = 0;
  shared::UtcNanos at{};
  PathState from = PathState::kUnknown;
  PathState to = PathState::kUnknown;
  std::string reason;
  std::uint8_t last_tcp_outcome = 0;  // pathwatch.v1.TcpOutcome
  std::string icmp_router;
  std::uint8_t icmp_type = 0;
  std::uint8_t icmp_code = 0;
};

struct StoredRouteChange {
  std::string agent_id;
  std::string site;
  std::uint64_t seq = 0;
  shared::UtcNanos at{};
  std::string prefix;
  std::string from_path;  // "" = no route
  std::string to_path;    // "" = no route
  std::string out_interface;
  std::string gateway;
  std::uint8_t source = 0;  // pathwatch.v1.RouteChange.Source
};

struct StoredLinkChange {
  std::string agent_id;
  std::string site;
  std::uint64_t seq = 0;
  shared::UtcNanos at{};
  std::string interface;
  std::string path;
  bool oper_up = false;
};

// A stretch of time during which an agent was delivering data (from its first message to the
// last one before a silence longer than the silence threshold). Time outside every session of
// a site's agents is *unknown* for that site, never *down*.
struct AgentSession {
  std::string agent_id;
  std::string site;
  shared::UtcNanos first{};
  shared::UtcNanos last{};
};

}  // namespace pathwatch::collector
