// The ingest socket: a ZeroMQ ROUTER bound to the configured endpoints. Each agent message is
// one frame after the routing id (one envelope, or a Batch of them); the answer is one
// CollectorMessage frame with the ack, sent only after the commit holding the message is
// durable (commits run on a CommitThread while the loop decodes on). zmq errors stay here.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "collector/ingest/ingest_limits.hpp"
#include "collector/ingest/ingest_pipeline.hpp"
#include "collector/store/store.hpp"
#include "shared/security/curve_keys.hpp"
#include "shared/time/clock.hpp"

namespace zmq {
class context_t;
}

namespace pathwatch::collector {

struct IngestSocketOptions {
  std::vector<std::string> listen;
  bool insecure_plaintext = false;
  // CURVE server key (zmq_curve(7)); required unless insecure_plaintext. The ZAP handler must
  // already be bound in `context` (collector/auth/zap_handler.hpp): without one libzmq lets
  // every CURVE client in.
  shared::CurveSecretKey curve_secret_key;
  // The ZeroMQ context shared with the ZAP handler; null: the server makes its own (plaintext).
  zmq::context_t* context = nullptr;
  // A CollectorMessage.heartbeat goes to every agent heard from this often, so an agent can
  // tell a silent collector from a dead one (and fail over).
  std::chrono::milliseconds heartbeat_interval{5000};
  // Hard cap enforced by libzmq itself (it drops the connection): far above the pipeline's own
  // limit so oversized messages are counted and rejected by the pipeline first.
  std::int64_t zmq_max_message_bytes = 4 * 64 * 1024;
  // Per-sender message and byte rates, enforced before a frame is decoded.
  FloodLimits flood;
};

class ZmqIngestServer {
 public:
  // Binds every endpoint. Throws std::runtime_error naming the endpoint that failed.
  explicit ZmqIngestServer(const IngestSocketOptions& options);
  ~ZmqIngestServer();

  // The endpoints as bound (a tcp port 0 shows the port the kernel chose).
  std::vector<std::string> bound_endpoints() const;
  // What the flood limits dropped (readable from other threads).
  const FloodCounters& flood_counters() const;

  // Serves until stop_fd becomes readable (a signalfd or a pipe), then stops accepting,
  // commits and acks what was received, and returns. `tick` runs about once a second on this
  // thread, after gap expiry: acks wait while it runs, so the collector passes none (its
  // upkeep runs on threads of its own, collector/upkeep).
  void run(IngestPipeline& pipeline, Store& store, const shared::Clock& clock, int stop_fd,
           const std::function<void(shared::UtcNanos)>& tick = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pathwatch::collector
