// The path state of one flow (target, path, probe kind[, port]): unknown, up, degraded, down,
// driven by probe outcomes only. Pure: results in, state changes out, with the time of the
// outcome that caused each change taken from the result itself.
//
// Rules (docs/agent.md "Path state"), with t = config `thresholds`:
//  - A probe is a success when the target answered as asked: echo reply or TCP handshake.
//    Timeout, ICMP unreachable / time exceeded and local errors are losses of the path. A
//    TCP RST (refused) is a failure too: the measurement (host:port) is not usable, though
//    the host answered; the outcome stays in the evidence (last_tcp_outcome = refused), so
//    the collector places the fault in the service, not the network.
//  - Start: UNKNOWN. A loss streak -> DOWN from any state when it is a cut, not random loss
//    (agent/state/cut_evidence.hpp, docs/agent.md "Loss is not a cut"): at least
//    `down_after` failures (BFD's detect multiplier, all a clean flow needs) and either as
//    many as random loss at the flow's measured rate (the larger of its own and its path's,
//    LossMemory) gives less often than `false_down_per_hour`, or its path silent as a whole
//    (PathEvidence from PathLossPool), or `down_after` explicit failures in the streak
//    (a RST, an ICMP error, a local error: random loss is silence, it sends no such answer).
//    From UNKNOWN or DOWN, `up_after` consecutive
//    successes -> UP (or DEGRADED at once if the latency rule already holds).
//  - UP -> DEGRADED, evaluated after every probe while reachable, over the probes since
//    the path last came up (at most the last `evaluation_probes`):
//      loss % = losses / evaluation_probes * 100 > degraded_loss_percent  (fixed denominator:
//        the same number of losses counts the same right after start-up as later), or
//      median RTT of the answered ones > degraded_rtt (the median, so one slow answer
//        among twenty does not flip the state).
//    DEGRADED -> UP with hysteresis: only once loss % <= degraded_clear_loss_percent (default
//    half of degraded_loss_percent) and the median RTT within degraded_rtt have held for
//    `evaluation_probes` probes in a row, so random loss does not flap the state.
//    Losses of a streak still running do not count yet (it may become DOWN): an outage goes
//    UP -> DOWN, not UP -> DEGRADED -> DOWN. Coming up clears that history, so the losses that took
//    the path down do not hold it DEGRADED after it is back.
//  - Duplicate and late results never move the state.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "agent/config/agent_config.hpp"
#include "agent/probe/probe_result.hpp"
#include "agent/state/cut_evidence.hpp"
#include "agent/state/loss_memory.hpp"
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
  // `timeout`: the flow's probe timeout, to date timeouts. `probes_per_hour`: what the flow
  // sends at its interval (not hurried: the hurry is brief), for the cut threshold.
  PathStateMachine(const StateThresholds& thresholds, shared::Nanos timeout,
                   double probes_per_hour = kDefaultProbesPerHour);

  // `path`: what the flows of the flow's path say (PathLossPool::on_outcome for this
  // result); none: the flow is weighed alone.
  std::optional<StateChangeEvent> on_result(const ProbeResult& result,
                                            const PathEvidence& path = {});

  PathState state() const { return state_; }
  // The latest outcome was a failure that puts an UP path in doubt: its losses, the running
  // streak included, already exceed degraded_loss_percent over evaluation_probes, so unless
  // answers follow it leaves UP (DEGRADED, or DOWN if the streak goes on). One loss among
  // clean probes where 5 % of 20 are allowed is no doubt; a second one is. The agent probes
  // faster on doubt (AgentRuntime, docs/agent.md "Suspicion").
  bool doubts_up() const;
  // The running streak is half way to a cut (not DOWN yet): half the losses the cut test
  // needs against the measured loss rate. The agent probes faster, so a cut of a lossy path
  // is confirmed sooner; random loss at the tolerated rates comes this far rarely.
  bool doubts_cut() const;
  // The flow's own measured loss rate (its last decided probes, the running streak left out).
  double loss_rate() const { return memory_.rate(); }
  // Consecutive losses that call DOWN now, with the path's measured loss rate as given.
  std::uint32_t losses_for_down(double path_loss_rate) const;
  std::uint32_t consecutive_losses() const { return losses_in_a_row_; }
  std::uint32_t consecutive_successes() const { return successes_in_a_row_; }

  // New thresholds (config reload): the state and history stay.
  void set_thresholds(const StateThresholds& thresholds, shared::Nanos timeout,
                      double probes_per_hour = kDefaultProbesPerHour);

 private:
  // One probe of the history in one word (8 bytes instead of bool + optional<Nanos>'s 24:
  // ~0.7 MB less at 2,000 flows, bench/agent_vs_fping): a success's RTT in ns, or a marker.
  // A failure's RTT is never read by the rules, so it is not kept. The two markers are
  // RTTs of about -292 years, which no clock difference gives.
  class Sample {
   public:
    Sample(bool success, const std::optional<shared::Nanos>& rtt)
        : word_(!success ? kLoss
                : rtt    ? rtt->count()
                         : kAnsweredWithoutRtt) {}
    bool success() const { return word_ != kLoss; }
    std::optional<shared::Nanos> rtt() const {
      if (word_ == kLoss || word_ == kAnsweredWithoutRtt) return std::nullopt;
      return shared::Nanos{word_};
    }

   private:
    static constexpr std::int64_t kLoss = std::numeric_limits<std::int64_t>::min();
    static constexpr std::int64_t kAnsweredWithoutRtt = kLoss + 1;
    std::int64_t word_;
  };
  static_assert(sizeof(Sample) == 8);
  // The reason, if the DEGRADED rules hold with this loss limit (entering: degraded_loss_
  // percent; leaving: the lower clear limit).
  std::optional<std::string> degradation(double loss_limit) const;
  StateChangeEvent change(PathState to, std::string reason, const ProbeResult& result);

  StateThresholds thresholds_;
  shared::Nanos timeout_;
  double probes_per_hour_;
  PathState state_ = PathState::kUnknown;
  std::uint32_t losses_in_a_row_ = 0;
  std::uint32_t successes_in_a_row_ = 0;
  std::uint32_t refusals_in_a_row_ = 0;   // the tail of the failure streak that was TCP RSTs
  std::uint32_t explicit_in_streak_ = 0;  // failures of the streak that were not timeouts
  std::uint32_t clear_run_ = 0;           // DEGRADED: probes in a row within the clear limits
  // Since the path last came up, at most evaluation_probes, oldest first. A vector, not a
  // deque: a deque's 512-byte chunks cost ~1 KB per flow once the window straddles two
  // (2 MB at 2,000 flows, bench/agent_vs_fping); dropping the front moves 20 small samples.
  std::vector<Sample> history_;
  // Decided outcomes outside DOWN, for the measured loss rate: a streak joins when an answer
  // ends it short of DOWN.
  LossMemory memory_;
  double path_loss_rate_ = 0;  // the path's, with the latest result
};

}  // namespace pathwatch::agent
