// IncidentService: wires the incident store, the notification outbox, the delivery worker and
// the monitor.
#include "collector/incident/incident_service.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "collector/notify/notify_channels.hpp"
#include "collector/store/store.hpp"
#include "shared/logging/logging.hpp"
#include "shared/security/api_token.hpp"

namespace pathwatch::collector::incident {

namespace {

// Ended outbox rows are kept this long (what was sent, and when), then pruned at start.
constexpr shared::Nanos kOutboxHistory = std::chrono::days{31};

// Outbox rows name their channel by what it is, not by its place or its log name: the e-mail
// channel is "email" (a new relay URL still sends the mails waiting), a webhook is its URL's
// digest (reordered webhooks keep their rows; a new URL is a new channel). Same order as
// notify::make_notifiers.
std::vector<std::string> channel_keys(const std::optional<notify::NotifyConfig>& notify) {
  std::vector<std::string> out;
  if (!notify) return out;
  if (notify->email) out.push_back("email");
  for (const auto& w : notify->webhooks) {
    out.push_back("webhook:" + shared::digest_hex(shared::api_token_digest(w.url)).substr(0, 16));
  }
  return out;
}

constexpr shared::Nanos kNotKeptLogInterval = std::chrono::minutes{1};

}  // namespace

IncidentService::IncidentService(IncidentSetup setup, Store& store, const shared::Clock& clock)
    : setup_(std::move(setup)),
      store_(store),
      clock_(clock),
      log_(shared::component_logger("collector.incident")),
      not_kept_log_(kNotKeptLogInterval) {
  incidents_ = open_sqlite_incident_store(setup_.database, setup_.busy_timeout);
  outbox_ = open_sqlite_notification_outbox(setup_.database, setup_.busy_timeout);
  prune_outbox(clock.utc_now());
  start_delivery_and_monitor(channels_for(setup_));
}

void IncidentService::prune_outbox(shared::UtcNanos now) {
  try {
    const auto pruned = outbox_->prune(now - kOutboxHistory);
    if (pruned > 0) log_->info("notification outbox: {} rows older than 31 days pruned", pruned);
  } catch (const StoreError& e) {
    log_->error("notification outbox not pruned: {}", e.what());
  }
}

IncidentService::~IncidentService() {
  if (worker_) worker_->stop();
}

void IncidentService::reconfigure(IncidentSetup setup) {
  auto channels = channels_for(setup);  // may throw: before anything running is touched
  std::unique_ptr<notify::DeliveryWorker> old;
  {
    std::lock_guard lock(mutex_);
    // A message the outbox could not keep lives only in this worker: refuse rather than
    // lose it (reload again once it is delivered or the disk has room).
    if (worker_ && worker_->unkept() > 0) {
      throw std::runtime_error(
          fmt::format("{} notifications that the outbox could not keep are still being delivered; "
                      "the incident keys are not reloaded now (reload again later)",
                      worker_->unkept()));
    }
    old = std::move(worker_);
  }
  // Stopped outside the lock, so ticks go on meanwhile (the stop waits for the one delivery
  // in progress at most). What they decide is kept as pending rows, which the new worker
  // picks up below; without a worker they are only kept.
  if (old) old->stop();
  std::lock_guard lock(mutex_);
  monitor_.reset();
  old.reset();
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
    channels_ = channel_keys(setup_.notify);
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
  const auto give_up_after =
      setup_.notify ? setup_.notify->retry.give_up_after : notify::RetryPolicy{}.give_up_after;
  std::size_t waiting = 0;
  for (auto& job : pending) {
    std::size_t channel = 0;
    while (channel < channels_.size() && channels_[channel] != job.channel) ++channel;
    if (channel == channels_.size()) {
      // Its channel is not configured now (a webhook URL changed, notify: removed): it waits
      // for the channel to come back, until its time to give up.
      if (clock_.utc_now() - job.decided < give_up_after) {
        ++waiting;
        continue;
      }
      orphans.push_back(
          {job.id, notify::DeliveryState::kFailed, 0, "channel no longer configured"});
      log_->warn("notification {} {} for {}: channel no longer configured, given up",
                 job.notification.incident_id, notify::to_string(job.notification.kind),
                 job.channel);
      continue;
    }
    worker_->resume(channel, std::move(job.notification), job.id, clock_.utc_now() - job.decided);
    ++resumed;
  }
  if (!orphans.empty()) record_ends(orphans);
  if (resumed > 0) log_->info("notification outbox: {} deliveries resumed", resumed);
  if (waiting > 0) {
    log_->warn("notification outbox: {} deliveries wait for a channel not configured now", waiting);
  }
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
    if (const auto suppressed = not_kept_log_.allow(clock_.mono_now())) {
      log_->error(
          "notification outbox: {} notifications not kept (delivered from memory): {}{}",
          notifications.size(), e.what(),
          *suppressed > 0 ? fmt::format(" ({} similar lines suppressed)", *suppressed) : "");
    }
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
