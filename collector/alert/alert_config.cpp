// Strict reading of the `alerts:` section.
#include "collector/alert/alert_config.hpp"

namespace pathwatch::collector::alert {

using namespace std::chrono_literals;

AlertConfig parse_alert_config(const shared::ConfigNode& node) {
  AlertConfig c;
  shared::ConfigMap m = node.as_map();
  if (auto n = m.optional("service_down")) c.service_down = n->as_bool();
  if (auto n = m.optional("settle")) c.settle = n->as_duration(0s, 10min);
  if (auto n = m.optional("failover")) c.failover = n->as_bool();
  if (auto n = m.optional("path_down")) {
    if (n->is_scalar()) {
      if (n->as_bool()) n->fail("path_down: give {after: DURATION}, or false");
      c.path_down_after.reset();
    } else {
      shared::ConfigMap p = n->as_map();
      c.path_down_after = p.required("after").as_duration(0s, 24h * 7);
      p.finish();
    }
  }
  if (auto n = m.optional("flapping")) {
    if (n->is_scalar()) {
      if (n->as_bool()) n->fail("flapping: give {switches: N, within: DURATION}, or false");
      c.flap_switches = 0;
    } else {
      shared::ConfigMap p = n->as_map();
      if (auto s = p.optional("switches")) c.flap_switches = static_cast<int>(s->as_int(2, 1000));
      if (auto w = p.optional("within")) c.flap_within = w->as_duration(1s, 24h);
      p.finish();
    }
  }
  if (auto n = m.optional("loss")) {
    shared::ConfigMap p = n->as_map();
    c.loss_over_percent = p.required("over_percent").as_double(0.0, 100.0);
    p.finish();
  }
  if (auto n = m.optional("latency")) {
    shared::ConfigMap p = n->as_map();
    c.latency_over = p.required("over").as_duration(1ms, 1h);
    p.finish();
  }
  if (auto n = m.optional("sla_budget")) {
    shared::ConfigMap p = n->as_map();
    c.budget_burned_percent = p.required("burned_percent").as_double(0.0, 100.0);
    p.finish();
  }
  m.finish();
  return c;
}

}  // namespace pathwatch::collector::alert
