// Window summaries committed per second through the real ingest pipeline (decode, validate,
// dedup, sessions, batching) into the SQLite store (WAL, synchronous=FULL) on this machine.
// Prints one JSON line per figure. No socket: the ZeroMQ hop is measured elsewhere.
//   bench_ingest [MESSAGES] [AGENTS] [BATCH]
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "collector/ingest/ingest_pipeline.hpp"
#include "collector/store/sqlite_store.hpp"
#include "pathwatch/v1/messages.pb.h"

namespace pb = pathwatch::v1;
using namespace pathwatch;

int main(int argc, char** argv) {
  const std::size_t messages = argc > 1 ? std::stoul(argv[1]) : 400'000;
  const std::size_t agents = argc > 2 ? std::stoul(argv[2]) : 100;
  const std::size_t batch = argc > 3 ? std::stoul(argv[3]) : 5000;
  constexpr std::size_t kFlowsPerAgent = 40;
  const auto now = std::chrono::time_point_cast<shared::Nanos>(std::chrono::system_clock::now());
  const std::int64_t now_ns = shared::to_unix_nanos(now);
  constexpr std::int64_t kWindowNs = 10'000'000'000;

  // Messages prepared up front: per agent, seq increasing, every flow's window in turn.
  std::vector<std::string> wire;
  wire.reserve(messages);
  const std::size_t per_agent = messages / agents;
  const std::int64_t t0 =
      now_ns - static_cast<std::int64_t>(per_agent / kFlowsPerAgent + 1) * kWindowNs;
  for (std::size_t i = 0; i < per_agent; ++i) {
    for (std::size_t a = 0; a < agents; ++a) {
      pb::Envelope e;
      e.set_schema_version(1);
      e.set_agent_id(fmt::format("agent-{:04}", a));
      e.set_site(fmt::format("site-{:04}", a / 2));
      e.set_seq(i + 1);
      const std::int64_t start = t0 + static_cast<std::int64_t>(i / kFlowsPerAgent) * kWindowNs;
      e.set_created_unix_nanos(start + kWindowNs);
      auto* w = e.mutable_window();
      w->mutable_flow()->set_target(fmt::format("target-{:02}", (i % kFlowsPerAgent) / 2));
      w->mutable_flow()->set_address("198.18.30.10");
      w->mutable_flow()->set_path(i % 2 ? "backup" : "primary");
      w->mutable_flow()->set_kind(pb::PROBE_KIND_ICMP);
      w->set_start_unix_nanos(start);
      w->set_end_unix_nanos(start + kWindowNs);
      w->set_sent(10);
      w->set_received(10);
      w->mutable_rtt()->set_avg_ns(2'000'000);
      w->mutable_rtt()->set_p99_ns(3'000'000);
      w->set_state(pb::PATH_STATE_UP);
      wire.push_back(e.SerializeAsString());
    }
  }

  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("pw-bench-ingest-{}", getpid());
  std::filesystem::create_directories(dir);
  std::size_t stored = 0;
  double seconds = 0;
  double cpu_seconds = 0;  // this process's CPU time: what the figure would be on an idle core
  {
    collector::SqliteStore store(collector::SqliteOptions{(dir / "bench.db").string()}, now);
    collector::IngestCounters counters;
    collector::IngestOptions options;
    options.batch_messages = batch;
    collector::IngestPipeline pipeline(options, counters);
    const auto begin = std::chrono::steady_clock::now();
    const std::clock_t cpu_begin = std::clock();
    for (const auto& m : wire) {
      pipeline.handle({reinterpret_cast<const std::byte*>(m.data()), m.size()}, now);
      if (pipeline.batch_full()) stored += pipeline.flush(store, now).stored;
    }
    stored += pipeline.flush(store, now).stored;
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    cpu_seconds = static_cast<double>(std::clock() - cpu_begin) / CLOCKS_PER_SEC;
  }
  std::filesystem::remove_all(dir);
  fmt::print(stderr, "bench_ingest: {} summaries from {} agents in {:.3f} s, batch {}\n", stored,
             agents, seconds, batch);
  fmt::print(
      R"({{"bench":"ingest","figure":"summaries_committed_per_s","value":{:.0f},"unit":"1/s"}})"
      "\n",
      static_cast<double>(stored) / seconds);
  fmt::print(
      R"({{"bench":"ingest","figure":"summaries_committed_per_cpu_s","value":{:.0f},"unit":"1/s"}})"
      "\n",
      static_cast<double>(stored) / cpu_seconds);
  return stored == per_agent * agents ? 0 : 1;
}
