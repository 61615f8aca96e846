// Test support: the lab topology (etc/lab/topology.yaml), loaded once per test suite, and
// how the lab tests name a candidate.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "collector/isolation/topology.hpp"
#include "collector/isolation/topology_config.hpp"
#include "collector/isolation/verdict.hpp"

namespace pathwatch::collector::isolation::testing {

class LabTopologyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { topo_ = new Topology(load_topology("etc/lab/topology.yaml")); }
  static void TearDownTestSuite() {
    delete topo_;
    topo_ = nullptr;
  }
  static inline Topology* topo_ = nullptr;

  // The segment names of each group of a candidate, "a|b" for an indistinguishable group.
  static std::vector<std::string> names(const Candidate& c) {
    std::vector<std::string> out;
    for (const auto& g : c.groups) {
      std::string n;
      for (const auto& s : g.segments) n += (n.empty() ? "" : "|") + s.segment;
      out.push_back(n);
    }
    return out;
  }
};

}  // namespace pathwatch::collector::isolation::testing
