#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/random.hpp"
#include "dsgdlab/problems/gram_spectrum.hpp"

namespace dsgdlab {
namespace {

/// Gaussian features N(mean_shift·1, I) in contiguous worker blocks of the given sizes.
Dataset make_dataset(Index p, const std::vector<Index>& sizes, double mean_shift,
                     std::uint64_t seed) {
  RandomStream rng(seed);
  Index total = 0;
  for (Index n : sizes) total += n;
  Dataset data;
  data.num_classes = 1;
  data.features.resize(p, total);
  rng.fill_normal(Eigen::Map<Vector>(data.features.data(), data.features.size()));
  data.features.array() += mean_shift;
  data.labels.assign(static_cast<std::size_t>(total), 0);
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

/// λ_max((1/n_i) A_iᵀA_i) by a dense eigen-solve, for reference.
double dense_top_eigenvalue(const Dataset& data, const Partition& partition, int worker) {
  const auto& samples = partition.worker_samples[static_cast<std::size_t>(worker)];
  Matrix a(data.num_features(), static_cast<Index>(samples.size()));
  for (Index k = 0; k < a.cols(); ++k)
    a.col(k) = data.features.col(samples[static_cast<std::size_t>(k)]);
  const Matrix gram = a * a.transpose() / static_cast<double>(samples.size());
  return Eigen::SelfAdjointEigenSolver<Matrix>(gram, Eigen::EigenvaluesOnly)
      .eigenvalues()
      .maxCoeff();
}

// The reported value is λ̂(1 + 1e-8) with λ̂ accurate to the solver tolerance (1e-10 for
// Lanczos, ~1e-15 for the dense solver); the reference dense solve is accurate to ~1e-14.
// So value/λ must lie in [1, 1 + 1e-8 + 1e-9].
constexpr double kInflation = 1e-8;
constexpr double kSlack = 1e-9;

void expect_matches_dense(const Dataset& data, const Partition& partition,
                          GramEigenvalueMethod expected_method) {
  const GramSpectrumBound bound = local_gram_spectrum(data, partition);
  ASSERT_EQ(bound.workers.size(), partition.worker_samples.size());
  double largest = 0.0;
  for (int i = 0; i < partition.num_workers(); ++i) {
    const auto& local = bound.workers[static_cast<std::size_t>(i)];
    const double reference = dense_top_eigenvalue(data, partition, i);
    EXPECT_EQ(local.method, expected_method) << "worker " << i;
    EXPECT_GE(local.value, reference) << "worker " << i << ", iterations " << local.iterations;
    EXPECT_LE(local.value, reference * (1.0 + kInflation + kSlack))
        << "worker " << i << ", iterations " << local.iterations;
    largest = std::max(largest, reference);
  }
  EXPECT_GE(bound.value, largest);
  EXPECT_LE(bound.value, largest * (1.0 + kInflation + kSlack));
  EXPECT_EQ(bound.value, bound.workers[static_cast<std::size_t>(bound.worst_worker)].value);
  EXPECT_FALSE(bound.used_trace_bound());
  EXPECT_EQ(max_local_gram_eigenvalue(data, partition), bound.value);
}

TEST(GramSpectrum, DensePathMatchesDenseEigenSolve) {
  const std::vector<Index> sizes{30, 5, 80};  // worker 1 has rank ≤ 5 < p
  const Dataset data = make_dataset(10, sizes, 0.3, 1);
  expect_matches_dense(data, contiguous_partition(sizes), GramEigenvalueMethod::kDense);
}

TEST(GramSpectrum, LanczosPathMatchesDenseEigenSolve) {
  // p = 100 > 64: Lanczos. A mean shift separates the top eigenvalue (fast convergence);
  // centred data gives a Marchenko–Pastur bulk whose top edge is clustered (slow).
  const std::vector<Index> sizes{300, 150, 60};  // worker 2 is rank deficient
  const Partition partition = contiguous_partition(sizes);
  for (double shift : {0.0, 0.5}) {
    SCOPED_TRACE("mean shift " + std::to_string(shift));
    expect_matches_dense(make_dataset(100, sizes, shift, 2), partition,
                         GramEigenvalueMethod::kLanczos);
  }
}

TEST(GramSpectrum, FallsBackToTheTraceBoundWhenLanczosFails) {
  // A 3-vector Krylov basis with one restart cannot reach 1e-10 on a clustered 100×100
  // spectrum; the result must then be the trace (a rigorous bound), flagged as such.
  const std::vector<Index> sizes{200, 200};
  const Dataset data = make_dataset(100, sizes, 0.0, 3);
  const Partition partition = contiguous_partition(sizes);
  const GramSpectrumBound bound =
      local_gram_spectrum(data, partition, {.max_restarts = 1, .lanczos_basis_size = 3});
  EXPECT_TRUE(bound.used_trace_bound());
  for (int i = 0; i < 2; ++i) {
    const auto& local = bound.workers[static_cast<std::size_t>(i)];
    EXPECT_EQ(local.method, GramEigenvalueMethod::kTraceBound) << "worker " << i;
    double trace = 0.0;
    for (Index s : partition.worker_samples[static_cast<std::size_t>(i)])
      trace += data.features.col(s).squaredNorm() / 200.0;
    EXPECT_NEAR(local.value, trace, 1e-12 * trace);  // the same sum, re-associated
    EXPECT_GE(local.value, dense_top_eigenvalue(data, partition, i));
  }
}

TEST(GramSpectrum, ForcedLanczosOnSmallDimensionsAgrees) {
  // dense_max_features = 0 sends p = 12 through Lanczos too.
  const std::vector<Index> sizes{40, 25};
  const Dataset data = make_dataset(12, sizes, 0.2, 4);
  const Partition partition = contiguous_partition(sizes);
  const GramSpectrumBound bound = local_gram_spectrum(data, partition, {.dense_max_features = 0});
  for (int i = 0; i < 2; ++i) {
    const auto& local = bound.workers[static_cast<std::size_t>(i)];
    const double reference = dense_top_eigenvalue(data, partition, i);
    EXPECT_EQ(local.method, GramEigenvalueMethod::kLanczos);
    EXPECT_GE(local.value, reference);
    EXPECT_LE(local.value, reference * (1.0 + kInflation + kSlack));
  }
}

TEST(GramSpectrum, AllZeroWorkerGivesZero) {
  const std::vector<Index> sizes{10, 10};
  Dataset data = make_dataset(80, sizes, 0.0, 5);
  data.features.leftCols(10).setZero();
  const GramSpectrumBound bound = local_gram_spectrum(data, contiguous_partition(sizes));
  EXPECT_EQ(bound.workers[0].value, 0.0);
  EXPECT_EQ(bound.workers[0].method, GramEigenvalueMethod::kTraceBound);
  EXPECT_EQ(bound.worst_worker, 1);
  EXPECT_EQ(to_string(GramEigenvalueMethod::kDense), "dense");
  EXPECT_EQ(to_string(GramEigenvalueMethod::kLanczos), "lanczos");
  EXPECT_EQ(to_string(GramEigenvalueMethod::kTraceBound), "trace_bound");
}

void expect_input_error(const std::function<void()>& action, const std::string& fragment) {
  try {
    action();
    ADD_FAILURE() << "accepted; expected an error mentioning \"" << fragment << "\"";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(GramSpectrum, RejectsInvalidOptionsAndInputs) {
  auto check = [](GramSpectrumOptions options) { return [options] { options.validate(); }; };
  expect_input_error(check({.dense_max_features = -1}),
                     "gram_spectrum.dense_max_features (-1) must be non-negative");
  expect_input_error(check({.relative_tolerance = 0.0}),
                     "gram_spectrum.relative_tolerance (0) must lie in (0, 1e-2]");
  expect_input_error(check({.relative_tolerance = 0.5, .inflation = 1.0}),
                     "gram_spectrum.relative_tolerance (0.5)");
  expect_input_error(check({.inflation = 1e-12}),
                     "gram_spectrum.inflation (1e-12) must be finite and at "
                     "least gram_spectrum.relative_tolerance (1e-10)");
  expect_input_error(check({.max_restarts = 0}),
                     "gram_spectrum.max_restarts (0) must be at least 1");
  expect_input_error(check({.lanczos_basis_size = 1}),
                     "gram_spectrum.lanczos_basis_size (1) must be at least 2");
  const std::vector<Index> sizes{5, 5};
  const Dataset data = make_dataset(3, sizes, 0.0, 6);
  expect_input_error(
      [&] {
        local_gram_spectrum(data, contiguous_partition({5, 4}));
      },
      "sample 9 is held by no worker");
}

}  // namespace
}  // namespace dsgdlab
