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

 private:
  void drop_one();

  std::uint64_t max_bytes_;
  std::uint64_t max_messages_;
  std::deque<OutboxEntry> entries_;
  std::uint64_t bytes_ = 0;
  DropTally drops_;
};

}  // namespace pathwatch::agent
