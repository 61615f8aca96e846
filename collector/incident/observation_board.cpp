// ObservationBoard: latest state per measurement, merged from state changes and windows in
// data-time order, and the as-routed line per agent.
#include "collector/incident/observation_board.hpp"

#include <algorithm>

#include "collector/analysis/failover.hpp"

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
  const auto tcp = evidence ? to_tcp_evidence(evidence->last_tcp_outcome) : TcpEvidence::kNone;
  const bool evidence_changed =
      evidence &&
      (s.tcp != tcp || s.icmp.has_value() != !evidence->icmp_router.empty() ||
       (s.icmp && (s.icmp->router != evidence->icmp_router || s.icmp->type != evidence->icmp_type ||
                   s.icmp->code != evidence->icmp_code)));
  if (changed || evidence_changed) {
    Undo undo;
    undo.at = at;
    undo.key = key;
    if (!fresh) undo.measurement = s;
    journal(std::move(undo));
  }
  s.site = site;
  s.at = at;
  if (changed) s.since = at;
  s.state = state;
  if (changed) s.changed = at;
  if (evidence) {
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

namespace {

bool counts_as_loss_evidence(const MeasurementState& s) {
  return s.state != ObservedState::kDown;
}

}  // namespace

bool ObservationBoard::apply(const StoredWindow& window) {
  const MeasurementKey key = key_of(window.flow);
  bool changed = set_state(key, window.flow.site, window.end, to_observed(window.state), nullptr);
  MeasurementState& s = states_.at(key);
  if (s.at == window.end && window.end > window.start) {
    s.window = std::max(s.window, window.end - window.start);
  }
  // Its counts, in data-time order (spooled windows may come late). They carry their own
  // times, so looking back filters them instead of journaling them.
  auto& ring = s.windows;
  auto it = std::find_if(ring.begin(), ring.end(),
                         [&](const isolation::WindowCounts& w) { return w.end >= window.end; });
  if (it != ring.end() && it->end == window.end) return changed;  // a duplicate
  if (it == ring.begin() && ring.size() >= MeasurementState::kRecentWindows) return changed;
  const bool was_lossy = s.lossy();
  ring.insert(it, isolation::WindowCounts{window.start, window.end, window.sent, window.lost});
  if (ring.size() > MeasurementState::kRecentWindows) ring.erase(ring.begin());
  // Isolation reads the counts only around a random loss: a window with lost probes, or the
  // next ones of a measurement that lost some, is new evidence (settled_at moves); the clean
  // windows of a clean measurement are not, or every window would recompute the verdict, and
  // neither are a down one's (an outage's losses are not evidence of more).
  if (counts_as_loss_evidence(s) && (window.lost > 0 || was_lossy)) {
    s.changed = std::max(s.changed, window.end);
    return true;
  }
  return changed;
}

bool ObservationBoard::heard(const std::string& agent_id, shared::UtcNanos at) {
  latest_ = std::max(latest_, at);
  Undo undo;
  undo.at = at;
  undo.agent = agent_id;
  undo.is_heard = true;
  auto [it, fresh] = heard_.try_emplace(agent_id, at);
  if (fresh) {
    journal(std::move(undo));
    return true;
  }
  if (at <= it->second) return false;
  // Back from a silence: its measurements count again from `at` on (a change to look back
  // across). Ordinary refreshes are not journaled.
  const bool back = stale_after_.count() > 0 && at - it->second > stale_after_;
  if (back) {
    undo.heard = it->second;
    journal(std::move(undo));
  }
  it->second = at;
  return back;
}

void ObservationBoard::journal(Undo undo) {
  journal_.push_back(std::move(undo));
  if (journal_.size() <= kJournalMax) return;
  // Bounded: the older half goes; looking back stops at the newest change forgotten.
  const auto half = journal_.begin() + static_cast<std::ptrdiff_t>(kJournalMax / 2);
  for (auto it = journal_.begin(); it != half; ++it)
    journal_floor_ = std::max(journal_floor_, it->at);
  journal_.erase(journal_.begin(), half);
}

void ObservationBoard::forget_before(shared::UtcNanos t) {
  std::erase_if(journal_, [&](const Undo& u) {
    if (u.at > t) return false;
    journal_floor_ = std::max(journal_floor_, u.at);
    return true;
  });
}

std::set<std::string> ObservationBoard::degraded_agents(
    const std::map<MeasurementKey, MeasurementState>& states) {
  std::set<std::string> out;
  for (const auto& [key, s] : states) {
    if (s.state == ObservedState::kDegraded) out.insert(key.agent_id);
  }
  return out;
}

shared::UtcNanos ObservationBoard::silent_from(
    const MeasurementKey& key, const MeasurementState& s,
    const std::set<std::string>& degraded_agents,
    const std::map<std::string, shared::UtcNanos>& heard) const {
  if (stale_after_.count() <= 0) return shared::UtcNanos::max();
  shared::UtcNanos agent_last = s.at;
  if (auto it = heard.find(key.agent_id); it != heard.end()) {
    agent_last = std::max(agent_last, it->second);
  }
  // An agent losing probes may have its reports stalled by the same loss (a site agent's
  // cross its own lines): from a clean state silence is a cut, from a lossy one it may not be.
  const auto tolerance =
      (degraded_agents.count(key.agent_id) ? kLossySilenceFactor : 1) * stale_after_;
  // The agent silent, or this measurement no longer reported (a target removed by SIGHUP)
  // while the agent still is: its windows come at least every s.window.
  const auto agent_silent = agent_last + tolerance;
  if (s.window.count() == 0) return agent_silent;  // no window yet: its cadence is unknown
  return std::min(agent_silent, s.at + std::max(tolerance, 2 * s.window));
}

bool ObservationBoard::apply(const StoredRouteChange& change) {
  latest_ = std::max(latest_, change.at);
  auto [it, fresh] = lines_.try_emplace(change.agent_id);
  if (!fresh && change.at < it->second.at) return false;
  // "Unknown" names no line: isolation then weighs every route of the as-routed path, as it
  // does before any route change.
  const std::string path = change.to_path == kUnknownLine ? std::string() : change.to_path;
  const bool changed = fresh || it->second.path != path;
  if (changed) {
    Undo undo;
    undo.at = change.at;
    undo.agent = change.agent_id;
    if (!fresh) undo.line = it->second;
    journal(std::move(undo));
  }
  it->second = Line{path, change.at, changed ? change.at : it->second.changed};
  return changed;
}

shared::UtcNanos ObservationBoard::settled_at(shared::UtcNanos at) const {
  shared::UtcNanos settled{};
  const auto degraded = degraded_agents(states_);
  for (const auto& [key, s] : states_) {
    const auto silent = silent_from(key, s, degraded, heard_);
    settled = std::max(settled, silent < at ? silent : s.changed);
  }
  for (const auto& [agent, l] : lines_) settled = std::max(settled, l.changed);
  return std::min(settled, at);
}

std::vector<shared::UtcNanos> ObservationBoard::change_times(shared::UtcNanos after,
                                                             shared::UtcNanos at) const {
  std::vector<shared::UtcNanos> times;
  for (const auto& u : journal_) {
    if (u.at > after && u.at <= at) times.push_back(u.at);
  }
  const auto degraded = degraded_agents(states_);
  for (const auto& [key, s] : states_) {
    const auto silent = silent_from(key, s, degraded, heard_);
    if (silent > after && silent <= at) times.push_back(silent);
    // Around a loss (a measurement that lost probes in its kept windows): its window ends.
    if (!counts_as_loss_evidence(s) || !s.lossy()) continue;
    for (const auto& w : s.windows) {
      if (w.end > after && w.end <= at) times.push_back(w.end);
    }
  }
  std::sort(times.begin(), times.end(), std::greater<>());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  return times;
}

isolation::ObservationSet ObservationBoard::snapshot_as_of(
    shared::UtcNanos t, const isolation::Topology* topology) const {
  auto states = states_;
  auto lines = lines_;
  auto heard = heard_;
  for (auto it = journal_.rbegin(); it != journal_.rend(); ++it) {
    const Undo& u = *it;
    if (u.at <= t) continue;
    if (u.key) {
      if (u.measurement) {
        states[*u.key] = *u.measurement;
      } else {
        states.erase(*u.key);
      }
    } else if (u.is_heard) {
      if (u.heard) {
        heard[u.agent] = *u.heard;
      } else {
        heard.erase(u.agent);
      }
    } else if (u.line) {
      lines[u.agent] = *u.line;
    } else {
      lines.erase(u.agent);
    }
  }
  // Refreshes are not journaled: what is still newer than t counts as refreshed at t. Window
  // counts carry their own times: the newest ones, filtered to t by snapshot_of().
  for (auto& [key, s] : states) {
    s.at = std::min(s.at, t);
    if (auto now = states_.find(key); now != states_.end()) s.windows = now->second.windows;
  }
  for (auto& [agent, h] : heard) h = std::min(h, t);
  return snapshot_of(View{&states, &lines, &heard}, t, topology);
}

std::optional<std::string> ObservationBoard::line(const std::string& agent_id) const {
  auto it = lines_.find(agent_id);
  if (it == lines_.end()) return std::nullopt;
  return it->second.path;
}

isolation::ObservationSet ObservationBoard::snapshot(shared::UtcNanos at,
                                                     const isolation::Topology* topology) const {
  return snapshot_of(View{&states_, &lines_, &heard_}, at, topology);
}

isolation::ObservationSet ObservationBoard::snapshot_of(const View& view, shared::UtcNanos at,
                                                        const isolation::Topology* topology) const {
  isolation::ObservationSet set;
  set.at = at;
  set.observations.reserve(view.states->size());
  const auto degraded = degraded_agents(*view.states);
  for (const auto& [key, s] : *view.states) {
    isolation::Observation o;
    o.agent_id = key.agent_id;
    o.path = key.path;
    o.target = key.target;
    o.kind = key.kind;
    o.port = key.port;
    const bool stale = silent_from(key, s, degraded, *view.heard) < at;
    o.state = stale ? ObservedState::kUnknown : s.state;
    o.since = s.since;
    for (const auto& w : s.windows) {
      if (w.end <= at) o.windows.push_back(w);
    }
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
        if (auto l = view.lines->find(key.agent_id); l != view.lines->end()) {
          o.via_path = l->second.path;
        }
      }
    }
    set.observations.push_back(std::move(o));
  }
  return set;
}

}  // namespace pathwatch::collector::incident
