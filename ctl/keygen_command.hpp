// pathwatchctl keygen: makes a CURVE key pair for an agent or a collector (docs/security.md).
#pragma once

#include <string>
#include <vector>

namespace pathwatch::ctl {

// keygen --out DIR --name NAME: writes DIR/NAME.key (0600) and DIR/NAME.pub (0644), prints the
// paths and the public key (never the secret). Throws shared::UsageError; exit 1 when a file
// exists or cannot be written.
int keygen(const std::vector<std::string>& args);

}  // namespace pathwatch::ctl
