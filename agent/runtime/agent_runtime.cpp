// The measurement loop: flows, engines, windows, state changes, route events.
#include "agent/runtime/agent_runtime.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include "agent/probe/probe_factory.hpp"
#include "agent/publish/messages.hpp"
#include "agent/route/interface_counters.hpp"
#include "agent/route/kernel_netlink_source.hpp"
#include "agent/route/watched_prefix.hpp"

namespace pathwatch::agent {

namespace pb = pathwatch::v1;

namespace {

// A change of the wall clock against the monotonic clock this large (plus 1 ms per second the
// windows have run) is a step (NTP, an operator), not a slew: slews move it by at most 0.5 ms
// a second.
constexpr shared::Nanos kWallClockStep = std::chrono::seconds{1};

// The probes a flow sends per hour at its usual rate, for the cut threshold: the hurry lasts
// only suspicion.hold after a doubt, its extra probes are bounded apart (docs/agent.md "Loss
// is not a cut"). Taking it as permanent raised the threshold so far that one loss among the
// last 128 delayed a cut's DOWN to 5 intervals.
double probes_per_hour(const FlowDef& def) {
  return 3600e9 / static_cast<double>(def.settings.interval.count());
}

// "Unknown" after 30 s without a router's answer, or 5 of this flow's hop probes when the
// hop budget spaces them wider (many as-routed targets): one unanswered probe is no reason.
ActivePathDetectorSettings hop_detector_settings(const FlowDef& def) {
  ActivePathDetectorSettings settings;
  settings.unknown_after =
      std::max<shared::Nanos>(settings.unknown_after, 5 * def.settings.interval);
  return settings;
}

shared::Nanos wall_offset(const shared::Clock& clock) {
  return clock.utc_now().time_since_epoch() - clock.mono_now().time_since_epoch();
}

}  // namespace

RuntimeFactories real_factories() {
  RuntimeFactories f;
  f.icmp_engine = make_icmp_engine;
  f.tcp_engine = make_tcp_engine;
  f.route_watcher = [](boost::asio::io_context& io, const shared::Clock& clock,
                       const AgentConfig& config,
                       RouteWatcherCallbacks callbacks) -> std::unique_ptr<RouteWatcher> {
    auto watches = watched_prefixes(config);
    auto interfaces = path_interfaces(config);
    if (watches.empty() && interfaces.empty()) return nullptr;
    return std::make_unique<RouteWatcher>(io, clock, std::make_unique<KernelNetlinkSource>(io),
                                          std::move(watches), std::move(interfaces),
                                          std::move(callbacks));
  };
  return f;
}

AgentRuntime::AgentRuntime(boost::asio::io_context& io, const shared::Clock& clock,
                           Publisher& publisher, RuntimeFactories factories)
    : io_(io),
      clock_(clock),
      publisher_(publisher),
      factories_(std::move(factories)),
      scheduler_(io, clock, [this](FlowId id) { send(id); }),
      window_timer_(io),
      tick_timer_(io),
      log_(shared::component_logger("agent.runtime")) {
  begin_windows(clock_.utc_now());
}

AgentRuntime::~AgentRuntime() {
  alive_.reset();
  scheduler_.stop();
  if (route_watcher_) route_watcher_->stop();
}

void AgentRuntime::start(std::shared_ptr<const AgentConfig> config) {
  begin_windows(clock_.utc_now());
  apply(std::move(config));
  running_ = true;
  arm_window_timer();
  arm_tick_timer();
}

void AgentRuntime::reload(std::shared_ptr<const AgentConfig> config) {
  apply(std::move(config));
  if (running_) arm_window_timer();  // the window length may have changed
}

ProbeEngine* AgentRuntime::engine_for(const FlowDef& def, std::map<std::string, Engine>& engines) {
  const bool v6 = def.address.is_v6();
  const std::string key = std::string(def.key.kind == ProbeKind::kTcp ? "tcp"
                                      : v6                            ? "icmp6"
                                                                      : "icmp4") +
                          "|" + def.path->name;
  auto it = engines.find(key);
  if (it != engines.end() && same_path(it->second.path, *def.path)) return it->second.engine.get();
  // An engine of the old config for the same, unchanged path: keep it (its socket and the
  // probes in flight on it).
  auto old = engines_.find(key);
  if (old != engines_.end() && same_path(old->second.path, *def.path)) {
    auto& e = engines[key] = std::move(old->second);
    engines_.erase(old);
    return e.engine.get();
  }
  ProbeResultSink sink = [this, alive = std::weak_ptr<int>(alive_)](const ProbeResult& r) {
    if (!alive.expired()) on_result(r);
  };
  Engine e{*def.path, nullptr};
  if (def.key.kind == ProbeKind::kTcp) {
    e.engine = factories_.tcp_engine(io_, *def.path, std::move(sink), clock_);
  } else {
    e.engine = factories_.icmp_engine(io_, *def.path, v6, std::move(sink), clock_);
  }
  log_->info("path '{}': {} engine ready", def.path->name, key.substr(0, key.find('|')));
  auto& slot = engines[key] = std::move(e);
  return slot.engine.get();
}

void AgentRuntime::apply(std::shared_ptr<const AgentConfig> config) {
  const auto plan = plan_flows(*config);
  // Build everything new first, so a failing engine leaves the running flows untouched.
  std::map<std::string, Engine> engines;
  std::map<FlowId, Flow> flows;
  std::set<FlowId> kept;
  std::map<std::pair<FlowKey, bool>, FlowId> existing;
  for (const auto& [id, flow] : flows_) existing[{flow.def.key, flow.def.hop_probe}] = id;
  const auto now = window_now();  // new flows' windows start on the current windows' time
  for (const auto& def : plan) {
    ProbeEngine* engine = nullptr;
    try {
      engine = engine_for(def, engines);
    } catch (...) {
      // Give the engines taken over back before failing.
      for (auto& [k, e] : engines) {
        if (!engines_.count(k)) engines_[k] = std::move(e);
      }
      throw;
    }
    std::optional<FlowId> reuse;
    if (auto e = existing.find({def.key, def.hop_probe}); e != existing.end()) {
      if (!kept.count(e->second) && same_flow(flows_.at(e->second).def, def)) reuse = e->second;
    }
    if (reuse) {
      kept.insert(*reuse);
      Flow flow = std::move(flows_.at(*reuse));
      flow.engine = engine;
      if (flow.state) {
        flow.state->set_thresholds(config->thresholds, def.settings.timeout, probes_per_hour(def));
      }
      flows.emplace(*reuse, std::move(flow));
      continue;
    }
    const FlowId id = next_flow_id_++;
    Flow flow;
    flow.def = def;
    flow.engine = engine;
    if (def.hop_probe) {
      flow.detector = std::make_unique<ActivePathDetector>(def.key.address, *def.path,
                                                           hop_detector_settings(def));
    } else {
      flow.window = std::make_unique<WindowAccumulator>(def.key.kind, now);
      flow.state = std::make_unique<PathStateMachine>(config->thresholds, def.settings.timeout,
                                                      probes_per_hour(def));
    }
    flows.emplace(id, std::move(flow));
  }
  // Removed flows: their partial window is the last word on them.
  for (auto& [id, flow] : flows_) {
    if (!kept.count(id) && flow.window) publish_summary(flow, flow.window->close(now));
  }
  config_ = std::move(config);
  flows_ = std::move(flows);
  engines_ = std::move(engines);  // engines no flow uses any more close here

  pools_.set_thresholds(config_->thresholds);
  assign_pools();

  std::vector<ScheduleEntry> entries;
  entries.reserve(flows_.size());
  for (const auto& [id, flow] : flows_) {
    entries.push_back(
        {id, schedule_group(flow.def), flow.def.settings.interval, flow.def.hop_probe});
  }
  // The schedule's hurry ends with the old flows; a suspicion under way goes on until it would
  // have ended, at the new flows' pace (below), so suspicion.max_rate holds across a reload.
  const auto mono_now = clock_.mono_now();
  const auto hurried_until = std::max(mono_now, scheduler_.schedule().hurry_until());
  scheduler_.set_flows(entries);
  double rate = 0;  // probes per second, every flow at its own interval
  for (const auto& e : entries) rate += 1e9 / static_cast<double>(e.interval.count());
  split_every_ = config_->window;
  for (const auto& e : entries) split_every_ = std::min(split_every_, e.interval);
  split_every_ = std::max<shared::Nanos>(split_every_, std::chrono::milliseconds{100});
  const auto& suspicion = config_->suspicion;
  hurry_factor_ =
      static_cast<std::uint32_t>(std::clamp(rate > 0 ? std::floor(suspicion.max_rate / rate) : 1.0,
                                            1.0, static_cast<double>(suspicion.speedup)));
  if (hurried_until > mono_now) scheduler_.hurry(hurry_factor_, hurried_until - mono_now);
  log_->info("{} flows on {} engines ({} kept from before), {:.1f} probes/s, x{} on suspicion",
             flows_.size(), engines_.size(), kept.size(), rate, hurry_factor_);
  start_route_watcher();
}

void AgentRuntime::assign_pools() {
  // The line each as-routed target was last seen on: (target, path) -> line. "None" (no
  // router answers) is no line: it is what a cut looks like, so the flows stay where they were.
  std::map<std::pair<std::string, std::string>, std::string> lines;
  for (const auto& [id, flow] : flows_) {
    if (flow.detector && flow.detector->line_known()) {
      lines[{flow.def.key.target, flow.def.key.path}] = flow.detector->path();
    }
  }
  std::vector<PoolMember> members;
  for (const auto& [id, flow] : flows_) {
    if (!flow.state) continue;
    std::string pool = flow.def.path->name;
    if (flow.def.path->as_routed && !flow.def.path->line_hops.empty()) {
      auto line = lines.find({flow.def.key.target, flow.def.key.path});
      if (line != lines.end()) {
        pool += "|" + line->second;
      } else if (const auto* kept = pools_.pool_of(id); kept && kept->starts_with(pool + "|")) {
        pool = *kept;  // the line it was last seen on
      } else {
        pool += "|";
      }
    }
    members.push_back({id, std::move(pool), probes_per_hour(flow.def)});
  }
  pools_.set_flows(members);
}

void AgentRuntime::move_to_line(const Flow& hop_flow, const std::string& line) {
  // Only this target's flows move, one by one: rebuilding every pool on each change cost
  // O(N log N) and N strings per change, and a reconvergence changes every as-routed target
  // within an interval.
  const std::string pool = hop_flow.def.path->name + "|" + line;
  for (const auto& [id, flow] : flows_) {
    if (flow.state && flow.def.key.target == hop_flow.def.key.target &&
        flow.def.key.path == hop_flow.def.key.path) {
      pools_.move_flow(id, pool);
    }
  }
}

void AgentRuntime::start_route_watcher() {
  if (route_watcher_) {
    route_watcher_->stop();
    route_watcher_.reset();
  }
  if (!factories_.route_watcher) return;
  RouteWatcherCallbacks callbacks;
  callbacks.on_route_change = [this](const RouteChangeEvent& e) {
    log_->info("route to {}: '{}' -> '{}' ({}{})", e.prefix, e.from_path, e.to_path,
               to_string(e.source), e.initial ? ", initial" : "");
    publisher_.publish(MessageClass::kEvent, [&](pb::Envelope& env) {
      fill_route_change(e, *env.mutable_route_change());
    });
  };
  callbacks.on_link_change = [this](const LinkChangeEvent& e) {
    if (e.initial) return;  // not a transition
    log_->info("interface {} (path '{}') {}", e.interface, e.path, e.oper_up ? "up" : "down");
    publisher_.publish(MessageClass::kEvent,
                       [&](pb::Envelope& env) { fill_link_change(e, *env.mutable_link_change()); });
  };
  route_watcher_ = factories_.route_watcher(io_, clock_, *config_, std::move(callbacks));
  if (route_watcher_) {
    if (auto ec = route_watcher_->start()) {
      log_->error("route watching unavailable: {}", ec.message());
      route_watcher_.reset();
    }
  }
  // The first window's deltas start here. A new watcher counts link changes from 0 again.
  interface_baseline_.clear();
  interface_deltas();
}

std::map<std::string, InterfaceCounters> AgentRuntime::interface_deltas() {
  std::map<std::string, InterfaceCounters> deltas;
  if (!route_watcher_) return deltas;
  for (const auto& [id, flow] : flows_) {
    const std::string& name = flow.def.path->interface;
    if (name.empty() || !flow.window || deltas.count(name)) continue;
    const InterfaceCounters now = route_watcher_->counters(name);
    auto before = interface_baseline_.find(name);
    // No earlier reading (a path added by a reload): nothing to subtract yet, so zeros.
    deltas[name] = counters_delta(before != interface_baseline_.end() ? before->second : now, now);
    interface_baseline_[name] = now;
  }
  return deltas;
}

void AgentRuntime::send(FlowId id) {
  auto it = flows_.find(id);
  if (it == flows_.end() || it->second.engine == nullptr) return;
  Flow& flow = it->second;
  ++counters_.probes_sent;
  const std::uint8_t ttl = flow.def.hop_probe ? flow.def.hop_ttl : 0;
  FlowSpec spec;
  spec.id = id;
  spec.address = flow.def.address;
  spec.port = flow.def.key.port;
  spec.path = flow.def.path.get();
  spec.settings = flow.def.settings;
  flow.engine->send(spec, flow.next_seq++, ttl);
}

void AgentRuntime::on_result(const ProbeResult& result) {
  ++counters_.results;
  auto it = flows_.find(result.flow);
  if (it == flows_.end()) {
    ++counters_.results_unknown_flow;
    return;
  }
  Flow& flow = it->second;
  if (flow.detector) {
    const bool was_within = flow.detector->target_within_hop_ttl();
    auto e = flow.detector->on_result(result);
    if (!was_within && flow.detector->target_within_hop_ttl()) {
      // Said once, in plain words: this target's line can never be told at this TTL.
      log_->warn(
          "target {} ({}) answers the hop probe itself at TTL {}: it is no more than {} hops "
          "away, so the routers in line_hops of path '{}' never see the probe and its line "
          "cannot be identified; set hop_ttl on this target (or the path) to the hop of the "
          "line's far-end router",
          flow.def.key.target, flow.def.key.address, int{flow.def.hop_ttl}, int{flow.def.hop_ttl},
          flow.def.key.path);
    }
    if (e) {
      if (e->to_path == kUnknownPath) {
        log_->warn(
            "as-routed line to {} ({}): unknown, no router of line_hops answered the hop probes "
            "for {} s (a router that rate-limits or never sends ICMP Time Exceeded, a filter, "
            "or every line cut); the forced-path flows still show each line's state",
            flow.def.key.target, e->prefix,
            std::chrono::duration_cast<std::chrono::seconds>(
                hop_detector_settings(flow.def).unknown_after)
                .count());
      } else {
        log_->info("as-routed line to {}: '{}' -> '{}' (router {})", e->prefix, e->from_path,
                   e->to_path, e->gateway);
      }
      // Its target's flows now share the fate of the other line. "Unknown" (no router
      // answers: what a cut of every line looks like too) moves nothing: the flows stay in
      // the line's pool, so the pooled test keeps its evidence through the cut.
      if (flow.detector->line_known()) move_to_line(flow, e->to_path);
      publisher_.publish(MessageClass::kEvent, [&](pb::Envelope& env) {
        fill_route_change(*e, *env.mutable_route_change());
      });
    }
    return;
  }
  flow.window->add(result);
  std::optional<StateChangeEvent> change;
  if (!result.duplicate && !result.late) {
    const auto path =
        pools_.on_outcome(result.flow, path_delivered(result.outcome),
                          flow.state->state() == PathState::kDown, flow.state->loss_rate());
    change = flow.state->on_result(result, path);
  }
  if (change) publish_state_change(flow, *change);
  if (change && change->from == PathState::kUp) {
    suspect(flow, "left up");
  } else if (flow.state->doubts_up()) {
    suspect(flow, "losses put it in doubt");
  } else if (flow.state->state() != PathState::kDown &&
             (flow.state->doubts_cut() || pools_.doubts_cut(result.flow))) {
    // Not for a flow already DOWN: a path that stays cut must not keep the agent hurried.
    suspect(flow, "its losses are half way to a cut");
  }
}

void AgentRuntime::suspect(const Flow& flow, const char* why) {
  if (hurry_factor_ <= 1 || !scheduler_.hurry(hurry_factor_, config_->suspicion.hold)) return;
  ++counters_.hurries;
  if (running_) arm_window_timer();  // the next split comes sooner than the window's end
  log_->info(
      "suspicion: {} {}; every flow probed {} x as often for {} ms", to_string(flow.def.key), why,
      hurry_factor_,
      std::chrono::duration_cast<std::chrono::milliseconds>(config_->suspicion.hold).count());
}

void AgentRuntime::publish_state_change(const Flow& flow, const StateChangeEvent& e) {
  ++counters_.state_changes;
  auto level = e.to == PathState::kDown ? spdlog::level::warn : spdlog::level::info;
  log_->log(level, "{}: {} -> {} ({})", to_string(flow.def.key), to_string(e.from), to_string(e.to),
            e.reason);
  publisher_.publish(MessageClass::kEvent, [&](pb::Envelope& env) {
    fill_state_change(flow.def.key, e, *env.mutable_state_change());
  });
}

void AgentRuntime::publish_summary(const Flow& flow, const WindowStats& stats,
                                   const std::map<std::string, InterfaceCounters>* interfaces) {
  ++counters_.summaries;
  publisher_.publish(MessageClass::kSummary, [&](pb::Envelope& env) {
    auto& window = *env.mutable_window();
    fill_window_summary(flow.def.key, stats, flow.state->state(), window);
    if (interfaces == nullptr || flow.def.path->interface.empty()) return;
    if (auto it = interfaces->find(flow.def.path->interface); it != interfaces->end()) {
      fill_interface_counters(it->second, *window.add_interfaces());
    }
  });
}

void AgentRuntime::close_windows(shared::UtcNanos end, std::optional<shared::UtcNanos> next_start) {
  const auto start = next_start.value_or(end);
  const auto interfaces = interface_deltas();
  for (auto& [id, flow] : flows_) {
    if (flow.window) publish_summary(flow, flow.window->close(end, start), &interfaces);
  }
  begin_windows(start);
}

void AgentRuntime::begin_windows(shared::UtcNanos start) {
  window_start_ = start;
  window_began_ = clock_.mono_now();
  wall_offset_ = wall_offset(clock_);
}

shared::Nanos AgentRuntime::wall_step() const {
  const auto step = wall_offset(clock_) - wall_offset_;
  // A slew of up to 0.5 ms a second adds up over a long window: allowed twice that on top.
  const auto allowed = kWallClockStep + (clock_.mono_now() - window_began_) / 1000;
  return step < allowed && step > -allowed ? shared::Nanos{0} : step;
}

shared::UtcNanos AgentRuntime::window_now() const {
  // Never before the windows' start, where a backward slew under the step threshold would put
  // it: a window would end before it began.
  return std::max(clock_.utc_now() - wall_step(), window_start_);
}

void AgentRuntime::on_window_timer(shared::UtcNanos planned_end) {
  // The timer was armed on the windows' own timeline, so `planned_end` is right for them even
  // when the wall clock stepped meanwhile; only the next windows move to the new time.
  const auto step = wall_step();
  if (step == shared::Nanos{0}) {
    close_windows(planned_end);
  } else {
    log_->warn(
        "the wall clock stepped by {:+.3f} s: windows closed on their own time, the next "
        "ones start at the new time",
        std::chrono::duration<double>(step).count());
    close_windows(planned_end, clock_.utc_now());
  }
  arm_window_timer();
}

shared::UtcNanos AgentRuntime::next_window_end() const {
  const auto since_epoch = window_now().time_since_epoch();  // the windows' own timeline
  const auto next_multiple = [&](shared::Nanos w) {
    return shared::UtcNanos{(since_epoch / w + 1) * w};
  };
  const auto end = next_multiple(config_->window);
  if (!scheduler_.schedule().hurrying(clock_.mono_now())) return end;
  return std::min(end, next_multiple(split_every_));
}

void AgentRuntime::arm_window_timer() {
  // Windows end on multiples of the window length in UTC (10:00:00, 10:00:10, ...), so the
  // summaries of all agents line up; the first window is shorter. While hurried (suspicion)
  // they also end on multiples of split_every_: the counts that tell a lossy segment from its
  // neighbours reach the collector within an interval, not at the window's end
  // (docs/agent.md "Suspicion"). Shorter windows are ordinary windows to the collector.
  const auto end = next_window_end();
  window_timer_.expires_after(end - window_now());
  std::weak_ptr<int> alive = alive_;
  window_timer_.async_wait([this, alive, end](const boost::system::error_code& ec) {
    if (ec || alive.expired() || !running_) return;
    on_window_timer(end);
  });
}

void AgentRuntime::arm_tick_timer() {
  // ~1 s, or the heartbeat when shorter: Publisher::tick sends the heartbeat.
  tick_timer_.expires_after(std::min<shared::Nanos>(
      std::chrono::seconds{1}, config_->collector.heartbeat_or(config_->window)));
  std::weak_ptr<int> alive = alive_;
  tick_timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired() || !running_) return;
    publisher_.tick(clock_.mono_now());
    if (tick_hook_) tick_hook_();
    arm_tick_timer();
  });
}

void AgentRuntime::stop() {
  if (!running_) return;
  running_ = false;
  scheduler_.stop();
  window_timer_.cancel();
  tick_timer_.cancel();
  if (route_watcher_) route_watcher_->stop();
  close_windows(window_now());
  log_->info("stopped: {} probes sent, {} state changes, {} summaries", counters_.probes_sent,
             counters_.state_changes, counters_.summaries);
}

std::optional<FlowId> AgentRuntime::flow_id(const FlowKey& key, bool hop_probe) const {
  for (const auto& [id, flow] : flows_) {
    if (flow.def.key == key && flow.def.hop_probe == hop_probe) return id;
  }
  return std::nullopt;
}

std::optional<PathState> AgentRuntime::state(const FlowKey& key) const {
  auto id = flow_id(key);
  if (!id) return std::nullopt;
  const auto& flow = flows_.at(*id);
  if (!flow.state) return std::nullopt;
  return flow.state->state();
}

}  // namespace pathwatch::agent
