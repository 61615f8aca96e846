// The first seq of a run (see the header).
#include "agent/runtime/seq_resume.hpp"

#include <algorithm>

namespace pathwatch::agent {

std::uint64_t clock_seq_floor(shared::UtcNanos now) {
  const std::int64_t micros = shared::to_unix_nanos(now) / 1000;
  return micros < 1 ? 1 : static_cast<std::uint64_t>(micros);
}

SeqResume plan_seq_resume(const SeqResumeInput& input) {
  SeqResume r;
  r.carried_through = input.spool_highest;
  std::uint64_t base = 1;
  if (input.reservation) {
    base = *input.reservation;
  } else {
    base = clock_seq_floor(input.now);
    r.from_clock = true;
  }
  // The reservation is synced before any seq under it is used, and the spool syncs events:
  // either may still be ahead of the other after a power cut, so take the larger.
  r.first = std::max(base, input.spool_highest + 1);
  if (r.first != base) r.from_clock = false;
  return r;
}

}  // namespace pathwatch::agent
