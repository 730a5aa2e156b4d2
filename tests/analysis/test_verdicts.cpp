#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "dsgdlab/analysis/verdicts/verdicts.hpp"
#include "dsgdlab/core/random.hpp"

namespace dsgdlab {
namespace {

RandomStream test_stream(std::uint64_t seed) {
  return RandomStream(StreamKey{.seed = seed, .purpose = StreamPurpose::kEstimation});
}

/// y = x^slope·exp(ε), ε ~ N(0, 0.05²), at x = 100·2^j, j < 7.
Series power_law(double slope, RandomStream& rng) {
  Series series;
  for (int j = 0; j < 7; ++j) {
    const double x = 100.0 * std::pow(2.0, j);
    series.x.push_back(x);
    series.y.push_back(std::pow(x, slope) * std::exp(0.05 * rng.normal()));
  }
  return series;
}

BoundComparison comparison(double scale) {
  // R(K) = scale·(1/√K) for 3 seeds with ±2% spread; bound 1/√K.
  BoundComparison c{
      .bound_name = "sgd", .checkpoints = {100, 400, 1600}, .per_seed = {}, .bound = {}};
  for (const double spread : {0.98, 1.0, 1.02}) {
    std::vector<double> seed;
    for (const double k : c.checkpoints) seed.push_back(scale * spread / std::sqrt(k));
    c.per_seed.push_back(seed);
  }
  for (const double k : c.checkpoints) c.bound.push_back(1.0 / std::sqrt(k));
  return c;
}

TEST(BoundHoldsVerdict, PassesBelowAndFailsAboveWithTheNumbers) {
  const Verdict below = bound_holds_verdict(comparison(0.5));
  EXPECT_TRUE(below.passed);
  EXPECT_EQ(below.kind, "bound_holds");
  EXPECT_NEAR(below.number("min_tightness"), 2.0, 1e-12);
  EXPECT_EQ(below.number("violations"), 0.0);
  EXPECT_EQ(below.number("seeds"), 3.0);
  const Verdict above = bound_holds_verdict(comparison(1.1));
  EXPECT_FALSE(above.passed);
  EXPECT_EQ(above.number("violations"), 3.0);
  // Mean 0.99 of the bound, but the interval's upper end (t_{0.975,2}·0.02/√3 ≈ 5%) crosses it.
  EXPECT_FALSE(bound_holds_verdict(comparison(0.99)).passed);
}

TEST(BoundHoldsVerdict, DivergedSeedFailsAndBadShapesThrow) {
  BoundComparison diverged = comparison(0.5);
  diverged.per_seed[1][2] = NAN;
  const Verdict verdict = bound_holds_verdict(diverged);
  EXPECT_FALSE(verdict.passed);
  EXPECT_EQ(verdict.number("worst_checkpoint"), 1600.0);
  BoundComparison ragged = comparison(0.5);
  ragged.per_seed[0].pop_back();
  EXPECT_THROW(bound_holds_verdict(ragged), std::invalid_argument);
  EXPECT_THROW(verdict.number("nope"), std::out_of_range);
}

TEST(SlopeVerdict, TheClaimedRatePassesASlowerOneFails) {
  RandomStream rng = test_stream(7);
  std::vector<Series> half, slow, fast;
  for (int s = 0; s < 5; ++s) {
    half.push_back(power_law(-0.5, rng));
    slow.push_back(power_law(-0.35, rng));
    fast.push_back(power_law(-0.8, rng));
  }
  const Verdict good = slope_verdict("rate", "R ~ K^-1/2", half, -0.5, 0.1);
  EXPECT_TRUE(good.passed) << good.measured;
  EXPECT_NEAR(good.number("slope"), -0.5, 0.05);
  // A slope of −0.35 is outside −0.5 ± 0.1 (the interval is about ±0.02 wide): fails.
  const Verdict regressed = slope_verdict("rate", "R ~ K^-1/2", slow, -0.5, 0.1);
  EXPECT_FALSE(regressed.passed) << regressed.measured;
  // Much faster than claimed is not the claimed rate either.
  EXPECT_FALSE(slope_verdict("rate", "R ~ K^-1/2", fast, -0.5, 0.1).passed);
  // Linear speedup: time ∝ n^-1.
  std::vector<Series> speedup;
  for (int s = 0; s < 3; ++s) speedup.push_back(power_law(-1.0, rng));
  const Verdict linear = slope_verdict("linear_speedup", "time ~ 1/n", speedup, -1.0, 0.15);
  EXPECT_TRUE(linear.passed);
  EXPECT_EQ(linear.kind, "linear_speedup");
}

TEST(HeterogeneityVerdict, RobustFlatSynchronousProportional) {
  const SlowdownSeries adpsgd{"adpsgd", {1, 2, 10, 100}, {10.0, 10.5, 11.0, 12.0}};
  const std::vector<SlowdownSeries> sync{{"allreduce_sgd", {1, 2, 10, 100}, {8, 16, 80, 800}},
                                         {"dpsgd", {1, 2, 10, 100}, {9, 18, 90, 900}}};
  const Verdict verdict = heterogeneity_verdict(adpsgd, sync, 2.0, 0.5);
  EXPECT_TRUE(verdict.passed) << verdict.measured;
  EXPECT_NEAR(verdict.number("adpsgd_ratio"), 1.2, 1e-12);
  EXPECT_NEAR(verdict.number("allreduce_sgd_ratio"), 100.0, 1e-12);
  EXPECT_NEAR(verdict.number("speedup_vs_dpsgd"), 75.0, 1e-12);
  const SlowdownSeries fragile{"adpsgd", {1, 2, 10, 100}, {10, 20, 100, 1000}};
  EXPECT_FALSE(heterogeneity_verdict(fragile, sync, 2.0, 0.5).passed);
  const std::vector<SlowdownSeries> unaffected{{"allreduce_sgd", {1, 2, 10, 100}, {8, 8, 8, 9}}};
  EXPECT_FALSE(heterogeneity_verdict(adpsgd, unaffected, 2.0, 0.5).passed);
  const SlowdownSeries no_baseline{"adpsgd", {2, 10}, {1, 1}};
  EXPECT_THROW(heterogeneity_verdict(no_baseline, sync, 2.0, 0.5), std::invalid_argument);
}

TEST(SandwichVerdict, OrderingOfBoundsAndOfSeparatedMeans) {
  SandwichMeasurement ordered{.inner = {1.0, 1.1, 0.9},
                              .hierarchical = {2.0, 2.1, 1.9},
                              .outer = {3.0, 3.1, 2.9},
                              .inner_bound = 5.0,
                              .hierarchical_bound = 6.0,
                              .outer_bound = 7.0};
  EXPECT_TRUE(sandwich_verdict("H-SGD between local SGD(I) and (G)", ordered).passed);
  // Overlapping intervals: an inversion of the means is noise, not a failure.
  SandwichMeasurement overlapping = ordered;
  overlapping.hierarchical = {0.95, 1.05, 1.0};
  overlapping.inner = {1.0, 1.1, 0.95};
  EXPECT_TRUE(sandwich_verdict("overlap", overlapping).passed);
  // Separated inversion fails.
  SandwichMeasurement inverted = ordered;
  inverted.hierarchical = {3.5, 3.6, 3.4};
  const Verdict failed = sandwich_verdict("inverted", inverted);
  EXPECT_FALSE(failed.passed);
  EXPECT_EQ(failed.number("empirical_ordered"), 0.0);
  // Disordered bounds fail even with ordered measurements.
  SandwichMeasurement bad_bounds = ordered;
  bad_bounds.hierarchical_bound = 8.0;
  EXPECT_FALSE(sandwich_verdict("bounds", bad_bounds).passed);
}

TEST(ExactnessVerdict, EveryResidualWithinItsTolerance) {
  const std::vector<ExactCheck> good{{"local_sgd P=1 == allreduce_sgd (bitwise)", 0.0, 0.0},
                                     {"eps_down + eps_up = zeta (relative)", 3e-16, 1e-12}};
  EXPECT_TRUE(exactness_verdict("equivalences", good).passed);
  const std::vector<ExactCheck> bad{{"bitwise", 1e-17, 0.0}, {"nan", NAN, 1.0}};
  const Verdict verdict = exactness_verdict("equivalences", bad);
  EXPECT_FALSE(verdict.passed);
  EXPECT_EQ(verdict.measured.substr(0, 8), "0/2 hold");
  EXPECT_THROW(exactness_verdict("none", std::vector<ExactCheck>{}), std::invalid_argument);
}

}  // namespace
}  // namespace dsgdlab
