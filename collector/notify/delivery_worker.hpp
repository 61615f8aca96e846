// Runs the delivery queue on its own thread so the collector's ingest never waits for a mail
// relay or a webhook: submit() only takes a short lock; the thread sleeps until the next due
// job or a new submission.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "collector/notify/delivery_queue.hpp"
#include "collector/notify/notifier.hpp"
#include "collector/notify/notify_config.hpp"
#include "shared/time/clock.hpp"

namespace pathwatch::collector::notify {

class DeliveryWorker {
 public:
  // Told of every kept job's end (sent, failed, dropped), on the delivery thread, never
  // under the queue's lock: the outbox marks its rows (incident/notification_outbox.hpp).
  using Journal = std::function<void(std::vector<FinishedJob>)>;

  DeliveryWorker(std::vector<NotifierPtr> channels, RetryPolicy retry, std::size_t capacity,
                 const shared::Clock& clock, Journal journal = {});
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  void start();
  // Stops after the attempts in progress (bounded by the channels' timeouts); jobs still
  // waiting are logged and abandoned.
  void stop();

  // Queues the notification for every channel; never blocks on I/O. Returns its id.
  // `outbox`: each channel's kept row id (DeliveryQueue::enqueue).
  std::uint64_t submit(Notification notification, const std::vector<std::uint64_t>& outbox = {});
  // A kept job from before a restart, for one channel (DeliveryQueue::resume).
  std::uint64_t resume(std::size_t channel, Notification notification, std::uint64_t outbox,
                       shared::Nanos age = {});
  // Jobs waiting that no outbox row keeps (DeliveryQueue::unkept).
  std::size_t unkept() const;
  std::vector<DeliveryStatus> status(std::uint64_t notification) const;
  DeliveryCounters counters() const;
  // For tools and tests: true when every job has finished before the timeout.
  bool wait_idle(std::chrono::milliseconds timeout);

 private:
  void run();
  // Hands the kept jobs that ended to the journal; called with `lock` held, returns with it.
  void journal_finished(std::unique_lock<std::mutex>& lock);

  std::vector<NotifierPtr> channels_;
  const shared::Clock& clock_;
  Journal journal_;
  std::mt19937_64 random_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  DeliveryQueue queue_;  // guarded by mutex_
  bool stopping_ = false;
  std::atomic<bool> stop_requested_{false};  // read between the deliveries of one batch
  std::thread thread_;
};

}  // namespace pathwatch::collector::notify
