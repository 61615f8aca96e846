// Fills a notification's verdict fields from collector/isolation's Verdict: the best
// explanation's segments with owners and contacts, and the verdict's own text as evidence.
#pragma once

#include "collector/isolation/verdict.hpp"
#include "collector/notify/notification.hpp"

namespace pathwatch::collector::notify {

struct VerdictFields {
  FaultNature fault = FaultNature::kDown;
  VerdictSummary summary;
};

// The down diagnosis when anything is down (or the service impact is down), else the degraded
// one. Causes come from the first rank-1 candidate; the others are counted.
VerdictFields summarize_verdict(const isolation::Verdict& verdict);

SuspectSegment to_suspect(const isolation::SegmentBrief& segment);

}  // namespace pathwatch::collector::notify
