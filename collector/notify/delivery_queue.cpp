#include "collector/notify/delivery_queue.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string_view>
#include <utility>

#include "collector/notify/retry_backoff.hpp"

namespace pathwatch::collector::notify {
namespace {

constexpr shared::Nanos kLogInterval = std::chrono::minutes(1);
// The backoff cap of a message the server answered with a retryable error (HTTP 500, SMTP 4xx).
constexpr shared::Nanos kAnsweredRetryCap = std::chrono::minutes(5);

}  // namespace

const char* to_string(DeliveryState state) {
  switch (state) {
    case DeliveryState::kPending:
      return "pending";
    case DeliveryState::kSent:
      return "sent";
    case DeliveryState::kFailed:
      return "failed";
    case DeliveryState::kDropped:
      return "dropped";
  }
  return "?";
}

DeliveryQueue::DeliveryQueue(std::vector<Notifier*> channels, RetryPolicy retry,
                             std::size_t capacity, std::function<double()> uniform01,
                             std::size_t history)
    : channels_(std::move(channels)),
      limiters_(channels_.size(), LogLimiter(kLogInterval)),
      health_(channels_.size()),
      retry_(retry),
      capacity_(capacity == 0 ? 1 : capacity),
      uniform01_(std::move(uniform01)),
      history_limit_(history),
      log_(shared::component_logger("collector.notify")) {}

std::uint64_t DeliveryQueue::enqueue(Notification notification, shared::MonoNanos now,
                                     const std::vector<std::uint64_t>& outbox) {
  const std::uint64_t id = next_notification_++;
  auto payload = std::make_shared<const Notification>(std::move(notification));
  for (std::size_t c = 0; c < channels_.size(); ++c) {
    add_job(c, id, payload, c < outbox.size() ? outbox[c] : 0, now);
  }
  return id;
}

std::uint64_t DeliveryQueue::resume(std::size_t channel, Notification notification,
                                    std::uint64_t outbox, shared::MonoNanos now,
                                    shared::Nanos age) {
  const std::uint64_t id = next_notification_++;
  add_job(channel, id, std::make_shared<const Notification>(std::move(notification)), outbox, now);
  if (auto it = jobs_.rbegin(); it != jobs_.rend() && it->second.notification == id) {
    it->second.queued = now - std::max(age, shared::Nanos{});
  }
  return id;
}

void DeliveryQueue::add_job(std::size_t channel, std::uint64_t notification,
                            std::shared_ptr<const Notification> payload, std::uint64_t outbox,
                            shared::MonoNanos now) {
  ++counters_.enqueued;
  Job job;
  job.id = next_job_++;
  job.notification = notification;
  job.channel = channel;
  job.payload = std::move(payload);
  job.outbox = outbox;
  job.queued = now;
  job.due = now;
  bool drop_incoming = false;
  if (jobs_.size() >= capacity_) make_room(job.payload->kind, drop_incoming);
  if (drop_incoming) {
    if (job.payload->kind == NotificationKind::kUpdated) {
      ++counters_.dropped_updates;
    } else {
      ++counters_.dropped_other;
    }
    history_.push_back(to_status(job, DeliveryState::kDropped));
    if (history_.size() > history_limit_) history_.pop_front();
    record_end(job, DeliveryState::kDropped);
    return;
  }
  jobs_.emplace(job.id, std::move(job));
}

// Updates are superseded by the next update or the recovery, so they go first; an opened or
// recovered message is the one people act on, so it is dropped only when nothing else can be.
void DeliveryQueue::make_room(NotificationKind incoming, bool& drop_incoming) {
  auto victim = jobs_.end();
  for (auto it = jobs_.begin(); it != jobs_.end(); ++it) {
    if (!it->second.in_flight && it->second.payload->kind == NotificationKind::kUpdated) {
      victim = it;
      break;
    }
  }
  if (victim == jobs_.end() && incoming == NotificationKind::kUpdated) {
    drop_incoming = true;
    return;
  }
  if (victim == jobs_.end()) {
    for (auto it = jobs_.begin(); it != jobs_.end(); ++it) {
      if (!it->second.in_flight) {
        victim = it;
        break;
      }
    }
  }
  if (victim == jobs_.end()) {  // everything is in flight: nothing to push out
    drop_incoming = true;
    return;
  }
  if (victim->second.payload->kind == NotificationKind::kUpdated) {
    ++counters_.dropped_updates;
  } else {
    ++counters_.dropped_other;
  }
  log_->warn("notification queue full ({} jobs): dropped {} of incident {} for {}", capacity_,
             to_string(victim->second.payload->kind), victim->second.payload->incident_id,
             channels_[victim->second.channel]->name());
  finish(victim, DeliveryState::kDropped);
}

std::vector<std::uint64_t> DeliveryQueue::thread_heads() const {
  std::set<std::pair<std::size_t, std::string_view>> seen;  // views into the jobs' payloads
  std::vector<std::uint64_t> heads;
  for (const auto& [id, job] : jobs_) {  // in enqueue order
    if (seen.emplace(job.channel, job.payload->incident_id).second) heads.push_back(id);
  }
  return heads;
}

std::vector<DeliveryQueue::Attempt> DeliveryQueue::take_due(shared::MonoNanos now) {
  // A down channel is probed by one job at a time: none while one is in flight.
  std::vector<bool> probing(channels_.size(), false);
  for (const auto& [id, job] : jobs_) {
    if (job.in_flight) probing[job.channel] = true;
  }
  std::vector<Attempt> due;
  for (const auto id : thread_heads()) {
    Job& job = jobs_.at(id);
    if (job.in_flight || job.due > now) continue;
    const ChannelHealth& health = health_[job.channel];
    if (health.failures > 0) {
      if (probing[job.channel] || health.retry_at > now) continue;
      probing[job.channel] = true;
    }
    job.in_flight = true;
    due.push_back(Attempt{id, channels_[job.channel], job.payload});
  }
  return due;
}

void DeliveryQueue::report(std::uint64_t job_id, const DeliveryResult& result,
                           shared::MonoNanos now) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return;
  Job& job = it->second;
  job.in_flight = false;
  ++job.attempts;
  ++counters_.attempts;
  ChannelHealth& health = health_[job.channel];
  if (result.outcome == DeliveryOutcome::kSent) {
    ++counters_.sent;
    if (health.failures > 0) {
      // Up again: every waiting job of the channel may go now, whatever its own backoff.
      for (auto& [other_id, other] : jobs_) {
        if (other.channel == job.channel) other.due = std::min(other.due, now);
      }
    }
    health.failures = 0;
    job.last_error.clear();
    finish(it, DeliveryState::kSent);
    return;
  }
  job.last_error = result.error;
  const bool final = result.outcome == DeliveryOutcome::kPermanent ||
                     (retry_.attempts > 0 && job.attempts >= retry_.attempts) ||
                     now - job.queued >= retry_.give_up_after;
  // A server that answered with a retryable error refuses this message, not the channel:
  // that job alone waits, on a longer backoff (a bad payload is not retried every 3 s).
  RetryPolicy own = retry_;
  if (result.answered) own.max_backoff = std::max(own.max_backoff, kAnsweredRetryCap);
  const auto delay = retry_delay(own, job.attempts, uniform01_());
  if (result.outcome == DeliveryOutcome::kRetry && !result.answered) {
    // The channel's next probe: backoff by the channel's run of failures, so a relay away
    // for hours is still tried every max_backoff, and a job that joins late waits no longer.
    ++health.failures;
    health.retry_at = now + retry_delay(retry_, health.failures, uniform01_());
  }
  log_failure(job, result, final, now);
  if (final) {
    ++counters_.failed;
    finish(it, DeliveryState::kFailed);
    return;
  }
  ++counters_.retries;
  job.due = now + delay;
}

void DeliveryQueue::release(std::uint64_t job_id) {
  if (auto it = jobs_.find(job_id); it != jobs_.end()) it->second.in_flight = false;
}

std::size_t DeliveryQueue::unkept() const {
  std::size_t n = 0;
  for (const auto& [id, job] : jobs_) n += job.outbox == 0 ? 1 : 0;
  return n;
}

std::size_t DeliveryQueue::run_due(shared::MonoNanos now) {
  auto due = take_due(now);
  for (const auto& a : due) report(a.job, a.channel->deliver(*a.notification), now);
  return due.size();
}

std::optional<shared::MonoNanos> DeliveryQueue::next_due() const {
  std::optional<shared::MonoNanos> next;
  for (const auto id : thread_heads()) {
    const Job& job = jobs_.at(id);
    if (job.in_flight) continue;
    const ChannelHealth& health = health_[job.channel];
    const auto due = health.failures > 0 ? std::max(job.due, health.retry_at) : job.due;
    if (!next || due < *next) next = due;
  }
  return next;
}

void DeliveryQueue::finish(std::map<std::uint64_t, Job>::iterator it, DeliveryState state) {
  record_end(it->second, state);
  history_.push_back(to_status(it->second, state));
  if (history_.size() > history_limit_) history_.pop_front();
  jobs_.erase(it);
}

void DeliveryQueue::record_end(const Job& job, DeliveryState state) {
  if (job.outbox != 0) finished_.push_back({job.outbox, state, job.attempts, job.last_error});
}

std::vector<FinishedJob> DeliveryQueue::take_finished() {
  return std::exchange(finished_, {});
}

DeliveryStatus DeliveryQueue::to_status(const Job& job, DeliveryState state) const {
  return DeliveryStatus{job.notification,
                        job.payload->incident_id,
                        job.payload->kind,
                        channels_[job.channel]->name(),
                        state,
                        job.attempts,
                        job.last_error};
}

void DeliveryQueue::log_failure(const Job& job, const DeliveryResult& result, bool final,
                                shared::MonoNanos now) {
  const auto allowed = limiters_[job.channel].allow(now);
  if (!allowed) return;
  const std::string suppressed =
      *allowed > 0 ? " (" + std::to_string(*allowed) + " similar messages suppressed)" : "";
  if (final) {
    log_->error("{}: {} of incident {} failed after {} attempt(s), giving up: {}{}",
                channels_[job.channel]->name(), to_string(job.payload->kind),
                job.payload->incident_id, job.attempts, result.error, suppressed);
  } else {
    const std::string of =
        retry_.attempts > 0 ? fmt::format(" of {}", retry_.attempts) : std::string{};
    log_->warn("{}: {} of incident {} failed (attempt {}{}), will retry: {}{}",
               channels_[job.channel]->name(), to_string(job.payload->kind),
               job.payload->incident_id, job.attempts, of, result.error, suppressed);
  }
}

std::vector<DeliveryStatus> DeliveryQueue::status(std::uint64_t notification) const {
  std::vector<DeliveryStatus> out;
  for (const auto& [id, job] : jobs_) {
    if (job.notification == notification) out.push_back(to_status(job, DeliveryState::kPending));
  }
  for (const auto& s : history_) {
    if (s.notification == notification) out.push_back(s);
  }
  return out;
}

DeliveryCounters DeliveryQueue::counters() const {
  DeliveryCounters c = counters_;
  c.pending = jobs_.size();
  return c;
}

}  // namespace pathwatch::collector::notify
