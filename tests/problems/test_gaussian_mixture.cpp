#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/problems/gaussian_mixture.hpp"

namespace dsgdlab {
namespace {

RandomStream data_stream(std::uint64_t seed) {
  return RandomStream(StreamKey{.seed = seed, .purpose = StreamPurpose::kDataGeneration});
}

template <typename Action>
void expect_input_error(Action&& action, const std::string& expected_part) {
  try {
    action();
    ADD_FAILURE() << "expected InputError mentioning '" << expected_part << "'";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find(expected_part), std::string::npos)
        << "message: " << error.what();
  }
}

std::vector<Index> class_sizes(const Dataset& data) {
  std::vector<Index> sizes(static_cast<std::size_t>(data.num_classes), 0);
  for (int label : data.labels) ++sizes[static_cast<std::size_t>(label)];
  return sizes;
}

TEST(GaussianMixture, HasRequestedShapeAndIsValid) {
  RandomStream rng = data_stream(1);
  const GaussianMixtureOptions options{.num_samples = 300, .num_features = 7, .num_classes = 5};
  const auto sample = generate_gaussian_mixture_with_means(options, rng);
  EXPECT_EQ(sample.dataset.num_samples(), 300);
  EXPECT_EQ(sample.dataset.num_features(), 7);
  EXPECT_EQ(sample.dataset.num_classes, 5);
  EXPECT_EQ(sample.dataset.targets.size(), 0);
  EXPECT_EQ(sample.class_means.rows(), 7);
  EXPECT_EQ(sample.class_means.cols(), 5);
  EXPECT_NO_THROW(sample.dataset.validate());
}

TEST(GaussianMixture, SameSeedSameDataDifferentSeedDifferentData) {
  const GaussianMixtureOptions options{.num_samples = 200, .num_features = 5, .num_classes = 3};
  RandomStream a = data_stream(7);
  RandomStream b = data_stream(7);
  RandomStream c = data_stream(8);
  const Dataset first = generate_gaussian_mixture(options, a);
  const Dataset again = generate_gaussian_mixture(options, b);
  const Dataset other = generate_gaussian_mixture(options, c);
  EXPECT_EQ(first.features, again.features);
  EXPECT_EQ(first.labels, again.labels);
  EXPECT_NE(first.features, other.features);
  EXPECT_NE(first.labels, other.labels);
}

TEST(GaussianMixture, DatasetOverloadMatchesTheOneWithMeans) {
  const GaussianMixtureOptions options{.num_samples = 50, .num_features = 3, .num_classes = 2};
  RandomStream a = data_stream(3);
  RandomStream b = data_stream(3);
  const Dataset plain = generate_gaussian_mixture(options, a);
  const auto with_means = generate_gaussian_mixture_with_means(options, b);
  EXPECT_EQ(plain.features, with_means.dataset.features);
  EXPECT_EQ(plain.labels, with_means.dataset.labels);
}

TEST(GaussianMixture, ClassesAreBalancedAndShuffled) {
  RandomStream rng = data_stream(11);
  auto sizes = class_sizes(generate_gaussian_mixture({.num_samples = 10, .num_classes = 3}, rng));
  std::sort(sizes.begin(), sizes.end());
  EXPECT_EQ(sizes, (std::vector<Index>{3, 3, 4}));

  const Dataset data = generate_gaussian_mixture({.num_samples = 2003, .num_classes = 4}, rng);
  sizes = class_sizes(data);
  const auto [smallest, largest] = std::minmax_element(sizes.begin(), sizes.end());
  EXPECT_LE(*largest - *smallest, 1);
  // Shuffled: the labels are not in round-robin order (a uniform permutation of 2003 balanced
  // labels reproduces it with probability 1/multinomial(2003; 501, 501, 501, 500) ≈ 0).
  std::vector<int> round_robin(data.labels.size());
  for (std::size_t s = 0; s < round_robin.size(); ++s) round_robin[s] = static_cast<int>(s % 4);
  EXPECT_NE(data.labels, round_robin);
}

TEST(GaussianMixture, SingleClassSingleSample) {
  RandomStream rng = data_stream(2);
  const Dataset data =
      generate_gaussian_mixture({.num_samples = 1, .num_features = 1, .num_classes = 1}, rng);
  EXPECT_EQ(data.labels, std::vector<int>{0});
  EXPECT_TRUE(std::isfinite(data.features(0, 0)));
}

TEST(GaussianMixture, ZeroSeparationPutsEveryMeanAtTheOrigin) {
  RandomStream rng = data_stream(4);
  const auto sample = generate_gaussian_mixture_with_means(
      {.num_samples = 20, .num_features = 3, .num_classes = 4, .class_separation = 0.0}, rng);
  EXPECT_EQ(sample.class_means, Matrix::Zero(3, 4));
}

TEST(GaussianMixture, ClassSampleMeansRecoverTheClassMeans) {
  // Class k has n_k = 500 samples; x̄_k − μ_k ~ N(0, (σ²/n_k)·I_p), so
  // T_k = n_k‖x̄_k − μ_k‖²/σ² ~ χ²_20. P(χ²_20 > 65) = 1.2e-6; over 4 classes ≤ 4.7e-6.
  constexpr double kChiSquare20Upper = 65.0;
  const GaussianMixtureOptions options{.num_samples = 2000,
                                       .num_features = 20,
                                       .num_classes = 4,
                                       .class_separation = 3.0,
                                       .noise_stddev = 1.5};
  RandomStream rng = data_stream(21);
  const auto sample = generate_gaussian_mixture_with_means(options, rng);
  const Dataset& data = sample.dataset;
  Matrix sums = Matrix::Zero(options.num_features, options.num_classes);
  const auto sizes = class_sizes(data);
  for (Index s = 0; s < data.num_samples(); ++s)
    sums.col(data.labels[static_cast<std::size_t>(s)]) += data.features.col(s);
  for (int k = 0; k < options.num_classes; ++k) {
    const auto n_k = static_cast<double>(sizes[static_cast<std::size_t>(k)]);
    const double statistic = n_k * (sums.col(k) / n_k - sample.class_means.col(k)).squaredNorm() /
                             (options.noise_stddev * options.noise_stddev);
    EXPECT_LT(statistic, kChiSquare20Upper) << "class " << k;
  }
}

TEST(GaussianMixture, ClassMeanNormsMatchTheSeparation) {
  // μ_k ~ N(0, (sep²/p)·I): Σ_k ‖μ_k‖²·p/sep² ~ χ²_{pK} = χ²_1000 with p = 20, K = 50.
  // P(χ²_1000 < 800) = 8.1e-7 and P(χ²_1000 > 1220) = 2.0e-6.
  constexpr double kChiSquare1000Lower = 800.0;
  constexpr double kChiSquare1000Upper = 1220.0;
  const GaussianMixtureOptions options{
      .num_samples = 50, .num_features = 20, .num_classes = 50, .class_separation = 3.0};
  RandomStream rng = data_stream(31);
  const auto sample = generate_gaussian_mixture_with_means(options, rng);
  const double statistic = sample.class_means.squaredNorm() *
                           static_cast<double>(options.num_features) /
                           (options.class_separation * options.class_separation);
  EXPECT_GT(statistic, kChiSquare1000Lower);
  EXPECT_LT(statistic, kChiSquare1000Upper);
}

TEST(GaussianMixture, NoiseHasTheRequestedStandardDeviation) {
  // a_s − μ_{y_s} = σ·z_s: Σ_s ‖a_s − μ_{y_s}‖²/σ² ~ χ²_{Np} = χ²_40000 (N = 2000, p = 20).
  // P(χ²_40000 < 38600) = 2.8e-7 and P(χ²_40000 > 41400) = 4.9e-7.
  constexpr double kChiSquare40000Lower = 38600.0;
  constexpr double kChiSquare40000Upper = 41400.0;
  const GaussianMixtureOptions options{
      .num_samples = 2000, .num_features = 20, .noise_stddev = 1.5};
  RandomStream rng = data_stream(41);
  const auto sample = generate_gaussian_mixture_with_means(options, rng);
  const Dataset& data = sample.dataset;
  double sum = 0.0;
  for (Index s = 0; s < data.num_samples(); ++s) {
    sum += (data.features.col(s) - sample.class_means.col(data.labels[static_cast<std::size_t>(s)]))
               .squaredNorm();
  }
  const double statistic = sum / (options.noise_stddev * options.noise_stddev);
  EXPECT_GT(statistic, kChiSquare40000Lower);
  EXPECT_LT(statistic, kChiSquare40000Upper);
}

TEST(GaussianMixtureOptions, DefaultsAreValid) {
  const GaussianMixtureOptions options;
  EXPECT_NO_THROW(options.validate());
  EXPECT_EQ(options.num_samples, 2000);
  EXPECT_EQ(options.num_features, 20);
  EXPECT_EQ(options.num_classes, 4);
  EXPECT_EQ(options.class_separation, 2.0);
  EXPECT_EQ(options.noise_stddev, 1.0);
}

TEST(GaussianMixtureOptions, RejectsEachInvalidField) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const auto check = [](const GaussianMixtureOptions& options, const std::string& part) {
    expect_input_error([&] { options.validate(); }, part);
    RandomStream rng = data_stream(1);
    expect_input_error([&] { generate_gaussian_mixture(options, rng); }, part);
  };
  check({.num_samples = 0}, "gaussian_mixture.num_samples (0) must be at least 1");
  check({.num_features = 0}, "gaussian_mixture.num_features (0) must be at least 1");
  check({.num_classes = 0}, "gaussian_mixture.num_classes (0) must be at least 1");
  check({.num_samples = 3, .num_classes = 4},
        "gaussian_mixture.num_classes (4) must be at most gaussian_mixture.num_samples (3)");
  check({.class_separation = -1.0}, "gaussian_mixture.class_separation (-1) must be");
  check({.class_separation = nan}, "gaussian_mixture.class_separation (nan)");
  check({.noise_stddev = 0.0}, "gaussian_mixture.noise_stddev (0) must be finite and positive");
  check({.noise_stddev = inf}, "gaussian_mixture.noise_stddev (inf)");
}

}  // namespace
}  // namespace dsgdlab
