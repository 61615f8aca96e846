// Boundary fault isolation (boolean network tomography): from the concurrent states of every
// measurement and the protocol evidence, the smallest sets of segments that explain every
// failing measurement and lie on no working one, ranked, with their owners and the evidence.
// Pure: no clock, no I/O; the same input always gives the same verdict.
#pragma once

#include "collector/isolation/hitting_set.hpp"
#include "collector/isolation/observation.hpp"
#include "collector/isolation/topology.hpp"
#include "collector/isolation/verdict.hpp"

namespace pathwatch::collector::isolation {

struct IsolationOptions {
  HittingSetOptions search;
  std::size_t max_working_listed = 50;  // Diagnosis::working is capped, working_total is not
  std::size_t max_separations = 6;
};

Verdict isolate(const Topology& topology, const ObservationSet& observations,
                const IsolationOptions& options = {});

}  // namespace pathwatch::collector::isolation
