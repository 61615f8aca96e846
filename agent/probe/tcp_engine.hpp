// TCP connect probes: one non-blocking connect per attempt, pinned to the path like the ICMP
// socket, closed as soon as the handshake completes (no payload, ever). Outcome classes:
// ok, refused (RST), timeout, unreachable (with the ICMP type/code and router when the kernel
// queued one), error (errno kept).
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>

#include "agent/probe/probe_engine.hpp"
#include "shared/time/clock.hpp"

namespace pathwatch::agent {

class TcpEngine final : public ProbeEngine {
 public:
  // Validates the path's pinning on a throw-away socket: throws std::runtime_error naming the
  // path and what failed (unknown interface, no permission for SO_MARK, bad source).
  TcpEngine(boost::asio::io_context& io, const PathConfig& path, ProbeResultSink sink,
            const shared::Clock& clock);
  ~TcpEngine() override;

  void send(const FlowSpec& flow, std::uint64_t seq, std::uint8_t ttl_override = 0) override;
  IgnoredCounters ignored() const override;
  std::size_t outstanding() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace pathwatch::agent
