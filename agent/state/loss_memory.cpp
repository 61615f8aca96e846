// The ring of decided outcomes (rules in the header).
#include "agent/state/loss_memory.hpp"

namespace pathwatch::agent {

void LossMemory::record(bool lost) {
  std::uint64_t& word = bits_[next_ / 64];
  const std::uint64_t bit = std::uint64_t{1} << (next_ % 64);
  if (held_ == kSize) {
    if ((word & bit) != 0) --losses_;  // the oldest leaves
  } else {
    ++held_;
  }
  if (lost) {
    word |= bit;
    ++losses_;
  } else {
    word &= ~bit;
  }
  next_ = (next_ + 1) % kSize;
}

}  // namespace pathwatch::agent
