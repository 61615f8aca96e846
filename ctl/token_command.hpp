// pathwatchctl token create: makes an API bearer token (docs/security.md "API tokens").
#pragma once

#include <string>
#include <vector>

namespace pathwatch::ctl {

// token create --role ROLE --name NAME: prints the token (shown once, never stored here) and
// the line for the collector's token file (its SHA-256 only). Throws shared::UsageError.
int token_command(const std::vector<std::string>& args);

}  // namespace pathwatch::ctl
