// ZAP thread: poll (REP socket, reload fd) with a short timeout so stop() is seen promptly.
#include "collector/auth/zap_handler.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

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
  int reload_fd;
  Reload reload;
  std::atomic<bool> running{false};
  std::thread thread;
  shared::LoggerPtr log = shared::component_logger("collector.auth");
  std::chrono::steady_clock::time_point last_deny_log{};
  std::uint64_t denied_since_log = 0;

  Impl(zmq::context_t& context, AgentKeyRegistryHandle& r, ZapCounters& c, int fd, Reload f)
      : socket(context, zmq::socket_type::rep),
        registry(r),
        counters(c),
        reload_fd(fd),
        reload(std::move(f)) {}

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

  void do_reload() {
    signalfd_siginfo info;
    while (::read(reload_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    }
    if (!reload) return;
    try {
      auto next = reload();
      const std::size_t keys = next->keys();
      registry.set(std::move(next));
      counters.reloads.fetch_add(1, std::memory_order_relaxed);
      log->info("agent keys reloaded: {} keys registered", keys);
    } catch (const std::exception& e) {
      counters.reload_failures.fetch_add(1, std::memory_order_relaxed);
      log->error("agent key reload rejected, keeping the registered keys: {}", e.what());
    }
  }

  void serve() {
    while (running.load()) {
      zmq::pollitem_t items[] = {{static_cast<void*>(socket), 0, ZMQ_POLLIN, 0},
                                 {nullptr, reload_fd, ZMQ_POLLIN, 0}};
      const int count = reload_fd >= 0 ? 2 : 1;
      try {
        zmq::poll(items, count, kPollInterval);
        if (items[0].revents & ZMQ_POLLIN) answer();
        if (count == 2 && (items[1].revents & ZMQ_POLLIN)) do_reload();
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) return;
        if (e.num() != EINTR) log->error("ZAP handler: {}", e.what());
      }
    }
  }
};

ZapHandler::ZapHandler(zmq::context_t& context, AgentKeyRegistryHandle& registry,
                       ZapCounters& counters, int reload_fd, Reload reload)
    : impl_(std::make_unique<Impl>(context, registry, counters, reload_fd, std::move(reload))) {
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
