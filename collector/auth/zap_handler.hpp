// The collector's ZAP handler: a REP socket on inproc://zeromq.zap.01 in the ingest socket's
// ZeroMQ context, served by its own thread, answering from the registry in force (a SIGHUP
// swaps the registry: config_reload.hpp), so a rotation needs no restart. Must be started
// before the ingest socket accepts connections:
// libzmq lets a CURVE client in without ZAP when no handler is bound.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "collector/auth/agent_key_registry.hpp"
#include "shared/logging/logging.hpp"

namespace zmq {
class context_t;
}

namespace pathwatch::collector {

struct ZapCounters {
  std::atomic<std::uint64_t> allowed{0};
  std::atomic<std::uint64_t> denied{0};
  std::atomic<std::uint64_t> malformed{0};
};

class ZapHandler {
 public:
  // Binds the ZAP endpoint now (throws std::runtime_error), serves from start().
  ZapHandler(zmq::context_t& context, AgentKeyRegistryHandle& registry, ZapCounters& counters);
  ~ZapHandler();  // stops and joins
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  void start();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pathwatch::collector
