// Ack latency during a month's availability computation (issue 16 item 5). One SQLite file
// holds a month of window summaries; the collector's real socket loop (ZmqIngestServer,
// plaintext ROUTER on loopback) takes one window summary every 20 ms from a DEALER, which
// times each message from its send to the ack that covers it. Meanwhile the month's
// availability is computed again and again the way it was before issue 16 item 6 (every raw
// window of the month read and indexed: seconds, a stand-in for any slow upkeep run; since
// item 6 stored_availability itself takes well under a millisecond here):
//   ours: on a PeriodicTask with a store of its own (how collector_main runs upkeep now);
//   peer: inside the loop's tick, on the loop's store (how collector_main ran it before).
// Both run one after the other in one process over the same file. One JSON line per figure.
//   bench_ack_latency [FLOWS] [WINDOW_S] [SECONDS]
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "collector/analysis/flow_timeline.hpp"
#include "collector/analysis/stored_availability.hpp"
#include "collector/ingest/ingest_pipeline.hpp"
#include "collector/ingest/zmq_ingest_server.hpp"
#include "collector/store/sqlite_store.hpp"
#include "collector/upkeep/periodic_task.hpp"
#include "pathwatch/v1/messages.pb.h"
#include "shared/time/jst.hpp"

namespace pb = pathwatch::v1;
using namespace pathwatch;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kFlowsPerAgent = 10;  // 5 targets × 2 paths per site

struct Latencies {
  std::vector<double> ms;
  std::size_t computations = 0;
  double computation_s = 0;  // mean
  double percentile(double p) const {
    if (ms.empty()) return 0;
    std::vector<double> v = ms;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
  }
};

// A month of windows (and one session per agent) for `flows` flows, every `window` apart.
void fill_month(collector::SqliteStore& store, collector::Interval month, std::size_t flows,
                shared::Nanos window) {
  const std::size_t agents = (flows + kFlowsPerAgent - 1) / kFlowsPerAgent;
  const auto from = month.start - 1h;
  std::vector<std::uint64_t> seq(agents, 0);
  collector::CommitBatch batch;
  auto flush = [&] {
    const auto r = store.commit(batch);
    if (!r.ok) throw std::runtime_error("fill: " + r.error);
    batch = collector::CommitBatch{};
  };
  for (auto t = from; t < month.end; t += window) {
    for (std::size_t f = 0; f < flows; ++f) {
      const std::size_t a = f / kFlowsPerAgent;
      collector::StoredWindow w;
      w.flow = collector::FlowRef{fmt::format("agent-{:03}", a),
                                  fmt::format("site-{:03}", a),
                                  fmt::format("target-{}", (f % kFlowsPerAgent) / 2),
                                  "198.18.30.10",
                                  f % 2 ? "backup" : "primary",
                                  collector::ProbeKind::kIcmp,
                                  0};
      w.seq = ++seq[a];
      w.start = t;
      w.end = t + window;
      w.sent = 10;
      w.received = 10;
      w.state = collector::PathState::kUp;
      batch.messages.push_back(
          collector::StoredMessage{w.flow.agent_id, w.flow.site, w.seq, w.end, w.end, w});
    }
    if (batch.messages.size() >= 20000) flush();
  }
  for (std::size_t a = 0; a < agents; ++a) {
    batch.sessions.push_back(collector::AgentSession{
        fmt::format("agent-{:03}", a), fmt::format("site-{:03}", a), from, month.end});
  }
  flush();
}

// Runs the socket loop for `seconds` with one window summary every 20 ms from a DEALER and
// returns each message's send-to-ack time. `upkeep_in_loop`: the computation runs in the tick.
Latencies measure(const std::string& db, bool upkeep_in_loop, const collector::AnalysisConfig& cfg,
                  collector::Interval month, std::chrono::seconds seconds) {
  collector::SqliteStore store(collector::SqliteOptions{db}, month.end);
  Latencies out;
  std::atomic<std::size_t> computations{0};
  std::atomic<double> compute_total{0};
  auto compute = [&](collector::Store& s) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto in = collector::read_analysis_input(s, cfg, month);
    const collector::ObservationIndex index(
        collector::ObservationRows{in.changes, in.windows, in.sessions});
    const collector::AvailabilityContext ctx{&index, &cfg.holidays, &cfg.calendars, in.maintenance};
    const auto figures = collector::compute_availability_all(cfg.services, ctx, month);
    const double d = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (figures.size() != cfg.services.size()) throw std::runtime_error("figures");
    compute_total = compute_total + d;
    ++computations;
  };
  std::unique_ptr<collector::SqliteStore> own_store;
  std::unique_ptr<collector::PeriodicTask> task;
  if (!upkeep_in_loop) {
    own_store = std::make_unique<collector::SqliteStore>(collector::SqliteOptions{db}, month.end);
    task = std::make_unique<collector::PeriodicTask>("availability", 0ms,
                                                     [&] { compute(*own_store); });
  }
  collector::IngestSocketOptions o;
  o.listen = {"tcp://127.0.0.1:*"};
  o.insecure_plaintext = true;
  o.flood.enabled = false;
  collector::ZmqIngestServer server(o);
  collector::IngestCounters counters;
  collector::IngestPipeline pipeline(collector::IngestOptions{}, counters);
  pipeline.load(store);
  shared::SystemClock clock;
  int stop[2];
  if (::pipe(stop) != 0) throw std::runtime_error("pipe");
  std::thread loop([&] {
    if (upkeep_in_loop) {
      server.run(pipeline, store, clock, stop[0], [&](shared::UtcNanos) { compute(store); });
    } else {
      server.run(pipeline, store, clock, stop[0]);
    }
  });
  if (task) task->start();

  zmq::context_t context(1);
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(server.bound_endpoints().at(0));
  std::map<std::uint64_t, std::chrono::steady_clock::time_point> sent;
  std::uint64_t next_seq = 1;
  const auto begin = std::chrono::steady_clock::now();
  auto next_send = begin;
  const auto end = begin + seconds;
  // Latencies only of messages sent before `end`; then up to 60 s to collect their acks.
  while (std::chrono::steady_clock::now() < end + 60s &&
         (std::chrono::steady_clock::now() < end || !sent.empty())) {
    const auto now = std::chrono::steady_clock::now();
    if (now < end && now >= next_send) {
      next_send += 20ms;
      pb::Envelope e;
      e.set_schema_version(1);
      e.set_agent_id(upkeep_in_loop ? "probe-agent-peer" : "probe-agent-ours");
      e.set_site("probe-site");
      e.set_seq(next_seq);
      const auto t = shared::to_unix_nanos(clock.utc_now());
      e.set_created_unix_nanos(t);
      auto* w = e.mutable_window();
      w->mutable_flow()->set_target("probe-target");
      w->mutable_flow()->set_address("198.18.30.10");
      w->mutable_flow()->set_path("primary");
      w->mutable_flow()->set_kind(pb::PROBE_KIND_ICMP);
      w->set_start_unix_nanos(t - 20'000'000);
      w->set_end_unix_nanos(t);
      w->set_sent(1);
      w->set_received(1);
      w->set_state(pb::PATH_STATE_UP);
      sent.emplace(next_seq++, now);
      (void)dealer.send(zmq::buffer(e.SerializeAsString()), zmq::send_flags::dontwait);
    }
    zmq::pollitem_t item{static_cast<void*>(dealer), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, 2ms);
    zmq::message_t m;
    while (dealer.recv(m, zmq::recv_flags::dontwait)) {
      pb::CollectorMessage reply;
      if (!reply.ParseFromArray(m.data(), static_cast<int>(m.size())) || !reply.has_ack()) continue;
      const auto at = std::chrono::steady_clock::now();
      const std::uint64_t through = reply.ack().through_seq();
      for (auto it = sent.begin(); it != sent.end() && it->first <= through;) {
        out.ms.push_back(std::chrono::duration<double, std::milli>(at - it->second).count());
        it = sent.erase(it);
      }
    }
  }
  if (task) task->stop();
  const char one = 1;
  (void)!::write(stop[1], &one, 1);
  loop.join();
  ::close(stop[0]);
  ::close(stop[1]);
  out.computations = computations;
  out.computation_s = computations ? compute_total / static_cast<double>(computations) : 0;
  return out;
}

void print(const char* figure, double value, const char* unit) {
  std::printf("{\"bench\":\"ack_latency\",\"figure\":\"%s\",\"value\":%.6g,\"unit\":\"%s\"}\n",
              figure, value, unit);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t flows = argc > 1 ? std::stoul(argv[1]) : 100;
  const shared::Nanos window = std::chrono::seconds{argc > 2 ? std::stol(argv[2]) : 60};
  const std::chrono::seconds seconds{argc > 3 ? std::stol(argv[3]) : 20};
  const auto month = shared::jst_month(std::chrono::year{2026} / std::chrono::November);
  const collector::Interval range{month.start, month.end};
  collector::AnalysisConfig cfg;
  cfg.calendars.emplace("24x7", collector::ServiceCalendar{});
  for (std::size_t a = 0; a * kFlowsPerAgent < flows; ++a) {
    collector::ServiceSpec s;
    s.name = fmt::format("service-{:03}", a);
    for (int t = 0; t < 5; ++t) s.targets.push_back(fmt::format("target-{}", t));
    s.reference_sites = {fmt::format("site-{:03}", a)};
    cfg.services.push_back(s);
  }
  const std::string db = (std::filesystem::temp_directory_path() /
                          ("bench-ack-latency-" + std::to_string(::getpid()) + ".db"))
                             .string();
  int rc = 0;
  try {
    const auto t0 = std::chrono::steady_clock::now();
    {
      collector::SqliteStore store(collector::SqliteOptions{db}, range.start);
      fill_month(store, range, flows, window);
    }
    std::fprintf(stderr, "bench_ack_latency: month of %zu flows stored in %.1f s\n", flows,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    const Latencies peer = measure(db, true, cfg, range, seconds);
    const Latencies ours = measure(db, false, cfg, range, seconds);
    print("ours_p50_ms", ours.percentile(0.50), "ms");
    print("ours_p99_ms", ours.percentile(0.99), "ms");
    print("ours_max_ms", ours.percentile(1.0), "ms");
    print("peer_in_loop_p50_ms", peer.percentile(0.50), "ms");
    print("peer_in_loop_p99_ms", peer.percentile(0.99), "ms");
    print("peer_in_loop_max_ms", peer.percentile(1.0), "ms");
    print("p99_ratio_ours_to_peer", ours.percentile(0.99) / peer.percentile(0.99), "ratio");
    print("ours_acked_messages", static_cast<double>(ours.ms.size()), "messages");
    print("peer_acked_messages", static_cast<double>(peer.ms.size()), "messages");
    print("ours_month_computations", static_cast<double>(ours.computations), "runs");
    print("peer_month_computations", static_cast<double>(peer.computations), "runs");
    print("month_computation_s", ours.computation_s, "s");
    print("month_computation_in_loop_s", peer.computation_s, "s");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_ack_latency: %s\n", e.what());
    rc = 1;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  return rc;
}
