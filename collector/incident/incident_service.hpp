// The collector's start-up step for incidents and alerts: the incident store (in the
// collector's database file), the notification delivery worker (when `notify:` is set) and
// the monitor, owned together; the run loop calls tick() and the teardown drops it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collector/alert/alert_config.hpp"
#include "collector/incident/incident_monitor.hpp"
#include "collector/incident/incident_store.hpp"
#include "collector/isolation/topology.hpp"
#include "collector/notify/delivery_worker.hpp"
#include "collector/notify/notify_config.hpp"
#include "shared/time/clock.hpp"

namespace pathwatch::collector::incident {

struct IncidentSetup {
  std::shared_ptr<const isolation::Topology> topology;  // required
  std::vector<ServiceSpec> services;
  // Calendars, holidays, maintenance and services for the SLA budget rule (null: not fed).
  // Must outlive the service.
  const AnalysisConfig* analysis = nullptr;
  alert::AlertConfig alerts;
  std::optional<notify::NotifyConfig> notify;  // nullopt: incidents are stored, not sent
  std::string database;
  std::chrono::milliseconds busy_timeout{5000};
  MonitorOptions monitor;
};

class IncidentService {
 public:
  // Opens the incident store, starts the delivery thread, resumes an open incident.
  // Throws StoreError (store) or shared::ConfigError (channels).
  IncidentService(IncidentSetup setup, Store& store, const shared::Clock& clock);
  ~IncidentService();  // stops the delivery thread (attempts in progress finish first)
  IncidentService(const IncidentService&) = delete;
  IncidentService& operator=(const IncidentService&) = delete;

  void tick(shared::UtcNanos now) { monitor_->tick(now, clock_.mono_now()); }
  IncidentStore& incidents() { return *incidents_; }

 private:
  IncidentSetup setup_;
  const shared::Clock& clock_;
  IncidentStorePtr incidents_;
  std::unique_ptr<notify::DeliveryWorker> worker_;
  std::unique_ptr<IncidentMonitor> monitor_;
};

}  // namespace pathwatch::collector::incident
