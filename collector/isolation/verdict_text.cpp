#include "collector/isolation/verdict_text.hpp"

#include <cmath>
#include <set>

namespace pathwatch::collector::isolation {
namespace {

bool ja(Language lang) {
  return lang == Language::kJa;
}

const std::string& pick(const std::string& label, const std::string& label_en, Language lang) {
  return (lang == Language::kEn && !label_en.empty()) ? label_en : label;
}

std::string icmp_name(const EvidenceNote& e) {
  const bool v6 = e.router.find(':') != std::string::npos;
  if (!v6 && e.icmp_type == 11) return "time exceeded";
  if (v6 && e.icmp_type == 3) return "time exceeded";
  if (!v6 && e.icmp_type == 3) {
    switch (e.icmp_code) {
      case 0:
        return "net unreachable";
      case 1:
        return "host unreachable";
      case 3:
        return "port unreachable";
      case 9:
      case 10:
      case 13:
        return "admin prohibited";
      default:
        return "unreachable code " + std::to_string(e.icmp_code);
    }
  }
  if (v6 && e.icmp_type == 1) {
    switch (e.icmp_code) {
      case 0:
        return "no route";
      case 1:
        return "admin prohibited";
      case 3:
        return "address unreachable";
      case 4:
        return "port unreachable";
      default:
        return "unreachable code " + std::to_string(e.icmp_code);
    }
  }
  return "type " + std::to_string(e.icmp_type) + " code " + std::to_string(e.icmp_code);
}

std::string render_evidence(const EvidenceNote& e, Language lang) {
  switch (e.kind) {
    case EvidenceKind::kNone:
      return "";
    case EvidenceKind::kTcpRefused:
      return ja(lang) ? "TCP RST: ホストは応答 (ネットワークは正常、サービス側の問題)"
                      : "TCP RST: the host answered (network works, the service is at fault)";
    case EvidenceKind::kIcmpFromRouter:
      return ja(lang) ? "ICMP " + icmp_name(e) + " を " + e.router + " (" + e.router_segment +
                            " の先端) から受信: そこまでは正常"
                      : "ICMP " + icmp_name(e) + " from " + e.router + " (far end of " +
                            e.router_segment + "): the route works up to there";
    case EvidenceKind::kIcmpRouterNotOnRoute:
      return ja(lang) ? "ICMP " + icmp_name(e) + " を経路外の " + e.router + " (" +
                            e.router_segment + ") から受信: 経路変更の可能性、根拠には不使用"
                      : "ICMP " + icmp_name(e) + " from " + e.router + " (" + e.router_segment +
                            "), not on this route: route change? not used";
    case EvidenceKind::kIcmpRouterUnknown:
      return ja(lang)
                 ? "ICMP " + icmp_name(e) + " を未登録の " + e.router + " から受信: 根拠には不使用"
                 : "ICMP " + icmp_name(e) + " from " + e.router + ", not in the topology: not used";
  }
  return "";
}

std::string render_failing(const FailingMeasurement& f, Language lang) {
  std::string s = render_measurement(f.measurement);
  const std::string e = render_evidence(f.evidence, lang);
  if (!e.empty()) s += " [" + e + "]";
  return s;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

std::string percent(double share) {
  const auto p = std::lround(share * 100);
  if (p == 0 && share > 0) return "<1 %";
  if (p == 100 && share < 1) return ">99 %";
  return std::to_string(p) + " %";
}

std::string render_diagnosis(const Diagnosis& d, Language lang) {
  const bool down = d.kind == FaultKind::kDown;
  const std::string head = ja(lang) ? (down ? "障害" : "品質劣化") : (down ? "Down" : "Degraded");
  std::string out;
  if (d.candidates.empty() && d.unexplained.empty()) {
    return head + (ja(lang) ? ": なし\n" : ": none\n");
  }
  for (const auto& c : d.candidates) out += head + " " + render_candidate(c, d, lang) + "\n";
  if (!d.candidates.empty()) {
    if (d.bounded) {
      out += head + (ja(lang) ? ": 探索を打ち切りました (候補は最小とは限りません)\n"
                              : ": search bounded (candidates not proven smallest)\n");
    } else if (!d.conclusive) {
      out += head + (ja(lang) ? ": 根拠だけでは一つに絞れません\n"
                              : ": the evidence cannot single out one explanation\n");
    }
  }
  if (d.loss_ranked) {
    const auto lost = std::to_string(d.loss_probes_lost);
    const auto sent = std::to_string(d.loss_probes_sent);
    out += head + (ja(lang) ? ": 損失開始以降の全計測 " + sent + " プローブ中 " + lost +
                                  " 件の損失から尤度で順位付け\n"
                            : ": ranked by likelihood from every measurement's probes since the "
                              "loss began (" +
                                  lost + " of " + sent + " lost)\n");
  }
  for (const auto& s : d.separations) out += head + " " + render_separation(s, lang) + "\n";
  for (const auto& u : d.unexplained) {
    out += head +
           (ja(lang) ? " 説明できない失敗 (通過区間はすべて他の計測で正常): "
                     : " unexplained failure (every segment it crosses works elsewhere): ") +
           render_failing(u, lang) + "\n";
  }
  return out;
}

}  // namespace

std::string render_segment(const SegmentBrief& s, Language lang) {
  std::string out = pick(s.label, s.label_en, lang) + " (" +
                    pick(s.owner_label.empty() ? s.owner : s.owner_label, s.owner_label_en, lang);
  if (!s.email.empty()) out += ", " + s.email;
  if (!s.phone.empty()) out += ", " + s.phone;
  return out + ")";
}

std::string render_measurement(const MeasurementBrief& m) {
  std::string out = m.agent_id + " " + m.path;
  if (!m.via_path.empty()) out += "(" + m.via_path + ")";
  out += " → " + m.target + " ";
  out += m.kind == ProbeKind::kTcp ? "TCP/" + std::to_string(m.port) : std::string("ICMP");
  return out;
}

std::string render_candidate(const Candidate& c, const Diagnosis& d, Language lang) {
  std::vector<std::string> groups;
  std::set<std::size_t> explains;
  for (const auto& g : c.groups) {
    // Ranked by loss likelihood: each member's posterior share; the members the counts set
    // apart are named with theirs.
    const bool ranked = g.posterior.size() == g.segments.size() && !g.posterior.empty();
    std::vector<std::string> alternatives;
    for (std::size_t i = 0; i < g.segments.size(); ++i) {
      alternatives.push_back(render_segment(g.segments[i], lang) +
                             (ranked ? " " + percent(g.posterior[i]) : ""));
    }
    std::string text = join(alternatives, ja(lang) ? " または " : " or ");
    if (g.segments.size() > 1) {
      text += ranked ? (ja(lang) ? " (まだ絞り込めません)" : " (not told apart yet)")
                     : (ja(lang) ? " (判別不能)" : " (indistinguishable)");
    }
    std::vector<std::string> unlikely;
    for (std::size_t i = 0; i < g.unlikely.size() && i < g.unlikely_posterior.size(); ++i) {
      unlikely.push_back(g.unlikely[i].segment + " " + percent(g.unlikely_posterior[i]));
    }
    if (!unlikely.empty()) {
      text += (ja(lang) ? " [可能性低: " : " [unlikely: ") + join(unlikely, ", ") + "]";
    }
    groups.push_back(text);
    explains.insert(g.explains.begin(), g.explains.end());
  }
  std::vector<std::string> failing;
  for (const auto i : explains) {
    if (i < d.failing.size() && failing.size() < 5)
      failing.push_back(render_failing(d.failing[i], lang));
  }
  const std::size_t failing_total = explains.size();
  if (failing_total > failing.size()) {
    failing.push_back((ja(lang) ? "他 " : "+") + std::to_string(failing_total - failing.size()) +
                      (ja(lang) ? " 件" : " more"));
  }
  std::vector<std::string> working;
  for (std::size_t i = 0; i < d.working.size() && i < 5; ++i) {
    working.push_back(render_measurement(d.working[i]));
  }
  std::string w = join(working, "; ");
  if (d.working_total > working.size()) {
    w += (ja(lang) ? "; 他 " : "; +") + std::to_string(d.working_total - working.size()) +
         (ja(lang) ? " 件" : " more");
  }
  std::string out = (ja(lang) ? "原因候補 " : "candidate ") + std::to_string(c.rank) + ": " +
                    join(groups, " + ") + (ja(lang) ? " — 根拠: 失敗 " : " — evidence: failing ") +
                    std::to_string(failing_total) + (ja(lang) ? " 件 (" : " (") +
                    join(failing, "; ") + ")";
  out += (ja(lang) ? "; 正常 " : "; working ") + std::to_string(d.working_total) +
         (ja(lang) ? " 件" : "");
  if (!w.empty()) out += " (" + w + ")";
  return out;
}

std::string render_separation(const Separation& s, Language lang) {
  const std::string& c = s.crosses;
  const std::string& a = s.avoids;
  switch (s.kind) {
    case SeparationKind::kConfiguredMeasurement:
      return ja(lang) ? s.a + " と " + s.b + " を判別するには: 計測 " +
                            render_measurement(s.measurement) + " の結果 (" + c + " を通り " + a +
                            " を通らない; 現在は報告なし)"
                      : "to tell " + s.a + " from " + s.b + ": the result of " +
                            render_measurement(s.measurement) + " (crosses " + c + ", not " + a +
                            "; not reported now)";
    case SeparationKind::kProbeRouter:
      return ja(lang) ? s.a + " と " + s.b + " を判別するには: " + s.measurement.agent_id + " (" +
                            s.measurement.path + ") から " + s.address + " (" + c +
                            " の先端) への計測を追加 (" + c + " を通り " + a + " を通らない)"
                      : "to tell " + s.a + " from " + s.b + ": probe " + s.address +
                            " (far end of " + c + ") from " + s.measurement.agent_id + " (" +
                            s.measurement.path + ") (crosses " + c + ", not " + a + ")";
    case SeparationKind::kNewVantagePoint:
      return ja(lang) ? s.a + " と " + s.b + " を判別するには: " + a + " の先、" + c +
                            " の手前に計測点 (エージェント) を追加し同じ宛先を計測 (" + c +
                            " を通り " + a + " を通らない)"
                      : "to tell " + s.a + " from " + s.b + ": add a vantage point past " + a +
                            " and before " + c + " probing the same target (crosses " + c +
                            ", not " + a + ")";
  }
  return "";
}

std::string render_verdict(const Verdict& v, Language lang) {
  std::string out;
  static const char* kImpactJa[] = {"未計測", "なし", "品質劣化", "停止"};
  static const char* kImpactEn[] = {"not measured", "none", "degraded", "down"};
  const auto i = static_cast<std::size_t>(v.impact);
  out += ja(lang) ? std::string("サービス影響: ") + kImpactJa[i] + "\n"
                  : std::string("service impact: ") + kImpactEn[i] + "\n";
  out += render_diagnosis(v.down, lang);
  out += render_diagnosis(v.degraded, lang);
  if (!v.unmapped.empty()) {
    std::vector<std::string> items;
    for (const auto& m : v.unmapped) items.push_back(render_measurement(m));
    out += (ja(lang) ? "トポロジ未定義の計測 (不使用): "
                     : "measurements not in the topology (not used): ") +
           join(items, "; ") + "\n";
  }
  return out;
}

}  // namespace pathwatch::collector::isolation
