// A tiny collector for lab tests of the agent: a ZeroMQ ROUTER that prints every Envelope it
// receives as one JSON line on stdout and acknowledges it at once (nothing is stored). The
// ack is the real collector's: the contiguous watermark per agent, where a DropReport's range
// counts as received and an agent's first message starts it (docs/collector.md).
//   fake_collector ENDPOINT SECONDS
// Bounded: exits after SECONDS, or at SIGTERM/SIGINT.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>
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
    std::string ifaces;
    for (const auto& i : w.interfaces()) {
      ifaces += fmt::format(
          R"({}{{"interface":{},"oper_up":{},"link_changes":{},"rx_errors":{},"tx_errors":{},"rx_dropped":{},"tx_dropped":{}}})",
          ifaces.empty() ? "" : ",", json_string(i.interface()), i.oper_up(), i.link_changes(),
          i.rx_errors(), i.tx_errors(), i.rx_dropped(), i.tx_dropped());
    }
    return head +
           fmt::format(
               R"(,"type":"window","flow":{},"start":{},"end":{},"sent":{},"received":{},"lost":{},"state":{},"rtt_avg":{},"interfaces":[{}]}})",
               flow_json(w.flow()), w.start_unix_nanos(), w.end_unix_nanos(), w.sent(),
               w.received(), w.lost(), static_cast<int>(w.state()), w.rtt().avg_ns(), ifaces);
  }
  if (e.has_route_change()) {
    const auto& r = e.route_change();
    return head +
           fmt::format(
               R"(,"type":"route","prefix":{},"from":{},"to":{},"source":{},"at":{},"gateway":{},"out_interface":{}}})",
               json_string(r.prefix()), json_string(r.from_path()), json_string(r.to_path()),
               static_cast<int>(r.source()), r.at_unix_nanos(), json_string(r.gateway()),
               json_string(r.out_interface()));
  }
  if (e.has_heartbeat()) return head + R"(,"type":"heartbeat"})";
  if (e.has_link_change()) {
    const auto& l = e.link_change();
    return head + fmt::format(R"(,"type":"link","interface":{},"path":{},"oper_up":{},"at":{}}})",
                              json_string(l.interface()), json_string(l.path()), l.oper_up(),
                              l.at_unix_nanos());
  }
  if (e.has_drop_report()) {
    const auto& d = e.drop_report();
    return head + fmt::format(
                      R"(,"type":"drop","summaries":{},"events":{},"first_seq":{},"last_seq":{}}})",
                      d.dropped_summaries(), d.dropped_events(), d.first_dropped_seq(),
                      d.last_dropped_seq());
  }
  return head + R"(,"type":"other"})";
}

// The contiguous watermark of one agent: every seq <= through was received or reported dropped.
struct Ledger {
  bool known = false;
  std::uint64_t through = 0;
  std::set<std::uint64_t> ahead;                    // received above the watermark
  std::map<std::uint64_t, std::uint64_t> given_up;  // first -> last (DropReport ranges)

  void receive(const pathwatch::v1::Envelope& e) {
    if (!known) {  // a new agent starts at its first message
      known = true;
      through = e.seq() - 1;
    }
    if (e.seq() > through) ahead.insert(e.seq());
    if (e.has_drop_report() && e.drop_report().first_dropped_seq() > 0) {
      given_up[e.drop_report().first_dropped_seq()] = e.drop_report().last_dropped_seq();
    }
    // As the real collector: below a run's first seq, apart from what its spool carries,
    // nothing will come (docs/protocol.md Hello).
    if (e.has_hello() && e.hello().first_seq() > e.hello().carried_through() + 1 &&
        e.hello().first_seq() <= e.seq()) {
      const std::uint64_t first = std::max(e.hello().carried_through() + 1, through + 1);
      if (first < e.hello().first_seq()) given_up[first] = e.hello().first_seq() - 1;
    }
    if (e.has_hello() && e.hello().lowest_kept_seq() > through + 1 &&
        e.hello().lowest_kept_seq() <= e.seq()) {
      given_up[through + 1] = e.hello().lowest_kept_seq() - 1;
    }
    for (int guard = 0; guard < 1'000'000; ++guard) {  // bounded advance
      if (ahead.count(through + 1)) {
        ahead.erase(through + 1);
        ++through;
        continue;
      }
      auto g = given_up.find(through + 1);
      if (g != given_up.end() && g->second >= through + 1) {
        through = g->second;
        given_up.erase(g);
        continue;
      }
      break;
    }
  }
};

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
  std::map<std::string, Ledger> ledgers;
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
    // A Batch frame (docs/protocol.md) carries whole envelopes: each is taken as if alone.
    std::vector<pathwatch::v1::Envelope> envs;
    if (env.has_batch()) {
      for (const auto& bytes : env.batch().envelopes()) {
        if (!envs.emplace_back().ParseFromString(bytes)) envs.pop_back();
      }
    } else {
      envs.push_back(std::move(env));
    }
    if (envs.empty()) continue;
    for (const auto& e : envs) std::printf("%s\n", describe(e).c_str());
    std::fflush(stdout);
    Ledger& ledger = ledgers[envs.front().agent_id()];
    for (const auto& e : envs) ledger.receive(e);
    pathwatch::v1::CollectorMessage ack;
    ack.set_schema_version(1);
    ack.mutable_ack()->set_through_seq(ledger.through);
    const std::string bytes = ack.SerializeAsString();
    router.send(identity, zmq::send_flags::sndmore);
    router.send(zmq::buffer(bytes), zmq::send_flags::none);
  }
  return 0;
}
