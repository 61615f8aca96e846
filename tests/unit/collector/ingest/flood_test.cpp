// The real ROUTER loop on loopback with an in-memory store: one client floods garbage and valid
// but excess messages while a good agent sends its windows; the good agent's messages must all
// be stored and acked while the flood is still running. Asserts delivery, never timing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <zmq.hpp>

#include "collector/ingest/zmq_ingest_server.hpp"
#include "collector/store/memory_store.hpp"
#include "pathwatch/v1/messages.pb.h"

namespace pathwatch::collector {
namespace {

namespace pb = pathwatch::v1;
using namespace std::chrono_literals;

std::string window_bytes(const std::string& agent, std::uint64_t seq, std::int64_t now_ns) {
  pb::Envelope e;
  e.set_schema_version(1);
  e.set_agent_id(agent);
  e.set_site("honcho");
  e.set_seq(seq);
  // Stamped in the past (seq seconds before now) so the decoder's time checks pass.
  e.set_created_unix_nanos(now_ns - 3'600'000'000'000 +
                           static_cast<std::int64_t>(seq) * 1'000'000'000);
  auto* w = e.mutable_window();
  w->mutable_flow()->set_target("asp-app");
  w->mutable_flow()->set_address("198.18.30.10");
  w->mutable_flow()->set_path("primary");
  w->set_start_unix_nanos(e.created_unix_nanos() - 1'000'000'000);
  w->set_end_unix_nanos(e.created_unix_nanos());
  w->set_sent(10);
  w->set_received(10);
  return e.SerializeAsString();
}

TEST(FloodTest, AFloodingClientNeverStallsAGoodAgent) {
  shared::SystemClock clock;
  const std::int64_t now_ns = shared::to_unix_nanos(clock.utc_now());

  IngestSocketOptions options;
  options.listen = {"tcp://127.0.0.1:0"};
  options.insecure_plaintext = true;
  // 500 msg/s with a burst of 1,000 per sender: the flooder (tens of thousands of frames a
  // second) is throttled within its first thousand frames; the good agent's 50 fit its burst.
  options.flood.messages_per_second = 500;
  options.flood.burst_messages = 1000;
  ZmqIngestServer server(options);
  const std::string endpoint = server.bound_endpoints().at(0);

  IngestCounters counters;
  IngestOptions ingest;
  IngestPipeline pipeline(ingest, counters);
  MemoryStore store;
  int stop_pipe[2];
  ASSERT_EQ(pipe(stop_pipe), 0);
  std::thread server_thread([&] { server.run(pipeline, store, clock, stop_pipe[0]); });

  zmq::context_t ctx(1);
  std::atomic<bool> stop_flood{false};
  std::atomic<bool> flood_done{false};
  std::atomic<std::uint64_t> flood_sent{0};
  // The flooder: alternates 3 garbage frames with one valid window of its own, as fast as
  // the socket takes them, until told to stop (bounded: at most 5 million frames; a send
  // waits at most 100 ms for the collector to drain).
  std::thread flooder([&] {
    zmq::socket_t s(ctx, zmq::socket_type::dealer);
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::sndtimeo, 100);
    s.connect(endpoint);
    const std::string garbage[] = {std::string("\xff\xff\xff\xff", 4), std::string(300, '\x0a'),
                                   std::string("\x08\x01\x12", 3)};
    std::uint64_t seq = 0;
    for (std::uint64_t i = 0; i < 5'000'000 && !stop_flood.load(); ++i) {
      const std::string frame =
          i % 4 == 3 ? window_bytes("flooder", ++seq, now_ns) : garbage[i % 4 % 3];
      if (s.send(zmq::buffer(frame), zmq::send_flags::none)) flood_sent.fetch_add(1);
    }
    flood_done = true;
  });

  // The good agent starts once the flood is under way (bounded wait: 60 s).
  const auto flood_deadline = clock.mono_now() + 60s;
  while (flood_sent.load() < 5000 && clock.mono_now() < flood_deadline) std::this_thread::yield();
  ASSERT_GE(flood_sent.load(), 5000u);

  constexpr std::uint64_t kGood = 50;
  zmq::socket_t good(ctx, zmq::socket_type::dealer);
  good.set(zmq::sockopt::linger, 0);
  good.connect(endpoint);
  for (std::uint64_t seq = 1; seq <= kGood; ++seq) {
    ASSERT_TRUE(good.send(zmq::buffer(window_bytes("good", seq, now_ns)), zmq::send_flags::none));
  }
  // Wait for the ack through 50 (generous bound: 60 s; normally milliseconds).
  std::uint64_t acked = 0;
  const auto give_up = clock.mono_now() + 60s;
  while (acked < kGood && clock.mono_now() < give_up) {
    zmq::pollitem_t items[] = {{static_cast<void*>(good), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, 500ms);
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    zmq::message_t reply;
    if (!good.recv(reply, zmq::recv_flags::dontwait)) continue;
    pb::CollectorMessage m;
    if (m.ParseFromArray(reply.data(), static_cast<int>(reply.size())) && m.has_ack()) {
      acked = std::max<std::uint64_t>(acked, m.ack().through_seq());
    }
  }
  // The flood was still running when the good agent was acked.
  const bool flood_still_running = !flood_done.load();
  stop_flood = true;
  flooder.join();
  ASSERT_EQ(write(stop_pipe[1], "x", 1), 1);
  server_thread.join();
  close(stop_pipe[0]);
  close(stop_pipe[1]);

  EXPECT_TRUE(flood_still_running);
  EXPECT_EQ(acked, kGood);
  std::uint64_t good_through = 0;
  for (const auto& a : store.agents()) {
    if (a.agent_id == "good") good_through = a.through_seq;
  }
  EXPECT_EQ(good_through, kGood);  // all 50 stored, in order, nothing missing
  // The flood was bounded: frames dropped unread by the limiter, garbage that got past it
  // rejected by the decoder.
  EXPECT_GT(server.flood_counters().throttled_messages.load(), 0u);
  EXPECT_GT(counters.rejected_total(), 0u);
}

}  // namespace
}  // namespace pathwatch::collector
