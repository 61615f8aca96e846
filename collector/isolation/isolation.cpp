#include "collector/isolation/isolation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "collector/isolation/loss_likelihood.hpp"

namespace pathwatch::collector::isolation {
namespace {

using Route = std::vector<SegmentIndex>;

// An observation resolved against the topology.
struct Resolved {
  const Observation* obs = nullptr;
  const Measurement* measurement = nullptr;
  std::vector<Route> routes;  // the routes it may have taken (TCP: with its service segment)
  std::optional<SegmentIndex> service;
};

bool contains(const Route& r, SegmentIndex s) {
  return std::find(r.begin(), r.end(), s) != r.end();
}

// Segments on every route: what a working measurement proves whichever route it took.
std::vector<SegmentIndex> common(const std::vector<Route>& routes) {
  if (routes.empty()) return {};
  std::vector<SegmentIndex> out;
  for (const auto s : routes.front()) {
    bool all = true;
    for (const auto& r : routes) all = all && contains(r, s);
    if (all) out.push_back(s);
  }
  return out;
}

std::vector<SegmentIndex> union_of(const std::vector<Route>& routes) {
  std::vector<SegmentIndex> out;
  for (const auto& r : routes) {
    for (const auto s : r) {
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    }
  }
  return out;
}

MeasurementBrief brief_of(const Observation& o) {
  return {o.agent_id, o.path, o.via_path, o.target, o.kind, o.port};
}

SegmentBrief brief_of(const Topology& t, SegmentIndex s) {
  const Segment& seg = t.segments[s];
  SegmentBrief b;
  b.segment = seg.name;
  b.label = seg.label;
  b.label_en = seg.label_en;
  b.owner = seg.owner;
  if (const Owner* o = t.find_owner(seg.owner)) {
    b.owner_label = o->label;
    b.owner_label_en = o->label_en;
    b.email = o->contact.email;
    b.phone = o->contact.phone;
    b.notes = o->contact.notes;
  }
  return b;
}

// A failing measurement after protocol evidence: the segments one of which must have failed,
// and the segments the evidence proves working.
struct Trimmed {
  std::vector<SegmentIndex> suspects;
  std::vector<SegmentIndex> proven;
  EvidenceNote note;
};

Trimmed apply_evidence(const Topology& t, const Resolved& r, bool use_evidence) {
  Trimmed out;
  const Observation& o = *r.obs;
  if (use_evidence && o.kind == ProbeKind::kTcp && o.tcp == TcpEvidence::kRefused) {
    // The host answered with a RST: every segment up to the host carried the probe; what
    // failed is the listening service (or, with none named, the host's last segment).
    out.note.kind = EvidenceKind::kTcpRefused;
    std::vector<Route> network;
    for (auto route : r.routes) {
      if (r.service && !route.empty() && route.back() == *r.service) route.pop_back();
      network.push_back(std::move(route));
    }
    if (r.service) {
      out.suspects = {*r.service};
      out.proven = common(network);
    } else {
      for (const auto& route : network) {
        if (!route.empty() && std::find(out.suspects.begin(), out.suspects.end(), route.back()) ==
                                  out.suspects.end()) {
          out.suspects.push_back(route.back());
        }
      }
      for (const auto s : common(network)) {
        if (std::find(out.suspects.begin(), out.suspects.end(), s) == out.suspects.end()) {
          out.proven.push_back(s);
        }
      }
    }
    return out;
  }
  if (use_evidence && o.icmp && !o.icmp->router.empty()) {
    out.note.router = o.icmp->router;
    out.note.icmp_type = o.icmp->type;
    out.note.icmp_code = o.icmp->code;
    const auto at = t.segment_of_router(o.icmp->router);
    if (!at) {
      out.note.kind = EvidenceKind::kIcmpRouterUnknown;
    } else {
      out.note.router_segment = t.segments[*at].name;
      std::vector<Route> prefixes, suffixes;
      for (const auto& route : r.routes) {
        auto it = std::find(route.begin(), route.end(), *at);
        if (it == route.end()) continue;
        prefixes.emplace_back(route.begin(), it + 1);
        suffixes.emplace_back(it + 1, route.end());
      }
      if (prefixes.empty()) {
        out.note.kind = EvidenceKind::kIcmpRouterNotOnRoute;
      } else {
        // The router answered: the probe crossed everything up to its segment's far end.
        out.note.kind = EvidenceKind::kIcmpFromRouter;
        out.proven = common(prefixes);
        out.suspects = union_of(suffixes);
        return out;
      }
    }
  }
  out.suspects = union_of(r.routes);
  return out;
}

// Where two candidate explanations differ, a measurement that would tell them apart.
class Separator {
 public:
  Separator(const Topology& t, const std::vector<Resolved>& all, const std::vector<char>& proven)
      : t_(t), all_(all), proven_(proven) {
    for (const auto& r : all) {
      if (r.obs->state != ObservedState::kUnknown) {
        observed_.insert({r.measurement->agent_id, r.measurement->path, r.measurement->target});
      }
    }
  }

  Separation separate(SegmentIndex a, SegmentIndex b,
                      const std::vector<const Resolved*>& failing) const {
    Separation sep;
    sep.a = t_.segments[a].name;
    sep.b = t_.segments[b].name;
    // 1. A measurement the topology knows that nobody reported: best if all its other
    //    segments are proven working, so its outcome answers the question alone.
    const Measurement* best = nullptr;
    bool best_clean = false;
    SegmentIndex best_crosses = a;
    for (const auto& m : t_.measurements) {
      if (observed_.count({m.agent_id, m.path, m.target})) continue;
      for (const auto& [x, y] : {std::pair{a, b}, std::pair{b, a}}) {
        bool all_x = true, any_y = false;
        for (const auto& route : m.routes) {
          all_x = all_x && contains(route.segments, x);
          any_y = any_y || contains(route.segments, y);
        }
        if (!all_x || any_y) continue;
        bool clean = true;
        for (const auto& route : m.routes) {
          for (const auto s : route.segments) clean = clean && (s == x || proven_[s]);
        }
        if (best == nullptr || (clean && !best_clean)) {
          best = &m;
          best_clean = clean;
          best_crosses = x;
        }
      }
    }
    if (best != nullptr) {
      sep.kind = SeparationKind::kConfiguredMeasurement;
      sep.measurement = {best->agent_id, best->path, "", best->target, ProbeKind::kIcmp, 0};
      sep.crosses = t_.segments[best_crosses].name;
      sep.avoids = t_.segments[best_crosses == a ? b : a].name;
      return sep;
    }
    // 2. On a failing route through both, the nearer one's far end can be probed from the
    //    same agent; 3. otherwise only an agent between the two can tell.
    for (const Resolved* r : failing) {
      for (const auto& route : r->routes) {
        auto ia = std::find(route.begin(), route.end(), a);
        auto ib = std::find(route.begin(), route.end(), b);
        if (ia == route.end() || ib == route.end()) continue;
        const SegmentIndex near = ia < ib ? a : b;
        const SegmentIndex far = near == a ? b : a;
        sep.crosses = t_.segments[near].name;
        sep.avoids = t_.segments[far].name;
        sep.measurement = brief_of(*r->obs);
        if (!t_.segments[near].routers.empty()) {
          sep.kind = SeparationKind::kProbeRouter;
          sep.address = t_.segments[near].routers.front();
        } else {
          sep.kind = SeparationKind::kNewVantagePoint;
          sep.crosses = t_.segments[far].name;  // an agent past `near` crosses only `far`
          sep.avoids = t_.segments[near].name;
        }
        return sep;
      }
    }
    sep.kind = SeparationKind::kNewVantagePoint;
    sep.crosses = sep.a;
    sep.avoids = sep.b;
    return sep;
  }

 private:
  const Topology& t_;
  const std::vector<Resolved>& all_;
  const std::vector<char>& proven_;
  std::set<std::tuple<std::string, std::string, std::string>> observed_;
};

// `lossy[i]`: all[i] is down but counts as degraded (see isolate()); the down pass leaves it
// out, the degraded pass takes it as failing. `clean[i]` (degraded pass): all[i] proves its
// segments undegraded. `loss` (degraded pass, under random loss): every measurement's counts
// since the onset, to rank each group's members by likelihood. `unexplained_out` (down
// pass): which of all[] no candidate can explain.
Diagnosis diagnose(const Topology& t, const std::vector<Resolved>& all, FaultKind kind,
                   const IsolationOptions& options, const std::vector<char>& lossy,
                   const std::vector<char>& clean, const std::vector<LossEvidence>* loss,
                   std::vector<char>* unexplained_out) {
  Diagnosis d;
  d.kind = kind;
  const bool down = kind == FaultKind::kDown;
  auto is_failing = [&](const Resolved& r, std::size_t i) {
    if (down) return r.obs->state == ObservedState::kDown && !lossy[i];
    return r.obs->state == ObservedState::kDegraded || lossy[i];
  };
  // Down: a degraded measurement still carries packets, so it proves its segments are not
  // down. Degraded: only a clean one proves its segments are not degraded (see isolate());
  // down measurements say nothing about degradation and are left out.
  auto is_working = [&](const Resolved& r, std::size_t i) {
    const ObservedState s = r.obs->state;
    return down ? (s == ObservedState::kUp || s == ObservedState::kDegraded) : clean[i] != 0;
  };

  std::vector<char> proven(t.segments.size(), 0);
  std::vector<const Resolved*> working, failing;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Resolved& r = all[i];
    if (is_working(r, i)) {
      working.push_back(&r);
      for (const auto s : common(r.routes)) proven[s] = 1;
    } else if (is_failing(r, i)) {
      failing.push_back(&r);
    }
  }
  if (failing.empty()) {
    d.working_total = working.size();
    return d;
  }
  std::vector<Trimmed> trimmed;
  for (const Resolved* r : failing) {
    trimmed.push_back(apply_evidence(t, *r, down));
    for (const auto s : trimmed.back().proven) proven[s] = 1;
  }

  // Failing measurements become sets of suspects; each set needs one failed segment.
  std::vector<std::vector<SegmentIndex>> sets;
  std::vector<const Resolved*> explained;
  std::vector<char> on_failing(t.segments.size(), 0);
  for (std::size_t i = 0; i < failing.size(); ++i) {
    FailingMeasurement fm;
    fm.measurement = brief_of(*failing[i]->obs);
    fm.state = failing[i]->obs->state;
    fm.evidence = trimmed[i].note;
    std::vector<SegmentIndex> suspects;
    for (const auto s : trimmed[i].suspects) {
      if (!proven[s]) suspects.push_back(s);
    }
    for (const auto& route : failing[i]->routes) {
      for (const auto s : route) on_failing[s] = 1;
    }
    for (const auto s : suspects) fm.suspects.push_back(t.segments[s].name);
    if (suspects.empty()) {
      if (unexplained_out)
        (*unexplained_out)[static_cast<std::size_t>(failing[i] - all.data())] = 1;
      d.unexplained.push_back(std::move(fm));
      continue;
    }
    sets.push_back(std::move(suspects));
    explained.push_back(failing[i]);
    d.failing.push_back(std::move(fm));
  }
  for (const Resolved* w : working) {
    bool shares = false;
    for (const auto& route : w->routes) {
      for (const auto s : route) shares = shares || on_failing[s];
    }
    if (!shares) continue;
    ++d.working_total;
    if (d.working.size() < options.max_working_listed) d.working.push_back(brief_of(*w->obs));
  }
  if (sets.empty()) return d;

  // Segments in exactly the same failing sets are indistinguishable: one class, "A or B".
  std::map<std::vector<std::size_t>, std::vector<SegmentIndex>> by_signature;
  {
    std::map<SegmentIndex, std::vector<std::size_t>> incidence;
    for (std::size_t i = 0; i < sets.size(); ++i) {
      for (const auto s : sets[i]) incidence[s].push_back(i);
    }
    for (auto& [s, sig] : incidence) by_signature[sig].push_back(s);
  }
  std::vector<std::vector<SegmentIndex>> classes;
  std::vector<std::vector<std::size_t>> class_sets;
  std::vector<std::uint32_t> class_of(t.segments.size(), 0);
  for (auto& [sig, members] : by_signature) {
    std::sort(members.begin(), members.end());
    for (const auto s : members) class_of[s] = static_cast<std::uint32_t>(classes.size());
    classes.push_back(members);
    class_sets.push_back(sig);
  }
  // Deterministic order: classes by their first segment's position in the topology.
  std::vector<std::uint32_t> order(classes.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](auto x, auto y) { return classes[x].front() < classes[y].front(); });
  std::vector<std::uint32_t> rank_of(classes.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) rank_of[order[i]] = i;

  std::vector<std::vector<std::uint32_t>> class_family;
  for (const auto& set : sets) {
    std::vector<std::uint32_t> c;
    for (const auto s : set) {
      const auto k = rank_of[class_of[s]];
      if (std::find(c.begin(), c.end(), k) == c.end()) c.push_back(k);
    }
    class_family.push_back(std::move(c));
  }
  const HittingSetResult hs = solve_hitting_sets(classes.size(), class_family, options.search);
  d.bounded = hs.bounded;

  // Under random loss the failing sets alone cannot tell a group's members apart, but every
  // measurement's counts can: rank the members by likelihood, each group in the context of
  // the first candidate it belongs to, and keep its credible set (loss_likelihood.hpp).
  std::vector<std::vector<SegmentIndex>> kept = classes;
  std::vector<std::vector<double>> share(classes.size());
  std::vector<std::vector<SegmentIndex>> dropped(classes.size());
  std::vector<std::vector<double>> dropped_share(classes.size());
  std::vector<std::vector<std::uint32_t>> plausible_alternatives = hs.alternatives;
  if (loss != nullptr) {
    plausible_alternatives.clear();
    std::vector<char> marks(t.segments.size(), 0), ranked(classes.size(), 0);
    auto rank_groups = [&](const std::vector<std::uint32_t>& solution) -> double {
      // One member per group: the likeliest so far (coordinate ascent, two passes).
      std::vector<SegmentIndex> hypothesis;
      for (const auto k : solution) hypothesis.push_back(kept[order[k]].front());
      std::vector<std::vector<double>> logs(solution.size());
      for (int pass = 0; pass < 2; ++pass) {
        for (std::size_t i = 0; i < solution.size(); ++i) {
          const auto cls = order[solution[i]];
          if (ranked[cls]) continue;
          auto h = hypothesis;
          logs[i].clear();
          for (const auto m : classes[cls]) {
            h[i] = m;
            logs[i].push_back(log_evidence(*loss, h, marks));
          }
          const auto best = std::max_element(logs[i].begin(), logs[i].end()) - logs[i].begin();
          hypothesis[i] = classes[cls][static_cast<std::size_t>(best)];
        }
      }
      const double evidence = log_evidence(*loss, hypothesis, marks);
      for (std::size_t i = 0; i < solution.size(); ++i) {
        const auto cls = order[solution[i]];
        if (ranked[cls]) continue;
        ranked[cls] = 1;
        const auto p = posterior(logs[i]);
        const auto keep = credible_set(p);
        kept[cls].clear();
        for (const auto j : keep) {
          kept[cls].push_back(classes[cls][j]);
          share[cls].push_back(p[j]);
        }
        std::vector<std::size_t> rest;
        for (std::size_t j = 0; j < p.size(); ++j) {
          if (std::find(keep.begin(), keep.end(), j) == keep.end()) rest.push_back(j);
        }
        std::stable_sort(rest.begin(), rest.end(), [&](auto a, auto b) { return p[a] > p[b]; });
        for (const auto j : rest) {
          dropped[cls].push_back(classes[cls][j]);
          dropped_share[cls].push_back(p[j]);
        }
      }
      return evidence;
    };
    double best = -std::numeric_limits<double>::infinity();
    for (const auto& m : hs.minimum) best = std::max(best, rank_groups(m));
    // A larger explanation the counts make unlikely (below a 10 % share against the best
    // smallest one) is no alternative worth listing.
    for (const auto& a : hs.alternatives) {
      if (rank_groups(a) >= best - std::log(kCredibleMass / (1 - kCredibleMass))) {
        plausible_alternatives.push_back(a);
      }
    }
  }

  auto make_candidate = [&](const std::vector<std::uint32_t>& solution, int rank) {
    Candidate c;
    c.rank = rank;
    for (const auto k : solution) {
      const auto cls = order[k];
      CandidateGroup g;
      for (const auto s : kept[cls]) g.segments.push_back(brief_of(t, s));
      g.explains = class_sets[cls];
      g.posterior = share[cls];
      for (const auto s : dropped[cls]) g.unlikely.push_back(brief_of(t, s));
      g.unlikely_posterior = dropped_share[cls];
      c.groups.push_back(std::move(g));
    }
    return c;
  };
  const std::size_t min_size = hs.minimum.front().size();
  for (const auto& m : hs.minimum) d.candidates.push_back(make_candidate(m, 1));
  for (const auto& a : plausible_alternatives) {
    d.candidates.push_back(make_candidate(a, static_cast<int>(1 + a.size() - min_size)));
  }
  bool single = hs.minimum.size() == 1 && hs.complete && !hs.bounded;
  for (const auto& g : d.candidates.front().groups) single = single && g.segments.size() == 1;
  d.conclusive = single;

  // How to tell apart what the evidence could not: inside a group, and between equally
  // small candidates.
  Separator separator(t, all, proven);
  auto add = [&](SegmentIndex a, SegmentIndex b) {
    if (d.separations.size() >= options.max_separations) return;
    d.separations.push_back(separator.separate(a, b, explained));
  };
  for (const auto& m : hs.minimum) {
    for (const auto k : m) {
      auto members = kept[order[k]];
      std::sort(members.begin(), members.end());
      // Neighbours in topology order (for a route, its order): each pair's separating
      // measurement is the most local one.
      for (std::size_t j = 1; j < members.size(); ++j) add(members[j - 1], members[j]);
    }
  }
  for (std::size_t i = 1; i < hs.minimum.size(); ++i) {
    std::vector<std::uint32_t> only0, onlyi;
    std::set_difference(hs.minimum[0].begin(), hs.minimum[0].end(), hs.minimum[i].begin(),
                        hs.minimum[i].end(), std::back_inserter(only0));
    std::set_difference(hs.minimum[i].begin(), hs.minimum[i].end(), hs.minimum[0].begin(),
                        hs.minimum[0].end(), std::back_inserter(onlyi));
    if (!only0.empty() && !onlyi.empty()) {
      add(kept[order[only0[0]]].front(), kept[order[onlyi[0]]].front());
    }
  }
  return d;
}

}  // namespace

Verdict isolate(const Topology& topology, const ObservationSet& observations,
                const IsolationOptions& options) {
  Verdict v;
  v.at = observations.at;
  std::vector<Resolved> resolved;
  bool any_service = false, service_down = false, service_degraded = false;
  for (const auto& o : observations.observations) {
    if (o.state == ObservedState::kUnknown) {
      ++v.unknown_ignored;
      continue;
    }
    const Measurement* m = topology.find_measurement(o.agent_id, o.path, o.target);
    if (m == nullptr) {
      v.unmapped.push_back(brief_of(o));
      continue;
    }
    Resolved r;
    r.obs = &o;
    r.measurement = m;
    if (o.kind == ProbeKind::kTcp) r.service = m->tcp_service(o.port);
    for (const auto& route : m->routes) {
      // The agent named the line an as-routed probe took: only that route counts.
      if (!o.via_path.empty() && m->routes.size() > 1 && route.via != o.via_path) continue;
      Route segs = route.segments;
      if (r.service) segs.push_back(*r.service);
      r.routes.push_back(std::move(segs));
    }
    if (r.routes.empty()) {  // named a line the topology does not know for this path
      v.unmapped.push_back(brief_of(o));
      continue;
    }
    if (m->service) {
      any_service = true;
      service_down = service_down || o.state == ObservedState::kDown;
      service_degraded = service_degraded || o.state == ObservedState::kDegraded;
    }
    resolved.push_back(std::move(r));
  }
  // Random loss also takes flows DOWN now and then (a run of losses by chance) while other
  // flows over the same segments carry packets and prove them not down. Such a DOWN, which
  // no down candidate explains, sharing a segment no clean measurement proves undegraded with
  // a measurement the loss shows on (degraded, or its last windows lost some probes but not
  // all), is the same loss: it is isolated with the degradation instead of reading "not
  // isolated, down". Under sustained loss this is most flows: each run of losses takes one
  // down and two answers bring it back up with its loss history reset, so few are degraded.
  std::vector<char> none(resolved.size(), 0), no_proof(resolved.size(), 0);
  std::vector<char> unexplained(resolved.size(), 0);
  Diagnosis down = diagnose(topology, resolved, FaultKind::kDown, options, none, no_proof, nullptr,
                            &unexplained);
  std::vector<char> shows_loss(resolved.size(), 0);
  for (std::size_t i = 0; i < resolved.size(); ++i) {
    const Observation& o = *resolved[i].obs;
    shows_loss[i] = o.state == ObservedState::kDegraded || lost_some_recently(o);
  }
  // Which unexplained downs share a segment with a measurement showing the loss (where
  // `clean` allows: it is filled below, and empty here).
  std::vector<char> clean(topology.segments.size(), 0);
  auto same_loss = [&](std::size_t i) {
    if (!unexplained[i]) return false;
    const auto segs = union_of(resolved[i].routes);
    for (std::size_t j = 0; j < resolved.size(); ++j) {
      if (j == i || !shows_loss[j]) continue;
      for (const auto& route : resolved[j].routes) {
        for (const auto s : route) {
          if (!clean[s] && contains(segs, s)) return true;
        }
      }
    }
    return false;
  };

  // What proves a segment undegraded. Random loss leaves flows over the lossy segment up
  // between losses, and at the onset every one of them still has clean windows from before:
  // under loss (a measurement the loss took lost probes since the onset) an up flow proves
  // its segments only with kCleanProbesToProve answers in a row since the onset. Without loss
  // (latency, or the loss's windows not in yet) any up flow proves them that lost nothing
  // since the onset nor in its latest windows.
  std::vector<std::size_t> affected;  // degraded, or the same loss
  std::vector<const Observation*> affected_obs;
  for (std::size_t i = 0; i < resolved.size(); ++i) {
    if (resolved[i].obs->state != ObservedState::kDegraded && !same_loss(i)) continue;
    affected.push_back(i);
    affected_obs.push_back(resolved[i].obs);
  }
  const auto onset = loss_onset(affected_obs);
  std::vector<LossCounts> counts(resolved.size());
  for (std::size_t i = 0; onset && i < resolved.size(); ++i) {
    counts[i] = counts_since(*resolved[i].obs, *onset);
  }
  const bool under_loss = std::any_of(affected.begin(), affected.end(),
                                      [&](std::size_t i) { return counts[i].lost > 0; });
  std::vector<char> clean_obs(resolved.size(), 0);
  for (std::size_t i = 0; i < resolved.size(); ++i) {
    const auto& c = counts[i];
    clean_obs[i] = resolved[i].obs->state == ObservedState::kUp && c.lost == 0 &&
                   recent_counts(*resolved[i].obs).lost == 0 &&
                   (!under_loss || c.sent >= kCleanProbesToProve);
    if (!clean_obs[i]) continue;
    for (const auto s : common(resolved[i].routes)) clean[s] = 1;
  }
  std::vector<char> lossy(resolved.size(), 0);
  bool any_lossy = false;
  for (std::size_t i = 0; i < resolved.size(); ++i) {
    lossy[i] = same_loss(i) ? 1 : 0;
    any_lossy = any_lossy || lossy[i];
  }
  if (any_lossy) {
    down =
        diagnose(topology, resolved, FaultKind::kDown, options, lossy, clean_obs, nullptr, nullptr);
    service_down = false;
    for (std::size_t i = 0; i < resolved.size(); ++i) {
      const Resolved& r = resolved[i];
      if (!r.measurement->service) continue;
      if (r.obs->state == ObservedState::kDown && !lossy[i]) service_down = true;
      if (lossy[i]) service_degraded = true;
    }
  }
  // The loss ranking reads every known measurement except those down for another reason
  // (a real outage's losses are not this loss).
  std::vector<LossEvidence> loss;
  if (under_loss) {
    for (std::size_t i = 0; i < resolved.size(); ++i) {
      if (resolved[i].obs->state == ObservedState::kDown && !lossy[i]) continue;
      loss.push_back({union_of(resolved[i].routes), counts[i]});
    }
  }
  v.impact = !any_service       ? ServiceImpact::kNotMeasured
             : service_down     ? ServiceImpact::kDown
             : service_degraded ? ServiceImpact::kDegraded
                                : ServiceImpact::kNone;
  v.down = std::move(down);
  v.degraded = diagnose(topology, resolved, FaultKind::kDegraded, options, lossy, clean_obs,
                        under_loss ? &loss : nullptr, nullptr);
  if (under_loss && !v.degraded.candidates.empty()) {
    v.degraded.loss_ranked = true;
    v.degraded.loss_onset = *onset;
    for (const auto& e : loss) {
      v.degraded.loss_probes_sent += e.counts.sent;
      v.degraded.loss_probes_lost += e.counts.lost;
    }
  }
  return v;
}

const char* to_string(ObservedState state) {
  switch (state) {
    case ObservedState::kUnknown:
      return "unknown";
    case ObservedState::kUp:
      return "up";
    case ObservedState::kDegraded:
      return "degraded";
    case ObservedState::kDown:
      return "down";
  }
  return "unknown";
}

const char* to_string(FaultKind kind) {
  return kind == FaultKind::kDown ? "down" : "degraded";
}

const char* to_string(ServiceImpact impact) {
  switch (impact) {
    case ServiceImpact::kNotMeasured:
      return "not_measured";
    case ServiceImpact::kNone:
      return "none";
    case ServiceImpact::kDegraded:
      return "degraded";
    case ServiceImpact::kDown:
      return "down";
  }
  return "not_measured";
}

const char* to_string(EvidenceKind kind) {
  switch (kind) {
    case EvidenceKind::kNone:
      return "none";
    case EvidenceKind::kTcpRefused:
      return "tcp_refused";
    case EvidenceKind::kIcmpFromRouter:
      return "icmp_from_router";
    case EvidenceKind::kIcmpRouterNotOnRoute:
      return "icmp_router_not_on_route";
    case EvidenceKind::kIcmpRouterUnknown:
      return "icmp_router_unknown";
  }
  return "none";
}

const char* to_string(SeparationKind kind) {
  switch (kind) {
    case SeparationKind::kConfiguredMeasurement:
      return "configured_measurement";
    case SeparationKind::kProbeRouter:
      return "probe_router";
    case SeparationKind::kNewVantagePoint:
      return "new_vantage_point";
  }
  return "new_vantage_point";
}

}  // namespace pathwatch::collector::isolation
