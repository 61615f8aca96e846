// A tiny collector for lab tests of the agent: a ZeroMQ ROUTER that prints every Envelope it
// receives as one JSON line on stdout and acknowledges it at once (nothing is stored).
//   fake_collector ENDPOINT SECONDS
// Bounded: exits after SECONDS, or at SIGTERM/SIGINT.
#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <zmq.hpp>

#include "pathwatch/v1/messages.pb.h"

namespace {

volatile std::sig_atomic_t stop_requested = 0;

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

std::string flow_json(const pathwatch::v1::FlowKey& f) {
  return fmt::format(R"({{"target":{},"path":{},"kind":{},"port":{}}})", json_string(f.target()),
                     json_string(f.path()), static_cast<int>(f.kind()), f.port());
}

std::string describe(const pathwatch::v1::Envelope& e) {
  std::string head = fmt::format(R"({{"seq":{},"agent":{},"site":{},"schema":{},"created":{})",
                                 e.seq(), json_string(e.agent_id()), json_string(e.site()),
                                 e.schema_version(), e.created_unix_nanos());
  if (e.has_hello()) {
    return head + fmt::format(R"(,"type":"hello","targets":{}}})", e.hello().targets_size());
  }
  if (e.has_state_change()) {
    const auto& s = e.state_change();
    return head +
           fmt::format(R"(,"type":"state","flow":{},"from":{},"to":{},"at":{},"reason":{}}})",
                       flow_json(s.flow()), static_cast<int>(s.from()), static_cast<int>(s.to()),
                       s.at_unix_nanos(), json_string(s.reason()));
  }
  if (e.has_window()) {
    const auto& w = e.window();
    return head +
           fmt::format(
               R"(,"type":"window","flow":{},"start":{},"end":{},"sent":{},"received":{},"lost":{},"state":{},"rtt_avg":{}}})",
               flow_json(w.flow()), w.start_unix_nanos(), w.end_unix_nanos(), w.sent(),
               w.received(), w.lost(), static_cast<int>(w.state()), w.rtt().avg_ns());
  }
  if (e.has_route_change()) {
    const auto& r = e.route_change();
    return head + fmt::format(R"(,"type":"route","prefix":{},"from":{},"to":{}}})",
                              json_string(r.prefix()), json_string(r.from_path()),
                              json_string(r.to_path()));
  }
  if (e.has_heartbeat()) return head + R"(,"type":"heartbeat"})";
  if (e.has_link_change()) return head + R"(,"type":"link"})";
  if (e.has_drop_report()) return head + R"(,"type":"drop"})";
  return head + R"(,"type":"other"})";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: fake_collector ENDPOINT SECONDS\n");
    return 2;
  }
  std::signal(SIGTERM, [](int) { stop_requested = 1; });
  std::signal(SIGINT, [](int) { stop_requested = 1; });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(std::stoi(argv[2]));
  zmq::context_t ctx(1);
  zmq::socket_t router(ctx, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.bind(argv[1]);
  std::uint64_t highest = 0;
  while (!stop_requested && std::chrono::steady_clock::now() < deadline) {
    zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(100));
    if (!(item.revents & ZMQ_POLLIN)) continue;
    zmq::message_t identity;
    zmq::message_t frame;
    if (!router.recv(identity, zmq::recv_flags::dontwait)) continue;
    if (!identity.more() || !router.recv(frame, zmq::recv_flags::dontwait)) continue;
    pathwatch::v1::Envelope env;
    if (!env.ParseFromArray(frame.data(), static_cast<int>(frame.size()))) {
      std::printf("{\"type\":\"garbage\"}\n");
      std::fflush(stdout);
      continue;
    }
    std::printf("%s\n", describe(env).c_str());
    std::fflush(stdout);
    if (env.seq() > highest) highest = env.seq();
    pathwatch::v1::CollectorMessage ack;
    ack.set_schema_version(1);
    ack.mutable_ack()->set_through_seq(highest);
    const std::string bytes = ack.SerializeAsString();
    router.send(identity, zmq::send_flags::sndmore);
    router.send(zmq::buffer(bytes), zmq::send_flags::none);
  }
  return 0;
}
