// Plain agent data -> pathwatch.v1 message bodies. Pure conversions, one per message kind;
// the Envelope around them is EnvelopeFactory's job.
#pragma once

#include <string>

#include "agent/config/agent_config.hpp"
#include "agent/route/route_events.hpp"
#include "agent/state/path_state_machine.hpp"
#include "agent/stats/flow_key.hpp"
#include "agent/stats/window_stats.hpp"
#include "pathwatch/v1/messages.pb.h"
#include "shared/time/time_types.hpp"

namespace pathwatch::agent {

pathwatch::v1::PathState to_proto(PathState state);
pathwatch::v1::ProbeKind to_proto(ProbeKind kind);
pathwatch::v1::TcpOutcome to_proto_tcp(Outcome outcome);
void fill_flow(const FlowKey& key, pathwatch::v1::FlowKey& out);

void fill_window_summary(const FlowKey& key, const WindowStats& stats, PathState state,
                         pathwatch::v1::WindowSummary& out);
void fill_state_change(const FlowKey& key, const StateChangeEvent& event,
                       pathwatch::v1::StateChange& out);
void fill_route_change(const RouteChangeEvent& event, pathwatch::v1::RouteChange& out);
void fill_link_change(const LinkChangeEvent& event, pathwatch::v1::LinkChange& out);
// `delta`: one window's counters_delta() (agent/route/interface_counters.hpp).
void fill_interface_counters(const InterfaceCounters& delta, pathwatch::v1::InterfaceCounters& out);

struct HelloFacts {
  std::string agent_version;
  std::string hostname;
  shared::UtcNanos started{};
  // Sequence continuity (agent/runtime/seq_resume.hpp; docs/protocol.md Hello).
  std::uint64_t incarnation = 0;
  std::uint64_t first_seq = 0;
  std::uint64_t carried_through = 0;
};
void fill_hello(const AgentConfig& config, const HelloFacts& facts, pathwatch::v1::Hello& out);

}  // namespace pathwatch::agent
