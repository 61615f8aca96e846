// The collector's incident loop: every tick it reads the rows ingest committed since the last
// one (state changes, route changes, windows), feeds the tracker and the alert rules, stores
// incident changes and hands notifications to the delivery queue; every few minutes of data
// time it also measures each service's error budget for the SLA rule. The only I/O around the
// pure tracker and alert engine.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collector/alert/alert_engine.hpp"
#include "collector/analysis/analysis_config.hpp"
#include "collector/incident/incident_store.hpp"
#include "collector/incident/incident_tracker.hpp"
#include "collector/store/store.hpp"
#include "shared/logging/logging.hpp"

namespace pathwatch::collector::incident {

struct MonitorOptions {
  TrackerOptions tracker;
  // Rows are read again from this far behind the newest data time seen: late rows (batches
  // committed out of order) within it are still used; older spooled data is history, for
  // availability, not for live incidents.
  shared::Nanos lookback = std::chrono::seconds{30};
  // The SLA budget rule's period, in data time: each service's availability for the month so
  // far is computed this often (it reads the month's rows, like /v1/availability).
  shared::Nanos budget_every = std::chrono::minutes{5};
};

class IncidentMonitor {
 public:
  // A tick's decisions, handed on once at its end: the notifications in order and the alert
  // rules' state after them (AlertEngine::save_state), so both can be kept in one transaction
  // (NotificationOutbox). Called when either changed. Returns whether they were kept; when
  // not, the next tick offers the state again.
  using Submit = std::function<bool(std::vector<notify::Notification> notifications,
                                    const std::string& alert_state)>;

  // All references must outlive the monitor. `submit` may be empty (no notify: section).
  // `analysis` (calendars, holidays, maintenance, services) feeds the SLA budget rule; null,
  // or no services in it, leaves that rule unfed.
  IncidentMonitor(Store& store, IncidentStore& incidents, const isolation::Topology& topology,
                  std::vector<ServiceSpec> services, alert::AlertConfig alerts,
                  MonitorOptions options, Submit submit, const AnalysisConfig* analysis = nullptr);

  // Start-up: resumes the incident still open in the store and reads the recent rows. `now`
  // and `mono` are the collector's clocks (decisions follow data time; `mono` only bounds how
  // long a held message waits when data time stops: AlertEngine::on_clock). `alert_state`:
  // the rules' state kept at the last tick (every thread goes on from it); without one, or
  // one that cannot be read, only the open incident's thread is resumed.
  void start(shared::UtcNanos now, shared::MonoNanos mono,
             const std::optional<std::string>& alert_state = std::nullopt);
  // Reads new rows and decides. Store errors are logged, never thrown (the next tick retries).
  void tick(shared::UtcNanos now, shared::MonoNanos mono);

  const IncidentTracker& tracker() const { return tracker_; }

 private:
  void read_rows(shared::UtcNanos from);
  void publish(const Evaluation& ev, shared::MonoNanos mono);
  // Logs and queues notifications; an incident's opened message marks it announced.
  void send(std::vector<notify::Notification> notifications);
  // A service incident's opened/updated message: its verdict becomes the notified one (and
  // an opening marks it announced), saved.
  void keep_notified(const notify::Notification& n);
  // Hands the queued notifications and the alert state on, when either changed.
  void dispatch();
  // Every budget_every of data time: the share of each service's monthly error budget used
  // so far → alert rule. Store errors are logged; the next period retries.
  void check_budget(shared::UtcNanos at);
  void log_verdict_change();
  // One month's figures, burned up to `until`, notifications stamped `at`. Throws StoreError.
  void check_budget_month(std::chrono::year_month month, shared::UtcNanos until,
                          shared::UtcNanos at);

  Store& store_;
  IncidentStore& incidents_;
  IncidentTracker tracker_;
  alert::AlertEngine alerts_;
  MonitorOptions options_;
  Submit submit_;
  const AnalysisConfig* analysis_;
  std::optional<shared::UtcNanos> budget_checked_;  // data time of the last budget check
  // Windows already given to the alert rules: (agent, seq) -> window end, within the lookback.
  std::map<std::pair<std::string, std::uint64_t>, shared::UtcNanos> windows_seen_;
  std::string logged_verdict_;                // the last verdict summary logged (debug)
  std::vector<notify::Notification> queued_;  // this tick's, not dispatched yet
  std::string dispatched_state_;              // the alert state handed on last
  shared::LoggerPtr log_;
};

}  // namespace pathwatch::collector::incident
