// Plain agent data -> pathwatch.v1 message bodies.
#include "agent/publish/messages.hpp"

#include <algorithm>
#include <limits>

namespace pathwatch::agent {

namespace pb = pathwatch::v1;

pb::PathState to_proto(PathState state) {
  switch (state) {
    case PathState::kUnknown:
      return pb::PATH_STATE_UNKNOWN;
    case PathState::kUp:
      return pb::PATH_STATE_UP;
    case PathState::kDegraded:
      return pb::PATH_STATE_DEGRADED;
    case PathState::kDown:
      return pb::PATH_STATE_DOWN;
  }
  return pb::PATH_STATE_UNSPECIFIED;
}

pb::ProbeKind to_proto(ProbeKind kind) {
  return kind == ProbeKind::kTcp ? pb::PROBE_KIND_TCP : pb::PROBE_KIND_ICMP;
}

pb::TcpOutcome to_proto_tcp(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return pb::TCP_OUTCOME_OK;
    case Outcome::kRefused:
      return pb::TCP_OUTCOME_REFUSED;
    case Outcome::kTimeout:
      return pb::TCP_OUTCOME_TIMEOUT;
    case Outcome::kUnreachable:
    case Outcome::kTimeExceeded:
      return pb::TCP_OUTCOME_UNREACHABLE;
    case Outcome::kError:
      return pb::TCP_OUTCOME_ERROR;
  }
  return pb::TCP_OUTCOME_UNSPECIFIED;
}

void fill_flow(const FlowKey& key, pb::FlowKey& out) {
  out.set_target(key.target);
  out.set_address(key.address);
  out.set_path(key.path);
  out.set_kind(to_proto(key.kind));
  if (key.kind == ProbeKind::kTcp) out.set_port(key.port);
}

void fill_window_summary(const FlowKey& key, const WindowStats& s, PathState state,
                         pb::WindowSummary& out) {
  fill_flow(key, *out.mutable_flow());
  out.set_start_unix_nanos(shared::to_unix_nanos(s.start));
  out.set_end_unix_nanos(shared::to_unix_nanos(s.end));
  out.set_sent(s.sent);
  out.set_received(s.received);
  out.set_lost(s.lost);
  out.set_duplicates(s.duplicates);
  out.set_reordered(s.reordered);
  auto& rtt = *out.mutable_rtt();
  rtt.set_min_ns(s.rtt.min.count());
  rtt.set_avg_ns(s.rtt.avg.count());
  rtt.set_max_ns(s.rtt.max.count());
  rtt.set_stddev_ns(s.rtt.stddev.count());
  rtt.set_p50_ns(s.rtt.p50.count());
  rtt.set_p90_ns(s.rtt.p90.count());
  rtt.set_p99_ns(s.rtt.p99.count());
  rtt.set_jitter_rfc3550_ns(s.jitter_rfc3550.count());
  rtt.set_ipdv_mean_abs_ns(s.ipdv_mean_abs.count());
  if (key.kind == ProbeKind::kTcp) {
    auto& tcp = *out.mutable_tcp();
    tcp.set_ok(s.tcp.ok);
    tcp.set_refused(s.tcp.refused);
    tcp.set_timeout(s.tcp.timeout);
    tcp.set_unreachable(s.tcp.unreachable);
    tcp.set_error(s.tcp.error);
  }
  for (const auto& e : s.icmp_errors) {
    auto* src = out.add_icmp_errors();
    src->set_router(e.router);
    src->set_type(e.type);
    src->set_code(e.code);
    src->set_count(e.count);
  }
  out.set_state(to_proto(state));
}

void fill_state_change(const FlowKey& key, const StateChangeEvent& e, pb::StateChange& out) {
  fill_flow(key, *out.mutable_flow());
  out.set_from(to_proto(e.from));
  out.set_to(to_proto(e.to));
  out.set_at_unix_nanos(shared::to_unix_nanos(e.at));
  out.set_reason(e.reason);
  if (key.kind == ProbeKind::kTcp) out.set_last_tcp_outcome(to_proto_tcp(e.outcome));
  if (e.icmp) {
    auto& icmp = *out.mutable_last_icmp_error();
    icmp.set_router(e.icmp->router);
    icmp.set_type(e.icmp->type);
    icmp.set_code(e.icmp->code);
    icmp.set_count(1);
  }
  out.set_last_errno(e.error_number);
}

void fill_route_change(const RouteChangeEvent& e, pb::RouteChange& out) {
  out.set_prefix(e.prefix);
  out.set_from_path(e.from_path);
  out.set_to_path(e.to_path);
  out.set_out_interface(e.out_interface);
  out.set_gateway(e.gateway);
  out.set_at_unix_nanos(shared::to_unix_nanos(e.at));
  out.set_source(e.source == RouteSource::kHops ? pb::RouteChange::SOURCE_HOPS
                                                : pb::RouteChange::SOURCE_NETLINK);
}

void fill_interface_counters(const InterfaceCounters& d, pb::InterfaceCounters& out) {
  out.set_interface(d.interface);
  out.set_oper_up(d.present && d.oper_up);
  // A window sees a handful of transitions; saturate rather than wrap the uint32 field.
  out.set_link_changes(static_cast<std::uint32_t>(
      std::min<std::uint64_t>(d.link_changes, std::numeric_limits<std::uint32_t>::max())));
  out.set_rx_errors(d.rx_errors);
  out.set_tx_errors(d.tx_errors);
  out.set_rx_dropped(d.rx_dropped);
  out.set_tx_dropped(d.tx_dropped);
}

void fill_link_change(const LinkChangeEvent& e, pb::LinkChange& out) {
  out.set_interface(e.interface);
  out.set_path(e.path);
  out.set_oper_up(e.oper_up);
  out.set_at_unix_nanos(shared::to_unix_nanos(e.at));
}

void fill_hello(const AgentConfig& config, const HelloFacts& facts, pb::Hello& out) {
  out.set_agent_version(facts.agent_version);
  out.set_hostname(facts.hostname);
  out.set_started_unix_nanos(shared::to_unix_nanos(facts.started));
  out.set_window_ns(config.window.count());
  out.set_incarnation(facts.incarnation);
  out.set_first_seq(facts.first_seq);
  out.set_carried_through(facts.carried_through);
  for (const auto& p : config.paths) {
    auto* info = out.add_paths();
    info->set_name(p.name);
    info->set_interface(p.interface);
    info->set_source_address(p.source_address);
    info->set_fwmark(p.fwmark);
    info->set_as_routed(p.as_routed);
  }
  for (const auto& t : config.targets) {
    auto* info = out.add_targets();
    info->set_name(t.name);
    info->set_address(t.address);
    for (const auto& p : t.paths) info->add_paths(p);
    if (t.icmp) info->add_kinds(pb::PROBE_KIND_ICMP);
    if (!t.tcp_ports.empty()) info->add_kinds(pb::PROBE_KIND_TCP);
    for (auto port : t.tcp_ports) info->add_tcp_ports(port);
    info->set_interval_ns(t.probe.interval.count());
  }
}

}  // namespace pathwatch::agent
