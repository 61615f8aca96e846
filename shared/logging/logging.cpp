#include "shared/logging/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>

namespace pathwatch::shared {
namespace {

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

spdlog::level::level_enum& current_level() {
  static spdlog::level::level_enum level = spdlog::level::info;
  return level;
}

spdlog::sink_ptr shared_sink() {
  // ISO-8601 UTC timestamps, the component name and level: greppable and sortable.
  static spdlog::sink_ptr sink = [] {
    auto s = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    s->set_formatter(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%fZ %l %n: %v",
                                                                 spdlog::pattern_time_type::utc));
    return s;
  }();
  return sink;
}

}  // namespace

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name) {
  for (const auto level :
       {spdlog::level::trace, spdlog::level::debug, spdlog::level::info, spdlog::level::warn,
        spdlog::level::err, spdlog::level::critical, spdlog::level::off}) {
    const auto sv = spdlog::level::to_string_view(level);
    if (std::string_view(sv.data(), sv.size()) == name) return level;
  }
  if (name == "error") return spdlog::level::err;
  if (name == "warn") return spdlog::level::warn;  // spdlog 1.10 spells it "warning"
  return std::nullopt;
}

void set_log_level(spdlog::level::level_enum level) {
  std::lock_guard lock(registry_mutex());
  current_level() = level;
  spdlog::apply_all([level](const LoggerPtr& logger) { logger->set_level(level); });
}

LoggerPtr component_logger(const std::string& name) {
  std::lock_guard lock(registry_mutex());
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = std::make_shared<spdlog::logger>(name, shared_sink());
  logger->set_level(current_level());
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace pathwatch::shared
