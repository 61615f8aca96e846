// Escaping of untrusted text for logs.
#include "shared/logging/printable.hpp"

#include <fmt/format.h>

namespace pathwatch::shared {

std::string printable(std::string_view untrusted, std::size_t max_bytes) {
  std::string out;
  const std::string_view shown = untrusted.substr(0, max_bytes);
  out.reserve(shown.size() + 3);
  for (const char c : shown) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
      out.push_back(c);
    } else {
      out += fmt::format("\\x{:02x}", byte);
    }
  }
  if (untrusted.size() > max_bytes) out += "...";
  return out;
}

}  // namespace pathwatch::shared
