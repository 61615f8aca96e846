// Hand-made rows over the lab topology (etc/lab/topology.yaml) for the incident and alert
// tests: state changes and route changes as the agents would send them.
#pragma once

#include <chrono>
#include <string>

#include "collector/store/records.hpp"
#include "shared/time/time_types.hpp"

namespace pathwatch::collector::incident::testing {

// 2026-11-23T05:00:00Z = 14:00:00 JST.
inline shared::UtcNanos t(int seconds) {
  return shared::from_unix_nanos(1795410000LL * 1'000'000'000LL) + std::chrono::seconds{seconds};
}

inline std::string site_of(const std::string& agent) {
  if (agent == "main-agent") return "main";
  if (agent == "branch-agent") return "branch";
  return "dc";
}

inline StoredStateChange change(const std::string& agent, const std::string& path,
                                const std::string& target, PathState to, int at,
                                std::uint32_t tcp_port = 0, std::uint8_t tcp_outcome = 0,
                                const std::string& icmp_router = "") {
  StoredStateChange c;
  c.flow.agent_id = agent;
  c.flow.site = site_of(agent);
  c.flow.path = path;
  c.flow.target = target;
  c.flow.kind = tcp_port ? ProbeKind::kTcp : ProbeKind::kIcmp;
  c.flow.port = tcp_port;
  c.at = t(at);
  c.to = to;
  c.last_tcp_outcome = tcp_outcome;
  c.icmp_router = icmp_router;
  if (!icmp_router.empty()) {
    c.icmp_type = 3;
    c.icmp_code = 0;
  }
  return c;
}

inline StoredRouteChange route(const std::string& agent, const std::string& from,
                               const std::string& to, int at) {
  StoredRouteChange r;
  r.agent_id = agent;
  r.site = site_of(agent);
  r.at = t(at);
  r.prefix = "198.18.30.0/24";
  r.from_path = from;
  r.to_path = to;
  return r;
}

}  // namespace pathwatch::collector::incident::testing
