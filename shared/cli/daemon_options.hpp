// The command line both daemons share: --config FILE | --check-config FILE | --help |
// --version, plus --log-level. Parsed with Boost.Program_options.
#pragma once

#include <optional>
#include <string>

namespace pathwatch::shared {

struct DaemonOptions {
  enum class Mode { kRun, kCheckConfig, kHelp, kVersion };
  Mode mode = Mode::kRun;
  std::string config_file;
  std::optional<std::string> log_level;  // overrides the config's
  std::string help_text;
};

// Throws UsageError for an unknown flag or a missing --config.
DaemonOptions parse_daemon_options(int argc, const char* const argv[], const char* program,
                                   const char* summary);

}  // namespace pathwatch::shared
