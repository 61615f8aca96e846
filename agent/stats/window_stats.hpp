// Statistics of one flow over one window, accumulated from ProbeResults. Pure: the runtime
// decides when a window ends and passes its time in.
//
// Counting rules (docs/agent.md "Window statistics"):
//  - A probe belongs to the window in which its outcome became final (answer, error or
//    timeout), so a window closes on time and never waits for probes still in flight.
//  - sent = final outcomes; received = the target answered (echo reply, TCP handshake or RST:
//    a refused connect is an answer from the host); lost = sent - received.
//  - Duplicate and late answers are counted (duplicates, late) and never become RTT samples;
//    a late answer does not undo the loss already counted.
//  - reordered: an answer whose probe seq is lower than that of an answer already seen on
//    this flow (RFC 4737's "reordered": it arrived after a later-sent probe's answer).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "agent/probe/probe_result.hpp"
#include "agent/stats/delay_variation.hpp"
#include "agent/stats/flow_key.hpp"
#include "agent/stats/rtt_summary.hpp"
#include "shared/time/time_types.hpp"

namespace pathwatch::agent {

struct TcpOutcomeCounts {
  std::uint32_t ok = 0;
  std::uint32_t refused = 0;
  std::uint32_t timeout = 0;
  std::uint32_t unreachable = 0;  // ICMP unreachable, EHOSTUNREACH/ENETUNREACH, time exceeded
  std::uint32_t error = 0;
};

struct IcmpErrorCount {
  std::string router;
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint32_t count = 0;
};

struct WindowStats {
  shared::UtcNanos start{};
  shared::UtcNanos end{};
  std::uint32_t sent = 0;
  std::uint32_t received = 0;
  std::uint32_t lost = 0;
  std::uint32_t duplicates = 0;
  std::uint32_t late = 0;
  std::uint32_t reordered = 0;
  RttSummary rtt;
  shared::Nanos jitter_rfc3550{0};
  shared::Nanos ipdv_mean_abs{0};
  TcpOutcomeCounts tcp;                     // TCP flows only
  std::vector<IcmpErrorCount> icmp_errors;  // sorted by router, type, code
};

class WindowAccumulator {
 public:
  WindowAccumulator(ProbeKind kind, shared::UtcNanos window_start);

  void add(const ProbeResult& result);

  // The statistics of [start, end); the next window starts at `end`. The reordering reference
  // and the RFC 3550 jitter estimate carry over: the flow is one stream across windows.
  WindowStats close(shared::UtcNanos end) { return close(end, end); }
  // The same, with the next window starting at `next_start` (after a wall-clock step).
  WindowStats close(shared::UtcNanos end, shared::UtcNanos next_start);

  shared::UtcNanos window_start() const { return start_; }
  std::uint32_t sent() const { return sent_; }

 private:
  ProbeKind kind_;
  shared::UtcNanos start_;
  std::uint32_t sent_ = 0;
  std::uint32_t received_ = 0;
  std::uint32_t duplicates_ = 0;
  std::uint32_t late_ = 0;
  std::uint32_t reordered_ = 0;
  std::vector<shared::Nanos> samples_;
  TcpOutcomeCounts tcp_;
  std::map<std::tuple<std::string, std::uint8_t, std::uint8_t>, std::uint32_t> icmp_errors_;
  DelayVariation delay_variation_;
  std::uint64_t highest_answered_seq_ = 0;
};

}  // namespace pathwatch::agent
