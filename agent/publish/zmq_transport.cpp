// The collector link over a ZeroMQ DEALER on the agent's io_context (design in the header).
#include "agent/publish/zmq_transport.hpp"

#include <atomic>
#include <boost/asio/post.hpp>
#include <cstring>
#include <stdexcept>

#include "shared/config/config_error.hpp"

namespace pathwatch::agent {
namespace {

std::atomic<unsigned> monitor_counter{0};
// One "collector refused our key" line per this long; the counter has every refusal.
constexpr auto kAuthLogInterval = std::chrono::seconds{30};

bool readable(zmq::socket_t& s) {
  return (s.get(zmq::sockopt::events) & ZMQ_POLLIN) != 0;
}

}  // namespace

ZmqTransportOptions transport_options_from(const CollectorLink& link) {
  ZmqTransportOptions o;
  o.endpoints = link.endpoints;
  o.insecure_plaintext = link.insecure_plaintext;
  o.failover_after = std::chrono::duration_cast<std::chrono::milliseconds>(link.failover_after);
  auto log = shared::component_logger("agent.zmq");
  if (link.insecure_plaintext) {
    log->warn(
        "insecure_plaintext: the collector link is neither authenticated nor encrypted "
        "(lab and loopback only)");
    return o;
  }
  o.curve_secret_key = shared::load_secret_key_file(link.secret_key_file);
  o.curve_public_key = shared::load_public_key_file(link.public_key_file);
  o.curve_server_public_key = shared::load_public_key_file(link.server_public_key_file);
  if (shared::curve_public_of(o.curve_secret_key) != o.curve_public_key) {
    throw shared::ConfigError(
        {link.public_key_file, 0, 0},
        "this public key does not belong to the secret key " + link.secret_key_file);
  }
  return o;
}

ZmqTransport::ZmqTransport(boost::asio::io_context& io, ZmqTransportOptions options)
    : io_(io),
      options_(std::move(options)),
      failover_(options_.endpoints.size(), options_.failover_after),
      failover_timer_(io),
      log_(shared::component_logger("agent.zmq")) {
  if (options_.endpoints.empty()) throw std::runtime_error("collector link: no endpoint");
  if (!options_.insecure_plaintext && (!shared::is_z85_key(options_.curve_server_public_key) ||
                                       !shared::is_z85_key(options_.curve_public_key) ||
                                       !shared::is_z85_key(options_.curve_secret_key.reveal()))) {
    throw std::runtime_error("collector link: CURVE keys missing (or set insecure_plaintext)");
  }
}

ZmqTransport::~ZmqTransport() {
  stop();
}

void ZmqTransport::start(TransportHandlers handlers) {
  handlers_ = std::move(handlers);
  running_ = true;
  open_socket();
  wait_failover();
}

void ZmqTransport::open_socket() {
  const std::string& endpoint = current_endpoint();
  try {
    socket_ = zmq::socket_t(context_, zmq::socket_type::dealer);
    socket_.set(zmq::sockopt::immediate, 1);
    socket_.set(zmq::sockopt::linger, 0);  // unacknowledged data lives in the outbox
    // Without it libzmq resolves tcp://[fd00:5057::10]:7070 as "no such address".
    socket_.set(zmq::sockopt::ipv6, 1);
    socket_.set(zmq::sockopt::sndhwm, options_.send_high_water_mark);
    socket_.set(zmq::sockopt::reconnect_ivl, options_.reconnect_ms);
    socket_.set(zmq::sockopt::reconnect_ivl_max, options_.reconnect_max_ms);
    socket_.set(zmq::sockopt::connect_timeout, options_.connect_timeout_ms);
    socket_.set(zmq::sockopt::heartbeat_ivl, options_.heartbeat_ms);
    socket_.set(zmq::sockopt::heartbeat_timeout, options_.heartbeat_timeout_ms);
    socket_.set(zmq::sockopt::heartbeat_ttl, options_.heartbeat_timeout_ms);
    if (!options_.insecure_plaintext) {
      socket_.set(zmq::sockopt::curve_serverkey, options_.curve_server_public_key);
      socket_.set(zmq::sockopt::curve_publickey, options_.curve_public_key);
      socket_.set(zmq::sockopt::curve_secretkey, options_.curve_secret_key.reveal());
    }

    const std::string monitor_endpoint =
        "inproc://pathwatch-agent-monitor-" + std::to_string(monitor_counter++);
    // HANDSHAKE_SUCCEEDED, not CONNECTED: with CURVE a TCP connection is not yet a link.
    if (zmq_socket_monitor(socket_.handle(), monitor_endpoint.c_str(),
                           ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) != 0) {
      throw zmq::error_t();
    }
    monitor_ = zmq::socket_t(context_, zmq::socket_type::pair);
    monitor_.connect(monitor_endpoint);
    socket_.connect(endpoint);

    // The descriptors belong to libzmq: released, never closed, in close_socket().
    socket_fd_ =
        std::make_unique<boost::asio::posix::stream_descriptor>(io_, socket_.get(zmq::sockopt::fd));
    monitor_fd_ = std::make_unique<boost::asio::posix::stream_descriptor>(
        io_, monitor_.get(zmq::sockopt::fd));
  } catch (const zmq::error_t& e) {
    throw std::runtime_error("collector link " + endpoint + ": " + e.what());
  }
  failover_.opened(std::chrono::steady_clock::now(),
                   std::uniform_real_distribution<double>(0.0, 1.0)(jitter_));
  wait_socket();
  wait_monitor();
  schedule_drain();  // ZMQ_FD may already be "ready" with no edge to come
}

void ZmqTransport::close_socket() {
  alive_ = std::make_shared<int>(0);  // every pending wait and post of this socket is void
  drain_posted_ = false;
  if (socket_fd_) {
    socket_fd_->cancel();
    socket_fd_->release();
    socket_fd_.reset();
  }
  if (monitor_fd_) {
    monitor_fd_->cancel();
    monitor_fd_->release();
    monitor_fd_.reset();
  }
  try {
    if (socket_.handle() != nullptr) zmq_socket_monitor(socket_.handle(), nullptr, 0);
    monitor_.close();
    socket_.close();
  } catch (const zmq::error_t&) {
  }
  if (connections_ > 0) {
    connections_ = 0;
    if (running_ && handlers_.on_disconnected) handlers_.on_disconnected();
  }
}

void ZmqTransport::wait_failover() {
  // A quarter of the timeout (at most a second) keeps the switch within ~25 % of its deadline.
  const auto period =
      std::min<std::chrono::milliseconds>(std::chrono::seconds{1}, options_.failover_after / 4);
  failover_timer_.expires_after(std::max(period, std::chrono::milliseconds{10}));
  failover_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || !running_) return;
    if (failover_.due(std::chrono::steady_clock::now())) {
      ++counters_.failovers;
      log_->warn("no answer from the collector for {} ms: moving to {}",
                 options_.failover_after.count(), current_endpoint());
      close_socket();
      try {
        open_socket();
      } catch (const std::runtime_error& e) {
        // A bad endpoint was already refused at start; keep moving on the next turn.
        log_->error("{}", e.what());
      }
    }
    wait_failover();
  });
}

void ZmqTransport::wait_socket() {
  std::weak_ptr<int> alive = alive_;
  socket_fd_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                         [this, alive](const boost::system::error_code& ec) {
                           if (ec || alive.expired() || !running_) return;
                           drain_socket();
                           wait_socket();
                         });
}

void ZmqTransport::wait_monitor() {
  std::weak_ptr<int> alive = alive_;
  monitor_fd_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                          [this, alive](const boost::system::error_code& ec) {
                            if (ec || alive.expired() || !running_) return;
                            drain_monitor();
                            wait_monitor();
                          });
}

void ZmqTransport::schedule_drain() {
  if (drain_posted_) return;
  drain_posted_ = true;
  std::weak_ptr<int> alive = alive_;
  boost::asio::post(io_, [this, alive] {
    if (alive.expired()) return;
    drain_posted_ = false;
    if (!running_) return;
    drain_monitor();
    drain_socket();
  });
}

void ZmqTransport::drain_socket() {
  // Bounded per call so a flood of input cannot starve probing; the rest is posted.
  for (int i = 0; i < 1000 && running_; ++i) {
    try {
      if (!readable(socket_)) return;
      zmq::message_t msg;
      if (!socket_.recv(msg, zmq::recv_flags::dontwait)) return;
      ++counters_.received;
      failover_.heard(std::chrono::steady_clock::now());
      if (handlers_.on_frame) handlers_.on_frame(msg.to_string_view());
    } catch (const zmq::error_t& e) {
      ++counters_.receive_errors;
      log_->warn("receive from collector failed: {}", e.what());
      return;
    }
  }
  if (running_) schedule_drain();
}

void ZmqTransport::drain_monitor() {
  for (int i = 0; i < 100 && running_; ++i) {
    try {
      if (!readable(monitor_)) return;
      zmq::message_t event;
      zmq::message_t address;
      if (!monitor_.recv(event, zmq::recv_flags::dontwait)) return;
      // Two frames: {uint16 event, uint32 value} and the endpoint.
      if (event.more()) (void)monitor_.recv(address, zmq::recv_flags::dontwait);
      if (event.size() < sizeof(std::uint16_t)) continue;
      std::uint16_t id = 0;
      std::memcpy(&id, event.data(), sizeof id);
      const std::string endpoint = address.to_string();
      if (id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
        ++counters_.connects;
        ++connections_;
        failover_.heard(std::chrono::steady_clock::now());
        log_->info("connected to collector {}{}", endpoint,
                   options_.insecure_plaintext ? " (plaintext)" : " (CURVE)");
        if (handlers_.on_connected) handlers_.on_connected();
      } else if (id == ZMQ_EVENT_DISCONNECTED) {
        ++counters_.disconnects;
        if (connections_ == 0) continue;  // a connection that never completed its handshake
        --connections_;
        log_->warn("collector {} disconnected; reconnecting", endpoint);
        if (handlers_.on_disconnected) handlers_.on_disconnected();
      } else {
        ++counters_.auth_failures;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_auth_log_ >= kAuthLogInterval) {
          last_auth_log_ = now;
          log_->error(
              "collector {} refused the handshake ({} so far): is this agent's public key "
              "registered there, and is server_public_key that collector's?",
              endpoint, counters_.auth_failures);
        }
      }
    } catch (const zmq::error_t& e) {
      log_->warn("socket monitor: {}", e.what());
      return;
    }
  }
}

SendStatus ZmqTransport::try_send(std::string_view frame) {
  if (!running_) return SendStatus::kWouldBlock;
  SendStatus status = SendStatus::kSent;
  try {
    const auto sent =
        socket_.send(zmq::const_buffer(frame.data(), frame.size()), zmq::send_flags::dontwait);
    if (sent) {
      ++counters_.sent;
    } else {
      status = SendStatus::kWouldBlock;
    }
  } catch (const zmq::error_t& e) {
    ++counters_.send_errors;
    log_->warn("send to collector failed: {}", e.what());
    status = SendStatus::kError;
  }
  // A send can consume the FD's edge: input that is waiting would be noticed only at the
  // next edge. Look now.
  try {
    if (readable(socket_)) schedule_drain();
  } catch (const zmq::error_t&) {
  }
  return status;
}

void ZmqTransport::stop() {
  if (!running_ && !socket_fd_) return;
  running_ = false;
  failover_timer_.cancel();
  close_socket();
}

}  // namespace pathwatch::agent
