// Runs Store::commit on a thread of its own, one batch at a time, so the ingest thread can
// decode and validate the next batch meanwhile (the two halves of ingest take similar CPU).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "collector/store/store.hpp"

namespace pathwatch::collector {

class CommitThread {
 public:
  // `on_done` (optional) runs on the commit thread after each commit, e.g. to wake a poll loop.
  explicit CommitThread(Store& store, std::function<void()> on_done = {});
  ~CommitThread();  // waits for a commit in progress, then joins
  CommitThread(const CommitThread&) = delete;
  CommitThread& operator=(const CommitThread&) = delete;

  // Starts committing `batch`, which must stay alive and unchanged until result() returned it.
  // Precondition: no commit in progress (IngestPipeline keeps at most one in flight).
  void start(const CommitBatch& batch);
  // The result of the started commit, once done; wait = true blocks until then.
  std::optional<CommitResult> result(bool wait);
  bool busy() const;

 private:
  void run();

  Store& store_;
  std::function<void()> on_done_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  const CommitBatch* pending_ = nullptr;  // guarded by mutex_
  std::optional<CommitResult> done_;      // guarded by mutex_
  bool committing_ = false;               // guarded by mutex_
  bool stop_ = false;                     // guarded by mutex_
  std::thread thread_;                    // last: starts after the members it reads
};

}  // namespace pathwatch::collector
