// Delivered messages per second over the real agent link: agent side (Publisher + DiskSpool +
// ZmqTransport) to collector side (ZAP handler + ZmqIngestServer + IngestPipeline + MemoryStore)
// on loopback, CURVE or plaintext. Two processes (`run` pins each to its own core with taskset).
//   bench_curve collector ENDPOINT curve|plain KEYDIR
//   bench_curve agent ENDPOINT curve|plain KEYDIR SPOOLDIR COUNT [BATCH]
// BATCH: the publisher's batch_max_messages (default 64 as in the agent; 1 = one message per
// ZeroMQ frame, as before Batch frames existed).
// The agent prints one JSON line: {"mode":..,"messages":N,"seconds":S,"per_second":R,...}.
#include <fmt/format.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <zmq.hpp>

#include "agent/publish/envelope_factory.hpp"
#include "agent/publish/publisher.hpp"
#include "agent/publish/zmq_transport.hpp"
#include "agent/spool/disk_spool.hpp"
#include "collector/auth/key_authorizer.hpp"
#include "collector/auth/zap_handler.hpp"
#include "collector/ingest/zmq_ingest_server.hpp"
#include "collector/store/memory_store.hpp"
#include "pathwatch/v1/messages.pb.h"
#include "shared/security/curve_keys.hpp"
#include "shared/time/clock.hpp"

using namespace pathwatch;

namespace {

int run_collector(const std::string& endpoint, bool curve, const std::string& keys) {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  pthread_sigmask(SIG_BLOCK, &mask, nullptr);
  const int stop_fd = signalfd(-1, &mask, SFD_CLOEXEC);
  zmq::context_t context{1};
  collector::AgentKeyRegistryHandle registry(
      std::make_shared<const collector::AgentKeyRegistry>(std::vector<collector::AgentKeyEntry>{
          {"bench-agent", "bench", {shared::load_public_key_file(keys + "/agent.pub")}}}));
  collector::ZapCounters zap_counters;
  std::unique_ptr<collector::ZapHandler> zap;
  collector::KeyAuthorizer authorizer(registry);
  collector::IngestSocketOptions o;
  o.listen = {endpoint};
  o.insecure_plaintext = !curve;
  o.context = &context;
  // The per-sender flood limit (5,000 msg/s by default) would measure itself, not the link.
  o.flood.enabled = false;
  if (curve) {
    zap = std::make_unique<collector::ZapHandler>(context, registry, zap_counters);
    zap->start();
    o.curve_secret_key = shared::load_secret_key_file(keys + "/server.key");
  }
  collector::ZmqIngestServer server(o);
  collector::IngestCounters counters;
  collector::MemoryStore store;
  collector::IngestPipeline pipeline(collector::IngestOptions{}, counters,
                                     curve ? &authorizer : nullptr);
  shared::SystemClock clock;
  server.run(pipeline, store, clock, stop_fd);
  fmt::print(stderr, "collector: {} stored, {} rejected\n", counters.stored.load(),
             counters.rejected_total());
  return 0;
}

int run_agent(const std::string& endpoint, bool curve, const std::string& keys,
              const std::string& spool_dir, std::uint64_t count, std::size_t batch) {
  shared::SystemClock clock;
  boost::asio::io_context io;
  agent::SpoolConfig sc;
  sc.directory = spool_dir;
  sc.max_bytes = 4ull << 30;
  auto spool = agent::open_disk_spool(sc, clock);
  agent::EnvelopeFactory envelopes("bench-agent", "bench", clock, spool->highest_seq() + 1);
  agent::ZmqTransportOptions to;
  to.endpoints = {endpoint};
  to.insecure_plaintext = !curve;
  if (curve) {
    to.curve_server_public_key = shared::load_public_key_file(keys + "/server.pub");
    to.curve_public_key = shared::load_public_key_file(keys + "/agent.pub");
    to.curve_secret_key = shared::load_secret_key_file(keys + "/agent.key");
  }
  agent::ZmqTransport transport(io, to);
  agent::PublisherOptions po;
  po.batch_max_messages = batch;
  agent::Publisher publisher(
      envelopes, *spool, transport, clock, [](v1::Hello& h) { h.set_agent_version("bench"); }, po);
  // A window summary of a typical size (~150 bytes on the wire).
  const auto fill = [&](v1::Envelope& e) {
    auto* w = e.mutable_window();
    w->mutable_flow()->set_target("asp-app");
    w->mutable_flow()->set_address("198.18.30.10");
    w->mutable_flow()->set_path("primary");
    w->mutable_flow()->set_kind(v1::PROBE_KIND_TCP);
    w->mutable_flow()->set_port(8443);
    const auto now = e.created_unix_nanos();
    w->set_start_unix_nanos(now - 10'000'000'000);
    w->set_end_unix_nanos(now);
    w->set_sent(10);
    w->set_received(10);
    w->set_state(v1::PATH_STATE_UP);
  };
  publisher.start();
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t published = 0;
  std::uint64_t target = 0;
  boost::asio::steady_timer timer(io);
  std::function<void()> step = [&] {
    // Publish in slices so producing, spooling and sending interleave as in the agent.
    for (int i = 0; i < 2000 && published < count; ++i, ++published) {
      target = publisher.publish(agent::MessageClass::kSummary, fill);
    }
    publisher.tick(clock.mono_now());
    if (published == count && publisher.acked_through() >= target) {
      io.stop();
      return;
    }
    if (std::chrono::steady_clock::now() - t0 > std::chrono::seconds{120}) {
      io.stop();
      return;
    }
    timer.expires_after(std::chrono::microseconds{200});
    timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) step();
    });
  };
  step();
  io.run();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  publisher.stop();
  const bool complete = publisher.acked_through() >= target;
  fmt::print(
      "{{\"mode\":\"{}\",\"batch\":{},\"messages\":{},\"seconds\":{:.3f},\"per_second\":{:.0f},"
      "\"frames\":{},\"batches\":{},\"complete\":{}}}\n",
      curve ? "curve" : "plain", batch, count, s, static_cast<double>(count) / s,
      transport.counters().sent, publisher.counters().batches, complete);
  return complete ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 5 && std::string(argv[1]) == "collector") {
    return run_collector(argv[2], std::string(argv[3]) == "curve", argv[4]);
  }
  if (argc >= 7 && std::string(argv[1]) == "agent") {
    return run_agent(argv[2], std::string(argv[3]) == "curve", argv[4], argv[5],
                     std::stoull(argv[6]), argc >= 8 ? std::stoul(argv[7]) : 64);
  }
  fmt::print(stderr, "usage: bench_curve collector|agent ...\n");
  return 2;
}
