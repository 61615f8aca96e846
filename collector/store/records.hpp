// What the collector keeps, as plain rows: the store writes and reads these; the analyzers
// (availability, failover, isolation) take them as input. No protobuf, no SQL here.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "shared/time/time_types.hpp"

namespace pathwatch::collector {

// Path states and probe kinds use the wire enums' numeric values (pathwatch.v1.PathState,
// ProbeKind) so rows and messages never need a translation table.
enum class PathState : std::uint8_t {
  kUnspecified = 0,
  kUnknown = 1,
  kUp = 2,
  kDegraded = 3,
  kDown = 4
};
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

// Added for the store and API (issue 4). -------------------------------------------------

// The first message of every agent connection: what the agent runs and how it measures.
struct StoredHello {
  std::string agent_id;
  std::string site;
  std::uint64_t seq = 0;
  shared::UtcNanos at{};  // the envelope's created time
  std::string agent_version;
  std::string hostname;
  shared::UtcNanos started{};
  std::int64_t window_ns = 0;
  std::uint32_t paths = 0;    // how many paths and targets the agent announced
  std::uint32_t targets = 0;  // all parts together when the Hello was split
  // Sequence continuity (docs/protocol.md Hello); used by ingest, not stored.
  std::uint64_t incarnation = 0;
  std::uint64_t first_seq = 0;
  std::uint64_t carried_through = 0;
  std::uint64_t lowest_kept_seq = 0;
  std::uint32_t part = 0;  // 0: not split
  std::uint32_t parts = 0;
};

// Keep-alive; it only moves the agent's last-seen time (no row of its own).
struct StoredHeartbeat {
  shared::UtcNanos at{};
  std::uint64_t spool_messages = 0;
  std::uint64_t spool_bytes = 0;
};

// The agent's spool overflowed: what it dropped (never silent).
struct StoredDropReport {
  std::string agent_id;
  std::string site;
  std::uint64_t seq = 0;
  shared::UtcNanos at{};
  std::uint64_t dropped_summaries = 0;
  std::uint64_t dropped_events = 0;
  std::uint64_t first_dropped_seq = 0;
  std::uint64_t last_dropped_seq = 0;
  // Exactly the seqs dropped (first, last), coalesced; empty from an agent older than them,
  // whose first..last span may hold live messages. Not stored: only the ledger needs them.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> dropped_ranges;
  shared::UtcNanos first_dropped{};
  shared::UtcNanos last_dropped{};
};

// Sequence numbers of an agent that the collector has not (yet) received: [first, last].
struct StoredGap {
  std::string agent_id;
  std::string site;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  shared::UtcNanos detected{};  // receive time of the message that revealed it
};

// What the collector knows about one agent.
struct AgentSummary {
  std::string agent_id;
  std::string site;
  shared::UtcNanos first_seen{};     // earliest data time (envelope created)
  shared::UtcNanos last_seen{};      // latest data time
  shared::UtcNanos last_received{};  // collector's receive time of the latest message
  std::uint64_t last_seq = 0;        // highest seq stored
  std::uint64_t through_seq = 0;     // acked: every seq <= this is stored (or given up)
  std::string agent_version;         // from the latest Hello
  std::string hostname;
};

// The latest known state of one flow (from its latest state change or window).
struct FlowLatest {
  FlowRef flow;
  PathState state = PathState::kUnknown;
  shared::UtcNanos at{};     // data time of the latest change or window end seen
  shared::UtcNanos since{};  // when the flow entered `state`: the change's time (or, when the
                             // change was lost, the end of the first window that reported it)
};

// One hour of one flow's window summaries, kept after the raw windows are pruned.
struct HourlyWindow {
  FlowRef flow;
  shared::UtcNanos hour{};  // start of the UTC hour
  std::uint32_t windows = 0;
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::uint64_t lost = 0;
  std::int64_t rtt_avg_ns = 0;  // mean of the windows' averages, weighted by replies
  std::int64_t rtt_max_p99_ns = 0;
  std::uint32_t windows_down = 0;  // windows ending DOWN
  std::uint32_t windows_degraded = 0;
};

// Planned maintenance entered through the API (the config's windows are separate).
struct MaintenanceRecord {
  std::int64_t id = 0;  // assigned by the store
  shared::UtcNanos start{};
  shared::UtcNanos end{};
  std::vector<std::string> services;  // empty = every service
  std::string note;
};

// One API request that tried to change something (docs/security.md "Audit"): who, when, what,
// and how it ended. Never holds a token or any other secret.
struct AuditRecord {
  std::int64_t id = 0;  // assigned by the store
  shared::UtcNanos at{};
  std::string who;      // the token's name, or "loopback"
  std::string role;     // "viewer", "operator"
  std::string via;      // "token" or "loopback"
  std::string peer;     // the caller's address
  std::string method;   // "POST", "DELETE", ...
  std::string route;    // the path, without the query
  std::string summary;  // what was asked: the body's fields, bounded, secrets redacted
  int status = 0;       // the HTTP status answered
  std::string result;   // short outcome: "created 12", or the error message
};

}  // namespace pathwatch::collector
