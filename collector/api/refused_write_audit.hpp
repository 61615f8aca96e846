// Rate limit for the audit rows of refused writes (403): a viewer's POST loop must neither fill
// the disk nor take the store's writer lock (which ingest commits share) once per request. At
// most one row per caller per minute; the row carries how many refused writes it stands for.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "shared/time/clock.hpp"

namespace pathwatch::collector {

class RefusedWriteAudit {
 public:
  static constexpr std::chrono::seconds kInterval{60};

  // Called for each refused write of `caller` at `now`. Returns the number of refused writes
  // the row to store now stands for (this one plus those left out since the caller's previous
  // row), or nullopt when no row is due (the refusal is counted into the next one).
  std::optional<std::uint64_t> admit(const std::string& caller, shared::UtcNanos now);

 private:
  struct CallerState {
    shared::UtcNanos last_row{};
    std::uint64_t left_out = 0;
  };
  std::mutex mutex_;
  // One entry per caller name: token names (bounded by the token file) or "loopback".
  std::map<std::string, CallerState> callers_;
};

}  // namespace pathwatch::collector
