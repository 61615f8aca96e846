// IncidentService: wires the incident store, the delivery worker and the monitor.
#include "collector/incident/incident_service.hpp"

#include "collector/notify/notify_channels.hpp"
#include "shared/logging/logging.hpp"

namespace pathwatch::collector::incident {

IncidentService::IncidentService(IncidentSetup setup, Store& store, const shared::Clock& clock)
    : setup_(std::move(setup)), clock_(clock) {
  auto log = shared::component_logger("collector.incident");
  incidents_ = open_sqlite_incident_store(setup_.database, setup_.busy_timeout);
  IncidentMonitor::Submit submit;
  if (setup_.notify) {
    worker_ = std::make_unique<notify::DeliveryWorker>(
        notify::make_notifiers(*setup_.notify, clock), setup_.notify->retry,
        setup_.notify->queue_capacity, clock);
    worker_->start();
    submit = [w = worker_.get()](notify::Notification n) { w->submit(std::move(n)); };
  }
  monitor_ = std::make_unique<IncidentMonitor>(store, *incidents_, *setup_.topology,
                                               setup_.services, setup_.alerts, setup_.monitor,
                                               std::move(submit), setup_.analysis);
  monitor_->start(clock.utc_now(), clock.mono_now());
  log->info("incidents: {} segments, {} measurements in the topology; notifications {}",
            setup_.topology->segments.size(), setup_.topology->measurements.size(),
            worker_ ? "on" : "off (no notify: section)");
}

IncidentService::~IncidentService() {
  if (worker_) worker_->stop();
}

}  // namespace pathwatch::collector::incident
