// Where a (re)started agent's sequence numbers continue. Above the seq store's reservation
// and above everything the disk spool ever held; and when no reservation can be trusted (no
// spool directory, a missing, empty or torn next_seq file, or one removed after a failed
// write) above the clock floor: microseconds since the epoch, which exceeds every seq an
// earlier run used as long as that run made fewer than one message per microsecond on
// average since it started and the wall clock did not step back by more than the margin
// between the two (docs/spool.md "Sequence numbers across restarts").
#pragma once

#include <cstdint>
#include <optional>

#include "shared/time/time_types.hpp"

namespace pathwatch::agent {

struct SeqResumeInput {
  // SeqStore::persisted(): the previous run's reservation, nullopt if none can be trusted.
  std::optional<std::uint64_t> reservation;
  // DiskSpool::highest_seq() (0: no spool, or it never held anything).
  std::uint64_t spool_highest = 0;
  shared::UtcNanos now{};
};

struct SeqResume {
  std::uint64_t first = 1;  // the first seq of this run
  // The highest seq of an earlier run this run may still send (in its spool); 0: none. Seqs
  // in (carried_through, first) will never be sent: the Hello says so (docs/protocol.md).
  std::uint64_t carried_through = 0;
  bool from_clock = false;  // `first` is the clock floor
};

// Microseconds since the epoch at `now` (at least 1).
std::uint64_t clock_seq_floor(shared::UtcNanos now);

SeqResume plan_seq_resume(const SeqResumeInput& input);

}  // namespace pathwatch::agent
