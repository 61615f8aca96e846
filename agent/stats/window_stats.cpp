// Per-flow window statistics from probe results.
#include "agent/stats/window_stats.hpp"

namespace pathwatch::agent {
namespace {

bool is_answer(Outcome outcome) {
  return outcome == Outcome::kOk || outcome == Outcome::kRefused;
}

void count_tcp(TcpOutcomeCounts& c, Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      ++c.ok;
      break;
    case Outcome::kRefused:
      ++c.refused;
      break;
    case Outcome::kTimeout:
      ++c.timeout;
      break;
    case Outcome::kUnreachable:
    case Outcome::kTimeExceeded:  // a router said it could not deliver: unreachable for TCP
      ++c.unreachable;
      break;
    case Outcome::kError:
      ++c.error;
      break;
  }
}

}  // namespace

WindowAccumulator::WindowAccumulator(ProbeKind kind, shared::UtcNanos window_start)
    : kind_(kind), start_(window_start) {}

void WindowAccumulator::add(const ProbeResult& result) {
  if (result.duplicate) {
    ++duplicates_;
    return;
  }
  if (result.late) {
    ++late_;
    return;
  }
  ++sent_;
  if (kind_ == ProbeKind::kTcp) count_tcp(tcp_, result.outcome);
  if (result.icmp) {
    ++icmp_errors_[{result.icmp->router, result.icmp->type, result.icmp->code}];
  }
  if (!is_answer(result.outcome)) return;
  ++received_;
  if (result.seq < highest_answered_seq_) {
    ++reordered_;
  } else {
    highest_answered_seq_ = result.seq;
  }
  if (result.rtt) {
    samples_.push_back(*result.rtt);
    delay_variation_.add(*result.rtt);
  }
}

WindowStats WindowAccumulator::close(shared::UtcNanos end, shared::UtcNanos next_start) {
  WindowStats s;
  s.start = start_;
  s.end = end;
  s.sent = sent_;
  s.received = received_;
  s.lost = sent_ - received_;
  s.duplicates = duplicates_;
  s.late = late_;
  s.reordered = reordered_;
  s.rtt = summarize_rtts(std::move(samples_));
  s.jitter_rfc3550 = delay_variation_.jitter_rfc3550();
  s.ipdv_mean_abs = delay_variation_.ipdv_mean_abs();
  s.tcp = tcp_;
  for (const auto& [k, count] : icmp_errors_) {
    s.icmp_errors.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k), count});
  }

  start_ = next_start;
  sent_ = received_ = duplicates_ = late_ = reordered_ = 0;
  samples_.clear();
  tcp_ = {};
  icmp_errors_.clear();
  delay_variation_.start_window();
  return s;
}

}  // namespace pathwatch::agent
