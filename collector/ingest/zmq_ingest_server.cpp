// ROUTER loop: poll (socket + stop fd + commit-done eventfd) -> drain up to a batch -> hand the
// batch to the CommitThread on size or deadline and go on decoding -> acks once it committed. With
// CURVE the socket is a CURVE server; the ZAP handler (collector/auth) puts the client's Z85 public
// key in each message's User-Id, which becomes the PeerIdentity.
#include "collector/ingest/zmq_ingest_server.hpp"

#include <fmt/format.h>
#include <sys/eventfd.h>
#include <unistd.h>

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

  // Tells the connection a frame came on which of the seqs it sent were refused and why (at most
  // one Reject per run of seqs; docs/protocol.md "Reject"). A claim of another agent's id is
  // answered to the sender, never to the agent it named.
  void send_rejects(zmq::message_t& sender, const std::vector<RejectedSeqs>& rejects,
                    IngestCounters& counters) {
    for (const auto& r : rejects) {
      pathwatch::v1::CollectorMessage reply;
      reply.set_schema_version(1);
      auto* reject = reply.mutable_reject();
      reject->set_first_seq(r.first_seq);
      reject->set_last_seq(r.last_seq);
      reject->set_reason(to_string(r.reason));
      const std::string bytes = reply.SerializeAsString();
      try {
        zmq::message_t id;
        id.copy(sender);
        if (!socket.send(id, zmq::send_flags::sndmore | zmq::send_flags::dontwait)) continue;
        if (socket.send(zmq::buffer(bytes), zmq::send_flags::dontwait)) {
          counters.rejects_sent.fetch_add(1, std::memory_order_relaxed);
        }
      } catch (const zmq::error_t&) {
        // Gone: a resend after reconnecting is refused and told again.
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
  // Listen endpoints may be IPv6 (tcp://[fd00:5057::10]:7070) or a v4/v6 wildcard.
  impl_->socket.set(zmq::sockopt::ipv6, 1);
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
  // The commit thread says "done" through this eventfd, which the poll below watches.
  const int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) throw std::runtime_error("ingest: eventfd failed");
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{wake_fd};
  CommitThread committer(store, [wake_fd] {
    const std::uint64_t one = 1;
    (void)!::write(wake_fd, &one, sizeof one);
  });

  shared::MonoNanos deadline{};
  shared::MonoNanos next_tick = clock.mono_now();
  shared::MonoNanos next_heartbeat = clock.mono_now() + s.heartbeat_interval;
  const std::size_t batch_messages = pipeline.options().batch_messages;
  // A finished commit's acks, now (the only place acks come from: after a durable commit).
  const auto collect = [&](bool wait) {
    if (auto r = pipeline.collect(committer, clock.utc_now(), wait)) {
      s.send_acks(*r, &pipeline.counters());
    }
  };
  // Hands what is pending to the commit thread unless a commit is in flight (at most one: the
  // watermark a batch writes assumes the batch before it is durable).
  const auto start_commit = [&] {
    if (pipeline.in_flight()) return;
    pipeline.submit(committer, clock.utc_now());
    if (!pipeline.in_flight()) collect(false);  // nothing to write: acks owed go out at once
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
    // Flood limits before any decoding, per envelope (inside a batch too), keyed by the
    // connection's routing id.
    const std::string_view sender(static_cast<const char*>(id.data()), id.size());
    const auto now = clock.mono_now();
    const bool was_empty = pipeline.pending() == 0;
    FrameResult r;
    if (malformed) {
      if (s.limiter->admit(sender, payload.size(), now) != Admission::kAdmitted) return true;
      (void)pipeline.handle({}, clock.utc_now(), PeerIdentity{s.peer_key(payload)});
    } else {
      const auto bytes =
          std::span<const std::byte>(static_cast<const std::byte*>(payload.data()), payload.size());
      const EnvelopeAdmission admit = [&](std::size_t size) {
        return s.limiter->admit(sender, size, now) == Admission::kAdmitted;
      };
      r = pipeline.handle_frame(bytes, clock.utc_now(), PeerIdentity{s.peer_key(payload)}, admit);
    }
    if (!r.rejects.empty()) s.send_rejects(id, r.rejects, pipeline.counters());
    if (!r.agent_id.empty()) s.routes[r.agent_id].copy(id);
    for (const auto& other : r.other_agents) s.routes[other].copy(id);
    if (was_empty && pipeline.pending() > 0) deadline = now + pipeline.options().batch_delay;
    if (pipeline.batch_full()) {
      // Keep decoding while a commit runs (the next batch grows); wait only when far ahead,
      // which bounds memory and makes a slow disk push back on the socket.
      collect(false);
      if (pipeline.in_flight() && pipeline.pending() >= 4 * batch_messages) collect(true);
      start_commit();
    }
    return true;
  };

  for (;;) {
    const auto now = clock.mono_now();
    long timeout_ms = 1000;
    if (!pipeline.in_flight() && pipeline.has_pending_acks()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
      timeout_ms = std::max<long>(0, left.count());
    }
    // While a commit is in flight the eventfd wakes us when it is done.
    zmq::pollitem_t items[] = {{static_cast<void*>(s.socket), 0, ZMQ_POLLIN, 0},
                               {nullptr, stop_fd, ZMQ_POLLIN, 0},
                               {nullptr, wake_fd, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 3, std::chrono::milliseconds{timeout_ms});
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
    }
    if (items[1].revents & ZMQ_POLLIN) break;
    if (items[2].revents & ZMQ_POLLIN) {
      std::uint64_t n = 0;
      (void)!::read(wake_fd, &n, sizeof n);
    }
    collect(false);
    if (items[0].revents & ZMQ_POLLIN) {
      // Bounded: at most one batch of frames and of envelopes (a frame may be a Batch) per
      // turn, so the deadline, the commit thread's result and the stop fd stay responsive.
      const std::uint64_t before = pipeline.counters().received.load(std::memory_order_relaxed);
      for (std::size_t i = 0;
           i < batch_messages &&
           pipeline.counters().received.load(std::memory_order_relaxed) - before < batch_messages &&
           drain_once();
           ++i) {
      }
    }
    const auto after = clock.mono_now();
    if (pipeline.has_pending_acks() && (pipeline.pending() == 0 || after >= deadline)) {
      start_commit();
    }
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
  collect(true);  // the batch in flight first: its acks, then everything after it
  s.send_acks(pipeline.flush(store, clock.utc_now()), &pipeline.counters());
  s.log->info("ingest stopped; pending messages committed and acknowledged");
}

}  // namespace pathwatch::collector
