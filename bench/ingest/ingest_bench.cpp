// Window summaries committed per second through the real ingest pipeline (decode, validate,
// dedup, sessions, batching) into the SQLite store (WAL, synchronous=FULL) on this machine.
// Prints one JSON line per figure.
// Runs over the same rows: the pipeline committing inline (one thread), the pipeline with its
// CommitThread (decode of batch N+1 overlaps the commit of batch N), the collector's real socket
// loop (ZmqIngestServer: plaintext ROUTER on loopback, pipelined commits, acks after each
// durable commit) fed by one DEALER with each agent's messages in Batch frames of 64 and then
// one message per frame, timed until the last ack came back; and the ceiling: raw SQLite
// inserts of the same window rows (prepared statement, same table and index, same WAL + FULL
// durability and transaction size) with nothing else around them.
//   bench_ingest [MESSAGES] [AGENTS] [BATCH] [RUNS]
// RUNS: a comma-separated subset of inline,pipelined,socket_batched,socket_single,raw_sqlite
// (default all): to profile one path with perf, or repeat one against the peer quickly. Figures
// of runs left out are not printed.
#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "collector/ingest/ingest_pipeline.hpp"
#include "collector/ingest/zmq_ingest_server.hpp"
#include "collector/store/sqlite_store.hpp"
#include "pathwatch/v1/messages.pb.h"

namespace pb = pathwatch::v1;
using namespace pathwatch;

int main(int argc, char** argv) {
  const std::size_t messages = argc > 1 ? std::stoul(argv[1]) : 400'000;
  const std::size_t agents = argc > 2 ? std::stoul(argv[2]) : 100;
  const std::size_t batch = argc > 3 ? std::stoul(argv[3]) : 5000;
  const std::string runs = argc > 4 ? "," + std::string(argv[4]) + ","
                                    : ",inline,pipelined,socket_batched,socket_single,raw_sqlite,";
  auto wanted = [&](const std::string& name) {
    return runs.find("," + name + ",") != std::string::npos;
  };
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
  struct Run {
    std::size_t stored = 0;
    double seconds = 0;
    double cpu_seconds = 0;  // this process's CPU time (all threads)
  };
  auto timed = [&](const std::string& name, auto&& body) {
    const auto path = (dir / (name + ".db")).string();
    Run r;
    r.stored = per_agent * agents;  // a run left out counts as complete (not printed)
    if (!wanted(name)) return r;
    const auto begin = std::chrono::steady_clock::now();
    const std::clock_t cpu_begin = std::clock();
    r.stored = body(path);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    r.cpu_seconds = static_cast<double>(std::clock() - cpu_begin) / CLOCKS_PER_SEC;
    fmt::print(stderr, "bench_ingest {}: {} summaries from {} agents in {:.3f} s ({:.3f} CPU s)\n",
               name, r.stored, agents, r.seconds, r.cpu_seconds);
    return r;
  };
  auto handle = [&](collector::IngestPipeline& pipeline, const std::string& m) {
    pipeline.handle({reinterpret_cast<const std::byte*>(m.data()), m.size()}, now);
  };
  collector::IngestOptions options;
  options.batch_messages = batch;

  // Store opened outside the timed part (schema creation is not ingest).
  const Run inline_run = [&] {
    collector::SqliteStore store(collector::SqliteOptions{(dir / "inline.db").string()}, now);
    return timed("inline", [&](const std::string&) {
      collector::IngestCounters counters;
      collector::IngestPipeline pipeline(options, counters);
      std::size_t stored = 0;
      for (const auto& m : wire) {
        handle(pipeline, m);
        if (pipeline.batch_full()) stored += pipeline.flush(store, now).stored;
      }
      return stored + pipeline.flush(store, now).stored;
    });
  }();

  const Run pipelined_run = [&] {
    collector::SqliteStore store(collector::SqliteOptions{(dir / "pipelined.db").string()}, now);
    return timed("pipelined", [&](const std::string&) {
      collector::IngestCounters counters;
      collector::IngestPipeline pipeline(options, counters);
      collector::CommitThread committer(store);
      std::size_t stored = 0;
      for (const auto& m : wire) {
        handle(pipeline, m);
        if (!pipeline.batch_full()) continue;
        // Keep decoding while a commit runs (the batch grows); block only when far ahead.
        const bool far_ahead = pipeline.pending() >= 4 * batch;
        if (auto r = pipeline.collect(committer, now, far_ahead)) stored += r->stored;
        if (!pipeline.in_flight()) pipeline.submit(committer, now);
      }
      if (auto r = pipeline.collect(committer, now, true)) stored += r->stored;
      pipeline.submit(committer, now);
      if (auto r = pipeline.collect(committer, now, true)) stored += r->stored;
      return stored;
    });
  }();

  // The real socket loop. Frames are built before the clock starts (that is the agent's work).
  constexpr std::size_t kPerFrame = 64;
  auto socket_run = [&](const std::string& name, std::size_t per_frame) {
    if (!wanted(name)) return timed(name, [](const std::string&) { return std::size_t{0}; });
    std::vector<std::string> frames;
    for (std::size_t c = 0; c < per_agent; c += per_frame) {
      for (std::size_t a = 0; a < agents; ++a) {
        if (per_frame == 1) {
          frames.push_back(wire[c * agents + a]);
          continue;
        }
        pb::Envelope f;
        f.set_schema_version(1);
        for (std::size_t i = c; i < std::min(per_agent, c + per_frame); ++i) {
          f.mutable_batch()->add_envelopes(wire[i * agents + a]);
        }
        frames.push_back(f.SerializeAsString());
      }
    }
    collector::SqliteStore store(collector::SqliteOptions{(dir / (name + ".db")).string()}, now);
    collector::IngestSocketOptions o;
    o.listen = {"tcp://127.0.0.1:*"};
    o.insecure_plaintext = true;
    o.flood.enabled = false;  // the limiter would measure itself
    collector::ZmqIngestServer server(o);
    collector::IngestCounters counters;
    collector::IngestPipeline pipeline(options, counters);
    pipeline.load(store);
    shared::SystemClock clock;
    int stop[2];
    if (::pipe(stop) != 0) throw std::runtime_error("pipe");
    std::thread loop([&] { server.run(pipeline, store, clock, stop[0]); });
    zmq::context_t context(1);
    zmq::socket_t dealer(context, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    dealer.connect(server.bound_endpoints().at(0));
    const Run r = timed(name, [&](const std::string&) {
      const std::size_t expected = per_agent * agents;
      std::size_t next = 0;
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds{300};
      // Committed = counted by the loop after the durable commit, when it sends the acks.
      while (counters.stored.load() < expected && std::chrono::steady_clock::now() < give_up) {
        const short events = ZMQ_POLLIN | (next < frames.size() ? ZMQ_POLLOUT : 0);
        zmq::pollitem_t item{static_cast<void*>(dealer), 0, events, 0};
        zmq::poll(&item, 1, std::chrono::milliseconds{5});
        zmq::message_t m;
        while (dealer.recv(m, zmq::recv_flags::dontwait)) {  // acks: read so none queue up
        }
        for (int k = 0; k < 256 && next < frames.size(); ++k) {
          if (!dealer.send(zmq::buffer(frames[next]), zmq::send_flags::dontwait)) break;
          ++next;
        }
      }
      return static_cast<std::size_t>(counters.stored.load());
    });
    const char one = 1;
    (void)!::write(stop[1], &one, 1);
    loop.join();
    ::close(stop[0]);
    ::close(stop[1]);
    return r;
  };
  const Run socket_batched = socket_run("socket_batched", kPerFrame);
  const Run socket_single = socket_run("socket_single", 1);

  // Ceiling: the same rows decoded in advance, straight into the same table shape.
  struct Row {
    std::int64_t flow, seq, start, end;
  };
  std::vector<Row> rows;
  rows.reserve(wire.size());
  for (const auto& m : wire) {
    pb::Envelope e;
    e.ParseFromString(m);
    const std::int64_t flows = kFlowsPerAgent;
    const std::int64_t a = std::stoll(e.agent_id().substr(6));
    rows.push_back(Row{a * flows + static_cast<std::int64_t>(e.seq()) % flows,
                       static_cast<std::int64_t>(e.seq()), e.window().start_unix_nanos(),
                       e.window().end_unix_nanos()});
  }
  const Run raw_run = timed("raw_sqlite", [&](const std::string& path) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA "
                 "wal_autocheckpoint=16384; PRAGMA cache_size=-65536; CREATE TABLE windows (flow "
                 "INTEGER NOT NULL, seq INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT "
                 "NULL, sent INTEGER NOT NULL, received INTEGER NOT NULL, lost INTEGER NOT NULL, "
                 "rtt_avg INTEGER NOT NULL, rtt_p99 INTEGER NOT NULL, state INTEGER NOT NULL, "
                 "tcp_ok INTEGER NOT NULL, tcp_refused INTEGER NOT NULL, tcp_timeout INTEGER NOT "
                 "NULL, tcp_unreachable INTEGER NOT NULL, tcp_error INTEGER NOT NULL); CREATE "
                 "INDEX windows_by_start ON windows (start);",
                 nullptr, nullptr, nullptr);
    sqlite3_stmt* ins = nullptr;
    sqlite3_prepare_v2(db,
                       "INSERT INTO windows VALUES (?,?,?,?,10,10,0,2000000,3000000,1,0,0,0,0,0)",
                       -1, &ins, nullptr);
    std::size_t stored = 0;
    for (std::size_t i = 0; i < rows.size(); i += batch) {
      sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
      for (std::size_t j = i; j < std::min(rows.size(), i + batch); ++j) {
        sqlite3_bind_int64(ins, 1, rows[j].flow);
        sqlite3_bind_int64(ins, 2, rows[j].seq);
        sqlite3_bind_int64(ins, 3, rows[j].start);
        sqlite3_bind_int64(ins, 4, rows[j].end);
        if (sqlite3_step(ins) == SQLITE_DONE) ++stored;
        sqlite3_reset(ins);
      }
      sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    }
    sqlite3_finalize(ins);
    sqlite3_close(db);
    return stored;
  });
  std::filesystem::remove_all(dir);

  auto figure = [&](const std::string& name, double value, const char* unit) {
    for (const char* run :
         {"pipelined_vs", "inline", "pipelined", "socket_batched", "socket_single", "raw_sqlite"}) {
      const std::string r = run;
      if (name.rfind(r, 0) == 0 || (r == "inline" && name.rfind("summaries", 0) == 0)) {
        const bool ok =
            r == "pipelined_vs" ? wanted("pipelined") && wanted("raw_sqlite") : wanted(r);
        if (!ok) return;
        break;
      }
    }
    fmt::print(R"({{"bench":"ingest","figure":"{}","value":{:.{}f},"unit":"{}"}})"
               "\n",
               name, value, std::string(unit) == "ratio" ? 2 : 0, unit);
  };
  auto per_s = [](const Run& r) { return static_cast<double>(r.stored) / r.seconds; };
  auto per_cpu_s = [](const Run& r) { return static_cast<double>(r.stored) / r.cpu_seconds; };
  // The historical names are the inline pipeline, so earlier records stay comparable.
  figure("summaries_committed_per_s", per_s(inline_run), "1/s");
  figure("summaries_committed_per_cpu_s", per_cpu_s(inline_run), "1/s");
  figure("pipelined_summaries_committed_per_s", per_s(pipelined_run), "1/s");
  figure("pipelined_summaries_committed_per_cpu_s", per_cpu_s(pipelined_run), "1/s");
  figure("socket_batched_summaries_committed_per_s", per_s(socket_batched), "1/s");
  figure("socket_batched_summaries_committed_per_cpu_s", per_cpu_s(socket_batched), "1/s");
  figure("socket_single_summaries_committed_per_s", per_s(socket_single), "1/s");
  figure("socket_single_summaries_committed_per_cpu_s", per_cpu_s(socket_single), "1/s");
  figure("raw_sqlite_rows_per_s", per_s(raw_run), "1/s");
  figure("raw_sqlite_rows_per_cpu_s", per_cpu_s(raw_run), "1/s");
  figure("pipelined_vs_raw_sqlite_wall", per_s(pipelined_run) / per_s(raw_run), "ratio");
  figure("pipelined_vs_raw_sqlite_cpu", per_cpu_s(pipelined_run) / per_cpu_s(raw_run), "ratio");
  if (wanted("raw_sqlite")) {
    figure("socket_batched_vs_raw_sqlite_wall", per_s(socket_batched) / per_s(raw_run), "ratio");
    figure("socket_batched_vs_raw_sqlite_cpu", per_cpu_s(socket_batched) / per_cpu_s(raw_run),
           "ratio");
  }
  const std::size_t expected = per_agent * agents;
  return inline_run.stored == expected && pipelined_run.stored == expected &&
                 socket_batched.stored == expected && socket_single.stored == expected &&
                 raw_run.stored == expected
             ? 0
             : 1;
}
