// From an isolation Verdict to the notification's fields: the best candidate's segments with
// owner and contact, the count of other equally good explanations, and the verdict's lines.
#include "collector/notify/verdict_summary.hpp"

#include <gtest/gtest.h>

namespace pathwatch::collector::notify {
namespace {

using isolation::Candidate;
using isolation::CandidateGroup;
using isolation::SegmentBrief;

SegmentBrief brief(const std::string& name, const std::string& owner) {
  SegmentBrief s;
  s.segment = name;
  s.label = name + " 区間";
  s.owner = owner;
  s.owner_label = owner + " 社";
  s.email = "noc@" + owner + ".example";
  return s;
}

TEST(VerdictSummary, DownVerdictGivesTheBestCandidate) {
  isolation::Verdict v;
  v.impact = isolation::ServiceImpact::kDown;
  v.down.kind = isolation::FaultKind::kDown;
  v.down.conclusive = true;
  v.down.candidates = {
      Candidate{1, {CandidateGroup{{brief("main-primary", "carrier-a")}, {0}, {}, {}, {}}}},
      Candidate{2, {CandidateGroup{{brief("main-lan", "city")}, {0}, {}, {}, {}}}}};
  const VerdictFields f = summarize_verdict(v);
  EXPECT_EQ(f.fault, FaultNature::kDown);
  ASSERT_EQ(f.summary.causes.size(), 1u);
  ASSERT_EQ(f.summary.causes[0].alternatives.size(), 1u);
  const auto& s = f.summary.causes[0].alternatives[0];
  EXPECT_EQ(s.segment, "main-primary");
  EXPECT_EQ(s.owner_label, "carrier-a 社");
  EXPECT_EQ(s.email, "noc@carrier-a.example");
  EXPECT_TRUE(f.summary.conclusive);
  EXPECT_EQ(f.summary.other_explanations, 0u);  // the rank-2 candidate is not "equally good"
  // The evidence is the verdict's own text (collector/isolation/verdict_text), line by line.
  ASSERT_FALSE(f.summary.evidence_ja.empty());
  EXPECT_EQ(f.summary.evidence_ja[0], "サービス影響: 停止");
  EXPECT_EQ(f.summary.evidence_en[0], "service impact: down");
}

TEST(VerdictSummary, AmbiguousAndDegraded) {
  isolation::Verdict v;
  v.impact = isolation::ServiceImpact::kDegraded;
  v.degraded.kind = isolation::FaultKind::kDegraded;
  v.degraded.conclusive = false;
  v.degraded.candidates = {
      Candidate{
          1, {CandidateGroup{{brief("dc-edge", "dc"), brief("lgcs", "lgcs-op")}, {0}, {}, {}, {}}}},
      Candidate{1, {CandidateGroup{{brief("tgw", "cloud")}, {0}, {}, {}, {}}}}};
  const VerdictFields f = summarize_verdict(v);
  EXPECT_EQ(f.fault, FaultNature::kDegraded);
  ASSERT_EQ(f.summary.causes.size(), 1u);
  EXPECT_EQ(f.summary.causes[0].alternatives.size(), 2u);  // "dc-edge or lgcs"
  EXPECT_FALSE(f.summary.conclusive);
  EXPECT_EQ(f.summary.other_explanations, 1u);  // the second rank-1 candidate (tgw)
}

TEST(VerdictSummary, NothingIsolated) {
  isolation::Verdict v;
  v.impact = isolation::ServiceImpact::kDown;
  const VerdictFields f = summarize_verdict(v);
  EXPECT_EQ(f.fault, FaultNature::kDown);
  EXPECT_TRUE(f.summary.causes.empty());
  EXPECT_FALSE(f.summary.conclusive);
}

}  // namespace
}  // namespace pathwatch::collector::notify
