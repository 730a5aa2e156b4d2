#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/problems/feature_shift.hpp"
#include "dsgdlab/problems/gaussian_mixture.hpp"
#include "dsgdlab/problems/partition.hpp"

namespace dsgdlab {
namespace {

/// (a + δ) − a and (s·a)/a carry a few ulps of rounding; features and shifts are O(1–10).
constexpr double kRoundoff = 1e-12;

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

struct Fixture {
  Dataset data;
  Partition partition;
};

/// N samples of a p-dimensional mixture split IID among n workers.
Fixture make_fixture(Index num_samples, Index num_features, int num_workers) {
  Fixture f;
  RandomStream data_rng(StreamKey{.seed = 5, .purpose = StreamPurpose::kDataGeneration});
  f.data = generate_gaussian_mixture(
      {.num_samples = num_samples, .num_features = num_features, .num_classes = 3}, data_rng);
  f.data.targets = Vector::LinSpaced(num_samples, 0.0, 1.0);
  RandomStream partition_rng(StreamKey{.seed = 5, .purpose = StreamPurpose::kPartition});
  f.partition = partition_dataset(f.data, {.num_workers = num_workers}, partition_rng);
  return f;
}

Dataset shift(const Fixture& f, const FeatureShiftOptions& options, std::uint64_t seed) {
  RandomStream rng(StreamKey{.seed = seed, .purpose = StreamPurpose::kDataGeneration});
  return shift_features(f.data, f.partition, options, rng);
}

/// Worker i's offset: shifted − original of its first sample.
Vector worker_offset(const Fixture& f, const Dataset& shifted, std::size_t worker) {
  const Index s = f.partition.worker_samples[worker].front();
  return shifted.features.col(s) - f.data.features.col(s);
}

TEST(FeatureShift, KeepsLabelsTargetsAndShape) {
  const Fixture f = make_fixture(60, 4, 3);
  const Dataset shifted = shift(f, {.shift_scale = 2.0, .scale_spread = 0.3}, 1);
  EXPECT_EQ(shifted.labels, f.data.labels);
  EXPECT_EQ(shifted.num_classes, f.data.num_classes);
  EXPECT_EQ(shifted.targets, f.data.targets);
  EXPECT_EQ(shifted.features.rows(), 4);
  EXPECT_EQ(shifted.features.cols(), 60);
  EXPECT_NE(shifted.features, f.data.features);
}

TEST(FeatureShift, PureShiftAddsOneConstantOffsetPerWorker) {
  const Fixture f = make_fixture(90, 5, 6);
  const Dataset shifted = shift(f, {.shift_scale = 3.0}, 2);
  std::vector<Vector> offsets;
  for (std::size_t i = 0; i < f.partition.worker_samples.size(); ++i) {
    const Vector offset = worker_offset(f, shifted, i);
    for (Index s : f.partition.worker_samples[i]) {
      EXPECT_LT(
          (shifted.features.col(s) - f.data.features.col(s) - offset).lpNorm<Eigen::Infinity>(),
          kRoundoff)
          << "worker " << i << " sample " << s;
    }
    for (const Vector& other : offsets) EXPECT_NE(offset, other);
    offsets.push_back(offset);
  }
}

TEST(FeatureShift, OffsetsHaveTheRequestedScale) {
  // δ_i ~ N(0, (c²/p)·I): Σ_i ‖δ_i‖²·p/c² ~ χ²_{np} = χ²_2000 (n = 50 workers, p = 40).
  // P(χ²_2000 < 1660) = 5.8e-9 and P(χ²_2000 > 2360) = 3.5e-8.
  constexpr double kChiSquare2000Lower = 1660.0;
  constexpr double kChiSquare2000Upper = 2360.0;
  constexpr double kShiftScale = 2.5;
  const Fixture f = make_fixture(100, 40, 50);
  const Dataset shifted = shift(f, {.shift_scale = kShiftScale}, 3);
  double statistic = 0.0;
  for (std::size_t i = 0; i < 50; ++i)
    statistic += worker_offset(f, shifted, i).squaredNorm() * 40.0 / (kShiftScale * kShiftScale);
  EXPECT_GT(statistic, kChiSquare2000Lower);
  EXPECT_LT(statistic, kChiSquare2000Upper);
}

TEST(FeatureShift, PureScalingMultipliesEachWorkerByALogNormalFactor) {
  // s_i = exp(v·z_i): Σ_i (log s_i)²/v² ~ χ²_50 over n = 50 workers.
  // P(χ²_50 < 14) = 1.1e-7 and P(χ²_50 > 110) = 2.1e-6.
  constexpr double kChiSquare50Lower = 14.0;
  constexpr double kChiSquare50Upper = 110.0;
  constexpr double kSpread = 0.4;
  const Fixture f = make_fixture(100, 3, 50);
  const Dataset shifted = shift(f, {.shift_scale = 0.0, .scale_spread = kSpread}, 4);
  double statistic = 0.0;
  for (std::size_t i = 0; i < 50; ++i) {
    const Index first = f.partition.worker_samples[i].front();
    const double scale = shifted.features(0, first) / f.data.features(0, first);
    EXPECT_GT(scale, 0.0);
    for (Index s : f.partition.worker_samples[i]) {
      EXPECT_LT(
          (shifted.features.col(s) - scale * f.data.features.col(s)).lpNorm<Eigen::Infinity>(),
          kRoundoff * (1.0 + f.data.features.col(s).lpNorm<Eigen::Infinity>()))
          << "worker " << i << " sample " << s;
    }
    statistic += std::log(scale) * std::log(scale) / (kSpread * kSpread);
  }
  EXPECT_GT(statistic, kChiSquare50Lower);
  EXPECT_LT(statistic, kChiSquare50Upper);
}

TEST(FeatureShift, CombinedIsScaleThenOffsetWithTheSameDraws) {
  // Per worker the stream gives δ_i first, then z_i, whatever the options: the combined
  // transform uses the offsets of the pure shift and the factors of the pure scaling.
  const Fixture f = make_fixture(40, 3, 4);
  const Dataset shifted_only = shift(f, {.shift_scale = 1.5, .scale_spread = 0.0}, 9);
  const Dataset scaled_only = shift(f, {.shift_scale = 0.0, .scale_spread = 0.5}, 9);
  const Dataset both = shift(f, {.shift_scale = 1.5, .scale_spread = 0.5}, 9);
  for (std::size_t i = 0; i < 4; ++i) {
    const Vector offset = worker_offset(f, shifted_only, i);
    const Index first = f.partition.worker_samples[i].front();
    const double scale = scaled_only.features(0, first) / f.data.features(0, first);
    for (Index s : f.partition.worker_samples[i]) {
      const Vector expected = scale * f.data.features.col(s) + offset;
      EXPECT_LT((both.features.col(s) - expected).lpNorm<Eigen::Infinity>(), kRoundoff)
          << "worker " << i << " sample " << s;
    }
  }
}

TEST(FeatureShift, SameSeedSameDataDifferentSeedDifferentData) {
  const Fixture f = make_fixture(30, 2, 3);
  const FeatureShiftOptions options{.shift_scale = 1.0, .scale_spread = 0.2};
  EXPECT_EQ(shift(f, options, 6).features, shift(f, options, 6).features);
  EXPECT_NE(shift(f, options, 6).features, shift(f, options, 7).features);
}

TEST(FeatureShift, ZeroScaleAndSpreadLeaveFeaturesUnchanged) {
  const Fixture f = make_fixture(30, 2, 3);
  EXPECT_EQ(shift(f, {.shift_scale = 0.0, .scale_spread = 0.0}, 8).features, f.data.features);
}

TEST(FeatureShiftOptions, DefaultsAreValid) {
  const FeatureShiftOptions options;
  EXPECT_NO_THROW(options.validate());
  EXPECT_EQ(options.shift_scale, 1.0);
  EXPECT_EQ(options.scale_spread, 0.0);
}

TEST(FeatureShiftOptions, RejectsEachInvalidField) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const Fixture f = make_fixture(30, 2, 3);
  const auto check = [&](const FeatureShiftOptions& options, const std::string& part) {
    expect_input_error([&] { options.validate(); }, part);
    expect_input_error([&] { shift(f, options, 1); }, part);
  };
  check({.shift_scale = -1.0}, "feature_shift.shift_scale (-1) must be finite and non-negative");
  check({.shift_scale = nan}, "feature_shift.shift_scale (nan)");
  check({.shift_scale = inf}, "feature_shift.shift_scale (inf)");
  check({.scale_spread = -0.5}, "feature_shift.scale_spread (-0.5) must be finite");
}

TEST(FeatureShift, RejectsAPartitionOfOtherData) {
  const Fixture f = make_fixture(30, 2, 3);
  const Fixture bigger = make_fixture(31, 2, 3);
  RandomStream rng(1);
  expect_input_error([&] { shift_features(f.data, bigger.partition, {}, rng); }, "outside [0, 30)");
  expect_input_error([&] { shift_features(bigger.data, f.partition, {}, rng); },
                     "sample 30 is held by no worker");
}

}  // namespace
}  // namespace dsgdlab
