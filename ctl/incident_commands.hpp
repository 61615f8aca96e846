// pathwatchctl incidents [--open] [--limit N] and pathwatchctl incident ID: the collector's
// incidents (docs/incidents.md), as a table or the API's JSON with --json.
#pragma once

#include <string>
#include <vector>

#include "ctl/commands.hpp"

namespace pathwatch::ctl {

// Throws shared::UsageError. Exit 1 when the collector is unreachable or answers an error.
int incidents_command(const std::vector<std::string>& args, const CtlOptions& options);
int incident_command(const std::vector<std::string>& args, const CtlOptions& options);

}  // namespace pathwatch::ctl
