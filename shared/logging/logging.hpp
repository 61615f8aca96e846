// Logging setup shared by every binary: one spdlog logger per component ("agent.icmp",
// "collector.ingest"), all writing to one stderr sink, level set once from config or flags.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pathwatch::shared {

using LoggerPtr = std::shared_ptr<spdlog::logger>;

// "trace", "debug", "info", "warn", "error", "critical", "off"; nullopt otherwise.
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name);

// Sets the level of every component logger, existing and future.
void set_log_level(spdlog::level::level_enum level);

// The logger for a component, created on first use. Thread-safe.
LoggerPtr component_logger(const std::string& name);

}  // namespace pathwatch::shared
