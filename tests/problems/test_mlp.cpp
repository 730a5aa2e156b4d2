#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/random.hpp"
#include "dsgdlab/problems/gradient_check.hpp"
#include "dsgdlab/problems/mlp.hpp"

namespace dsgdlab {
namespace {

constexpr Index kFeatures = 4;
constexpr int kClasses = 3;
const std::vector<Index> kWorkerSizes{10, 14, 8};

/// Gaussian features, labels argmax_k (w_kᵀa) of a random linear rule.
std::shared_ptr<const Dataset> make_dataset(std::uint64_t seed, int classes = kClasses) {
  RandomStream rng(seed);
  Index total = 0;
  for (Index n : kWorkerSizes) total += n;
  auto data = std::make_shared<Dataset>();
  data->num_classes = classes;
  data->features.resize(kFeatures, total);
  rng.fill_normal(Eigen::Map<Vector>(data->features.data(), data->features.size()));
  Matrix rule(classes, kFeatures);
  rng.fill_normal(Eigen::Map<Vector>(rule.data(), rule.size()));
  for (Index s = 0; s < total; ++s) {
    const Vector scores = rule * data->features.col(s);
    int best = 0;
    for (int k = 1; k < static_cast<int>(scores.size()); ++k)
      if (scores[k] > scores[best]) best = k;
    data->labels.push_back(best);
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

TEST(Mlp, DimensionFollowsTheLayoutFormula) {
  for (int hidden : {1, 3, 7}) {
    MlpProblem problem(make_dataset(1), contiguous_partition(kWorkerSizes),
                       {.hidden_units = hidden});
    const Index h = hidden;
    EXPECT_EQ(problem.dim(), h * kFeatures + h + kClasses * h + kClasses) << "H = " << hidden;
    EXPECT_EQ(problem.w1_offset(), 0);
    EXPECT_EQ(problem.b1_offset(), h * kFeatures);
    EXPECT_EQ(problem.w2_offset(), h * kFeatures + h);
    EXPECT_EQ(problem.b2_offset(), h * kFeatures + h + kClasses * h);
    EXPECT_EQ(problem.num_hidden(), h);
    EXPECT_EQ(problem.num_inputs(), kFeatures);
    EXPECT_EQ(problem.num_classes(), kClasses);
  }
}

TEST(Mlp, LossAtZeroWeightsIsLogK) {
  // z = 0 for every sample, so ℓ = log K − 0 exactly (up to one log evaluation).
  for (int classes : {2, 3, 10}) {
    MlpProblem problem(make_dataset(2, classes), contiguous_partition(kWorkerSizes),
                       {.hidden_units = 6, .weight_decay = 0.3});
    const Vector zero = Vector::Zero(problem.dim());
    for (int i = 0; i < problem.num_workers(); ++i) {
      EXPECT_NEAR(problem.local_loss(i, zero), std::log(static_cast<double>(classes)), 1e-15)
          << "K = " << classes << ", worker " << i;
    }
  }
}

TEST(Mlp, ForwardPassFollowsTheDocumentedLayout) {
  // p = 2, H = 2, K = 2, one sample a = (1, −2) of class 1. Fill x block by block with
  // distinct values and evaluate the documented formula by hand.
  auto data = std::make_shared<Dataset>();
  data->num_classes = 2;
  data->features.resize(2, 1);
  data->features << 1.0, -2.0;
  data->labels = {1};
  MlpProblem problem(data, Partition{.worker_samples = {{0}}}, {.hidden_units = 2});
  ASSERT_EQ(problem.dim(), 4 + 2 + 4 + 2);
  Vector x(12);
  // W1 column-major: (0,0)=0.1, (1,0)=0.2, (0,1)=0.3, (1,1)=0.4; b1 = (0.5, 0.6);
  // W2 column-major: (0,0)=0.7, (1,0)=0.8, (0,1)=0.9, (1,1)=1.0; b2 = (1.1, 1.2).
  x << 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2;
  const double h0 = std::tanh(0.1 * 1.0 + 0.3 * -2.0 + 0.5);
  const double h1 = std::tanh(0.2 * 1.0 + 0.4 * -2.0 + 0.6);
  const double z0 = 0.7 * h0 + 0.9 * h1 + 1.1;
  const double z1 = 0.8 * h0 + 1.0 * h1 + 1.2;
  const double expected = std::log(std::exp(z0) + std::exp(z1)) - z1;
  EXPECT_NEAR(problem.local_loss(0, x), expected, 1e-14);  // O(1) values, a few ulp
}

TEST(Mlp, PassesGradientCheckAtInitialAndRandomPoints) {
  MlpProblem problem(make_dataset(3), contiguous_partition(kWorkerSizes),
                     {.hidden_units = 6, .weight_decay = 0.05, .init_seed = 4});
  RandomStream rng(5);
  std::vector<Vector> points{problem.initial_point()};
  for (double scale : {0.5, 1.5}) {
    Vector x(problem.dim());
    rng.fill_normal(x);
    points.push_back(scale * x);
  }
  for (std::size_t k = 0; k < points.size(); ++k) {
    for (int i = 0; i < problem.num_workers(); ++i) {
      const auto result = check_local_gradient(problem, i, points[k]);
      EXPECT_TRUE(result.passed) << "point " << k << ", worker " << i << ": "
                                 << result.brief_report();
    }
  }
}

TEST(Mlp, InitialPointIsReproducibleAndGlorotScaled) {
  const auto data = make_dataset(6);
  const Partition partition = contiguous_partition(kWorkerSizes);
  const MlpOptions options{.hidden_units = 5, .init_scale = 2.0, .init_seed = 9};
  MlpProblem a(data, partition, options);
  MlpProblem b(data, partition, options);
  const Vector x = a.initial_point();
  EXPECT_EQ(x, b.initial_point());
  EXPECT_EQ(x, a.initial_point());
  MlpOptions other = options;
  other.init_seed = 10;
  EXPECT_NE(x, MlpProblem(data, partition, other).initial_point());
  // Biases are zero.
  EXPECT_TRUE(x.segment(a.b1_offset(), a.num_hidden()).isZero(0.0));
  EXPECT_TRUE(x.segment(a.b2_offset(), a.num_classes()).isZero(0.0));

  // The documented draw order: W1 in storage order with sd init_scale/√p, then W2 with sd
  // init_scale/√H, from StreamKey{.seed = init_seed, .purpose = kInitialModel}.
  RandomStream replay(StreamKey{.seed = 9, .purpose = StreamPurpose::kInitialModel});
  Vector expected = Vector::Zero(a.dim());
  for (Index j = a.w1_offset(); j < a.b1_offset(); ++j) expected[j] = 2.0 / 2.0 * replay.normal();
  for (Index j = a.w2_offset(); j < a.b2_offset(); ++j)
    expected[j] = 2.0 / std::sqrt(5.0) * replay.normal();
  EXPECT_EQ(x, expected);
}

TEST(Mlp, InitialWeightsHaveTheStatedVariance) {
  // p = 4, H = 2000: W1 has 8000 N(0, s²/p) entries, W2 has 6000 N(0, s²/H). The sample
  // variance of N normals has relative sd √(2/N) (≤ 0.0183 here); 6 sd (0.11) fails with
  // probability ~2e-9 under the normal approximation (chi-square with ≥ 6000 d.o.f.).
  constexpr double kRelativeTolerance = 0.11;
  MlpProblem problem(make_dataset(7), contiguous_partition(kWorkerSizes),
                     {.hidden_units = 2000, .init_scale = 1.5, .init_seed = 3});
  const Vector x = problem.initial_point();
  const auto w1 = x.segment(problem.w1_offset(), problem.b1_offset());
  const auto w2 = x.segment(problem.w2_offset(), problem.b2_offset() - problem.w2_offset());
  const double w1_var = w1.squaredNorm() / static_cast<double>(w1.size());
  const double w2_var = w2.squaredNorm() / static_cast<double>(w2.size());
  EXPECT_NEAR(w1_var / (1.5 * 1.5 / 4.0), 1.0, kRelativeTolerance);
  EXPECT_NEAR(w2_var / (1.5 * 1.5 / 2000.0), 1.0, kRelativeTolerance);
}

TEST(Mlp, WeightDecayAddsHalfLambdaSquaredNorm) {
  const auto data = make_dataset(8);
  const Partition partition = contiguous_partition(kWorkerSizes);
  MlpProblem plain(data, partition, {.hidden_units = 3});
  MlpProblem decayed(data, partition, {.hidden_units = 3, .weight_decay = 0.2});
  const Vector x = plain.initial_point();
  // Difference of two O(1) losses: a few ulp each.
  EXPECT_NEAR(decayed.local_loss(1, x) - plain.local_loss(1, x), 0.1 * x.squaredNorm(), 1e-13);
  Vector g_plain(plain.dim());
  Vector g_decayed(plain.dim());
  plain.local_gradient(1, x, g_plain);
  decayed.local_gradient(1, x, g_decayed);
  EXPECT_LE((g_decayed - g_plain - 0.2 * x).norm(), 1e-13);
}

TEST(Mlp, LossIsStableForLargeLogits) {
  // Large output weights give logits of order 1e4; logsumexp must not overflow.
  MlpProblem problem(make_dataset(9), contiguous_partition(kWorkerSizes), {.hidden_units = 3});
  Vector x = problem.initial_point();
  x.segment(problem.w2_offset(), problem.b2_offset() - problem.w2_offset()) *= 1e4;
  Vector g(problem.dim());
  for (int i = 0; i < problem.num_workers(); ++i) {
    EXPECT_TRUE(std::isfinite(problem.local_loss(i, x))) << "worker " << i;
    problem.local_gradient(i, x, g);
    EXPECT_TRUE(g.allFinite()) << "worker " << i;
  }
}

TEST(Mlp, KnowsNoGlobalConstants) {
  MlpProblem problem(make_dataset(10), contiguous_partition(kWorkerSizes), {.hidden_units = 4});
  EXPECT_EQ(problem.name(), "mlp");
  EXPECT_FALSE(problem.smoothness().has_value());
  EXPECT_FALSE(problem.optimum_value().has_value());
  EXPECT_EQ(problem.describe(),
            "mlp: 3 workers, 32 samples, p = 4, H = 4, K = 3, d = 35, weight_decay = 0");
  const MlpOptions defaults;
  EXPECT_EQ(defaults.hidden_units, 32);
  EXPECT_EQ(defaults.weight_decay, 0.0);
  EXPECT_EQ(defaults.init_scale, 1.0);
  EXPECT_EQ(defaults.init_seed, 0u);
}

TEST(Mlp, ThreadLocalScratchIsSafeAcrossInstancesAndThreads) {
  // The hidden-layer scratch is thread_local and only grows: a small network, then a larger
  // one, then the small one again on the same thread must give identical bits; and threads
  // evaluating concurrently must agree bit for bit with a serial evaluation.
  const auto data = make_dataset(13);
  const Partition partition = contiguous_partition(kWorkerSizes);
  MlpProblem small(data, partition, {.hidden_units = 3});
  MlpProblem large(data, partition, {.hidden_units = 40});
  const Vector x_small = small.initial_point();
  const Vector x_large = large.initial_point();
  Vector before(small.dim());
  Vector after(small.dim());
  Vector g_large(large.dim());
  small.local_gradient(0, x_small, before);
  large.local_gradient(0, x_large, g_large);
  small.local_gradient(0, x_small, after);
  EXPECT_EQ(before, after);

  Vector serial_large(large.dim());
  large.local_gradient(1, x_large, serial_large);
  constexpr int kRepeats = 200;
  std::vector<int> mismatches(2, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      Vector g_s(small.dim());
      Vector g_l(large.dim());
      for (int r = 0; r < kRepeats; ++r) {
        small.local_gradient(0, x_small, g_s);
        large.local_gradient(1, x_large, g_l);
        if (g_s != before || g_l != serial_large) ++mismatches[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches[0], 0);
  EXPECT_EQ(mismatches[1], 0);
}

void expect_rejected(const MlpOptions& options, const std::string& fragment) {
  try {
    options.validate();
    ADD_FAILURE() << "accepted; expected an error mentioning \"" << fragment << "\"";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Mlp, RejectsInvalidOptions) {
  const double inf = std::numeric_limits<double>::infinity();
  expect_rejected({.hidden_units = 0}, "mlp.hidden_units (0) must be at least 1");
  expect_rejected({.weight_decay = -0.5},
                  "mlp.weight_decay (-0.5) must be finite and non-negative");
  expect_rejected({.weight_decay = inf}, "mlp.weight_decay (inf)");
  expect_rejected({.init_scale = 0.0}, "mlp.init_scale (0) must be finite and positive");
  expect_rejected({.init_scale = std::nan("")}, "mlp.init_scale (nan)");
  // The constructor validates too.
  EXPECT_THROW(
      MlpProblem(make_dataset(11), contiguous_partition(kWorkerSizes), {.hidden_units = -3}),
      InputError);
}

TEST(Mlp, RejectsSingleClassData) {
  try {
    MlpProblem problem(make_dataset(12, 1), contiguous_partition(kWorkerSizes));
    ADD_FAILURE() << "one class accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("dataset.num_classes (1) must be at least 2"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace dsgdlab
