// One audit row per caller per minute for refused writes, with the count it stands for.
#include "collector/api/refused_write_audit.hpp"

namespace pathwatch::collector {

std::optional<std::uint64_t> RefusedWriteAudit::admit(const std::string& caller,
                                                      shared::UtcNanos now) {
  std::lock_guard lock(mutex_);
  auto [it, first] = callers_.try_emplace(caller);
  CallerState& s = it->second;
  if (!first && now - s.last_row < kInterval) {
    ++s.left_out;
    return std::nullopt;
  }
  const std::uint64_t stands_for = s.left_out + 1;
  s.last_row = now;
  s.left_out = 0;
  return stands_for;
}

}  // namespace pathwatch::collector
