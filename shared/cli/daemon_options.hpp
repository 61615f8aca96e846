// The command line both daemons share: --config FILE | --check-config FILE | --help |
// --version, plus --log-level. Parsed with Boost.Program_options.
#pragma once

#include <functional>
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

// What a daemon supplies; run_daemon does the rest (help, version, exit codes).
struct DaemonSpec {
  const char* program;
  const char* summary;
  // Validates the file (throws ConfigError) and returns the one-line "OK (...)" description.
  std::function<std::string(const std::string& config_file)> check_config;
  std::function<int(const DaemonOptions&)> run;
};

// The whole main() of a daemon: parse, dispatch, and map errors to exit codes.
int run_daemon(int argc, const char* const argv[], const DaemonSpec& spec);

}  // namespace pathwatch::shared
