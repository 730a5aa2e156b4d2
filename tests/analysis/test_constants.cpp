#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "../algorithms/sim_test_support.hpp"
#include "dsgdlab/analysis/estimators/constants.hpp"
#include "dsgdlab/analysis/estimators/divergence.hpp"
#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/problems/nonconvex_separable.hpp"
#include "dsgdlab/problems/quadratic.hpp"

namespace dsgdlab {
namespace {

RandomStream test_stream(std::uint64_t seed) {
  return RandomStream(StreamKey{.seed = seed, .purpose = StreamPurpose::kEstimation});
}

TEST(ConstantSource, NamesAndProblemConstants) {
  EXPECT_EQ(to_string(ConstantSource::kExact), "exact");
  EXPECT_EQ(to_string(ConstantSource::kUpperBound), "upper_bound");
  EXPECT_EQ(to_string(ConstantSource::kEstimated), "estimated");
  EXPECT_FALSE(from_problem(std::nullopt).has_value());
  const auto exact = from_problem(KnownConstant{.value = 2.5, .origin = ConstantOrigin::kExact});
  ASSERT_TRUE(exact.has_value());
  EXPECT_EQ(exact->value, 2.5);
  EXPECT_EQ(exact->source, ConstantSource::kExact);
  EXPECT_EQ(exact->method, "problem");
  const auto bound =
      from_problem(KnownConstant{.value = 7.0, .origin = ConstantOrigin::kUpperBound});
  EXPECT_EQ(bound->source, ConstantSource::kUpperBound);
}

TEST(EstimateSmoothness, RecoversTheLargestCurvatureOfAQuadratic) {
  const QuadraticProblem problem(sim_test::quadratic_options(6, 5));
  const double exact = problem.smoothness()->value;
  const std::vector<Vector> points{Vector::Zero(5), Vector::Constant(5, 3.0)};
  RandomStream rng = test_stream(1);
  const ConstantValue estimate =
      estimate_smoothness(problem, points, rng, {.power_iterations = 2000});
  EXPECT_EQ(estimate.source, ConstantSource::kEstimated);
  EXPECT_NE(estimate.method.find("lower bound"), std::string::npos) << estimate.method;
  // The Hessian is constant, so central differences are exact up to rounding: ε‖∇f‖/h ≈
  // 1e-16·10/1e-5 = 1e-10. Power iteration stops when ‖Hv‖ changes by under 1e-9 relative,
  // which leaves an error below 1e-9/(1 − r²) for the eigenvalue ratio r < 0.999 of these
  // curvatures; 1e-6 relative covers both with a margin.
  EXPECT_NEAR(estimate.value, exact, 1e-6 * exact);
  EXPECT_LE(estimate.value, exact * (1.0 + 1e-9));
}

TEST(EstimateSmoothness, IsALowerBoundOfTheNonconvexProblemsCurvatureBound) {
  const NonconvexSeparableProblem problem(sim_test::nonconvex_options(4, 6));
  ASSERT_TRUE(problem.smoothness().has_value());
  const double bound = problem.smoothness()->value;
  const std::vector<Vector> points{Vector::Zero(6), Vector::LinSpaced(6, -2.0, 2.0)};
  RandomStream rng = test_stream(2);
  const ConstantValue estimate = estimate_smoothness(problem, points, rng);
  // Each ‖H_i(x) v‖ with ‖v‖ = 1 is at most L (up to the O(h²) finite-difference error, about
  // 1e-10 here), and at x = 0 the curvature a_ij − λ cos 0 of some coordinate is at least half
  // the largest |a_ij − λ| the bound can reach on these instances.
  EXPECT_LE(estimate.value, bound * (1.0 + 1e-8));
  EXPECT_GT(estimate.value, 0.25 * bound);
}

TEST(EstimateSmoothness, IsDeterministicForAStreamAndValidatesOptions) {
  const QuadraticProblem problem(sim_test::quadratic_options(3));
  const std::vector<Vector> points{Vector::Ones(4)};
  RandomStream first = test_stream(9);
  RandomStream second = test_stream(9);
  EXPECT_EQ(estimate_smoothness(problem, points, first).value,
            estimate_smoothness(problem, points, second).value);
  try {
    estimate_smoothness(problem, points, first, {.power_iterations = 0});
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("estimators.power_iterations (0)"), std::string::npos)
        << error.what();
  }
  try {
    estimate_smoothness(problem, points, first, {.relative_step = 2.0});
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("estimators.finite_difference_step (2)"),
              std::string::npos)
        << error.what();
  }
  EXPECT_THROW(estimate_smoothness(problem, {}, first), std::invalid_argument);
}

TEST(NoiseVarianceEstimator, EmptyBeforeTheFirstMeasurement) {
  const QuadraticProblem problem(sim_test::quadratic_options(3));
  const NoiseVarianceEstimator estimator(problem, 2);
  EXPECT_EQ(estimator.count(), 0);
  EXPECT_TRUE(std::isnan(estimator.mean()));
  EXPECT_TRUE(std::isnan(estimator.max()));
  EXPECT_TRUE(std::isnan(estimator.mean_ci95_half_width()));
  EXPECT_THROW(NoiseVarianceEstimator(problem, 0), InputError);
}

/// On `quadratic`, ∇F(x; ξ) − ∇f_i(x) = ξ ~ N(0, (σ²/d) I) at every x and worker, so every
/// estimate is (σ²/(dS))·χ²_{dS}: mean σ², variance 2σ⁴/(dS).
TEST(NoiseVarianceEstimator, RecoversTheConfiguredSigmaSquaredWithinItsInterval) {
  QuadraticOptions options = sim_test::quadratic_options(8, 5);
  options.noise_variance = 2.5;
  const QuadraticProblem problem(options);
  constexpr int kSamples = 4;
  NoiseVarianceEstimator estimator(problem, kSamples);
  RandomStream rng = test_stream(4);
  Matrix gradients(5, 8);
  std::vector<double> per_worker(8);
  constexpr int kPoints = 60;
  for (int point = 0; point < kPoints; ++point) {
    const Vector x = Vector::Constant(5, 0.1 * point - 3.0);
    local_gradients(problem, x, gradients);
    estimator.measure(x, gradients, rng, per_worker);
    for (const double value : per_worker) EXPECT_GT(value, 0.0);
  }
  ASSERT_EQ(estimator.count(), kPoints * 8);
  const double half_width = estimator.mean_ci95_half_width();
  // A fixed seed makes the check deterministic; with a correct estimator the 95% interval
  // misses σ² for 5% of seeds, so the test allows 2.5 half-widths (4.9 standard errors, a
  // miss probability of 1e-6 over seeds). A biased estimator (say dividing by S − 1 or
  // forgetting to subtract ∇f_i) moves the mean by 25% or more, far outside.
  EXPECT_NEAR(estimator.mean(), 2.5, 2.5 * half_width);
  // The interval has the width the χ² variance predicts: 1.96·sqrt(2σ⁴/(dS)/count). The
  // sample standard deviation of 480 draws is within 3.2%·k of the true one with k standard
  // deviations; 20% is over 6.
  const double predicted =
      1.96 * std::sqrt(2.0 * 2.5 * 2.5 / (5.0 * kSamples) / static_cast<double>(kPoints * 8));
  EXPECT_NEAR(half_width, predicted, 0.2 * predicted);
  EXPECT_GE(estimator.max(), estimator.mean());
}

TEST(NoiseVarianceEstimator, ZeroNoiseGivesZero) {
  QuadraticOptions options = sim_test::quadratic_options(4);
  options.noise_variance = 0.0;
  const QuadraticProblem problem(options);
  NoiseVarianceEstimator estimator(problem, 3);
  RandomStream rng = test_stream(6);
  Matrix gradients(4, 4);
  std::vector<double> per_worker(4, -1.0);
  const Vector x = Vector::Ones(4);
  local_gradients(problem, x, gradients);
  estimator.measure(x, gradients, rng, per_worker);
  EXPECT_EQ(per_worker, std::vector<double>(4, 0.0));
  EXPECT_EQ(estimator.mean(), 0.0);
  EXPECT_EQ(estimator.max(), 0.0);
  EXPECT_EQ(estimator.mean_ci95_half_width(), 0.0);
}

TEST(EstimateOptimum, FindsTheQuadraticsExactMinimum) {
  const QuadraticProblem problem(sim_test::quadratic_options(6, 5));
  const double exact = problem.optimum_value()->value;
  const std::vector<Vector> starts{Vector::Constant(5, 4.0)};
  const ConstantValue estimate = estimate_optimum(problem, starts, problem.smoothness()->value,
                                                  std::numeric_limits<double>::infinity());
  EXPECT_EQ(estimate.source, ConstantSource::kEstimated);
  // Gradient descent with η = 1/L contracts the error by (1 − ā_min/L) ≤ 0.9 per step on
  // these curvatures (ā ≥ 0.2, L ≤ 2), so after at most 2000 steps only rounding is left:
  // f is evaluated to about 1e-15·|f| and the stopping rule ‖∇f‖² ≤ 1e-20 leaves 1e-20/(2ā).
  EXPECT_NEAR(estimate.value, exact, 1e-12 * std::max(1.0, std::abs(exact)));
  EXPECT_GE(estimate.value, exact - 1e-12 * std::max(1.0, std::abs(exact)));
  EXPECT_NE(estimate.method.find("upper bound on f*"), std::string::npos) << estimate.method;
}

TEST(EstimateOptimum, BacktracksWhenTheGivenSmoothnessIsTooSmall) {
  const QuadraticProblem problem(sim_test::quadratic_options(4, 3));
  const double exact = problem.optimum_value()->value;
  const std::vector<Vector> starts{Vector::Constant(3, -2.0)};
  // L = 1e-3 makes the first trial step 1000/L_true too long; Armijo halves it.
  const ConstantValue estimate =
      estimate_optimum(problem, starts, 1e-3, std::numeric_limits<double>::infinity());
  EXPECT_NEAR(estimate.value, exact, 1e-10 * std::max(1.0, std::abs(exact)));
}

TEST(EstimateOptimum, IsAnUpperBoundOnANonconvexProblemAndKeepsABetterKnownValue) {
  const NonconvexSeparableProblem problem(sim_test::nonconvex_options(4, 6));
  const double exact = problem.optimum_value()->value;
  const std::vector<Vector> starts{Vector::Zero(6), Vector::Constant(6, 2.0)};
  const ConstantValue estimate = estimate_optimum(problem, starts, problem.smoothness()->value,
                                                  std::numeric_limits<double>::infinity());
  // Descent may stop in a local minimum, never below the global one (up to rounding).
  EXPECT_GE(estimate.value, exact - 1e-12 * std::max(1.0, std::abs(exact)));
  EXPECT_LE(estimate.value, problem.loss(starts[0]));
  // A value known to be lower (say the best f(x̄_t) of a run) is kept.
  const double lower = estimate.value - 1.0;
  EXPECT_EQ(estimate_optimum(problem, starts, problem.smoothness()->value, lower).value, lower);
}

TEST(EstimateOptimum, ValidatesOptions) {
  const QuadraticProblem problem(sim_test::quadratic_options(2));
  const std::vector<Vector> starts{Vector::Zero(4)};
  try {
    estimate_optimum(problem, starts, 1.0, 0.0, {.max_iterations = 0});
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("estimators.optimum_iterations (0)"),
              std::string::npos)
        << error.what();
  }
  EXPECT_THROW(estimate_optimum(problem, starts, 1.0, 0.0, {.gradient_tolerance_sq = -1.0}),
               InputError);
  EXPECT_THROW(estimate_optimum(problem, {}, 1.0, 0.0), std::invalid_argument);
}

}  // namespace
}  // namespace dsgdlab
