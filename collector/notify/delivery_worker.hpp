// Runs the delivery queue on its own thread so the collector's ingest never waits for a mail
// relay or a webhook: submit() only takes a short lock; the thread sleeps until the next due
// job or a new submission.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "collector/notify/delivery_queue.hpp"
#include "collector/notify/notifier.hpp"
#include "collector/notify/notify_config.hpp"
#include "shared/time/clock.hpp"

namespace pathwatch::collector::notify {

class DeliveryWorker {
 public:
  DeliveryWorker(std::vector<NotifierPtr> channels, RetryPolicy retry, std::size_t capacity,
                 const shared::Clock& clock);
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  void start();
  // Stops after the attempts in progress (bounded by the channels' timeouts); jobs still
  // waiting are logged and abandoned.
  void stop();

  // Queues the notification for every channel; never blocks on I/O. Returns its id.
  std::uint64_t submit(Notification notification);
  std::vector<DeliveryStatus> status(std::uint64_t notification) const;
  DeliveryCounters counters() const;
  // For tools and tests: true when every job has finished before the timeout.
  bool wait_idle(std::chrono::milliseconds timeout);

 private:
  void run();

  std::vector<NotifierPtr> channels_;
  const shared::Clock& clock_;
  std::mt19937_64 random_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  DeliveryQueue queue_;  // guarded by mutex_
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace pathwatch::collector::notify
