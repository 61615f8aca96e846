// A CURVE test agent: a DEALER (CURVE client unless SERVER_PUB is "plain") that sends COUNT
// heartbeat envelopes as AGENT/SITE and waits (bounded) for the ack to cover them. Prints
// "sent N acked M" and exits 0 only when every message was acknowledged.
//   curve_driver ENDPOINT SERVER_PUB|plain CLIENT_KEY CLIENT_PUB AGENT SITE COUNT TIMEOUT_S
#include <fmt/format.h>

#include <chrono>
#include <string>
#include <zmq.hpp>

#include "pathwatch/v1/messages.pb.h"
#include "shared/security/curve_keys.hpp"

namespace pb = pathwatch::v1;

int main(int argc, char** argv) {
  if (argc != 9) {
    fmt::print(stderr,
               "usage: curve_driver ENDPOINT SERVER_PUB|plain CLIENT_KEY CLIENT_PUB AGENT SITE "
               "COUNT TIMEOUT_S\n");
    return 2;
  }
  const std::string endpoint = argv[1], server_pub = argv[2], agent = argv[5], site = argv[6];
  const std::uint64_t count = std::stoull(argv[7]);
  const int timeout_s = std::stoi(argv[8]);
  zmq::context_t ctx(1);
  zmq::socket_t sock(ctx, zmq::socket_type::dealer);
  sock.set(zmq::sockopt::linger, 0);
  sock.set(zmq::sockopt::immediate, 1);
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
  std::uint64_t sent = 0;
  std::uint64_t through = 0;
  // With ZMQ_IMMEDIATE a send only succeeds once the handshake (and ZAP) passed.
  while (through < count && std::chrono::steady_clock::now() < deadline) {
    while (sent < count) {
      pb::Envelope e;
      e.set_schema_version(1);
      e.set_agent_id(agent);
      e.set_site(site);
      e.set_seq(sent + 1);
      e.set_created_unix_nanos(now_ns);
      e.mutable_heartbeat();
      if (!sock.send(zmq::buffer(e.SerializeAsString()), zmq::send_flags::dontwait)) break;
      ++sent;
    }
    zmq::pollitem_t items[] = {{static_cast<void*>(sock), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, std::chrono::milliseconds{100});
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    zmq::message_t m;
    if (!sock.recv(m, zmq::recv_flags::none)) continue;
    pb::CollectorMessage reply;
    if (reply.ParseFromArray(m.data(), static_cast<int>(m.size())) && reply.has_ack()) {
      through = std::max(through, reply.ack().through_seq());
    }
  }
  fmt::print("sent {} acked {}\n", sent, through);
  return through >= count ? 0 : 1;
}
