// The measured loss rate of a flow or a path: the share of losses among its last 128 decided
// probes. What the cut test weighs a loss streak against (docs/agent.md "Loss is not a cut").
#pragma once

#include <array>
#include <cstdint>

namespace pathwatch::agent {

// The owner records each decided outcome. A loss streak still running is not decided (it
// may be a cut): the owner holds it apart and records its losses once an answer ends it,
// or drops them when the streak was called DOWN, so an outage never makes a path look lossy
// afterwards (and a dead host never makes its path look lossy).
class LossMemory {
 public:
  static constexpr std::uint32_t kSize = 128;  // 2 words per flow

  void record(bool lost);
  // Losses held per probes held (0 while nothing is held).
  double rate() const { return held_ == 0 ? 0.0 : static_cast<double>(losses_) / held_; }
  std::uint32_t losses() const { return losses_; }
  std::uint32_t held() const { return held_; }

 private:
  std::array<std::uint64_t, kSize / 64> bits_{};  // 1 = lost, a ring from next_
  std::uint32_t next_ = 0;
  std::uint32_t held_ = 0;
  std::uint32_t losses_ = 0;
};

}  // namespace pathwatch::agent
