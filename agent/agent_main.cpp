// The agent's run loop: ordered start-up steps, each undone by a teardown step that always
// runs; signals (SIGHUP reload, SIGTERM/SIGINT flush and stop); the single io_context.
#include "agent/agent_main.hpp"

#include <fmt/format.h>
#include <malloc.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <random>
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

// Random per run (docs/protocol.md Hello.incarnation): tells the collector a restart from a
// reconnect without trusting clocks or seqs.
std::uint64_t random_incarnation() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

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
    log->warn(
        "no spool directory: messages wait in memory (lost at a stop or crash); seqs "
        "continue from the clock floor");
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
  SeqStore seq_store(config->spool.directory, clock);
  // Above the reservation and the spool, or above the clock floor when no reservation can be
  // trusted (docs/spool.md "Sequence numbers across restarts").
  const SeqResume resume = plan_seq_resume(
      {seq_store.persisted(), spool ? spool->highest_seq() : std::uint64_t{0}, clock.utc_now()});
  const std::uint64_t first_seq = resume.first;
  // A reservation that cannot be written now is not fatal: the file is gone, so the next
  // start takes the clock floor (SeqStore logs it).
  seq_store.start_at(first_seq);
  EnvelopeFactory envelopes(config->agent_id, config->site, clock, first_seq);
  TeardownStep close_seq([&] { seq_store.close(envelopes.next_seq()); });
  log->info("first seq of this run {}{}", first_seq,
            resume.from_clock ? " (clock floor: no persisted reservation)" : "");
  if (spool) {
    log->info("spool {}: {} unacknowledged messages, acknowledged through {}, highest seq held {}",
              config->spool.directory, spool->messages(), spool->acked_through(),
              spool->highest_seq());
  }

  // Step 3: the publisher and its link to the collector.
  // CURVE keys (exit 2 naming a missing, malformed or group/world-readable key file), or the
  // insecure_plaintext warning.
  ZmqTransport transport(io, transport_options_from(config->collector));
  HelloFacts facts{shared::kVersion, host_name(), clock.utc_now()};
  facts.incarnation = random_incarnation();
  facts.first_seq = first_seq;
  facts.carried_through = resume.carried_through;
  // `config` is captured by reference: SIGHUP replaces it and Hello must describe the new one.
  PublisherOptions publisher_options;
  publisher_options.heartbeat_after = config->collector.heartbeat_or(config->window);
  publisher_options.resend_after = std::chrono::seconds{15};
  Publisher publisher(
      envelopes, outbox, transport, clock,
      [&](pathwatch::v1::Hello& hello) { fill_hello(*config, facts, hello); }, publisher_options,
      [&](std::uint64_t seq) { seq_store.reserve(seq); });
  // What an earlier run lost (in memory when it stopped or was killed with the disk full;
  // dropped and not yet reported): one DropReport with the true counts.
  publisher.report_pending_drops();
  if (spool && resume.carried_through > 0 && first_seq > resume.carried_through + 1) {
    // Seqs above everything the spool ever held (messages in memory included) and below this
    // run: reserved by a run that crashed, never carrying a message. The Hello's first_seq
    // says so too; this DropReport (0 messages) is for collectors older than that field,
    // which would otherwise wait gap_timeout before their ack moves past them.
    DropTally none;
    none.first_seq = resume.carried_through + 1;
    none.last_seq = first_seq - 1;
    none.ranges = {{none.first_seq, none.last_seq}};
    // No message carried these seqs, so no time either: date the range at this start.
    none.first_unix_nanos = none.last_unix_nanos = shared::to_unix_nanos(clock.utc_now());
    log->info("seq {}..{}: reserved by an earlier run, never used", none.first_seq, none.last_seq);
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
      log->info("{} messages not acknowledged yet: they stay in the spool for the next run{}",
                publisher.unacknowledged(),
                spool->memory_messages() > 0
                    ? fmt::format(" ({} of them in memory because the disk failed: lost, and "
                                  "reported by the next run)",
                                  spool->memory_messages())
                    : std::string());
    } else {
      log->warn("{} messages were not acknowledged before exit (no spool directory: lost)",
                publisher.unacknowledged());
    }
  }
  log->info("stopped");
  return shared::kExitOk;
}

}  // namespace pathwatch::agent
