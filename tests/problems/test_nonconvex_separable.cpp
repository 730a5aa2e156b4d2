// Tests of `nonconvex_separable`. Instance generation (groups, streams, per-group curvature) is
// shared with `quadratic` and tested in test_quadratic.cpp; here we check that the same options
// give the same instance. Thread safety is by construction and not tested here: every method is
// const and the problem holds no mutable state (the noise comes from the caller's stream).

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/problems/gradient_check.hpp"
#include "dsgdlab/problems/nonconvex_separable.hpp"
#include "dsgdlab/problems/quadratic.hpp"

namespace dsgdlab {
namespace {

constexpr CurvatureSharing kAllSharings[] = {CurvatureSharing::kShared, CurvatureSharing::kPerGroup,
                                             CurvatureSharing::kPerWorker};

/// Machine-precision comparisons of quantities computed two ways (sums of O(10) terms of
/// magnitude up to O(10³)): relative error of a few thousand ulps at most.
constexpr double kRoundoff = 1e-12;

/// Laurent and Massart (2000), Lemma 1: for X ~ χ²_k and x > 0,
/// P(X ≥ k + 2√(kx) + 2x) ≤ e^{−x} and P(X ≤ k − 2√(kx)) ≤ e^{−x}. With x = 16 each tail has
/// probability ≤ e^{−16} = 1.1e-7, so a two-sided check fails with probability ≤ 2.3e-7 when
/// the implementation is correct.
constexpr double kChiSquareTailExponent = 16.0;
double chi_square_upper(double k) {
  return k + 2.0 * std::sqrt(k * kChiSquareTailExponent) + 2.0 * kChiSquareTailExponent;
}
double chi_square_lower(double k) { return k - 2.0 * std::sqrt(k * kChiSquareTailExponent); }

NonconvexSeparableOptions heterogeneous_options(CurvatureSharing sharing,
                                                double cosine_weight = 2.0) {
  return {.instance = {.dim = 8,
                       .num_workers = 5,
                       .curvature_min = 0.2,
                       .curvature_max = 3.0,
                       .curvature_sharing = sharing,
                       .num_groups = 2,
                       .group_center_spread = 2.0,
                       .worker_center_spread = 0.5,
                       .noise_variance = 2.5,
                       .seed = 777},
          .cosine_weight = cosine_weight};
}

Vector random_point(RandomStream& rng, Index dim, double scale) {
  Vector x(dim);
  for (Index j = 0; j < dim; ++j) x[j] = rng.uniform(-scale, scale);
  return x;
}

/// h(t) = ½ a (t − c)² + λ cos t and its derivative, written independently of the library.
double cosine_quadratic(double a, double c, double lambda, double t) {
  return 0.5 * a * (t - c) * (t - c) + lambda * std::cos(t);
}
double cosine_quadratic_slope(double a, double c, double lambda, double t) {
  return a * (t - c) - lambda * std::sin(t);
}

/// Golden-section search for a local minimum of h on [low, high] (unimodal there).
double golden_section_minimum(double a, double c, double lambda, double low, double high) {
  const double ratio = (std::sqrt(5.0) - 1.0) / 2.0;
  for (int iteration = 0; iteration < 200 && high - low > 0.0; ++iteration) {
    const double x1 = high - ratio * (high - low);
    const double x2 = low + ratio * (high - low);
    if (cosine_quadratic(a, c, lambda, x1) < cosine_quadratic(a, c, lambda, x2))
      high = x2;
    else
      low = x1;
  }
  return cosine_quadratic(a, c, lambda, 0.5 * (low + high));
}

std::string constructor_error(const NonconvexSeparableOptions& options) {
  try {
    NonconvexSeparableProblem problem(options);
  } catch (const InputError& error) {
    return error.what();
  }
  return "(no InputError thrown)";
}

TEST(NonconvexSeparable, GradientMatchesFiniteDifferences) {
  // Central differences with h = 1e-6·max(1,|x|) have truncation error O(h²·(a + λ)) ≈ 1e-12
  // and round-off O(ε·|f|/h) ≈ 1e-9: the checker's default 1e-6 tolerance is ample.
  RandomStream rng(1);
  for (CurvatureSharing sharing : kAllSharings) {
    const NonconvexSeparableProblem problem(heterogeneous_options(sharing));
    for (int i = 0; i < problem.num_workers(); ++i) {
      for (int trial = 0; trial < 5; ++trial) {
        const Vector x = random_point(rng, problem.dim(), 4.0);
        const auto result = check_local_gradient(problem, i, x);
        EXPECT_TRUE(result.passed)
            << to_string(sharing) << " worker " << i << ": " << result.brief_report();
      }
    }
  }
}

TEST(NonconvexSeparable, SameOptionsGiveTheQuadraticInstance) {
  for (CurvatureSharing sharing : kAllSharings) {
    const auto options = heterogeneous_options(sharing);
    const NonconvexSeparableProblem problem(options);
    const QuadraticProblem quadratic(options.instance);
    EXPECT_EQ(problem.curvatures(), quadratic.curvatures());
    EXPECT_EQ(problem.centers(), quadratic.centers());
    // f_i differs from the quadratic's by exactly λ Σ_j cos x_j.
    const Vector x = Vector::LinSpaced(problem.dim(), -2.0, 3.0);
    EXPECT_NEAR(problem.local_loss(1, x),
                quadratic.local_loss(1, x) + options.cosine_weight * x.array().cos().sum(),
                kRoundoff * 10.0);
  }
}

TEST(NonconvexSeparable, SmoothnessIsCurvatureMaxPlusCosineWeightAndIsAttained) {
  // Attainment: for x, y differing only in coordinate j (the one with a_ij = max curvature) at
  // π ± h, the ratio is a + λ sin(h)/h = L − λh²/6 + O(h⁴): relative deficit ≤ 2e-9 for
  // h = 1e-4; round-off in the gradient difference adds ≈ 1e-11.
  constexpr double kStep = 1e-4;
  constexpr double kAttainmentSlack = 1e-7;
  // Ratios at random pairs of separation O(1) carry relative round-off ≈ 1e-15.
  constexpr double kRatioSlack = 1e-12;
  RandomStream rng(2);
  for (CurvatureSharing sharing : kAllSharings) {
    const auto options = heterogeneous_options(sharing);
    const NonconvexSeparableProblem problem(options);
    const auto smoothness = problem.smoothness();
    ASSERT_TRUE(smoothness.has_value());
    EXPECT_EQ(smoothness->origin, ConstantOrigin::kExact);
    EXPECT_EQ(smoothness->value, options.instance.curvature_max + options.cosine_weight);
    const double lipschitz = smoothness->value;

    Vector gx(problem.dim()), gy(problem.dim());
    for (int i = 0; i < problem.num_workers(); ++i) {
      for (int trial = 0; trial < 20; ++trial) {
        const Vector x = random_point(rng, problem.dim(), 4.0);
        const Vector y = random_point(rng, problem.dim(), 4.0);
        problem.local_gradient(i, x, gx);
        problem.local_gradient(i, y, gy);
        EXPECT_LE((gx - gy).norm() / (x - y).norm(), lipschitz * (1.0 + kRatioSlack));
      }
      Index j_max = 0;
      if (problem.curvatures().col(i).maxCoeff(&j_max) != options.instance.curvature_max) {
        ADD_FAILURE() << "worker " << i << " has no coordinate with the largest curvature";
        continue;
      }
      Vector x = random_point(rng, problem.dim(), 4.0);
      Vector y = x;
      x[j_max] = std::numbers::pi + kStep;
      y[j_max] = std::numbers::pi - kStep;
      problem.local_gradient(i, x, gx);
      problem.local_gradient(i, y, gy);
      const double ratio = (gx - gy).norm() / (x - y).norm();
      EXPECT_GE(ratio, lipschitz * (1.0 - kAttainmentSlack)) << "worker " << i;
      EXPECT_LE(ratio, lipschitz * (1.0 + kRatioSlack)) << "worker " << i;
    }
  }
}

TEST(NonconvexSeparable, OneDimensionalMinimizerFindsTheGlobalMinimum) {
  // Symmetric double well: h(t) = ¼ t² + 2 cos t has a maximum at 0 and minima at ±t0 where
  // t0/4 = sin t0... here a = 0.5: 0.5 t = 2 sin t, t0 ≈ 2.4746.
  const auto well = minimize_cosine_quadratic(0.5, 0.0, 2.0);
  EXPECT_EQ(well.num_critical_points, 3);
  EXPECT_NEAR(std::abs(well.argmin), 2.4746, 1e-4);
  EXPECT_LE(std::abs(cosine_quadratic_slope(0.5, 0.0, 2.0, well.argmin)), kRoundoff);
  EXPECT_EQ(well.value, cosine_quadratic(0.5, 0.0, 2.0, well.argmin));
  // Convex (a > λ): one critical point.
  const auto convex = minimize_cosine_quadratic(3.0, 1.0, 1.0);
  EXPECT_EQ(convex.num_critical_points, 1);
  EXPECT_LE(std::abs(cosine_quadratic_slope(3.0, 1.0, 1.0, convex.argmin)), kRoundoff);
  // a = λ exactly: h'' = λ(1 − cos t) ≥ 0 vanishes at 2πk; still one root.
  const auto borderline = minimize_cosine_quadratic(1.0, 0.3, 1.0);
  EXPECT_EQ(borderline.num_critical_points, 1);
  EXPECT_LE(std::abs(cosine_quadratic_slope(1.0, 0.3, 1.0, borderline.argmin)), 1e-6);
  // Many wells: a = 0.01, λ = 5, c = 7.3. Compare with a dense grid plus local refinement.
  const double a = 0.01, c = 7.3, lambda = 5.0;
  const auto many = minimize_cosine_quadratic(a, c, lambda);
  EXPECT_GT(many.num_critical_points, 100);
  EXPECT_EQ(many.num_critical_points % 2, 1);  // h' goes from − to +, simple roots
  double grid_min = std::numeric_limits<double>::infinity();
  double grid_argmin = 0.0;
  constexpr double kGridStep = 1e-3;
  const double radius = lambda / a + 1.0;
  for (double t = c - radius; t <= c + radius; t += kGridStep) {
    const double value = cosine_quadratic(a, c, lambda, t);
    if (value < grid_min) {
      grid_min = value;
      grid_argmin = t;
    }
  }
  const double value_roundoff = kRoundoff * (1.0 + a * radius * radius + lambda);
  EXPECT_GE(grid_min, many.value - value_roundoff);
  EXPECT_LE(grid_min, many.value + 0.5 * (a + lambda) * kGridStep * kGridStep + value_roundoff);
  EXPECT_GE(golden_section_minimum(a, c, lambda, grid_argmin - kGridStep, grid_argmin + kGridStep),
            many.value - value_roundoff);
}

/// The per-coordinate exactness check: for every coordinate j, x*_j is a critical point of h_j,
/// a dense grid over [c_j − λ/ā_j − 1, c_j + λ/ā_j + 1] finds nothing below h_j(x*_j), the grid
/// minimum is within the grid's resolution of it, and refining the grid's best point locally
/// does not go below it either.
void expect_exact_coordinate_minima(const NonconvexSeparableProblem& problem, double grid_step) {
  const double lambda = problem.options().cosine_weight;
  const Vector& mean_curvature = problem.instance().mean_curvature();
  const Vector& center = problem.instance().weighted_center();
  const Vector x_star = *problem.minimizer();
  for (Index j = 0; j < problem.dim(); ++j) {
    const double a = mean_curvature[j];
    const double c = center[j];
    const double radius = lambda / a + 1.0;
    const double optimum = cosine_quadratic(a, c, lambda, x_star[j]);
    EXPECT_EQ(problem.coordinate_minima()[static_cast<std::size_t>(j)].value, optimum);
    const double value_roundoff = kRoundoff * (1.0 + a * radius * radius + lambda);
    EXPECT_LE(std::abs(cosine_quadratic_slope(a, c, lambda, x_star[j])),
              kRoundoff * (1.0 + a * radius + lambda))
        << "coordinate " << j;
    double grid_min = std::numeric_limits<double>::infinity();
    double grid_argmin = 0.0;
    const auto points = static_cast<long>(std::ceil(2.0 * radius / grid_step));
    for (long k = 0; k <= points; ++k) {
      const double t = c - radius + static_cast<double>(k) * grid_step;
      const double value = cosine_quadratic(a, c, lambda, t);
      if (value < grid_min) {
        grid_min = value;
        grid_argmin = t;
      }
    }
    EXPECT_GE(grid_min, optimum - value_roundoff) << "coordinate " << j;
    // |h(t) − h(t*)| ≤ ½ max|h''| step² for the grid point nearest t*.
    EXPECT_LE(grid_min, optimum + 0.5 * (a + lambda) * grid_step * grid_step + value_roundoff)
        << "coordinate " << j;
    EXPECT_GE(
        golden_section_minimum(a, c, lambda, grid_argmin - grid_step, grid_argmin + grid_step),
        optimum - value_roundoff)
        << "coordinate " << j;
  }
}

TEST(NonconvexSeparable, MinimizerAttainsTheExactOptimum) {
  RandomStream rng(3);
  for (CurvatureSharing sharing : kAllSharings) {
    // λ = 2 (a few wells) and λ = 0.3 (coordinates with ā_j > λ are convex).
    for (double cosine_weight : {2.0, 0.3}) {
      const NonconvexSeparableProblem problem(heterogeneous_options(sharing, cosine_weight));
      const auto optimum = problem.optimum_value();
      const auto minimizer = problem.minimizer();
      ASSERT_TRUE(optimum.has_value());
      ASSERT_TRUE(minimizer.has_value());
      EXPECT_EQ(optimum->origin, ConstantOrigin::kExact);
      EXPECT_EQ(problem.loss(*minimizer), optimum->value);
      Vector gradient(problem.dim());
      problem.full_gradient(*minimizer, gradient);
      EXPECT_LE(gradient.norm(), kRoundoff * 10.0);

      // f(x) − f* = Σ_j (h_j(x_j) − h_j(x*_j)) exactly, and f(x) ≥ f* everywhere.
      const Vector& mean_curvature = problem.instance().mean_curvature();
      const Vector& center = problem.instance().weighted_center();
      for (int trial = 0; trial < 300; ++trial) {
        const double scale = trial < 100 ? 10.0 : (trial < 200 ? 1.0 : 1e-3);
        const Vector x = *minimizer + random_point(rng, problem.dim(), scale);
        double expected_gap = 0.0;
        for (Index j = 0; j < problem.dim(); ++j) {
          expected_gap +=
              cosine_quadratic(mean_curvature[j], center[j], cosine_weight, x[j]) -
              cosine_quadratic(mean_curvature[j], center[j], cosine_weight, (*minimizer)[j]);
        }
        EXPECT_GE(problem.loss(x), optimum->value);
        EXPECT_NEAR(problem.loss(x) - optimum->value, expected_gap,
                    kRoundoff * (10.0 + std::abs(optimum->value) + scale * scale));
      }
      expect_exact_coordinate_minima(problem, 1e-3);
      if (cosine_weight < 1.0) {
        int convex_coordinates = 0;
        for (const auto& minimum : problem.coordinate_minima())
          if (minimum.num_critical_points == 1) ++convex_coordinates;
        EXPECT_GT(convex_coordinates, 0);
      }
    }
  }
}

TEST(NonconvexSeparable, ManyLocalMinimaStillGiveTheGlobalOptimum) {
  // λ = 20 ≫ curvature [0.1, 1]: each coordinate has tens to hundreds of critical points.
  NonconvexSeparableOptions options{.instance = {.dim = 6,
                                                 .num_workers = 3,
                                                 .curvature_min = 0.1,
                                                 .curvature_max = 1.0,
                                                 .curvature_sharing = CurvatureSharing::kShared,
                                                 .group_center_spread = 30.0,
                                                 .worker_center_spread = 5.0,
                                                 .seed = 4},
                                    .cosine_weight = 20.0};
  const NonconvexSeparableProblem problem(options);
  int most_critical_points = 0;
  for (const auto& minimum : problem.coordinate_minima()) {
    most_critical_points = std::max(most_critical_points, minimum.num_critical_points);
    EXPECT_EQ(minimum.num_critical_points % 2, 1);
  }
  EXPECT_GT(most_critical_points, 100);
  expect_exact_coordinate_minima(problem, 1e-3);
  EXPECT_EQ(problem.loss(*problem.minimizer()), problem.optimum_value()->value);
}

/// Checks that `draw` produces ∇f_i(x) + noise with E‖noise‖² = σ²/M and mean zero (see
/// chi_square_upper / chi_square_lower for the failure probability).
template <typename Draw>
void expect_noise_matches(const NonconvexSeparableProblem& problem, int worker, int batch_size,
                          Draw draw) {
  constexpr int kDraws = 2000;
  const Index d = problem.dim();
  const double sigma2 = problem.noise_variance()->value;
  RandomStream point_rng(4);
  const Vector x = random_point(point_rng, d, 2.0);
  Vector exact(d), sample(d), sum = Vector::Zero(d);
  problem.local_gradient(worker, x, exact);
  double sum_squares = 0.0;
  for (int k = 0; k < kDraws; ++k) {
    draw(x, sample);
    sum += sample - exact;
    sum_squares += (sample - exact).squaredNorm();
  }
  // Σ_k ‖e_k‖² · dM/σ² ~ χ²(kDraws·d).
  const double dof = static_cast<double>(kDraws) * static_cast<double>(d);
  const double scaled = sum_squares * static_cast<double>(d) * batch_size / sigma2;
  EXPECT_LE(scaled, chi_square_upper(dof)) << "variance too large, M = " << batch_size;
  EXPECT_GE(scaled, chi_square_lower(dof)) << "variance too small, M = " << batch_size;
  // ‖mean error‖² · d·M·kDraws/σ² ~ χ²_d.
  const Vector mean_error = sum / kDraws;
  EXPECT_LE(mean_error.squaredNorm() * static_cast<double>(d) * batch_size * kDraws / sigma2,
            chi_square_upper(static_cast<double>(d)))
      << "biased, M = " << batch_size;
}

TEST(NonconvexSeparable, StochasticGradientIsUnbiasedWithVarianceSigmaSquaredOverM) {
  const NonconvexSeparableProblem problem(heterogeneous_options(CurvatureSharing::kPerGroup));
  ASSERT_TRUE(problem.noise_variance().has_value());
  EXPECT_EQ(problem.noise_variance()->value, 2.5);
  EXPECT_EQ(problem.noise_variance()->origin, ConstantOrigin::kExact);
  for (int batch_size : {1, 16}) {
    RandomStream rng(StreamKey{.seed = 5, .worker = 2, .purpose = StreamPurpose::kGradientNoise});
    expect_noise_matches(problem, 2, batch_size, [&](const Vector& x, Vector& out) {
      problem.stochastic_gradient(2, x, batch_size, rng, out);
    });
  }
}

TEST(NonconvexSeparable, SampleGradientHasVarianceSigmaSquared) {
  const NonconvexSeparableProblem problem(heterogeneous_options(CurvatureSharing::kShared));
  RandomStream rng(6);
  expect_noise_matches(problem, 0, 1, [&](const Vector& x, Vector& out) {
    problem.sample_gradient(0, x, rng, out);
  });
  RandomStream a(7), b(7);
  const Vector x = Vector::Constant(problem.dim(), 0.3);
  Vector ga(problem.dim()), gb(problem.dim());
  problem.sample_gradient(4, x, a, ga);
  problem.stochastic_gradient(4, x, 1, b, gb);
  EXPECT_EQ(ga, gb);
  EXPECT_THROW(problem.stochastic_gradient(4, x, 0, b, gb), InputError);
}

TEST(NonconvexSeparable, HeterogeneityIsExactForSharedCurvatureOnly) {
  RandomStream rng(8);
  const NonconvexSeparableProblem problem(heterogeneous_options(CurvatureSharing::kShared));
  const auto zeta2 = problem.heterogeneity();
  ASSERT_TRUE(zeta2.has_value());
  EXPECT_EQ(zeta2->origin, ConstantOrigin::kExact);
  EXPECT_EQ(zeta2->value,
            QuadraticProblem(heterogeneous_options(CurvatureSharing::kShared).instance)
                .heterogeneity()
                ->value);
  Vector full(problem.dim()), local(problem.dim());
  for (int trial = 0; trial < 20; ++trial) {
    const Vector x = random_point(rng, problem.dim(), 5.0);
    problem.full_gradient(x, full);
    double measured = 0.0;
    for (int i = 0; i < problem.num_workers(); ++i) {
      problem.local_gradient(i, x, local);
      measured += (local - full).squaredNorm();
    }
    measured /= problem.num_workers();
    EXPECT_NEAR(measured, zeta2->value, kRoundoff * zeta2->value);
  }
  for (CurvatureSharing sharing : {CurvatureSharing::kPerGroup, CurvatureSharing::kPerWorker}) {
    EXPECT_FALSE(
        NonconvexSeparableProblem(heterogeneous_options(sharing)).heterogeneity().has_value())
        << to_string(sharing);
  }
}

TEST(NonconvexSeparable, OneDimensionalMinimizerRejectsInvalidArguments) {
  const auto message = [](double a, double c, double lambda) -> std::string {
    try {
      minimize_cosine_quadratic(a, c, lambda);
    } catch (const InputError& error) {
      return error.what();
    }
    return "(no InputError thrown)";
  };
  EXPECT_EQ(message(0.0, 1.0, 1.0),
            "minimize_cosine_quadratic.curvature (0) must be positive and finite");
  EXPECT_EQ(message(1.0, std::numeric_limits<double>::infinity(), 1.0),
            "minimize_cosine_quadratic.center (inf) must be finite");
  EXPECT_EQ(message(1.0, 1.0, -1.0),
            "minimize_cosine_quadratic.cosine_weight (-1) must be non-negative and finite");
  // λ = 0 is allowed: h is the parabola, minimised at c.
  EXPECT_EQ(minimize_cosine_quadratic(2.0, 1.5, 0.0).num_critical_points, 1);
  EXPECT_NEAR(minimize_cosine_quadratic(2.0, 1.5, 0.0).argmin, 1.5, kRoundoff);
}

TEST(NonconvexSeparable, DescribeNamesTheInstance) {
  const NonconvexSeparableProblem problem;
  EXPECT_EQ(problem.name(), "nonconvex_separable");
  EXPECT_EQ(problem.describe(),
            "nonconvex_separable: d=10, n=4, 1 group, curvature [0.1, 1] shared, center spread 1 "
            "(group) / 1 (worker), sigma^2=1, seed 0, cosine weight 1");
}

TEST(NonconvexSeparable, ValidateNamesTheFieldAndValue) {
  const auto with = [](auto change) {
    NonconvexSeparableOptions options;
    change(options);
    return constructor_error(options);
  };
  EXPECT_EQ(with([](auto& o) { o.cosine_weight = 0.05; }),
            "nonconvex_separable.cosine_weight (0.05) must exceed "
            "nonconvex_separable.curvature_min (0.1) so the objective is "
            "non-convex");
  EXPECT_EQ(with([](auto& o) {
              o.instance.curvature_min = 0.5;
              o.cosine_weight = 0.5;
            }),
            "nonconvex_separable.cosine_weight (0.5) must exceed nonconvex_separable.curvature_min "
            "(0.5) so the objective is non-convex");
  EXPECT_EQ(with([](auto& o) {
              o.instance.curvature_min = 0.5;
              o.cosine_weight = 5001.0;
            }),
            "nonconvex_separable.cosine_weight (5001) must be at most 10000 times "
            "nonconvex_separable.curvature_min (0.5) so that the exact minimisation stays cheap");
  const NonconvexSeparableOptions largest_allowed{.instance = {.curvature_min = 0.5},
                                                  .cosine_weight = 5000.0};
  EXPECT_NO_THROW(largest_allowed.validate());
  EXPECT_EQ(with([](auto& o) { o.cosine_weight = std::numeric_limits<double>::infinity(); }),
            "nonconvex_separable.cosine_weight (inf) must be finite");
  EXPECT_EQ(with([](auto& o) { o.cosine_weight = std::numeric_limits<double>::quiet_NaN(); }),
            "nonconvex_separable.cosine_weight (nan) must be finite");
  // The shared fields carry this problem's prefix.
  EXPECT_EQ(with([](auto& o) { o.instance.dim = 0; }),
            "nonconvex_separable.dim (0) must be at least 1");
  EXPECT_EQ(with([](auto& o) { o.instance.noise_variance = -2.0; }),
            "nonconvex_separable.noise_variance (-2) must be non-negative and finite");
  EXPECT_NO_THROW(NonconvexSeparableOptions{}.validate());
}

}  // namespace
}  // namespace dsgdlab
