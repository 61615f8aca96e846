// Text that a peer sent, made safe for a log line: what an untrusted agent id or target name
// claims must neither forge log lines (newlines, escapes) nor flood them (length).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pathwatch::shared {

// Printable ASCII stays as it is; every other byte becomes \xNN; more than `max_bytes` input
// bytes end with "...". Valid UTF-8 beyond ASCII is escaped too: a log reader sees exactly
// which bytes arrived.
std::string printable(std::string_view untrusted, std::size_t max_bytes = 160);

}  // namespace pathwatch::shared
