#include "collector/analysis/interval_set.hpp"

#include <gtest/gtest.h>

namespace pathwatch::collector {
namespace {

shared::UtcNanos t(int s) {
  return shared::UtcNanos{std::chrono::seconds{s}};
}
Interval iv(int a, int b) {
  return {t(a), t(b)};
}

TEST(IntervalSet, NormalisesOverlapsTouchingAndEmpty) {
  const IntervalSet s({iv(5, 7), iv(0, 2), iv(2, 3), iv(6, 9), iv(4, 4)});
  EXPECT_EQ(s.intervals(), (std::vector<Interval>{iv(0, 3), iv(5, 9)}));
  EXPECT_EQ(s.total(), std::chrono::seconds{7});  // 3 + 4
}

TEST(IntervalSet, IntersectSubtractUnite) {
  const IntervalSet a({iv(0, 10), iv(20, 30)});
  const IntervalSet b({iv(5, 25)});
  EXPECT_EQ(a.intersect(b).intervals(), (std::vector<Interval>{iv(5, 10), iv(20, 25)}));
  EXPECT_EQ(a.subtract(b).intervals(), (std::vector<Interval>{iv(0, 5), iv(25, 30)}));
  EXPECT_EQ(a.unite(b).intervals(), (std::vector<Interval>{iv(0, 30)}));
  // Several holes in one interval, one hole spanning two intervals.
  const IntervalSet holes({iv(1, 2), iv(3, 4), iv(8, 22)});
  EXPECT_EQ(a.subtract(holes).intervals(),
            (std::vector<Interval>{iv(0, 1), iv(2, 3), iv(4, 8), iv(22, 30)}));
  EXPECT_TRUE(a.contains(t(0)));
  EXPECT_FALSE(a.contains(t(10)));  // half-open
  EXPECT_TRUE(a.contains(t(29)));
  EXPECT_FALSE(a.contains(t(15)));
}

TEST(IntervalSet, AddOutOfOrder) {
  IntervalSet s;
  s.add(iv(10, 20));
  s.add(iv(0, 5));
  s.add(iv(4, 11));
  EXPECT_EQ(s.intervals(), (std::vector<Interval>{iv(0, 20)}));
}

}  // namespace
}  // namespace pathwatch::collector
