// Builders for the stored rows the analysis tests feed in: JST wall-clock times in, rows out.
#pragma once

#include <chrono>
#include <string>

#include "collector/store/records.hpp"
#include "shared/time/jst.hpp"

namespace pathwatch::collector::testing {

using namespace std::chrono;

// A JST wall-clock instant.
inline shared::UtcNanos jst(year_month_day d, int h = 0, int m = 0, int s = 0) {
  return shared::from_jst(d, hours{h} + minutes{m} + seconds{s});
}

inline FlowRef flow(const std::string& site, const std::string& target, const std::string& path,
                    const std::string& agent = "") {
  return FlowRef{agent.empty() ? site + "-agent" : agent,
                 site,
                 target,
                 "198.18.0.10",
                 path,
                 ProbeKind::kIcmp,
                 0};
}

inline StoredStateChange change(const FlowRef& f, shared::UtcNanos at, PathState to) {
  StoredStateChange c;
  c.flow = f;
  c.at = at;
  c.to = to;
  return c;
}

inline AgentSession session(const std::string& site, shared::UtcNanos first, shared::UtcNanos last,
                            const std::string& agent = "") {
  return AgentSession{agent.empty() ? site + "-agent" : agent, site, first, last};
}

inline StoredWindow window(const FlowRef& f, shared::UtcNanos start, shared::UtcNanos end,
                           std::uint32_t sent, std::uint32_t received, PathState state) {
  StoredWindow w;
  w.flow = f;
  w.start = start;
  w.end = end;
  w.sent = sent;
  w.received = received;
  w.lost = sent - received;
  w.state = state;
  return w;
}

inline StoredRouteChange route(const std::string& site, shared::UtcNanos at,
                               const std::string& from, const std::string& to,
                               const std::string& prefix = "198.19.0.0/16") {
  StoredRouteChange r;
  r.agent_id = site + "-agent";
  r.site = site;
  r.at = at;
  r.prefix = prefix;
  r.from_path = from;
  r.to_path = to;
  return r;
}

inline double minutes_of(shared::Nanos d) {
  return duration<double, std::ratio<60>>(d).count();
}

}  // namespace pathwatch::collector::testing
