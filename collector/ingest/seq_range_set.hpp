// A set of sequence numbers kept as disjoint runs (first -> last): an agent's in-order seqs are
// one run, so inserting the next seq or erasing the oldest allocates nothing (a std::set did).
#pragma once

#include <cstdint>
#include <iterator>
#include <map>

namespace pathwatch::collector {

class SeqRangeSet {
 public:
  using Runs = std::map<std::uint64_t, std::uint64_t>;  // first -> last, disjoint, not touching

  bool empty() const { return runs_.empty(); }
  const Runs& runs() const { return runs_; }
  // The smallest seq held; only when !empty().
  std::uint64_t min() const { return runs_.begin()->first; }

  bool contains(std::uint64_t seq) const {
    const auto it = run_of(seq);
    return it != runs_.end();
  }

  void insert(std::uint64_t seq) {
    // Fast path: the next seq after the newest run (in-order traffic).
    if (!runs_.empty()) {
      auto& newest = *std::prev(runs_.end());
      if (newest.second + 1 == seq) {
        newest.second = seq;
        return;
      }
      if (seq >= newest.first && seq <= newest.second) return;
    }
    auto next = runs_.upper_bound(seq);
    if (next != runs_.begin()) {
      auto prev = std::prev(next);
      if (prev->second >= seq) return;  // already held
      if (prev->second + 1 == seq) {
        prev->second = seq;
        if (next != runs_.end() && next->first == seq + 1) {
          prev->second = next->second;
          runs_.erase(next);
        }
        return;
      }
    }
    if (next != runs_.end() && next->first == seq + 1) {
      // Extend `next` downwards: re-key its node instead of allocating a new one.
      auto node = runs_.extract(next);
      node.key() = seq;
      runs_.insert(std::move(node));
      return;
    }
    runs_.emplace(seq, seq);
  }

  void erase(std::uint64_t seq) {
    const auto it = run_of(seq);
    if (it == runs_.end()) return;
    const std::uint64_t first = it->first;
    const std::uint64_t last = it->second;
    if (first == last) {
      runs_.erase(it);
    } else if (seq == first) {
      // The oldest seq of a run (in-order commits): re-key the node, no allocation.
      auto node = runs_.extract(it);
      node.key() = seq + 1;
      runs_.insert(std::move(node));
    } else if (seq == last) {
      it->second = seq - 1;
    } else {
      it->second = seq - 1;
      runs_.emplace(seq + 1, last);
    }
  }

 private:
  Runs::const_iterator run_of(std::uint64_t seq) const {
    auto it = runs_.upper_bound(seq);
    if (it == runs_.begin()) return runs_.end();
    --it;
    return it->second >= seq ? it : runs_.end();
  }
  Runs::iterator run_of(std::uint64_t seq) {
    auto it = runs_.upper_bound(seq);
    if (it == runs_.begin()) return runs_.end();
    --it;
    return it->second >= seq ? it : runs_.end();
  }

  Runs runs_;
};

}  // namespace pathwatch::collector
