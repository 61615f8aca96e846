#include "collector/isolation/verdict_json.hpp"

#include <nlohmann/json.hpp>

namespace pathwatch::collector::isolation {
namespace {

using nlohmann::json;

json to_json(const SegmentBrief& s) {
  return {{"segment", s.segment},
          {"label", s.label},
          {"label_en", s.label_en},
          {"owner", s.owner},
          {"owner_label", s.owner_label},
          {"owner_label_en", s.owner_label_en},
          {"email", s.email},
          {"phone", s.phone},
          {"notes", s.notes}};
}

json to_json(const MeasurementBrief& m) {
  return {{"agent_id", m.agent_id},
          {"path", m.path},
          {"via_path", m.via_path},
          {"target", m.target},
          {"kind", m.kind == ProbeKind::kTcp ? "tcp" : "icmp"},
          {"port", m.port}};
}

json to_json(const FailingMeasurement& f) {
  return {{"measurement", to_json(f.measurement)},
          {"state", to_string(f.state)},
          {"evidence",
           {{"kind", to_string(f.evidence.kind)},
            {"router", f.evidence.router},
            {"icmp_type", f.evidence.icmp_type},
            {"icmp_code", f.evidence.icmp_code},
            {"router_segment", f.evidence.router_segment}}},
          {"suspects", f.suspects}};
}

json to_json(const Diagnosis& d) {
  json out = {{"kind", to_string(d.kind)},
              {"conclusive", d.conclusive},
              {"bounded", d.bounded},
              {"working_total", d.working_total},
              {"loss_ranked", d.loss_ranked}};
  if (d.loss_ranked) {
    out["loss"] = {{"onset_unix_nanos", shared::to_unix_nanos(d.loss_onset)},
                   {"probes_sent", d.loss_probes_sent},
                   {"probes_lost", d.loss_probes_lost}};
  }
  out["failing"] = json::array();
  for (const auto& f : d.failing) out["failing"].push_back(to_json(f));
  out["unexplained"] = json::array();
  for (const auto& f : d.unexplained) out["unexplained"].push_back(to_json(f));
  out["working"] = json::array();
  for (const auto& w : d.working) out["working"].push_back(to_json(w));
  out["candidates"] = json::array();
  for (const auto& c : d.candidates) {
    json groups = json::array();
    for (const auto& g : c.groups) {
      json segments = json::array();
      for (const auto& s : g.segments) segments.push_back(to_json(s));
      json unlikely = json::array();
      for (const auto& s : g.unlikely) unlikely.push_back(to_json(s));
      groups.push_back({{"segments", segments},
                        {"explains", g.explains},
                        {"posterior", g.posterior},
                        {"unlikely", unlikely},
                        {"unlikely_posterior", g.unlikely_posterior}});
    }
    out["candidates"].push_back({{"rank", c.rank}, {"groups", groups}});
  }
  out["separations"] = json::array();
  for (const auto& s : d.separations) {
    out["separations"].push_back({{"a", s.a},
                                  {"b", s.b},
                                  {"kind", to_string(s.kind)},
                                  {"measurement", to_json(s.measurement)},
                                  {"address", s.address},
                                  {"crosses", s.crosses},
                                  {"avoids", s.avoids}});
  }
  return out;
}

}  // namespace

std::string verdict_to_json(const Verdict& v) {
  json out = {{"at_unix_nanos", shared::to_unix_nanos(v.at)},
              {"impact", to_string(v.impact)},
              {"down", to_json(v.down)},
              {"degraded", to_json(v.degraded)},
              {"unknown_ignored", v.unknown_ignored}};
  out["unmapped"] = json::array();
  for (const auto& m : v.unmapped) out["unmapped"].push_back(to_json(m));
  return out.dump();
}

}  // namespace pathwatch::collector::isolation
