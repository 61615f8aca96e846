// The collector's run loop: ordered start-up steps (config, store + migrations, signals,
// ingest socket, API), serving until SIGTERM/SIGINT, then a teardown list that always runs in
// reverse order. Ingest commits and acks what it received before returning.
#include "collector/collector_main.hpp"

#include <fmt/format.h>
#include <google/protobuf/stubs/logging.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "collector/api/api_access.hpp"
#include "collector/api/api_handler.hpp"
#include "collector/api/http_server.hpp"
#include "collector/api/refused_write_audit.hpp"
#include "collector/auth/key_authorizer.hpp"
#include "collector/auth/zap_handler.hpp"
#include "collector/config/collector_config.hpp"
#include "collector/config/config_reload.hpp"
#include "collector/incident/incident_service.hpp"
#include "collector/ingest/ingest_pipeline.hpp"
#include "collector/ingest/zmq_ingest_server.hpp"
#include "collector/store/sqlite_store.hpp"
#include "collector/upkeep/periodic_task.hpp"
#include "shared/cli/command_line.hpp"
#include "shared/config/config_error.hpp"
#include "shared/logging/logging.hpp"
#include "shared/security/curve_keys.hpp"

namespace pathwatch::collector {

namespace {

// Runs its steps' undo actions in reverse order, whatever happened.
class Teardown {
 public:
  ~Teardown() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) (*it)();
  }
  void add(std::function<void()> f) { undo_.push_back(std::move(f)); }

 private:
  std::vector<std::function<void()>> undo_;
};

// libprotobuf prints one stderr line for every string field with invalid UTF-8 it parses, so a
// hostile peer sending garbage could flood the log past our rate limits. Ingest already counts
// and logs (rate-limited) every frame it rejects, so these lines go to debug level only.
void protobuf_log_to_debug(google::protobuf::LogLevel level, const char* file, int line,
                           const std::string& message) {
  static const auto log = shared::component_logger("collector.protobuf");
  if (level >= google::protobuf::LOGLEVEL_FATAL) {
    log->critical("{}:{}: {}", file, line, message);
  } else {
    log->debug("{}:{}: {}", file, line, message);
  }
}

// How often retention (roll-ups and pruning) runs, the incident monitor ticks, and the
// reload task looks for a SIGHUP.
constexpr std::chrono::milliseconds kRetentionInterval = std::chrono::hours{1};
constexpr std::chrono::milliseconds kIncidentTick = std::chrono::seconds{1};
constexpr std::chrono::milliseconds kReloadPoll = std::chrono::milliseconds{100};

// What a SIGHUP compares with, moved on only when a reload is applied.
struct InForce {
  std::map<std::string, std::string> keys;  // ConfigSnapshot::keys
  std::string log_level;
};

// One SIGHUP: reads the config file again; applies it whole (log level unless --log-level
// set it, agent keys, the incident keys) or refuses it whole, one error line per key that
// needs a restart.
void reload_config(const CollectorConfig& config, InForce& in_force,
                   const shared::DaemonOptions& options, AgentKeyRegistryHandle& registry,
                   incident::IncidentService* incidents) {
  auto log = shared::component_logger("collector");
  log->info("SIGHUP: reading {} again", config.file);
  try {
    ConfigSnapshot next = read_config_snapshot(config.file);
    const ReloadPlan plan = plan_reload(in_force.keys, next.keys);
    if (!plan.refused.empty()) {
      for (const auto& why : plan.refused) log->error("SIGHUP: {}", why);
      log->error(
          "SIGHUP: reload refused, nothing applied ({} keys need a restart); the "
          "collector runs on with its config as it was",
          plan.refused.size());
      return;
    }
    // The step that can still fail first, so a failure leaves everything as it was.
    if (incidents && plan.incidents) {
      incident::IncidentSetup setup;
      setup.topology = next.config.topology;
      setup.alerts = next.config.alerts;
      setup.notify = next.config.notify;
      incidents->reconfigure(std::move(setup));
    }
    registry.set(std::make_shared<const AgentKeyRegistry>(next.config.agents));
    if (!options.log_level && next.config.log_level != in_force.log_level) {
      if (const auto level = shared::parse_log_level(next.config.log_level)) {
        shared::set_log_level(*level);
        log->info("SIGHUP: log level {}", next.config.log_level);
      }
    }
    in_force = InForce{std::move(next.keys), next.config.log_level};
    log->info("SIGHUP: reloaded: {}; {} agent keys registered",
              plan.changed.empty() ? std::string{"no key changed"}
                                   : fmt::format("{}", fmt::join(plan.changed, ", ")),
              registry.get()->keys());
  } catch (const shared::ConfigError& e) {
    log->error("SIGHUP: reload refused, nothing applied: {}", e.what());
  } catch (const std::exception& e) {
    log->error("SIGHUP: reload failed: {}", e.what());
  }
}

}  // namespace

int run_collector(const shared::DaemonOptions& options) {
  ConfigSnapshot start = read_config_snapshot(options.config_file);
  const CollectorConfig config = std::move(start.config);
  InForce in_force{std::move(start.keys), config.log_level};  // for SIGHUP
  const auto level = shared::parse_log_level(options.log_level.value_or(config.log_level));
  if (level) shared::set_log_level(*level);
  auto log = shared::component_logger("collector");
  google::protobuf::SetLogHandler(&protobuf_log_to_debug);
  shared::SystemClock clock;
  Teardown teardown;

  // 0. CURVE: the server key (an owner-only file, or exit 2 naming it) and the agents' keys.
  shared::CurveSecretKey curve_secret;
  if (config.insecure_plaintext) {
    log->warn(
        "insecure_plaintext: agent links are neither authenticated nor encrypted; any "
        "host that reaches {} can write data (lab and loopback only)",
        fmt::join(config.listen, ", "));
  } else if (config.curve_secret_key_file.empty()) {
    throw shared::ConfigError(config.collector_location,
                              "collector needs 'curve' keys (public_key, secret_key), or "
                              "'insecure_plaintext: true' for a lab");
  } else {
    curve_secret = shared::load_secret_key_file(config.curve_secret_key_file);
    const std::string pub = shared::load_public_key_file(config.curve_public_key_file);
    if (shared::curve_public_of(curve_secret) != pub) {
      throw shared::ConfigError(
          {config.curve_public_key_file, 0, 0},
          "this public key does not belong to the secret key " + config.curve_secret_key_file);
    }
    if (config.agents.empty()) log->warn("no agents registered: every agent will be refused");
  }

  // 1. Store: open, migrate.
  SqliteOptions store_options;
  store_options.path = config.database;
  store_options.synchronous_full = config.synchronous_full;
  store_options.busy_timeout = config.busy_timeout;
  SqliteStore store(store_options, clock.utc_now());
  log->info("store {} (schema v{})", config.database, store.schema_version());

  // 1b. Incidents and alerts (with `topology:`): incident store, notification delivery thread
  // and the monitor its upkeep thread ticks (docs/incidents.md). Dropped after the API stops.
  // The monitor reads through a store of its own: its month reads (SLA budget) hold only its
  // own reader connection, never the API's, and never the writer (WAL: readers see the last
  // commit and block nobody).
  std::unique_ptr<SqliteStore> monitor_store;
  std::unique_ptr<incident::IncidentService> incidents;
  if (config.topology) {
    monitor_store = std::make_unique<SqliteStore>(store_options, clock.utc_now());
    incident::IncidentSetup setup;
    setup.topology = config.topology;
    setup.services = config.analysis.services;
    setup.analysis = &config.analysis;  // the SLA budget rule; config outlives `incidents`
    setup.alerts = config.alerts;
    setup.notify = config.notify;
    setup.database = config.database;
    setup.busy_timeout = config.busy_timeout;
    setup.monitor.tracker.stale_after = config.ingest.silence;
    incidents =
        std::make_unique<incident::IncidentService>(std::move(setup), *monitor_store, clock);
  }

  // 2. Signals: SIGTERM/SIGINT become readable on a signalfd the ingest loop polls, so a stop
  // is handled between batches, never inside one; SIGHUP on one the reload task polls.
  // Blocked before any thread starts.
  sigset_t mask, old_mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &mask, &old_mask);
  sigdelset(&mask, SIGHUP);
  teardown.add([old_mask] { pthread_sigmask(SIG_SETMASK, &old_mask, nullptr); });
  const int stop_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (stop_fd < 0) throw std::runtime_error("signalfd failed");
  teardown.add([stop_fd] {
    // Consume the stop signal, or it is delivered (and kills us) when the mask is restored.
    signalfd_siginfo info;
    while (read(stop_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    }
    close(stop_fd);
  });

  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  const int hup_fd = signalfd(-1, &hup, SFD_CLOEXEC | SFD_NONBLOCK);
  if (hup_fd < 0) throw std::runtime_error("signalfd failed");
  teardown.add([hup_fd] {
    // A SIGHUP after the reload task stopped would be delivered (and kill us with status
    // 129) when the mask is restored: consume it.
    signalfd_siginfo info;
    while (read(hup_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    }
    close(hup_fd);
  });

  // 3. Ingest socket, and with CURVE its ZAP handler first (libzmq admits every CURVE client
  // while no handler is bound). A SIGHUP swaps the registry (key rotation).
  zmq::context_t zmq_context{1};
  AgentKeyRegistryHandle registry(std::make_shared<const AgentKeyRegistry>(config.agents));
  ZapCounters zap_counters;
  std::unique_ptr<ZapHandler> zap;
  std::unique_ptr<KeyAuthorizer> authorizer;
  if (!config.insecure_plaintext) {
    zap = std::make_unique<ZapHandler>(zmq_context, registry, zap_counters);
    zap->start();
    authorizer = std::make_unique<KeyAuthorizer>(registry);
    log->info("CURVE on agent links: {} agent keys registered", registry.get()->keys());
  }
  IngestSocketOptions socket_options;
  socket_options.listen = config.listen;
  socket_options.insecure_plaintext = config.insecure_plaintext;
  socket_options.curve_secret_key = curve_secret;
  socket_options.context = &zmq_context;
  socket_options.flood = config.flood;
  socket_options.zmq_max_message_bytes =
      static_cast<std::int64_t>(config.ingest.limits.max_message_bytes) * 4;
  ZmqIngestServer ingest(socket_options);
  for (const auto& ep : ingest.bound_endpoints()) log->info("ingest listening on {}", ep);

  // 4. API: who may call (the token file, or loopback operators), then the server. The config
  // loader already refused a non-loopback address without tokens.
  const ApiAccess access = config.api_tokens ? ApiAccess::with_tokens(*config.api_tokens)
                                             : ApiAccess::loopback_operators(config.api_address);
  if (config.api_tokens) {
    log->info("API: {} bearer tokens from {}", access.token_count(), config.api_tokens_file);
  } else {
    log->warn(
        "API: no token file (api.tokens): every caller on this host's loopback is an operator "
        "and may change maintenance windows");
  }
  IngestCounters counters;
  ApiContext api_ctx{&store, &config.analysis, &counters, &clock, config.ingest.silence};
  if (incidents) api_ctx.incidents = &incidents->incidents();
  api_ctx.access = &access;
  RefusedWriteAudit refused_writes;
  api_ctx.refused_writes = &refused_writes;
  HttpServer api(
      config.api_address, config.api_port,
      [&api_ctx](const ApiRequest& r) { return handle_api(r, api_ctx); }, config.api_server);
  // At shutdown a running route's reads fail at once, so stopping the API takes at most ~2 s
  // (a month's availability may read for longer). Upkeep has its own reader, unaffected.
  api.set_route_cancel([&store] { store.cancel_api_reads(); });
  api.start();  // stopped and joined by its destructor, before the store it reads goes away
  log->info("API listening on {}://{}:{}", config.api_server.tls ? "https" : "http",
            config.api_address, api.port());

  // 5. Upkeep, each on its own thread so the ingest thread only ingests (a month's SLA budget
  // or an hour of retention never delays an ack): the incident tick, and retention, which
  // deletes in bounded chunks (SqliteOptions::retention_chunk_rows) so a commit waits at most
  // for one chunk. Stopped (the run in progress finishes) before what they use goes away.
  PeriodicTask incident_task("incidents", kIncidentTick, [&] { incidents->tick(clock.utc_now()); });
  PeriodicTask retention_task("retention", kRetentionInterval, [&] {
    try {
      const auto r = store.apply_retention(config.retention, clock.utc_now());
      log->info("retention: {} hourly rows rolled up, {} windows, {} hourly rows, {} events pruned",
                r.hours_rolled_up, r.windows_pruned, r.hourly_pruned, r.events_pruned);
    } catch (const StoreError& e) {
      log->error("retention failed: {}", e.what());
    }
    if (incidents) incidents->prune_outbox(clock.utc_now());
  });
  // SIGHUP: the whole config again, applied whole or refused whole (config_reload.hpp). On a
  // thread of its own: reading key and token files never holds up ingest or the ZAP thread.
  PeriodicTask reload_task("reload", kReloadPoll, [&] {
    signalfd_siginfo info;
    bool hup_seen = false;
    while (read(hup_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) hup_seen = true;
    if (!hup_seen) return;
    reload_config(config, in_force, options, registry, incidents.get());
  });
  if (incidents) incident_task.start();
  retention_task.start();
  reload_task.start();

  // 6. Serve.
  IngestPipeline pipeline(config.ingest, counters, authorizer.get());
  pipeline.load(store);
  ingest.run(pipeline, store, clock, stop_fd);
  reload_task.stop();
  retention_task.stop();
  incident_task.stop();
  log->info("stopped: {} messages stored, {} duplicates dropped, {} rejected",
            counters.stored.load(), counters.duplicates.load(), counters.rejected_total());
  if (zap) {
    log->info("CURVE: {} connections admitted, {} refused (unregistered key)",
              zap_counters.allowed.load(), zap_counters.denied.load());
  }
  return shared::kExitOk;
}

}  // namespace pathwatch::collector
