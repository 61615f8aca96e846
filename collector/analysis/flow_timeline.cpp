#include "collector/analysis/flow_timeline.hpp"

#include <algorithm>

namespace pathwatch::collector {
namespace {

PathState normalise(PathState s) {
  return s == PathState::kUnspecified ? PathState::kUnknown : s;
}

std::string flow_key(const FlowRef& f) {
  std::string key;
  key.reserve(f.agent_id.size() + f.site.size() + f.target.size() + f.path.size() + 16);
  key.append(f.agent_id).push_back('\0');
  key.append(f.site).push_back('\0');
  key.append(f.target).push_back('\0');
  key.append(f.path).push_back('\0');
  key.append(std::to_string(static_cast<int>(f.kind))).push_back('\0');
  key.append(std::to_string(f.port));
  return key;
}

std::string site_target_key(const std::string& site, const std::string& target) {
  std::string key = site;
  key.push_back('\0');
  key.append(target);
  return key;
}

// Appends (t, s) keeping the invariants: strictly increasing times, consecutive states differ,
// and no leading unknown (unknown is the state before the first step anyway).
void emit(std::vector<StateStep>& out, shared::UtcNanos t, PathState s) {
  if (!out.empty() && out.back().at == t) out.pop_back();
  const PathState prev = out.empty() ? PathState::kUnknown : out.back().state;
  if (prev != s) out.push_back({t, s});
}

struct Point {
  shared::UtcNanos at;
  int priority;  // 0 window end-state, 1 state change: the change wins a tie
  PathState state;
};

const std::vector<std::size_t> kNoFlows;
const IntervalSet kNoCoverage;

}  // namespace

std::ptrdiff_t FlowTimeline::index_at(shared::UtcNanos t) const {
  auto it = std::upper_bound(steps_.begin(), steps_.end(), t,
                             [](shared::UtcNanos v, const StateStep& s) { return v < s.at; });
  return (it - steps_.begin()) - 1;
}

PathState FlowTimeline::state_at(shared::UtcNanos t) const {
  const auto i = index_at(t);
  return i < 0 ? PathState::kUnknown : steps_[static_cast<std::size_t>(i)].state;
}

std::vector<StateStep> mask_by_coverage(const std::vector<StateStep>& raw,
                                        const IntervalSet& coverage) {
  std::vector<StateStep> out;
  out.reserve(raw.size() + 2 * coverage.intervals().size());
  const auto& cov = coverage.intervals();
  std::size_t i = 0;
  std::size_t j = 0;
  bool at_end_of_interval = false;  // next coverage boundary is cov[j].end (else cov[j].start)
  PathState raw_state = PathState::kUnknown;
  bool covered = false;
  // Whether the current coverage interval has seen a point yet. A session starts with the
  // agent (re)started after a silence: the state it last reported before the silence says
  // nothing about the new session, so the time until its first observation is unknown.
  bool observed = false;
  while (i < raw.size() || j < cov.size()) {
    const shared::UtcNanos next_cov =
        j < cov.size() ? (at_end_of_interval ? cov[j].end : cov[j].start) : shared::UtcNanos::max();
    const shared::UtcNanos next_raw = i < raw.size() ? raw[i].at : shared::UtcNanos::max();
    const shared::UtcNanos t = std::min(next_cov, next_raw);
    if (next_cov == t) {
      covered = !at_end_of_interval;
      observed = false;
      if (at_end_of_interval) ++j;
      at_end_of_interval = !at_end_of_interval;
    }
    while (i < raw.size() && raw[i].at == t) {
      raw_state = raw[i++].state;
      observed = true;
    }
    emit(out, t, covered && observed ? raw_state : PathState::kUnknown);
  }
  return out;
}

ObservationIndex::ObservationIndex(const ObservationRows& rows) {
  std::unordered_map<std::string, std::size_t> index_of;
  std::vector<std::vector<Point>> points;
  auto flow_index = [&](const FlowRef& ref) {
    auto [it, inserted] = index_of.try_emplace(flow_key(ref), flows_.size());
    if (inserted) {
      flows_.push_back(IndexedFlow{ref, {}, {}});
      points.emplace_back();
    }
    return it->second;
  };
  for (const auto& c : rows.state_changes) {
    points[flow_index(c.flow)].push_back({c.at, 1, normalise(c.to)});
  }
  for (const auto& w : rows.windows) {
    const std::size_t f = flow_index(w.flow);
    points[f].push_back({w.end, 0, normalise(w.state)});
    if (w.lost > 0) flows_[f].lossy_windows.push_back({{w.start, w.end}, w.sent, w.lost});
  }

  std::unordered_map<std::string, std::vector<Interval>> agent_sessions;
  std::unordered_map<std::string, std::vector<Interval>> site_sessions;
  for (const auto& s : rows.sessions) {
    agent_sessions[s.agent_id].push_back({s.first, s.last});
    site_sessions[s.site].push_back({s.first, s.last});
  }
  std::unordered_map<std::string, IntervalSet> agent_coverage;
  for (auto& [agent, list] : agent_sessions) agent_coverage.emplace(agent, IntervalSet(list));
  for (auto& [site, list] : site_sessions) site_coverage_.emplace(site, IntervalSet(list));

  for (std::size_t f = 0; f < flows_.size(); ++f) {
    auto& p = points[f];
    std::stable_sort(p.begin(), p.end(), [](const Point& a, const Point& b) {
      return a.at != b.at ? a.at < b.at : a.priority < b.priority;
    });
    // One observation per instant (the last in order: a change wins a window end-state). A
    // repeat of the same state is kept: it is what ends a restarted session's unknown time.
    std::vector<StateStep> raw;
    raw.reserve(p.size());
    for (const auto& pt : p) {
      if (!raw.empty() && raw.back().at == pt.at) {
        raw.back().state = pt.state;
      } else {
        raw.push_back({pt.at, pt.state});
      }
    }
    auto cov = agent_coverage.find(flows_[f].ref.agent_id);
    flows_[f].timeline = FlowTimeline(
        mask_by_coverage(raw, cov == agent_coverage.end() ? kNoCoverage : cov->second));
    auto& lw = flows_[f].lossy_windows;
    std::sort(lw.begin(), lw.end(), [](const LossyWindow& a, const LossyWindow& b) {
      return a.when.start < b.when.start;
    });
    by_site_[flows_[f].ref.site].push_back(f);
    by_site_target_[site_target_key(flows_[f].ref.site, flows_[f].ref.target)].push_back(f);
  }
}

const std::vector<std::size_t>& ObservationIndex::flows_of_site(const std::string& site) const {
  auto it = by_site_.find(site);
  return it == by_site_.end() ? kNoFlows : it->second;
}

const std::vector<std::size_t>& ObservationIndex::flows_of(const std::string& site,
                                                           const std::string& target) const {
  auto it = by_site_target_.find(site_target_key(site, target));
  return it == by_site_target_.end() ? kNoFlows : it->second;
}

const IntervalSet& ObservationIndex::site_coverage(const std::string& site) const {
  auto it = site_coverage_.find(site);
  return it == site_coverage_.end() ? kNoCoverage : it->second;
}

}  // namespace pathwatch::collector
