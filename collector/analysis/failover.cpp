#include "collector/analysis/failover.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace pathwatch::collector {
namespace {

bool working(PathState s) {
  return s == PathState::kUp || s == PathState::kDegraded;
}

// One stretch of time a prefix's route was away from the primary path.
struct RouteEpisode {
  Interval when;
  bool open = false;      // still away at the range's end
  bool no_route = false;  // went to "" at some point
  std::string first_to;   // the first path it moved to
};

// What the probes of one site show over the range.
struct ProbeView {
  IntervalSet primary_failed;  // every primary flow that knows is not working, one is down
  IntervalSet backup_up;       // a non-primary flow works
  IntervalSet no_path;         // no flow works, one is down
  IntervalSet both_down;       // no flow works, a primary flow and a non-primary one are down
  bool failed_at_end = false;
  std::string backup_path;  // the first non-primary path name seen
};

ProbeView probe_view(const ObservationIndex& index, const std::string& site,
                     const FailoverOptions& opt, Interval range) {
  ProbeView view;
  struct Leaf {
    const IndexedFlow* flow;
    std::size_t next;
    PathState state;
    bool primary;
  };
  std::vector<Leaf> leaves;
  std::vector<shared::UtcNanos> times;
  for (std::size_t f : index.flows_of_site(site)) {
    const auto& flow = index.flows()[f];
    const auto i = flow.timeline.index_at(range.start);
    const bool primary = flow.ref.path == opt.primary_path;
    if (!primary && view.backup_path.empty()) view.backup_path = flow.ref.path;
    leaves.push_back(
        {&flow, static_cast<std::size_t>(i + 1),
         i < 0 ? PathState::kUnknown : flow.timeline.steps()[static_cast<std::size_t>(i)].state,
         primary});
    for (const auto& s : flow.timeline.steps()) {
      if (s.at > range.start && s.at < range.end) times.push_back(s.at);
    }
  }
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  times.insert(times.begin(), range.start);
  for (std::size_t k = 0; k < times.size(); ++k) {
    const auto t = times[k];
    const auto until = k + 1 < times.size() ? times[k + 1] : range.end;
    bool primary_up = false, primary_down = false, backup_up = false, backup_down = false,
         any_up = false, any_down = false;
    for (auto& leaf : leaves) {
      const auto& steps = leaf.flow->timeline.steps();
      while (leaf.next < steps.size() && steps[leaf.next].at <= t)
        leaf.state = steps[leaf.next++].state;
      const bool up = working(leaf.state);
      const bool down = leaf.state == PathState::kDown;
      any_up |= up;
      any_down |= down;
      if (leaf.primary) {
        primary_up |= up;
        primary_down |= down;
      } else {
        backup_up |= up;
        backup_down |= down;
      }
    }
    const bool failed = !primary_up && primary_down;
    if (failed) view.primary_failed.append({t, until});
    if (backup_up) view.backup_up.append({t, until});
    if (!any_up && any_down) view.no_path.append({t, until});
    if (!any_up && primary_down && backup_down) view.both_down.append({t, until});
    if (k + 1 == times.size()) view.failed_at_end = failed;
  }
  return view;
}

std::vector<RouteEpisode> route_episodes(std::vector<const StoredRouteChange*> changes,
                                         const FailoverOptions& opt, Interval range) {
  std::stable_sort(changes.begin(), changes.end(),
                   [](const auto* a, const auto* b) { return a->at < b->at; });
  std::map<std::string, RouteEpisode> open;  // by prefix
  std::vector<RouteEpisode> out;
  for (const auto* c : changes) {
    if (c->at >= range.end) break;
    // "Unknown" is no evidence of either line: the episode (or its absence) goes on.
    if (c->to_path == kUnknownLine) continue;
    const bool away = c->to_path != opt.primary_path;
    auto it = open.find(c->prefix);
    if (away) {
      if (it == open.end()) {
        it = open.emplace(c->prefix, RouteEpisode{{c->at, c->at}, false, false, c->to_path}).first;
      }
      it->second.no_route |= c->to_path.empty();
    } else if (it != open.end()) {
      it->second.when.end = c->at;
      out.push_back(it->second);
      open.erase(it);
    }
  }
  for (auto& [prefix, e] : open) {
    e.when.end = range.end;
    e.open = true;
    out.push_back(e);
  }
  // Clip to the range; episodes wholly outside disappear.
  std::vector<RouteEpisode> clipped;
  for (auto e : out) {
    e.when.start = std::max(e.when.start, range.start);
    e.when.end = std::min(e.when.end, range.end);
    if (!e.when.empty()) clipped.push_back(e);
  }
  std::sort(clipped.begin(), clipped.end(),
            [](const auto& a, const auto& b) { return a.when.start < b.when.start; });
  return clipped;
}

// The start of the run of back-to-back lossy windows on a primary flow of the site that
// reaches the first evidence, if any.
shared::UtcNanos fault_onset(const ObservationIndex& index, const std::string& site,
                             const FailoverOptions& opt, shared::UtcNanos first_evidence) {
  shared::UtcNanos onset = first_evidence;
  for (std::size_t f : index.flows_of_site(site)) {
    const auto& flow = index.flows()[f];
    if (flow.ref.path != opt.primary_path || flow.lossy_windows.empty()) continue;
    const auto& w = flow.lossy_windows;
    auto it = std::upper_bound(
        w.begin(), w.end(), first_evidence,
        [](shared::UtcNanos t, const LossyWindow& lw) { return t < lw.when.start; });
    if (it == w.begin()) continue;
    std::size_t k = static_cast<std::size_t>(it - w.begin()) - 1;
    if (w[k].when.end < first_evidence) continue;  // the run does not reach the evidence
    while (k > 0 && w[k - 1].when.end == w[k].when.start) --k;
    onset = std::min(onset, w[k].when.start);
  }
  return onset;
}

void mark_flapping(const std::string& site, std::vector<FailoverEvent>& events,
                   const FailoverOptions& opt, std::vector<FlapEpisode>& flaps) {
  if (opt.flap_switches <= 0) return;
  std::vector<shared::UtcNanos> switches;
  for (const auto& e : events) {
    switches.push_back(e.start);
    if (e.end) switches.push_back(*e.end);
  }
  std::sort(switches.begin(), switches.end());
  const auto need = static_cast<std::size_t>(opt.flap_switches);
  std::vector<FlapEpisode> found;
  std::size_t j = 0;
  for (std::size_t i = 0; i < switches.size(); ++i) {
    while (switches[i] - switches[j] > opt.flap_window) ++j;
    if (i - j + 1 < need) continue;
    if (!found.empty() && switches[j] <= found.back().when.end) {
      // Extend the episode; count every switch from its first.
      auto& ep = found.back();
      ep.when.end = switches[i];
      ep.switches =
          static_cast<int>(std::count_if(switches.begin(), switches.end(), [&](shared::UtcNanos t) {
            return t >= ep.when.start && t <= ep.when.end;
          }));
    } else {
      found.push_back({site, {switches[j], switches[i]}, static_cast<int>(i - j + 1)});
    }
  }
  for (auto& e : events) {
    for (const auto& ep : found) {
      const bool start_in = e.start >= ep.when.start && e.start <= ep.when.end;
      const bool end_in = e.end && *e.end >= ep.when.start && *e.end <= ep.when.end;
      e.flapping |= start_in || end_in;
    }
  }
  flaps.insert(flaps.end(), found.begin(), found.end());
}

}  // namespace

const char* to_string(FailoverKind k) {
  return k == FailoverKind::kFailover ? "failover" : "outage";
}

const char* to_string(Detection d) {
  switch (d) {
    case Detection::kRouteChange:
      return "route_change";
    case Detection::kProbeStates:
      return "probe_states";
    case Detection::kBoth:
      return "both";
  }
  return "invalid";
}

FailoverReport detect_failovers(const ObservationIndex& index,
                                std::span<const StoredRouteChange> routes,
                                std::span<const ServiceSpec> services, const FailoverOptions& opt,
                                Interval range) {
  FailoverReport report;
  if (range.empty()) return report;
  std::map<std::string, std::vector<const StoredRouteChange*>> routes_by_site;
  std::set<std::string> sites;
  for (const auto& r : routes) {
    routes_by_site[r.site].push_back(&r);
    sites.insert(r.site);
  }
  for (const auto& f : index.flows()) sites.insert(f.ref.site);

  for (const auto& site : sites) {
    const ProbeView probes = probe_view(index, site, opt, range);
    const auto episodes = route_episodes(routes_by_site[site], opt, range);
    IntervalSet evidence = probes.primary_failed;
    for (const auto& e : episodes) evidence.add(e.when);

    std::vector<std::string> affected;
    for (const auto& s : services) {
      if (std::find(s.reference_sites.begin(), s.reference_sites.end(), site) !=
          s.reference_sites.end()) {
        affected.push_back(s.name);
      }
    }

    std::vector<FailoverEvent> events;
    for (const auto& span : evidence.intervals()) {
      FailoverEvent ev;
      ev.site = site;
      ev.start = span.start;
      bool open = false;
      bool no_route = false;
      // The episodes of one switch seen by several watchers (prefixes, agents) overlap: the
      // last of their starts comes before the first of their ends.
      shared::UtcNanos last_route_start = shared::UtcNanos::min();
      shared::UtcNanos first_route_end = shared::UtcNanos::max();
      for (const auto& e : episodes) {
        if (e.when.start < span.start || e.when.start >= span.end) continue;
        last_route_start = std::max(last_route_start, e.when.start);
        first_route_end = std::min(first_route_end, e.when.end);
        if (!ev.route_at) {
          ev.route_at = e.when.start;
          ev.backup_path = e.first_to;
        }
        no_route |= e.no_route;
        open |= e.open;
        if (!e.open)
          ev.failback_route_at = std::max(ev.failback_route_at.value_or(e.when.end), e.when.end);
      }
      const IntervalSet failed = probes.primary_failed.clip(span);
      if (!failed.empty()) {
        ev.probe_at = failed.intervals().front().start;
        const auto last_end = failed.intervals().back().end;
        if (last_end == range.end && probes.failed_at_end) {
          open = true;
        } else {
          ev.failback_probe_at = last_end;
        }
      }
      ev.detected_by = ev.route_at && ev.probe_at ? Detection::kBoth
                       : ev.route_at              ? Detection::kRouteChange
                                                  : Detection::kProbeStates;
      if (!open) ev.end = span.end;
      // The time on the backup: where routes saw both edges of one switch, the first watcher
      // to see each edge. Routes watch the line the traffic takes and see both edges alike
      // (netlink at once, hops after 2 answers each way), while probes see a cut sooner than
      // a repair (a DOWN is hurried and may come from explicit failures; an UP takes
      // up_after answers at the usual pace): from probes the duration came out up to 2
      // intervals long, and from the last watcher's failback (hops after netlink) 2 more.
      if (ev.route_at && ev.failback_route_at && !open && last_route_start < first_route_end) {
        ev.start = *ev.route_at;
        ev.end = first_route_end;
      }
      ev.duration = (ev.end ? *ev.end : range.end) - ev.start;
      const bool backup_seen = !probes.backup_up.clip(span).empty();
      if ((!ev.route_at || ev.backup_path.empty()) && backup_seen) {
        ev.backup_path = probes.backup_path;
      }
      // "No path" only when the flows show both lines down (or a router's table held no
      // route), and no backup flow carried on during the event: a backup that came up after
      // a moment with no path is a failover with an interruption (`interrupted`).
      const bool both_down = !probes.both_down.clip(span).empty();
      ev.kind =
          !backup_seen && (both_down || no_route) ? FailoverKind::kOutage : FailoverKind::kFailover;
      ev.fault_onset = fault_onset(index, site, opt, span.start);
      ev.detection_latency = span.start - ev.fault_onset;  // from the first evidence
      ev.services_affected = affected;
      ev.interruptions = probes.no_path.clip(span);
      ev.interrupted = ev.interruptions.total();
      events.push_back(std::move(ev));
    }
    mark_flapping(site, events, opt, report.flaps);
    for (auto& e : events) report.events.push_back(std::move(e));
  }
  return report;
}

}  // namespace pathwatch::collector
