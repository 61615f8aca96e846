// Sequence ledger: done ranges are kept merged, so a long run of in-order messages costs one
// map entry, and the watermark advances by whole ranges.
#include "collector/ingest/seq_ledger.hpp"

#include <algorithm>

namespace pathwatch::collector {

void SeqLedger::load(const std::string& agent_id, std::uint64_t through_seq,
                     std::uint64_t last_seq) {
  Agent& a = agents_[agent_id];
  a.through = through_seq;
  a.highest = std::max(through_seq, last_seq);
}

SeqLedger::Seen SeqLedger::classify(const std::string& agent_id, std::uint64_t seq) const {
  const auto it = agents_.find(agent_id);
  if (it == agents_.end()) return Seen::kNew;
  const Agent& a = it->second;
  if (seq <= a.through) return Seen::kDuplicate;
  if (a.in_flight.contains(seq)) return Seen::kInFlight;
  auto d = a.done.upper_bound(seq);
  if (d != a.done.begin() && std::prev(d)->second >= seq) return Seen::kDuplicate;
  return Seen::kNew;
}

std::optional<StoredGap> SeqLedger::begin(const std::string& agent_id, const std::string& site,
                                          std::uint64_t seq, shared::UtcNanos now) {
  std::optional<StoredGap> gap;
  auto [it, fresh] = agents_.try_emplace(agent_id);
  Agent& a = it->second;
  a.site = site;
  if (fresh) {
    // Seqs below an unknown agent's first message are waited for (a gap: filled by resends,
    // ended by a DropReport or the gap timeout), not assumed delivered: the agent's publisher
    // says Hello with a new seq ahead of its older unacknowledged messages, so starting the
    // watermark at the first seq seen acked messages that were never stored.
    a.through = 0;
    a.highest = seq;
    if (seq > 1) gap = StoredGap{agent_id, site, 1, seq - 1, now};
  } else if (seq > a.highest) {
    if (seq > a.highest + 1) gap = StoredGap{agent_id, site, a.highest + 1, seq - 1, now};
    a.highest = seq;
  }
  a.in_flight.insert(seq);
  return gap;
}

void SeqLedger::add_done(Agent& a, std::uint64_t first, std::uint64_t last) {
  if (last <= a.through) return;
  first = std::max(first, a.through + 1);
  // Merge with every range that overlaps or touches [first, last].
  auto it = a.done.upper_bound(first);
  if (it != a.done.begin() && std::prev(it)->second + 1 >= first) --it;
  while (it != a.done.end() && it->first <= last + 1) {
    first = std::min(first, it->first);
    last = std::max(last, it->second);
    it = a.done.erase(it);
  }
  a.done.emplace(first, last);
}

void SeqLedger::advance(Agent& a, shared::UtcNanos now) {
  while (!a.done.empty() && a.done.begin()->first == a.through + 1) {
    a.through = a.done.begin()->second;
    a.done.erase(a.done.begin());
  }
  if (a.done.empty()) {
    a.stuck_since.reset();
  } else if (!a.stuck_since) {
    a.stuck_since = now;
  }
}

void SeqLedger::committed(const std::string& agent_id, std::uint64_t seq, shared::UtcNanos now) {
  Agent& a = agents_[agent_id];
  a.in_flight.erase(seq);
  if (a.done.empty() && seq == a.through + 1) {
    // In-order fast path: the watermark moves on with no done range to keep (same result as
    // add_done + advance, without a map node per message).
    a.through = seq;
    a.highest = std::max(a.highest, seq);
    a.stuck_since.reset();
    return;
  }
  add_done(a, seq, seq);
  a.highest = std::max(a.highest, seq);
  advance(a, now);
}

void SeqLedger::aborted(const std::string& agent_id, std::uint64_t seq) {
  agents_[agent_id].in_flight.erase(seq);
}

void SeqLedger::give_up(const std::string& agent_id, std::uint64_t first, std::uint64_t last,
                        shared::UtcNanos now) {
  if (first == 0 || last < first) return;
  Agent& a = agents_[agent_id];
  add_done(a, first, last);
  advance(a, now);
}

std::uint64_t SeqLedger::through(const std::string& agent_id) const {
  const auto it = agents_.find(agent_id);
  return it == agents_.end() ? 0 : it->second.through;
}

std::uint64_t SeqLedger::through_if_committed(const std::string& agent_id,
                                              std::span<const SeqGiveUp> give_ups) const {
  const auto it = agents_.find(agent_id);
  if (it == agents_.end()) return 0;
  const Agent& a = it->second;
  std::uint64_t through = a.through;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> given;
  for (const auto& g : give_ups) {
    if (g.agent_id == agent_id && g.first > 0 && g.last >= g.first)
      given.emplace_back(g.first, g.last);
  }
  std::sort(given.begin(), given.end());
  // All three are runs sorted by first: the watermark extends through every run that starts at
  // or below it + 1, from any list.
  auto done = a.done.begin();
  const auto& runs = a.in_flight.runs();
  auto flight = runs.begin();
  auto gave = given.begin();
  for (;;) {
    if (done != a.done.end() && done->first <= through + 1) {
      through = std::max(through, done->second);
      ++done;
    } else if (flight != runs.end() && flight->first <= through + 1) {
      through = std::max(through, flight->second);
      ++flight;
    } else if (gave != given.end() && gave->first <= through + 1) {
      through = std::max(through, gave->second);
      ++gave;
    } else {
      return through;
    }
  }
}

std::uint64_t SeqLedger::highest(const std::string& agent_id) const {
  const auto it = agents_.find(agent_id);
  return it == agents_.end() ? 0 : it->second.highest;
}

std::vector<StoredGap> SeqLedger::expire(shared::UtcNanos now, shared::Nanos timeout) {
  std::vector<StoredGap> skipped;
  for (auto& [id, a] : agents_) {
    while (a.stuck_since && now - *a.stuck_since >= timeout && !a.done.empty()) {
      const std::uint64_t first_missing = a.through + 1;
      const std::uint64_t next_done = a.done.begin()->first;
      // Never skip past a seq still in flight: its commit decides.
      if (!a.in_flight.empty() && a.in_flight.min() < next_done) break;
      skipped.push_back(StoredGap{id, a.site, first_missing, next_done - 1, now});
      a.through = next_done - 1;
      a.stuck_since.reset();
      advance(a, now);  // a further gap restarts its own timeout from now
    }
  }
  return skipped;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> SeqLedger::open_gaps(
    const std::string& agent_id) const {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  const auto it = agents_.find(agent_id);
  if (it == agents_.end()) return out;
  std::uint64_t next = it->second.through + 1;
  for (const auto& [first, last] : it->second.done) {
    if (first > next) out.emplace_back(next, first - 1);
    next = last + 1;
  }
  return out;
}

}  // namespace pathwatch::collector
