// The collector link over ZeroMQ: a DEALER socket, a CURVE client (zmq_curve(7)) unless the
// config says insecure_plaintext, connected to ONE collector endpoint at a time and moved to
// the next when the current one has been silent (no ack, no heartbeat) for failover_after
// (EndpointFailover); driven from the agent's single Asio io_context (no extra thread of ours).
//
// One endpoint at a time because acks are per collector: a DEALER connected to all endpoints
// round-robins messages across them, and one collector's ack says nothing about what the other
// committed. Moving closes the socket and opens a fresh one: the old socket's queued frames go
// with it (the outbox still holds them and the publisher resends after on_connected), and no
// late event of the old connection can reach the publisher.
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
// reports completed handshakes (CURVE included) and disconnects so the publisher can say Hello
// and resend; ZMTP heartbeats notice a collector that vanished without closing the connection.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "agent/config/agent_config.hpp"
#include "agent/publish/endpoint_failover.hpp"
#include "agent/publish/transport.hpp"
#include "shared/logging/logging.hpp"
#include "shared/security/curve_keys.hpp"

namespace pathwatch::agent {

struct ZmqTransportOptions {
  std::vector<std::string> endpoints;
  int send_high_water_mark = 1000;  // in libzmq's queue; the outbox holds the rest
  // Back within 5 s of a repair (docs/security.md "Back after an outage"): a connect that gets
  // no answer is abandoned after connect_timeout_ms and retried every reconnect interval (at
  // most reconnect_max_ms), instead of sitting in SYN-SENT under the kernel's SYN back-off
  // (1, 2, 4, 8, 16, 32 s between retransmissions: up to 32 s late after a long cut). ZMTP
  // heartbeats close a connection that heard nothing for heartbeat_timeout_ms, so a cut longer
  // than that reconnects instead of waiting for TCP's own retransmission back-off.
  int reconnect_ms = 250;
  int reconnect_max_ms = 1000;
  int connect_timeout_ms = 1000;
  int heartbeat_ms = 1000;
  int heartbeat_timeout_ms = 3000;
  // Nothing heard from the current collector this long (+ up to 20 % jitter): next endpoint.
  // The collector sends a heartbeat every 5 s and acks every message, so silence means gone.
  std::chrono::milliseconds failover_after{20000};
  // CURVE client keys; all empty (and insecure_plaintext) for a plaintext lab link.
  bool insecure_plaintext = false;
  std::string curve_server_public_key;  // Z85
  std::string curve_public_key;         // Z85
  shared::CurveSecretKey curve_secret_key;
};

// The transport options of a configured collector link: reads the CURVE key files (the secret
// one owner-only) and checks the public key belongs to the secret one. Throws
// shared::ConfigError naming the file (exit 2). Logs a warning for insecure_plaintext.
ZmqTransportOptions transport_options_from(const CollectorLink& link);

class ZmqTransport final : public Transport {
 public:
  struct Counters {
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    std::uint64_t send_errors = 0;
    std::uint64_t receive_errors = 0;
    std::uint64_t connects = 0;
    std::uint64_t disconnects = 0;
    std::uint64_t auth_failures = 0;  // the collector refused our key (or we its key)
    std::uint64_t failovers = 0;      // moves to the next endpoint
  };

  ZmqTransport(boost::asio::io_context& io, ZmqTransportOptions options);
  ~ZmqTransport() override;

  void start(TransportHandlers handlers) override;
  SendStatus try_send(std::string_view frame) override;
  void stop() override;

  const Counters& counters() const { return counters_; }
  // The endpoint in use now.
  const std::string& current_endpoint() const { return options_.endpoints[failover_.current()]; }

 private:
  void open_socket();   // a fresh DEALER (+ monitor) connected to current_endpoint()
  void close_socket();  // invalidates every pending wait; on_disconnected if we were connected
  void wait_failover();
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
  EndpointFailover failover_;
  boost::asio::steady_timer failover_timer_;
  std::minstd_rand jitter_{std::random_device{}()};
  std::chrono::steady_clock::time_point last_auth_log_{};
  Counters counters_;
  shared::LoggerPtr log_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace pathwatch::agent
