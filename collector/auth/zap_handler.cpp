// ZAP thread: poll the REP socket with a short timeout so stop() is seen promptly.
#include "collector/auth/zap_handler.hpp"

#include <chrono>
#include <stdexcept>
#include <zmq.hpp>

#include "collector/auth/zap_decision.hpp"

namespace pathwatch::collector {
namespace {
// One denial line per this long; the counter has them all (an attacker can trigger denials).
constexpr auto kDenyLogInterval = std::chrono::seconds{10};
constexpr auto kPollInterval = std::chrono::milliseconds{100};
}  // namespace

struct ZapHandler::Impl {
  zmq::socket_t socket;
  AgentKeyRegistryHandle& registry;
  ZapCounters& counters;
  std::atomic<bool> running{false};
  std::thread thread;
  shared::LoggerPtr log = shared::component_logger("collector.auth");
  std::chrono::steady_clock::time_point last_deny_log{};
  std::uint64_t denied_since_log = 0;

  Impl(zmq::context_t& context, AgentKeyRegistryHandle& r, ZapCounters& c)
      : socket(context, zmq::socket_type::rep), registry(r), counters(c) {}

  void answer() {
    std::vector<std::string> request;
    for (int i = 0; i < 16; ++i) {  // RFC 27 has 7 frames for CURVE; bounded regardless
      zmq::message_t frame;
      if (!socket.recv(frame, zmq::recv_flags::none)) return;
      request.push_back(frame.to_string());
      if (!frame.more()) break;
    }
    // Drain any frames beyond the bound so the REP state machine stays in step.
    while (socket.get(zmq::sockopt::rcvmore)) {
      zmq::message_t extra;
      (void)socket.recv(extra, zmq::recv_flags::none);
    }
    const ZapDecision d = decide_zap(request, *registry.get());
    switch (d.outcome) {
      case ZapDecision::Outcome::kAllowed:
        counters.allowed.fetch_add(1, std::memory_order_relaxed);
        break;
      case ZapDecision::Outcome::kDenied: {
        counters.denied.fetch_add(1, std::memory_order_relaxed);
        ++denied_since_log;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_deny_log >= kDenyLogInterval) {
          last_deny_log = now;
          log->warn(
              "denied a connection from {} (unregistered CURVE key); {} denied since the "
              "last report, {} in all",
              d.peer_address, denied_since_log, counters.denied.load());
          denied_since_log = 0;
        }
        break;
      }
      case ZapDecision::Outcome::kMalformed:
        counters.malformed.fetch_add(1, std::memory_order_relaxed);
        break;
    }
    // A REP socket must answer before it can receive again; a request too broken to answer
    // gets a bare 500 in the same shape.
    std::vector<std::string> reply = d.reply;
    if (reply.empty()) reply = {"1.0", request.size() > 1 ? request[1] : "", "500", "", "", ""};
    for (std::size_t i = 0; i < reply.size(); ++i) {
      const auto flags = i + 1 < reply.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
      (void)socket.send(zmq::buffer(reply[i]), flags);
    }
  }

  void serve() {
    while (running.load()) {
      zmq::pollitem_t items[] = {{static_cast<void*>(socket), 0, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(items, 1, kPollInterval);
        if (items[0].revents & ZMQ_POLLIN) answer();
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) return;
        if (e.num() != EINTR) log->error("ZAP handler: {}", e.what());
      }
    }
  }
};

ZapHandler::ZapHandler(zmq::context_t& context, AgentKeyRegistryHandle& registry,
                       ZapCounters& counters)
    : impl_(std::make_unique<Impl>(context, registry, counters)) {
  try {
    impl_->socket.set(zmq::sockopt::linger, 0);
    impl_->socket.bind("inproc://zeromq.zap.01");
  } catch (const zmq::error_t& e) {
    throw std::runtime_error(std::string("cannot start the ZAP handler: ") + e.what());
  }
}

ZapHandler::~ZapHandler() {
  stop();
}

void ZapHandler::start() {
  if (impl_->running.exchange(true)) return;
  impl_->thread = std::thread([this] { impl_->serve(); });
}

void ZapHandler::stop() {
  impl_->running.store(false);
  if (impl_->thread.joinable()) impl_->thread.join();
  try {
    impl_->socket.close();
  } catch (const zmq::error_t&) {
  }
}

}  // namespace pathwatch::collector
