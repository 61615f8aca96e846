// The one interface every probe kind implements. Engines own their sockets and do their own
// sequence matching and timeouts on the shared Asio event loop; the scheduler only says
// "send probe N of flow F now" and gets exactly one final ProbeResult back per probe (plus
// results flagged duplicate or late, which statistics count but never use as samples).
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <functional>
#include <memory>

#include "agent/config/agent_config.hpp"
#include "agent/probe/probe_result.hpp"

namespace pathwatch::agent {

// Everything an engine needs to send one flow's probes.
struct FlowSpec {
  FlowId id = 0;
  boost::asio::ip::address address;
  std::uint16_t port = 0;            // TCP only
  const PathConfig* path = nullptr;  // owned by the AgentConfig, outlives the engine
  ProbeSettings settings;
};

using ProbeResultSink = std::function<void(const ProbeResult&)>;

class ProbeEngine {
 public:
  virtual ~ProbeEngine() = default;
  // Sends probe `seq` of `flow` now. `ttl_override` (0: use flow.settings.ttl) lets the
  // active-path detector send TTL-limited probes through the same engine.
  virtual void send(const FlowSpec& flow, std::uint64_t seq, std::uint8_t ttl_override = 0) = 0;
  // Counters of input that was ignored: other processes' replies, truncated or forged
  // packets, ICMP errors for unknown flows. Never affects statistics.
  struct IgnoredCounters {
    std::uint64_t foreign_replies = 0;
    std::uint64_t malformed = 0;
    std::uint64_t unmatched_errors = 0;
    std::uint64_t send_errors = 0;
  };
  virtual IgnoredCounters ignored() const = 0;
};

using ProbeEnginePtr = std::unique_ptr<ProbeEngine>;

}  // namespace pathwatch::agent
