// The bounded in-memory outbox.
#include "agent/publish/memory_outbox.hpp"

#include <algorithm>
#include <utility>

namespace pathwatch::agent {
namespace {

// How far from the front overflow looks for a summary to drop before it gives up and drops
// the oldest entry whatever it is: bounds the cost of a push when the queue is full.
constexpr std::size_t kDropSearch = 64;

}  // namespace

void add_seq_range(SeqRanges& ranges, std::uint64_t first, std::uint64_t last) {
  if (first == 0 || last < first) return;
  // Fast path: drops come mostly in seq order.
  if (ranges.empty() || ranges.back().second + 1 < first) {
    ranges.emplace_back(first, last);
    return;
  }
  // The first run that ends at or after first - 1 (touching counts): merge from there on.
  auto it = std::lower_bound(ranges.begin(), ranges.end(), first,
                             [](const auto& r, std::uint64_t f) { return r.second + 1 < f; });
  if (it == ranges.end() || it->first > last + 1) {
    ranges.insert(it, {first, last});
    return;
  }
  it->first = std::min(it->first, first);
  it->second = std::max(it->second, last);
  auto next = std::next(it);
  while (next != ranges.end() && next->first <= it->second + 1) {
    it->second = std::max(it->second, next->second);
    ++next;
  }
  ranges.erase(std::next(it), next);
}

void DropTally::add(std::uint64_t seq, std::int64_t created, MessageClass message_class) {
  ++(message_class == MessageClass::kSummary ? summaries : events);
  if (first_seq == 0 || seq < first_seq) {
    first_seq = seq;
    first_unix_nanos = created;
  }
  if (seq > last_seq) {
    last_seq = seq;
    last_unix_nanos = created;
  }
  add_seq_range(ranges, seq, seq);
}

void DropTally::merge(const DropTally& d) {
  if (d.empty()) return;
  if (d.ranges.empty()) {
    add_seq_range(ranges, d.first_seq, d.last_seq);
  } else {
    for (const auto& [first, last] : d.ranges) add_seq_range(ranges, first, last);
  }
  summaries += d.summaries;
  events += d.events;
  if (first_seq == 0 || d.first_seq < first_seq) {
    first_seq = d.first_seq;
    first_unix_nanos = d.first_unix_nanos;
  }
  if (d.last_seq > last_seq) {
    last_seq = d.last_seq;
    last_unix_nanos = d.last_unix_nanos;
  }
}

MemoryOutbox::MemoryOutbox(std::uint64_t max_bytes, std::uint64_t max_messages)
    : max_bytes_(max_bytes), max_messages_(std::max<std::uint64_t>(max_messages, 1)) {}

void MemoryOutbox::push(OutboxEntry entry) {
  bytes_ += entry.frame.size();
  count(entry, 1);
  entries_.push_back(std::move(entry));
  // Never drop the entry just pushed.
  while (entries_.size() > 1 && (entries_.size() > max_messages_ || bytes_ > max_bytes_)) {
    drop_one();
  }
}

void MemoryOutbox::drop_one() {
  auto victim = entries_.begin();
  const auto search_end =
      entries_.begin() + static_cast<std::ptrdiff_t>(std::min(kDropSearch, entries_.size() - 1));
  auto summary = std::find_if(entries_.begin(), search_end, [](const OutboxEntry& e) {
    return e.message_class == MessageClass::kSummary;
  });
  if (summary != search_end) victim = summary;
  drops_.add(victim->seq, victim->created_unix_nanos, victim->message_class);
  bytes_ -= victim->frame.size();
  count(*victim, -1);
  entries_.erase(victim);
}

void MemoryOutbox::ack(std::uint64_t through_seq) {
  while (!entries_.empty() && entries_.front().seq <= through_seq) {
    bytes_ -= entries_.front().frame.size();
    count(entries_.front(), -1);
    entries_.pop_front();
  }
}

const OutboxEntry* MemoryOutbox::next_after(std::uint64_t seq) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), seq,
                             [](std::uint64_t s, const OutboxEntry& e) { return s < e.seq; });
  return it == entries_.end() ? nullptr : &*it;
}

void MemoryOutbox::count(const OutboxEntry& e, int delta) {
  if (e.message_class != MessageClass::kSummary) return;
  if (delta > 0) {
    ++summaries_;
  } else {
    --summaries_;
  }
}

DropTally MemoryOutbox::contents() const {
  DropTally t;
  if (entries_.empty()) return t;
  t.summaries = summaries_;
  t.events = entries_.size() - summaries_;
  t.first_seq = entries_.front().seq;
  t.first_unix_nanos = entries_.front().created_unix_nanos;
  t.last_seq = entries_.back().seq;
  t.last_unix_nanos = entries_.back().created_unix_nanos;
  return t;
}

DropTally MemoryOutbox::take_drops() {
  return std::exchange(drops_, DropTally{});
}

}  // namespace pathwatch::agent
