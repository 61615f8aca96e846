// The two delay-variation figures a window summary carries, kept apart because they answer
// different questions:
//  - RFC 3550 §6.4.1 interarrival jitter: a running estimate J += (|D| - J) / 16 that never
//    resets (it spans windows, as an RTP receiver's does); reported as its value at window end.
//  - RFC 3393 IPDV: the mean of |D| over the pairs of consecutive answers inside the window.
// In both, D for two consecutive answers i-1, i (in arrival order, as RFC 3550 defines it) is
// (R_i - R_{i-1}) - (S_i - S_{i-1}) = RTT_i - RTT_{i-1}: with round trips, the send and
// receive clocks are the same host's, so D is simply the difference of the two RTTs.
#pragma once

#include <cstdint>
#include <optional>

#include "shared/time/time_types.hpp"

namespace pathwatch::agent {

class DelayVariation {
 public:
  // One answered probe's RTT, in arrival order.
  void add(shared::Nanos rtt);
  // Starts a new window: IPDV restarts, the RFC 3550 estimate and the last RTT carry on.
  void start_window();

  shared::Nanos jitter_rfc3550() const;
  // Mean |D| over this window's pairs; 0 without a pair. The first answer of a window pairs
  // with the last answer of the previous window (the flow is one continuous stream).
  shared::Nanos ipdv_mean_abs() const;
  std::uint32_t ipdv_pairs() const { return pairs_; }

 private:
  std::optional<shared::Nanos> last_;
  double jitter_ns_ = 0;  // RFC 3550 A.8 keeps it as a double, too
  long double abs_sum_ns_ = 0;
  std::uint32_t pairs_ = 0;
};

}  // namespace pathwatch::agent
