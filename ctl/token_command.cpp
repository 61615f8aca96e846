// Token creation happens on the operator's terminal, not in the collector: the collector never
// sees a token except in requests, and its token file holds digests only.
#include "ctl/token_command.hpp"

#include <fmt/format.h>

#include "ctl/commands.hpp"
#include "shared/cli/command_line.hpp"
#include "shared/security/api_role.hpp"
#include "shared/security/api_token.hpp"

namespace pathwatch::ctl {

int token_command(const std::vector<std::string>& args) {
  if (args.empty() || args[0] != "create") {
    throw shared::UsageError("token needs: create --role viewer|operator --name NAME");
  }
  std::string role_text, name;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "--role" || a == "--name") && i + 1 < args.size()) {
      (a == "--role" ? role_text : name) = args[++i];
    } else if (a.rfind("--role=", 0) == 0) {
      role_text = a.substr(7);
    } else if (a.rfind("--name=", 0) == 0) {
      name = a.substr(7);
    } else {
      throw shared::UsageError(fmt::format("token create: unexpected '{}'", a));
    }
  }
  const auto role = shared::parse_api_role(role_text);
  if (!role) throw shared::UsageError("token create needs --role viewer or --role operator");
  if (!shared::is_valid_token_name(name)) {
    throw shared::UsageError(
        "token create needs --name NAME (1-64 letters, digits and . _ @ -; it names the caller "
        "in the collector's log and audit trail)");
  }
  const std::string token = shared::generate_api_token();
  const std::string digest = shared::digest_hex(shared::api_token_digest(token));
  fmt::print(
      "# Token for '{}' ({}). Shown once: give it to its user (PATHWATCH_TOKEN or --token-file);\n"
      "# nothing keeps a copy.\n"
      "{}\n"
      "# Add this line to the collector's token file (api.tokens, mode 0600), then restart it:\n"
      "- {{name: {}, role: {}, sha256: {}}}\n",
      name, shared::role_name(*role), token, name, shared::role_name(*role), digest);
  return kExitOk;
}

}  // namespace pathwatch::ctl
