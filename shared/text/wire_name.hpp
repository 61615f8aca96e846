// Names that travel in protobuf `string` fields (agent id, site, path and target names): the
// collector drops a message whose Envelope does not parse (proto3 strings must be UTF-8) or
// whose id is empty or longer than kMaxWireNameBytes, so the agent checks them at load time
// instead of having every message refused and resent forever.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace pathwatch::shared {

// The collector's per-identifier limit (collector/ingest/envelope_decoder.hpp kMaxIdLength).
inline constexpr std::size_t kMaxWireNameBytes = 128;

// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view text);

// Why `name` cannot go on the wire ("must not be empty", ...), or nullopt when it can.
std::optional<std::string> wire_name_problem(std::string_view name);

}  // namespace pathwatch::shared
