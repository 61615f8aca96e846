// Where a (re)started agent's sequence numbers continue: above the seq store's reservation
// and above everything the disk spool ever held, plus the seqs a crashed run reserved but
// never spooled, which the agent reports in a DropReport so the collector stops waiting.
#pragma once

#include <cstdint>

namespace pathwatch::agent {

struct SeqResume {
  std::uint64_t first = 1;  // the first seq of this run
  // Seqs reserved by the previous run that the spool never held (unused, or lost from the
  // spool's in-memory fallback with the process); skipped_first == 0: none.
  std::uint64_t skipped_first = 0;
  std::uint64_t skipped_last = 0;
  std::uint64_t skipped() const {
    return skipped_first == 0 ? 0 : skipped_last - skipped_first + 1;
  }
};

// `seq_store_first`: SeqStore::first(); `spool_highest`: DiskSpool::highest_seq() (0: the
// spool never held anything, so nothing is known to have been sent before).
SeqResume plan_seq_resume(std::uint64_t seq_store_first, std::uint64_t spool_highest);

}  // namespace pathwatch::agent
