// The agent's measurement loop on one io_context: scheduler -> probe engines -> per-flow
// window statistics and path state -> publisher, plus the route watcher and the active-path
// detectors. Owns the flows and engines; does not own the publisher or the event loop.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "agent/config/agent_config.hpp"
#include "agent/probe/probe_engine.hpp"
#include "agent/publish/publisher.hpp"
#include "agent/route/active_path_detector.hpp"
#include "agent/route/route_watcher.hpp"
#include "agent/runtime/flow_plan.hpp"
#include "agent/schedule/probe_scheduler.hpp"
#include "agent/state/path_loss_pool.hpp"
#include "agent/state/path_state_machine.hpp"
#include "agent/stats/window_stats.hpp"
#include "shared/logging/logging.hpp"
#include "shared/time/clock.hpp"

namespace pathwatch::agent {

// How engines and the route watcher are made: the real ones by default, fakes in tests.
struct RuntimeFactories {
  std::function<ProbeEnginePtr(boost::asio::io_context&, const PathConfig&, bool ipv6,
                               ProbeResultSink, const shared::Clock&)>
      icmp_engine;
  std::function<ProbeEnginePtr(boost::asio::io_context&, const PathConfig&, ProbeResultSink,
                               const shared::Clock&)>
      tcp_engine;
  // nullptr result: no route watching (nothing to watch, or tests).
  std::function<std::unique_ptr<RouteWatcher>(boost::asio::io_context&, const shared::Clock&,
                                              const AgentConfig&, RouteWatcherCallbacks)>
      route_watcher;
};

RuntimeFactories real_factories();

class AgentRuntime {
 public:
  struct Counters {
    std::uint64_t probes_sent = 0;
    std::uint64_t results = 0;
    std::uint64_t results_unknown_flow = 0;  // flows removed by a reload
    std::uint64_t state_changes = 0;
    std::uint64_t summaries = 0;
    std::uint64_t hurries = 0;  // suspicions that sped probing up (not their extensions)
  };

  AgentRuntime(boost::asio::io_context& io, const shared::Clock& clock, Publisher& publisher,
               RuntimeFactories factories = real_factories());
  ~AgentRuntime();
  AgentRuntime(const AgentRuntime&) = delete;
  AgentRuntime& operator=(const AgentRuntime&) = delete;

  // Builds engines and flows and starts probing. Throws std::runtime_error when an engine
  // cannot be set up (socket, bind, capability).
  void start(std::shared_ptr<const AgentConfig> config);
  // Applies a new config: flows that stay the same keep their state, statistics and seq;
  // removed flows publish their partial window. Throws like start(); the old flows keep
  // running in that case.
  void reload(std::shared_ptr<const AgentConfig> config);
  // Stops probing and publishes every flow's partial window. Idempotent.
  void stop();

  // Closes the current window of every flow at `end` and publishes the summaries; the next
  // windows start at `next_start` (default: `end`).
  void close_windows(shared::UtcNanos end, std::optional<shared::UtcNanos> next_start = {});
  // What the window timer does when it fires for the windows planned to end at `planned_end`
  // (tests call it by hand): closes them there, then arms the timer for the next end. After a
  // wall-clock step the next windows start at the new time, not at `planned_end`.
  void on_window_timer(shared::UtcNanos planned_end);
  // Now, on the current windows' timeline: the wall clock, or, once it has stepped by 1 s or
  // more since the windows began (NTP, an operator; 1 ms more per second they have run), the wall
  // clock as it would read without the step; never before their start. Windows are planned and
  // closed on it, so none runs backwards or stretches over a step (the collector would reject it
  // and its counts would be lost).
  shared::UtcNanos window_now() const;
  // Feeds one probe result (engines call it through their sink; tests call it by hand).
  void on_result(const ProbeResult& result);

  // Called from the ~1 s tick, next to Publisher::tick (the disk spool's sync_due).
  void set_tick_hook(std::function<void()> hook) { tick_hook_ = std::move(hook); }

  std::optional<PathState> state(const FlowKey& key) const;
  std::optional<FlowId> flow_id(const FlowKey& key, bool hop_probe = false) const;
  const Counters& counters() const { return counters_; }
  const ProbeScheduler& scheduler() const { return scheduler_; }
  // How many times as often every flow is probed on suspicion: suspicion.speedup, cut to
  // keep all flows at that pace within suspicion.max_rate (1: off).
  std::uint32_t hurry_factor() const { return hurry_factor_; }
  // When the current windows close: the next multiple of the window length, or while hurried
  // the next multiple of the shortest probe interval if that comes first.
  shared::UtcNanos next_window_end() const;

 private:
  struct Flow {
    FlowDef def;  // the engine's FlowSpec is made from it per probe (not kept: memory)
    ProbeEngine* engine = nullptr;
    std::uint64_t next_seq = 1;
    std::unique_ptr<WindowAccumulator> window;
    std::unique_ptr<PathStateMachine> state;
    std::unique_ptr<ActivePathDetector> detector;  // hop flows only
  };
  struct Engine {
    PathConfig path;
    ProbeEnginePtr engine;
  };

  void apply(std::shared_ptr<const AgentConfig> config);
  // Puts every measured flow in the pool of its path (PathLossPool): the path's name, and on
  // an as-routed path with line_hops the line its target's hop flow last identified, since
  // flows to different targets may leave over different lines (none identified: the pool it
  // is in). On config changes; a line change moves its target's flows (move_to_line).
  void assign_pools();
  // Moves the measured flows of `hop_flow`'s target to the pool of `line` (a line change).
  void move_to_line(const Flow& hop_flow, const std::string& line);
  ProbeEngine* engine_for(const FlowDef& def, std::map<std::string, Engine>& engines);
  void send(FlowId id);
  // `interfaces`: this window's counter deltas by interface name (nullptr: none, e.g. the
  // partial window of a removed flow).
  void publish_summary(const Flow& flow, const WindowStats& stats,
                       const std::map<std::string, InterfaceCounters>* interfaces = nullptr);
  // Reads the counters of every interface a flow's path uses and returns the deltas since
  // the previous reading (the window's), remembering this reading for the next window.
  std::map<std::string, InterfaceCounters> interface_deltas();
  void publish_state_change(const Flow& flow, const StateChangeEvent& event);
  // Probes every flow faster for a while (config suspicion): `why` names the flow in doubt.
  void suspect(const Flow& flow, const char* why);
  void arm_window_timer();
  // The current windows begin at `start` (on their own timeline: window_now()).
  void begin_windows(shared::UtcNanos start);
  // How far the wall clock has stepped since the current windows began (0 for a slew).
  shared::Nanos wall_step() const;
  void arm_tick_timer();
  void start_route_watcher();

  boost::asio::io_context& io_;
  const shared::Clock& clock_;
  Publisher& publisher_;
  RuntimeFactories factories_;
  std::shared_ptr<const AgentConfig> config_;
  std::map<FlowId, Flow> flows_;
  // The flows of each path weighed together: a cut silences them all at once, random loss
  // does not (docs/agent.md "Loss is not a cut").
  PathLossPool pools_{StateThresholds{}};
  std::map<std::string, Engine> engines_;
  FlowId next_flow_id_ = 1;
  std::uint32_t hurry_factor_ = 1;
  // While hurried, windows also close on multiples of this (the shortest probe interval,
  // 100 ms at least): the collector gets the counts every interval instead of every window.
  shared::Nanos split_every_{std::chrono::seconds{1}};
  ProbeScheduler scheduler_;
  std::unique_ptr<RouteWatcher> route_watcher_;
  // The last counter reading per interface: the start of the current window's deltas.
  std::map<std::string, InterfaceCounters> interface_baseline_;
  std::function<void()> tick_hook_;
  boost::asio::steady_timer window_timer_;
  boost::asio::steady_timer tick_timer_;
  shared::UtcNanos window_start_{};
  // When the current windows began (monotonic), and UTC minus monotonic time then: a
  // wall-clock step changes the latter.
  shared::MonoNanos window_began_{};
  shared::Nanos wall_offset_{};
  bool running_ = false;
  Counters counters_;
  shared::LoggerPtr log_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace pathwatch::agent
