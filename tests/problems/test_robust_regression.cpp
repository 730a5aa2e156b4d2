#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/random.hpp"
#include "dsgdlab/problems/gradient_check.hpp"
#include "dsgdlab/problems/robust_regression.hpp"

namespace dsgdlab {
namespace {

constexpr Index kFeatures = 5;
const std::vector<Index> kWorkerSizes{40, 60, 50};

/// Gaussian features (worker i scaled by 1 + i/2), two classes, no targets.
Dataset make_features(std::uint64_t seed) {
  RandomStream rng(seed);
  Index total = 0;
  for (Index n : kWorkerSizes) total += n;
  Dataset data;
  data.num_classes = 2;
  data.features.resize(kFeatures, total);
  Index s = 0;
  for (std::size_t i = 0; i < kWorkerSizes.size(); ++i) {
    for (Index k = 0; k < kWorkerSizes[i]; ++k, ++s) {
      rng.fill_normal(data.features.col(s));
      data.features.col(s) *= 1.0 + 0.5 * static_cast<double>(i);
      data.labels.push_back(static_cast<int>(s % 2));
    }
  }
  return data;
}

Partition contiguous_partition(const std::vector<Index>& sizes) {
  Partition partition;
  Index next = 0;
  for (Index n : sizes) {
    std::vector<Index> samples;
    for (Index k = 0; k < n; ++k) samples.push_back(next++);
    partition.worker_samples.push_back(samples);
  }
  return partition;
}

std::shared_ptr<const Dataset> make_dataset(std::uint64_t seed,
                                            const RegressionTargetOptions& options = {}) {
  RandomStream rng(StreamKey{.seed = seed, .purpose = StreamPurpose::kProblemInstance});
  return std::make_shared<const Dataset>(with_regression_targets(
      make_features(seed), contiguous_partition(kWorkerSizes), options, rng));
}

Vector gradient(const Problem& problem, int worker, const Vector& x) {
  Vector g(problem.dim());
  problem.local_gradient(worker, x, g);
  return g;
}

/// Least-squares fit of worker i's targets: its exact optimum when the targets are noise-free.
Vector worker_least_squares(const Dataset& data, const Partition& partition, int worker) {
  const auto& samples = partition.worker_samples[static_cast<std::size_t>(worker)];
  Matrix a(static_cast<Index>(samples.size()), data.num_features());
  Vector t(a.rows());
  for (Index k = 0; k < a.rows(); ++k) {
    a.row(k) = data.features.col(samples[static_cast<std::size_t>(k)]).transpose();
    t[k] = data.targets[samples[static_cast<std::size_t>(k)]];
  }
  return a.colPivHouseholderQr().solve(t);
}

TEST(RobustRegression, PassesGradientCheckForEveryWorker) {
  // Outliers make some residuals large (the loss is far from quadratic there).
  RobustRegressionProblem problem(make_dataset(1, {.outlier_fraction = 0.2}),
                                  contiguous_partition(kWorkerSizes), {.scale = 0.5});
  RandomStream rng(2);
  for (double scale : {0.1, 1.0, 5.0}) {
    for (int repeat = 0; repeat < 2; ++repeat) {
      Vector x(kFeatures);
      rng.fill_normal(x);
      x *= scale;
      for (int i = 0; i < problem.num_workers(); ++i) {
        const auto result = check_local_gradient(problem, i, x);
        EXPECT_TRUE(result.passed)
            << "worker " << i << ", scale " << scale << ": " << result.brief_report();
      }
    }
  }
}

TEST(RobustRegression, LossIsTheCauchyLoss) {
  auto data = std::make_shared<Dataset>();
  data->num_classes = 1;
  data->features = Matrix::Identity(kFeatures, 2);
  data->labels = {0, 0};
  data->targets = Vector::Zero(2);
  data->targets << 1.0, -3.0;
  RobustRegressionProblem problem(data, Partition{.worker_samples = {{0, 1}}}, {.scale = 2.0});
  Vector x = Vector::Zero(kFeatures);
  x[0] = 4.0;  // residuals 3 and 3
  x[1] = 0.0;
  const double expected = 0.5 * (std::log(1.0 + 9.0 / 4.0) + std::log(1.0 + 9.0 / 4.0));
  EXPECT_NEAR(problem.local_loss(0, x), expected, 1e-15);  // two log1p calls, a few ulp
}

TEST(RobustRegression, SmoothnessBoundHoldsOnRandomPairs) {
  RobustRegressionProblem problem(make_dataset(3, {.noise_stddev = 0.5, .outlier_fraction = 0.1}),
                                  contiguous_partition(kWorkerSizes), {.scale = 0.8});
  const auto smoothness = problem.smoothness();
  ASSERT_TRUE(smoothness.has_value());
  EXPECT_EQ(smoothness->origin, ConstantOrigin::kUpperBound);
  const double bound = smoothness->value;
  EXPECT_DOUBLE_EQ(bound, 2.0 / (0.8 * 0.8) * problem.gram_bound().value);
  // Gradient differences over steps ≥ 1e-3 carry rounding ≲ 1e-16·‖g‖/1e-3 relative.
  constexpr double kRoundoff = 1e-9;
  RandomStream rng(4);
  for (int pair = 0; pair < 300; ++pair) {
    Vector x(kFeatures);
    Vector step(kFeatures);
    rng.fill_normal(x);
    rng.fill_normal(step);
    x *= std::pow(10.0, rng.uniform(-2.0, 1.0));
    step *= std::pow(10.0, rng.uniform(-3.0, 0.0));
    for (int i = 0; i < problem.num_workers(); ++i) {
      const double ratio =
          (gradient(problem, i, x + step) - gradient(problem, i, x)).norm() / step.norm();
      EXPECT_LE(ratio, bound * (1.0 + kRoundoff)) << "pair " << pair << ", worker " << i;
    }
  }
}

TEST(RobustRegression, SmoothnessBoundIsAttainedAtAnExactFit) {
  // Noise-free targets with no worker shift: every residual vanishes at w*, where
  // ∇²f_i(w*) = (2/c²)G_i. Along the top eigenvector of the worst worker's G_i the ratio
  // between w* ± εv tends to the bound; ε = 1e-4 changes the curvature by O(ε²‖a‖²/c²)
  // ≈ 1e-6 relative.
  constexpr double kEpsilon = 1e-4;
  constexpr double kTightness = 0.999;
  const Partition partition = contiguous_partition(kWorkerSizes);
  const auto data = make_dataset(5, {.worker_shift = 0.0, .noise_stddev = 0.0});
  RobustRegressionProblem problem(data, partition, {.scale = 1.0});
  const int worst = problem.gram_bound().worst_worker;
  const Vector truth = worker_least_squares(*data, partition, worst);
  Matrix gram = Matrix::Zero(kFeatures, kFeatures);
  for (Index s : partition.worker_samples[static_cast<std::size_t>(worst)])
    gram += data->features.col(s) * data->features.col(s).transpose();
  gram /= static_cast<double>(partition.worker_samples[static_cast<std::size_t>(worst)].size());
  Eigen::SelfAdjointEigenSolver<Matrix> eigen(gram);
  const Vector top = eigen.eigenvectors().col(kFeatures - 1);
  const double ratio = (gradient(problem, worst, truth + kEpsilon * top) -
                        gradient(problem, worst, truth - kEpsilon * top))
                           .norm() /
                       (2.0 * kEpsilon);
  EXPECT_GE(ratio, kTightness * problem.smoothness()->value);
  EXPECT_LE(ratio, problem.smoothness()->value);
}

TEST(RobustRegression, TargetsAreReproducibleAndFollowTheDocumentedDrawOrder) {
  const Dataset features = make_features(6);
  const Partition partition = contiguous_partition(kWorkerSizes);
  const RegressionTargetOptions options{.truth_scale = 2.0,
                                        .worker_shift = 0.7,
                                        .noise_stddev = 0.3,
                                        .outlier_fraction = 0.25,
                                        .outlier_scale = 5.0};
  RandomStream a(42);
  RandomStream b(42);
  RandomStream c(43);
  const Dataset first = with_regression_targets(features, partition, options, a);
  const Dataset second = with_regression_targets(features, partition, options, b);
  const Dataset third = with_regression_targets(features, partition, options, c);
  EXPECT_EQ(first.targets, second.targets);
  EXPECT_NE(first.targets, third.targets);
  EXPECT_EQ(first.features, features.features);
  EXPECT_EQ(first.labels, features.labels);

  // Replay the documented order: z (w*), z_0..z_{n−1} (δ_i), then per sample ε, u, [ε'].
  RandomStream replay(42);
  const double per_coordinate = 1.0 / std::sqrt(static_cast<double>(kFeatures));
  Vector truth(kFeatures);
  replay.fill_normal(truth);
  truth *= 2.0 * per_coordinate;
  std::vector<Vector> worker_truth;
  for (std::size_t i = 0; i < kWorkerSizes.size(); ++i) {
    Vector z(kFeatures);
    replay.fill_normal(z);
    worker_truth.push_back(truth + 0.7 * per_coordinate * z);
  }
  int outliers = 0;
  Index s = 0;
  for (std::size_t i = 0; i < kWorkerSizes.size(); ++i) {
    for (Index k = 0; k < kWorkerSizes[i]; ++k, ++s) {
      double t = features.features.col(s).dot(worker_truth[i]) + 0.3 * replay.normal();
      if (replay.uniform() < 0.25) {
        t += 5.0 * replay.normal();
        ++outliers;
      }
      // Same operations in the same order: identical up to the association of w* + δ_i.
      EXPECT_NEAR(first.targets[s], t, 1e-12) << "sample " << s;
    }
  }
  EXPECT_GT(outliers, 0);
  EXPECT_EQ(replay.next_u64(), a.next_u64());  // both consumed the same number of draws
}

TEST(RobustRegression, WorkerShiftChangesTheWorkerOptima) {
  // Noise-free targets: worker i's optimum (zero loss) is w* + δ_i, recovered exactly by
  // least squares. Without shift all workers share w*; with worker_shift = 0.5,
  // ‖δ_i − δ_j‖² = 0.1·χ²_5, below 0.05² with probability < 1e-5 for a given pair.
  const Partition partition = contiguous_partition(kWorkerSizes);
  constexpr double kExactFit = 1e-10;  // least squares on well-conditioned 5-column blocks
  for (double shift : {0.0, 0.5}) {
    const auto data = make_dataset(7, {.worker_shift = shift, .noise_stddev = 0.0});
    RobustRegressionProblem problem(data, partition);
    std::vector<Vector> optima;
    for (int i = 0; i < problem.num_workers(); ++i) {
      optima.push_back(worker_least_squares(*data, partition, i));
      EXPECT_LE(problem.local_loss(i, optima.back()), kExactFit) << "worker " << i;
      EXPECT_LE(gradient(problem, i, optima.back()).norm(), kExactFit) << "worker " << i;
    }
    for (int i = 1; i < problem.num_workers(); ++i) {
      const double gap = (optima[static_cast<std::size_t>(i)] - optima[0]).norm();
      if (shift == 0.0) {
        EXPECT_LE(gap, kExactFit) << "worker " << i;
      } else {
        EXPECT_GE(gap, 0.05) << "worker " << i;
        // Worker 0's optimum is not optimal for worker i.
        EXPECT_GT(problem.local_loss(i, optima[0]), 1e-4) << "worker " << i;
      }
    }
  }
}

TEST(RobustRegression, NoiseAndOutliersHaveTheStatedSizes) {
  // truth_scale = worker_shift = 0: targets are pure noise 0.4·ε plus outliers.
  // Noise only: N = 150 normals, sample variance within 6·√(2/N) = 0.69 relative
  // (normal approximation, failure ~2e-9).
  const Partition partition = contiguous_partition(kWorkerSizes);
  {
    const auto data =
        make_dataset(8, {.truth_scale = 0.0, .worker_shift = 0.0, .noise_stddev = 0.4});
    EXPECT_NEAR(data->targets.squaredNorm() / 150.0 / 0.16, 1.0, 0.69);
  }
  // Outliers only: each sample is an outlier with probability 0.3 (then t ≠ 0 almost
  // surely). Hoeffding: P(|fraction − 0.3| ≥ 0.2) ≤ 2·exp(−2·150·0.04) = 1.2e-5.
  {
    const auto data = make_dataset(
        9, {.truth_scale = 0.0, .worker_shift = 0.0, .noise_stddev = 0.0, .outlier_fraction = 0.3});
    const double fraction = static_cast<double>((data->targets.array() != 0.0).count()) / 150.0;
    EXPECT_NEAR(fraction, 0.3, 0.2);
    EXPECT_GT((data->targets.array().abs() > 1.0).count(), 0);  // outlier_scale = 10
  }
}

TEST(RobustRegression, RejectsMissingTargets) {
  const auto data = std::make_shared<const Dataset>(make_features(10));
  try {
    RobustRegressionProblem problem(data, contiguous_partition(kWorkerSizes));
    ADD_FAILURE() << "data without targets accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("dataset.targets is empty"), std::string::npos)
        << e.what();
  }
}

TEST(RobustRegression, DescribesItself) {
  RobustRegressionProblem problem(make_dataset(11), contiguous_partition(kWorkerSizes));
  EXPECT_EQ(problem.name(), "robust_regression");
  EXPECT_EQ(problem.dim(), kFeatures);
  EXPECT_FALSE(problem.optimum_value().has_value());
  EXPECT_EQ(problem.options().scale, 1.0);  // documented default
  EXPECT_EQ(problem.describe(), "robust_regression: 3 workers, 150 samples, p = 5, scale = 1");
  const RegressionTargetOptions defaults;
  EXPECT_EQ(defaults.truth_scale, 1.0);
  EXPECT_EQ(defaults.worker_shift, 0.5);
  EXPECT_EQ(defaults.noise_stddev, 0.1);
  EXPECT_EQ(defaults.outlier_fraction, 0.0);
  EXPECT_EQ(defaults.outlier_scale, 10.0);
}

void expect_input_error(const std::function<void()>& action, const std::string& fragment) {
  try {
    action();
    ADD_FAILURE() << "accepted; expected an error mentioning \"" << fragment << "\"";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(RobustRegression, RejectsInvalidOptions) {
  const double inf = std::numeric_limits<double>::infinity();
  auto scale = [](double c) { return [c] { RobustRegressionOptions{.scale = c}.validate(); }; };
  expect_input_error(scale(0.0), "robust_regression.scale (0) must be finite and positive");
  expect_input_error(scale(-2.0), "robust_regression.scale (-2)");
  expect_input_error(scale(inf), "robust_regression.scale (inf)");
  expect_input_error(
      [] {
        RobustRegressionProblem problem(make_dataset(12), contiguous_partition(kWorkerSizes),
                                        {.scale = std::nan("")});
      },
      "robust_regression.scale (nan)");

  auto targets = [](RegressionTargetOptions options) { return [options] { options.validate(); }; };
  expect_input_error(targets({.truth_scale = -1.0}),
                     "regression_targets.truth_scale (-1) must be finite and non-negative");
  expect_input_error(targets({.worker_shift = -0.5}), "regression_targets.worker_shift (-0.5)");
  expect_input_error(targets({.noise_stddev = inf}), "regression_targets.noise_stddev (inf)");
  expect_input_error(targets({.outlier_fraction = 1.0}),
                     "regression_targets.outlier_fraction (1) must lie in [0, 1)");
  expect_input_error(targets({.outlier_fraction = -0.1}),
                     "regression_targets.outlier_fraction (-0.1)");
  expect_input_error(targets({.outlier_scale = -3.0}), "regression_targets.outlier_scale (-3)");

  // The generator validates its options, the data and the partition.
  RandomStream rng(1);
  const Dataset features = make_features(13);
  expect_input_error(
      [&] {
        with_regression_targets(features, contiguous_partition(kWorkerSizes),
                                {.outlier_fraction = 2.0}, rng);
      },
      "regression_targets.outlier_fraction (2)");
  expect_input_error(
      [&] {
        with_regression_targets(features, contiguous_partition({40, 60}), {}, rng);
      },
      "is held by no worker");
}

}  // namespace
}  // namespace dsgdlab
