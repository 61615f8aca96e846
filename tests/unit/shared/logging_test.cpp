#include "shared/logging/logging.hpp"

#include <gtest/gtest.h>

namespace pathwatch::shared {
namespace {

TEST(Logging, ParsesEveryLevelTheConfigsAccept) {
  EXPECT_EQ(parse_log_level("trace"), spdlog::level::trace);
  EXPECT_EQ(parse_log_level("debug"), spdlog::level::debug);
  EXPECT_EQ(parse_log_level("info"), spdlog::level::info);
  EXPECT_EQ(parse_log_level("warn"), spdlog::level::warn);
  EXPECT_EQ(parse_log_level("warning"), spdlog::level::warn);
  EXPECT_EQ(parse_log_level("error"), spdlog::level::err);
  EXPECT_EQ(parse_log_level("off"), spdlog::level::off);
  EXPECT_EQ(parse_log_level("loud"), std::nullopt);
}

TEST(Logging, ComponentLoggersAreSharedByName) {
  EXPECT_EQ(component_logger("test.a"), component_logger("test.a"));
  EXPECT_NE(component_logger("test.a"), component_logger("test.b"));
}

}  // namespace
}  // namespace pathwatch::shared
