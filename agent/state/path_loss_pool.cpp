// The flows of a path weighed together (rules in the header).
#include "agent/state/path_loss_pool.hpp"

#include <algorithm>

namespace pathwatch::agent {

void PathLossPool::set_flows(const std::vector<PoolMember>& members) {
  std::map<std::string, Pool> pools;
  std::map<FlowId, Member> kept;
  for (const auto& m : members) {
    auto [it, added] = pools.try_emplace(m.pool);
    if (added) {
      if (auto old = pools_.find(m.pool); old != pools_.end()) it->second = old->second;
      it->second.probes_per_hour = 0;
      it->second.flows = 0;
    }
    it->second.probes_per_hour += m.probes_per_hour;
    ++it->second.flows;
    Member member{m.pool, 0, m.probes_per_hour};
    if (auto old = members_.find(m.flow); old != members_.end() && old->second.pool == m.pool) {
      member.streak = old->second.streak;
    }
    kept[m.flow] = member;
  }
  pools_ = std::move(pools);
  members_ = std::move(kept);
}

void PathLossPool::move_flow(FlowId flow, const std::string& pool) {
  auto m = members_.find(flow);
  if (m == members_.end() || m->second.pool == pool) return;
  Member& member = m->second;
  if (auto old = pools_.find(member.pool); old != pools_.end()) {
    old->second.probes_per_hour -= member.probes_per_hour;
    if (--old->second.flows == 0) pools_.erase(old);
  }
  Pool& to = pools_[pool];
  to.probes_per_hour += member.probes_per_hour;
  ++to.flows;
  member.pool = pool;
  member.streak = 0;
}

const std::string* PathLossPool::pool_of(FlowId flow) const {
  auto m = members_.find(flow);
  return m == members_.end() ? nullptr : &m->second.pool;
}

double PathLossPool::threshold(const Pool& pool) const {
  return cut_threshold(pool.probes_per_hour, thresholds_);
}

bool path_delivered(Outcome outcome) {
  return outcome == Outcome::kOk || outcome == Outcome::kRefused;
}

PathEvidence PathLossPool::on_outcome(FlowId flow, bool delivered, bool flow_down,
                                      double flow_loss_rate) {
  auto m = members_.find(flow);
  if (m == members_.end()) return {};
  Pool& pool = pools_.at(m->second.pool);
  Member& member = m->second;
  if (delivered) {
    // This flow's streak was random loss, unless the flow went DOWN with it.
    if (!flow_down) {
      for (std::uint32_t i = 0; i < std::min(member.streak, LossMemory::kSize); ++i) {
        pool.memory.record(true);
      }
    }
    member.streak = 0;
    if (!flow_down)
      pool.memory.record(false);  // a DOWN flow's answers join no more than its losses
    pool.evidence = 0;            // the path carries packets
    pool.losses_since_answer = 0;
  } else {
    ++member.streak;
    if (!flow_down) {
      pool.evidence += loss_evidence(std::max(flow_loss_rate, pool.memory.rate()), thresholds_);
      ++pool.losses_since_answer;
    }
  }
  PathEvidence e;
  e.loss_rate = pool.memory.rate();
  e.silent = !delivered && pool.evidence >= threshold(pool);
  e.losses_since_answer = pool.losses_since_answer;
  e.flows = pool.flows;
  return e;
}

bool PathLossPool::doubts_cut(FlowId flow) const {
  auto m = members_.find(flow);
  if (m == members_.end()) return false;
  const Pool& pool = pools_.at(m->second.pool);
  return pool.losses_since_answer > 0 && 2 * pool.evidence >= threshold(pool);
}

double PathLossPool::loss_rate(FlowId flow) const {
  auto m = members_.find(flow);
  return m == members_.end() ? 0.0 : pools_.at(m->second.pool).memory.rate();
}

}  // namespace pathwatch::agent
