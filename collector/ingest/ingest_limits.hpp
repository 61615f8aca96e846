// Per-sender flood limits for the ingest socket: two token buckets (messages/s and bytes/s) per
// sender identity, checked before a frame is decoded, so a flooding or broken peer costs one
// map lookup per frame and never takes the other agents' share. Single-threaded; time injected.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "shared/config/config_node.hpp"
#include "shared/logging/logging.hpp"
#include "shared/time/time_types.hpp"

namespace pathwatch::collector {

struct FloodLimits {
  bool enabled = true;
  // Per sender. A healthy agent sends ~1 message per flow per window (2,000 flows / 10 s =
  // 200/s), but an agent draining its spool after an outage sends as fast as acks come back
  // (tens of thousands per second): a throttled frame is resent only after the agent's ack
  // timeout, so a low limit turns a backlog into minutes of stalls. The limit is therefore
  // set well above any honest sender and below what starves the others on one core.
  double messages_per_second = 50000;
  double burst_messages = 500000;
  double bytes_per_second = 64.0 * 1024 * 1024;
  double burst_bytes = 256.0 * 1024 * 1024;
  // Memory bound: at most this many buckets. Beyond it, unknown senders share one bucket.
  std::size_t max_senders = 65536;
  // One log line per throttled sender per this much time (the counters have the rest).
  shared::Nanos log_interval{std::chrono::seconds{10}};
};

// Parses the collector config's `collector.limits` map (strict, FILE:LINE:COL errors).
FloodLimits parse_flood_limits(const shared::ConfigNode& node);

struct FloodCounters {
  std::atomic<std::uint64_t> admitted{0};
  std::atomic<std::uint64_t> throttled_messages{0};  // frames dropped for the message rate
  std::atomic<std::uint64_t> throttled_bytes{0};     // frames dropped for the byte rate
  std::atomic<std::uint64_t> overflow_senders{0};    // frames charged to the shared bucket
};

enum class Admission : std::uint8_t { kAdmitted, kOverMessageRate, kOverByteRate };

class IngestLimiter {
 public:
  explicit IngestLimiter(FloodLimits limits);

  // `sender`: the authenticated CURVE key when there is one, else the connection's routing id
  // (any bytes). A frame that is not admitted must be dropped unread and unacknowledged: an
  // honest agent resends it later (at-least-once), a flood just loses it.
  Admission admit(std::string_view sender, std::size_t bytes, shared::MonoNanos now);

  const FloodCounters& counters() const { return counters_; }
  std::size_t tracked_senders() const { return buckets_.size(); }
  const FloodLimits& limits() const { return limits_; }

 private:
  struct Bucket {
    double messages = 0;
    double bytes = 0;
    shared::MonoNanos refilled{};
    std::uint64_t dropped_since_log = 0;
    shared::MonoNanos last_log{};
    bool logged = false;
  };
  Bucket& bucket_for(std::string_view sender, shared::MonoNanos now);
  void refill(Bucket& b, shared::MonoNanos now) const;
  bool idle(const Bucket& b, shared::MonoNanos now) const;
  void note_drop(std::string_view sender, Bucket& b, Admission why, shared::MonoNanos now);

  FloodLimits limits_;
  FloodCounters counters_;
  std::unordered_map<std::string, Bucket> buckets_;
  Bucket overflow_;
  shared::LoggerPtr log_;
};

// A sender identity as text for logs: printable keys as they are, binary routing ids in hex,
// both cut to a bounded length (the peer chooses these bytes).
std::string printable_sender(std::string_view sender);

}  // namespace pathwatch::collector
