// The sending half of the exactly-once test: the agent's own publishing code (Publisher over
// ZmqTransport, DiskSpool as the outbox) publishes N window summaries at a bounded rate and
// waits (bounded) until the collector has acknowledged every seq, however often the collector
// is killed meanwhile. Prints one JSON line with its counters; exit 0 when everything was acked.
//   exactly_once_driver ENDPOINT SPOOL_DIR N RATE_PER_S TIMEOUT_S
#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "agent/publish/envelope_factory.hpp"
#include "agent/publish/publisher.hpp"
#include "agent/publish/zmq_transport.hpp"
#include "agent/spool/disk_spool.hpp"
#include "pathwatch/v1/messages.pb.h"
#include "shared/time/clock.hpp"

namespace pb = pathwatch::v1;
using namespace pathwatch;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  if (argc < 6) {
    fmt::print(stderr, "usage: exactly_once_driver ENDPOINT SPOOL_DIR N RATE_PER_S TIMEOUT_S\n");
    return 2;
  }
  const std::string endpoint = argv[1], spool_dir = argv[2];
  const std::uint64_t total = std::stoull(argv[3]);
  const std::uint64_t rate = std::stoull(argv[4]);
  const auto timeout = std::chrono::seconds{std::stoi(argv[5])};

  shared::SystemClock clock;
  boost::asio::io_context io;
  agent::DiskSpoolOptions spool_options;
  spool_options.directory = spool_dir;
  agent::DiskSpool spool(spool_options, clock);
  agent::EnvelopeFactory envelopes("eo-agent", "eo-site", clock);
  agent::ZmqTransportOptions transport_options;
  transport_options.endpoints = {endpoint};
  transport_options.insecure_plaintext = true;
  transport_options.reconnect_ms = 100;
  transport_options.reconnect_max_ms = 500;
  transport_options.heartbeat_ms = 1000;
  transport_options.heartbeat_timeout_ms = 3000;
  transport_options.failover_after = std::chrono::hours{1};  // one collector: never move
  agent::ZmqTransport transport(io, transport_options);
  agent::PublisherOptions publisher_options;
  publisher_options.resend_after = 2s;  // a killed collector lost what it had not committed
  agent::Publisher publisher(
      envelopes, spool, transport, clock,
      [](pb::Hello& h) {
        h.set_agent_version("exactly-once-driver");
        h.set_hostname("driver");
        h.set_window_ns(10'000'000'000);
      },
      publisher_options);

  // Data time: 10 s windows ending before now, one flow per (target, path) pair in turn.
  constexpr std::int64_t kWindowNs = 10'000'000'000;
  constexpr std::uint64_t kFlows = 40;
  const std::int64_t t0 = shared::to_unix_nanos(clock.utc_now()) -
                          static_cast<std::int64_t>(total / kFlows + 2) * kWindowNs;
  std::uint64_t published = 0;
  auto publish_one = [&] {
    const std::uint64_t i = published++;
    const std::int64_t start = t0 + static_cast<std::int64_t>(i / kFlows) * kWindowNs;
    publisher.publish(agent::MessageClass::kSummary, [&](pb::Envelope& e) {
      auto* w = e.mutable_window();
      w->mutable_flow()->set_target(fmt::format("target-{:02}", (i % kFlows) / 2));
      w->mutable_flow()->set_address("198.18.30.10");
      w->mutable_flow()->set_path(i % 2 ? "backup" : "primary");
      w->mutable_flow()->set_kind(pb::PROBE_KIND_ICMP);
      w->set_start_unix_nanos(start);
      w->set_end_unix_nanos(start + kWindowNs);
      w->set_sent(10);
      w->set_received(10);
      w->set_state(pb::PATH_STATE_UP);
    });
  };

  const auto begin = std::chrono::steady_clock::now();
  auto last_tick = begin;
  bool done = false;
  boost::asio::steady_timer timer(io);
  std::function<void()> step = [&] {
    const auto now = std::chrono::steady_clock::now();
    // Publish at `rate` per second on average, in small bursts like window ends.
    const auto due = static_cast<std::uint64_t>(std::chrono::duration<double>(now - begin).count() *
                                                static_cast<double>(rate));
    while (published < total && published < due) publish_one();
    if (now - last_tick >= 100ms) {
      publisher.tick(clock.mono_now());
      spool.sync_due();
      last_tick = now;
    }
    // Every window published and the ack covers the newest seq (Hellos included).
    if (published == total && publisher.unacknowledged() == 0 &&
        publisher.acked_through() + 1 == envelopes.next_seq()) {
      done = true;
    }
    if (done || now - begin >= timeout) {
      io.stop();
      return;
    }
    timer.expires_after(2ms);
    timer.async_wait([&](const boost::system::error_code&) { step(); });
  };
  publisher.start();
  step();
  io.run();
  publisher.stop();
  const auto& c = publisher.counters();
  fmt::print(R"({{"done":{},"windows":{},"published":{},"acked_through":{},"sent":{},"resent":{},)"
             R"("rewinds":{},"seconds":{:.1f}}})"
             "\n",
             done, published, c.published, publisher.acked_through(), c.sent, c.resent, c.rewinds,
             std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count());
  return done ? 0 : 1;
}
