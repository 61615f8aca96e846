#include "collector/notify/verdict_summary.hpp"

#include "collector/isolation/verdict_text.hpp"

namespace pathwatch::collector::notify {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    const auto stop = end == std::string::npos ? text.size() : end;
    if (stop > start) lines.push_back(text.substr(start, stop - start));
    start = stop + 1;
  }
  return lines;
}

bool has_down(const isolation::Verdict& v) {
  return v.impact == isolation::ServiceImpact::kDown || !v.down.candidates.empty() ||
         !v.down.unexplained.empty();
}

}  // namespace

SuspectSegment to_suspect(const isolation::SegmentBrief& s) {
  return SuspectSegment{s.segment,        s.label, s.label_en, s.owner, s.owner_label,
                        s.owner_label_en, s.email, s.phone,    s.notes};
}

VerdictFields summarize_verdict(const isolation::Verdict& verdict) {
  VerdictFields out;
  const bool down = has_down(verdict);
  out.fault = down ? FaultNature::kDown : FaultNature::kDegraded;
  const isolation::Diagnosis& d = down ? verdict.down : verdict.degraded;
  std::size_t best = 0;
  for (const auto& c : d.candidates) {
    if (c.rank != 1) continue;
    if (best++ > 0) continue;
    for (const auto& g : c.groups) {
      Cause cause;
      for (const auto& s : g.segments) cause.alternatives.push_back(to_suspect(s));
      out.summary.causes.push_back(std::move(cause));
    }
  }
  out.summary.other_explanations = best > 0 ? best - 1 : 0;
  out.summary.conclusive = d.conclusive && !out.summary.causes.empty();
  out.summary.evidence_ja = lines_of(isolation::render_verdict(verdict, isolation::Language::kJa));
  out.summary.evidence_en = lines_of(isolation::render_verdict(verdict, isolation::Language::kEn));
  return out;
}

}  // namespace pathwatch::collector::notify
