// A test agent for the collector integration test: a ZeroMQ DEALER that sends a Hello, window
// summaries, a state change, a route change, one duplicate and one malformed frame, then waits
// (bounded) for the ack to cover every seq. Prints "acked THROUGH" and exits 0 when it did.
//   ingest_driver ENDPOINT AGENT_ID SITE WINDOWS [TIMEOUT_S]
#include <fmt/format.h>

#include <chrono>
#include <string>
#include <zmq.hpp>

#include "pathwatch/v1/messages.pb.h"

namespace pb = pathwatch::v1;

int main(int argc, char** argv) {
  if (argc < 5) {
    fmt::print(stderr, "usage: ingest_driver ENDPOINT AGENT_ID SITE WINDOWS [TIMEOUT_S]\n");
    return 2;
  }
  const std::string endpoint = argv[1], agent = argv[2], site = argv[3];
  const int windows = std::stoi(argv[4]);
  const int timeout_s = argc > 5 ? std::stoi(argv[5]) : 20;
  const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  constexpr std::int64_t kWindowNs = 10'000'000'000;
  // Data time: the last `windows` 10 s windows before now.
  const std::int64_t t0 = now_ns - windows * kWindowNs;

  zmq::context_t ctx(1);
  zmq::socket_t sock(ctx, zmq::socket_type::dealer);
  sock.set(zmq::sockopt::linger, 0);
  sock.connect(endpoint);

  std::uint64_t seq = 0;
  auto envelope = [&](std::int64_t created) {
    pb::Envelope e;
    e.set_schema_version(1);
    e.set_agent_id(agent);
    e.set_site(site);
    e.set_seq(++seq);
    e.set_created_unix_nanos(created);
    return e;
  };
  auto send = [&](const pb::Envelope& e) { sock.send(zmq::buffer(e.SerializeAsString())); };

  auto hello = envelope(t0);
  hello.mutable_hello()->set_agent_version("test-driver");
  hello.mutable_hello()->set_hostname("driver-host");
  hello.mutable_hello()->set_window_ns(kWindowNs);
  send(hello);
  for (int i = 0; i < windows; ++i) {
    const std::int64_t start = t0 + i * kWindowNs;
    const bool down = i >= windows - 3;  // the last 3 windows: primary down
    auto e = envelope(start + kWindowNs);
    auto* w = e.mutable_window();
    w->mutable_flow()->set_target("asp-app");
    w->mutable_flow()->set_address("198.18.30.10");
    w->mutable_flow()->set_path("primary");
    w->mutable_flow()->set_kind(pb::PROBE_KIND_TCP);
    w->mutable_flow()->set_port(8443);
    w->set_start_unix_nanos(start);
    w->set_end_unix_nanos(start + kWindowNs);
    w->set_sent(10);
    w->set_received(down ? 0 : 10);
    w->set_lost(down ? 10 : 0);
    w->set_state(down ? pb::PATH_STATE_DOWN : pb::PATH_STATE_UP);
    send(e);
    if (i == windows - 3) {
      auto c = envelope(start + 1);
      auto* s = c.mutable_state_change();
      *s->mutable_flow() = w->flow();
      s->set_from(pb::PATH_STATE_UP);
      s->set_to(pb::PATH_STATE_DOWN);
      s->set_at_unix_nanos(start + 1);
      s->set_reason("3 consecutive timeouts");
      send(c);
      auto r = envelope(start + 2);
      auto* rc = r.mutable_route_change();
      rc->set_prefix("198.18.30.0/24");
      rc->set_from_path("primary");
      rc->set_to_path("backup");
      rc->set_at_unix_nanos(start + 2);
      rc->set_source(pb::RouteChange::SOURCE_NETLINK);
      send(r);
    }
  }
  send(hello);                                     // duplicate of seq 1: dropped, re-acked
  sock.send(zmq::buffer(std::string("garbage")));  // malformed: rejected, counted
  const std::uint64_t last = seq;

  std::uint64_t through = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{timeout_s};
  while (through < last && std::chrono::steady_clock::now() < deadline) {
    zmq::pollitem_t items[] = {{static_cast<void*>(sock), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, std::chrono::milliseconds{200});
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    zmq::message_t m;
    if (!sock.recv(m, zmq::recv_flags::none)) continue;
    pb::CollectorMessage reply;
    if (reply.ParseFromArray(m.data(), static_cast<int>(m.size())) && reply.has_heartbeat()) {
      continue;  // the collector's "alive" beat (every 5 s), not an answer
    }
    if (!reply.ParseFromArray(m.data(), static_cast<int>(m.size())) ||
        reply.schema_version() != 1 || !reply.has_ack()) {
      fmt::print(stderr, "ingest_driver: unexpected reply\n");
      return 1;
    }
    through = std::max(through, reply.ack().through_seq());
  }
  fmt::print("sent {} acked {}\n", last, through);
  return through == last ? 0 : 1;
}
