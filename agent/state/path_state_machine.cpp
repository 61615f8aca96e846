// The per-flow path state machine (rules in the header).
#include "agent/state/path_state_machine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace pathwatch::agent {
namespace {

// A RST is not a success: the host answered, but the measured service (host:port) is not
// usable. It counts as a failure and its outcome is the evidence (docs/agent.md).
bool is_success(Outcome outcome) {
  return outcome == Outcome::kOk;
}

double to_ms(shared::Nanos d) {
  return static_cast<double>(d.count()) / 1e6;
}

}  // namespace

const char* to_string(PathState state) {
  switch (state) {
    case PathState::kUnknown:
      return "unknown";
    case PathState::kUp:
      return "up";
    case PathState::kDegraded:
      return "degraded";
    case PathState::kDown:
      return "down";
  }
  return "?";
}

shared::UtcNanos outcome_time(const ProbeResult& result, shared::Nanos timeout) {
  if (result.rtt) return result.sent_utc + *result.rtt;
  if (result.outcome == Outcome::kTimeout) return result.sent_utc + timeout;
  return result.sent_utc;
}

PathStateMachine::PathStateMachine(const StateThresholds& thresholds, shared::Nanos timeout,
                                   double probes_per_hour)
    : thresholds_(thresholds), timeout_(timeout), probes_per_hour_(probes_per_hour) {}

void PathStateMachine::set_thresholds(const StateThresholds& thresholds, shared::Nanos timeout,
                                      double probes_per_hour) {
  thresholds_ = thresholds;
  timeout_ = timeout;
  probes_per_hour_ = probes_per_hour;
  if (history_.size() > thresholds_.evaluation_probes) {
    history_.erase(history_.begin(),
                   history_.end() - static_cast<std::ptrdiff_t>(thresholds_.evaluation_probes));
  }
}

StateChangeEvent PathStateMachine::change(PathState to, std::string reason,
                                          const ProbeResult& result) {
  StateChangeEvent e;
  e.from = state_;
  e.to = to;
  e.at = outcome_time(result, timeout_);
  e.reason = std::move(reason);
  e.seq = result.seq;
  e.outcome = result.outcome;
  e.icmp = result.icmp;
  e.error_number = result.error_number;
  state_ = to;
  return e;
}

std::uint32_t PathStateMachine::losses_for_down(double path_loss_rate) const {
  return losses_for_cut(std::max(memory_.rate(), path_loss_rate), probes_per_hour_, thresholds_);
}

bool PathStateMachine::doubts_cut() const {
  return state_ != PathState::kDown && losses_in_a_row_ > 0 &&
         2 * losses_in_a_row_ >= losses_for_down(path_loss_rate_);
}

bool PathStateMachine::doubts_up() const {
  if (state_ != PathState::kUp || losses_in_a_row_ == 0) return false;
  std::uint32_t losses = 0;
  for (const auto& h : history_) losses += h.success() ? 0 : 1;
  return 100.0 * losses / thresholds_.evaluation_probes > thresholds_.degraded_loss_percent;
}

std::optional<std::string> PathStateMachine::degradation(double loss_limit) const {
  std::uint32_t losses = 0;
  // Runs for every result: one buffer per thread instead of an allocation per probe.
  thread_local std::vector<shared::Nanos> rtts;
  rtts.clear();
  for (const auto& s : history_) {
    if (!s.success()) ++losses;
    if (const auto rtt = s.rtt()) rtts.push_back(*rtt);
  }
  // The losses of a streak still running are undecided: shorter than down_after so far, they
  // end either in DOWN or, once an answer breaks the streak, as loss. Counting them now would
  // report every outage as UP -> DEGRADED -> DOWN instead of UP -> DOWN.
  losses -= std::min(losses, losses_in_a_row_);
  const double loss_percent = 100.0 * losses / thresholds_.evaluation_probes;
  if (loss_percent > loss_limit) {
    return fmt::format("loss {:.1f}% > {:.1f}% ({} of the last {} probes)", loss_percent,
                       loss_limit, losses, thresholds_.evaluation_probes);
  }
  if (!rtts.empty()) {
    // Lower median: with an even count the smaller middle value, so the rule needs more than
    // half of the answers to be slow.
    auto mid = rtts.begin() + static_cast<std::ptrdiff_t>((rtts.size() - 1) / 2);
    std::nth_element(rtts.begin(), mid, rtts.end());
    if (*mid > thresholds_.degraded_rtt) {
      return fmt::format("median RTT {:.3f} ms > {:.3f} ms over {} answers", to_ms(*mid),
                         to_ms(thresholds_.degraded_rtt), rtts.size());
    }
  }
  return std::nullopt;
}

std::optional<StateChangeEvent> PathStateMachine::on_result(const ProbeResult& result,
                                                            const PathEvidence& path) {
  if (result.duplicate || result.late) return std::nullopt;
  const bool success = is_success(result.outcome);
  path_loss_rate_ = path.loss_rate;
  if (success) {
    // The streak this answer ends was random loss (decided), unless it was called DOWN. A
    // DOWN flow records neither its losses nor its answers: answers alone would bias the
    // measured rate low.
    if (state_ != PathState::kDown) {
      for (std::uint32_t i = 0; i < std::min(losses_in_a_row_, LossMemory::kSize); ++i) {
        memory_.record(true);
      }
      memory_.record(false);
    }
    ++successes_in_a_row_;
    losses_in_a_row_ = 0;
    refusals_in_a_row_ = 0;
    explicit_in_streak_ = 0;
  } else {
    ++losses_in_a_row_;
    successes_in_a_row_ = 0;
    refusals_in_a_row_ = result.outcome == Outcome::kRefused ? refusals_in_a_row_ + 1 : 0;
    if (result.outcome != Outcome::kTimeout) ++explicit_in_streak_;
  }

  if (!success && state_ != PathState::kDown && losses_in_a_row_ >= thresholds_.down_after) {
    // Random loss comes in runs by chance (at 51 % round-trip loss, 6 in a row every ~100
    // probes): a streak is a cut only when random loss at the measured rate would rarely give
    // it, or when the whole path fell silent with it (docs/agent.md "Loss is not a cut").
    // Explicit failures (a RST, an ICMP error, a local error) are no random loss: random loss
    // is silence.
    const double measured = std::max(memory_.rate(), path.loss_rate);
    const std::uint32_t needed = losses_for_down(path.loss_rate);
    const bool answered_no = explicit_in_streak_ >= thresholds_.down_after;
    if (losses_in_a_row_ >= needed || path.silent || answered_no) {
      std::string reason =
          refusals_in_a_row_ == losses_in_a_row_
              ? fmt::format(
                    "{} consecutive refusals (TCP RST: the host answered, the service "
                    "did not accept)",
                    losses_in_a_row_)
              : fmt::format("{} consecutive losses (last: {})", losses_in_a_row_,
                            to_string(result.outcome));
      if (losses_in_a_row_ >= needed) {
        if (needed > thresholds_.down_after) {
          reason += fmt::format(" against a measured loss of {:.1f}% (needs {})", 100.0 * measured,
                                needed);
        }
      } else if (answered_no) {
        reason += fmt::format("; {} of them explicit (RST, ICMP error): not random loss",
                              explicit_in_streak_);
      } else {
        reason += fmt::format(
            "; the path silent: {} losses on its {} flows since its last answer, measured "
            "loss {:.1f}%",
            path.losses_since_answer, path.flows, 100.0 * measured);
      }
      history_.clear();
      clear_run_ = 0;
      return change(PathState::kDown, std::move(reason), result);
    }
  }

  if (state_ == PathState::kUnknown || state_ == PathState::kDown) {
    if (!success || successes_in_a_row_ < thresholds_.up_after) return std::nullopt;
    // Coming up: a fresh history made of the successes that brought the path back (their
    // RTTs are not kept; the latency rule is judged from the next answers on).
    history_.assign(std::min(successes_in_a_row_, thresholds_.evaluation_probes),
                    Sample{true, std::nullopt});
    history_.back() = Sample{true, result.rtt};
    clear_run_ = 0;
    std::string reason = fmt::format("{} consecutive answers", successes_in_a_row_);
    if (auto why = degradation(thresholds_.degraded_loss_percent)) {
      return change(PathState::kDegraded, reason + ", but " + *why, result);
    }
    return change(PathState::kUp, std::move(reason), result);
  }

  // Exactly one sample over the limit, then the oldest goes: no capacity doubling per flow.
  if (history_.capacity() < thresholds_.evaluation_probes + 1) {
    history_.reserve(thresholds_.evaluation_probes + 1);
  }
  history_.push_back(Sample{success, result.rtt});
  if (history_.size() > thresholds_.evaluation_probes) {
    history_.erase(history_.begin(),
                   history_.end() - static_cast<std::ptrdiff_t>(thresholds_.evaluation_probes));
  }
  if (state_ == PathState::kUp) {
    const auto why = degradation(thresholds_.degraded_loss_percent);
    if (!why) return std::nullopt;
    clear_run_ = 0;
    return change(PathState::kDegraded, *why, result);
  }
  // DEGRADED: leave only after the lower limits have held for evaluation_probes probes.
  const double clear_limit = std::min(
      thresholds_.degraded_clear_loss_percent.value_or(thresholds_.degraded_loss_percent / 2),
      thresholds_.degraded_loss_percent);
  if (degradation(clear_limit) || losses_in_a_row_ > 0) {
    clear_run_ = 0;
    return std::nullopt;
  }
  if (++clear_run_ < thresholds_.evaluation_probes) return std::nullopt;
  clear_run_ = 0;
  return change(PathState::kUp, "loss and latency back within limits", result);
}

}  // namespace pathwatch::agent
