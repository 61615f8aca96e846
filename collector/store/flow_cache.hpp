// The SQLite writer's map from a flow's identity (agent row, target, address, path, kind, port)
// to its flows.id row and a dense index (0, 1, 2, ...) the commit uses for per-flow scratch.
// Open addressing over a flat slot array: a lookup per stored window is one probe into a small
// array and one compare against the entry, with no key string built per row (a
// std::unordered_map<std::string, ...> keyed by a concatenation cost as much as the insert).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/store/records.hpp"

namespace pathwatch::collector {

class FlowCache {
 public:
  static constexpr std::size_t kNotFound = static_cast<std::size_t>(-1);

  struct Entry {
    std::int64_t agent = 0;
    std::uint32_t port = 0;
    ProbeKind kind = ProbeKind::kIcmp;
    std::string target, address, path;
    std::int64_t id = 0;  // flows.id
  };

  static std::uint64_t hash_of(std::int64_t agent, const FlowRef& f) {
    std::uint64_t h = static_cast<std::uint64_t>(agent) * 0x9E3779B97F4A7C15ULL;
    auto mix = [&h](std::uint64_t v) { h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2); };
    mix((static_cast<std::uint64_t>(f.port) << 8) | static_cast<std::uint64_t>(f.kind));
    mix(std::hash<std::string_view>{}(f.target));
    mix(std::hash<std::string_view>{}(f.address));
    mix(std::hash<std::string_view>{}(f.path));
    return h;
  }

  // The dense index of the flow, or kNotFound.
  std::size_t find(std::int64_t agent, const FlowRef& f, std::uint64_t hash) const {
    if (slots_.empty()) return kNotFound;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.index == kEmpty) return kNotFound;
      if (s.hash != hash) continue;
      const Entry& e = entries_[s.index];
      if (e.agent == agent && e.port == f.port && e.kind == f.kind && e.target == f.target &&
          e.address == f.address && e.path == f.path) {
        return s.index;
      }
    }
  }

  // Adds a flow known not to be present; returns its dense index.
  std::size_t insert(std::int64_t agent, const FlowRef& f, std::uint64_t hash, std::int64_t id) {
    if ((entries_.size() + 1) * 2 > slots_.size()) grow();
    const auto index = static_cast<std::uint32_t>(entries_.size());
    entries_.push_back(Entry{agent, f.port, f.kind, f.target, f.address, f.path, id});
    place(hash, index);
    return index;
  }

  const Entry& entry(std::size_t index) const { return entries_[index]; }
  std::size_t size() const { return entries_.size(); }
  void clear() {
    entries_.clear();
    slots_.clear();
  }

 private:
  static constexpr std::uint32_t kEmpty = static_cast<std::uint32_t>(-1);
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t index = kEmpty;
  };

  void place(std::uint64_t hash, std::uint32_t index) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = hash & mask;
    while (slots_[i].index != kEmpty) i = (i + 1) & mask;
    slots_[i] = Slot{hash, index};
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    for (const Slot& s : old) {
      if (s.index != kEmpty) place(s.hash, s.index);
    }
  }

  std::vector<Slot> slots_;  // power of two, at most half full
  std::vector<Entry> entries_;
};

}  // namespace pathwatch::collector
