// Test support: the lab topology (etc/lab/topology.yaml), loaded once per test suite.
#pragma once

#include <gtest/gtest.h>

#include "collector/isolation/topology.hpp"
#include "collector/isolation/topology_config.hpp"

namespace pathwatch::collector::isolation::testing {

class LabTopologyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { topo_ = new Topology(load_topology("etc/lab/topology.yaml")); }
  static void TearDownTestSuite() {
    delete topo_;
    topo_ = nullptr;
  }
  static inline Topology* topo_ = nullptr;
};

}  // namespace pathwatch::collector::isolation::testing
