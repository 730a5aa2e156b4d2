#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "dsgdlab/analysis/stats/rate_fit.hpp"
#include "dsgdlab/core/random.hpp"

namespace dsgdlab {
namespace {

RandomStream test_stream(std::uint64_t seed) {
  return RandomStream(StreamKey{.seed = seed, .purpose = StreamPurpose::kEstimation});
}

/// y = scale·x^slope·exp(ε), ε ~ N(0, noise²), at the geometric x = 100·2^j, j < points.
Series power_law(double slope, double scale, double noise, int points, RandomStream& rng) {
  Series series;
  for (int j = 0; j < points; ++j) {
    const double x = 100.0 * std::pow(2.0, j);
    series.x.push_back(x);
    series.y.push_back(scale * std::pow(x, slope) * std::exp(noise * rng.normal()));
  }
  return series;
}

TEST(FitLine, ExactLineHasZeroWidth) {
  const std::vector<double> xs{0.0, 1.0, 2.0, 3.0};
  const std::vector<double> ys{1.0, 3.0, 5.0, 7.0};
  const LinearFit fit = fit_line(xs, ys);
  EXPECT_DOUBLE_EQ(fit.slope, 2.0);
  EXPECT_DOUBLE_EQ(fit.intercept, 1.0);
  EXPECT_EQ(fit.slope_half_width, 0.0);
  EXPECT_DOUBLE_EQ(fit.r_squared, 1.0);
}

TEST(FitLine, HandExampleWithResiduals) {
  // x = 0, 1, 2; y = 0, 2, 1: slope ½, intercept ½, residuals −½, 1, −½, RSS = 1.5,
  // s² = 1.5, Σ(x − x̄)² = 2, se = √0.75, t_{0.975,1} = 12.7062.
  const std::vector<double> xs{0.0, 1.0, 2.0};
  const std::vector<double> ys{0.0, 2.0, 1.0};
  const LinearFit fit = fit_line(xs, ys);
  EXPECT_DOUBLE_EQ(fit.slope, 0.5);
  EXPECT_DOUBLE_EQ(fit.intercept, 0.5);
  EXPECT_NEAR(fit.slope_standard_error, std::sqrt(0.75), 1e-15);
  EXPECT_NEAR(fit.slope_half_width, 12.7062 * std::sqrt(0.75), 1e-3);
  EXPECT_NEAR(fit.r_squared, 0.25, 1e-15);  // 1 − 1.5/2
}

TEST(FitLine, RejectsBadInput) {
  EXPECT_THROW(fit_line(std::vector<double>{1.0}, std::vector<double>{1.0}), std::invalid_argument);
  EXPECT_THROW(fit_line(std::vector<double>{1.0, 1.0}, std::vector<double>{1.0, 2.0}),
               std::invalid_argument);
  EXPECT_THROW(fit_line(std::vector<double>{1.0, 2.0}, std::vector<double>{1.0}),
               std::invalid_argument);
  EXPECT_THROW(fit_log_log(std::vector<double>{1.0, 2.0}, std::vector<double>{1.0, 0.0}),
               std::invalid_argument);
  EXPECT_TRUE(std::isnan(
      fit_line(std::vector<double>{1.0, 2.0}, std::vector<double>{1.0, 3.0}).slope_half_width));
}

TEST(FitLogLog, RecoversKnownExponents) {
  RandomStream rng = test_stream(1);
  for (const double slope : {-0.5, -1.0, -0.25}) {
    const Series exact = power_law(slope, 3.0, 0.0, 6, rng);
    const LinearFit fit = fit_log_log(exact.x, exact.y);
    // Exact data: rounding of log and pow only.
    EXPECT_NEAR(fit.slope, slope, 1e-12);
    EXPECT_NEAR(std::exp(fit.intercept), 3.0, 1e-10);
  }
}

/// With log-normal noise the slope interval is exact (OLS with Gaussian errors), so over 4000
/// replicates it covers the true slope in a fraction whose standard error is
/// √(0.95·0.05/4000) = 0.0034; ±0.02 is about 6 standard errors.
TEST(FitLogLog, SlopeIntervalCoversNinetyFivePercent) {
  RandomStream rng = test_stream(2);
  constexpr int kReplicates = 4000;
  int covered = 0;
  for (int r = 0; r < kReplicates; ++r) {
    const Series series = power_law(-0.5, 1.0, 0.1, 8, rng);
    const LinearFit fit = fit_log_log(series.x, series.y);
    covered += fit.slope_lower() <= -0.5 && -0.5 <= fit.slope_upper();
  }
  EXPECT_NEAR(static_cast<double>(covered) / kReplicates, 0.95, 0.02);
}

TEST(FitRate, CombinesSeedsAndDetectsAWrongRate) {
  RandomStream rng = test_stream(3);
  std::vector<Series> seeds;
  for (int s = 0; s < 5; ++s) seeds.push_back(power_law(-0.5, 2.0, 0.05, 8, rng));
  const RateFit rate = fit_rate(seeds);
  ASSERT_EQ(rate.per_seed.size(), 5U);
  EXPECT_EQ(rate.slope.count, 5);
  // Each seed's slope has standard deviation 0.05/√Σ(log x − mean)² ≈ 0.012; the interval of
  // the mean over 5 seeds is about ±0.015, and with a fixed seed it contains −½.
  EXPECT_TRUE(slope_consistent(rate.slope.lower(), rate.slope.upper(), -0.5, 0.0))
      << rate.slope.mean << " ± " << rate.slope.half_width;
  EXPECT_LT(rate.slope.half_width, 0.05);
  EXPECT_NEAR(rate.pooled.slope, rate.slope.mean, 1e-12);  // same x grid: OLS is linear in y
  // A slower rate (slope −0.3) is not consistent with −½ within a tolerance of 0.1.
  std::vector<Series> slow;
  for (int s = 0; s < 5; ++s) slow.push_back(power_law(-0.3, 2.0, 0.05, 8, rng));
  const RateFit slow_rate = fit_rate(slow);
  EXPECT_FALSE(slope_consistent(slow_rate.slope.lower(), slow_rate.slope.upper(), -0.5, 0.1));
}

TEST(FitRate, OneSeedUsesItsRegressionInterval) {
  RandomStream rng = test_stream(4);
  const std::vector<Series> seeds{power_law(-1.0, 1.0, 0.1, 6, rng)};
  const RateFit rate = fit_rate(seeds);
  EXPECT_EQ(rate.slope.half_width, rate.per_seed[0].slope_half_width);
  EXPECT_THROW(fit_rate(std::vector<Series>{}), std::invalid_argument);
}

TEST(SlopeConsistent, IntervalOverlap) {
  EXPECT_TRUE(slope_consistent(-0.6, -0.4, -0.5, 0.0));
  EXPECT_TRUE(slope_consistent(-0.45, -0.41, -0.5, 0.05));
  EXPECT_FALSE(slope_consistent(-0.44, -0.41, -0.5, 0.05));
  EXPECT_FALSE(slope_consistent(-0.7, -0.56, -0.5, 0.05));
}

}  // namespace
}  // namespace dsgdlab
