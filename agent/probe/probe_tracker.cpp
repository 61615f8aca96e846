// Outstanding-probe bookkeeping shared by the ICMP and TCP engines.
#include "agent/probe/probe_tracker.hpp"

#include <algorithm>

namespace pathwatch::agent {

shared::MonoNanos ProbeTracker::Probe::forget_at() const {
  return sent_mono + std::max(timeout * kRetentionTimeouts, kMinRetention);
}

ProbeTracker::Probe& ProbeTracker::FlowProbes::at(std::uint32_t i) {
  std::uint32_t k = head + i;
  if (k >= ring.size()) k -= static_cast<std::uint32_t>(ring.size());
  return ring[k];
}

const ProbeTracker::Probe& ProbeTracker::FlowProbes::at(std::uint32_t i) const {
  return const_cast<FlowProbes*>(this)->at(i);
}

std::uint32_t ProbeTracker::FlowProbes::index_of(std::uint64_t seq) const {
  // Answers are nearly always for the newest probes: look there first.
  if (count > 0 && at(count - 1).seq == seq) return count - 1;
  std::uint32_t lo = 0;
  std::uint32_t hi = count;
  while (lo < hi) {
    const std::uint32_t mid = lo + (hi - lo) / 2;
    if (at(mid).seq < seq) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < count && at(lo).seq == seq ? lo : count;
}

void ProbeTracker::FlowProbes::insert(const Probe& p) {
  if (count == ring.size()) {
    // Grow by half (not doubling): a flow at 1 probe/s remembered 10 s settles at 13 slots
    // rather than 16, and this memory is per flow.
    std::vector<Probe> bigger;
    bigger.reserve(std::max<std::size_t>(4, ring.size() + ring.size() / 2));
    for (std::uint32_t i = 0; i < count; ++i) bigger.push_back(at(i));
    bigger.resize(bigger.capacity());
    ring = std::move(bigger);
    head = 0;
  }
  // Seqs are sent in increasing order, so this is an append; an older seq is shifted in.
  std::uint32_t pos = count;
  while (pos > 0 && at(pos - 1).seq > p.seq) {
    at(pos) = at(pos - 1);
    --pos;
  }
  at(pos) = p;
  ++count;
}

std::size_t ProbeTracker::FlowProbes::forget(shared::MonoNanos now, std::size_t& forgotten) {
  std::size_t unfinished = 0;
  // Oldest first: with one timeout per flow (the runtime's case) the expired ones are a prefix.
  while (count > 0 && at(0).forget_at() <= now) {
    if ((at(0).flags & kFinished) == 0) ++unfinished;
    head = head + 1 == ring.size() ? 0 : head + 1;
    --count;
    ++forgotten;
  }
  // Mixed timeouts in one flow: a later probe may be due before an earlier one.
  std::uint32_t kept = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    const Probe& p = at(i);
    if (p.forget_at() <= now) {
      if ((p.flags & kFinished) == 0) ++unfinished;
      ++forgotten;
      continue;
    }
    if (kept != i) at(kept) = p;
    ++kept;
  }
  count = kept;
  if (count == 0) head = 0;
  return unfinished;
}

std::optional<shared::MonoNanos> ProbeTracker::FlowProbes::earliest_forget() const {
  std::optional<shared::MonoNanos> earliest;
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto t = at(i).forget_at();
    if (!earliest || t < *earliest) earliest = t;
  }
  return earliest;
}

ProbeTracker::Probe* ProbeTracker::find(ProbeKey key) {
  auto it = flows_.find(key.flow);
  if (it == flows_.end()) return nullptr;
  const std::uint32_t i = it->second.index_of(key.seq);
  return i < it->second.count ? &it->second.at(i) : nullptr;
}

const ProbeTracker::Probe* ProbeTracker::find(ProbeKey key) const {
  return const_cast<ProbeTracker*>(this)->find(key);
}

void ProbeTracker::queue_forget(FlowId flow, FlowProbes& f) {
  f.queued_forget = f.earliest_forget();
  if (f.queued_forget) forgets_.push(ForgetDue{*f.queued_forget, flow});
}

bool ProbeTracker::start(ProbeKey key, shared::UtcNanos sent_utc, shared::MonoNanos sent_mono,
                         shared::Nanos timeout, std::optional<std::uint16_t> wire_seq) {
  if (find(key) != nullptr) return false;
  Probe p;
  p.seq = key.seq;
  p.sent_utc = sent_utc;
  p.sent_mono = sent_mono;
  p.timeout = timeout;
  if (wire_seq) {
    p.wire_seq = *wire_seq;
    p.flags = kHasWireSeq;
  }
  FlowProbes& f = flows_[key.flow];
  f.insert(p);
  ++outstanding_count_;
  ++remembered_count_;
  deadlines_.push(Deadline{p.deadline(), key.flow, key.seq});
  if (!f.queued_forget || p.forget_at() < *f.queued_forget) {
    f.queued_forget = p.forget_at();
    forgets_.push(ForgetDue{*f.queued_forget, key.flow});
  }
  if (wire_seq) {
    // A 16-bit sequence wraps: the newest probe owns it.
    const bool in_step = wire_uses_.empty() ||
                         static_cast<std::uint16_t>(wire_uses_.back().wire_seq + 1) == *wire_seq;
    if (!in_step) ++wire_out_of_step_;
    wire_uses_.push_back(WireUse{key.seq, key.flow, *wire_seq, in_step});
  }
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
  Probe* p = find(key);
  if (p == nullptr) return std::nullopt;
  ProbeResult r = base_result(key, *p);
  r.outcome = answer.outcome;
  r.icmp = answer.icmp;
  r.error_number = answer.error_number;
  if (answer.kernel_rtt) {
    r.rtt = std::max(shared::Nanos{0}, *answer.kernel_rtt);
  } else if (answer.received_mono) {
    // Never negative: a receive stamp cannot precede the send except through clock error.
    r.rtt = std::max(shared::Nanos{0}, *answer.received_mono - p->sent_mono);
  }
  r.duplicate = (p->flags & kAnswered) != 0;
  r.late = (p->flags & kTimedOut) != 0;
  p->flags |= kAnswered;
  if ((p->flags & kFinished) == 0) {
    p->flags |= kFinished;
    --outstanding_count_;
  }
  return r;
}

std::optional<ProbeKey> ProbeTracker::find_wire_seq(std::uint16_t wire_seq) const {
  // The newest use of the sequence. Engines number their packets consecutively, so the
  // entry is found by its distance from the newest; a scan only when they did not.
  const WireUse* use = nullptr;
  if (wire_uses_.empty()) return std::nullopt;
  if (wire_out_of_step_ == 0) {
    const auto back = static_cast<std::uint16_t>(wire_uses_.back().wire_seq - wire_seq);
    if (back >= wire_uses_.size()) return std::nullopt;
    use = &wire_uses_[wire_uses_.size() - 1 - back];
  } else {
    for (auto it = wire_uses_.rbegin(); it != wire_uses_.rend(); ++it) {
      if (it->wire_seq == wire_seq) {
        use = &*it;
        break;
      }
    }
    if (use == nullptr) return std::nullopt;
  }
  const ProbeKey key{use->flow, use->seq};
  const Probe* p = find(key);
  if (p == nullptr || (p->flags & kHasWireSeq) == 0 || p->wire_seq != wire_seq) {
    return std::nullopt;  // forgotten (or the key was sent again without this sequence)
  }
  return key;
}

bool ProbeTracker::is_outstanding(ProbeKey key) const {
  const Probe* p = find(key);
  return p != nullptr && (p->flags & kFinished) == 0;
}

void ProbeTracker::expire(shared::MonoNanos now, std::vector<ProbeResult>& timed_out) {
  // Deadlines first (retention always ends after the deadline), oldest first.
  while (!deadlines_.empty() && deadlines_.top().at <= now) {
    const Deadline d = deadlines_.top();
    deadlines_.pop();
    const ProbeKey key{d.flow, d.seq};
    Probe* p = find(key);
    if (p == nullptr || (p->flags & kFinished) != 0 || p->deadline() != d.at) continue;
    p->flags |= kFinished | kTimedOut;
    --outstanding_count_;
    ProbeResult r = base_result(key, *p);
    r.outcome = Outcome::kTimeout;
    timed_out.push_back(r);
  }
  while (!forgets_.empty() && forgets_.top().at <= now) {
    const ForgetDue d = forgets_.top();
    forgets_.pop();
    auto it = flows_.find(d.flow);
    if (it == flows_.end() || it->second.queued_forget != d.at) continue;  // superseded
    std::size_t forgotten = 0;
    // Retention always exceeds the timeout; keep the invariant for unfinished ones anyway.
    outstanding_count_ -= it->second.forget(now, forgotten);
    remembered_count_ -= forgotten;
    if (it->second.count == 0) {
      flows_.erase(it);  // a flow removed by a reload leaves nothing behind
    } else {
      queue_forget(d.flow, it->second);
    }
  }
  while (!wire_uses_.empty()) {
    const WireUse& front = wire_uses_.front();
    const Probe* p = find(ProbeKey{front.flow, front.seq});
    if (p != nullptr && (p->flags & kHasWireSeq) != 0 && p->wire_seq == front.wire_seq) break;
    wire_uses_.pop_front();
    if (!wire_uses_.empty() && !wire_uses_.front().in_step) --wire_out_of_step_;
  }
}

std::optional<shared::MonoNanos> ProbeTracker::next_deadline() const {
  std::optional<shared::MonoNanos> next;
  if (!deadlines_.empty()) next = deadlines_.top().at;
  if (!forgets_.empty() && (!next || forgets_.top().at < *next)) next = forgets_.top().at;
  return next;
}

}  // namespace pathwatch::agent
