#include "shared/config/units.hpp"

#include <gtest/gtest.h>

namespace pathwatch::shared {
namespace {

using namespace std::chrono_literals;

TEST(Units, Durations) {
  EXPECT_EQ(parse_duration("250us"), 250us);
  EXPECT_EQ(parse_duration("10ms"), 10ms);
  EXPECT_EQ(parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(parse_duration("5m"), 300s);
  EXPECT_EQ(parse_duration("1d"), 86400s);
  EXPECT_EQ(parse_duration("10"), std::nullopt);  // a unit is required
  EXPECT_EQ(parse_duration("-1s"), std::nullopt);
  EXPECT_EQ(parse_duration("1 s"), std::nullopt);
  EXPECT_EQ(parse_duration("s"), std::nullopt);
  EXPECT_EQ(parse_duration("1e9s"), std::nullopt);
  EXPECT_EQ(parse_duration("999999999999d"), std::nullopt);  // overflow
}

TEST(Units, Bytes) {
  EXPECT_EQ(parse_bytes("512"), 512u);
  EXPECT_EQ(parse_bytes("64KiB"), 65536u);
  EXPECT_EQ(parse_bytes("16MiB"), 16u * 1048576u);
  EXPECT_EQ(parse_bytes("10MB"), 10'000'000u);
  EXPECT_EQ(parse_bytes("1GiB"), 1073741824u);
  EXPECT_EQ(parse_bytes("1XB"), std::nullopt);
  EXPECT_EQ(parse_bytes(""), std::nullopt);
}

TEST(Units, FormatDuration) {
  EXPECT_EQ(format_duration(10s), "10s");
  EXPECT_EQ(format_duration(1500ms), "1500ms");
  EXPECT_EQ(format_duration(20us), "20us");
  EXPECT_EQ(format_duration(std::chrono::nanoseconds{7}), "7ns");
}

}  // namespace
}  // namespace pathwatch::shared
