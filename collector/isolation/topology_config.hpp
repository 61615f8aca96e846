// Strict reading of the fault-isolation topology file (see docs/isolation.md for the format):
// every error is a shared::ConfigError "FILE:LINE:COL: message", a route through an unknown
// segment points at that segment's name.
#pragma once

#include <string>

#include "collector/isolation/topology.hpp"
#include "shared/config/config_node.hpp"

namespace pathwatch::collector::isolation {

// Throws shared::ConfigError.
Topology load_topology(const std::string& file);
Topology parse_topology(const shared::ConfigNode& root);

}  // namespace pathwatch::collector::isolation
