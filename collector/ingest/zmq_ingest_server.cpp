// ROUTER loop: poll (socket + stop fd) -> drain up to a batch -> flush on size or deadline ->
// acks. With CURVE the socket is a CURVE server; the ZAP handler (collector/auth) puts the
// client's Z85 public key in each message's User-Id, which becomes the PeerIdentity.
#include "collector/ingest/zmq_ingest_server.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <unordered_map>
#include <zmq.hpp>

#include "pathwatch/v1/messages.pb.h"
#include "shared/logging/logging.hpp"

namespace pathwatch::collector {

struct ZmqIngestServer::Impl {
  explicit Impl(zmq::context_t* shared_context)
      : own_context(shared_context ? nullptr : std::make_unique<zmq::context_t>(1)),
        socket(shared_context ? *shared_context : *own_context, zmq::socket_type::router) {}

  std::unique_ptr<zmq::context_t> own_context;
  zmq::socket_t socket;
  bool curve = false;
  std::chrono::milliseconds heartbeat_interval{5000};
  std::vector<std::string> bound;
  std::unordered_map<std::string, zmq::message_t> routes;  // agent_id -> routing id
  shared::LoggerPtr log = shared::component_logger("collector.ingest");
  std::unique_ptr<IngestLimiter> limiter;

  void send_acks(const FlushResult& flushed, IngestCounters* counters) {
    for (const auto& ack : flushed.acks) {
      auto it = routes.find(ack.agent_id);
      if (it == routes.end()) continue;
      pathwatch::v1::CollectorMessage reply;
      reply.set_schema_version(1);
      reply.mutable_ack()->set_through_seq(ack.through_seq);
      const std::string bytes = reply.SerializeAsString();
      try {
        zmq::message_t id;
        id.copy(it->second);
        if (!socket.send(id, zmq::send_flags::sndmore | zmq::send_flags::dontwait)) continue;
        if (socket.send(zmq::buffer(bytes), zmq::send_flags::dontwait) && counters) {
          counters->acks_sent.fetch_add(1, std::memory_order_relaxed);
        }
      } catch (const zmq::error_t& e) {
        // An agent that went away: it resends after reconnecting and gets the ack then.
        log->debug("ack to '{}' not sent: {}", ack.agent_id, e.what());
      }
    }
  }

  // "The collector is alive" to every agent heard from: an agent that hears nothing (no ack, no
  // heartbeat) for its failover timeout moves to its next collector endpoint.
  void send_heartbeats() {
    pathwatch::v1::CollectorMessage beat;
    beat.set_schema_version(1);
    beat.mutable_heartbeat();
    const std::string bytes = beat.SerializeAsString();
    for (auto& [agent, route] : routes) {
      try {
        zmq::message_t id;
        id.copy(route);
        if (!socket.send(id, zmq::send_flags::sndmore | zmq::send_flags::dontwait)) continue;
        (void)socket.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
      } catch (const zmq::error_t&) {
        // Gone: it reconnects or fails over.
      }
    }
  }

  // The key this message's connection authenticated with (ZAP User-Id), or "" in plaintext.
  std::string peer_key(zmq::message_t& payload) const {
    if (!curve) return "";
    const char* user = zmq_msg_gets(payload.handle(), "User-Id");
    return user ? std::string(user) : std::string();
  }
};

ZmqIngestServer::ZmqIngestServer(const IngestSocketOptions& options)
    : impl_(std::make_unique<Impl>(options.context)) {
  impl_->limiter = std::make_unique<IngestLimiter>(options.flood);
  impl_->heartbeat_interval = options.heartbeat_interval;
  if (!options.insecure_plaintext) {
    if (!shared::is_z85_key(options.curve_secret_key.reveal())) {
      throw std::runtime_error("the ingest socket needs a CURVE secret key");
    }
    if (options.context == nullptr) {
      throw std::runtime_error("CURVE ingest needs the context its ZAP handler is bound in");
    }
    impl_->curve = true;
    impl_->socket.set(zmq::sockopt::curve_server, 1);
    impl_->socket.set(zmq::sockopt::curve_secretkey, options.curve_secret_key.reveal());
    // libzmq asks the ZAP handler about every CURVE handshake once one is bound.
    impl_->socket.set(zmq::sockopt::zap_domain, "pathwatch");
  }
  impl_->socket.set(zmq::sockopt::linger, 1000);
  impl_->socket.set(zmq::sockopt::maxmsgsize, options.zmq_max_message_bytes);
  impl_->socket.set(zmq::sockopt::router_handover, 1);
  for (const auto& ep : options.listen) {
    try {
      impl_->socket.bind(ep);
    } catch (const zmq::error_t& e) {
      throw std::runtime_error(fmt::format("cannot listen on {}: {}", ep, e.what()));
    }
    impl_->bound.push_back(impl_->socket.get(zmq::sockopt::last_endpoint));
  }
}

ZmqIngestServer::~ZmqIngestServer() = default;

std::vector<std::string> ZmqIngestServer::bound_endpoints() const {
  return impl_->bound;
}

const FloodCounters& ZmqIngestServer::flood_counters() const {
  return impl_->limiter->counters();
}

void ZmqIngestServer::run(IngestPipeline& pipeline, Store& store, const shared::Clock& clock,
                          int stop_fd, const std::function<void(shared::UtcNanos)>& tick) {
  Impl& s = *impl_;
  shared::MonoNanos deadline{};
  shared::MonoNanos next_tick = clock.mono_now();
  shared::MonoNanos next_heartbeat = clock.mono_now() + s.heartbeat_interval;
  const auto flush = [&] {
    const FlushResult r = pipeline.flush(store, clock.utc_now());
    s.send_acks(r, &pipeline.counters());
  };
  // Reads whatever is queued without waiting; returns false when nothing was there.
  const auto drain_once = [&]() -> bool {
    zmq::message_t id;
    if (!s.socket.recv(id, zmq::recv_flags::dontwait)) return false;
    zmq::message_t payload;
    bool malformed = !id.more();
    if (!malformed) {
      (void)s.socket.recv(payload, zmq::recv_flags::none);
      while (payload.more()) {  // extra frames: not our protocol
        zmq::message_t extra;
        (void)s.socket.recv(extra, zmq::recv_flags::none);
        malformed = true;
        if (!extra.more()) break;
      }
    }
    // Flood limits before any decoding, keyed by the connection's routing id (the
    // authenticated CURVE key should be the key once ZAP fills PeerIdentity).
    const std::string_view sender(static_cast<const char*>(id.data()), id.size());
    if (s.limiter->admit(sender, payload.size(), clock.mono_now()) != Admission::kAdmitted) {
      return true;
    }
    const auto bytes = malformed
                           ? std::span<const std::byte>{}
                           : std::span<const std::byte>(
                                 static_cast<const std::byte*>(payload.data()), payload.size());
    const bool was_empty = pipeline.pending() == 0;
    const HandleResult r =
        pipeline.handle(bytes, clock.utc_now(), PeerIdentity{s.peer_key(payload)});
    if (r.outcome != HandleResult::Outcome::kRejected) {
      auto& route = s.routes[r.agent_id];
      route.copy(id);
    }
    if (was_empty && pipeline.pending() > 0)
      deadline = clock.mono_now() + pipeline.options().batch_delay;
    if (pipeline.batch_full()) flush();
    return true;
  };

  for (;;) {
    const auto now = clock.mono_now();
    long timeout_ms = 1000;
    if (pipeline.has_pending_acks()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
      timeout_ms = std::max<long>(0, left.count());
    }
    zmq::pollitem_t items[] = {{static_cast<void*>(s.socket), 0, ZMQ_POLLIN, 0},
                               {nullptr, stop_fd, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 2, std::chrono::milliseconds{timeout_ms});
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
    }
    if (items[1].revents & ZMQ_POLLIN) break;
    if (items[0].revents & ZMQ_POLLIN) {
      // Bounded: at most one batch per turn, so the deadline and the stop fd stay responsive.
      for (std::size_t i = 0; i < pipeline.options().batch_messages && drain_once(); ++i) {
      }
    }
    const auto after = clock.mono_now();
    if (pipeline.has_pending_acks() && (pipeline.pending() == 0 || after >= deadline)) flush();
    if (after >= next_tick) {
      next_tick = after + std::chrono::seconds{1};
      pipeline.expire_gaps(clock.utc_now());
      if (tick) tick(clock.utc_now());
    }
    if (after >= next_heartbeat) {
      next_heartbeat = after + s.heartbeat_interval;
      s.send_heartbeats();
    }
  }
  // Shutdown: stop accepting new connections, take in what already arrived, commit, ack.
  for (const auto& ep : s.bound) {
    try {
      s.socket.unbind(ep);
    } catch (const zmq::error_t&) {
    }
  }
  for (std::size_t i = 0; i < 100000 && drain_once(); ++i) {
  }
  flush();
  s.log->info("ingest stopped; pending messages committed and acknowledged");
}

}  // namespace pathwatch::collector
