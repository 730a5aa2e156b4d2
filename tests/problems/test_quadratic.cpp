// Tests of `quadratic` and of the shared diagonal-quadratic machinery (instance generation,
// groups, streams, options). Thread safety is by construction and not tested here: every method
// is const and the problem holds no mutable state (the noise comes from the caller's stream).

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/problems/gradient_check.hpp"
#include "dsgdlab/problems/quadratic.hpp"

namespace dsgdlab {
namespace {

constexpr CurvatureSharing kAllSharings[] = {CurvatureSharing::kShared, CurvatureSharing::kPerGroup,
                                             CurvatureSharing::kPerWorker};

/// Machine-precision comparisons of quantities computed two ways (sums of O(10) terms of
/// magnitude O(10)): a few hundred ulps of relative error.
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

QuadraticOptions heterogeneous_options(CurvatureSharing sharing) {
  return {.dim = 8,
          .num_workers = 5,
          .curvature_min = 0.2,
          .curvature_max = 3.0,
          .curvature_sharing = sharing,
          .num_groups = 2,
          .group_center_spread = 2.0,
          .worker_center_spread = 0.5,
          .noise_variance = 2.5,
          .seed = 12345};
}

Vector random_point(RandomStream& rng, Index dim, double scale) {
  Vector x(dim);
  for (Index j = 0; j < dim; ++j) x[j] = rng.uniform(-scale, scale);
  return x;
}

std::string constructor_error(const QuadraticOptions& options) {
  try {
    QuadraticProblem problem(options);
  } catch (const InputError& error) {
    return error.what();
  }
  return "(no InputError thrown)";
}

TEST(CurvatureSharing, NamesRoundTripAndUnknownNamesAreListed) {
  for (CurvatureSharing sharing : kAllSharings)
    EXPECT_EQ(parse_curvature_sharing(to_string(sharing)), sharing);
  EXPECT_EQ(to_string(CurvatureSharing::kPerGroup), "per_group");
  try {
    parse_curvature_sharing("per_node", "quadratic.curvature_sharing");
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_STREQ(error.what(),
                 "quadratic.curvature_sharing (\"per_node\") must be one of shared, per_group, "
                 "per_worker");
  }
}

TEST(DiagonalQuadratic, SpectrumIsGeometricWithExactEnds) {
  const Vector s = geometric_curvature_spectrum(5, 0.1, 1.6);
  ASSERT_EQ(s.size(), 5);
  EXPECT_EQ(s[0], 0.1);
  EXPECT_EQ(s[4], 1.6);
  for (Index j = 1; j < 5; ++j) EXPECT_NEAR(s[j] / s[j - 1], 2.0, kRoundoff);
  const Vector single = geometric_curvature_spectrum(1, 0.1, 1.6);
  ASSERT_EQ(single.size(), 1);
  EXPECT_EQ(single[0], 1.6);
}

TEST(DiagonalQuadratic, GroupsAreContiguousAndBalanced) {
  EXPECT_EQ(contiguous_groups(7, 3), (std::vector<int>{0, 0, 0, 1, 1, 2, 2}));
  EXPECT_EQ(contiguous_groups(6, 3), (std::vector<int>{0, 0, 1, 1, 2, 2}));
  EXPECT_EQ(contiguous_groups(4, 1), (std::vector<int>{0, 0, 0, 0}));
  EXPECT_EQ(contiguous_groups(3, 3), (std::vector<int>{0, 1, 2}));
}

TEST(Quadratic, GradientMatchesFiniteDifferences) {
  // The loss is quadratic, so central differences are exact up to round-off; the checker's
  // default tolerance (1e-6 relative) is ample.
  RandomStream rng(1);
  for (CurvatureSharing sharing : kAllSharings) {
    const QuadraticProblem problem(heterogeneous_options(sharing));
    for (int i = 0; i < problem.num_workers(); ++i) {
      for (int trial = 0; trial < 5; ++trial) {
        const Vector x = random_point(rng, problem.dim(), 3.0);
        const auto result = check_local_gradient(problem, i, x);
        EXPECT_TRUE(result.passed)
            << to_string(sharing) << " worker " << i << ": " << result.brief_report();
      }
    }
  }
}

TEST(Quadratic, SmoothnessIsTheLargestCurvatureAndIsAttained) {
  RandomStream rng(2);
  for (CurvatureSharing sharing : kAllSharings) {
    const QuadraticProblem problem(heterogeneous_options(sharing));
    const auto smoothness = problem.smoothness();
    ASSERT_TRUE(smoothness.has_value());
    EXPECT_EQ(smoothness->origin, ConstantOrigin::kExact);
    EXPECT_EQ(smoothness->value, 3.0);
    EXPECT_EQ(smoothness->value, problem.curvatures().maxCoeff());
    const double lipschitz = smoothness->value;

    Vector gx(problem.dim()), gy(problem.dim());
    for (int i = 0; i < problem.num_workers(); ++i) {
      for (int trial = 0; trial < 20; ++trial) {
        const Vector x = random_point(rng, problem.dim(), 3.0);
        const Vector y = random_point(rng, problem.dim(), 3.0);
        problem.local_gradient(i, x, gx);
        problem.local_gradient(i, y, gy);
        EXPECT_LE((gx - gy).norm() / (x - y).norm(), lipschitz * (1.0 + kRoundoff));
      }
      // Attained: a step along the coordinate with curvature L.
      Index j_max = 0;
      if (problem.curvatures().col(i).maxCoeff(&j_max) != lipschitz) continue;
      const Vector x = random_point(rng, problem.dim(), 3.0);
      Vector y = x;
      y[j_max] += 0.5;
      problem.local_gradient(i, x, gx);
      problem.local_gradient(i, y, gy);
      EXPECT_NEAR((gx - gy).norm() / (x - y).norm(), lipschitz, lipschitz * kRoundoff);
    }
  }
}

TEST(Quadratic, MinimizerAttainsTheExactOptimum) {
  RandomStream rng(3);
  for (CurvatureSharing sharing : kAllSharings) {
    const QuadraticProblem problem(heterogeneous_options(sharing));
    const auto optimum = problem.optimum_value();
    const auto minimizer = problem.minimizer();
    ASSERT_TRUE(optimum.has_value());
    ASSERT_TRUE(minimizer.has_value());
    EXPECT_EQ(optimum->origin, ConstantOrigin::kExact);
    EXPECT_EQ(problem.loss(*minimizer), optimum->value);

    Vector gradient(problem.dim());
    problem.full_gradient(*minimizer, gradient);
    EXPECT_LE(gradient.norm(), kRoundoff);

    // f(x) − f* = ½ Σ_j ā_j (x_j − x*_j)² exactly, hence f(x) ≥ f*.
    const Vector& mean_curvature = problem.instance().mean_curvature();
    for (int trial = 0; trial < 200; ++trial) {
      const Vector x = *minimizer + random_point(rng, problem.dim(), trial < 100 ? 4.0 : 1e-3);
      const double gap = problem.loss(x) - optimum->value;
      const double expected =
          0.5 * (mean_curvature.array() * (x - *minimizer).array().square()).sum();
      EXPECT_GE(problem.loss(x), optimum->value);
      EXPECT_NEAR(gap, expected, kRoundoff * (1.0 + std::abs(optimum->value)));
    }
  }
}

/// Checks that `draw` produces ∇f_i(x) + noise with E‖noise‖² = σ²/M and mean zero (see
/// chi_square_upper / chi_square_lower for the failure probability).
template <typename Draw>
void expect_noise_matches(const QuadraticProblem& problem, int worker, int batch_size, Draw draw) {
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

TEST(Quadratic, StochasticGradientIsUnbiasedWithVarianceSigmaSquaredOverM) {
  const QuadraticProblem problem(heterogeneous_options(CurvatureSharing::kPerWorker));
  ASSERT_TRUE(problem.noise_variance().has_value());
  EXPECT_EQ(problem.noise_variance()->value, 2.5);
  EXPECT_EQ(problem.noise_variance()->origin, ConstantOrigin::kExact);
  for (int batch_size : {1, 8}) {
    RandomStream rng(StreamKey{.seed = 5, .worker = 1, .purpose = StreamPurpose::kGradientNoise});
    expect_noise_matches(problem, 1, batch_size, [&](const Vector& x, Vector& out) {
      problem.stochastic_gradient(1, x, batch_size, rng, out);
    });
  }
}

TEST(Quadratic, SampleGradientHasVarianceSigmaSquared) {
  const QuadraticProblem problem(heterogeneous_options(CurvatureSharing::kPerGroup));
  RandomStream rng(6);
  expect_noise_matches(problem, 3, 1, [&](const Vector& x, Vector& out) {
    problem.sample_gradient(3, x, rng, out);
  });
  // A per-sample gradient is a minibatch of one: same draws from the same stream state.
  RandomStream a(7), b(7);
  const Vector x = Vector::Constant(problem.dim(), 0.3);
  Vector ga(problem.dim()), gb(problem.dim());
  problem.sample_gradient(2, x, a, ga);
  problem.stochastic_gradient(2, x, 1, b, gb);
  EXPECT_EQ(ga, gb);
}

TEST(Quadratic, ZeroNoiseGivesExactGradientsAndBatchSizeIsChecked) {
  auto options = heterogeneous_options(CurvatureSharing::kShared);
  options.noise_variance = 0.0;
  const QuadraticProblem problem(options);
  RandomStream rng(8);
  const Vector x = random_point(rng, problem.dim(), 1.0);
  Vector exact(problem.dim()), noisy(problem.dim());
  problem.local_gradient(0, x, exact);
  problem.stochastic_gradient(0, x, 4, rng, noisy);
  EXPECT_EQ(noisy, exact);
  try {
    problem.stochastic_gradient(0, x, 0, rng, noisy);
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_STREQ(error.what(), "batch_size (0) must be at least 1");
  }
}

TEST(Quadratic, HeterogeneityIsExactForSharedCurvature) {
  RandomStream rng(9);
  const QuadraticProblem problem(heterogeneous_options(CurvatureSharing::kShared));
  const auto zeta2 = problem.heterogeneity();
  ASSERT_TRUE(zeta2.has_value());
  EXPECT_EQ(zeta2->origin, ConstantOrigin::kExact);
  EXPECT_GT(zeta2->value, 0.0);
  const int n = problem.num_workers();
  Vector full(problem.dim()), local(problem.dim());
  for (int trial = 0; trial < 20; ++trial) {
    const Vector x = random_point(rng, problem.dim(), trial < 10 ? 3.0 : 100.0);
    problem.full_gradient(x, full);
    double measured = 0.0;
    for (int i = 0; i < n; ++i) {
      problem.local_gradient(i, x, local);
      measured += (local - full).squaredNorm();
    }
    measured /= n;
    // Large x costs relative precision in the gradient differences (|x| = 100 ⇒ ×100).
    const double tolerance = (trial < 10 ? kRoundoff : 100.0 * kRoundoff) * zeta2->value;
    EXPECT_NEAR(measured, zeta2->value, tolerance);
  }
}

TEST(Quadratic, HeterogeneityIsUnboundedForUnequalCurvature) {
  for (CurvatureSharing sharing : {CurvatureSharing::kPerGroup, CurvatureSharing::kPerWorker}) {
    const QuadraticProblem problem(heterogeneous_options(sharing));
    EXPECT_FALSE(problem.heterogeneity().has_value()) << to_string(sharing);
    // Illustration: the divergence grows without bound along x = t·1.
    const auto divergence = [&](double t) {
      const Vector x = Vector::Constant(problem.dim(), t);
      Vector full(problem.dim()), local(problem.dim());
      problem.full_gradient(x, full);
      double total = 0.0;
      for (int i = 0; i < problem.num_workers(); ++i) {
        problem.local_gradient(i, x, local);
        total += (local - full).squaredNorm();
      }
      return total / problem.num_workers();
    };
    EXPECT_GT(divergence(1e3), 1e4 * divergence(1.0));
  }
  // Per-group curvature with a single group is shared curvature: ζ² is finite again.
  auto options = heterogeneous_options(CurvatureSharing::kPerGroup);
  options.num_groups = 1;
  EXPECT_TRUE(QuadraticProblem(options).heterogeneity().has_value());
}

TEST(Quadratic, PerGroupCurvatureIsEqualWithinGroupsAndDiffersAcrossGroups) {
  auto options = heterogeneous_options(CurvatureSharing::kPerGroup);
  options.num_workers = 7;
  options.num_groups = 3;
  options.dim = 10;
  const QuadraticProblem problem(options);
  const Matrix& a = problem.curvatures();
  const auto& groups = problem.instance().groups();
  const Vector spectrum = geometric_curvature_spectrum(10, 0.2, 3.0);
  EXPECT_EQ(a.col(0), spectrum);  // group 0 is unpermuted
  for (int i = 0; i < 7; ++i) {
    // Every column is a permutation of the spectrum.
    std::multiset<double> column(a.col(i).begin(), a.col(i).end());
    EXPECT_EQ(column, std::multiset<double>(spectrum.begin(), spectrum.end()));
    for (int k = 0; k < 7; ++k) {
      const bool same_group =
          groups[static_cast<std::size_t>(i)] == groups[static_cast<std::size_t>(k)];
      if (same_group) {
        EXPECT_EQ(a.col(i), a.col(k)) << "workers " << i << ", " << k;
      } else {
        EXPECT_NE(a.col(i), a.col(k)) << "workers " << i << ", " << k;
      }
    }
  }
}

TEST(Quadratic, PerWorkerCurvatureDiffersBetweenWorkers) {
  const QuadraticProblem problem(heterogeneous_options(CurvatureSharing::kPerWorker));
  const Matrix& a = problem.curvatures();
  for (int i = 0; i < problem.num_workers(); ++i)
    for (int k = i + 1; k < problem.num_workers(); ++k) {
      EXPECT_NE(a.col(i), a.col(k)) << "workers " << i << ", " << k;
    }
}

TEST(Quadratic, InstanceIsReproducibleAndSeedDependent) {
  for (CurvatureSharing sharing : kAllSharings) {
    auto options = heterogeneous_options(sharing);
    const QuadraticProblem first(options);
    const QuadraticProblem again(options);
    EXPECT_EQ(first.curvatures(), again.curvatures());
    EXPECT_EQ(first.centers(), again.centers());
    options.seed += 1;
    const QuadraticProblem other(options);
    EXPECT_NE(first.centers(), other.centers());
    if (sharing != CurvatureSharing::kShared) {
      EXPECT_NE(first.curvatures(), other.curvatures());
    }
  }
}

TEST(Quadratic, CentersFollowTheDocumentedStreams) {
  // b_i = c_{g(i)} + worker_center_spread·u_i, c_g = group_center_spread·w_g, with w_0..w_{N−1}
  // the first normals of the run-level stream and u_i the first normals of worker i's stream,
  // each divided by √d. Centres do not depend on the curvature sharing.
  for (CurvatureSharing sharing : kAllSharings) {
    const auto options = heterogeneous_options(sharing);
    const QuadraticProblem problem(options);
    const Index d = options.dim;
    const double inv_sqrt_d = 1.0 / std::sqrt(static_cast<double>(d));
    RandomStream run_stream(StreamKey{.seed = options.seed,
                                      .run = 0,
                                      .worker = StreamKey::kNoWorker,
                                      .purpose = StreamPurpose::kProblemInstance});
    Matrix group_centers(d, options.num_groups);
    for (int g = 0; g < options.num_groups; ++g)
      for (Index j = 0; j < d; ++j)
        group_centers(j, g) = options.group_center_spread * (run_stream.normal() * inv_sqrt_d);
    const auto& groups = problem.instance().groups();
    for (int i = 0; i < options.num_workers; ++i) {
      RandomStream worker_stream(StreamKey{.seed = options.seed,
                                           .run = 0,
                                           .worker = static_cast<std::uint64_t>(i),
                                           .purpose = StreamPurpose::kProblemInstance});
      for (Index j = 0; j < d; ++j) {
        const double expected =
            group_centers(j, groups[static_cast<std::size_t>(i)]) +
            options.worker_center_spread * (worker_stream.normal() * inv_sqrt_d);
        EXPECT_EQ(problem.centers()(j, i), expected) << to_string(sharing);
      }
    }
  }
  // u_i does not depend on n: with no group spread, worker 1's centre is the same for n = 2, 6.
  auto small = heterogeneous_options(CurvatureSharing::kShared);
  small.group_center_spread = 0.0;
  small.num_workers = 2;
  auto large = small;
  large.num_workers = 6;
  EXPECT_EQ(QuadraticProblem(small).centers().col(1), QuadraticProblem(large).centers().col(1));
}

TEST(Quadratic, CenterSpreadsHaveTheStatedScale) {
  // With one group per worker (n = N = 1000, d = 10) and no worker spread, the centres are the
  // group centres: Σ_g ‖c_g‖²·d/s² ~ χ²(N·d). Symmetrically for the worker offsets.
  constexpr int kWorkers = 1000;
  constexpr double kSpread = 2.0;
  const double dof = kWorkers * 10.0;
  QuadraticOptions groups_only{.dim = 10,
                               .num_workers = kWorkers,
                               .num_groups = kWorkers,
                               .group_center_spread = kSpread,
                               .worker_center_spread = 0.0,
                               .seed = 3};
  QuadraticOptions workers_only = groups_only;
  workers_only.num_groups = 1;
  workers_only.group_center_spread = 0.0;
  workers_only.worker_center_spread = kSpread;
  for (const auto& options : {groups_only, workers_only}) {
    const QuadraticProblem problem(options);
    const double scaled = problem.centers().squaredNorm() * 10.0 / (kSpread * kSpread);
    EXPECT_LE(scaled, chi_square_upper(dof));
    EXPECT_GE(scaled, chi_square_lower(dof));
  }
  // Without worker spread, workers of one group share its centre.
  auto clustered = heterogeneous_options(CurvatureSharing::kShared);
  clustered.worker_center_spread = 0.0;
  const QuadraticProblem problem(clustered);
  const auto& groups = problem.instance().groups();
  for (int i = 1; i < problem.num_workers(); ++i) {
    if (groups[static_cast<std::size_t>(i)] == groups[static_cast<std::size_t>(i - 1)]) {
      EXPECT_EQ(problem.centers().col(i), problem.centers().col(i - 1));
    } else {
      EXPECT_NE(problem.centers().col(i), problem.centers().col(i - 1));
    }
  }
}

TEST(Quadratic, DescribeNamesTheInstance) {
  const QuadraticProblem problem(
      QuadraticOptions{.curvature_sharing = CurvatureSharing::kPerGroup, .num_groups = 2});
  EXPECT_EQ(problem.name(), "quadratic");
  EXPECT_EQ(problem.describe(),
            "quadratic: d=10, n=4, 2 groups, curvature [0.1, 1] per_group, center spread 1 "
            "(group) / 1 (worker), sigma^2=1, seed 0");
  EXPECT_EQ(problem.dim(), 10);
  EXPECT_EQ(problem.num_workers(), 4);
}

TEST(Quadratic, ValidateNamesTheFieldAndValue) {
  const auto with = [](auto change) {
    QuadraticOptions options;
    change(options);
    return constructor_error(options);
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(with([](auto& o) { o.dim = 0; }), "quadratic.dim (0) must be at least 1");
  EXPECT_EQ(with([](auto& o) { o.num_workers = 0; }),
            "quadratic.num_workers (0) must be at least 1");
  EXPECT_EQ(with([](auto& o) { o.curvature_min = 0.0; }),
            "quadratic.curvature_min (0) must be positive and finite");
  EXPECT_EQ(with([&](auto& o) { o.curvature_min = nan; }),
            "quadratic.curvature_min (nan) must be positive and finite");
  EXPECT_EQ(with([&](auto& o) { o.curvature_max = inf; }),
            "quadratic.curvature_max (inf) must be finite");
  EXPECT_EQ(with([](auto& o) {
              o.curvature_min = 0.5;
              o.curvature_max = 0.25;
            }),
            "quadratic.curvature_max (0.25) must be at least quadratic.curvature_min (0.5)");
  const std::string overflow = with([](auto& o) {
    o.curvature_min = 1e-300;
    o.curvature_max = 1e+300;
  });
  EXPECT_EQ(overflow.rfind("quadratic.curvature_max (1", 0), 0u) << overflow;
  EXPECT_NE(overflow.find("e+300) divided by quadratic.curvature_min (1"), std::string::npos)
      << overflow;
  EXPECT_TRUE(overflow.ends_with("e-300) must be finite")) << overflow;
  EXPECT_EQ(with([](auto& o) { o.num_groups = 0; }), "quadratic.num_groups (0) must be at least 1");
  EXPECT_EQ(with([](auto& o) { o.num_groups = 5; }),
            "quadratic.num_groups (5) must not exceed quadratic.num_workers (4)");
  EXPECT_EQ(with([](auto& o) { o.group_center_spread = -1.0; }),
            "quadratic.group_center_spread (-1) must be non-negative and finite");
  EXPECT_EQ(with([&](auto& o) { o.worker_center_spread = inf; }),
            "quadratic.worker_center_spread (inf) must be non-negative and finite");
  EXPECT_EQ(with([](auto& o) { o.noise_variance = -0.5; }),
            "quadratic.noise_variance (-0.5) must be non-negative and finite");
  // The defaults are valid, and validate() itself uses the given prefix.
  EXPECT_NO_THROW(QuadraticOptions{}.validate("quadratic"));
  EXPECT_THROW(QuadraticOptions{.dim = 0}.validate("x"), InputError);
}

}  // namespace
}  // namespace dsgdlab
