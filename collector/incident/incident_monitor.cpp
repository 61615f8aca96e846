// IncidentMonitor: store rows → tracker → incident store and alert rules → delivery queue.
#include "collector/incident/incident_monitor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "collector/analysis/error_budget.hpp"
#include "collector/analysis/stored_availability.hpp"
#include "shared/time/jst.hpp"

namespace pathwatch::collector::incident {

IncidentMonitor::IncidentMonitor(Store& store, IncidentStore& incidents,
                                 const isolation::Topology& topology,
                                 std::vector<ServiceSpec> services, alert::AlertConfig alerts,
                                 MonitorOptions options, Submit submit,
                                 const AnalysisConfig* analysis)
    : store_(store),
      incidents_(incidents),
      tracker_(topology, std::move(services), options.tracker),
      alerts_(std::move(alerts)),
      options_(std::move(options)),
      submit_(std::move(submit)),
      analysis_(analysis),
      log_(shared::component_logger("collector.incident")) {}

void IncidentMonitor::start(shared::UtcNanos now, shared::MonoNanos mono,
                            const std::optional<std::string>& alert_state) {
  bool restored = false;
  if (alert_state) {
    try {
      const auto dropped = alerts_.restore_state(*alert_state, mono);
      restored = true;
      dispatched_state_ = *alert_state;
      log_->info("alert rules resumed: {} threads open{}", alerts_.open_threads().size(),
                 dropped > 0 ? fmt::format(", {} of rules now off dropped", dropped) : "");
    } catch (const std::runtime_error& e) {
      log_->error("alert state not resumed, threads start afresh: {}", e.what());
    }
  }
  try {
    IncidentQuery q;
    q.open_only = true;
    q.limit = 1;
    const auto open = incidents_.list(q);
    if (!open.empty()) {
      log_->info("continuing open incident {}", open.front().id);
      tracker_.resume(open.front());
      if (!restored) alerts_.resume(open.front(), mono);
    }
    if (restored) {
      // The incident store and the alert state are kept in two transactions: a stop between
      // them leaves a thread whose incident closed, or an open incident without a thread.
      std::vector<Incident> stored = open;
      for (const auto& id : alerts_.open_threads()) {
        if (!id.starts_with("INC-")) continue;
        if (auto inc = incidents_.get(id); inc && inc->closed) stored.push_back(std::move(*inc));
      }
      send(alerts_.reconcile(stored, mono));
    }
    // The measurements' states as they were recently: everything a stale-free board needs.
    read_rows(now - options_.tracker.stale_after - options_.lookback);
  } catch (const StoreError& e) {
    log_->error("incident start-up: {}", e.what());
  }
  dispatch();
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
    for (auto& n : alerts_.on_window(w)) queued_.push_back(std::move(n));
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

// Every change of the verdict, incident or not, with the data time it held from: how a
// verdict got where it is (debug level; the incident's history keeps only its own).
void IncidentMonitor::log_verdict_change() {
  if (!log_->should_log(spdlog::level::debug) || !tracker_.last_verdict()) return;
  auto summary = summarize(*tracker_.last_verdict()).summary;
  if (summary == logged_verdict_) return;
  log_->debug("verdict {} (held from {})", summary,
              shared::format_utc(tracker_.last_verdict_since()));
  logged_verdict_ = std::move(summary);
}

void IncidentMonitor::tick(shared::UtcNanos now, shared::MonoNanos mono) {
  (void)now;  // decisions follow data time (design.md "Time"), not the collector's clock
  try {
    const auto latest = tracker_.board().latest();
    read_rows(latest - options_.lookback);
    const auto at = tracker_.board().latest();
    if (at != shared::UtcNanos{}) {  // else nothing measured yet
      publish(tracker_.evaluate(at), mono);
      log_verdict_change();
      check_budget(at);
    }
  } catch (const StoreError& e) {
    log_->error("incident tick: {}", e.what());
  }
  send(alerts_.on_clock(mono));
  dispatch();
}

void IncidentMonitor::dispatch() {
  std::string state = alerts_.save_state();
  if (queued_.empty() && state == dispatched_state_) return;
  const bool kept = !submit_ || submit_(std::exchange(queued_, {}), state);
  queued_.clear();
  if (kept) dispatched_state_ = std::move(state);
}

namespace {

// The JST calendar month holding an instant (month boundaries are JST: design.md "Time").
std::chrono::year_month jst_year_month(shared::UtcNanos t) {
  const auto date = shared::to_jst(t).date;
  return {date.year(), date.month()};
}

}  // namespace

void IncidentMonitor::check_budget(shared::UtcNanos at) {
  if (!alerts_.config().budget_burned_percent || !analysis_ || analysis_->services.empty()) {
    return;
  }
  const auto previous = budget_checked_;
  if (previous && at - *previous < options_.budget_every) return;
  // Marked before reading: a failing store is retried next period, not every tick (each
  // check reads a month of rows).
  budget_checked_ = at;
  try {
    const auto month = jst_year_month(at);
    // The first check of a month also finishes the previous one: its last minutes after its
    // last check still count toward it (an outage at 23:58 on the 31st).
    if (previous && jst_year_month(*previous) != month) {
      const auto ended = jst_year_month(*previous);
      check_budget_month(ended, shared::jst_month(ended).end, at);
    }
    check_budget_month(month, at, at);
  } catch (const StoreError& e) {
    log_->error("SLA budget: {}", e.what());
  }
}

void IncidentMonitor::check_budget_month(std::chrono::year_month month, shared::UtcNanos until,
                                         shared::UtcNanos at) {
  // The month's figures as /v1/availability computes them; only the time before `until`
  // counts as burned.
  const auto bounds = shared::jst_month(month);
  const auto figures =
      stored_availability(store_, *analysis_, analysis_->services, {bounds.start, bounds.end});
  for (const auto& f : figures) {
    const BudgetBurn burn = budget_burned(f, until);
    for (auto& n :
         alerts_.on_budget(f.service, month, burn.percent, at, burn.burned, burn.budget)) {
      log_->info("notification {} {}: {:.1f} % of the month's error budget used ({} s of {} s)",
                 n.incident_id, notify::to_string(n.kind), burn.percent,
                 std::chrono::duration_cast<std::chrono::seconds>(burn.burned).count(),
                 std::chrono::duration_cast<std::chrono::seconds>(burn.budget).count());
      queued_.push_back(std::move(n));
    }
  }
}

void IncidentMonitor::publish(const Evaluation& ev, shared::MonoNanos mono) {
  for (const auto& u : ev.updates) {
    try {
      incidents_.save(u.incident);
    } catch (const StoreError& e) {
      // The tracker has moved on either way: the alert rules must still hear of it, or a
      // close would never reach them (and a held opening would go with no recovery after it).
      log_->error("incident {}: not saved: {}", u.incident.id, e.what());
    }
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
  send(alerts_.on_evaluation(ev, verdict, mono));
}

void IncidentMonitor::keep_notified(const notify::Notification& n) {
  try {
    if (tracker_.mark_notified(n)) {
      if (n.kind == notify::NotificationKind::kOpened) tracker_.mark_announced(n.incident_id);
      incidents_.save(*tracker_.open_incident());
    } else if (auto inc = incidents_.get(n.incident_id); inc && inc->closed) {
      // Released in the evaluation that closed it: the stored record takes it.
      mark_notified(*inc, n);
      if (n.kind == notify::NotificationKind::kOpened) inc->announced = true;
      incidents_.save(*inc);
    }
  } catch (const StoreError& e) {
    // Not fatal: after a restart the opened message would go once more, and the headline
    // would be the current verdict.
    log_->error("incident {}: notified, not saved: {}", n.incident_id, e.what());
  }
}

void IncidentMonitor::send(std::vector<notify::Notification> notifications) {
  for (auto& n : notifications) {
    log_->info("notification {} {}", n.incident_id, notify::to_string(n.kind));
    if (n.kind != notify::NotificationKind::kRecovered && n.incident_id.starts_with("INC-")) {
      keep_notified(n);
    }
    queued_.push_back(std::move(n));
  }
}

}  // namespace pathwatch::collector::incident
