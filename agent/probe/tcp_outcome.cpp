// TCP connect outcome classes (see the header for the rules).
#include "agent/probe/tcp_outcome.hpp"

#include <cerrno>

namespace pathwatch::agent {

ProbeAnswer classify_connect(int error_number, const std::optional<IcmpEvidence>& icmp, bool ipv6) {
  ProbeAnswer a;
  a.error_number = error_number;
  if (error_number == 0) {
    a.outcome = Outcome::kOk;
    return a;
  }
  if (icmp) {
    const std::uint8_t unreachable = ipv6 ? 1 : 3;
    const std::uint8_t time_exceeded = ipv6 ? 3 : 11;
    a.icmp = icmp;
    if (icmp->type == unreachable) {
      a.outcome = Outcome::kUnreachable;
    } else if (icmp->type == time_exceeded) {
      a.outcome = Outcome::kTimeExceeded;
    } else {
      a.outcome = Outcome::kError;
    }
    return a;
  }
  switch (error_number) {
    case ECONNREFUSED:
      a.outcome = Outcome::kRefused;
      break;
    case EHOSTUNREACH:
    case ENETUNREACH:
      a.outcome = Outcome::kUnreachable;
      break;
    default:
      a.outcome = Outcome::kError;
      break;
  }
  return a;
}

std::optional<shared::Nanos> kernel_handshake_rtt(std::uint32_t tcpi_rtt_us,
                                                  std::uint32_t tcpi_total_retrans) {
  if (tcpi_rtt_us == 0 || tcpi_total_retrans != 0) return std::nullopt;
  return std::chrono::microseconds{tcpi_rtt_us};
}

}  // namespace pathwatch::agent
