// The agent's run loop: ordered start-up steps, each undone by a teardown step that always
// runs; signals (SIGHUP reload, SIGTERM/SIGINT flush and stop); the single io_context.
#include "agent/agent_main.hpp"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <vector>

#include "agent/config/agent_config.hpp"
#include "agent/publish/envelope_factory.hpp"
#include "agent/publish/memory_outbox.hpp"
#include "agent/publish/messages.hpp"
#include "agent/publish/publisher.hpp"
#include "agent/publish/seq_store.hpp"
#include "agent/publish/zmq_transport.hpp"
#include "agent/runtime/agent_runtime.hpp"
#include "shared/cli/command_line.hpp"
#include "shared/config/config_error.hpp"
#include "shared/logging/logging.hpp"
#include "shared/time/clock.hpp"
#include "shared/version.hpp"

namespace pathwatch::agent {
namespace {

// How long SIGTERM waits for the collector to acknowledge what is still unacknowledged.
constexpr std::chrono::seconds kDrainTimeout{5};
// The in-memory outbox's bound on messages (the byte bound is spool.max_bytes).
constexpr std::uint64_t kOutboxMessages = 200'000;

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

void apply_log_level(const shared::DaemonOptions& options, const AgentConfig& config) {
  std::string name = options.log_level.value_or(config.log_level);
  // spdlog spells it "warning"; the config and the flag say "warn".
  if (name == "warn") name = "warning";
  if (auto level = shared::parse_log_level(name)) {
    shared::set_log_level(*level);
  } else {
    shared::component_logger("agent")->error("unknown log level '{}': keeping the current one",
                                             name);
  }
}

// One teardown step, declared right after what it undoes: C++ destroys in reverse order of
// declaration, so the steps run in reverse order of start-up on every way out (return,
// exception), and always before the objects they use are gone.
class TeardownStep {
 public:
  explicit TeardownStep(std::function<void()> step) : step_(std::move(step)) {}
  ~TeardownStep() {
    try {
      step_();
    } catch (const std::exception& e) {
      shared::component_logger("agent")->error("teardown: {}", e.what());
    }
  }
  TeardownStep(const TeardownStep&) = delete;
  TeardownStep& operator=(const TeardownStep&) = delete;

 private:
  std::function<void()> step_;
};

}  // namespace

int run_agent(const shared::DaemonOptions& options) {
  auto log = shared::component_logger("agent");
  // Step 1: configuration (a ConfigError leaves through run_guarded: exit 2).
  auto config = std::make_shared<const AgentConfig>(load_agent_config(options.config_file));
  apply_log_level(options, *config);
  log->info("{} starting: agent {} site {}, {} paths, {} targets",
            shared::version_line("pathwatch-agent"), config->agent_id, config->site,
            config->paths.size(), config->targets.size());

  shared::SystemClock clock;
  boost::asio::io_context io;

  // Step 2: sequence numbers that survive restarts.
  SeqStore seq_store(config->spool.directory);
  EnvelopeFactory envelopes(config->agent_id, config->site, clock, seq_store.first());
  TeardownStep close_seq([&] { seq_store.close(envelopes.next_seq()); });
  if (config->spool.directory.empty()) {
    log->warn("no spool directory: sequence numbers restart at 1 with the agent");
  }

  // Step 3: the publisher and its link to the collector.
  MemoryOutbox outbox(config->spool.max_bytes, kOutboxMessages);
  if (!config->collector.insecure_plaintext) {
    log->warn("CURVE is not implemented yet: connecting in plaintext");
  }
  ZmqTransport transport(io, ZmqTransportOptions{config->collector.endpoints});
  const HelloFacts facts{shared::kVersion, host_name(), clock.utc_now()};
  // `config` is captured by reference: SIGHUP replaces it and Hello must describe the new one.
  Publisher publisher(
      envelopes, outbox, transport, clock,
      [&](pathwatch::v1::Hello& hello) { fill_hello(*config, facts, hello); },
      PublisherOptions{config->window, std::chrono::seconds{15}},
      [&](std::uint64_t seq) {
        if (!seq_store.reserve(seq)) log->error("cannot persist the sequence number");
      });
  publisher.start();
  TeardownStep stop_publisher([&] { publisher.stop(); });

  // Step 4: probing.
  AgentRuntime runtime(io, clock, publisher);
  try {
    runtime.start(config);
  } catch (const std::runtime_error& e) {
    log->error("cannot start probing: {}", e.what());
    return shared::kExitFailure;  // the teardown steps above run
  }
  TeardownStep stop_runtime([&] { runtime.stop(); });

  // Step 5: signals. SIGTERM/SIGINT: stop probing, publish the partial windows, give the
  // collector kDrainTimeout to acknowledge, then leave the loop.
  boost::asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  boost::asio::steady_timer drain_poll(io);
  boost::asio::steady_timer drain_deadline(io);
  bool stopping = false;
  std::function<void()> check_drained = [&] {
    if (publisher.unacknowledged() == 0) {
      log->info("all messages acknowledged");
      io.stop();
      return;
    }
    drain_poll.expires_after(std::chrono::milliseconds{50});
    drain_poll.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) check_drained();
    });
  };
  std::function<void()> reload = [&] {
    try {
      auto fresh = std::make_shared<const AgentConfig>(load_agent_config(config->file));
      apply_log_level(options, *fresh);
      runtime.reload(fresh);
      config = fresh;
      publisher.publish_hello();
      log->info("configuration reloaded from {}", config->file);
    } catch (const shared::ConfigError& e) {
      log->error("reload rejected, keeping the running configuration: {}", e.what());
    } catch (const std::runtime_error& e) {
      log->error("reload failed, keeping the running configuration: {}", e.what());
    }
  };
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      if (signo == SIGHUP) {
        if (!stopping) reload();
      } else if (stopping) {
        log->warn("second stop signal: leaving without waiting for acknowledgements");
        io.stop();
        return;
      } else {
        stopping = true;
        log->info("signal {}: flushing (up to {} s for acknowledgements)", signo,
                  kDrainTimeout.count());
        runtime.stop();  // publishes the partial windows
        drain_deadline.expires_after(kDrainTimeout);
        drain_deadline.async_wait([&](const boost::system::error_code& e) {
          if (!e) io.stop();
        });
        check_drained();
      }
      wait_signal();
    });
  };
  wait_signal();

  io.run();
  if (stopping && publisher.unacknowledged() > 0) {
    log->warn("{} messages were not acknowledged before exit (no disk spool yet: lost)",
              publisher.unacknowledged());
  }
  log->info("stopped");
  return shared::kExitOk;
}

}  // namespace pathwatch::agent
