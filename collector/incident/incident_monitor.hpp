// The collector's incident loop: every tick it reads the rows ingest committed since the last
// one (state changes, route changes, windows), feeds the tracker and the alert rules, stores
// incident changes and hands notifications to the delivery queue. The only I/O around the
// pure tracker and alert engine.
#pragma once

#include <functional>
#include <map>
#include <utility>

#include "collector/alert/alert_engine.hpp"
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
};

class IncidentMonitor {
 public:
  using Submit = std::function<void(notify::Notification)>;

  // All references must outlive the monitor. `submit` may be empty (no notify: section).
  IncidentMonitor(Store& store, IncidentStore& incidents, const isolation::Topology& topology,
                  std::vector<ServiceSpec> services, alert::AlertConfig alerts,
                  MonitorOptions options, Submit submit);

  // Start-up: resumes the incident still open in the store and reads the recent rows.
  void start(shared::UtcNanos now);
  // Reads new rows and decides. Store errors are logged, never thrown (the next tick retries).
  void tick(shared::UtcNanos now);

  const IncidentTracker& tracker() const { return tracker_; }

 private:
  void read_rows(shared::UtcNanos from);
  void publish(const Evaluation& ev);

  Store& store_;
  IncidentStore& incidents_;
  IncidentTracker tracker_;
  alert::AlertEngine alerts_;
  MonitorOptions options_;
  Submit submit_;
  // Windows already given to the alert rules: (agent, seq) -> window end, within the lookback.
  std::map<std::pair<std::string, std::uint64_t>, shared::UtcNanos> windows_seen_;
  shared::LoggerPtr log_;
};

}  // namespace pathwatch::collector::incident
