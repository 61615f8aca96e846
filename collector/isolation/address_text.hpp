// Canonical text form of IPv4/IPv6 addresses, so "fd00:5057:1:0::1" in a topology file and
// "fd00:5057:1::1" from an agent name the same router.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pathwatch::collector::isolation {

// inet_ntop's form of the address; nullopt if the text is not an IPv4 or IPv6 address.
std::optional<std::string> canonical_address(std::string_view text);

}  // namespace pathwatch::collector::isolation
