// The first seq of a run and the skipped range (see the header).
#include "agent/runtime/seq_resume.hpp"

#include <algorithm>

namespace pathwatch::agent {

SeqResume plan_seq_resume(std::uint64_t seq_store_first, std::uint64_t spool_highest) {
  SeqResume r;
  // The spool syncs events but the seq store does not sync its file, so after a power cut
  // either may be ahead (docs/spool.md): take the larger.
  r.first = std::max(seq_store_first, spool_highest + 1);
  if (spool_highest > 0 && r.first > spool_highest + 1) {
    r.skipped_first = spool_highest + 1;
    r.skipped_last = r.first - 1;
  }
  return r;
}

}  // namespace pathwatch::agent
