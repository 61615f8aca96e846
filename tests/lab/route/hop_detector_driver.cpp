// Lab driver: feeds ActivePathDetector with the outcomes of real TTL-limited probes that the
// test sends (ping -t 2 from the LAN host) and prints its events as JSON lines.
//   hop_detector_driver --target 198.18.30.10 --hop 198.18.101.1=primary --hop ...=backup
// stdin, one probe per line:  SEQ SENT_UTC_NS RTT_NS ROUTER
// ROUTER: the Time Exceeded source, "-" for no answer, "unreach:ADDR" for an unreachable.
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "agent/route/active_path_detector.hpp"
#include "tests/lab/route/json_line.hpp"

int main(int argc, char** argv) {
  std::string target;
  pathwatch::agent::PathConfig path;
  path.name = "as-routed";
  path.as_routed = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    const std::string value = argv[i + 1];
    if (arg == "--target") {
      target = value;
    } else if (arg == "--hop") {
      const auto eq = value.find('=');
      if (eq == std::string::npos) return 2;
      path.line_hops[value.substr(0, eq)] = value.substr(eq + 1);
    } else {
      return 2;
    }
  }
  if (target.empty() || path.line_hops.empty()) {
    std::fprintf(stderr, "usage: hop_detector_driver --target A --hop ADDR=PATH ...\n");
    return 2;
  }
  pathwatch::agent::ActivePathDetector detector(target, path);
  std::string line;
  for (int n = 0; n < 100000 && std::getline(std::cin, line); ++n) {
    std::istringstream in(line);
    std::uint64_t seq = 0;
    std::int64_t sent_ns = 0, rtt_ns = 0;
    std::string router;
    if (!(in >> seq >> sent_ns >> rtt_ns >> router)) continue;
    pathwatch::agent::ProbeResult r;
    r.seq = seq;
    r.sent_utc = pathwatch::shared::from_unix_nanos(sent_ns);
    if (router == "-") {
      r.outcome = pathwatch::agent::Outcome::kTimeout;
    } else if (router.rfind("unreach:", 0) == 0) {
      r.outcome = pathwatch::agent::Outcome::kUnreachable;
      r.rtt = std::chrono::nanoseconds{rtt_ns};
      r.icmp = pathwatch::agent::IcmpEvidence{router.substr(8), 3, 0};
    } else {
      r.outcome = pathwatch::agent::Outcome::kTimeExceeded;
      r.rtt = std::chrono::nanoseconds{rtt_ns};
      r.icmp = pathwatch::agent::IcmpEvidence{router, 11, 0};
    }
    if (auto e = detector.on_result(r)) {
      pathwatch::lab::JsonLine()
          .field("type", "route")
          .field("seq", static_cast<std::int64_t>(seq))
          .field("prefix", e->prefix)
          .field("from", e->from_path)
          .field("to", e->to_path)
          .field("gateway", e->gateway)
          .field("initial", e->initial)
          .field("utc_ns", pathwatch::shared::to_unix_nanos(e->at))
          .print();
    }
  }
  return 0;
}
