// pathwatchctl's commands: each turns its arguments into one API request and the JSON answer
// into a table (or prints the JSON as-is with --json). Returns the exit code.
#pragma once

#include <string>
#include <vector>

#include "ctl/http_client.hpp"

namespace pathwatch::ctl {

// Exit codes (docs/collector.md, pathwatchctl --help).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // collector unreachable, or it answered with an error
inline constexpr int kExitUsage = 2;
inline constexpr int kExitSlaNotMet = 3;  // availability: a service is below its target

struct CtlOptions {
  CollectorUrl collector;
  HttpOptions http;  // deadlines and the bearer token
  bool json = false;
};

// args: the command's own arguments (after the command word). Throws shared::UsageError.
int run_command(const std::string& command, const std::vector<std::string>& args,
                const CtlOptions& options);

}  // namespace pathwatch::ctl
