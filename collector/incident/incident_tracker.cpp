// IncidentTracker: service impairment from the observations, the verdict over time, failover
// records, and the open/update/close decisions.
#include "collector/incident/incident_tracker.hpp"

#include <algorithm>

#include "collector/analysis/failover.hpp"
#include "collector/isolation/verdict_json.hpp"
#include "collector/notify/verdict_summary.hpp"

namespace pathwatch::collector::incident {

using isolation::ObservedState;
using notify::FaultNature;

const char* to_string(UpdateKind kind) {
  switch (kind) {
    case UpdateKind::kOpened:
      return "opened";
    case UpdateKind::kUpdated:
      return "updated";
    case UpdateKind::kClosed:
      return "closed";
  }
  return "?";
}

namespace {

// How far back a verdict's start is looked for (held_since), in data time and in steps.
constexpr shared::Nanos kLookBackSpan = std::chrono::seconds{60};
constexpr int kLookBackSteps = 64;

bool add_unique(std::vector<std::string>& list, const std::string& item) {
  if (item.empty() || std::find(list.begin(), list.end(), item) != list.end()) return false;
  list.push_back(item);
  return true;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

IncidentTracker::IncidentTracker(const isolation::Topology& topology,
                                 std::vector<ServiceSpec> services, TrackerOptions options)
    : topology_(topology),
      services_(std::move(services)),
      options_(std::move(options)),
      board_(options_.stale_after) {}

void IncidentTracker::resume(Incident open) {
  last_id_ = open.id;
  open_ = std::move(open);
}

bool IncidentTracker::mark_announced(const std::string& id) {
  if (!open_ || open_->id != id || open_->announced) return false;
  open_->announced = true;
  return true;
}

bool IncidentTracker::mark_notified(const notify::Notification& n) {
  if (!open_ || open_->id != n.incident_id) return false;
  incident::mark_notified(*open_, n);
  return true;
}

std::string IncidentTracker::site_of(const std::string& agent_id) const {
  for (const auto& vp : topology_.vantage_points) {
    if (vp.agent_id == agent_id) return vp.site;
  }
  return {};
}

bool IncidentTracker::is_as_routed(const std::string& agent_id, const std::string& path) const {
  for (const auto& m : topology_.measurements) {
    if (m.agent_id != agent_id || m.path != path) continue;
    return std::any_of(m.routes.begin(), m.routes.end(),
                       [](const isolation::MeasurementRoute& r) { return !r.via.empty(); });
  }
  return path == "as-routed";  // not in the topology: the agent config's conventional name
}

bool IncidentTracker::apply(const StoredRouteChange& change) {
  const bool board_changed = board_.apply(change);
  // "Unknown" (the agent lost its hop evidence) is no evidence of either line: what it said
  // last stands (as in detect_failovers), neither a switch nor a failback.
  if (change.to_path == kUnknownLine) return dirty(board_changed);
  const std::string site = change.site.empty() ? site_of(change.agent_id) : change.site;
  SiteLines& lines = site_lines_[site];
  // Per agent and prefix (the board keeps one line per agent: a LAN agent's second target
  // moving to the same line changes nothing there, but its way back must still count).
  const bool away_now = change.to_path != options_.primary_path;
  auto [it, fresh] = lines.away.try_emplace(change.agent_id + "|" + change.prefix,
                                            SiteLines::Route{away_now, change.at});
  if (!fresh && (change.at < it->second.at || it->second.away == away_now)) {
    return dirty(board_changed);
  }
  it->second = SiteLines::Route{away_now, change.at};
  const bool away = lines.routes_away();
  // One record per real switch of the site, whichever agent and evidence saw it first (a
  // branch router's netlink and its LAN agent's hops see the same switch).
  if (!lines.on_backup && away) {
    lines.on_backup = true;
    lines.switched = change.at;
    pending_failovers_.push_back(
        FailoverRecord{change.at, site, change.agent_id, change.from_path, change.to_path, false});
  } else if (lines.on_backup && !away) {
    lines.on_backup = false;
    lines.switched = change.at;
    pending_failovers_.push_back(
        FailoverRecord{change.at, site, change.agent_id, change.from_path, change.to_path, true});
  }
  return dirty(true);
}

// Probes see a failover before (or without) a route change: every primary measurement of a
// site down while a measurement on another pinned line works. The site's state is shared with
// route changes, so one switch is recorded once whichever source saw it first; primary flows
// that went down before the site's last switch (still DOWN for up_after probes after a
// failback the routes saw) are no new switch.
void IncidentTracker::detect_probe_failovers(shared::UtcNanos at,
                                             std::vector<FailoverRecord>& out) {
  struct Lines {
    std::string agent;  // the first agent whose primary measurement is down
    int primary_known = 0, primary_down = 0;
    shared::UtcNanos primary_since{};
    std::string backup_up;
  };
  std::map<std::string, Lines> sites;
  const auto set = board_.snapshot(at);
  const auto& states = board_.measurements();
  auto it = states.begin();
  for (const auto& o : set.observations) {
    const auto& s = (it++)->second;
    if (o.state == ObservedState::kUnknown) continue;
    const std::string site = s.site.empty() ? site_of(o.agent_id) : s.site;
    auto& a = sites[site];
    if (o.path == options_.primary_path) {
      ++a.primary_known;
      if (o.state == ObservedState::kDown) {
        ++a.primary_down;
        a.primary_since = std::max(a.primary_since, s.since);
        if (a.agent.empty()) a.agent = o.agent_id;
      }
    } else if (!is_as_routed(o.agent_id, o.path) && o.state != ObservedState::kDown &&
               a.backup_up.empty()) {
      a.backup_up = o.path;
    }
  }
  for (const auto& [site, a] : sites) {
    if (a.primary_known == 0) continue;
    SiteLines& lines = site_lines_[site];
    const bool routes_away = lines.routes_away();
    const bool failed_over = a.primary_down == a.primary_known && !a.backup_up.empty() &&
                             a.primary_since > lines.switched;
    const bool primary_back = a.primary_down < a.primary_known;
    if (!lines.on_backup && failed_over) {
      lines.on_backup = true;
      lines.switched = a.primary_since;
      out.push_back(FailoverRecord{a.primary_since, site, a.agent, options_.primary_path,
                                   a.backup_up, false});
    } else if (lines.on_backup && primary_back && !routes_away) {
      lines.on_backup = false;
      lines.switched = at;
      out.push_back(FailoverRecord{at, site, "", "", options_.primary_path, true});
    }
  }
}

std::vector<PathDown> IncidentTracker::paths_down(shared::UtcNanos at) const {
  struct Tally {
    std::string site;
    int known = 0, down = 0;
    shared::UtcNanos since{};
  };
  std::map<std::pair<std::string, std::string>, Tally> paths;
  const auto set = board_.snapshot(at);
  auto it = board_.measurements().begin();
  for (const auto& o : set.observations) {
    const auto& s = (it++)->second;
    if (o.state == ObservedState::kUnknown) continue;
    auto& t = paths[{o.agent_id, o.path}];
    t.site = s.site;
    ++t.known;
    if (o.state == ObservedState::kDown) {
      ++t.down;
      t.since = std::max(t.since, s.since);
    }
  }
  std::vector<PathDown> out;
  for (const auto& [key, t] : paths) {
    if (t.known > 0 && t.down == t.known) out.push_back({key.first, t.site, key.second, t.since});
  }
  return out;
}

std::optional<IncidentTracker::Impairment> IncidentTracker::impairment(
    const isolation::ObservationSet& set) const {
  // Implicit services: one per target measured on a service path.
  std::vector<ServiceSpec> implicit;
  const std::vector<ServiceSpec>* services = &services_;
  if (services_.empty()) {
    std::set<std::string> targets;
    for (const auto& m : topology_.measurements) {
      if (m.service) targets.insert(m.target);
    }
    for (const auto& t : targets) {
      ServiceSpec s;
      s.name = t;
      s.targets = {t};
      implicit.push_back(std::move(s));
    }
    services = &implicit;
  }

  Impairment imp;
  bool any = false;
  bool first_since = true;
  auto note = [&](const ServiceSpec& svc, const std::string& site, ObservedState state,
                  shared::UtcNanos since) {
    imp.services[svc.name].insert(site);
    if (state == ObservedState::kDown) imp.fault = FaultNature::kDown;
    if (first_since || since < imp.since) imp.since = since;
    first_since = false;
    any = true;
  };

  const auto& states = board_.measurements();
  for (const auto& svc : *services) {
    // 1. What users experience: a failing measurement on a service (as-routed) path.
    auto it = states.begin();
    for (const auto& o : set.observations) {
      const auto& s = (it++)->second;
      if (o.state != ObservedState::kDown && o.state != ObservedState::kDegraded) continue;
      if (!contains(svc.targets, o.target)) continue;
      const auto* m = topology_.find_measurement(o.agent_id, o.path, o.target);
      if (!m || !m->service) continue;
      note(svc, s.site, o.state, s.since);
    }
    // 2. From a reference site: every measured path to a target fails (the contract's view,
    // also for sites without an as-routed measurement).
    for (const auto& site : svc.reference_sites) {
      for (const auto& target : svc.targets) {
        int known = 0, down = 0, failing = 0;
        shared::UtcNanos since{};
        auto jt = states.begin();
        for (const auto& o : set.observations) {
          const auto& s = (jt++)->second;
          if (s.site != site || o.target != target || o.state == ObservedState::kUnknown) continue;
          if (svc.path_policy == PathPolicy::kListed && !contains(svc.paths, o.path)) continue;
          ++known;
          if (o.state == ObservedState::kDown) ++down;
          if (o.state != ObservedState::kUp) {
            ++failing;
            since = std::max(since, s.since);
          }
        }
        if (known == 0 || failing < known) continue;
        note(svc, site, down == known ? ObservedState::kDown : ObservedState::kDegraded, since);
      }
    }
  }
  if (!any) return std::nullopt;
  return imp;
}

// The ingest tick evaluates about once a second, and rows arrive late and in batches: by
// then changes that do not matter to the verdict may have come after the one that made it.
// Stamping it with the newest change would say it was known later than it was. Instead:
// the earliest change time (back to the previous verdict's start) from which the board, as
// of that time, gives the same verdict without a break.
shared::UtcNanos IncidentTracker::held_since(const VerdictPoint& point,
                                             shared::UtcNanos settled) const {
  const auto floor = std::max(verdict_since_, board_.journal_floor());
  shared::UtcNanos since = settled;
  int steps = 0;
  for (const auto t : board_.change_times(floor, settled)) {
    if (t >= since) continue;
    if (++steps > kLookBackSteps) break;
    const auto earlier = isolation::isolate(topology_, board_.snapshot_as_of(t, &topology_));
    if (!summarize(earlier).same_as(point)) break;
    since = t;
  }
  return since;
}

// Every (service, site) of the open incident that has measurements has a known one: what
// ended the impairment was seen, not merely no longer heard from.
bool IncidentTracker::recovery_observed(const isolation::ObservationSet& set) const {
  const auto& states = board_.measurements();
  for (const auto& svc : open_->services) {
    std::vector<std::string> targets{svc};  // an implicit service: its target's name
    for (const auto& spec : services_) {
      if (spec.name == svc) targets = spec.targets;
    }
    for (const auto& site : open_->sites) {
      bool measured = false, known = false;
      auto it = states.begin();
      for (const auto& o : set.observations) {
        const auto& s = (it++)->second;
        if (s.site != site || !contains(targets, o.target)) continue;
        measured = true;
        known = known || o.state != ObservedState::kUnknown;
      }
      if (measured && !known) return false;
    }
  }
  return true;
}

Evaluation IncidentTracker::evaluate(shared::UtcNanos at) {
  Evaluation ev;
  ev.at = at;
  const auto set = board_.snapshot(at, &topology_);
  // A measurement falling silent (unknown after stale_after) changes the observations with no
  // row arriving: settled_at moves then, so the verdict is recomputed too (a site cut off from
  // the collector is isolated only once its agent's last states no longer count).
  const auto settled = board_.settled_at(at);
  if (dirty_ || !verdict_ || settled != verdict_settled_) {
    auto fresh = isolation::isolate(topology_, set);
    const auto point = summarize(fresh);
    if (!verdict_ || !summarize(*verdict_).same_as(point)) {
      verdict_since_ = held_since(point, settled);
    }
    verdict_ = std::move(fresh);
    dirty_ = false;
    verdict_settled_ = settled;
    board_.forget_before(std::max(verdict_since_, at - kLookBackSpan));
  }
  verdict_->at = at;

  ev.failovers = std::move(pending_failovers_);
  pending_failovers_.clear();
  detect_probe_failovers(at, ev.failovers);
  ev.paths_down = paths_down(at);

  const auto imp = impairment(set);
  if (imp) ev.impaired = imp->services;

  if (open_) {
    for (const auto& f : ev.failovers) open_->failovers.push_back(f);
  }

  if (imp) {
    clear_since_.reset();
    if (!impaired_since_) impaired_since_ = imp->since;
    auto point = summarize(*verdict_);
    point.at = verdict_since_;  // when its evidence was complete (see held_since)
    const auto fields = notify::summarize_verdict(*verdict_);
    if (!open_) {
      if (at - *impaired_since_ < options_.open_after) return ev;
      Incident inc;
      inc.opened = std::min(imp->since, at);
      inc.id = incident_id_for(inc.opened);
      if (inc.id <= last_id_) inc.id = last_id_ + "-2";  // same second as the previous one
      last_id_ = inc.id;
      inc.updated = at;
      inc.fault = imp->fault;
      for (const auto& [svc, sites] : imp->services) {
        add_unique(inc.services, svc);
        for (const auto& s : sites) add_unique(inc.sites, s);
      }
      inc.history.push_back(point);
      inc.summary = fields.summary;
      inc.verdict_json = isolation::verdict_to_json(*verdict_);
      // Line switches shortly before the opening belong to it (the cut that caused it).
      inc.failovers = ev.failovers;
      open_ = inc;
      ev.updates.push_back(IncidentUpdate{UpdateKind::kOpened, inc, std::nullopt, std::nullopt});
      return ev;
    }
    Incident& inc = *open_;
    bool changed = !ev.failovers.empty();
    for (const auto& [svc, sites] : imp->services) {
      changed = add_unique(inc.services, svc) || changed;
      for (const auto& s : sites) changed = add_unique(inc.sites, s) || changed;
    }
    if (imp->fault != inc.fault) {
      inc.fault = imp->fault;
      changed = true;
    }
    std::optional<VerdictPoint> previous;
    std::optional<notify::VerdictSummary> previous_summary;
    if (inc.history.empty() || !inc.history.back().same_as(point)) {
      if (!inc.history.empty()) previous = inc.history.back();
      previous_summary = inc.summary;
      inc.history.push_back(point);
      inc.summary = fields.summary;
      changed = true;
    }
    if (changed) {
      inc.updated = at;
      inc.verdict_json = isolation::verdict_to_json(*verdict_);
      ev.updates.push_back(IncidentUpdate{UpdateKind::kUpdated, inc, previous, previous_summary});
    }
    return ev;
  }

  impaired_since_.reset();
  if (!open_) return ev;
  if (!recovery_observed(set)) {
    // Nothing impaired is left only because the evidence went silent (a site cut off from the
    // collector): silence is unknown, not recovery (design.md "Time"). It stays open.
    clear_since_.reset();
    return ev;
  }
  if (!clear_since_) clear_since_ = at;
  if (at - *clear_since_ < options_.close_after) return ev;
  Incident inc = std::move(*open_);
  open_.reset();
  inc.closed = *clear_since_;
  inc.updated = at;
  clear_since_.reset();
  ev.updates.push_back(
      IncidentUpdate{UpdateKind::kClosed, std::move(inc), std::nullopt, std::nullopt});
  return ev;
}

}  // namespace pathwatch::collector::incident
