#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/problems/partition.hpp"

namespace dsgdlab {
namespace {

constexpr PartitionScheme kAllSchemes[] = {PartitionScheme::kIid, PartitionScheme::kDirichlet,
                                           PartitionScheme::kClassesPerWorker,
                                           PartitionScheme::kQuantitySkew};

RandomStream partition_stream(std::uint64_t seed) {
  return RandomStream(StreamKey{.seed = seed, .purpose = StreamPurpose::kPartition});
}

template <typename Action>
void expect_input_error(Action&& action, const std::vector<std::string>& parts) {
  try {
    action();
    ADD_FAILURE() << "expected InputError mentioning '" << parts.front() << "'";
  } catch (const InputError& error) {
    const std::string message = error.what();
    for (const auto& part : parts)
      EXPECT_NE(message.find(part), std::string::npos) << "message: " << message;
  }
}

/// A data set whose labels come in class blocks (all of class 0, then class 1, ...), so that a
/// scheme that forgot to shuffle would produce visibly skewed workers. Features are 1 × N.
Dataset block_labelled(const std::vector<Index>& class_sizes) {
  Dataset data;
  data.num_classes = static_cast<int>(class_sizes.size());
  for (std::size_t k = 0; k < class_sizes.size(); ++k)
    data.labels.insert(data.labels.end(), static_cast<std::size_t>(class_sizes[k]),
                       static_cast<int>(k));
  data.features = Matrix::Zero(1, static_cast<Index>(data.labels.size()));
  return data;
}

Partition partition(const Dataset& data, const PartitionOptions& options, std::uint64_t seed) {
  RandomStream rng = partition_stream(seed);
  return partition_dataset(data, options, rng);
}

std::vector<Index> worker_sizes(const Partition& p) {
  std::vector<Index> sizes;
  for (const auto& samples : p.worker_samples) sizes.push_back(static_cast<Index>(samples.size()));
  return sizes;
}

/// Population coefficient of variation of the worker sizes.
double coefficient_of_variation(const std::vector<Index>& sizes) {
  const double n = static_cast<double>(sizes.size());
  const double mean =
      static_cast<double>(std::accumulate(sizes.begin(), sizes.end(), Index{0})) / n;
  double variance = 0.0;
  for (Index size : sizes)
    variance += (static_cast<double>(size) - mean) * (static_cast<double>(size) - mean) / n;
  return std::sqrt(variance) / mean;
}

/// Options exercising `scheme` on a 4-class data set of 400 samples with 6 workers.
PartitionOptions options_for(PartitionScheme scheme) {
  return {.scheme = scheme, .num_workers = 6, .dirichlet_alpha = 0.5, .classes_per_worker = 2};
}

// --- names and options -------------------------------------------------------------------

TEST(PartitionScheme, NamesRoundTrip) {
  for (PartitionScheme scheme : kAllSchemes)
    EXPECT_EQ(parse_partition_scheme(to_string(scheme)), scheme);
  EXPECT_EQ(to_string(PartitionScheme::kIid), "iid");
  EXPECT_EQ(to_string(PartitionScheme::kDirichlet), "dirichlet");
  EXPECT_EQ(to_string(PartitionScheme::kClassesPerWorker), "classes_per_worker");
  EXPECT_EQ(to_string(PartitionScheme::kQuantitySkew), "quantity_skew");
}

TEST(PartitionScheme, ParseErrorListsTheValidNames) {
  expect_input_error(
      [] { parse_partition_scheme("pathological"); },
      {"partition.scheme (\"pathological\")", "iid, dirichlet, classes_per_worker, quantity_skew"});
}

TEST(PartitionOptions, DefaultsAreValidAndDocumented) {
  const PartitionOptions options;
  EXPECT_NO_THROW(options.validate());
  EXPECT_EQ(options.scheme, PartitionScheme::kIid);
  EXPECT_EQ(options.num_workers, 1);
  EXPECT_EQ(options.dirichlet_alpha, 0.5);
  EXPECT_EQ(options.min_samples_per_worker, 1);
  EXPECT_EQ(options.classes_per_worker, 2);
  EXPECT_EQ(options.quantity_skew_alpha, 1.0);
  EXPECT_EQ(options.max_attempts, 1000);
}

TEST(PartitionOptions, RejectsEachInvalidField) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Dataset data = block_labelled({10, 10});
  const auto check = [&](const PartitionOptions& options, const std::string& part) {
    expect_input_error([&] { options.validate(); }, {part});
    expect_input_error([&] { partition(data, options, 1); }, {part});
  };
  check({.num_workers = 0}, "partition.num_workers (0) must be at least 1");
  check({.dirichlet_alpha = 0.0}, "partition.dirichlet_alpha (0) must be finite and positive");
  check({.dirichlet_alpha = nan}, "partition.dirichlet_alpha (nan)");
  check({.min_samples_per_worker = 0}, "partition.min_samples_per_worker (0) must be at least 1");
  check({.classes_per_worker = 0}, "partition.classes_per_worker (0) must be at least 1");
  check({.quantity_skew_alpha = -1.0}, "partition.quantity_skew_alpha (-1) must be finite");
  check({.max_attempts = 0}, "partition.max_attempts (0) must be at least 1");
}

TEST(PartitionDataset, RejectsMoreRequiredSamplesThanTheDataHas) {
  const Dataset data = block_labelled({20, 20});
  for (PartitionScheme scheme : kAllSchemes) {
    PartitionOptions options{
        .scheme = scheme, .num_workers = 10, .min_samples_per_worker = 5, .classes_per_worker = 1};
    expect_input_error([&] { partition(data, options, 1); },
                       {"partition.num_workers (10) times partition.min_samples_per_worker (5)",
                        "number of samples (40)"});
    options.num_workers = 41;
    options.min_samples_per_worker = 1;
    expect_input_error([&] { partition(data, options, 1); },
                       {"partition.num_workers (41)", "number of samples (40)"});
  }
}

TEST(PartitionDataset, RejectsAnInvalidDataset) {
  Dataset data = block_labelled({5, 5});
  data.labels[3] = 7;
  expect_input_error([&] { partition(data, {.num_workers = 2}, 1); }, {"dataset.labels[3] (7)"});
}

// --- properties shared by every scheme ----------------------------------------------------

class EveryScheme : public ::testing::TestWithParam<PartitionScheme> {};

TEST_P(EveryScheme, CoversEverySampleOnceWithSortedWorkers) {
  const Dataset data = block_labelled({100, 120, 80, 100});
  const Partition p = partition(data, options_for(GetParam()), 5);
  EXPECT_EQ(p.num_workers(), 6);
  EXPECT_NO_THROW(p.validate(data.num_samples()));
  for (const auto& samples : p.worker_samples)
    EXPECT_TRUE(std::is_sorted(samples.begin(), samples.end()));
}

TEST_P(EveryScheme, SameSeedSamePartitionDifferentSeedDifferentPartition) {
  const Dataset data = block_labelled({100, 120, 80, 100});
  const auto options = options_for(GetParam());
  const Partition first = partition(data, options, 5);
  EXPECT_EQ(partition(data, options, 5).worker_samples, first.worker_samples);
  EXPECT_NE(partition(data, options, 6).worker_samples, first.worker_samples);
}

TEST_P(EveryScheme, OneWorkerHoldsEverything) {
  const Dataset data = block_labelled({3, 4});
  PartitionOptions options{.scheme = GetParam(), .num_workers = 1, .classes_per_worker = 2};
  const Partition p = partition(data, options, 2);
  ASSERT_EQ(p.num_workers(), 1);
  EXPECT_EQ(p.worker_samples[0], (std::vector<Index>{0, 1, 2, 3, 4, 5, 6}));
}

INSTANTIATE_TEST_SUITE_P(Partition, EveryScheme, ::testing::ValuesIn(kAllSchemes),
                         [](const auto& param_info) {
                           return std::string(to_string(param_info.param));
                         });

// --- iid ----------------------------------------------------------------------------------

TEST(IidPartition, SizesDifferByAtMostOneAndLabelsFollowTheGlobalMix) {
  // Worker i's count of class k is hypergeometric: m_i draws from N = 10003 samples of which
  // N_k are of class k; variance m·p_k(1 − p_k)(N − m)/(N − 1). |count − m·p_k| < 5.5 sd per
  // cell: P(|Z| > 5.5) = 3.8e-8, over 10 workers × 4 classes ≤ 1.6e-6 (m ≈ 1000, so the normal
  // approximation of the hypergeometric is accurate).
  constexpr double kStandardDeviations = 5.5;
  const std::vector<Index> class_sizes{4000, 3000, 2000, 1003};
  const Dataset data = block_labelled(class_sizes);
  const Partition p = partition(data, {.scheme = PartitionScheme::kIid, .num_workers = 10}, 17);
  const auto sizes = worker_sizes(p);
  EXPECT_EQ(sizes,
            (std::vector<Index>{1001, 1001, 1001, 1000, 1000, 1000, 1000, 1000, 1000, 1000}));
  const auto counts = p.label_counts(data);
  const double total = static_cast<double>(data.num_samples());
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double m = static_cast<double>(sizes[i]);
    for (std::size_t k = 0; k < class_sizes.size(); ++k) {
      const double share = static_cast<double>(class_sizes[k]) / total;
      const double sd = std::sqrt(m * share * (1.0 - share) * (total - m) / (total - 1.0));
      EXPECT_NEAR(static_cast<double>(counts[i][k]), m * share, kStandardDeviations * sd)
          << "worker " << i << " class " << k;
    }
  }
}

// --- dirichlet ----------------------------------------------------------------------------

TEST(DirichletPartition, RedrawsUntilEveryWorkerHasTheMinimum) {
  // α = 0.1, 20 workers, 10 classes of 200: one draw leaves every worker ≥ 20 samples with
  // probability ≈ 0.036 (measured over 20000 seeds), so the first draws fail and the redraw
  // loop is exercised; all 1000 attempts fail with probability ≈ 0.964^1000 ≈ 1e-16.
  const Dataset data = block_labelled(std::vector<Index>(10, 200));
  const Partition p = partition(data,
                                {.scheme = PartitionScheme::kDirichlet,
                                 .num_workers = 20,
                                 .dirichlet_alpha = 0.1,
                                 .min_samples_per_worker = 20},
                                23);
  EXPECT_NO_THROW(p.validate(data.num_samples()));
  const auto sizes = worker_sizes(p);
  EXPECT_GE(*std::min_element(sizes.begin(), sizes.end()), 20);
}

TEST(DirichletPartition, GivesUpAfterMaxAttemptsAndSaysWhy) {
  // α = 0.01 concentrates each class on about one worker; 50 workers needing 2 of the 100
  // samples each is, in practice, never met.
  const Dataset data = block_labelled({50, 50});
  expect_input_error(
      [&] {
        partition(data,
                  {.scheme = PartitionScheme::kDirichlet,
                   .num_workers = 50,
                   .dirichlet_alpha = 0.01,
                   .min_samples_per_worker = 2,
                   .max_attempts = 5},
                  1);
      },
      {"partition.dirichlet_alpha = 0.01", "50 workers", "100 samples",
       "partition.min_samples_per_worker = 2", "all 5 attempts"});
}

TEST(DirichletPartition, LargeAlphaIsNearlyIid) {
  // q_{k,i} ~ Beta(α, (n − 1)α) with α = 1000, n = 10: sd = √((1/n)(1 − 1/n)/(nα + 1)) = 0.003;
  // count_{k,i} = N_k·q_{k,i} up to < 1 of rounding. |count − N_k/n| < 6·N_k·sd + 1 per cell:
  // the Beta is near-normal here (skewness 0.05), P(|Z| > 6) = 2e-9, over 100 cells 2e-7.
  constexpr double kStandardDeviations = 6.0;
  constexpr double kRounding = 1.0;  // largest-remainder rounding moves a count by < 1
  constexpr int kWorkers = 10;
  constexpr double kAlpha = 1000.0;
  constexpr Index kClassSize = 1000;
  const Dataset data = block_labelled(std::vector<Index>(10, kClassSize));
  const Partition p = partition(
      data,
      {.scheme = PartitionScheme::kDirichlet, .num_workers = kWorkers, .dirichlet_alpha = kAlpha},
      29);
  const double n = kWorkers;
  const double sd = std::sqrt((1.0 / n) * (1.0 - 1.0 / n) / (n * kAlpha + 1.0));
  const double n_k = static_cast<double>(kClassSize);
  const auto counts = p.label_counts(data);
  for (std::size_t i = 0; i < counts.size(); ++i) {
    for (std::size_t k = 0; k < counts[i].size(); ++k) {
      EXPECT_NEAR(static_cast<double>(counts[i][k]), n_k / n,
                  kStandardDeviations * n_k * sd + kRounding)
          << "worker " << i << " class " << k;
    }
  }
}

TEST(DirichletPartition, SmallAlphaLetsFewClassesDominateEachWorker) {
  // α = 0.05, 10 workers, 10 classes of 500. Statistic: the mean over workers of the share of
  // a worker's samples in its two largest classes (0.2 for IID data). Over 100000 seeds it had
  // mean 0.917, sd 0.031, minimum 0.773, and fell below 0.8 in 41 seeds; the threshold 0.6
  // lies 10 sd below the mean, far beyond any observed value (failure probability ≪ 1e-4).
  constexpr double kMinTopTwoShare = 0.6;
  const Dataset data = block_labelled(std::vector<Index>(10, 500));
  const Partition p = partition(
      data, {.scheme = PartitionScheme::kDirichlet, .num_workers = 10, .dirichlet_alpha = 0.05},
      31);
  double mean_share = 0.0;
  for (auto counts : p.label_counts(data)) {
    std::sort(counts.rbegin(), counts.rend());
    const auto total = std::accumulate(counts.begin(), counts.end(), Index{0});
    mean_share += static_cast<double>(counts[0] + counts[1]) / static_cast<double>(total) / 10.0;
  }
  EXPECT_GT(mean_share, kMinTopTwoShare);
}

/// The label-skew spread matches the Dirichlet variance. For class k let q̂_{k,i} =
/// count_{k,i}/N_k and S_k = (1/n) Σ_i (q̂_{k,i} − 1/n)². Without rounding, S_k =
/// (Σ_i q_i² − 1/n)/n with q ~ Dir(α·1_n), so E S_k = Var(q_i) = (1/n)(1 − 1/n)/(nα + 1) and,
/// with rising factorials (a)_m, E Σq² = n(α)_2/(nα)_2, E(Σq²)² = [n(α)_4 + n(n−1)(α)_2²]/(nα)_4.
/// The mean V̂ of K i.i.d. S_k ∈ [0, (n−1)/n²] obeys Bernstein's inequality
/// P(|V̂ − E S| ≥ t) ≤ 2 exp(−K t²/(2 Var S + 2Rt/3)), R = (n−1)/n²; t is solved for δ = 1e-6.
/// Rounding moves each q̂ by |e| < 1/N_k, hence V̂ by at most (1/N_k)(2·mean|q − 1/n| + 1/N_k)
/// with mean|q − 1/n| ≤ mean|q̂ − 1/n| + 1/N_k; that bound is added to t. Sizes: K = 1000
/// classes of N_k = 1000 samples, n = 10 workers: every worker gets ≈ 10⁵ samples, so the
/// min-size redraw never triggers and does not bias the draw.
void expect_dirichlet_variance(double alpha, std::uint64_t seed) {
  constexpr double kFailureProbability = 1e-6;
  constexpr int kWorkers = 10;
  constexpr std::size_t kClasses = 1000;
  constexpr Index kClassSize = 1000;
  const Dataset data = block_labelled(std::vector<Index>(kClasses, kClassSize));
  const Partition p = partition(
      data,
      {.scheme = PartitionScheme::kDirichlet, .num_workers = kWorkers, .dirichlet_alpha = alpha},
      seed);
  const auto counts = p.label_counts(data);

  const double n = kWorkers;
  const double n_k = static_cast<double>(kClassSize);
  double mean_s = 0.0;
  double mean_abs_deviation = 0.0;
  for (std::size_t k = 0; k < kClasses; ++k) {
    for (std::size_t i = 0; i < counts.size(); ++i) {
      const double deviation = static_cast<double>(counts[i][k]) / n_k - 1.0 / n;
      mean_s += deviation * deviation / (n * static_cast<double>(kClasses));
      mean_abs_deviation += std::abs(deviation) / (n * static_cast<double>(kClasses));
    }
  }

  const double a = n * alpha;
  const double rising2 = alpha * (alpha + 1.0);
  const double rising4 = rising2 * (alpha + 2.0) * (alpha + 3.0);
  const double sum_sq_mean = n * rising2 / (a * (a + 1.0));
  const double sum_sq_second =
      (n * rising4 + n * (n - 1.0) * rising2 * rising2) / (a * (a + 1.0) * (a + 2.0) * (a + 3.0));
  const double expected = (1.0 / n) * (1.0 - 1.0 / n) / (a + 1.0);
  ASSERT_NEAR((sum_sq_mean - 1.0 / n) / n, expected, 1e-15);  // the two formulas agree
  const double variance_s = (sum_sq_second - sum_sq_mean * sum_sq_mean) / (n * n);
  const double range = (n - 1.0) / (n * n);
  const double log_term = std::log(2.0 / kFailureProbability);
  const double classes = static_cast<double>(kClasses);
  const double linear = 2.0 * range * log_term / 3.0;
  const double bernstein =
      (linear + std::sqrt(linear * linear + 8.0 * classes * variance_s * log_term)) /
      (2.0 * classes);
  const double rounding = (2.0 * (mean_abs_deviation + 1.0 / n_k) + 1.0 / n_k) / n_k;
  EXPECT_NEAR(mean_s, expected, bernstein + rounding)
      << "alpha " << alpha << ": Bernstein half-width " << bernstein << ", rounding " << rounding;
}

TEST(DirichletPartition, ShareVarianceMatchesDirichletForAlphaOne) {
  expect_dirichlet_variance(1.0, 37);  // E S = 0.00818, half-width ≈ 0.0015
}

TEST(DirichletPartition, ShareVarianceMatchesDirichletForAlphaOneTenth) {
  expect_dirichlet_variance(0.1, 41);  // E S = 0.045, half-width ≈ 0.0045
}

// --- classes_per_worker -------------------------------------------------------------------

TEST(ClassesPerWorkerPartition, EachWorkerHoldsExactlyKClassesSplitEvenly) {
  // K = 10 classes of uneven sizes, n = 7 workers, k = 3: the 21 slots (i·k + c) mod 10 give
  // class order[0] three holders and every other class two.
  std::vector<Index> class_sizes;
  for (Index k = 0; k < 10; ++k) class_sizes.push_back(60 + 7 * k);
  const Dataset data = block_labelled(class_sizes);
  const Partition p = partition(
      data,
      {.scheme = PartitionScheme::kClassesPerWorker, .num_workers = 7, .classes_per_worker = 3},
      43);
  const auto counts = p.label_counts(data);
  std::vector<std::set<std::size_t>> worker_classes(counts.size());
  for (std::size_t i = 0; i < counts.size(); ++i) {
    for (std::size_t k = 0; k < counts[i].size(); ++k)
      if (counts[i][k] > 0) worker_classes[i].insert(k);
    EXPECT_EQ(worker_classes[i].size(), 3u) << "worker " << i;
  }
  std::vector<std::size_t> holder_counts;
  for (std::size_t k = 0; k < class_sizes.size(); ++k) {
    std::vector<Index> pieces;
    for (const auto& row : counts)
      if (row[k] > 0) pieces.push_back(row[k]);
    const auto [smallest, largest] = std::minmax_element(pieces.begin(), pieces.end());
    EXPECT_LE(*largest - *smallest, 1) << "class " << k;
    holder_counts.push_back(pieces.size());
  }
  std::sort(holder_counts.begin(), holder_counts.end());
  EXPECT_EQ(holder_counts, (std::vector<std::size_t>{2, 2, 2, 2, 2, 2, 2, 2, 2, 3}));
  // Documented layout: workers 0..3 hold slots 0..11, which cover all 10 classes.
  std::set<std::size_t> covered;
  for (std::size_t i = 0; i < 4; ++i)
    covered.insert(worker_classes[i].begin(), worker_classes[i].end());
  EXPECT_EQ(covered.size(), 10u);
}

TEST(ClassesPerWorkerPartition, AllClassesPerWorkerSplitsEveryClassEvenly) {
  const Dataset data = block_labelled({30, 31, 32, 33});
  const Partition p = partition(
      data,
      {.scheme = PartitionScheme::kClassesPerWorker, .num_workers = 3, .classes_per_worker = 4},
      47);
  const auto counts = p.label_counts(data);
  for (std::size_t k = 0; k < 4; ++k) {
    Index smallest = counts[0][k];
    Index largest = counts[0][k];
    for (const auto& row : counts) {
      smallest = std::min(smallest, row[k]);
      largest = std::max(largest, row[k]);
    }
    EXPECT_GE(smallest, 10);
    EXPECT_LE(largest - smallest, 1);
  }
}

TEST(ClassesPerWorkerPartition, RejectsMoreClassesPerWorkerThanClasses) {
  const Dataset data = block_labelled(std::vector<Index>(10, 20));
  expect_input_error(
      [&] {
        partition(data,
                  {.scheme = PartitionScheme::kClassesPerWorker,
                   .num_workers = 4,
                   .classes_per_worker = 11},
                  1);
      },
      {"partition.classes_per_worker (11) must be at most the number of classes (10)"});
}

TEST(ClassesPerWorkerPartition, RejectsClassesWithoutAHolder) {
  const Dataset data = block_labelled(std::vector<Index>(10, 20));
  expect_input_error(
      [&] {
        partition(data,
                  {.scheme = PartitionScheme::kClassesPerWorker,
                   .num_workers = 3,
                   .classes_per_worker = 3},
                  1);
      },
      {"partition.num_workers (3) times partition.classes_per_worker (3)",
       "at least the number of classes (10)"});
}

TEST(ClassesPerWorkerPartition, RejectsAWorkerLeftWithoutSamples) {
  // Two classes with 1 and 5 samples, 4 workers holding one class each: each class has two
  // holders, so one holder of the single-sample class gets nothing.
  const Dataset data = block_labelled({1, 5});
  expect_input_error(
      [&] {
        partition(data,
                  {.scheme = PartitionScheme::kClassesPerWorker,
                   .num_workers = 4,
                   .classes_per_worker = 1},
                  1);
      },
      {"with 0 samples", "fewer than partition.min_samples_per_worker (1)",
       "(1 samples, 2 holders)"});
}

// --- quantity_skew ------------------------------------------------------------------------

TEST(QuantitySkewPartition, SmallAlphaGivesUnequalSizesAboveTheMinimum) {
  // β = 0.1, n = 20, N = 10000, minimum 10: E CV² of Dir(β·1_n) shares is
  // (n − 1)/(nβ + 1) = 6.3. Over 20000 seeds the size CV was never below 0.93; 0.6 is far
  // below (reaching it needs all 20 Dir(0.1) shares under ≈ 0.26 at once).
  constexpr double kMinCoefficientOfVariation = 0.6;
  const Dataset data = block_labelled({2500, 2500, 2500, 2500});
  const Partition p = partition(data,
                                {.scheme = PartitionScheme::kQuantitySkew,
                                 .num_workers = 20,
                                 .min_samples_per_worker = 10,
                                 .quantity_skew_alpha = 0.1},
                                53);
  const auto sizes = worker_sizes(p);
  EXPECT_GE(*std::min_element(sizes.begin(), sizes.end()), 10);
  EXPECT_GT(coefficient_of_variation(sizes), kMinCoefficientOfVariation);
}

TEST(QuantitySkewPartition, LargeAlphaGivesNearlyEqualSizes) {
  // β = 100, n = 20: E CV² = (n − 1)/(nβ + 1) = 0.0095 (CV ≈ 0.1); CV > 0.3 would need the
  // sum of squared share deviations at 9.5 times its mean (a χ²₁₉-like tail, p < 1e-20).
  // Over 20000 seeds the largest CV was 0.16.
  constexpr double kMaxCoefficientOfVariation = 0.3;
  const Dataset data = block_labelled({2500, 2500, 2500, 2500});
  const Partition p = partition(data,
                                {.scheme = PartitionScheme::kQuantitySkew,
                                 .num_workers = 20,
                                 .min_samples_per_worker = 10,
                                 .quantity_skew_alpha = 100.0},
                                59);
  EXPECT_LT(coefficient_of_variation(worker_sizes(p)), kMaxCoefficientOfVariation);
}

TEST(QuantitySkewPartition, LabelsAreIidWithinEachWorker) {
  // Given the sizes, worker i holds a uniform random subset of m_i samples, so its count of
  // class k is hypergeometric; Hoeffding's bound for sampling without replacement gives
  // P(|count − m_i·p_k| ≥ t) ≤ 2 exp(−2t²/m_i). With t = √(m_i·ln(2/δ)/2), δ = 1e-7 per cell,
  // over 20 workers × 4 classes the failure probability is ≤ 8e-6. Labels come in class
  // blocks, so a cut without shuffling would put whole blocks on a worker and fail.
  constexpr double kCellFailureProbability = 1e-7;
  const std::vector<Index> class_sizes{4000, 3000, 2000, 1000};
  const Dataset data = block_labelled(class_sizes);
  const Partition p = partition(
      data,
      {.scheme = PartitionScheme::kQuantitySkew, .num_workers = 20, .quantity_skew_alpha = 0.5},
      61);
  const auto sizes = worker_sizes(p);
  const auto counts = p.label_counts(data);
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double m = static_cast<double>(sizes[i]);
    const double half_width = std::sqrt(m * std::log(2.0 / kCellFailureProbability) / 2.0);
    for (std::size_t k = 0; k < class_sizes.size(); ++k) {
      const double share = static_cast<double>(class_sizes[k]) / 10000.0;
      EXPECT_NEAR(static_cast<double>(counts[i][k]), m * share, half_width)
          << "worker " << i << " (size " << sizes[i] << ") class " << k;
    }
  }
}

// --- helpers ------------------------------------------------------------------------------

TEST(ApportionLargestRemainder, GivesTheRemainderToTheLargestFractions) {
  const std::vector<double> thirds{1.0, 1.0, 1.0};
  EXPECT_EQ(apportion_largest_remainder(10, thirds), (std::vector<Index>{4, 3, 3}));
  const std::vector<double> weights{0.5, 0.3, 0.2};  // 3.5, 2.1, 1.4 → 3 + 1, 2, 1
  EXPECT_EQ(apportion_largest_remainder(7, weights), (std::vector<Index>{4, 2, 1}));
  const std::vector<double> with_zero{2.0, 0.0};
  EXPECT_EQ(apportion_largest_remainder(5, with_zero), (std::vector<Index>{5, 0}));
  EXPECT_EQ(apportion_largest_remainder(0, thirds), (std::vector<Index>{0, 0, 0}));
}

TEST(ApportionLargestRemainder, CountsSumExactlyAndStayWithinOneOfTheShare) {
  RandomStream rng(71);
  for (int trial = 0; trial < 200; ++trial) {
    const auto n = static_cast<std::size_t>(1 + rng.uniform_index(30));
    std::vector<double> weights(n);
    for (double& w : weights) w = rng.exponential(1.0);
    const auto total = static_cast<Index>(rng.uniform_index(100000));
    const auto counts = apportion_largest_remainder(total, weights);
    EXPECT_EQ(std::accumulate(counts.begin(), counts.end(), Index{0}), total);
    const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      const double share = static_cast<double>(total) * weights[i] / sum;
      EXPECT_LT(std::abs(static_cast<double>(counts[i]) - share), 1.0);
    }
  }
}

TEST(ApportionLargestRemainder, RejectsInvalidWeights) {
  const std::vector<double> negative{1.0, -1.0};
  const std::vector<double> zeros{0.0, 0.0};
  const std::vector<double> none;
  EXPECT_THROW(apportion_largest_remainder(3, negative), std::invalid_argument);
  EXPECT_THROW(apportion_largest_remainder(3, zeros), std::invalid_argument);
  EXPECT_THROW(apportion_largest_remainder(3, none), std::invalid_argument);
  const std::vector<double> ok{1.0};
  EXPECT_THROW(apportion_largest_remainder(-1, ok), std::invalid_argument);
}

TEST(DrawDirichlet, ProportionsAreNonNegativeAndSumToOneEvenForTinyAlpha) {
  // Sums of 50 doubles in [0, 1] normalised by their own sum: error a few ulps.
  constexpr double kSumTolerance = 1e-13;
  RandomStream rng(73);
  for (double alpha : {1e-3, 0.05, 1.0, 50.0}) {
    const auto q = draw_dirichlet(alpha, 50, rng);
    ASSERT_EQ(q.size(), 50u);
    double sum = 0.0;
    for (double value : q) {
      EXPECT_GE(value, 0.0);
      EXPECT_TRUE(std::isfinite(value));
      sum += value;
    }
    EXPECT_NEAR(sum, 1.0, kSumTolerance) << "alpha " << alpha;
  }
  EXPECT_THROW(draw_dirichlet(0.0, 3, rng), std::invalid_argument);
  EXPECT_THROW(draw_dirichlet(1.0, 0, rng), std::invalid_argument);
}

}  // namespace
}  // namespace dsgdlab
