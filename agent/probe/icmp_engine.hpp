// ICMP echo probes over one socket per (path, address family), shared by every target on the
// path: an unprivileged ping socket where net.ipv4.ping_group_range allows it, a raw socket
// otherwise. Matching, timeouts and timing live in icmp_match / probe_tracker / receive_time.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>

#include "agent/probe/probe_engine.hpp"
#include "shared/time/clock.hpp"

namespace pathwatch::agent {

enum class IcmpSocketKind : std::uint8_t { kDatagram, kRaw };
const char* to_string(IcmpSocketKind kind);

class IcmpEngine final : public ProbeEngine {
 public:
  // Opens and pins the socket; throws std::runtime_error naming the path and what failed.
  IcmpEngine(boost::asio::io_context& io, const PathConfig& path, bool ipv6, ProbeResultSink sink,
             const shared::Clock& clock);
  ~IcmpEngine() override;

  void send(const FlowSpec& flow, std::uint64_t seq, std::uint8_t ttl_override = 0) override;
  IgnoredCounters ignored() const override;

  IcmpSocketKind socket_kind() const;
  std::uint16_t ident() const;
  std::size_t outstanding() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace pathwatch::agent
