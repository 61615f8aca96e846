#include "shared/cli/command_line.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <stdexcept>

#include "shared/config/config_error.hpp"
#include "shared/version.hpp"

namespace pathwatch::shared {

int run_guarded(const char* program, const std::function<int()>& body) {
  try {
    return body();
  } catch (const ConfigError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitConfigError;
  } catch (const UsageError& e) {
    fmt::print(stderr, "{}: {}\nTry '{} --help'.\n", program, e.what(), program);
    return kExitUsage;
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: {}\n", program, e.what());
    return kExitFailure;
  }
}

std::string version_line(const char* program) {
  return fmt::format("{} {} (schema v{})", program, kVersion, kSchemaVersion);
}

}  // namespace pathwatch::shared
