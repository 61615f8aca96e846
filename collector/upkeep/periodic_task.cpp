// PeriodicTask: a condition-variable wait between runs, so stop() never waits out a period.
#include "collector/upkeep/periodic_task.hpp"

#include <exception>

namespace pathwatch::collector {

PeriodicTask::PeriodicTask(std::string name, std::chrono::milliseconds every, Job job)
    : name_(std::move(name)),
      every_(every),
      job_(std::move(job)),
      log_(shared::component_logger("collector.upkeep")) {}

PeriodicTask::~PeriodicTask() {
  stop();
}

void PeriodicTask::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { loop(); });
}

void PeriodicTask::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::uint64_t PeriodicTask::runs() const {
  std::lock_guard lock(mutex_);
  return runs_;
}

void PeriodicTask::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      job_();
    } catch (const std::exception& e) {
      // The collector keeps ingesting whatever upkeep does; the next run tries again.
      log_->error("{}: {}", name_, e.what());
    }
    lock.lock();
    ++runs_;
    wake_.notify_all();
    wake_.wait_for(lock, every_, [this] { return stopping_; });
  }
}

}  // namespace pathwatch::collector
