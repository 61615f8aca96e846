// Where published messages wait until the collector acknowledges them. An interface, so the
// in-memory queue of today can be replaced by the disk spool without touching the publisher.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace pathwatch::agent {

// What overflow may drop first: summaries before events; control messages (Hello,
// Heartbeat, DropReport) are cheap to re-create.
enum class MessageClass : std::uint8_t { kSummary, kEvent, kControl };

struct OutboxEntry {
  std::uint64_t seq = 0;
  std::int64_t created_unix_nanos = 0;
  MessageClass message_class = MessageClass::kSummary;
  std::string frame;  // the serialized Envelope, sent as one ZeroMQ frame
};

// Seq runs (first, last), both included: ascending, disjoint, not touching.
using SeqRanges = std::vector<std::pair<std::uint64_t, std::uint64_t>>;
// Adds first..last to `ranges`, coalescing with its neighbours.
void add_seq_range(SeqRanges& ranges, std::uint64_t first, std::uint64_t last);

// What overflow dropped since the last take_drops() (pathwatch.v1.DropReport).
struct DropTally {
  std::uint64_t summaries = 0;
  std::uint64_t events = 0;     // events and control messages
  std::uint64_t first_seq = 0;  // the span of what was dropped: may hold kept messages
  std::uint64_t last_seq = 0;
  std::int64_t first_unix_nanos = 0;
  std::int64_t last_unix_nanos = 0;
  // Exactly the seqs dropped: the collector gives up these, not the span (the outbox drops
  // summaries and keeps the events between them, which must still be delivered).
  SeqRanges ranges;
  bool empty() const { return summaries == 0 && events == 0; }
  std::uint64_t messages() const { return summaries + events; }
  // Counts, span and times without the ranges (cheap to copy).
  DropTally span_only() const {
    return DropTally{summaries, events, first_seq, last_seq, first_unix_nanos, last_unix_nanos, {}};
  }
  // One dropped message.
  void add(std::uint64_t seq, std::int64_t created_unix_nanos, MessageClass message_class);
  // Adds `other` (counts, the widest seq and time range, its ranges). A tally without ranges
  // (a state file older than them) stands for its whole span: nothing finer is known.
  void merge(const DropTally& other);
};

class Outbox {
 public:
  virtual ~Outbox() = default;
  // Entries arrive in increasing seq order. May drop older entries to stay in bounds.
  virtual void push(OutboxEntry entry) = 0;
  // The collector stored every seq <= through_seq: forget them.
  virtual void ack(std::uint64_t through_seq) = 0;
  // The first entry with seq > `seq`, or nullptr. Valid until the next push or ack.
  virtual const OutboxEntry* next_after(std::uint64_t seq) const = 0;
  virtual std::uint64_t messages() const = 0;
  virtual std::uint64_t bytes() const = 0;
  // How many messages were dropped since the last take_drops() (what it would report).
  virtual std::uint64_t drops_pending() const = 0;
  virtual DropTally take_drops() = 0;
};

using OutboxPtr = std::unique_ptr<Outbox>;

}  // namespace pathwatch::agent
