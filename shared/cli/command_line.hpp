// What every binary's main() shares: the error-to-exit-code policy and --version text.
// Exit codes (docs/operations.md): 0 ok, 1 runtime failure, 2 bad configuration or usage.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

namespace pathwatch::shared {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Runs a binary's body. A ConfigError or a usage error is printed as-is ("FILE:LINE:COL:
// message") and gives exit 2; any other exception is printed with the program name and
// gives exit 1. Nothing inside calls exit().
int run_guarded(const char* program, const std::function<int()>& body);

// Thrown for a bad command line (unknown flag, missing argument): exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "pathwatch-agent 0.1.0 (schema v1)"
std::string version_line(const char* program);

}  // namespace pathwatch::shared
