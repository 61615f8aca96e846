// The collector's start-up step for incidents and alerts: the incident store (in the
// collector's database file), the notification delivery worker (when `notify:` is set) and
// the monitor, owned together; the run loop calls tick() and the teardown drops it.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "collector/alert/alert_config.hpp"
#include "collector/incident/incident_monitor.hpp"
#include "collector/incident/incident_store.hpp"
#include "collector/incident/notification_outbox.hpp"
#include "collector/isolation/topology.hpp"
#include "collector/notify/delivery_worker.hpp"
#include "collector/notify/log_limiter.hpp"
#include "collector/notify/notify_config.hpp"
#include "shared/logging/logging.hpp"
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
  // Opens the incident store and the notification outbox, resumes the deliveries still
  // pending and the alert threads (notification_outbox.hpp), starts the delivery thread.
  // Throws StoreError (store) or shared::ConfigError (channels).
  IncidentService(IncidentSetup setup, Store& store, const shared::Clock& clock);
  ~IncidentService();  // stops the delivery thread (attempts in progress finish first)
  IncidentService(const IncidentService&) = delete;
  IncidentService& operator=(const IncidentService&) = delete;

  void tick(shared::UtcNanos now);
  // Deletes ended outbox rows older than 31 days (start-up and the retention task).
  void prune_outbox(shared::UtcNanos now);
  // SIGHUP: new topology, alert rules and channels (the rest of `setup` is kept). Stops the
  // delivery thread (the attempt in progress finishes) and starts anew from the kept state,
  // as a restart would. Throws shared::ConfigError (channels), or std::runtime_error while
  // notifications the outbox could not keep wait (they would be lost); nothing changes then.
  void reconfigure(IncidentSetup setup);
  IncidentStore& incidents() { return *incidents_; }

 private:
  // The channels `setup` names (none without notify:). Throws shared::ConfigError.
  std::vector<notify::NotifierPtr> channels_for(const IncidentSetup& setup) const;
  // The delivery worker (with notify:) and the monitor, from setup_ and the kept state.
  void start_delivery_and_monitor(std::vector<notify::NotifierPtr> channels);
  // Queues the outbox's pending rows on the channels that still exist, oldest first.
  void replay_outbox();
  // The monitor's Submit: keeps the tick's notifications and alert state, then delivers.
  bool keep_and_deliver(std::vector<notify::Notification> notifications,
                        const std::string& alert_state);
  // Marks delivery ends in the outbox (the delivery thread's journal).
  void record_ends(const std::vector<notify::FinishedJob>& ends);

  std::mutex mutex_;  // tick() and reconfigure()
  IncidentSetup setup_;
  Store& store_;
  const shared::Clock& clock_;
  shared::LoggerPtr log_;
  notify::LogLimiter not_kept_log_;  // a full disk fails every tick: one line a minute
  IncidentStorePtr incidents_;
  NotificationOutboxPtr outbox_;
  std::vector<std::string> channels_;  // outbox keys of the worker's channels, in order
  std::unique_ptr<notify::DeliveryWorker> worker_;
  std::unique_ptr<IncidentMonitor> monitor_;
};

}  // namespace pathwatch::collector::incident
