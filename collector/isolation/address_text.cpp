#include "collector/isolation/address_text.hpp"

#include <arpa/inet.h>

namespace pathwatch::collector::isolation {

std::optional<std::string> canonical_address(std::string_view text) {
  const std::string s(text);
  char out[INET6_ADDRSTRLEN] = {};
  unsigned char buf[16] = {};
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
    if (inet_ntop(AF_INET, buf, out, sizeof out) != nullptr) return std::string(out);
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    if (inet_ntop(AF_INET6, buf, out, sizeof out) != nullptr) return std::string(out);
  }
  return std::nullopt;
}

}  // namespace pathwatch::collector::isolation
