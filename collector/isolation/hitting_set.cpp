#include "collector/isolation/hitting_set.hpp"

#include <algorithm>
#include <bit>
#include <set>

namespace pathwatch::collector::isolation {
namespace {

using Bits = std::vector<std::uint64_t>;

bool test(const Bits& b, std::uint32_t i) {
  return (b[i / 64] >> (i % 64)) & 1U;
}
void set_bit(Bits& b, std::uint32_t i) {
  b[i / 64] |= std::uint64_t{1} << (i % 64);
}
void clear_bit(Bits& b, std::uint32_t i) {
  b[i / 64] &= ~(std::uint64_t{1} << (i % 64));
}

bool intersects(const Bits& a, const Bits& b) {
  for (std::size_t w = 0; w < a.size(); ++w) {
    if (a[w] & b[w]) return true;
  }
  return false;
}

bool subset_of(const Bits& a, const Bits& b) {
  for (std::size_t w = 0; w < a.size(); ++w) {
    if (a[w] & ~b[w]) return false;
  }
  return true;
}

std::size_t count_allowed(const Bits& set, const Bits& forbidden) {
  std::size_t n = 0;
  for (std::size_t w = 0; w < set.size(); ++w) n += std::popcount(set[w] & ~forbidden[w]);
  return n;
}

std::vector<std::uint32_t> elements(const Bits& b) {
  std::vector<std::uint32_t> out;
  for (std::size_t w = 0; w < b.size(); ++w) {
    std::uint64_t word = b[w];
    while (word != 0) {
      const int bit = std::countr_zero(word);
      out.push_back(static_cast<std::uint32_t>(w * 64 + static_cast<std::size_t>(bit)));
      word &= word - 1;
    }
  }
  return out;
}

// Enumerates hitting sets of exactly `size` elements over `sets` (none of which the forced
// elements hit), each once: branching on an uncovered set S = {e1..em}, branch i takes ei and
// forbids e1..e(i-1), so branches partition the solutions by their first element of S.
class Search {
 public:
  Search(const std::vector<Bits>& sets, std::size_t words, std::uint64_t budget)
      : sets_(sets), words_(words), budget_(budget) {}

  // Returns false when the budget ran out.
  bool enumerate(std::size_t size, std::size_t limit, std::vector<Bits>& found) {
    Bits chosen(words_, 0), forbidden(words_, 0);
    size_ = size;
    limit_ = limit;
    found_ = &found;
    return visit(chosen, forbidden, size);
  }

  // A lower bound on the elements still needed: sets that pairwise share no allowed element.
  std::size_t lower_bound(const Bits& chosen, const Bits& forbidden) const {
    std::vector<const Bits*> picked;
    Bits used(words_, 0);
    std::vector<std::pair<std::size_t, const Bits*>> open;
    for (const auto& s : sets_) {
      if (!intersects(s, chosen)) open.emplace_back(count_allowed(s, forbidden), &s);
    }
    std::sort(open.begin(), open.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::size_t bound = 0;
    for (const auto& [n, s] : open) {
      bool disjoint = true;
      for (std::size_t w = 0; w < words_ && disjoint; ++w) {
        if ((*s)[w] & ~forbidden[w] & used[w]) disjoint = false;
      }
      if (!disjoint) continue;
      ++bound;
      for (std::size_t w = 0; w < words_; ++w) used[w] |= (*s)[w] & ~forbidden[w];
    }
    return bound;
  }

  std::uint64_t nodes() const { return nodes_; }

 private:
  bool visit(Bits& chosen, Bits& forbidden, std::size_t left) {
    if (++nodes_ > budget_) return false;
    const Bits* branch = nullptr;
    std::size_t best = SIZE_MAX;
    for (const auto& s : sets_) {
      if (intersects(s, chosen)) continue;
      const std::size_t n = count_allowed(s, forbidden);
      if (n == 0) return true;  // dead end: this set can no longer be hit
      if (n < best) {
        best = n;
        branch = &s;
      }
    }
    if (branch == nullptr) {
      if (left == 0 && found_->size() < limit_) found_->push_back(chosen);
      return true;
    }
    if (left == 0 || found_->size() >= limit_) return true;
    if (lower_bound(chosen, forbidden) > left) return true;
    std::vector<std::uint32_t> tried;
    for (const std::uint32_t e : elements(*branch)) {
      if (test(forbidden, e)) continue;
      set_bit(chosen, e);
      const bool ok = visit(chosen, forbidden, left - 1);
      clear_bit(chosen, e);
      if (!ok) {
        for (const auto t : tried) clear_bit(forbidden, t);
        return false;
      }
      set_bit(forbidden, e);
      tried.push_back(e);
      if (found_->size() >= limit_) break;
    }
    for (const auto t : tried) clear_bit(forbidden, t);
    return true;
  }

  const std::vector<Bits>& sets_;
  std::size_t words_;
  std::uint64_t budget_;
  std::uint64_t nodes_ = 0;
  std::size_t size_ = 0;
  std::size_t limit_ = 0;
  std::vector<Bits>* found_ = nullptr;
};

// Greedy: the element in most uncovered sets, until all are hit; then drop redundant ones.
Bits greedy(const std::vector<Bits>& sets, std::size_t universe, std::size_t words) {
  Bits chosen(words, 0);
  std::vector<bool> covered(sets.size(), false);
  while (true) {
    std::vector<std::size_t> score(universe, 0);
    bool any = false;
    for (std::size_t i = 0; i < sets.size(); ++i) {
      if (covered[i]) continue;
      any = true;
      for (const auto e : elements(sets[i])) ++score[e];
    }
    if (!any) break;
    const auto best =
        static_cast<std::uint32_t>(std::max_element(score.begin(), score.end()) - score.begin());
    set_bit(chosen, best);
    for (std::size_t i = 0; i < sets.size(); ++i) covered[i] = covered[i] || test(sets[i], best);
  }
  for (const auto e : elements(chosen)) {
    clear_bit(chosen, e);
    bool all = true;
    for (const auto& s : sets) all = all && intersects(s, chosen);
    if (!all) set_bit(chosen, e);
  }
  return chosen;
}

// Every element of `chosen` hits some set no other chosen element hits.
bool irreducible(const Bits& chosen, const std::vector<Bits>& sets) {
  for (const auto e : elements(chosen)) {
    bool has_private = false;
    for (const auto& s : sets) {
      if (!test(s, e)) continue;
      bool other = false;
      for (std::size_t w = 0; w < s.size() && !other; ++w) {
        std::uint64_t rest = s[w] & chosen[w];
        if (w == e / 64) rest &= ~(std::uint64_t{1} << (e % 64));
        other = rest != 0;
      }
      if (!other) {
        has_private = true;
        break;
      }
    }
    if (!has_private) return false;
  }
  return true;
}

std::vector<std::uint32_t> with_forced(const Bits& chosen,
                                       const std::vector<std::uint32_t>& forced) {
  std::vector<std::uint32_t> out = elements(chosen);
  out.insert(out.end(), forced.begin(), forced.end());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

HittingSetResult solve_hitting_sets(std::size_t universe,
                                    const std::vector<std::vector<std::uint32_t>>& input,
                                    const HittingSetOptions& options) {
  HittingSetResult result;
  const std::size_t words = (universe + 63) / 64;
  if (input.empty()) {
    result.minimum.push_back({});
    return result;
  }

  // Deduplicate, then drop supersets: hitting a subset hits every superset of it.
  std::set<Bits> unique;
  for (const auto& s : input) {
    Bits b(words, 0);
    for (const auto e : s) set_bit(b, e);
    unique.insert(std::move(b));
  }
  std::vector<Bits> sets(unique.begin(), unique.end());
  std::sort(sets.begin(), sets.end(), [](const Bits& a, const Bits& b) {
    std::size_t na = 0, nb = 0;
    for (auto w : a) na += std::popcount(w);
    for (auto w : b) nb += std::popcount(w);
    return na < nb;
  });
  std::vector<Bits> minimal;
  for (const auto& s : sets) {
    bool dominated = false;
    for (const auto& m : minimal) {
      if (subset_of(m, s)) {
        dominated = true;
        break;
      }
    }
    if (!dominated) minimal.push_back(s);
  }

  // Singletons are forced into every solution.
  std::vector<std::uint32_t> forced;
  Bits forced_bits(words, 0);
  for (const auto& s : minimal) {
    const auto e = elements(s);
    if (e.size() == 1) {
      forced.push_back(e[0]);
      set_bit(forced_bits, e[0]);
    }
  }
  std::vector<Bits> rest;
  for (const auto& s : minimal) {
    if (!intersects(s, forced_bits)) rest.push_back(s);
  }
  std::sort(forced.begin(), forced.end());
  if (rest.empty()) {
    result.minimum.push_back(forced);
    return result;
  }

  Search search(rest, words, options.node_budget);
  const Bits none(words, 0);
  std::size_t size = std::max<std::size_t>(1, search.lower_bound(none, none));
  std::vector<Bits> found;
  bool ok = true;
  for (; size <= universe; ++size) {
    found.clear();
    ok = search.enumerate(size, options.max_solutions + 1, found);
    if (!found.empty() || !ok) break;
  }
  if (found.empty()) {
    // Budget gone before any solution: fall back to greedy, size not proven.
    result.bounded = true;
    result.size_proven = false;
    result.complete = false;
    result.minimum.push_back(with_forced(greedy(rest, universe, words), forced));
    result.nodes = search.nodes();
    return result;
  }
  if (!ok) {
    result.bounded = true;
    result.complete = false;
  }
  if (found.size() > options.max_solutions) {
    found.resize(options.max_solutions);
    result.complete = false;
  }
  for (const auto& f : found) result.minimum.push_back(with_forced(f, forced));
  std::sort(result.minimum.begin(), result.minimum.end());

  for (std::size_t extra = 1; ok && extra <= options.extra_size; ++extra) {
    if (result.alternatives.size() >= options.max_alternatives) break;
    std::vector<Bits> larger;
    // Ask for more than needed: some will be reducible and are dropped.
    ok = search.enumerate(size + extra, options.max_alternatives * 8, larger);
    std::vector<std::vector<std::uint32_t>> kept;
    for (const auto& l : larger) {
      if (irreducible(l, rest)) kept.push_back(with_forced(l, forced));
    }
    std::sort(kept.begin(), kept.end());
    for (auto& k : kept) {
      if (result.alternatives.size() >= options.max_alternatives) break;
      result.alternatives.push_back(std::move(k));
    }
  }
  result.nodes = search.nodes();
  return result;
}

std::vector<std::vector<std::uint32_t>> exhaustive_minimum_hitting_sets(
    std::size_t universe, const std::vector<std::vector<std::uint32_t>>& sets) {
  std::vector<std::vector<std::uint32_t>> out;
  if (sets.empty()) return {{}};
  std::vector<std::uint32_t> pick;
  // Sizes in increasing order; subsets of one size in lexicographic order (combinations).
  for (std::size_t k = 1; k <= universe && out.empty(); ++k) {
    pick.resize(k);
    for (std::size_t i = 0; i < k; ++i) pick[i] = static_cast<std::uint32_t>(i);
    while (true) {
      bool all = true;
      for (const auto& s : sets) {
        bool hit = false;
        for (const auto e : s) hit = hit || std::find(pick.begin(), pick.end(), e) != pick.end();
        if (!hit) {
          all = false;
          break;
        }
      }
      if (all) out.push_back(pick);
      // Next combination.
      std::size_t i = k;
      while (i > 0 && pick[i - 1] == universe - k + i - 1) --i;
      if (i == 0) break;
      ++pick[i - 1];
      for (std::size_t j = i; j < k; ++j) pick[j] = pick[j - 1] + 1;
    }
  }
  return out;
}

}  // namespace pathwatch::collector::isolation
