#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "dsgdlab/analysis/stats/confidence.hpp"
#include "dsgdlab/core/random.hpp"

namespace dsgdlab {
namespace {

TEST(StudentT, QuantilesMatchTables) {
  // Printed tables give 4 decimals.
  EXPECT_NEAR(student_t_quantile(0.975, 1.0), 12.7062, 1e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 4.0), 2.7764, 1e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 10.0), 2.2281, 1e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 1e6), 1.9600, 1e-4);
  EXPECT_THROW(student_t_quantile(0.975, 0.0), std::invalid_argument);
  EXPECT_THROW(student_t_quantile(1.0, 3.0), std::invalid_argument);
}

TEST(MeanInterval95, HandExampleAndEdgeCases) {
  const std::vector<double> values{1.0, 2.0, 3.0};
  const MeanInterval interval = mean_interval95(values);
  EXPECT_EQ(interval.count, 3);
  EXPECT_DOUBLE_EQ(interval.mean, 2.0);
  EXPECT_DOUBLE_EQ(interval.standard_deviation, 1.0);
  EXPECT_NEAR(interval.half_width, 4.302653 / std::sqrt(3.0), 1e-6);
  EXPECT_DOUBLE_EQ(interval.lower() + interval.upper(), 4.0);
  const std::vector<double> one{5.0};
  EXPECT_TRUE(std::isnan(mean_interval95(one).half_width));
  const std::vector<double> equal{2.0, 2.0, 2.0};
  EXPECT_EQ(mean_interval95(equal).half_width, 0.0);
  EXPECT_THROW(mean_interval95(std::vector<double>{}), std::invalid_argument);
  EXPECT_THROW(mean_interval95(std::vector<double>{1.0, NAN}), std::invalid_argument);
}

/// Over 20,000 samples of 5 normals the interval covers the true mean in a fraction p̂ whose
/// standard error is √(0.95·0.05/20000) = 0.0015; ±0.008 is over 5 standard errors (a correct
/// implementation fails with probability below 1e-6), while a z-interval (1.96 instead of
/// t_{0.975,4} = 2.78) would cover only 0.88.
TEST(MeanInterval95, CoversTheTrueMeanNinetyFivePercentOfTheTime) {
  RandomStream rng(StreamKey{.seed = 42, .purpose = StreamPurpose::kEstimation});
  constexpr int kSamples = 20000;
  int covered = 0;
  std::vector<double> values(5);
  for (int s = 0; s < kSamples; ++s) {
    for (double& value : values) value = rng.normal(3.0, 2.0);
    const MeanInterval interval = mean_interval95(values);
    covered += interval.lower() <= 3.0 && 3.0 <= interval.upper();
  }
  EXPECT_NEAR(static_cast<double>(covered) / kSamples, 0.95, 0.008);
}

}  // namespace
}  // namespace dsgdlab
