// CommitThread: a single worker with a one-slot mailbox in each direction.
#include "collector/ingest/commit_thread.hpp"

#include <cassert>
#include <utility>

namespace pathwatch::collector {

CommitThread::CommitThread(Store& store, std::function<void()> on_done)
    : store_(store), on_done_(std::move(on_done)), thread_([this] { run(); }) {}

CommitThread::~CommitThread() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void CommitThread::start(const CommitBatch& batch) {
  {
    std::lock_guard lock(mutex_);
    assert(!committing_ && pending_ == nullptr && !done_);
    pending_ = &batch;
    committing_ = true;
  }
  wake_.notify_all();
}

std::optional<CommitResult> CommitThread::result(bool wait) {
  std::unique_lock lock(mutex_);
  if (wait) wake_.wait(lock, [this] { return done_.has_value() || !committing_; });
  if (!done_) return std::nullopt;
  std::optional<CommitResult> r = std::move(done_);
  done_.reset();
  return r;
}

bool CommitThread::busy() const {
  std::lock_guard lock(mutex_);
  return committing_;
}

void CommitThread::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    // A started commit finishes even when stopping: its batch's owner waits for the result.
    wake_.wait(lock, [this] { return stop_ || pending_ != nullptr; });
    if (pending_ == nullptr) return;
    const CommitBatch* batch = std::exchange(pending_, nullptr);
    lock.unlock();
    CommitResult r = store_.commit(*batch);  // never throws
    lock.lock();
    done_ = std::move(r);
    committing_ = false;
    wake_.notify_all();
    if (on_done_) {
      lock.unlock();
      on_done_();
      lock.lock();
    }
  }
}

}  // namespace pathwatch::collector
