// In-memory store: the same ordering and merge rules as the SQLite store's SQL, in plain
// containers under one mutex.
#include "collector/store/memory_store.hpp"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

namespace pathwatch::collector {

using shared::from_unix_nanos;
using shared::to_unix_nanos;

namespace {

constexpr std::int64_t kHourNs = 3'600'000'000'000;

bool in_range(const RowFilter& f, shared::UtcNanos t) {
  return t >= f.start && t < f.end;
}

bool matches(const RowFilter& f, const std::string& site, const std::string& agent,
             const std::string* target) {
  if (f.site && *f.site != site) return false;
  if (f.agent_id && *f.agent_id != agent) return false;
  if (f.target && target && *f.target != *target) return false;
  return true;
}

template <typename Row>
std::vector<Row> select_agent_rows(const std::vector<Row>& rows, const RowFilter& f,
                                   const std::map<std::string, AgentSummary>& agents) {
  std::vector<Row> out;
  for (const auto& r : rows) {
    const auto& site = agents.at(r.agent_id).site;
    if (in_range(f, r.at) && matches(f, site, r.agent_id, nullptr)) {
      out.push_back(r);
      out.back().site = site;
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Row& a, const Row& b) {
    return std::tie(a.at, a.agent_id, a.seq) < std::tie(b.at, b.agent_id, b.seq);
  });
  return out;
}

}  // namespace

std::size_t MemoryStore::flow_index(const FlowRef& f) {
  for (std::size_t i = 0; i < flows_.size(); ++i) {
    const FlowRef& g = flows_[i].ref;
    if (g.agent_id == f.agent_id && g.target == f.target && g.address == f.address &&
        g.path == f.path && g.kind == f.kind && g.port == f.port) {
      return i;
    }
  }
  flows_.push_back(FlowEntry{f, std::nullopt});
  return flows_.size() - 1;
}

FlowRef MemoryStore::flow_with_site(std::size_t index) const {
  FlowRef f = flows_[index].ref;
  f.site = agents_.at(f.agent_id).site;
  return f;
}

CommitResult MemoryStore::commit(const CommitBatch& batch) {
  std::lock_guard lock(mutex_);
  CommitResult result;
  if (!fail_next_.empty()) {
    result.error = std::exchange(fail_next_, {});
    return result;
  }
  result.stored.assign(batch.messages.size(), false);
  auto ensure_agent = [&](const std::string& id, const std::string& site, shared::UtcNanos seen,
                          shared::UtcNanos received) {
    if (!agents_.contains(id)) {
      AgentSummary a;
      a.agent_id = id;
      a.site = site;
      a.first_seen = a.last_seen = seen;
      a.last_received = received;
      agents_.emplace(id, a);
    }
  };
  // A change wins a window end-state at the same instant (as in the analysis' timelines);
  // `since` moves only when the state does.
  auto note_latest = [&](std::size_t flow, shared::UtcNanos at, PathState state, bool change) {
    auto& latest = flows_[flow].latest;
    if (latest && (latest->at > at || (latest->at == at && !change))) return;
    const auto since = latest && latest->state == state ? latest->since : at;
    latest = FlowLatest{FlowRef{}, state, at, since};
  };
  for (std::size_t i = 0; i < batch.messages.size(); ++i) {
    const StoredMessage& m = batch.messages[i];
    ensure_agent(m.agent_id, m.site, m.created, m.received);
    if (!messages_[m.agent_id].insert(m.seq).second) {
      ++result.duplicate_count;
      continue;
    }
    message_created_[{m.agent_id, m.seq}] = to_unix_nanos(m.created);
    result.stored[i] = true;
    ++result.stored_count;
    std::visit(
        [&](const auto& row) {
          using T = std::decay_t<decltype(row)>;
          if constexpr (std::is_same_v<T, StoredWindow>) {
            StoredWindow r = row;
            r.flow.agent_id = m.agent_id;
            r.seq = m.seq;
            const auto flow = flow_index(r.flow);
            note_latest(flow, r.end, r.state, false);
            windows_.emplace_back(flow, std::move(r));
          } else if constexpr (std::is_same_v<T, StoredStateChange>) {
            StoredStateChange r = row;
            r.flow.agent_id = m.agent_id;
            r.seq = m.seq;
            const auto flow = flow_index(r.flow);
            note_latest(flow, r.at, r.to, true);
            state_changes_.emplace_back(flow, std::move(r));
          } else if constexpr (std::is_same_v<T, StoredHeartbeat>) {
          } else {
            T r = row;
            r.agent_id = m.agent_id;
            r.seq = m.seq;
            if constexpr (std::is_same_v<T, StoredRouteChange>) route_changes_.push_back(r);
            if constexpr (std::is_same_v<T, StoredLinkChange>) link_changes_.push_back(r);
            if constexpr (std::is_same_v<T, StoredDropReport>) drop_reports_.push_back(r);
            if constexpr (std::is_same_v<T, StoredHello>) {
              hellos_.push_back(r);
              agents_[m.agent_id].agent_version = r.agent_version;
              agents_[m.agent_id].hostname = r.hostname;
            }
          }
        },
        m.body);
  }
  for (const auto& g : batch.gaps) {
    ensure_agent(g.agent_id, g.site, g.detected, g.detected);
    gaps_.try_emplace({g.agent_id, g.first_seq}, g);
  }
  for (const auto& s : batch.sessions_removed) {
    sessions_.erase({s.agent_id, to_unix_nanos(s.first)});
  }
  for (const auto& s : batch.sessions) {
    ensure_agent(s.agent_id, s.site, s.first, s.last);
    auto [it, fresh] = sessions_.try_emplace({s.agent_id, to_unix_nanos(s.first)}, s);
    if (!fresh) it->second.last = std::max(it->second.last, s.last);
  }
  for (const auto& u : batch.agents) {
    ensure_agent(u.agent_id, u.site, u.first_seen, u.last_received);
    AgentSummary& a = agents_[u.agent_id];
    a.site = u.site;
    a.first_seen = std::min(a.first_seen, u.first_seen);
    a.last_seen = std::max(a.last_seen, u.last_seen);
    a.last_received = std::max(a.last_received, u.last_received);
    a.last_seq = std::max(a.last_seq, u.last_seq);
    a.through_seq = std::max(a.through_seq, u.through_seq);
  }
  result.ok = true;
  return result;
}

std::vector<AgentSummary> MemoryStore::agents() {
  std::lock_guard lock(mutex_);
  std::vector<AgentSummary> out;
  for (const auto& [id, a] : agents_) out.push_back(a);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.site, a.agent_id) < std::tie(b.site, b.agent_id);
  });
  return out;
}

std::vector<AgentSession> MemoryStore::latest_sessions() {
  std::lock_guard lock(mutex_);
  std::map<std::string, AgentSession> latest;
  for (const auto& [key, s] : sessions_) latest[key.first] = s;  // map order: first ascending
  std::vector<AgentSession> out;
  for (auto& [id, s] : latest) {
    s.site = agents_.at(id).site;
    out.push_back(s);
  }
  return out;
}

std::vector<AgentSession> MemoryStore::sessions(const RowFilter& f) {
  std::lock_guard lock(mutex_);
  std::vector<AgentSession> out;
  for (const auto& [key, s] : sessions_) {
    const auto& site = agents_.at(s.agent_id).site;
    if (s.last >= f.start && s.first < f.end && matches(f, site, s.agent_id, nullptr)) {
      out.push_back(s);
      out.back().site = site;
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first, a.agent_id) < std::tie(b.first, b.agent_id);
  });
  return out;
}

std::vector<StoredWindow> MemoryStore::windows(const RowFilter& f) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::size_t, StoredWindow>> sel;
  for (const auto& [flow, w] : windows_) {
    FlowRef ref = flow_with_site(flow);
    if (in_range(f, w.start) && matches(f, ref.site, ref.agent_id, &ref.target)) {
      sel.emplace_back(flow, w);
      sel.back().second.flow = std::move(ref);
    }
  }
  std::stable_sort(sel.begin(), sel.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second.start, a.first) < std::tie(b.second.start, b.first);
  });
  std::vector<StoredWindow> out;
  for (auto& [flow, w] : sel) out.push_back(std::move(w));
  return out;
}

std::vector<StoredWindow> MemoryStore::timeline_windows(const RowFilter& f) {
  // Every window's point (a superset of what the interface asks for): the reference the SQLite
  // store's kept subset is tested against.
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::size_t, StoredWindow>> sel;
  // Each flow's last point before the range: (time, 1 for a change), state.
  std::map<std::size_t, std::pair<std::pair<shared::UtcNanos, int>, PathState>> before;
  auto note_before = [&](std::size_t flow, shared::UtcNanos at, int change, PathState state) {
    if (at >= f.start) return;
    auto [it, inserted] = before.try_emplace(flow, std::pair{at, change}, state);
    if (!inserted && it->second.first <= std::pair{at, change}) it->second = {{at, change}, state};
  };
  for (const auto& [flow, w] : windows_) {
    FlowRef ref = flow_with_site(flow);
    if (!matches(f, ref.site, ref.agent_id, &ref.target)) continue;
    note_before(flow, w.end, 0, w.state);
    if (in_range(f, w.end)) {
      StoredWindow point;
      point.flow = std::move(ref);
      point.start = point.end = w.end;
      point.state = w.state;
      sel.emplace_back(flow, std::move(point));
    }
  }
  for (const auto& [flow, c] : state_changes_) note_before(flow, c.at, 1, c.to);
  for (const auto& [flow, last] : before) {
    FlowRef ref = flow_with_site(flow);
    if (!matches(f, ref.site, ref.agent_id, &ref.target)) continue;
    StoredWindow point;
    point.flow = std::move(ref);
    point.start = point.end = last.first.first;
    point.state = last.second;
    sel.emplace_back(flow, std::move(point));
  }
  std::stable_sort(sel.begin(), sel.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second.end, a.first) < std::tie(b.second.end, b.first);
  });
  std::vector<StoredWindow> out;
  for (auto& [flow, w] : sel) out.push_back(std::move(w));
  return out;
}

std::vector<StoredStateChange> MemoryStore::state_changes(const RowFilter& f) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::size_t, StoredStateChange>> sel;
  for (const auto& [flow, c] : state_changes_) {
    FlowRef ref = flow_with_site(flow);
    if (in_range(f, c.at) && matches(f, ref.site, ref.agent_id, &ref.target)) {
      sel.emplace_back(flow, c);
      sel.back().second.flow = std::move(ref);
    }
  }
  std::stable_sort(sel.begin(), sel.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second.at, a.first, a.second.seq) <
           std::tie(b.second.at, b.first, b.second.seq);
  });
  std::vector<StoredStateChange> out;
  for (auto& [flow, c] : sel) out.push_back(std::move(c));
  return out;
}

std::vector<StoredRouteChange> MemoryStore::route_changes(const RowFilter& f) {
  std::lock_guard lock(mutex_);
  return select_agent_rows(route_changes_, f, agents_);
}

std::vector<StoredLinkChange> MemoryStore::link_changes(const RowFilter& f) {
  std::lock_guard lock(mutex_);
  return select_agent_rows(link_changes_, f, agents_);
}

std::vector<StoredHello> MemoryStore::hellos(const RowFilter& f) {
  std::lock_guard lock(mutex_);
  return select_agent_rows(hellos_, f, agents_);
}

std::vector<StoredDropReport> MemoryStore::drop_reports(const RowFilter& f) {
  std::lock_guard lock(mutex_);
  return select_agent_rows(drop_reports_, f, agents_);
}

std::vector<StoredGap> MemoryStore::gaps(const RowFilter& f) {
  std::lock_guard lock(mutex_);
  std::vector<StoredGap> out;
  for (const auto& [key, g] : gaps_) {
    const auto& site = agents_.at(g.agent_id).site;
    if (in_range(f, g.detected) && matches(f, site, g.agent_id, nullptr)) {
      out.push_back(g);
      out.back().site = site;
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.detected, a.agent_id, a.first_seq) <
           std::tie(b.detected, b.agent_id, b.first_seq);
  });
  return out;
}

std::vector<FlowLatest> MemoryStore::latest_flow_states() {
  std::lock_guard lock(mutex_);
  std::vector<FlowLatest> out;
  for (std::size_t i = 0; i < flows_.size(); ++i) {
    if (!flows_[i].latest) continue;
    out.push_back(FlowLatest{flow_with_site(i), flows_[i].latest->state, flows_[i].latest->at,
                             flows_[i].latest->since});
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
    const FlowRef& a = x.flow;
    const FlowRef& b = y.flow;
    return std::tie(a.site, a.agent_id, a.target, a.path, a.kind, a.port, a.address) <
           std::tie(b.site, b.agent_id, b.target, b.path, b.kind, b.port, b.address);
  });
  return out;
}

std::vector<HourlyWindow> MemoryStore::hourly_windows(const RowFilter& f) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::size_t, HourlyWindow>> sel;
  for (const auto& [key, h] : hourly_) {
    FlowRef ref = flow_with_site(key.first);
    if (in_range(f, h.hour) && matches(f, ref.site, ref.agent_id, &ref.target)) {
      sel.emplace_back(key.first, h);
      sel.back().second.flow = std::move(ref);
    }
  }
  std::stable_sort(sel.begin(), sel.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second.hour, a.first) < std::tie(b.second.hour, b.first);
  });
  std::vector<HourlyWindow> out;
  for (auto& [flow, h] : sel) out.push_back(std::move(h));
  return out;
}

bool MemoryStore::contains(const std::string& agent_id, std::uint64_t seq) {
  std::lock_guard lock(mutex_);
  const auto it = messages_.find(agent_id);
  return it != messages_.end() && it->second.contains(seq);
}

std::int64_t MemoryStore::add_maintenance(const MaintenanceRecord& record) {
  std::lock_guard lock(mutex_);
  MaintenanceRecord r = record;
  r.id = next_maintenance_id_++;
  maintenance_.emplace(r.id, r);
  return r.id;
}

std::vector<MaintenanceRecord> MemoryStore::maintenance() {
  std::lock_guard lock(mutex_);
  std::vector<MaintenanceRecord> out;
  for (const auto& [id, r] : maintenance_) out.push_back(r);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.start, a.id) < std::tie(b.start, b.id);
  });
  return out;
}

bool MemoryStore::remove_maintenance(std::int64_t id) {
  std::lock_guard lock(mutex_);
  return maintenance_.erase(id) > 0;
}

std::int64_t MemoryStore::add_audit(const AuditRecord& record) {
  std::lock_guard lock(mutex_);
  AuditRecord r = record;
  r.id = static_cast<std::int64_t>(audit_.size()) + 1;
  audit_.push_back(std::move(r));
  return audit_.back().id;
}

std::vector<AuditRecord> MemoryStore::audit_records(shared::UtcNanos since, std::size_t limit) {
  std::lock_guard lock(mutex_);
  std::vector<AuditRecord> out;
  for (const auto& r : audit_) {
    if (r.at >= since) out.push_back(r);
  }
  // Newest first, ties by id like SQLite's ORDER BY at DESC, id DESC.
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.at, a.id) > std::tie(b.at, b.id);
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

RetentionResult MemoryStore::apply_retention(const RetentionPolicy& policy, shared::UtcNanos now) {
  std::lock_guard lock(mutex_);
  RetentionResult result;
  const std::int64_t now_ns = to_unix_nanos(now);
  const std::int64_t hour_now = now_ns / kHourNs * kHourNs;
  const std::int64_t from = std::max<std::int64_t>(0, rolled_through_ - 24 * kHourNs);
  std::map<std::pair<std::size_t, std::int64_t>, HourlyWindow> fresh;
  std::map<std::pair<std::size_t, std::int64_t>, std::int64_t> weighted;  // sum rtt*received
  for (const auto& [flow, w] : windows_) {
    const std::int64_t start = to_unix_nanos(w.start);
    if (start < from || start >= hour_now) continue;
    const std::int64_t hour = start / kHourNs * kHourNs;
    HourlyWindow& h = fresh[{flow, hour}];
    h.hour = from_unix_nanos(hour);
    ++h.windows;
    h.sent += w.sent;
    h.received += w.received;
    h.lost += w.lost;
    weighted[{flow, hour}] += w.rtt_avg_ns * w.received;
    h.rtt_max_p99_ns = h.windows == 1 ? w.rtt_p99_ns : std::max(h.rtt_max_p99_ns, w.rtt_p99_ns);
    h.windows_down += w.state == PathState::kDown ? 1 : 0;
    h.windows_degraded += w.state == PathState::kDegraded ? 1 : 0;
  }
  for (auto& [key, h] : fresh) {
    h.rtt_avg_ns = h.received > 0 ? weighted[key] / static_cast<std::int64_t>(h.received) : 0;
    hourly_[key] = h;
  }
  result.hours_rolled_up = fresh.size();
  rolled_through_ = std::max(rolled_through_, hour_now);

  auto erase_if_count = [](auto& container, auto pred) {
    return static_cast<std::size_t>(std::erase_if(container, pred));
  };
  if (policy.raw.count() > 0) {
    const auto cutoff = from_unix_nanos((now_ns - policy.raw.count()) / kHourNs * kHourNs);
    result.windows_pruned =
        erase_if_count(windows_, [&](const auto& p) { return p.second.start < cutoff; });
  }
  if (policy.hourly.count() > 0) {
    const auto cutoff = now - policy.hourly;
    result.hourly_pruned =
        erase_if_count(hourly_, [&](const auto& p) { return p.second.hour < cutoff; });
  }
  if (policy.events.count() > 0) {
    const auto cutoff = now - policy.events;
    auto by_at = [&](const auto& r) { return r.at < cutoff; };
    result.events_pruned +=
        erase_if_count(state_changes_, [&](const auto& p) { return p.second.at < cutoff; });
    result.events_pruned += erase_if_count(route_changes_, by_at);
    result.events_pruned += erase_if_count(link_changes_, by_at);
    result.events_pruned += erase_if_count(hellos_, by_at);
    result.events_pruned += erase_if_count(drop_reports_, by_at);
    result.events_pruned +=
        erase_if_count(gaps_, [&](const auto& p) { return p.second.detected < cutoff; });
    result.events_pruned +=
        erase_if_count(sessions_, [&](const auto& p) { return p.second.last < cutoff; });
    const std::int64_t cutoff_ns = to_unix_nanos(cutoff);
    for (auto it = message_created_.begin(); it != message_created_.end();) {
      if (it->second < cutoff_ns) {
        messages_[it->first.first].erase(it->first.second);
        it = message_created_.erase(it);
      } else {
        ++it;
      }
    }
  }
  return result;
}

}  // namespace pathwatch::collector
