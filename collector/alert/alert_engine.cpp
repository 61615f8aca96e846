// AlertEngine: one notification thread per condition (service incident, path down, failover,
// flapping, loss, latency, budget), opened once, updated only on change, recovered once.
#include "collector/alert/alert_engine.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "collector/incident/incident.hpp"
#include "collector/notify/verdict_summary.hpp"

namespace pathwatch::collector::alert {

using notify::FaultNature;
using notify::Notification;
using notify::NotificationKind;

namespace {

std::vector<notify::NamedItem> named(const std::vector<std::string>& names) {
  std::vector<notify::NamedItem> out;
  for (const auto& n : names) out.push_back(notify::NamedItem{n, "", ""});
  return out;
}

notify::FailoverNote note(const incident::FailoverRecord& f) {
  return notify::FailoverNote{f.at, f.site, f.from_path, f.to_path};
}

// The thread id's time part: readable, and unique enough with the condition's name in front.
std::string stamp(shared::UtcNanos t) {
  return incident::incident_id_for(t).substr(4);
}

std::string flow_name(const FlowRef& f) {
  return f.kind == ProbeKind::kTcp
             ? fmt::format("{}/{}/{}/tcp{}", f.agent_id, f.path, f.target, f.port)
             : fmt::format("{}/{}/{}", f.agent_id, f.path, f.target);
}

// What a recipient would see differ between two messages of one thread.
bool same_content(const Notification& a, const Notification& b) {
  auto names = [](const std::vector<notify::NamedItem>& v) {
    std::vector<std::string> out;
    for (const auto& i : v) out.push_back(i.name);
    return out;
  };
  auto causes = [](const notify::VerdictSummary& s) {
    std::vector<std::vector<std::string>> out;
    for (const auto& c : s.causes) {
      out.emplace_back();
      for (const auto& x : c.alternatives) out.back().push_back(x.segment);
    }
    return out;
  };
  return a.fault == b.fault && names(a.services) == names(b.services) &&
         names(a.sites) == names(b.sites) && causes(a.verdict) == causes(b.verdict) &&
         a.verdict.conclusive == b.verdict.conclusive && a.failovers.size() == b.failovers.size();
}

// A verdict that keeps changing is sent anyway after this many `settle`s: a second site or a
// change from degraded to down must not wait for the recovery.
constexpr int kMaxSettles = 3;

// The opened/updated message of a service incident as it stands.
Notification incident_message(const incident::Incident& inc, shared::UtcNanos at) {
  Notification n;
  n.fault = inc.fault;
  n.incident_id = inc.id;
  n.at = at;
  n.started_at = inc.opened;
  n.services = named(inc.services);
  n.sites = named(inc.sites);
  n.verdict = inc.summary;
  for (const auto& f : inc.failovers) n.failovers.push_back(note(f));
  return n;
}

}  // namespace

Notification AlertEngine::open_thread(const std::string& id, FaultNature fault,
                                      shared::UtcNanos started, shared::UtcNanos at) {
  Notification n;
  n.kind = NotificationKind::kOpened;
  n.fault = fault;
  n.incident_id = id;
  n.at = at;
  n.started_at = started;
  threads_[id].last = n;
  return n;
}

std::optional<Notification> AlertEngine::close_thread(const std::string& id, shared::UtcNanos at) {
  auto it = threads_.find(id);
  if (it == threads_.end()) return std::nullopt;
  Notification n = it->second.last;
  n.kind = NotificationKind::kRecovered;
  n.previous.reset();
  n.at = at;
  n.recovered_at = at;
  threads_.erase(it);
  return n;
}

void AlertEngine::hold(Notification n, shared::UtcNanos at, shared::MonoNanos mono) {
  auto [it, fresh] = threads_.try_emplace(n.incident_id);
  Thread& th = it->second;
  if (fresh || !th.sent) {
    // The opening goes `settle` after the first evaluation that saw the incident, with the
    // content of that moment, whatever the verdict did meanwhile.
    n.kind = NotificationKind::kOpened;
    if (fresh) {
      th.held_since = th.held_first = at;
      th.held_mono = mono;
    }
    th.sent = false;
    th.held = std::move(n);
    return;
  }
  if (same_content(th.last, n)) {  // back to what the reader has: nothing to send
    th.held.reset();
    return;
  }
  n.kind = NotificationKind::kUpdated;
  n.previous = th.last.verdict;
  if (!th.held) th.held_first = at;
  if (!th.held || !same_content(*th.held, n)) {
    th.held_since = at;
    th.held_mono = mono;
  }
  th.held = std::move(n);
}

void AlertEngine::send_held(Thread& th, shared::UtcNanos at, std::vector<Notification>& out) {
  Notification n = std::move(*th.held);
  th.held.reset();
  n.at = at;
  th.sent = true;
  th.last = n;
  out.push_back(std::move(n));
}

void AlertEngine::release_settled(shared::UtcNanos at, std::vector<Notification>& out) {
  for (auto& [id, th] : threads_) {
    if (!th.held) continue;
    // Even a conclusive verdict waits: right after a fault it may rest on measurements whose
    // own failure the agents have not confirmed yet (isolation_cut_onset_test.cpp).
    const bool settled = at - th.held_since >= config_.settle;
    const bool waited_enough = at - th.held_first >= kMaxSettles * config_.settle;
    if (settled || waited_enough) send_held(th, at, out);
  }
}

std::vector<Notification> AlertEngine::on_clock(shared::MonoNanos mono) {
  std::vector<Notification> out;
  for (auto& [id, th] : threads_) {
    if (!th.held || mono - th.held_mono < config_.settle + kDataStallGrace) continue;
    send_held(th, th.held->at, out);  // stamped with the data time it was last seen at
  }
  return out;
}

void AlertEngine::resume(const incident::Incident& inc, shared::MonoNanos mono) {
  if (!config_.service_down || inc.closed) return;
  Notification n = incident_message(inc, inc.updated);
  if (!inc.announced) {
    hold(std::move(n), inc.updated, mono);
    return;
  }
  n.kind = NotificationKind::kOpened;
  Thread& th = threads_[inc.id];
  th.last = std::move(n);
  th.sent = true;
}

void AlertEngine::close_incident(const incident::Incident& inc, shared::UtcNanos at,
                                 std::vector<Notification>& out) {
  auto it = threads_.find(inc.id);
  if (it == threads_.end()) return;
  if (!it->second.sent && it->second.held) {
    // Over before its verdict settled: the opening still goes out, then the recovery.
    Notification opened = std::move(*it->second.held);
    opened.at = at;
    it->second.last = opened;
    out.push_back(std::move(opened));
  }
  // The recovery repeats what the reader was told last, not a held draft.
  if (auto n = close_thread(inc.id, inc.closed.value_or(at))) {
    n->services = named(inc.services);
    n->sites = named(inc.sites);
    for (const auto& f : inc.failovers) n->failovers.push_back(note(f));
    out.push_back(std::move(*n));
  }
}

std::vector<Notification> AlertEngine::reconcile(const std::vector<incident::Incident>& stored,
                                                 shared::MonoNanos mono) {
  std::vector<Notification> out;
  if (!config_.service_down) return out;
  for (const auto& inc : stored) {
    if (inc.closed) {
      close_incident(inc, *inc.closed, out);
    } else if (!threads_.count(inc.id)) {
      resume(inc, mono);
    }
  }
  return out;
}

std::vector<std::string> AlertEngine::open_threads() const {
  std::vector<std::string> out;
  for (const auto& [id, t] : threads_) out.push_back(id);
  return out;
}

std::vector<Notification> AlertEngine::on_evaluation(const incident::Evaluation& ev,
                                                     const isolation::Verdict* verdict,
                                                     shared::MonoNanos mono) {
  std::vector<Notification> out;
  const notify::VerdictSummary current =
      verdict ? notify::summarize_verdict(*verdict).summary : notify::VerdictSummary{};

  // Service incidents: the tracker already reports changes only. Each change is held until
  // it has lasted `settle` (hold), so a reader gets the verdict rather than its first drafts.
  if (config_.service_down) {
    for (const auto& u : ev.updates) {
      const auto& inc = u.incident;
      if (u.kind == incident::UpdateKind::kClosed) {
        close_incident(inc, ev.at, out);
        continue;
      }
      hold(incident_message(inc, ev.at), ev.at, mono);
    }
    release_settled(ev.at, out);
  }

  // Failovers (and the failback that recovers them) and flapping.
  seen_through_ = std::max(seen_through_, ev.at);
  for (const auto& f : ev.failovers) {
    // Read again after a restart (the monitor's look-back): decided before it stopped.
    if (f.at <= replayed_until_) continue;
    auto& recent = switches_[f.site];
    recent.push_back(f.at);
    if (!config_.failover) continue;
    if (!f.failback) {
      if (failover_threads_.count(f.site)) continue;
      const std::string id = fmt::format("FO-{}-{}", f.site, stamp(f.at));
      Notification n = open_thread(id, FaultNature::kDegraded, f.at, ev.at);
      n.sites = named({f.site});
      n.verdict = current;
      n.line_switch = true;
      n.failovers.push_back(note(f));
      threads_[id].last = n;
      failover_threads_[f.site] = id;
      out.push_back(std::move(n));
    } else if (auto it = failover_threads_.find(f.site); it != failover_threads_.end()) {
      if (auto n = close_thread(it->second, f.at)) {
        n->failovers.push_back(note(f));
        out.push_back(std::move(*n));
      }
      failover_threads_.erase(it);
    }
  }
  // Old switches go whether the flapping rule is on or not (the list is kept in the state).
  for (auto it = switches_.begin(); it != switches_.end();) {
    auto& recent = it->second;
    while (!recent.empty() && recent.front() + config_.flap_within < ev.at) recent.pop_front();
    it = recent.empty() && !flap_threads_.count(it->first) ? switches_.erase(it) : std::next(it);
  }
  if (config_.flap_switches > 0) {
    for (auto& [site, recent] : switches_) {
      const bool flapping = static_cast<int>(recent.size()) >= config_.flap_switches;
      auto it = flap_threads_.find(site);
      if (flapping && it == flap_threads_.end()) {
        const std::string id = fmt::format("FLAP-{}-{}", site, stamp(recent.front()));
        Notification n = open_thread(id, FaultNature::kDegraded, recent.front(), ev.at);
        n.sites = named({site});
        n.verdict = current;
        threads_[id].last = n;
        flap_threads_[site] = id;
        out.push_back(std::move(n));
      } else if (recent.empty() && it != flap_threads_.end()) {
        if (auto n = close_thread(it->second, ev.at)) out.push_back(std::move(*n));
        flap_threads_.erase(it);
      }
    }
  }

  // Paths down longer than the limit.
  if (config_.path_down_after) {
    std::set<std::string> down_now;
    for (const auto& p : ev.paths_down) {
      const std::string key = p.agent_id + "/" + p.path;
      down_now.insert(key);
      if (path_threads_.count(key) || ev.at - p.since < *config_.path_down_after) continue;
      const std::string id = fmt::format("PATH-{}-{}-{}", p.agent_id, p.path, stamp(p.since));
      Notification n = open_thread(id, FaultNature::kDown, p.since, ev.at);
      n.sites = named({p.site});
      n.verdict = current;
      threads_[id].last = n;
      path_threads_[key] = id;
      out.push_back(std::move(n));
    }
    for (auto it = path_threads_.begin(); it != path_threads_.end();) {
      if (down_now.count(it->first)) {
        ++it;
        continue;
      }
      if (auto n = close_thread(it->second, ev.at)) out.push_back(std::move(*n));
      it = path_threads_.erase(it);
    }
  }
  return out;
}

std::vector<Notification> AlertEngine::on_window(const StoredWindow& w) {
  std::vector<Notification> out;
  // Read again after a restart (the monitor's look-back): already judged before it stopped.
  if (w.end <= replayed_until_) return out;
  seen_through_ = std::max(seen_through_, w.end);
  const std::string flow = flow_name(w.flow);
  auto rule = [&](bool over, std::map<std::string, std::string>& threads, const char* prefix) {
    auto it = threads.find(flow);
    if (over && it == threads.end()) {
      const std::string id = fmt::format("{}-{}-{}", prefix, flow, stamp(w.start));
      Notification n = open_thread(id, FaultNature::kDegraded, w.start, w.end);
      n.sites = named({w.flow.site});
      threads_[id].last = n;
      threads[flow] = id;
      out.push_back(std::move(n));
    } else if (!over && it != threads.end()) {
      if (auto n = close_thread(it->second, w.end)) out.push_back(std::move(*n));
      threads.erase(it);
    }
  };
  if (config_.loss_over_percent && w.sent > 0) {
    const double loss = 100.0 * w.lost / w.sent;
    rule(loss > *config_.loss_over_percent, loss_threads_, "LOSS");
  }
  if (config_.latency_over && w.received > 0) {
    rule(shared::Nanos{w.rtt_avg_ns} > *config_.latency_over, latency_threads_, "RTT");
  }
  return out;
}

std::vector<Notification> AlertEngine::on_budget(const std::string& service,
                                                 std::chrono::year_month month,
                                                 double burned_percent, shared::UtcNanos at,
                                                 shared::Nanos burned, shared::Nanos budget) {
  std::vector<Notification> out;
  if (!config_.budget_burned_percent || burned_percent < *config_.budget_burned_percent) return out;
  const std::string key =
      fmt::format("{}/{:04d}-{:02d}", service, int(month.year()), unsigned(month.month()));
  if (!budget_sent_.insert(key).second) return out;  // once per service and month
  // Months before the previous one are never checked again: forget them (the state is kept).
  const auto before = month - std::chrono::months{1};
  std::erase_if(budget_sent_, [&](const std::string& k) {
    return k.size() >= 7 &&
           k.substr(k.size() - 7) <
               fmt::format("{:04d}-{:02d}", int(before.year()), unsigned(before.month()));
  });
  Notification n;
  n.kind = NotificationKind::kOpened;
  n.fault = FaultNature::kDegraded;
  n.incident_id =
      fmt::format("SLA-{}-{:04d}{:02d}", service, int(month.year()), unsigned(month.month()));
  n.at = at;
  n.started_at = at;
  n.services = named({service});
  n.budget =
      notify::BudgetNote{month, burned_percent, *config_.budget_burned_percent, burned, budget};
  out.push_back(std::move(n));
  return out;
}

}  // namespace pathwatch::collector::alert
