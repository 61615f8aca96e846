// Stable one-line-per-fact text of a verdict, in Japanese or English, for alerts, logs and
// reports: "原因候補 1: 主回線 (キャリアA, noc@carrier-a.example) — 根拠: …".
#pragma once

#include <string>

#include "collector/isolation/verdict.hpp"

namespace pathwatch::collector::isolation {

enum class Language : std::uint8_t { kJa, kEn };

std::string render_segment(const SegmentBrief& segment, Language lang);
std::string render_measurement(const MeasurementBrief& measurement);
std::string render_candidate(const Candidate& candidate, const Diagnosis& diagnosis, Language lang);
std::string render_separation(const Separation& separation, Language lang);
// Every line of the verdict, each ending in '\n'.
std::string render_verdict(const Verdict& verdict, Language lang);

}  // namespace pathwatch::collector::isolation
