// Minimum hitting sets (the combinatorial heart of boolean network tomography): given sets of
// elements, find the smallest element sets that intersect every set. Exact branch and bound
// with a node budget; past the budget a greedy answer, flagged as such.
#pragma once

#include <cstdint>
#include <vector>

namespace pathwatch::collector::isolation {

struct HittingSetOptions {
  std::size_t max_solutions = 8;     // minimum-size solutions to enumerate
  std::size_t extra_size = 1;        // also irreducible solutions up to min + extra_size
  std::size_t max_alternatives = 4;  // of those larger ones
  std::uint64_t node_budget = 200'000;
};

struct HittingSetResult {
  std::vector<std::vector<std::uint32_t>> minimum;       // sorted elements, sorted solutions
  std::vector<std::vector<std::uint32_t>> alternatives;  // larger irreducible ones, by size
  bool size_proven = true;                               // no smaller hitting set exists
  bool complete = true;  // every minimum solution is listed (none cut by a limit)
  bool bounded = false;  // the node budget ran out (minimum may be greedy)
  std::uint64_t nodes = 0;
};

// Elements are 0..universe-1; every set must be non-empty.
HittingSetResult solve_hitting_sets(std::size_t universe,
                                    const std::vector<std::vector<std::uint32_t>>& sets,
                                    const HittingSetOptions& options = {});

// The same answer by trying every subset in order of size (for tests and the benchmark's
// peer; only for small universes).
std::vector<std::vector<std::uint32_t>> exhaustive_minimum_hitting_sets(
    std::size_t universe, const std::vector<std::vector<std::uint32_t>>& sets);

}  // namespace pathwatch::collector::isolation
