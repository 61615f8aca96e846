// The collector link over a ZeroMQ DEALER on the agent's io_context (design in the header).
#include "agent/publish/zmq_transport.hpp"

#include <atomic>
#include <boost/asio/post.hpp>
#include <cstring>
#include <stdexcept>

namespace pathwatch::agent {
namespace {

std::atomic<unsigned> monitor_counter{0};

bool readable(zmq::socket_t& s) {
  return (s.get(zmq::sockopt::events) & ZMQ_POLLIN) != 0;
}

}  // namespace

ZmqTransport::ZmqTransport(boost::asio::io_context& io, ZmqTransportOptions options)
    : io_(io), options_(std::move(options)), log_(shared::component_logger("agent.zmq")) {}

ZmqTransport::~ZmqTransport() {
  stop();
}

void ZmqTransport::start(TransportHandlers handlers) {
  handlers_ = std::move(handlers);
  try {
    socket_ = zmq::socket_t(context_, zmq::socket_type::dealer);
    socket_.set(zmq::sockopt::immediate, 1);
    socket_.set(zmq::sockopt::linger, 0);  // unacknowledged data lives in the outbox
    socket_.set(zmq::sockopt::sndhwm, options_.send_high_water_mark);
    socket_.set(zmq::sockopt::reconnect_ivl, options_.reconnect_ms);
    socket_.set(zmq::sockopt::reconnect_ivl_max, options_.reconnect_max_ms);
    socket_.set(zmq::sockopt::heartbeat_ivl, options_.heartbeat_ms);
    socket_.set(zmq::sockopt::heartbeat_timeout, options_.heartbeat_timeout_ms);
    socket_.set(zmq::sockopt::heartbeat_ttl, options_.heartbeat_timeout_ms);

    const std::string monitor_endpoint =
        "inproc://pathwatch-agent-monitor-" + std::to_string(monitor_counter++);
    if (zmq_socket_monitor(socket_.handle(), monitor_endpoint.c_str(),
                           ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED) != 0) {
      throw zmq::error_t();
    }
    monitor_ = zmq::socket_t(context_, zmq::socket_type::pair);
    monitor_.connect(monitor_endpoint);
    for (const auto& endpoint : options_.endpoints) socket_.connect(endpoint);

    // The descriptors belong to libzmq: released, never closed, in stop().
    socket_fd_ =
        std::make_unique<boost::asio::posix::stream_descriptor>(io_, socket_.get(zmq::sockopt::fd));
    monitor_fd_ = std::make_unique<boost::asio::posix::stream_descriptor>(
        io_, monitor_.get(zmq::sockopt::fd));
  } catch (const zmq::error_t& e) {
    throw std::runtime_error(std::string("collector link: ") + e.what());
  }
  running_ = true;
  wait_socket();
  wait_monitor();
  schedule_drain();  // ZMQ_FD may already be "ready" with no edge to come
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
      if (id == ZMQ_EVENT_CONNECTED) {
        ++counters_.connects;
        ++connections_;
        log_->info("connected to collector {}", endpoint);
        if (handlers_.on_connected) handlers_.on_connected();
      } else if (id == ZMQ_EVENT_DISCONNECTED) {
        ++counters_.disconnects;
        if (connections_ > 0) --connections_;
        log_->warn("collector {} disconnected; reconnecting", endpoint);
        if (handlers_.on_disconnected) handlers_.on_disconnected();
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
  alive_ = std::make_shared<int>(0);
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
}

}  // namespace pathwatch::agent
