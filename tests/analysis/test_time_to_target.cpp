#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "dsgdlab/analysis/stats/time_to_target.hpp"

namespace dsgdlab {
namespace {

const std::vector<double> kTimes{0.0, 1.0, 2.0, 3.0};
const std::vector<double> kHalving{8.0, 4.0, 2.0, 1.0};

TEST(TimeToTarget, InterpolatesInLogValue) {
  // Between (1, 4) and (2, 2): log v falls by ln 2 per unit, so v = 3 at 1 + ln(4/3)/ln 2.
  EXPECT_NEAR(*time_to_target(kTimes, kHalving, 3.0), 1.0 + std::log(4.0 / 3.0) / std::log(2.0),
              1e-15);
  // Exactly at a checkpoint.
  EXPECT_DOUBLE_EQ(*time_to_target(kTimes, kHalving, 2.0), 2.0);
  // Already there at the first point.
  EXPECT_DOUBLE_EQ(*time_to_target(kTimes, kHalving, 10.0), 0.0);
}

TEST(TimeToTarget, NeverReachedOrDivergedIsNullopt) {
  EXPECT_FALSE(time_to_target(kTimes, kHalving, 0.5).has_value());
  const std::vector<double> diverged{8.0, NAN, 0.1, 0.1};
  EXPECT_FALSE(time_to_target(kTimes, diverged, 1.0).has_value());
  // Zero reached exactly: no logarithm, the checkpoint time is used.
  const std::vector<double> to_zero{8.0, 4.0, 0.0, 0.0};
  EXPECT_DOUBLE_EQ(*time_to_target(kTimes, to_zero, 1.0), 2.0);
}

TEST(TimeToTarget, RejectsMismatchedOrUnorderedTimes) {
  EXPECT_THROW(time_to_target(std::vector<double>{0.0, 1.0}, kHalving, 1.0), std::invalid_argument);
  const std::vector<double> backwards{0.0, 2.0, 1.0, 3.0};
  EXPECT_THROW(time_to_target(backwards, kHalving, 0.5), std::invalid_argument);
}

TEST(TimeToTargetOverSeeds, CountsSeedsThatReachedAndAveragesThem) {
  const std::vector<std::vector<double>> times{kTimes, kTimes, kTimes};
  const std::vector<std::vector<double>> values{
      kHalving, {8.0, 8.0, 8.0, 8.0}, {4.0, 2.0, 1.0, 0.5}};
  const TimeToTarget result = time_to_target_over_seeds(times, values, 2.0);
  EXPECT_EQ(result.seeds, 3);
  EXPECT_EQ(result.reached, 2);
  EXPECT_FALSE(result.all_reached());
  EXPECT_FALSE(result.per_seed[1].has_value());
  EXPECT_DOUBLE_EQ(result.interval.mean, 1.5);  // seeds reach 2 at t = 2 and t = 1
  EXPECT_EQ(result.interval.count, 2);
}

}  // namespace
}  // namespace dsgdlab
