// IncidentService: wires the incident store, the notification outbox, the delivery worker and
// the monitor.
#include "collector/incident/incident_service.hpp"

#include <map>

#include "collector/notify/notify_channels.hpp"
#include "collector/store/store.hpp"
#include "shared/logging/logging.hpp"

namespace pathwatch::collector::incident {

namespace {

// Ended outbox rows are kept this long (what was sent, and when), then pruned at start.
constexpr shared::Nanos kOutboxHistory = std::chrono::days{31};

// Outbox rows name their channel; two webhooks on one host share a name, so the second is
// "name#2" (stable while the config keeps them in order).
std::vector<std::string> channel_keys(const std::vector<std::string>& names) {
  std::map<std::string, int> seen;
  std::vector<std::string> out;
  for (const auto& n : names) {
    const int k = ++seen[n];
    out.push_back(k == 1 ? n : n + "#" + std::to_string(k));
  }
  return out;
}

}  // namespace

IncidentService::IncidentService(IncidentSetup setup, Store& store, const shared::Clock& clock)
    : setup_(std::move(setup)),
      store_(store),
      clock_(clock),
      log_(shared::component_logger("collector.incident")) {
  incidents_ = open_sqlite_incident_store(setup_.database, setup_.busy_timeout);
  outbox_ = open_sqlite_notification_outbox(setup_.database, setup_.busy_timeout);
  const auto pruned = outbox_->prune(clock.utc_now() - kOutboxHistory);
  if (pruned > 0) log_->info("notification outbox: {} rows older than 31 days pruned", pruned);
  start_delivery_and_monitor(channels_for(setup_));
}

IncidentService::~IncidentService() {
  if (worker_) worker_->stop();
}

void IncidentService::reconfigure(IncidentSetup setup) {
  auto channels = channels_for(setup);  // may throw: before anything running is touched
  std::lock_guard lock(mutex_);
  // Like a stop and a start: kept deliveries still waiting stay pending in the outbox and
  // go again on the new channels; the new monitor resumes from the kept alert state.
  if (worker_) worker_->stop();
  monitor_.reset();
  worker_.reset();
  channels_.clear();
  setup_.topology = std::move(setup.topology);
  setup_.alerts = std::move(setup.alerts);
  setup_.notify = std::move(setup.notify);
  start_delivery_and_monitor(std::move(channels));
}

void IncidentService::tick(shared::UtcNanos now) {
  std::lock_guard lock(mutex_);
  monitor_->tick(now, clock_.mono_now());
}

std::vector<notify::NotifierPtr> IncidentService::channels_for(const IncidentSetup& setup) const {
  if (!setup.notify) return {};
  return notify::make_notifiers(*setup.notify, clock_);
}

void IncidentService::start_delivery_and_monitor(std::vector<notify::NotifierPtr> channels) {
  if (setup_.notify) {
    worker_ = std::make_unique<notify::DeliveryWorker>(
        std::move(channels), setup_.notify->retry, setup_.notify->queue_capacity, clock_,
        [this](std::vector<notify::FinishedJob> ends) { record_ends(ends); });
    channels_ = channel_keys(worker_->channel_names());
  }
  replay_outbox();
  if (worker_) worker_->start();
  monitor_ = std::make_unique<IncidentMonitor>(
      store_, *incidents_, *setup_.topology, setup_.services, setup_.alerts, setup_.monitor,
      [this](std::vector<notify::Notification> ns, const std::string& state) {
        return keep_and_deliver(std::move(ns), state);
      },
      setup_.analysis);
  std::optional<std::string> state;
  try {
    state = outbox_->alert_state();
  } catch (const StoreError& e) {
    log_->error("alert state not read, threads start afresh: {}", e.what());
  }
  monitor_->start(clock_.utc_now(), clock_.mono_now(), state);
  log_->info("incidents: {} segments, {} measurements in the topology; notifications {}",
             setup_.topology->segments.size(), setup_.topology->measurements.size(),
             worker_ ? "on" : "off (no notify: section)");
}

void IncidentService::replay_outbox() {
  std::vector<notify::FinishedJob> orphans;
  std::size_t resumed = 0;
  std::vector<OutboxJob> pending;
  try {
    pending = outbox_->pending();
  } catch (const StoreError& e) {
    log_->error("notification outbox not read; its pending deliveries wait: {}", e.what());
  }
  for (auto& job : pending) {
    std::size_t channel = 0;
    while (channel < channels_.size() && channels_[channel] != job.channel) ++channel;
    if (channel == channels_.size()) {
      // Its channel is gone from notify: (or notify: is): nobody is left to send it to.
      orphans.push_back(
          {job.id, notify::DeliveryState::kFailed, 0, "channel no longer configured"});
      log_->warn("notification {} {} for {}: channel no longer configured, not sent",
                 job.notification.incident_id, notify::to_string(job.notification.kind),
                 job.channel);
      continue;
    }
    worker_->resume(channel, std::move(job.notification), job.id);
    ++resumed;
  }
  if (!orphans.empty()) record_ends(orphans);
  if (resumed > 0) log_->info("notification outbox: {} deliveries resumed", resumed);
}

bool IncidentService::keep_and_deliver(std::vector<notify::Notification> notifications,
                                       const std::string& alert_state) {
  std::vector<std::uint64_t> ids;
  bool kept = true;
  try {
    ids = outbox_->record(notifications, channels_, alert_state, clock_.utc_now());
  } catch (const StoreError& e) {
    // Deliver anyway: a full disk must not silence an outage. Only a restart before delivery
    // ends would lose these.
    kept = false;
    log_->error("notification outbox: {} notifications not kept (delivered from memory): {}",
                notifications.size(), e.what());
  }
  if (!worker_) return kept;
  const std::size_t per = channels_.size();
  for (std::size_t i = 0; i < notifications.size(); ++i) {
    std::vector<std::uint64_t> rows;
    if (kept) rows.assign(ids.begin() + i * per, ids.begin() + (i + 1) * per);
    worker_->submit(std::move(notifications[i]), rows);
  }
  return kept;
}

void IncidentService::record_ends(const std::vector<notify::FinishedJob>& ends) {
  try {
    outbox_->finish(ends, clock_.utc_now());
  } catch (const StoreError& e) {
    // Those rows stay pending and go once more after a restart (at least once).
    log_->error("notification outbox: {} delivery ends not recorded: {}", ends.size(), e.what());
  }
}

}  // namespace pathwatch::collector::incident
