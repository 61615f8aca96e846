// One job run again and again on its own thread, `every` apart: the collector's upkeep (incident
// tick, SLA budget, retention) lives here so the ingest thread only ingests and acks never wait
// for a month's availability or a large delete (issue 16 item 5).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "shared/logging/logging.hpp"

namespace pathwatch::collector {

class PeriodicTask {
 public:
  using Job = std::function<void()>;

  // `job` runs at once after start(), then `every` after each run ended (a slow run delays the
  // next one instead of piling runs up). An exception a run throws is logged, never fatal.
  PeriodicTask(std::string name, std::chrono::milliseconds every, Job job);
  ~PeriodicTask();  // stop()
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void start();
  // Wakes the thread at once and waits for a run in progress to finish. Idempotent.
  void stop();
  // Runs completed so far (readable from any thread).
  std::uint64_t runs() const;

 private:
  void loop();

  std::string name_;
  std::chrono::milliseconds every_;
  Job job_;
  shared::LoggerPtr log_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::uint64_t runs_ = 0;
  std::thread thread_;
};

}  // namespace pathwatch::collector
