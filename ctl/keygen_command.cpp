// keygen: argument parsing over shared/security's generation and O_EXCL writing.
#include "ctl/keygen_command.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "ctl/commands.hpp"
#include "shared/cli/command_line.hpp"
#include "shared/security/curve_keys.hpp"

namespace pathwatch::ctl {

int keygen(const std::vector<std::string>& args) {
  std::string out;
  std::string name;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "--out" || a == "--name") && i + 1 < args.size()) {
      (a == "--out" ? out : name) = args[++i];
    } else {
      throw shared::UsageError("keygen: unexpected argument '" + a + "'");
    }
  }
  if (out.empty() || name.empty()) throw shared::UsageError("keygen needs --out DIR --name NAME");
  try {
    const shared::CurveKeyPair pair = shared::generate_curve_keypair();
    const std::string key = shared::write_curve_keypair(out, name, pair);
    fmt::print("secret key: {} (mode 0600: keep it on this host only)\n", key);
    fmt::print("public key: {}/{}.pub\n{}\n", out, name, pair.public_z85);
    return kExitOk;
  } catch (const std::runtime_error& e) {
    fmt::print(stderr, "pathwatchctl keygen: {}\n", e.what());
    return kExitFailure;
  }
}

}  // namespace pathwatch::ctl
