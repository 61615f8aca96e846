#include "shared/cli/daemon_options.hpp"

#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <sstream>

#include "shared/cli/command_line.hpp"

namespace pathwatch::shared {

namespace po = boost::program_options;

DaemonOptions parse_daemon_options(int argc, const char* const argv[], const char* program,
                                   const char* summary) {
  DaemonOptions out;
  po::options_description desc(std::string("Usage: ") + program + " --config FILE [options]\n" +
                               summary + "\n\nOptions");
  std::string log_level;
  desc.add_options()                                                              //
      ("config,c", po::value<std::string>(), "run with this configuration file")  //
      ("check-config", po::value<std::string>(),
       "validate a configuration file and exit (0 valid, 2 invalid)")                            //
      ("log-level", po::value<std::string>(), "trace|debug|info|warn|error (overrides config)")  //
      ("help,h", "show this help and exit")                                                      //
      ("version,V", "show the version and exit");
  std::ostringstream help;
  help << desc;
  out.help_text = help.str();

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  if (vm.count("help")) {
    out.mode = DaemonOptions::Mode::kHelp;
  } else if (vm.count("version")) {
    out.mode = DaemonOptions::Mode::kVersion;
  } else if (vm.count("check-config")) {
    out.mode = DaemonOptions::Mode::kCheckConfig;
    out.config_file = vm["check-config"].as<std::string>();
  } else if (vm.count("config")) {
    out.config_file = vm["config"].as<std::string>();
  } else {
    throw UsageError("--config FILE is required");
  }
  if (vm.count("log-level")) out.log_level = vm["log-level"].as<std::string>();
  return out;
}

int run_daemon(int argc, const char* const argv[], const DaemonSpec& spec) {
  return run_guarded(spec.program, [&] {
    const auto options = parse_daemon_options(argc, argv, spec.program, spec.summary);
    switch (options.mode) {
      case DaemonOptions::Mode::kHelp:
        fmt::print("{}", options.help_text);
        return kExitOk;
      case DaemonOptions::Mode::kVersion:
        fmt::print("{}\n", version_line(spec.program));
        return kExitOk;
      case DaemonOptions::Mode::kCheckConfig:
        fmt::print("{}: OK ({})\n", options.config_file, spec.check_config(options.config_file));
        return kExitOk;
      case DaemonOptions::Mode::kRun:
        return spec.run(options);
    }
    return kExitFailure;
  });
}

}  // namespace pathwatch::shared
