// The agent's configuration: identity, collector endpoints, paths, targets, thresholds and
// watched routes. Loaded strictly (unknown keys, wrong types and missing fields are
// ConfigErrors with FILE:LINE:COL). Plain data: no sockets, no clocks.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "shared/config/config_node.hpp"

namespace pathwatch::agent {

using std::chrono::nanoseconds;

// How probes are forced onto one line. Any combination of the three pins; none of them with
// as_routed=true means "the way ordinary traffic goes".
struct PathConfig {
  std::string name;            // "primary", "backup", "as-routed", ...
  std::string interface;       // SO_BINDTODEVICE
  std::string source_address;  // bind() address
  std::uint32_t fwmark = 0;    // SO_MARK, for policy routing
  bool as_routed = false;
  // For as-routed paths: router addresses that identify which line the traffic takes
  // (an address that answers a TTL-limited probe -> the path name it belongs to).
  std::map<std::string, std::string> line_hops;
  std::uint8_t hop_ttl = 2;  // TTL of the identifying probe
};

struct ProbeSettings {
  nanoseconds interval{std::chrono::seconds{1}};
  nanoseconds timeout{std::chrono::seconds{1}};
  std::uint32_t payload_bytes = 56;  // ICMP echo data bytes, as ping's default
  std::uint8_t dscp = 0;
  std::uint8_t ttl = 64;
};

struct TargetConfig {
  std::string name;
  std::string address;  // literal IPv4 or IPv6 address
  bool icmp = true;
  std::vector<std::uint16_t> tcp_ports;
  std::vector<std::string> paths;  // names from `paths`; every target lists at least one
  ProbeSettings probe;
  // TTL of this target's hop probes on as_routed paths (default: the path's hop_ttl).
  std::optional<std::uint8_t> hop_ttl;
};

// Path state thresholds (per target and path). BFD-like: `down_after` consecutive losses
// is the detect multiplier.
struct StateThresholds {
  std::uint32_t down_after = 3;
  std::uint32_t up_after = 3;
  double degraded_loss_percent = 5.0;  // over the recent `evaluation_probes` probes
  // Hysteresis: DEGRADED (by loss) ends only once loss % <= this (default: half of
  // degraded_loss_percent) has held for `evaluation_probes` probes (agent/state).
  std::optional<double> degraded_clear_loss_percent;
  nanoseconds degraded_rtt{std::chrono::milliseconds{200}};
  std::uint32_t evaluation_probes = 20;
  // Loss is not a cut (docs/agent.md): a loss streak calls DOWN only when random loss at the
  // flow's (or its path's) measured rate would give it less than this often per flow-hour.
  double false_down_per_hour = 1e-4;
  // Loss heavier than this (round trip) is weighed as this heavy: such a path may be called
  // DOWN (about 74 losses in a row at the defaults).
  double max_random_loss_percent = 75.0;
};

// Suspicion: when one flow's losses put its UP path in doubt (PathStateMachine::doubts_up)
// or a flow leaves UP, every flow of the agent is probed `speedup` times as often for `hold`.
// The flows that still answer matter as much as the failing one: the collector tells the
// failing segment from its neighbours by comparing both, and at the usual rate three probe
// intervals carry too few probes for that (docs/isolation.md, random loss). The speed-up is
// cut so the agent never sends more than `max_rate` probes per second in all.
struct SuspicionConfig {
  std::uint32_t speedup = 5;  // 1: off
  nanoseconds hold{std::chrono::seconds{3}};
  double max_rate = 500;  // probes per second, all flows together
};

// A destination prefix whose current output line the agent reports (routers and hosts wired
// to both lines): output interface -> path name.
struct RouteWatchConfig {
  std::string prefix;  // e.g. "198.18.10.0/24"
  std::map<std::string, std::string> interface_paths;
};

struct CollectorLink {
  std::vector<std::string> endpoints;  // "tcp://host:port", tried in order
  bool insecure_plaintext = false;     // lab only: no CURVE
  std::string server_public_key_file;
  std::string secret_key_file;
  std::string public_key_file;
  // A Heartbeat goes out when nothing else was published for this long (none: the window).
  // The collector counts an agent silent `silence_after` after its newest message, and a
  // silent agent's last states stop counting as evidence: a short heartbeat lets a site cut
  // off from the collector be isolated within a few probe intervals (docs/isolation.md).
  std::optional<nanoseconds> heartbeat;
  // With several endpoints: the next one after this long with nothing (no ack, no collector
  // heartbeat, which comes every 5 s) heard from the current one, plus up to 20 % jitter.
  nanoseconds failover_after{std::chrono::seconds{20}};
  nanoseconds heartbeat_or(nanoseconds window) const { return heartbeat.value_or(window); }
};

struct SpoolConfig {
  std::string directory;
  std::uint64_t max_bytes = 256ull << 20;
};

struct AgentConfig {
  std::string file;  // where it was loaded from
  std::string agent_id;
  std::string site;
  std::string log_level = "info";
  nanoseconds window{std::chrono::seconds{10}};
  CollectorLink collector;
  SpoolConfig spool;
  StateThresholds thresholds;
  SuspicionConfig suspicion;
  std::vector<PathConfig> paths;
  std::vector<TargetConfig> targets;
  std::vector<RouteWatchConfig> route_watches;

  const PathConfig* find_path(const std::string& name) const;
};

// Throws shared::ConfigError.
AgentConfig load_agent_config(const std::string& file);
AgentConfig parse_agent_config(const shared::ConfigNode& root, const std::string& file);

}  // namespace pathwatch::agent
