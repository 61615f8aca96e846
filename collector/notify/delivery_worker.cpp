#include "collector/notify/delivery_worker.hpp"

#include <algorithm>
#include <optional>

#include "shared/logging/logging.hpp"

namespace pathwatch::collector::notify {
namespace {

std::vector<Notifier*> raw(const std::vector<NotifierPtr>& channels) {
  std::vector<Notifier*> out;
  for (const auto& c : channels) out.push_back(c.get());
  return out;
}

}  // namespace

DeliveryWorker::DeliveryWorker(std::vector<NotifierPtr> channels, RetryPolicy retry,
                               std::size_t capacity, const shared::Clock& clock, Journal journal)
    : channels_(std::move(channels)),
      clock_(clock),
      journal_(std::move(journal)),
      random_(std::random_device{}()),
      // The jitter draw runs under mutex_ (inside queue_ calls), so random_ needs no lock.
      queue_(raw(channels_), retry, capacity,
             [this] { return std::uniform_real_distribution<double>(0.0, 1.0)(random_); }) {}

DeliveryWorker::~DeliveryWorker() {
  stop();
}

void DeliveryWorker::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  stop_requested_ = false;
  thread_ = std::thread([this] { run(); });
}

void DeliveryWorker::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    stop_requested_ = true;
  }
  wake_.notify_all();
  thread_.join();
  std::unique_lock lock(mutex_);
  journal_finished(lock);
  const auto c = queue_.counters();
  if (c.pending > 0) {
    shared::component_logger("collector.notify")
        ->warn("stopping with {} notification deliveries not done", c.pending);
  }
}

std::uint64_t DeliveryWorker::submit(Notification notification,
                                     const std::vector<std::uint64_t>& outbox) {
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = queue_.enqueue(std::move(notification), clock_.mono_now(), outbox);
  }
  wake_.notify_one();
  return id;
}

std::uint64_t DeliveryWorker::resume(std::size_t channel, Notification notification,
                                     std::uint64_t outbox, shared::Nanos age) {
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = queue_.resume(channel, std::move(notification), outbox, clock_.mono_now(), age);
  }
  wake_.notify_one();
  return id;
}

std::size_t DeliveryWorker::unkept() const {
  std::lock_guard lock(mutex_);
  return queue_.unkept();
}

void DeliveryWorker::journal_finished(std::unique_lock<std::mutex>& lock) {
  auto finished = queue_.take_finished();
  if (finished.empty() || !journal_) return;
  lock.unlock();
  journal_(std::move(finished));
  lock.lock();
}

std::vector<DeliveryStatus> DeliveryWorker::status(std::uint64_t notification) const {
  std::lock_guard lock(mutex_);
  return queue_.status(notification);
}

DeliveryCounters DeliveryWorker::counters() const {
  std::lock_guard lock(mutex_);
  return queue_.counters();
}

bool DeliveryWorker::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, timeout, [this] { return queue_.idle(); });
}

void DeliveryWorker::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto due = queue_.take_due(clock_.mono_now());
    if (!due.empty()) {
      // Deliver without the lock: submit() must never wait for the network.
      // A stop waits for the delivery in progress only, not for the rest of the batch; a
      // channel that turned out unreachable is not tried again within the batch (its other
      // jobs wait for the queue's probe instead of each costing a timeout).
      std::vector<std::optional<DeliveryResult>> results(due.size());
      std::vector<shared::MonoNanos> ended(due.size());
      std::vector<const Notifier*> unreachable;
      lock.unlock();
      for (std::size_t i = 0; i < due.size() && !stop_requested_; ++i) {
        const Notifier* channel = due[i].channel;
        if (std::find(unreachable.begin(), unreachable.end(), channel) != unreachable.end()) {
          continue;
        }
        results[i] = due[i].channel->deliver(*due[i].notification);
        ended[i] = clock_.mono_now();
        if (results[i]->outcome == DeliveryOutcome::kRetry && !results[i]->answered) {
          unreachable.push_back(channel);
        }
      }
      lock.lock();
      for (std::size_t i = 0; i < due.size(); ++i) {
        if (results[i]) {
          queue_.report(due[i].job, *results[i], ended[i]);
        } else {
          queue_.release(due[i].job);
        }
      }
      journal_finished(lock);
      if (queue_.idle()) idle_.notify_all();
      continue;
    }
    journal_finished(lock);  // jobs dropped by submit() when the queue was full
    if (stopping_) break;
    const auto next = queue_.next_due();
    if (next) {
      wake_.wait_for(lock, *next - clock_.mono_now());
    } else {
      wake_.wait(lock);
    }
  }
}

}  // namespace pathwatch::collector::notify
