#include "collector/config/collector_config.hpp"

namespace pathwatch::collector {

using shared::ConfigMap;
using shared::ConfigNode;

CollectorConfig parse_collector_config(const ConfigNode& root, const std::string& file) {
  CollectorConfig config;
  config.file = file;
  ConfigMap top = root.as_map();
  {
    ConfigMap c = top.required("collector").as_map();
    if (auto n = c.optional("log_level")) {
      config.log_level = n->as_enum<std::string>({{"trace", "trace"},
                                                  {"debug", "debug"},
                                                  {"info", "info"},
                                                  {"warn", "warn"},
                                                  {"error", "error"}});
    }
    const ConfigNode listen = c.required("listen");
    for (const auto& e : listen.as_scalar_or_sequence()) {
      std::string ep = e.as_nonempty_string();
      if (ep.rfind("tcp://", 0) != 0 && ep.rfind("ipc://", 0) != 0) {
        e.fail("listen endpoints look like tcp://ADDRESS:PORT");
      }
      config.listen.push_back(std::move(ep));
    }
    if (auto n = c.optional("insecure_plaintext")) config.insecure_plaintext = n->as_bool();
    c.finish();
  }
  {
    ConfigMap store = top.required("store").as_map();
    config.database = store.required("database").as_nonempty_string();
    store.finish();
  }
  top.finish();
  return config;
}

CollectorConfig load_collector_config(const std::string& file) {
  return parse_collector_config(ConfigNode::load_file(file), file);
}

}  // namespace pathwatch::collector
