// What ingest counted, readable from other threads (the API's /v1/status) while the ingest
// thread writes: per-message events are counted here instead of logged.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "collector/ingest/envelope_decoder.hpp"

namespace pathwatch::collector {

struct IngestCounters {
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> stored{0};
  std::atomic<std::uint64_t> duplicates{0};  // dropped before the store, or by its unique key
  std::atomic<std::uint64_t> gaps{0};        // gaps detected
  std::atomic<std::uint64_t> gaps_given_up{0};
  std::atomic<std::uint64_t> commits{0};
  std::atomic<std::uint64_t> commit_failures{0};
  std::atomic<std::uint64_t> acks_sent{0};
  std::atomic<std::uint64_t> rejects_sent{0};  // Reject messages (one per refused run of seqs)
  std::atomic<std::uint64_t> batches{0};  // batch frames split (their envelopes are `received`)
  std::array<std::atomic<std::uint64_t>, kRejectReasonCount> rejected{};

  std::uint64_t rejected_total() const {
    std::uint64_t n = 0;
    for (const auto& r : rejected) n += r.load();
    return n;
  }
};

}  // namespace pathwatch::collector
