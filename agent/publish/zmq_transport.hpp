// The collector link over ZeroMQ: a DEALER socket connected to every configured endpoint,
// driven from the agent's single Asio io_context (no extra thread of ours).
//
// Why on the io_context rather than a dedicated I/O thread: every send is non-blocking
// (ZMQ_DONTWAIT) and libzmq already moves bytes on its own I/O thread, so our side only
// enqueues and dequeues; one thread keeps the publisher, the outbox and the state machines
// lock-free and deterministic. ZMQ_FD is edge-like (it signals only when ZMQ_EVENTS may have
// changed), so after every operation ZMQ_EVENTS is checked again and input drained until it
// says empty; otherwise a message that arrived during a send would wait for the next edge.
//
// ZMQ_IMMEDIATE keeps messages out of connections not yet complete (a send with no
// connection returns "would block" and the message stays in the outbox); a socket monitor
// reports connects and disconnects so the publisher can say Hello and resend; ZMTP
// heartbeats notice a collector that vanished without closing the connection.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "agent/publish/transport.hpp"
#include "shared/logging/logging.hpp"

namespace pathwatch::agent {

struct ZmqTransportOptions {
  std::vector<std::string> endpoints;
  int send_high_water_mark = 1000;  // in libzmq's queue; the outbox holds the rest
  int reconnect_ms = 500;
  int reconnect_max_ms = 5000;
  int heartbeat_ms = 5000;
  int heartbeat_timeout_ms = 15000;
};

class ZmqTransport final : public Transport {
 public:
  struct Counters {
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    std::uint64_t send_errors = 0;
    std::uint64_t receive_errors = 0;
    std::uint64_t connects = 0;
    std::uint64_t disconnects = 0;
  };

  ZmqTransport(boost::asio::io_context& io, ZmqTransportOptions options);
  ~ZmqTransport() override;

  void start(TransportHandlers handlers) override;
  SendStatus try_send(std::string_view frame) override;
  void stop() override;

  const Counters& counters() const { return counters_; }

 private:
  void wait_socket();
  void wait_monitor();
  void drain_socket();
  void drain_monitor();
  void schedule_drain();

  boost::asio::io_context& io_;
  ZmqTransportOptions options_;
  TransportHandlers handlers_;
  zmq::context_t context_{1};
  zmq::socket_t socket_;
  zmq::socket_t monitor_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> socket_fd_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> monitor_fd_;
  bool running_ = false;
  bool drain_posted_ = false;
  int connections_ = 0;
  Counters counters_;
  shared::LoggerPtr log_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace pathwatch::agent
