// Outstanding-probe bookkeeping shared by the ICMP and TCP engines.
#include "agent/probe/probe_tracker.hpp"

#include <algorithm>

namespace pathwatch::agent {

bool ProbeTracker::start(ProbeKey key, shared::UtcNanos sent_utc, shared::MonoNanos sent_mono,
                         shared::Nanos timeout, std::optional<std::uint16_t> wire_seq) {
  if (probes_.contains(key)) return false;
  const shared::Nanos retention = std::max(timeout * kRetentionTimeouts, kMinRetention);
  Probe p{sent_utc, sent_mono, sent_mono + timeout, sent_mono + retention, wire_seq};
  probes_.emplace(key, p);
  ++outstanding_count_;
  // A 16-bit sequence wraps: the newest probe owns it.
  if (wire_seq) by_wire_seq_[*wire_seq] = key;
  due_.push(Due{p.deadline, key, false});
  due_.push(Due{p.forget_at, key, true});
  return true;
}

ProbeResult ProbeTracker::base_result(ProbeKey key, const Probe& p) const {
  ProbeResult r;
  r.flow = key.flow;
  r.seq = key.seq;
  r.sent_utc = p.sent_utc;
  r.sent_mono = p.sent_mono;
  return r;
}

std::optional<ProbeResult> ProbeTracker::answer(ProbeKey key, const ProbeAnswer& answer) {
  auto it = probes_.find(key);
  if (it == probes_.end()) return std::nullopt;
  Probe& p = it->second;
  ProbeResult r = base_result(key, p);
  r.outcome = answer.outcome;
  r.icmp = answer.icmp;
  r.error_number = answer.error_number;
  if (answer.kernel_rtt) {
    r.rtt = std::max(shared::Nanos{0}, *answer.kernel_rtt);
  } else if (answer.received_mono) {
    // Never negative: a receive stamp cannot precede the send except through clock error.
    r.rtt = std::max(shared::Nanos{0}, *answer.received_mono - p.sent_mono);
  }
  ++p.answers;
  r.duplicate = p.answers > 1;
  r.late = p.timed_out;
  if (!p.finished) {
    p.finished = true;
    --outstanding_count_;
  }
  return r;
}

std::optional<ProbeKey> ProbeTracker::find_wire_seq(std::uint16_t wire_seq) const {
  auto it = by_wire_seq_.find(wire_seq);
  if (it == by_wire_seq_.end()) return std::nullopt;
  return it->second;
}

bool ProbeTracker::is_outstanding(ProbeKey key) const {
  auto it = probes_.find(key);
  return it != probes_.end() && !it->second.finished;
}

void ProbeTracker::expire(shared::MonoNanos now, std::vector<ProbeResult>& timed_out) {
  while (!due_.empty() && due_.top().at <= now) {
    const Due d = due_.top();
    due_.pop();
    auto it = probes_.find(d.key);
    if (it == probes_.end()) continue;
    Probe& p = it->second;
    if (!d.forget) {
      if (p.finished || p.deadline != d.at) continue;
      p.finished = true;
      p.timed_out = true;
      --outstanding_count_;
      ProbeResult r = base_result(d.key, p);
      r.outcome = Outcome::kTimeout;
      timed_out.push_back(r);
      continue;
    }
    if (p.forget_at != d.at) continue;
    if (!p.finished) {  // retention always exceeds the timeout; keep the invariant anyway
      p.finished = true;
      --outstanding_count_;
    }
    if (p.wire_seq) {
      auto w = by_wire_seq_.find(*p.wire_seq);
      if (w != by_wire_seq_.end() && w->second == d.key) by_wire_seq_.erase(w);
    }
    probes_.erase(it);
  }
}

std::optional<shared::MonoNanos> ProbeTracker::next_deadline() const {
  if (due_.empty()) return std::nullopt;
  return due_.top().at;
}

}  // namespace pathwatch::agent
