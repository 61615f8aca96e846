// IncidentMonitor: store rows → tracker → incident store and alert rules → delivery queue.
#include "collector/incident/incident_monitor.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pathwatch::collector::incident {

IncidentMonitor::IncidentMonitor(Store& store, IncidentStore& incidents,
                                 const isolation::Topology& topology,
                                 std::vector<ServiceSpec> services, alert::AlertConfig alerts,
                                 MonitorOptions options, Submit submit)
    : store_(store),
      incidents_(incidents),
      tracker_(topology, std::move(services), options.tracker),
      alerts_(std::move(alerts)),
      options_(std::move(options)),
      submit_(std::move(submit)),
      log_(shared::component_logger("collector.incident")) {}

void IncidentMonitor::start(shared::UtcNanos now) {
  try {
    IncidentQuery q;
    q.open_only = true;
    q.limit = 1;
    const auto open = incidents_.list(q);
    if (!open.empty()) {
      log_->info("continuing open incident {}", open.front().id);
      tracker_.resume(open.front());
    }
    // The measurements' states as they were recently: everything a stale-free board needs.
    read_rows(now - options_.tracker.stale_after - options_.lookback);
  } catch (const StoreError& e) {
    log_->error("incident start-up: {}", e.what());
  }
}

void IncidentMonitor::read_rows(shared::UtcNanos from) {
  RowFilter f;
  f.start = from;
  // Liveness first: an agent's heartbeats say its last states still hold.
  for (const auto& a : store_.agents()) {
    if (a.last_seen >= from) tracker_.heard(a.agent_id, a.last_seen);
  }
  for (const auto& r : store_.route_changes(f)) tracker_.apply(r);
  for (const auto& c : store_.state_changes(f)) tracker_.apply(c);
  for (const auto& w : store_.windows(f)) {
    tracker_.apply(w);
    const auto key = std::make_pair(w.flow.agent_id, w.seq);
    if (!windows_seen_.emplace(key, w.end).second) continue;
    for (auto& n : alerts_.on_window(w)) {
      if (submit_) submit_(std::move(n));
    }
  }
  // Forget windows that fell out of the lookback (they are not read again).
  const auto horizon = from;
  for (auto it = windows_seen_.begin(); it != windows_seen_.end();) {
    if (it->second < horizon) {
      it = windows_seen_.erase(it);
    } else {
      ++it;
    }
  }
}

void IncidentMonitor::tick(shared::UtcNanos now) {
  (void)now;  // decisions follow data time (design.md "Time"), not the collector's clock
  try {
    const auto latest = tracker_.board().latest();
    read_rows(latest - options_.lookback);
    const auto at = tracker_.board().latest();
    if (at == shared::UtcNanos{}) return;  // nothing measured yet
    publish(tracker_.evaluate(at));
  } catch (const StoreError& e) {
    log_->error("incident tick: {}", e.what());
  }
}

void IncidentMonitor::publish(const Evaluation& ev) {
  for (const auto& u : ev.updates) {
    incidents_.save(u.incident);
    const auto& inc = u.incident;
    log_->info("incident {} {}: {} (services {}, sites {})", inc.id, to_string(u.kind),
               inc.history.empty() ? std::string{} : inc.history.back().summary,
               fmt::join(inc.services, ","), fmt::join(inc.sites, ","));
  }
  for (const auto& f : ev.failovers) {
    log_->info("{} at {}: {} -> {}", f.failback ? "failback" : "failover", f.site,
               f.from_path.empty() ? "?" : f.from_path, f.to_path.empty() ? "(none)" : f.to_path);
  }
  const auto* verdict = tracker_.last_verdict() ? &*tracker_.last_verdict() : nullptr;
  for (auto& n : alerts_.on_evaluation(ev, verdict)) {
    log_->info("notification {} {}", n.incident_id, notify::to_string(n.kind));
    if (submit_) submit_(std::move(n));
  }
}

}  // namespace pathwatch::collector::incident
