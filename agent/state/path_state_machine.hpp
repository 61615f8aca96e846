// The path state of one flow (target, path, probe kind[, port]): unknown, up, degraded, down,
// driven by probe outcomes only. Pure: results in, state changes out, with the time of the
// outcome that caused each change taken from the result itself.
//
// Rules (docs/agent.md "Path state"), with t = config `thresholds`:
//  - A probe is a success when the target answered: echo reply, TCP handshake, or TCP RST
//    (refused: the host is reachable over this path, only the service is not; the outcome
//    stays in the evidence). Timeout, ICMP unreachable / time exceeded and local errors are
//    losses of the path.
//  - Start: UNKNOWN. `down_after` consecutive losses -> DOWN from any state (BFD's detect
//    multiplier). From UNKNOWN or DOWN, `up_after` consecutive successes -> UP (or DEGRADED
//    at once if the latency rule already holds).
//  - UP <-> DEGRADED, evaluated after every probe while reachable, over the probes since
//    the path last came up (at most the last `evaluation_probes`):
//      loss % = losses / evaluation_probes * 100 > degraded_loss_percent  (fixed denominator:
//        the same number of losses counts the same right after start-up as later), or
//      median RTT of the answered ones > degraded_rtt (the median, so one slow answer
//        among twenty does not flip the state).
//    Losses of a streak still running do not count yet (it may become DOWN): an outage goes
//    UP -> DOWN, not UP -> DEGRADED -> DOWN. Coming up clears that history, so the losses that took
//    the path down do not hold it DEGRADED after it is back.
//  - Duplicate and late results never move the state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/config/agent_config.hpp"
#include "agent/probe/probe_result.hpp"
#include "shared/time/time_types.hpp"

namespace pathwatch::agent {

enum class PathState : std::uint8_t { kUnknown, kUp, kDegraded, kDown };

const char* to_string(PathState state);

struct StateChangeEvent {
  PathState from = PathState::kUnknown;
  PathState to = PathState::kUnknown;
  shared::UtcNanos at{};  // when the deciding outcome happened (see outcome_time)
  std::string reason;     // "3 consecutive losses", "loss 10.0% > 5.0% over 20 probes", ...
  // Evidence: the probe that decided.
  std::uint64_t seq = 0;
  Outcome outcome = Outcome::kTimeout;
  std::optional<IcmpEvidence> icmp;
  int error_number = 0;
};

// When a probe's outcome happened: the answer's arrival (send + RTT), the timeout's expiry
// (send + timeout) or, for a local error without RTT, the send time.
shared::UtcNanos outcome_time(const ProbeResult& result, shared::Nanos timeout);

class PathStateMachine {
 public:
  // `timeout`: the flow's probe timeout, to date timeouts.
  PathStateMachine(const StateThresholds& thresholds, shared::Nanos timeout);

  std::optional<StateChangeEvent> on_result(const ProbeResult& result);

  PathState state() const { return state_; }
  std::uint32_t consecutive_losses() const { return losses_in_a_row_; }
  std::uint32_t consecutive_successes() const { return successes_in_a_row_; }

  // New thresholds (config reload): the state and history stay.
  void set_thresholds(const StateThresholds& thresholds, shared::Nanos timeout);

 private:
  struct Sample {
    bool success = false;
    std::optional<shared::Nanos> rtt;
  };
  std::optional<std::string> degradation() const;  // the reason, if DEGRADED rules hold
  StateChangeEvent change(PathState to, std::string reason, const ProbeResult& result);

  StateThresholds thresholds_;
  shared::Nanos timeout_;
  PathState state_ = PathState::kUnknown;
  std::uint32_t losses_in_a_row_ = 0;
  std::uint32_t successes_in_a_row_ = 0;
  // Since the path last came up, at most evaluation_probes, oldest first. A vector, not a
  // deque: a deque's 512-byte chunks cost ~1 KB per flow once the window straddles two
  // (2 MB at 2,000 flows, bench/agent_vs_fping); dropping the front moves 20 small samples.
  std::vector<Sample> history_;
};

}  // namespace pathwatch::agent
