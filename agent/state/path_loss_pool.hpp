// What the flows of one path say together (docs/agent.md "Loss is not a cut"): the path's
// measured loss rate, and whether the path as a whole has fallen silent. A cut silences
// every flow of a path at once; random loss does not, and an answer on any flow of the
// path shows the path carries packets. Pure: outcomes in, evidence out.
//
// A pool is named by the caller (AgentRuntime: the path's name). Per pool:
//  - LossMemory over every flow's decided outcomes (a flow's loss streak joins when that
//    flow answers again; the losses of a flow that is or went DOWN never join: a dead host
//    does not make its path look lossy; nor do its answers while DOWN, which alone would make
//    it look cleaner);
//  - the cut evidence since the path's last answer: each loss of a flow not DOWN adds
//    loss_evidence(max(that flow's rate, the path's rate)); the path is silent once it reaches
//    cut_threshold(probes per hour of all its flows together) — the pooled stream sends
//    that many probes, so random loss still gives false DOWNs under the target.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agent/config/agent_config.hpp"
#include "agent/probe/probe_result.hpp"
#include "agent/state/cut_evidence.hpp"
#include "agent/state/loss_memory.hpp"

namespace pathwatch::agent {

// The path carried the probe and its answer: an echo reply, a TCP handshake, or a RST.
bool path_delivered(Outcome outcome);

struct PoolMember {
  FlowId flow = 0;
  std::string pool;                                // the path's name
  double probes_per_hour = kDefaultProbesPerHour;  // the flow's usual rate (not hurried)
};

class PathLossPool {
 public:
  explicit PathLossPool(const StateThresholds& thresholds) : thresholds_(thresholds) {}

  // Replaces the flows (config reload): a pool that keeps its name keeps its memory and its
  // evidence; flows no longer listed leave.
  void set_flows(const std::vector<PoolMember>& members);
  void set_thresholds(const StateThresholds& thresholds) { thresholds_ = thresholds; }
  // Moves one listed flow to the pool `pool` (an as-routed target seen on another line):
  // O(log n), the other flows and pools untouched. The flow's undecided streak stays with
  // the pool it left (it is not evidence about the new line); a pool left empty goes.
  void move_flow(FlowId flow, const std::string& pool);
  // The pool a flow is in (nullptr: not listed).
  const std::string* pool_of(FlowId flow) const;

  // One outcome of `flow` (ignored for a flow not listed: evidence of none). `delivered`:
  // the path carried the probe and its answer (an echo reply, a TCP handshake, and a RST
  // too: the host answered, whatever the service said; path_delivered()). `flow_down`:
  // the flow is DOWN before this outcome; `flow_loss_rate`: its own measured rate
  // (PathStateMachine::loss_rate). Returns the path's evidence with this outcome in.
  PathEvidence on_outcome(FlowId flow, bool delivered, bool flow_down, double flow_loss_rate);

  // The path's evidence has come half way to a cut: the agent probes faster (suspicion).
  bool doubts_cut(FlowId flow) const;
  double loss_rate(FlowId flow) const;

 private:
  struct Pool {
    LossMemory memory;
    double probes_per_hour = 0;  // all its flows together
    std::uint32_t flows = 0;
    double evidence = 0;  // nats since the path's last answer
    std::uint32_t losses_since_answer = 0;
  };
  struct Member {
    std::string pool;
    std::uint32_t streak = 0;  // losses not yet decided
    double probes_per_hour = 0;
  };
  double threshold(const Pool& pool) const;

  StateThresholds thresholds_;
  std::map<std::string, Pool> pools_;
  std::map<FlowId, Member> members_;
};

}  // namespace pathwatch::agent
