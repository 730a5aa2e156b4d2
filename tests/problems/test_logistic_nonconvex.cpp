#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/random.hpp"
#include "dsgdlab/problems/gradient_check.hpp"
#include "dsgdlab/problems/logistic_nonconvex.hpp"

namespace dsgdlab {
namespace {

constexpr Index kFeatures = 5;
const std::vector<Index> kWorkerSizes{30, 50, 40};

/// Binary data built here: worker i's features are N(0, I)·(1 + i/2) + a worker-specific mean
/// (so the local Gram matrices differ), labels from a random linear rule (class 1 iff wᵀa > 0).
std::shared_ptr<const Dataset> make_dataset(std::uint64_t seed) {
  RandomStream rng(seed);
  Vector rule(kFeatures);
  rng.fill_normal(rule);
  auto data = std::make_shared<Dataset>();
  data->num_classes = 2;
  Index total = 0;
  for (Index n : kWorkerSizes) total += n;
  data->features.resize(kFeatures, total);
  Index s = 0;
  for (std::size_t i = 0; i < kWorkerSizes.size(); ++i) {
    Vector mean(kFeatures);
    rng.fill_normal(mean);
    for (Index k = 0; k < kWorkerSizes[i]; ++k, ++s) {
      rng.fill_normal(data->features.col(s));
      data->features.col(s) = data->features.col(s) * (1.0 + 0.5 * static_cast<double>(i)) + mean;
      data->labels.push_back(rule.dot(data->features.col(s)) > 0.0 ? 1 : 0);
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

Vector gradient(const Problem& problem, int worker, const Vector& x) {
  Vector g(problem.dim());
  problem.local_gradient(worker, x, g);
  return g;
}

Matrix local_gram(const FiniteSumProblem& problem, int worker) {
  const auto& samples = problem.partition().worker_samples[static_cast<std::size_t>(worker)];
  Matrix gram = Matrix::Zero(problem.dim(), problem.dim());
  for (Index s : samples)
    gram += problem.dataset().features.col(s) * problem.dataset().features.col(s).transpose();
  return gram / static_cast<double>(samples.size());
}

TEST(LogisticNonconvex, PassesGradientCheckForEveryWorker) {
  LogisticNonconvexProblem problem(make_dataset(1), contiguous_partition(kWorkerSizes),
                                   {.regularization = 0.3});
  RandomStream rng(2);
  for (double scale : {0.3, 1.0, 3.0}) {
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

TEST(LogisticNonconvex, MapsOddLabelsToPlusOne) {
  // Four classes: labels 0..3 map to −1, +1, −1, +1. One sample per worker, so each local
  // loss is a single term we can write down.
  auto data = std::make_shared<Dataset>();
  data->num_classes = 4;
  data->features = Matrix::Identity(kFeatures, 4);
  data->labels = {0, 1, 2, 3};
  Partition partition{.worker_samples = {{0}, {1}, {2}, {3}}};
  LogisticNonconvexProblem problem(data, partition, {.regularization = 0.0});
  const double expected_signs[] = {-1.0, 1.0, -1.0, 1.0};
  Vector x = Vector::Constant(kFeatures, 0.7);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(problem.sign(i), expected_signs[i]) << "label " << i;
    const double margin = expected_signs[i] * 0.7;
    // One log1p/exp evaluation each side: a few ulp.
    EXPECT_NEAR(problem.local_loss(i, x), std::log(1.0 + std::exp(-margin)), 1e-15);
  }
}

TEST(LogisticNonconvex, RegularizerIsTheStatedNonconvexPenalty) {
  const auto data = make_dataset(3);
  const Partition partition = contiguous_partition(kWorkerSizes);
  LogisticNonconvexProblem plain(data, partition, {.regularization = 0.0});
  LogisticNonconvexProblem penalised(data, partition, {.regularization = 0.25});
  Vector x(kFeatures);
  x << -2.0, -0.5, 0.0, 1.0, 30.0;
  double penalty = 0.0;
  for (Index j = 0; j < kFeatures; ++j) penalty += 0.25 * x[j] * x[j] / (1.0 + x[j] * x[j]);
  // Difference of two O(1) losses: rounding of a few ulp of each.
  constexpr double kTolerance = 1e-13;
  for (int i = 0; i < plain.num_workers(); ++i)
    EXPECT_NEAR(penalised.local_loss(i, x) - plain.local_loss(i, x), penalty, kTolerance);
}

TEST(LogisticNonconvex, SmoothnessBoundHoldsOnRandomPairs) {
  LogisticNonconvexProblem problem(make_dataset(4), contiguous_partition(kWorkerSizes),
                                   {.regularization = 0.5});
  const auto smoothness = problem.smoothness();
  ASSERT_TRUE(smoothness.has_value());
  EXPECT_EQ(smoothness->origin, ConstantOrigin::kUpperBound);
  const double bound = smoothness->value;
  EXPECT_DOUBLE_EQ(bound, 0.25 * problem.gram_bound().value + 2.0 * 0.5);
  // Gradient differences over steps ≥ 1e-3 carry rounding ≲ 1e-16·‖g‖/1e-3 relative.
  constexpr double kRoundoff = 1e-9;
  RandomStream rng(5);
  double largest_ratio = 0.0;
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
      largest_ratio = std::max(largest_ratio, ratio);
      EXPECT_LE(ratio, bound * (1.0 + kRoundoff)) << "pair " << pair << ", worker " << i;
    }
  }
  EXPECT_GT(largest_ratio, 0.0);
}

TEST(LogisticNonconvex, SmoothnessBoundIsAttainedAtTheOrigin) {
  // ∇²f_i(0) = ¼G_i + 2λI, so along the top eigenvector v of the worst worker's G_i the
  // gradient-difference ratio between ±εv tends to the bound as ε → 0; with ε = 1e-3 the
  // curvature changes by O(ε²‖a‖²) ≈ 1e-5 relative, far inside 1e-3.
  constexpr double kEpsilon = 1e-3;
  constexpr double kTightness = 0.999;
  constexpr double kLambda = 0.2;
  LogisticNonconvexProblem problem(make_dataset(6), contiguous_partition(kWorkerSizes),
                                   {.regularization = kLambda});
  const int worst = problem.gram_bound().worst_worker;
  Eigen::SelfAdjointEigenSolver<Matrix> eigen(local_gram(problem, worst));
  const Vector top = eigen.eigenvectors().col(kFeatures - 1);
  const double ratio =
      (gradient(problem, worst, kEpsilon * top) - gradient(problem, worst, -kEpsilon * top))
          .norm() /
      (2.0 * kEpsilon);
  const double bound = problem.smoothness()->value;
  EXPECT_GE(ratio, kTightness * bound);
  EXPECT_LE(ratio, bound);
  // The worst worker is the one with the largest λ_max(G_i), and the bound uses it.
  for (int i = 0; i < problem.num_workers(); ++i) {
    Eigen::SelfAdjointEigenSolver<Matrix> local(local_gram(problem, i));
    EXPECT_LE(0.25 * local.eigenvalues().maxCoeff() + 2.0 * kLambda, bound) << "worker " << i;
  }
  EXPECT_NEAR(0.25 * eigen.eigenvalues().maxCoeff() + 2.0 * kLambda, bound, 1e-7 * bound);
}

TEST(LogisticNonconvex, StableForHugeMargins) {
  LogisticNonconvexProblem problem(make_dataset(7), contiguous_partition(kWorkerSizes));
  RandomStream rng(8);
  for (double norm : {1e3, 1e200}) {
    Vector x(kFeatures);
    rng.fill_normal(x);
    x *= norm / x.norm();
    for (int i = 0; i < problem.num_workers(); ++i) {
      const double loss = problem.local_loss(i, x);
      const Vector g = gradient(problem, i, x);
      EXPECT_TRUE(std::isfinite(loss)) << "norm " << norm << ", worker " << i;
      EXPECT_TRUE(g.allFinite()) << "norm " << norm << ", worker " << i;
    }
  }
  // One sample, label 1 (y = +1), a = e_0: margin m = x_0. For m = −1000 the loss is
  // 1000 + log1p(e^{−1000}) = 1000 exactly in double; for m = +1000 it underflows to 0.
  auto data = std::make_shared<Dataset>();
  data->num_classes = 2;
  data->features = Matrix::Identity(kFeatures, 1);
  data->labels = {1};
  LogisticNonconvexProblem single(data, Partition{.worker_samples = {{0}}},
                                  {.regularization = 0.0});
  Vector x = Vector::Zero(kFeatures);
  x[0] = -1000.0;
  EXPECT_EQ(single.local_loss(0, x), 1000.0);
  Vector g = gradient(single, 0, x);
  EXPECT_EQ(g[0], -1.0);  // −y·σ(−m)·a with σ(1000) = 1
  x[0] = 1000.0;
  EXPECT_EQ(single.local_loss(0, x), 0.0);
  g = gradient(single, 0, x);
  EXPECT_TRUE(g.allFinite());
  EXPECT_LE(std::abs(g[0]), std::numeric_limits<double>::min());  // σ(−1000) underflows
}

TEST(LogisticNonconvex, DescribesItself) {
  LogisticNonconvexProblem problem(make_dataset(9), contiguous_partition(kWorkerSizes));
  EXPECT_EQ(problem.name(), "logistic_nonconvex");
  EXPECT_EQ(problem.dim(), kFeatures);
  EXPECT_EQ(problem.num_workers(), 3);
  EXPECT_FALSE(problem.optimum_value().has_value());
  EXPECT_EQ(problem.options().regularization, 0.1);  // the documented default
  EXPECT_EQ(problem.gram_bound().workers.size(), 3u);
  EXPECT_FALSE(problem.gram_bound().used_trace_bound());
  EXPECT_EQ(problem.describe(), "logistic_nonconvex: 3 workers, 120 samples, p = 5, lambda = 0.1");
}

TEST(LogisticNonconvex, RejectsInvalidRegularization) {
  const auto data = make_dataset(10);
  const Partition partition = contiguous_partition(kWorkerSizes);
  struct Case {
    double value;
    std::string text;
  };
  for (const Case& c : {Case{-1.0, "(-1)"}, Case{std::nan(""), "(nan)"},
                        Case{std::numeric_limits<double>::infinity(), "(inf)"}}) {
    try {
      LogisticNonconvexProblem problem(data, partition, {.regularization = c.value});
      ADD_FAILURE() << "regularization " << c.value << " accepted";
    } catch (const InputError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("logistic_nonconvex.regularization " + c.text), std::string::npos)
          << message;
      EXPECT_NE(message.find("must be finite and non-negative"), std::string::npos) << message;
    }
  }
  EXPECT_NO_THROW(LogisticNonconvexOptions{.regularization = 0.0}.validate());
}

}  // namespace
}  // namespace dsgdlab
