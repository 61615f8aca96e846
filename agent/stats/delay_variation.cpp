// RFC 3550 interarrival jitter and RFC 3393 IPDV over a flow's answers.
#include "agent/stats/delay_variation.hpp"

#include <cmath>

namespace pathwatch::agent {

void DelayVariation::add(shared::Nanos rtt) {
  if (last_) {
    const double d = std::fabs(static_cast<double>((rtt - *last_).count()));
    jitter_ns_ += (d - jitter_ns_) / 16.0;  // RFC 3550 §6.4.1
    abs_sum_ns_ += d;
    ++pairs_;
  }
  last_ = rtt;
}

void DelayVariation::start_window() {
  abs_sum_ns_ = 0;
  pairs_ = 0;
}

shared::Nanos DelayVariation::jitter_rfc3550() const {
  return shared::Nanos{std::llround(jitter_ns_)};
}

shared::Nanos DelayVariation::ipdv_mean_abs() const {
  if (pairs_ == 0) return shared::Nanos{0};
  return shared::Nanos{std::llround(abs_sum_ns_ / pairs_)};
}

}  // namespace pathwatch::agent
