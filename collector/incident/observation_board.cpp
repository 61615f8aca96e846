// ObservationBoard: latest state per measurement, merged from state changes and windows in
// data-time order, and the as-routed line per agent.
#include "collector/incident/observation_board.hpp"

#include <algorithm>

namespace pathwatch::collector::incident {

using isolation::ObservedState;
using isolation::TcpEvidence;

ObservedState to_observed(PathState state) {
  switch (state) {
    case PathState::kUp:
      return ObservedState::kUp;
    case PathState::kDegraded:
      return ObservedState::kDegraded;
    case PathState::kDown:
      return ObservedState::kDown;
    default:
      return ObservedState::kUnknown;
  }
}

TcpEvidence to_tcp_evidence(std::uint8_t outcome) {
  switch (outcome) {
    case 1:
      return TcpEvidence::kOk;
    case 2:
      return TcpEvidence::kRefused;
    case 3:
      return TcpEvidence::kTimeout;
    case 4:
      return TcpEvidence::kUnreachable;
    case 5:
      return TcpEvidence::kError;
    default:
      return TcpEvidence::kNone;
  }
}

MeasurementKey key_of(const FlowRef& flow) {
  MeasurementKey k;
  k.agent_id = flow.agent_id;
  k.path = flow.path;
  k.target = flow.target;
  k.kind = flow.kind == ProbeKind::kTcp ? isolation::ProbeKind::kTcp : isolation::ProbeKind::kIcmp;
  k.port = flow.kind == ProbeKind::kTcp ? flow.port : 0;
  return k;
}

bool ObservationBoard::set_state(const MeasurementKey& key, const std::string& site,
                                 shared::UtcNanos at, ObservedState state,
                                 const StoredStateChange* evidence) {
  latest_ = std::max(latest_, at);
  auto [it, fresh] = states_.try_emplace(key);
  MeasurementState& s = it->second;
  if (!fresh && at < s.at) return false;  // a late row older than what we know
  const bool changed = fresh || s.state != state;
  s.site = site;
  s.at = at;
  if (changed) s.since = at;
  s.state = state;
  if (changed) s.changed = at;
  if (evidence) {
    const auto tcp = to_tcp_evidence(evidence->last_tcp_outcome);
    const bool evidence_changed =
        s.tcp != tcp || s.icmp.has_value() != !evidence->icmp_router.empty() ||
        (s.icmp && (s.icmp->router != evidence->icmp_router ||
                    s.icmp->type != evidence->icmp_type || s.icmp->code != evidence->icmp_code));
    if (evidence_changed) s.changed = at;
    s.tcp = tcp;
    if (evidence->icmp_router.empty()) {
      s.icmp.reset();
    } else {
      s.icmp =
          isolation::IcmpEvidence{evidence->icmp_router, evidence->icmp_type, evidence->icmp_code};
    }
    return changed || evidence_changed;
  }
  if (changed) {
    // A window says nothing about why; evidence from an earlier state no longer applies.
    s.tcp = TcpEvidence::kNone;
    s.icmp.reset();
  }
  return changed;
}

bool ObservationBoard::apply(const StoredStateChange& change) {
  return set_state(key_of(change.flow), change.flow.site, change.at, to_observed(change.to),
                   &change);
}

bool ObservationBoard::apply(const StoredWindow& window) {
  const MeasurementKey key = key_of(window.flow);
  bool changed = set_state(key, window.flow.site, window.end, to_observed(window.state), nullptr);
  MeasurementState& s = states_.at(key);
  if (s.at != window.end) return changed;  // an older window: what we know is newer
  // Random loss: ten answers in a row (p = 0.7^10 = 3 % under 30 % loss) before an up
  // measurement proves its segments free of degradation again (docs/isolation.md).
  const bool before = s.recent_loss();
  s.clean_probes =
      window.lost > 0 ? 0 : std::min(MeasurementState::kCleanProbes, s.clean_probes + window.sent);
  // It only matters for an up measurement (isolation reads it for nothing else): a down
  // one's lossy windows must not move settled_at past the data time its verdict was complete.
  if (s.recent_loss() != before && s.state == ObservedState::kUp) {
    s.changed = window.end;
    changed = true;
  }
  return changed;
}

bool ObservationBoard::apply(const StoredRouteChange& change) {
  latest_ = std::max(latest_, change.at);
  auto [it, fresh] = lines_.try_emplace(change.agent_id);
  if (!fresh && change.at < it->second.at) return false;
  const bool changed = fresh || it->second.path != change.to_path;
  it->second = Line{change.to_path, change.at, changed ? change.at : it->second.changed};
  return changed;
}

shared::UtcNanos ObservationBoard::settled_at(shared::UtcNanos at) const {
  shared::UtcNanos settled{};
  for (const auto& [key, s] : states_) {
    const bool stale = stale_after_.count() > 0 && s.at + stale_after_ < at;
    settled = std::max(settled, stale ? s.at + stale_after_ : s.changed);
  }
  for (const auto& [agent, l] : lines_) settled = std::max(settled, l.changed);
  return std::min(settled, at);
}

std::optional<std::string> ObservationBoard::line(const std::string& agent_id) const {
  auto it = lines_.find(agent_id);
  if (it == lines_.end()) return std::nullopt;
  return it->second.path;
}

isolation::ObservationSet ObservationBoard::snapshot(shared::UtcNanos at,
                                                     const isolation::Topology* topology) const {
  isolation::ObservationSet set;
  set.at = at;
  set.observations.reserve(states_.size());
  for (const auto& [key, s] : states_) {
    isolation::Observation o;
    o.agent_id = key.agent_id;
    o.path = key.path;
    o.target = key.target;
    o.kind = key.kind;
    o.port = key.port;
    const bool stale = stale_after_.count() > 0 && s.at + stale_after_ < at;
    o.state = stale ? ObservedState::kUnknown : s.state;
    o.recent_loss = o.state == ObservedState::kUp && s.recent_loss();
    if (o.state != ObservedState::kUp) {
      o.tcp = s.tcp;
      o.icmp = s.icmp;
    }
    if (topology) {
      const auto* m = topology->find_measurement(key.agent_id, key.path, key.target);
      const bool as_routed =
          m && std::any_of(m->routes.begin(), m->routes.end(),
                           [](const isolation::MeasurementRoute& r) { return !r.via.empty(); });
      if (as_routed) {
        if (auto l = line(key.agent_id)) o.via_path = *l;
      }
    }
    set.observations.push_back(std::move(o));
  }
  return set;
}

}  // namespace pathwatch::collector::incident
