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
//  - Start: UNKNOWN. `down_after` consecutive failures -> DOWN from any state (BFD's detect
//    multiplier); from DEGRADED with losses in its history (a lossy path, whose losses come in
//    short runs by chance) 2 x `down_after`. From UNKNOWN or DOWN, `up_after` consecutive
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
  // The latest outcome was a failure that puts an UP path in doubt: its losses, the running
  // streak included, already exceed degraded_loss_percent over evaluation_probes, so unless
  // answers follow it leaves UP (DEGRADED, or DOWN if the streak goes on). One loss among
  // clean probes where 5 % of 20 are allowed is no doubt; a second one is. The agent probes
  // faster on doubt (AgentRuntime, docs/agent.md "Suspicion").
  bool doubts_up() const;
  std::uint32_t consecutive_losses() const { return losses_in_a_row_; }
  std::uint32_t consecutive_successes() const { return successes_in_a_row_; }

  // New thresholds (config reload): the state and history stay.
  void set_thresholds(const StateThresholds& thresholds, shared::Nanos timeout);

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
  bool history_has_losses() const;
  StateChangeEvent change(PathState to, std::string reason, const ProbeResult& result);

  StateThresholds thresholds_;
  shared::Nanos timeout_;
  PathState state_ = PathState::kUnknown;
  std::uint32_t losses_in_a_row_ = 0;
  std::uint32_t successes_in_a_row_ = 0;
  std::uint32_t refusals_in_a_row_ = 0;  // the tail of the failure streak that was TCP RSTs
  std::uint32_t clear_run_ = 0;          // DEGRADED: probes in a row within the clear limits
  // Since the path last came up, at most evaluation_probes, oldest first. A vector, not a
  // deque: a deque's 512-byte chunks cost ~1 KB per flow once the window straddles two
  // (2 MB at 2,000 flows, bench/agent_vs_fping); dropping the front moves 20 small samples.
  std::vector<Sample> history_;
};

}  // namespace pathwatch::agent
