// The in-memory Outbox: a bounded queue in seq order. On overflow it drops the oldest
// summary among the oldest entries (events are worth more: the collector's availability
// figures come from state changes), and tallies every drop for a DropReport.
#pragma once

#include <deque>

#include "agent/publish/outbox.hpp"

namespace pathwatch::agent {

class MemoryOutbox final : public Outbox {
 public:
  MemoryOutbox(std::uint64_t max_bytes, std::uint64_t max_messages);

  void push(OutboxEntry entry) override;
  void ack(std::uint64_t through_seq) override;
  const OutboxEntry* next_after(std::uint64_t seq) const override;
  std::uint64_t messages() const override { return entries_.size(); }
  std::uint64_t bytes() const override { return bytes_; }
  std::uint64_t drops_pending() const override { return drops_.messages(); }
  DropTally take_drops() override;

  // What take_drops() would return, left in place.
  const DropTally& pending_drops() const { return drops_; }
  // What is queued now, as a tally (what a crash would lose).
  DropTally contents() const;

 private:
  void drop_one();
  void count(const OutboxEntry& e, int delta);

  std::uint64_t max_bytes_;
  std::uint64_t max_messages_;
  std::deque<OutboxEntry> entries_;
  std::uint64_t bytes_ = 0;
  std::uint64_t summaries_ = 0;  // queued summaries; the rest are events and control messages
  DropTally drops_;
};

}  // namespace pathwatch::agent
