// The delivery bookkeeping: one job per (notification, channel), retried with backoff, in
// order within a thread, bounded (updates are dropped before opened/recovered), with counters
// and a status per job. Pure and
// single-threaded: time comes in as arguments, delivery happens through the Notifier the caller
// is handed (delivery_worker.hpp runs it on its own thread).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collector/notify/log_limiter.hpp"
#include "collector/notify/notifier.hpp"
#include "collector/notify/notify_config.hpp"
#include "shared/logging/logging.hpp"
#include "shared/time/time_types.hpp"

namespace pathwatch::collector::notify {

enum class DeliveryState : std::uint8_t {
  kPending,  // waiting for its first try or a retry (or being tried now)
  kSent,
  kFailed,   // gave up: attempts exhausted or a permanent error
  kDropped,  // pushed out of the full queue
};

const char* to_string(DeliveryState state);

struct DeliveryStatus {
  std::uint64_t notification = 0;  // id returned by enqueue()
  std::string incident_id;
  NotificationKind kind = NotificationKind::kOpened;
  std::string channel;
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  std::string last_error;
};

// Totals since start (for /metrics): every job ends in exactly one of sent, failed, dropped.
struct DeliveryCounters {
  std::uint64_t enqueued = 0;  // jobs (a notification times its channels)
  std::uint64_t attempts = 0;  // tries made
  std::uint64_t retries = 0;   // failed tries that will be tried again
  std::uint64_t sent = 0;
  std::uint64_t failed = 0;           // gave up
  std::uint64_t dropped_updates = 0;  // queue full: an `updated` job dropped
  std::uint64_t dropped_other = 0;    // queue full with no update left to drop
  std::size_t pending = 0;            // jobs not finished now
};

// The end of a kept job (one enqueued with an outbox row id), for the outbox to record:
// incident/notification_outbox.hpp. Jobs without a row id end unrecorded.
struct FinishedJob {
  std::uint64_t outbox = 0;
  DeliveryState state = DeliveryState::kSent;
  int attempts = 0;
  std::string error;
};

class DeliveryQueue {
 public:
  // `uniform01` draws the jitter (0..1); channels must outlive the queue.
  DeliveryQueue(std::vector<Notifier*> channels, RetryPolicy retry, std::size_t capacity,
                std::function<double()> uniform01, std::size_t history = 1024);

  // One job per channel, due now. Returns the notification's id (for status()). `outbox`:
  // the kept row of each channel's job (empty: not kept), reported by take_finished().
  std::uint64_t enqueue(Notification notification, shared::MonoNanos now,
                        const std::vector<std::uint64_t>& outbox = {});
  // One kept job from before a restart, for one channel (an index into the channels), due
  // now, behind every job already queued. Returns the notification's id.
  // `age`: how long ago it was decided (give_up_after counts from then, not the restart).
  std::uint64_t resume(std::size_t channel, Notification notification, std::uint64_t outbox,
                       shared::MonoNanos now, shared::Nanos age = {});
  // The kept jobs that ended (sent, failed, dropped) since the last call, in order.
  std::vector<FinishedJob> take_finished();

  struct Attempt {
    std::uint64_t job = 0;
    Notifier* channel = nullptr;
    std::shared_ptr<const Notification> notification;
  };
  // Jobs due at `now`, marked in flight (never dropped while in flight), oldest first.
  std::vector<Attempt> take_due(shared::MonoNanos now);
  // The outcome of one attempt from take_due().
  void report(std::uint64_t job, const DeliveryResult& result, shared::MonoNanos now);
  // An attempt from take_due() that was not made (the worker is stopping): waits again.
  void release(std::uint64_t job);
  // Jobs waiting that have no outbox row (the outbox could not be written).
  std::size_t unkept() const;
  // take_due + deliver + report, on the caller's thread. Returns the number of attempts.
  std::size_t run_due(shared::MonoNanos now);

  // The earliest due time of a job not in flight; nullopt when there is none.
  std::optional<shared::MonoNanos> next_due() const;
  bool idle() const { return jobs_.empty(); }

  // One entry per channel (active or recently finished); empty for an unknown or forgotten id.
  std::vector<DeliveryStatus> status(std::uint64_t notification) const;
  DeliveryCounters counters() const;

 private:
  struct Job {
    std::uint64_t id = 0;
    std::uint64_t notification = 0;
    std::size_t channel = 0;
    std::shared_ptr<const Notification> payload;
    std::uint64_t outbox = 0;  // kept row id; 0: not kept
    int attempts = 0;
    shared::MonoNanos queued{};  // for give_up_after
    shared::MonoNanos due{};
    bool in_flight = false;
    std::string last_error;
  };

  // A channel whose last try failed for a reason worth retrying is down: while it is, one job
  // at a time probes it, `retry_at` on (the others would only fail too and hammer the relay);
  // its first success makes every waiting job due again.
  struct ChannelHealth {
    int failures = 0;  // consecutive retryable failures; 0: up
    shared::MonoNanos retry_at{};
  };

  // The oldest job of each thread (incident id) on each channel, in enqueue order. Only these
  // are tried: a thread's messages arrive in order, so a recovered never overtakes its opened
  // while that one waits for a retry.
  std::vector<std::uint64_t> thread_heads() const;
  void add_job(std::size_t channel, std::uint64_t notification,
               std::shared_ptr<const Notification> payload, std::uint64_t outbox,
               shared::MonoNanos now);
  void make_room(NotificationKind incoming, bool& drop_incoming);
  void record_end(const Job& job, DeliveryState state);
  void finish(std::map<std::uint64_t, Job>::iterator it, DeliveryState state);
  DeliveryStatus to_status(const Job& job, DeliveryState state) const;
  void log_failure(const Job& job, const DeliveryResult& result, bool final, shared::MonoNanos now);

  std::vector<Notifier*> channels_;
  std::vector<LogLimiter> limiters_;   // one per channel
  std::vector<ChannelHealth> health_;  // one per channel
  RetryPolicy retry_;
  std::size_t capacity_;
  std::function<double()> uniform01_;
  std::size_t history_limit_;
  std::uint64_t next_notification_ = 1;
  std::uint64_t next_job_ = 1;
  std::map<std::uint64_t, Job> jobs_;  // by job id = enqueue order
  std::deque<DeliveryStatus> history_;
  std::vector<FinishedJob> finished_;  // kept jobs ended, not taken yet
  DeliveryCounters counters_;
  shared::LoggerPtr log_;
};

}  // namespace pathwatch::collector::notify
