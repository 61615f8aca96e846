// Lab test driver: runs one real probe engine (ICMP or TCP) against one target and prints
// every ProbeResult as a JSON line, then a summary line with the engine's ignored counters.
// Used by test_probe_lab.py inside lab namespaces (ip netns exec); bounded in count and time.
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <string>

#include "agent/probe/icmp_engine.hpp"
#include "agent/probe/probe_factory.hpp"
#include "agent/probe/tcp_engine.hpp"
#include "shared/time/clock.hpp"

namespace {

using namespace pathwatch;
using namespace std::chrono_literals;

constexpr const char* kUsage =
    "usage: probe_driver --kind icmp|tcp --target ADDR [--port N] [--count N (<=10000)]\n"
    "         [--interval-ms N] [--timeout-ms N] [--ttl N] [--payload N] [--dscp N]\n"
    "         [--source ADDR] [--interface IFACE] [--fwmark N] [--path NAME]\n"
    "         [--flows N (<=5000): N flows to the target, sends spread over the interval]\n";

std::string json_result(const agent::ProbeResult& r) {
  std::string s = "{\"flow\":" + std::to_string(r.flow) + ",\"seq\":" + std::to_string(r.seq) +
                  ",\"outcome\":\"" + agent::to_string(r.outcome) + "\"";
  if (r.rtt) s += ",\"rtt_ns\":" + std::to_string(r.rtt->count());
  if (r.icmp) {
    s += ",\"router\":\"" + r.icmp->router + "\",\"icmp_type\":" + std::to_string(r.icmp->type) +
         ",\"icmp_code\":" + std::to_string(r.icmp->code);
  }
  if (r.error_number != 0) s += ",\"errno\":" + std::to_string(r.error_number);
  s += ",\"sent_utc_ns\":" + std::to_string(shared::to_unix_nanos(r.sent_utc));
  s += std::string(",\"duplicate\":") + (r.duplicate ? "true" : "false");
  s += std::string(",\"late\":") + (r.late ? "true" : "false") + "}";
  return s;
}

int run(const std::map<std::string, std::string>& args) {
  auto get = [&](const std::string& k, const std::string& def) {
    auto it = args.find(k);
    return it == args.end() ? def : it->second;
  };
  const std::string kind = get("kind", "");
  if ((kind != "icmp" && kind != "tcp") || !args.contains("target")) {
    std::cerr << kUsage;
    return 2;
  }
  agent::PathConfig path;
  path.name = get("path", "lab");
  path.interface = get("interface", "");
  path.source_address = get("source", "");
  path.fwmark = static_cast<std::uint32_t>(std::stoul(get("fwmark", "0")));

  agent::FlowSpec flow;
  flow.id = 1;
  flow.address = boost::asio::ip::make_address(get("target", ""));
  flow.port = static_cast<std::uint16_t>(std::stoul(get("port", "0")));
  flow.path = &path;
  flow.settings.timeout = std::chrono::milliseconds(std::stoul(get("timeout-ms", "1000")));
  flow.settings.payload_bytes = static_cast<std::uint32_t>(std::stoul(get("payload", "56")));
  flow.settings.dscp = static_cast<std::uint8_t>(std::stoul(get("dscp", "0")));
  const auto ttl_override = static_cast<std::uint8_t>(std::stoul(get("ttl", "0")));
  const std::uint64_t count = std::min<std::uint64_t>(std::stoull(get("count", "1")), 10000);
  const auto interval = std::chrono::milliseconds(std::stoul(get("interval-ms", "100")));

  boost::asio::io_context io;
  shared::SystemClock clock;
  std::uint64_t finals = 0;
  auto sink = [&](const agent::ProbeResult& r) {
    if (!r.duplicate && !r.late) ++finals;
    std::cout << json_result(r) << '\n';
  };
  agent::ProbeEnginePtr engine;
  std::string socket_kind = "tcp";
  if (kind == "icmp") {
    auto icmp = std::make_unique<agent::IcmpEngine>(io, path, flow.address.is_v6(), sink, clock);
    socket_kind = agent::to_string(icmp->socket_kind());
    engine = std::move(icmp);
  } else {
    engine = agent::make_tcp_engine(io, path, sink, clock);
  }

  // Send `count` probes `interval` apart on a timer (like a scheduler would), then wait for
  // the last result; a hard bound stops everything regardless.
  // `flows` flows (ids 1..flows) to the same target, each probed `count` times `interval`
  // apart, their sends spread evenly over the interval (as a scheduler would). A hard bound
  // stops everything regardless.
  const std::uint64_t flows = std::clamp<std::uint64_t>(std::stoull(get("flows", "1")), 1, 5000);
  const std::uint64_t total = count * flows;
  const auto spacing = std::chrono::duration_cast<std::chrono::nanoseconds>(interval) /
                       static_cast<std::int64_t>(flows);
  boost::asio::steady_timer pacer(io);
  std::uint64_t sent = 0;
  std::function<void()> tick = [&] {
    agent::FlowSpec f = flow;
    f.id = static_cast<agent::FlowId>(1 + sent % flows);
    const std::uint64_t seq = 1 + sent / flows;
    ++sent;
    engine->send(f, seq, ttl_override);
    if (sent < total) {
      pacer.expires_at(pacer.expiry() + spacing);
      pacer.async_wait([&](const boost::system::error_code& ec) {
        if (!ec) tick();
      });
    }
  };
  pacer.expires_after(0ms);
  pacer.async_wait([&](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
  const auto hard_stop =
      std::chrono::steady_clock::now() + interval * count + flow.settings.timeout + 5s;
  while (finals < total && std::chrono::steady_clock::now() < hard_stop) {
    io.run_for(20ms);
    io.restart();
  }
  io.run_for(50ms);  // let duplicates that arrive right after show up
  const auto ig = engine->ignored();
  std::cout << "{\"summary\":true,\"socket\":\"" << socket_kind << "\",\"sent\":" << sent
            << ",\"results\":" << finals << ",\"foreign_replies\":" << ig.foreign_replies
            << ",\"malformed\":" << ig.malformed << ",\"unmatched_errors\":" << ig.unmatched_errors
            << ",\"send_errors\":" << ig.send_errors << "}" << std::endl;
  return finals == total ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0 || i + 1 >= argc) {
      std::cerr << kUsage;
      return 2;
    }
    args[a.substr(2)] = argv[++i];
  }
  try {
    return run(args);
  } catch (const std::exception& e) {
    std::cerr << "probe_driver: " << e.what() << '\n';
    return 2;
  }
}
