// The publisher's view of the link to the collector: one-frame messages out, one-frame
// messages in, and connection events. ZmqTransport implements it; tests use a fake.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace pathwatch::agent {

struct TransportHandlers {
  std::function<void()> on_connected;     // a connection to a collector is up
  std::function<void()> on_disconnected;  // it went away (the transport reconnects itself)
  std::function<void(std::string_view frame)> on_frame;
};

enum class SendStatus : std::uint8_t {
  kSent,        // handed to the transport
  kWouldBlock,  // no connection, or its queue is full: try again later
  kError,       // anything else (logged and counted by the transport)
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Connects; handlers run on the agent's io_context thread. Throws std::runtime_error when
  // the transport cannot be set up at all (a bad endpoint): a start-up error.
  virtual void start(TransportHandlers handlers) = 0;
  // Never blocks.
  virtual SendStatus try_send(std::string_view frame) = 0;
  // No handler runs after this returns. Idempotent.
  virtual void stop() = 0;
};

using TransportPtr = std::unique_ptr<Transport>;

}  // namespace pathwatch::agent
