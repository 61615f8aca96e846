// The isolation verdict: plain, self-contained data (names, owners and contacts copied in) so
// it can be stored, serialised (verdict_json) and rendered (verdict_text) without the topology.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collector/isolation/observation.hpp"
#include "shared/time/time_types.hpp"

namespace pathwatch::collector::isolation {

struct SegmentBrief {
  std::string segment;
  std::string label;
  std::string label_en;
  std::string owner;
  std::string owner_label;
  std::string owner_label_en;
  std::string email;
  std::string phone;
  std::string notes;
};

struct MeasurementBrief {
  std::string agent_id;
  std::string path;
  std::string via_path;
  std::string target;
  ProbeKind kind = ProbeKind::kIcmp;
  std::uint32_t port = 0;
};

enum class EvidenceKind : std::uint8_t {
  kNone,
  kTcpRefused,            // the host answered (RST): the network to it works
  kIcmpFromRouter,        // a router on the route answered: the break lies beyond it
  kIcmpRouterNotOnRoute,  // the answering router is not on this measurement's route: ignored
  kIcmpRouterUnknown,     // the topology does not know the answering address: ignored
};

struct EvidenceNote {
  EvidenceKind kind = EvidenceKind::kNone;
  std::string router;
  std::uint8_t icmp_type = 0;
  std::uint8_t icmp_code = 0;
  std::string router_segment;  // segment whose far end the router is
};

struct FailingMeasurement {
  MeasurementBrief measurement;
  ObservedState state = ObservedState::kDown;
  EvidenceNote evidence;
  // Segments of its route not proven working (after protocol evidence): one of them failed.
  std::vector<std::string> suspects;
};

// One failed segment among several the evidence cannot tell apart ("A or B").
struct CandidateGroup {
  std::vector<SegmentBrief> segments;
  std::vector<std::size_t> explains;  // indices into Diagnosis::failing
  // Ranked by loss likelihood (degraded, under random loss): each segment's posterior share,
  // parallel to `segments` (likeliest first); empty when not ranked. `unlikely` are members
  // the evidence set apart (outside the 90 % credible set), with their shares.
  std::vector<double> posterior;
  std::vector<SegmentBrief> unlikely;
  std::vector<double> unlikely_posterior;
};

// An explanation: every group holds one failed segment; together they explain every failing
// measurement and none of them is on a working one.
struct Candidate {
  int rank = 1;  // 1 = smallest explanation; rank r has r-1 more failed segments
  std::vector<CandidateGroup> groups;
};

enum class SeparationKind : std::uint8_t {
  kConfiguredMeasurement,  // a measurement the topology knows but nobody reported now
  kProbeRouter,            // probe the far end of the nearer segment from the same agent
  kNewVantagePoint,        // place an agent between the two segments
};

// How to tell segment `a` from segment `b`: a measurement that crosses `crosses` and not `avoids`.
struct Separation {
  std::string a;
  std::string b;
  SeparationKind kind = SeparationKind::kNewVantagePoint;
  MeasurementBrief measurement;  // configured measurement, or the agent/path to probe from
  std::string address;           // kProbeRouter: the address to probe
  std::string crosses;
  std::string avoids;
};

enum class FaultKind : std::uint8_t { kDown, kDegraded };

struct Diagnosis {
  FaultKind kind = FaultKind::kDown;
  std::vector<FailingMeasurement> failing;  // explained by the candidates
  // Failing, but every segment is proven working elsewhere: a partial fault (one port or
  // protocol) or a topology that does not match the network.
  std::vector<FailingMeasurement> unexplained;
  std::vector<MeasurementBrief>
      working;                    // working measurements that share a segment with a failing one
  std::size_t working_total = 0;  // (working may be capped; this is the full count)
  std::vector<Candidate> candidates;  // ranked, best first; empty when nothing fails
  std::vector<Separation> separations;
  bool conclusive = false;  // one smallest candidate, one segment per group, search complete
  bool bounded = false;     // the search hit its budget: candidates come from a greedy fallback
  // Degraded under random loss: when it began and the probes counted since (every measurement
  // the ranking read); loss_ranked says the groups were ranked by likelihood.
  bool loss_ranked = false;
  shared::UtcNanos loss_onset{};
  std::uint64_t loss_probes_sent = 0;
  std::uint64_t loss_probes_lost = 0;
};

enum class ServiceImpact : std::uint8_t { kNotMeasured, kNone, kDegraded, kDown };

struct Verdict {
  shared::UtcNanos at{};
  ServiceImpact impact = ServiceImpact::kNotMeasured;
  Diagnosis down;
  Diagnosis degraded;
  std::vector<MeasurementBrief> unmapped;  // observations the topology does not describe
  std::size_t unknown_ignored = 0;         // observations in state unknown
};

const char* to_string(ObservedState state);
const char* to_string(FaultKind kind);
const char* to_string(ServiceImpact impact);
const char* to_string(EvidenceKind kind);
const char* to_string(SeparationKind kind);

}  // namespace pathwatch::collector::isolation
