// Session tracking: a message joins the session it falls within `silence` of (extending it
// either way, merging neighbours it now bridges) or starts a new one.
#include "collector/ingest/session_tracker.hpp"

#include <algorithm>
#include <tuple>

namespace pathwatch::collector {

void SessionTracker::load(const AgentSession& session) {
  auto& list = by_agent_[session.agent_id].sessions;
  list.push_back(session);
  std::sort(list.begin(), list.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
}

void SessionTracker::observe(const std::string& agent_id, const std::string& site,
                             shared::UtcNanos from, shared::UtcNanos to, SessionChanges& changes) {
  if (to < from) std::swap(from, to);
  if (changes.serial == 0) changes.serial = ++next_serial_;
  Agent& agent = by_agent_[agent_id];
  auto& list = agent.sessions;
  // Fast path: the newest session absorbs the message (in-order live data).
  if (!list.empty()) {
    AgentSession& s = list.back();
    if (from >= s.first && from <= s.last + silence_) {
      if (to > s.last) {
        s.last = to;
        if (s.site != site) s.site = site;
        // Its upsert earlier in this batch is the last op for (agent, first) unless a merge
        // came after it (then the merge recorded its own op and moved `op`): overwrite it.
        if (agent.serial == changes.serial && agent.op < changes.ops.size()) {
          SessionChanges::Op& op = changes.ops[agent.op];
          if (!op.remove && op.session.first == s.first) {
            op.session.last = s.last;
            if (op.session.site != s.site) op.session.site = s.site;
            return;
          }
        }
        agent.serial = changes.serial;
        agent.op = changes.ops.size();
        changes.ops.push_back({false, s});
      }
      return;
    }
  }
  // General case: merge every session within silence of [from, to].
  AgentSession merged{agent_id, site, from, to};
  std::vector<AgentSession> kept;
  for (const auto& s : list) {
    if (s.last + silence_ >= merged.first && s.first <= merged.last + silence_) {
      merged.first = std::min(merged.first, s.first);
      merged.last = std::max(merged.last, s.last);
      changes.ops.push_back({true, s});
    } else {
      kept.push_back(s);
    }
  }
  kept.push_back(merged);
  std::sort(kept.begin(), kept.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  if (kept.size() > keep_) kept.erase(kept.begin(), kept.end() - static_cast<long>(keep_));
  list = std::move(kept);
  agent.serial = changes.serial;
  agent.op = changes.ops.size();
  changes.ops.push_back({false, merged});
}

std::vector<AgentSession> SessionTracker::sessions_of(const std::string& agent_id) const {
  const auto it = by_agent_.find(agent_id);
  return it == by_agent_.end() ? std::vector<AgentSession>{} : it->second.sessions;
}

void compact(SessionChanges& changes) {
  std::map<std::tuple<std::string, shared::UtcNanos>, std::size_t> last;
  for (std::size_t i = 0; i < changes.ops.size(); ++i) {
    last[{changes.ops[i].session.agent_id, changes.ops[i].session.first}] = i;
  }
  std::vector<SessionChanges::Op> ops;
  for (const auto& [key, i] : last) ops.push_back(std::move(changes.ops[i]));
  changes.ops = std::move(ops);
}

std::vector<AgentSession> SessionChanges::upserts() const {
  std::vector<AgentSession> out;
  for (const auto& op : ops) {
    if (!op.remove) out.push_back(op.session);
  }
  return out;
}

std::vector<AgentSession> SessionChanges::removed() const {
  std::vector<AgentSession> out;
  for (const auto& op : ops) {
    if (op.remove) out.push_back(op.session);
  }
  return out;
}

}  // namespace pathwatch::collector
