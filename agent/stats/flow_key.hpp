// The identity of one measured flow, a (target, path, probe kind[, port]) tuple, as plain
// data (pathwatch.v1.FlowKey on the wire). Statistics, path state and messages share it.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace pathwatch::agent {

enum class ProbeKind : std::uint8_t { kIcmp, kTcp };

const char* to_string(ProbeKind kind);

struct FlowKey {
  std::string target;   // target name from the config
  std::string address;  // the probed address, text form
  std::string path;     // path name
  ProbeKind kind = ProbeKind::kIcmp;
  std::uint16_t port = 0;  // TCP only

  auto operator<=>(const FlowKey&) const = default;
  bool operator==(const FlowKey&) const = default;
};

// "asp-app/primary/tcp:8443", for logs.
std::string to_string(const FlowKey& key);

}  // namespace pathwatch::agent
