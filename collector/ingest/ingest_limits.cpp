// Token buckets per sender. A full bucket is the same as no bucket, so idle senders are
// forgotten when the table is full; past max_senders, new senders share one bucket (a flood of
// fresh identities then throttles only itself and the other newcomers, never known agents).
#include "collector/ingest/ingest_limits.hpp"

#include <algorithm>
#include <cctype>

namespace pathwatch::collector {

namespace {
constexpr std::size_t kMaxPrintableSender = 64;
}  // namespace

FloodLimits parse_flood_limits(const shared::ConfigNode& node) {
  using namespace std::chrono_literals;
  FloodLimits l;
  shared::ConfigMap m = node.as_map();
  if (auto n = m.optional("enabled")) l.enabled = n->as_bool();
  if (auto n = m.optional("messages_per_second")) {
    l.messages_per_second = static_cast<double>(n->as_int(1, 10'000'000));
  }
  if (auto n = m.optional("burst_messages")) {
    l.burst_messages = static_cast<double>(n->as_int(1, 100'000'000));
  }
  if (auto n = m.optional("bytes_per_second")) {
    l.bytes_per_second = static_cast<double>(n->as_bytes(1024, 1ULL << 34));
  }
  if (auto n = m.optional("burst_bytes")) {
    l.burst_bytes = static_cast<double>(n->as_bytes(1024, 1ULL << 36));
  }
  if (auto n = m.optional("max_senders")) {
    l.max_senders = static_cast<std::size_t>(n->as_int(1, 10'000'000));
  }
  if (auto n = m.optional("log_interval")) l.log_interval = n->as_duration(1s, 1h);
  m.finish();
  return l;
}

std::string printable_sender(std::string_view sender) {
  const std::string_view cut = sender.substr(0, kMaxPrintableSender);
  const bool printable = !cut.empty() && std::all_of(cut.begin(), cut.end(), [](char c) {
    return std::isprint(static_cast<unsigned char>(c)) != 0;
  });
  std::string out;
  if (printable) {
    out.assign(cut);
  } else {
    static constexpr char kHex[] = "0123456789abcdef";
    out = "0x";
    for (const char c : cut.substr(0, kMaxPrintableSender / 2)) {
      const auto u = static_cast<unsigned char>(c);
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  if (sender.size() > cut.size() || (!printable && cut.size() > kMaxPrintableSender / 2)) {
    out += "…";
  }
  return out;
}

IngestLimiter::IngestLimiter(FloodLimits limits)
    : limits_(limits), log_(shared::component_logger("collector.ingest")) {}

void IngestLimiter::refill(Bucket& b, shared::MonoNanos now) const {
  if (now <= b.refilled) return;  // a clock that stood still or went back adds nothing
  const double seconds = std::chrono::duration<double>(now - b.refilled).count();
  b.messages = std::min(limits_.burst_messages, b.messages + seconds * limits_.messages_per_second);
  b.bytes = std::min(limits_.burst_bytes, b.bytes + seconds * limits_.bytes_per_second);
  b.refilled = now;
}

bool IngestLimiter::idle(const Bucket& b, shared::MonoNanos now) const {
  Bucket copy = b;
  refill(copy, now);
  return copy.messages >= limits_.burst_messages && copy.bytes >= limits_.burst_bytes &&
         copy.dropped_since_log == 0;
}

IngestLimiter::Bucket& IngestLimiter::bucket_for(std::string_view sender, shared::MonoNanos now) {
  const std::string key(sender);
  if (auto it = buckets_.find(key); it != buckets_.end()) return it->second;
  if (buckets_.size() >= limits_.max_senders) {
    // Forgetting a full bucket changes nothing: the sender would start full again.
    std::erase_if(buckets_, [&](const auto& kv) { return idle(kv.second, now); });
  }
  if (buckets_.size() >= limits_.max_senders) {
    counters_.overflow_senders.fetch_add(1, std::memory_order_relaxed);
    if (overflow_.refilled == shared::MonoNanos{}) {
      overflow_.messages = limits_.burst_messages;
      overflow_.bytes = limits_.burst_bytes;
      overflow_.refilled = now;
    }
    return overflow_;
  }
  Bucket fresh;
  fresh.messages = limits_.burst_messages;
  fresh.bytes = limits_.burst_bytes;
  fresh.refilled = now;
  return buckets_.emplace(key, fresh).first->second;
}

void IngestLimiter::note_drop(std::string_view sender, Bucket& b, Admission why,
                              shared::MonoNanos now) {
  auto& counter =
      why == Admission::kOverMessageRate ? counters_.throttled_messages : counters_.throttled_bytes;
  counter.fetch_add(1, std::memory_order_relaxed);
  ++b.dropped_since_log;
  // One line when a burst starts, then at most one per interval while it lasts.
  if (!b.logged || now - b.last_log >= limits_.log_interval) {
    log_->warn(
        "sender {} over its {} limit ({:.0f} msg/s, {:.0f} B/s): dropped {} frame(s) unread "
        "since the last report; other agents are unaffected",
        printable_sender(sender), why == Admission::kOverMessageRate ? "message" : "byte",
        limits_.messages_per_second, limits_.bytes_per_second, b.dropped_since_log);
    b.logged = true;
    b.last_log = now;
    b.dropped_since_log = 0;
  }
}

Admission IngestLimiter::admit(std::string_view sender, std::size_t bytes, shared::MonoNanos now) {
  if (!limits_.enabled) {
    counters_.admitted.fetch_add(1, std::memory_order_relaxed);
    return Admission::kAdmitted;
  }
  Bucket& b = bucket_for(sender, now);
  refill(b, now);
  const auto size = static_cast<double>(bytes);
  Admission result = Admission::kAdmitted;
  if (b.messages < 1.0) {
    result = Admission::kOverMessageRate;
  } else if (b.bytes < size) {
    result = Admission::kOverByteRate;
  }
  if (result != Admission::kAdmitted) {
    note_drop(sender, b, result, now);
    return result;
  }
  b.messages -= 1.0;
  b.bytes -= size;
  if (b.logged && b.messages >= limits_.burst_messages / 2 && b.dropped_since_log == 0) {
    b.logged = false;  // the burst is over: the next one is reported at once
  }
  counters_.admitted.fetch_add(1, std::memory_order_relaxed);
  return result;
}

}  // namespace pathwatch::collector
