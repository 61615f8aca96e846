// The agent's run loop: ordered start-up steps, each undone by a teardown step that always
// runs; signals (SIGHUP reload, SIGTERM/SIGINT flush and stop); the single io_context.
#include "agent/agent_main.hpp"

#include <malloc.h>
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
#include "agent/runtime/seq_resume.hpp"
#include "agent/spool/disk_spool.hpp"
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
  // One malloc arena for the whole process, before any thread exists: glibc gives each thread
  // that allocates its own arena (the ZeroMQ I/O thread: ~0.2 MB resident), and the agent's
  // threads allocate too little for the shared arena's lock to matter
  // (bench/agent_vs_fping; docs/benchmarks.md).
  mallopt(M_ARENA_MAX, 1);
  auto log = shared::component_logger("agent");
  // Step 1: configuration (a ConfigError leaves through run_guarded: exit 2).
  auto config = std::make_shared<const AgentConfig>(load_agent_config(options.config_file));
  // The YAML document is gone now, but its pages (~5 MB for 1,000 targets: yaml-cpp keeps a
  // few hundred bytes per node) stay resident between the config's own allocations unless
  // handed back; the runtime then grows into fresh pages instead of on top of them
  // (bench/agent_vs_fping: peak RSS).
  malloc_trim(0);
  apply_log_level(options, *config);
  log->info("{} starting: agent {} site {}, {} paths, {} targets",
            shared::version_line("pathwatch-agent"), config->agent_id, config->site,
            config->paths.size(), config->targets.size());

  shared::SystemClock clock;
  boost::asio::io_context io;

  // Step 2: where messages wait for the collector's ack, and sequence numbers that survive
  // restarts. With spool.directory: the disk spool, opened before the SeqStore (which would
  // otherwise create the directory with the process umask); without it: memory only.
  DiskSpoolPtr spool;
  std::unique_ptr<MemoryOutbox> memory_outbox;
  if (config->spool.directory.empty()) {
    log->warn("no spool directory: messages wait in memory and seq restarts at 1");
    memory_outbox = std::make_unique<MemoryOutbox>(config->spool.max_bytes, kOutboxMessages);
  } else {
    try {
      spool = open_disk_spool(config->spool, clock);
    } catch (const SpoolStartError& e) {
      log->error("cannot use the spool: {}", e.what());
      return shared::kExitFailure;
    }
  }
  Outbox& outbox = spool ? static_cast<Outbox&>(*spool) : *memory_outbox;
  SeqStore seq_store(config->spool.directory);
  // After a crash the spool may hold seqs above the store's reservation (the spool syncs
  // events, the seq store does not): number above both (docs/spool.md).
  const SeqResume resume =
      plan_seq_resume(seq_store.first(), spool ? spool->highest_seq() : std::uint64_t{0});
  const std::uint64_t first_seq = resume.first;
  EnvelopeFactory envelopes(config->agent_id, config->site, clock, first_seq);
  TeardownStep close_seq([&] { seq_store.close(envelopes.next_seq()); });
  if (spool) {
    log->info("spool {}: {} unacknowledged messages, acknowledged through {}, next seq {}",
              config->spool.directory, spool->messages(), spool->acked_through(), first_seq);
  }

  // Step 3: the publisher and its link to the collector.
  // CURVE keys (exit 2 naming a missing, malformed or group/world-readable key file), or the
  // insecure_plaintext warning.
  ZmqTransport transport(io, transport_options_from(config->collector));
  const HelloFacts facts{shared::kVersion, host_name(), clock.utc_now()};
  // `config` is captured by reference: SIGHUP replaces it and Hello must describe the new one.
  Publisher publisher(
      envelopes, outbox, transport, clock,
      [&](pathwatch::v1::Hello& hello) { fill_hello(*config, facts, hello); },
      PublisherOptions{config->collector.heartbeat_or(config->window), std::chrono::seconds{15}},
      [&](std::uint64_t seq) {
        if (!seq_store.reserve(seq)) log->error("cannot persist the sequence number");
      });
  if (resume.skipped() > 0) {
    // Reserved by a run that crashed and never used: say so, or the collector waits for
    // them (gap_timeout) before its ack moves past them.
    log->info("seq {}..{}: reserved by the previous run, not in the spool (crash)",
              resume.skipped_first, resume.skipped_last);
    DropTally none;
    none.first_seq = resume.skipped_first;
    none.last_seq = resume.skipped_last;
    // No message carried these seqs, so no time either: date the range at this start.
    none.first_unix_nanos = none.last_unix_nanos = shared::to_unix_nanos(clock.utc_now());
    publisher.publish_drop_report(none);
  }
  publisher.start();
  TeardownStep stop_publisher([&] { publisher.stop(); });

  // Step 4: probing.
  AgentRuntime runtime(io, clock, publisher);
  // Summaries are written at once and synced within a second (docs/spool.md).
  if (spool) runtime.set_tick_hook([&] { spool->sync_due(); });
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
    if (spool) {
      log->info("{} messages not acknowledged yet: they stay in the spool for the next run",
                publisher.unacknowledged());
    } else {
      log->warn("{} messages were not acknowledged before exit (no spool directory: lost)",
                publisher.unacknowledged());
    }
  }
  log->info("stopped");
  return shared::kExitOk;
}

}  // namespace pathwatch::agent
