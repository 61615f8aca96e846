// Loss is not a cut (issue 15 item 4), as a model over simulated time that runs the agent's
// own code: one site agent's flows over one path at the agent's defaults (1 s probes, 1 s
// timeout, thresholds and suspicion as shipped), its ProbeSchedule with the suspicion that
// AgentRuntime applies (5 x for 3 s on doubt, on a flow leaving UP, or half way to a cut),
// one PathStateMachine per flow, and the PathLossPool of the path, fed each outcome when it
// is known. Random loss is Bernoulli each way (a probe survives with (1 - e)^2); a cut loses
// every probe sent from its onset on, each known at the timeout. Fixed seeds (std::mt19937
// is the same sequence everywhere); nothing sleeps. The figures are in docs/agent.md
// ("Loss is not a cut").
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <queue>
#include <random>
#include <vector>

#include "agent/schedule/probe_schedule.hpp"
#include "agent/state/cut_evidence.hpp"
#include "agent/state/path_loss_pool.hpp"
#include "agent/state/path_state_machine.hpp"

namespace pathwatch::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr shared::Nanos kInterval = seconds{1};  // defaults.interval
constexpr shared::Nanos kTimeout = seconds{1};   // defaults.timeout
constexpr std::uint32_t kSpeedup = 5;            // suspicion.speedup
constexpr shared::Nanos kHold = seconds{3};      // suspicion.hold
constexpr double kProbesPerHour = 3600.0;        // AgentRuntime's probes_per_hour
constexpr double kHurriedProbesPerHour = kProbesPerHour * kSpeedup;

double round_trip_loss(double each_way) {
  return 1 - (1 - each_way) * (1 - each_way);
}

// One agent's flows over one path, from time 0.
class PathModel {
 public:
  struct Down {
    shared::UtcNanos at;
    std::size_t flow;
  };

  // `speedup`: suspicion.speedup (1: no hurry).
  PathModel(std::size_t flows, const StateThresholds& thresholds, std::uint32_t seed,
            std::uint32_t speedup = kSpeedup)
      : rng_(seed),
        pools_(thresholds),
        schedule_(mono(zero() + milliseconds{rng_() % 1000})),
        speedup_(speedup) {
    const double probes_per_hour = kProbesPerHour;
    std::vector<ScheduleEntry> entries;
    std::vector<PoolMember> members;
    for (std::size_t i = 0; i < flows; ++i) {
      const auto id = static_cast<FlowId>(i);
      entries.push_back({id, "target-" + std::to_string(i) + "|icmp", kInterval});
      members.push_back({id, "primary", probes_per_hour});
      machines_.emplace_back(thresholds, kTimeout, probes_per_hour);
    }
    schedule_.set_flows(entries, mono(zero()));
    pools_.set_flows(members);
    first_lost_.assign(flows, shared::UtcNanos::max());
  }

  // Random loss from now on (round trip), and a cut of the whole path (or of one flow: a
  // host that dies) from `at` on.
  void set_loss(double round_trip) { loss_ = round_trip; }
  void cut_at(shared::UtcNanos at, std::optional<std::size_t> only = std::nullopt) {
    cut_at_ = at;
    cut_only_ = only;
  }

  // Runs until `until`: every outcome known by then is fed.
  void run_until(shared::UtcNanos until) {
    std::vector<FlowId> due;
    for (;;) {
      const auto send_at = zero() + (*schedule_.next_due() - shared::MonoNanos{});
      if (!pending_.empty() && pending_.top().known <= std::min(send_at, until)) {
        const Pending p = pending_.top();
        pending_.pop();
        feed(p);
        continue;
      }
      if (send_at > until) return;
      due.clear();
      schedule_.take_due(mono(send_at), due);
      for (const auto id : due) send(id, send_at);
    }
  }

  const std::vector<Down>& downs() const { return downs_; }
  const PathStateMachine& machine(std::size_t flow) const { return machines_[flow]; }
  // The send time of the flow's first probe lost to the cut (max: none yet).
  shared::UtcNanos first_lost(std::size_t flow) const { return first_lost_[flow]; }
  std::uint64_t probes() const { return probes_; }
  std::uint64_t hurries() const { return hurries_; }

  static shared::UtcNanos zero() { return shared::UtcNanos{}; }

 private:
  struct Pending {
    shared::UtcNanos known;
    ProbeResult result;
    bool operator>(const Pending& p) const { return known > p.known; }
  };
  static shared::MonoNanos mono(shared::UtcNanos t) { return shared::MonoNanos{t - zero()}; }

  void send(FlowId id, shared::UtcNanos at) {
    ++probes_;
    const bool cut = at >= cut_at_ && (!cut_only_ || *cut_only_ == id);
    const bool lost = cut || uniform_(rng_) < loss_;
    if (cut) first_lost_[id] = std::min(first_lost_[id], at);
    Pending p{at + (lost ? kTimeout : shared::Nanos{milliseconds{5}}), {}};
    p.result.flow = id;
    p.result.seq = ++seq_;
    p.result.sent_utc = at;
    p.result.outcome = lost ? Outcome::kTimeout : Outcome::kOk;
    if (!lost) p.result.rtt = milliseconds{5};
    pending_.push(p);
  }

  // AgentRuntime::on_result, for one flow's outcome.
  void feed(const Pending& p) {
    const FlowId id = p.result.flow;
    PathStateMachine& m = machines_[id];
    const auto path = pools_.on_outcome(id, path_delivered(p.result.outcome),
                                        m.state() == PathState::kDown, m.loss_rate());
    const auto change = m.on_result(p.result, path);
    if (change && change->to == PathState::kDown) downs_.push_back({change->at, id});
    const bool half_way =
        m.state() != PathState::kDown && (m.doubts_cut() || pools_.doubts_cut(id));
    if ((change && change->from == PathState::kUp) || m.doubts_up() || half_way) {
      if (schedule_.hurry(speedup_, mono(p.known + kHold), mono(p.known)).began) ++hurries_;
    }
  }

  std::mt19937 rng_;
  std::uniform_real_distribution<double> uniform_{0.0, 1.0};
  PathLossPool pools_;
  ProbeSchedule schedule_;
  std::uint32_t speedup_;
  std::vector<PathStateMachine> machines_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> pending_;
  std::vector<Down> downs_;
  std::vector<shared::UtcNanos> first_lost_;
  double loss_ = 0;
  shared::UtcNanos cut_at_ = shared::UtcNanos::max();
  std::optional<std::size_t> cut_only_;
  std::uint64_t seq_ = 0;
  std::uint64_t probes_ = 0;
  std::uint64_t hurries_ = 0;
};

// The rule's false-DOWN rate per flow-hour under random loss p (round trip), from the rule
// itself (losses_for_cut, cut_threshold, loss_evidence): a run of losses starts at a probe
// with chance (1 - p) and reaches k with p^k, where k follows from the measured rate, the
// larger of the flow's and the path's. Each LossMemory holds 128 decided probes, so their
// counts are taken as independent Binomial(128, p) (`with_path` false: the flow's alone,
// which overstates: the larger of two estimates is seldom low). Per flow, R probes per
// hour; the pooled test adds a run over all n flows' probes (n x R per hour) against the
// path's threshold, and each such run takes at most the n flows down: per flow-hour it adds
// the path's runs per hour (a loose bound: such a run takes down only the flows with
// down_after losses of their own in it, often none).
struct Analytic {
  double own = 0;     // a flow's own test, per flow-hour
  double pooled = 0;  // a bound on the path's pooled test, per flow-hour
  double total() const { return own + pooled; }
};

Analytic analytic_false_downs_per_flow_hour(double p, double probes_per_flow_hour, std::size_t n,
                                            const StateThresholds& t, bool with_path = true,
                                            double max_probes_per_hour = kProbesPerHour) {
  constexpr std::uint32_t m = LossMemory::kSize;
  std::vector<double> weight(m + 1);
  for (std::uint32_t l = 0; l <= m; ++l) {
    weight[l] = std::exp(std::lgamma(m + 1) - std::lgamma(l + 1) - std::lgamma(m - l + 1) +
                         l * std::log(p) + (m - l) * std::log1p(-p));
  }
  const double pool_threshold = cut_threshold(max_probes_per_hour * static_cast<double>(n), t);
  double own = 0;
  double pooled = 0;
  for (std::uint32_t l = 0; l <= m; ++l) {
    for (std::uint32_t lp = 0; lp <= (with_path ? m : 0); ++lp) {
      const double w = weight[l] * (with_path ? weight[lp] : 1.0);
      const double rate = static_cast<double>(std::max(l, lp)) / m;
      own += w * std::pow(p, losses_for_cut(rate, max_probes_per_hour, t));
      const double k_pool =
          std::max<double>(t.down_after, std::ceil(pool_threshold / loss_evidence(rate, t)));
      pooled += w * std::pow(p, k_pool);
    }
  }
  const double starts = probes_per_flow_hour * (1 - p);
  return {starts * own, starts * static_cast<double>(n) * pooled};
}

struct SteadyLoss {
  double flow_hours = 0;
  int false_downs = 0;
  double probes_per_flow_hour = 0;
};

// `agents` agents of `flows` flows each under random loss from the start, for `hours` each;
// DOWNs counted after a 10-minute warm-up (the onset is the other test's).
SteadyLoss steady_loss(double each_way, const StateThresholds& t, int agents, double hours,
                       std::size_t flows, std::uint32_t seed, std::uint32_t speedup = kSpeedup) {
  SteadyLoss out;
  const auto warm_up = PathModel::zero() + seconds{600};
  const auto end = warm_up + shared::Nanos{static_cast<std::int64_t>(hours * 3600e9)};
  std::uint64_t probes = 0;
  for (int a = 0; a < agents; ++a) {
    PathModel model(flows, t, seed + static_cast<std::uint32_t>(a), speedup);
    model.set_loss(round_trip_loss(each_way));
    model.run_until(warm_up);
    const auto before = model.probes();
    const auto downs_before = model.downs().size();
    model.run_until(end);
    probes += model.probes() - before;
    out.false_downs += static_cast<int>(model.downs().size() - downs_before);
  }
  out.flow_hours = static_cast<double>(agents) * static_cast<double>(flows) * hours;
  out.probes_per_flow_hour = static_cast<double>(probes) / out.flow_hours;
  return out;
}

// At the shipped thresholds a false DOWN is too rare to count in a unit test's time (1e-4
// per flow-hour would need ~30,000 flow-hours for 3 of them): the rate comes from the rule
// analytically, the simulation checks that nothing goes DOWN in the hours it runs, and the
// next test checks simulation and analysis agree where events are frequent.
TEST(LossNotCutModel, RandomLossStaysDegradedAtTheShippedThresholds) {
  const StateThresholds shipped;
  std::printf(
      "  each way  round trip  flow-hours  false DOWN  probes/flow-h  analytic/flow-h: own "
      "test, pooled bound (flow's rate alone; always hurried)\n");
  for (const double each_way : {0.10, 0.30, 0.50}) {
    const auto r = steady_loss(each_way, shipped, 1, 1.0, 6, 100);
    const double p = round_trip_loss(each_way);
    const auto a = analytic_false_downs_per_flow_hour(p, r.probes_per_flow_hour, 6, shipped);
    const auto alone =
        analytic_false_downs_per_flow_hour(p, r.probes_per_flow_hour, 6, shipped, false);
    const auto hurried = analytic_false_downs_per_flow_hour(p, kHurriedProbesPerHour, 6, shipped);
    std::printf("  %5.0f %%   %7.1f %%  %10.0f  %10d  %13.0f  %9.2e %9.2e (%9.2e; %9.2e)\n",
                100 * each_way, 100 * p, r.flow_hours, r.false_downs, r.probes_per_flow_hour, a.own,
                a.pooled, alone.total(), hurried.total());
    if (each_way <= 0.30) {
      EXPECT_EQ(r.false_downs, 0) << each_way;
      EXPECT_LT(a.total(), 1e-4) << each_way;  // issue 15: below 1e-4 per flow-hour at 30 %
    }
  }
}

// Where false DOWNs are frequent enough to count (the same rule, 30 allowed per flow-hour
// instead of 1e-4: ~8 losses in a row at 51 %), the simulation without the suspicion
// (outcomes known in the order sent: Bernoulli runs, as the analysis assumes) matches the
// flow's own test, under the bound with the pooled one. With the suspicion it is lower
// still: a hurried probe's answer comes back before the losses still in flight and breaks
// their run (a cut sends no answer), so the analysis overstates.
TEST(LossNotCutModel, SimulationAgreesWithTheAnalyticRateAtALooseTarget) {
  StateThresholds loose;
  loose.false_down_per_hour = 30;
  const double p = round_trip_loss(0.30);
  const auto plain = steady_loss(0.30, loose, 2, 1.0, 6, 200, 1);
  const auto a =
      analytic_false_downs_per_flow_hour(p, plain.probes_per_flow_hour, 6, loose, true, 3600.0);
  const auto hurried = steady_loss(0.30, loose, 2, 1.0, 6, 300);
  const auto ah = analytic_false_downs_per_flow_hour(p, hurried.probes_per_flow_hour, 6, loose);
  const double simulated = plain.false_downs / plain.flow_hours;
  const double simulated_hurried = hurried.false_downs / hurried.flow_hours;
  std::printf(
      "  30 %% each way, 30 false DOWN/flow-h allowed, no suspicion: %d in %.0f flow-hours = "
      "%.2f/h; analytic: own test %.2f/h, with the pooled bound %.2f/h\n",
      plain.false_downs, plain.flow_hours, simulated, a.own, a.total());
  std::printf(
      "  the same with the suspicion: %d in %.0f flow-hours = %.2f/h; analytic %.2f/h, with "
      "the pooled bound %.2f/h\n",
      hurried.false_downs, hurried.flow_hours, simulated_hurried, ah.own, ah.total());
  EXPECT_GE(plain.false_downs, 20);  // enough to compare
  EXPECT_GT(simulated, a.own / 2);
  EXPECT_LT(simulated, 1.5 * a.total());
  EXPECT_LT(simulated_hurried, 1.5 * ah.total());
}

struct Detection {
  std::vector<double> from_onset;       // in probe intervals, every flow of every onset
  std::vector<double> from_first_lost;  // from the send of the flow's first probe lost
  int missed = 0;                       // flows not DOWN 60 s after the onset
};

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

void print(const char* name, const Detection& d) {
  std::printf(
      "  %-34s onset->DOWN p50 %.2f p90 %.2f p99 %.2f max %.2f; first lost->DOWN max "
      "%.2f intervals; missed %d\n",
      name, percentile(d.from_onset, 0.5), percentile(d.from_onset, 0.9),
      percentile(d.from_onset, 0.99), percentile(d.from_onset, 1.0),
      percentile(d.from_first_lost, 1.0), d.missed);
}

// `onsets` cuts at a random instant after `warm_up` of random loss `each_way` (0: clean),
// of the whole path or of one flow's host (`one_host`). `round_trip`: the loss given round
// trip instead.
Detection cut_onsets(std::size_t flows, double each_way, shared::Nanos warm_up, int onsets,
                     bool one_host, std::uint32_t seed,
                     std::optional<double> round_trip = std::nullopt) {
  Detection d;
  std::mt19937 rng(seed);
  for (int i = 0; i < onsets; ++i) {
    PathModel model(flows, StateThresholds{}, static_cast<std::uint32_t>(rng()));
    model.set_loss(round_trip.value_or(round_trip_loss(each_way)));
    const auto onset = PathModel::zero() + warm_up + milliseconds{rng() % 1000};
    model.cut_at(onset, one_host ? std::optional<std::size_t>{0} : std::nullopt);
    model.run_until(onset + seconds{60});
    for (std::size_t f = 0; f < (one_host ? 1 : flows); ++f) {
      const auto down = std::find_if(model.downs().begin(), model.downs().end(),
                                     [&](const auto& x) { return x.flow == f && x.at >= onset; });
      if (down == model.downs().end()) {
        ++d.missed;
        continue;
      }
      const auto in_intervals = [](shared::Nanos t) {
        return std::chrono::duration<double>(t).count() /
               std::chrono::duration<double>(kInterval).count();
      };
      d.from_onset.push_back(in_intervals(down->at - onset));
      d.from_first_lost.push_back(in_intervals(down->at - model.first_lost(f)));
    }
  }
  return d;
}

TEST(LossNotCutModel, ACutOfACleanPathIsDownWithinThreeIntervalsOfItsFirstLostProbe) {
  // BFD's sense of detection time: from the last probe the path carried. With the timeout
  // as long as the interval, down_after = 3 losses are known 2 intervals + 1 timeout after
  // the first lost probe left: 3 intervals at the most, as before this rule.
  const auto six = cut_onsets(6, 0, seconds{30}, 100, false, 1);
  const auto one = cut_onsets(1, 0, seconds{30}, 100, false, 2);
  const auto host = cut_onsets(6, 0, seconds{30}, 100, true, 3);
  print("clean path, 6 flows", six);
  print("clean path, 1 flow", one);
  print("dead host, clean path of 6", host);
  for (const auto* d : {&six, &one, &host}) {
    EXPECT_EQ(d->missed, 0);
    EXPECT_LE(percentile(d->from_first_lost, 1.0), 3.0 + 1e-9);
  }
}

TEST(LossNotCutModel, ACutOfAPathWithLittleLossIsDownWithinThreeIntervals) {
  // 0.5 % and 1 % round trip for 150 s (the memories full: 1 to 4 losses among the last 128
  // are usual), then the cut: such a path counts as clean (kCleanishLossRate), so a lone
  // flow and a dead host still go DOWN after down_after losses.
  for (const double round_trip : {0.005, 0.01}) {
    const auto one = cut_onsets(1, 0, seconds{150}, 50, false, 8, round_trip);
    const auto host = cut_onsets(6, 0, seconds{150}, 50, true, 9, round_trip);
    std::printf("  %.1f %% round trip:\n", 100 * round_trip);
    print("1 flow", one);
    print("dead host, path of 6", host);
    for (const auto* d : {&one, &host}) {
      EXPECT_EQ(d->missed, 0);
      EXPECT_LE(percentile(d->from_first_lost, 1.0), 3.0 + 1e-9) << round_trip;
    }
  }
}

TEST(LossNotCutModel, ACutOfALossyPathIsDownSoonerWithMoreFlows) {
  // 30 % loss each way for 150 s (the memories full), then the cut: the streak must beat what
  // random loss gives, so detection takes longer (figures in docs/agent.md); every flow is DOWN.
  const auto six = cut_onsets(6, 0.30, seconds{150}, 50, false, 4);
  const auto one = cut_onsets(1, 0.30, seconds{150}, 50, false, 5);
  const auto host = cut_onsets(6, 0.30, seconds{150}, 50, true, 6);
  print("30 % each way, 6 flows", six);
  print("30 % each way, 1 flow", one);
  print("dead host, 30 % each way, 6 flows", host);
  for (const auto* d : {&six, &one, &host}) EXPECT_EQ(d->missed, 0);
}

// The onset of random loss on a clean path is the hard case: the flows' memories still say
// "clean", so down_after losses in a row call DOWN until losses are measured. Printed, not
// asserted (docs/agent.md): the share of flows that go DOWN in the minute after an onset.
TEST(LossNotCutModel, TheOnsetOfRandomLoss) {
  for (const std::size_t flows : {6u, 1u}) {
    for (const double each_way : {0.10, 0.30}) {
      std::mt19937 rng(7);
      int down = 0;
      constexpr int kOnsets = 50;
      for (int i = 0; i < kOnsets; ++i) {
        PathModel model(flows, StateThresholds{}, static_cast<std::uint32_t>(rng()));
        const auto onset = PathModel::zero() + seconds{30} + milliseconds{rng() % 1000};
        model.run_until(onset);
        model.set_loss(round_trip_loss(each_way));
        model.run_until(onset + seconds{60});
        std::vector<bool> went(flows, false);
        for (const auto& d : model.downs()) went[d.flow] = true;
        down += static_cast<int>(std::count(went.begin(), went.end(), true));
      }
      std::printf(
          "  loss onset %2.0f %% each way, %zu flow(s) on the path: %.1f %% of flows DOWN "
          "within 60 s\n",
          100 * each_way, flows, 100.0 * down / (kOnsets * static_cast<double>(flows)));
    }
  }
}

}  // namespace
}  // namespace pathwatch::agent
