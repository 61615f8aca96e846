// A CURVE test agent: a DEALER (CURVE client unless SERVER_PUB is "plain") that sends COUNT
// heartbeat envelopes as AGENT/SITE from seq FIRST_SEQ (default 1) and waits (bounded) for the
// ack to cover them. Prints "sent N acked M rejected R" and exits 0 only when every message was
// acknowledged.
//   curve_driver ENDPOINT SERVER_PUB|plain CLIENT_KEY CLIENT_PUB AGENT SITE COUNT TIMEOUT_S
//                [FIRST_SEQ [poison]]
// poison: every envelope has a defect that makes it never storable (a 1970 timestamp, a window
// ending before it starts, no body, more than 64 KiB), as an attacker holding a valid key
// would send to make the collector give up another agent's seqs. Waits TIMEOUT_S for replies
// and exits 0 when it saw no Ack and every envelope was refused as "unauthorized".
#include <fmt/format.h>

#include <chrono>
#include <map>
#include <string>
#include <zmq.hpp>

#include "pathwatch/v1/messages.pb.h"
#include "shared/security/curve_keys.hpp"

namespace pb = pathwatch::v1;

int main(int argc, char** argv) {
  if (argc != 9 && argc != 10 && argc != 11) {
    fmt::print(stderr,
               "usage: curve_driver ENDPOINT SERVER_PUB|plain CLIENT_KEY CLIENT_PUB AGENT SITE "
               "COUNT TIMEOUT_S [FIRST_SEQ [poison]]\n");
    return 2;
  }
  const std::string endpoint = argv[1], server_pub = argv[2], agent = argv[5], site = argv[6];
  const std::uint64_t count = std::stoull(argv[7]);
  const int timeout_s = std::stoi(argv[8]);
  const std::uint64_t first_seq = argc > 9 ? std::stoull(argv[9]) : 1;
  const bool poison = argc > 10 && std::string(argv[10]) == "poison";
  zmq::context_t ctx(1);
  zmq::socket_t sock(ctx, zmq::socket_type::dealer);
  sock.set(zmq::sockopt::linger, 0);
  sock.set(zmq::sockopt::immediate, 1);
  sock.set(zmq::sockopt::ipv6, 1);
  if (server_pub != "plain") {
    sock.set(zmq::sockopt::curve_serverkey, pathwatch::shared::load_public_key_file(server_pub));
    sock.set(zmq::sockopt::curve_secretkey,
             pathwatch::shared::load_secret_key_file(argv[3]).reveal());
    sock.set(zmq::sockopt::curve_publickey, pathwatch::shared::load_public_key_file(argv[4]));
  }
  sock.connect(endpoint);
  const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{timeout_s};
  auto make = [&](std::uint64_t i) {
    pb::Envelope e;
    e.set_schema_version(1);
    e.set_agent_id(agent);
    e.set_site(site);
    e.set_seq(first_seq + i);
    e.set_created_unix_nanos(now_ns);
    e.mutable_heartbeat();
    if (!poison) return e;
    switch (i % 4) {
      case 0:
        e.set_created_unix_nanos(0);
        break;
      case 1: {
        auto* w = e.mutable_window();
        w->set_start_unix_nanos(now_ns);
        w->set_end_unix_nanos(now_ns - 1);
        break;
      }
      case 2:
        e.clear_body();
        break;
      default:
        e.mutable_window()->mutable_flow()->set_target(std::string(70 * 1024, 't'));
        break;
    }
    return e;
  };
  std::uint64_t sent = 0;
  std::uint64_t through = 0;
  std::uint64_t acks = 0;
  std::map<std::string, std::uint64_t> rejected;  // reason -> seqs
  auto refused = [&] {
    std::uint64_t n = 0;
    for (const auto& [reason, seqs] : rejected) n += seqs;
    return n;
  };
  const std::uint64_t last = first_seq + count - 1;
  // With ZMQ_IMMEDIATE a send only succeeds once the handshake (and ZAP) passed.
  while ((poison ? refused() < count : through < last) &&
         std::chrono::steady_clock::now() < deadline) {
    while (sent < count) {
      if (!sock.send(zmq::buffer(make(sent).SerializeAsString()), zmq::send_flags::dontwait)) {
        break;
      }
      ++sent;
    }
    zmq::pollitem_t items[] = {{static_cast<void*>(sock), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, std::chrono::milliseconds{100});
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    zmq::message_t m;
    if (!sock.recv(m, zmq::recv_flags::none)) continue;
    pb::CollectorMessage reply;
    if (!reply.ParseFromArray(m.data(), static_cast<int>(m.size()))) continue;
    if (reply.has_ack()) {
      ++acks;
      through = std::max(through, reply.ack().through_seq());
    }
    if (reply.has_reject()) {
      rejected[reply.reject().reason()] +=
          reply.reject().last_seq() - reply.reject().first_seq() + 1;
    }
  }
  std::string reasons;
  for (const auto& [reason, seqs] : rejected) reasons += fmt::format(" {}={}", reason, seqs);
  fmt::print("sent {} acked {} rejected {}{}\n", sent, through, refused(), reasons);
  if (poison) return acks == 0 && rejected["unauthorized"] == count ? 0 : 1;
  return through >= last ? 0 : 1;
}
