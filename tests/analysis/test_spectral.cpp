#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/analysis/estimators/spectral.hpp"
#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/random.hpp"

namespace dsgdlab {
namespace {

constexpr double kPi = std::numbers::pi;

/// Eigenvalues of the matrices below are O(1) and the dense solver is backward stable, so it
/// returns them to an absolute error of a few n·ε ≈ 1e-13 for n ≤ 300; 1e-12 leaves a margin.
constexpr double kDenseTolerance = 1e-12;
/// The sparse solver stops when a Ritz residual is ≤ 1e-10·|θ| (the default tolerance), which
/// bounds the eigenvalue error of the inverted operator by 1e-10 relative; the bisection
/// fallback brackets 1 + λ_n to the same relative width. Eigenvalues of W are O(1), so 1e-9
/// absolute (and relative on the gap) covers both with a factor 10 of margin.
constexpr double kSparseTolerance = 1e-9;
/// A converged eigenpair (unit vector u) has ‖Wu − λu‖ about tolerance·‖W‖ or better.
constexpr double kResidualTolerance = 1e-8;

SpectralOptions dense() { return {.method = EigenMethod::kDense}; }
SpectralOptions sparse() { return {.method = EigenMethod::kSparse}; }

/// Sorted decreasingly, without the eigenvalue of the constant vector (k = 0 / (0, 0)).
std::pair<double, double> extremes(const std::vector<double>& nontrivial) {
  return {*std::max_element(nontrivial.begin(), nontrivial.end()),
          *std::min_element(nontrivial.begin(), nontrivial.end())};
}

void expect_spectrum(const MixingSpectrum& s, double lambda_2, double lambda_n, double tolerance,
                     const std::string& label) {
  SCOPED_TRACE(label + " (method " + std::string(to_string(s.method)) + ", " +
               std::to_string(s.iterations) + " restarts, status " + s.status.to_string() + ")");
  EXPECT_TRUE(s.status.is_ok());
  EXPECT_NEAR(s.second_largest, lambda_2, tolerance);
  EXPECT_NEAR(s.smallest, lambda_n, tolerance);
  const double slem = std::max(std::abs(lambda_2), std::abs(lambda_n));
  EXPECT_NEAR(s.slem, slem, tolerance);
  EXPECT_NEAR(s.spectral_gap, 1.0 - slem, tolerance);
  EXPECT_LE(s.residual, kResidualTolerance);
}

TEST(MixingSpectrum, RingWithUniformWeightsMatchesClosedForm) {
  // W_ii = W_{i,i±1} = 1/3: λ_k = (1 + 2cos(2πk/n))/3.
  for (const int n : {3, 4, 11, 12, 64}) {
    std::vector<double> lambdas;
    for (int k = 1; k < n; ++k) lambdas.push_back((1.0 + 2.0 * std::cos(2.0 * kPi * k / n)) / 3.0);
    const auto [lambda_2, lambda_n] = extremes(lambdas);
    const SparseMatrix w = mixing_matrix(ring(n), MixingRule::kUniform);
    expect_spectrum(mixing_spectrum(w, dense()), lambda_2, lambda_n, kDenseTolerance,
                    "ring n = " + std::to_string(n));
    expect_spectrum(mixing_spectrum(w, sparse()), lambda_2, lambda_n, kSparseTolerance,
                    "ring n = " + std::to_string(n));
  }
}

TEST(MixingSpectrum, CompleteGraphAveragesInOneStep) {
  // W = 11ᵀ/n: eigenvalues 1 and 0 (n − 1 times), SLEM 0, gap 1.
  for (const int n : {2, 5, 40}) {
    const SparseMatrix w = mixing_matrix(complete(n), MixingRule::kUniform);
    expect_spectrum(mixing_spectrum(w, dense()), 0.0, 0.0, kDenseTolerance, "complete");
    if (n > 2) {
      expect_spectrum(mixing_spectrum(w, sparse()), 0.0, 0.0, kSparseTolerance, "complete");
    }
  }
}

TEST(MixingSpectrum, StarHasThreeDistinctEigenvalues) {
  // Star with Metropolis–Hastings weights: W_0j = 1/n, W_jj = 1 − 1/n, W_00 = 1/n. Vectors on
  // the leaves summing to 0 give 1 − 1/n (n − 2 times); the trace leaves 0 for the last one.
  // Three distinct eigenvalues: the Lanczos recurrence breaks down on an invariant subspace.
  for (const int n : {4, 50, 3000}) {
    const SparseMatrix w = mixing_matrix(star(n), MixingRule::kMetropolisHastings);
    const double lambda_2 = 1.0 - 1.0 / n;
    if (n <= 50) {
      expect_spectrum(mixing_spectrum(w, dense()), lambda_2, 0.0, kDenseTolerance, "star");
    }
    expect_spectrum(mixing_spectrum(w, sparse()), lambda_2, 0.0, kSparseTolerance, "star");
  }
}

TEST(MixingSpectrum, HypercubeMatchesClosedForm) {
  // Q_D with uniform weights 1/(D + 1): W = (I + A)/(D + 1) and A has eigenvalues D − 2k,
  // k = 0..D, so λ = 1 − 2k/(D + 1): λ_2 = (D − 1)/(D + 1), λ_n = (1 − D)/(D + 1), and
  // SLEM = (D − 1)/(D + 1). Metropolis–Hastings is the same matrix on a regular graph.
  for (const int d : {2, 3, 5, 7}) {
    const double lambda_2 = (d - 1.0) / (d + 1.0);
    const double lambda_n = (1.0 - d) / (d + 1.0);
    for (const MixingRule rule : {MixingRule::kUniform, MixingRule::kMetropolisHastings}) {
      const SparseMatrix w = mixing_matrix(hypercube(d), rule);
      const std::string label = "hypercube D = " + std::to_string(d);
      expect_spectrum(mixing_spectrum(w, dense()), lambda_2, lambda_n, kDenseTolerance, label);
      expect_spectrum(mixing_spectrum(w, sparse()), lambda_2, lambda_n, kSparseTolerance, label);
    }
  }
}

TEST(MixingSpectrum, TorusMatchesClosedForm) {
  // r × c torus, weights 1/5: λ_ab = (1 + 2cos(2πa/r) + 2cos(2πb/c))/5, (a, b) ≠ (0, 0).
  for (const auto& [rows, cols] : {std::pair{3, 3}, std::pair{5, 7}, std::pair{6, 8}}) {
    std::vector<double> lambdas;
    for (int a = 0; a < rows; ++a) {
      for (int b = 0; b < cols; ++b) {
        if (a == 0 && b == 0) continue;
        lambdas.push_back(
            (1.0 + 2.0 * std::cos(2.0 * kPi * a / rows) + 2.0 * std::cos(2.0 * kPi * b / cols)) /
            5.0);
      }
    }
    const auto [lambda_2, lambda_n] = extremes(lambdas);
    const SparseMatrix w = mixing_matrix(torus(rows, cols), MixingRule::kUniform);
    const std::string label = "torus " + std::to_string(rows) + " x " + std::to_string(cols);
    expect_spectrum(mixing_spectrum(w, dense()), lambda_2, lambda_n, kDenseTolerance, label);
    expect_spectrum(mixing_spectrum(w, sparse()), lambda_2, lambda_n, kSparseTolerance, label);
  }
}

TEST(MixingSpectrum, BipartiteZeroDiagonalHasSmallestEigenvalueMinusOne) {
  // Ring of 8 with W_{i,i±1} = 1/2 and a zero diagonal: λ_k = cos(2πk/8), so λ_n = −1 (the
  // alternating vector), SLEM = 1 and the gap is 0. The sparse solver sees the singular
  // I + W through a zero pivot and reports exactly −1.
  const int n = 8;
  std::vector<Eigen::Triplet<double>> triplets;
  for (int i = 0; i < n; ++i) {
    triplets.emplace_back(i, (i + 1) % n, 0.5);
    triplets.emplace_back((i + 1) % n, i, 0.5);
  }
  SparseMatrix w(n, n);
  w.setFromTriplets(triplets.begin(), triplets.end());
  const double lambda_2 = std::cos(2.0 * kPi / n);
  expect_spectrum(mixing_spectrum(w, dense()), lambda_2, -1.0, kDenseTolerance, "bipartite");
  const MixingSpectrum s = mixing_spectrum(w, sparse());
  expect_spectrum(s, lambda_2, -1.0, kSparseTolerance, "bipartite");
  EXPECT_EQ(s.smallest, -1.0);
  EXPECT_EQ(s.spectral_gap, 0.0);
}

TEST(MixingSpectrum, SignedMatrixWithEigenvaluesAboveOne) {
  // W = I + 0.1·L_ring (negative off-diagonal weights; still symmetric and stochastic): the
  // eigenvalues other than 1 are 1 + 0.1·(2 − 2cos(2πk/6)) ∈ [1.1, 1.4], so λ_2 = 1.4 > 1,
  // λ_n = 1.1 and SLEM − 1 = 0.4 = −gap. Exercises the solvers' indefinite branches.
  const int n = 6;
  std::vector<Eigen::Triplet<double>> triplets;
  for (int i = 0; i < n; ++i) {
    triplets.emplace_back(i, i, 1.2);
    triplets.emplace_back(i, (i + 1) % n, -0.1);
    triplets.emplace_back((i + 1) % n, i, -0.1);
  }
  SparseMatrix w(n, n);
  w.setFromTriplets(triplets.begin(), triplets.end());
  expect_spectrum(mixing_spectrum(w, dense()), 1.4, 1.1, kDenseTolerance, "signed");
  expect_spectrum(mixing_spectrum(w, sparse()), 1.4, 1.1, kSparseTolerance, "signed");
}

TEST(MixingSpectrum, DenseAndSparseAgreeOnRandomGraphs) {
  // Erdős–Rényi graphs with Metropolis–Hastings weights. Both solvers are within 1e-10
  // relative of the truth on the gap (dense: absolute error ~n·ε ≈ 7e-14 on a gap ≥ 1e-3;
  // sparse: the Lanczos tolerance), so 1e-9 relative is a safe bound on their difference.
  constexpr double kAgreement = 1e-9;
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    for (const int n : {50, 120, 300}) {
      RandomStream rng(seed * 1000 + static_cast<std::uint64_t>(n));
      const Graph graph = erdos_renyi(n, 8.0 / n, rng, 1000);
      const SparseMatrix w = mixing_matrix(graph, MixingRule::kMetropolisHastings);
      const MixingSpectrum d = mixing_spectrum(w, dense());
      const MixingSpectrum s = mixing_spectrum(w, sparse());
      SCOPED_TRACE("seed " + std::to_string(seed) + ", n " + std::to_string(n) + ", " +
                   std::to_string(s.iterations) + " restarts, " + s.status.to_string());
      ASSERT_TRUE(d.status.is_ok());
      ASSERT_TRUE(s.status.is_ok());
      EXPECT_EQ(d.method, EigenMethod::kDense);
      EXPECT_EQ(s.method, EigenMethod::kSparse);
      EXPECT_NEAR(s.spectral_gap, d.spectral_gap, kAgreement * d.spectral_gap);
      EXPECT_NEAR(s.second_largest, d.second_largest, kAgreement);
      EXPECT_NEAR(s.smallest, d.smallest, kAgreement);
      EXPECT_LE(d.residual, kResidualTolerance);
      EXPECT_LE(s.residual, kResidualTolerance);
    }
  }
}

TEST(MixingSpectrum, RingOfHundredThousandBySparseSolver) {
  // 1 − λ_2 = 2(1 − cos(2π/n))/3 = (4/3)·sin²(π/n) ≈ 1.3e-9 (written with sin² to be exact in
  // floating point); n even, so 1 + λ_n = (1 + 2cos π)/3 + 1 = 2/3 and the gap is 1 − λ_2.
  // The solver works in relative precision; 1e-6 relative is the acceptance bound.
  constexpr int n = 100000;
  constexpr double kRelative = 1e-6;
  const double sine = std::sin(kPi / n);
  const double gap = 4.0 / 3.0 * sine * sine;
  const SparseMatrix w = mixing_matrix(ring(n), MixingRule::kMetropolisHastings);
  const MixingSpectrum s = mixing_spectrum(w, {});  // auto: n > 1000, so sparse
  SCOPED_TRACE(std::to_string(s.iterations) + " restarts, " + s.status.to_string());
  EXPECT_EQ(s.method, EigenMethod::kSparse);
  EXPECT_TRUE(s.status.is_ok());
  EXPECT_NEAR(s.spectral_gap, gap, kRelative * gap);
  EXPECT_NEAR(s.smallest, -1.0 / 3.0, kSparseTolerance);
  EXPECT_NEAR(1.0 - s.slem, gap, kRelative * gap);
  EXPECT_LE(s.residual, kResidualTolerance);
}

TEST(MixingSpectrum, SparseSolverIsDeterministic) {
  RandomStream rng(7);
  const Graph graph = erdos_renyi(200, 0.05, rng, 1000);
  const SparseMatrix w = mixing_matrix(graph, MixingRule::kMetropolisHastings);
  const MixingSpectrum first = mixing_spectrum(w, sparse());
  const MixingSpectrum second = mixing_spectrum(w, sparse());
  EXPECT_EQ(first.second_largest, second.second_largest);
  EXPECT_EQ(first.smallest, second.smallest);
  EXPECT_EQ(first.iterations, second.iterations);
}

TEST(MixingSpectrum, SparseSolverKeepsRelativePrecisionWithTinyWeights) {
  // E[W] of a ring of 200 with π = 1e-6 on every edge (pairs that rarely average): W = I −
  // ½·1e-6·L_ring, 1 − λ_2 = ½·1e-6·4sin²(π/n) ≈ 4.9e-10. The dense solver's absolute error
  // (~1e-14) would be a relative error of 1e-5 here; the sparse one works on the Laplacian's
  // weights and keeps the Lanczos tolerance (1e-10) relative, so 1e-9 relative holds.
  constexpr int n = 200;
  const Graph graph = ring(n);
  const std::vector<double> pi(graph.num_edges(), 1e-6);
  const SparseMatrix expected = adpsgd_expected_mixing(graph, pi);
  const double sine = std::sin(kPi / n);
  const double gap = 2e-6 * sine * sine;
  const MixingSpectrum s = mixing_spectrum(expected, sparse());
  SCOPED_TRACE(s.status.to_string());
  EXPECT_TRUE(s.status.is_ok());
  EXPECT_NEAR(s.spectral_gap, gap, kSparseTolerance * gap);
  EXPECT_NEAR(1.0 - adpsgd_rho(s), gap, 1e-6 * gap);  // ρ itself is rounded to ε = 2e-16
}

TEST(MixingSpectrum, SingleWorkerHasNoGap) {
  SparseMatrix w(1, 1);
  w.insert(0, 0) = 1.0;
  for (const SpectralOptions& options : {dense(), sparse()}) {
    const MixingSpectrum s = mixing_spectrum(w, options);
    EXPECT_EQ(s.num_workers, 1);
    EXPECT_EQ(s.second_largest, 1.0);
    EXPECT_EQ(s.slem, 1.0);
    EXPECT_EQ(s.spectral_gap, 0.0);
    EXPECT_TRUE(s.status.is_ok());
  }
}

TEST(MixingSpectrum, AutoPicksDenseUpToTheThreshold) {
  const SparseMatrix w = mixing_matrix(ring(30), MixingRule::kUniform);
  EXPECT_EQ(mixing_spectrum(w, {.dense_max_workers = 30}).method, EigenMethod::kDense);
  EXPECT_EQ(mixing_spectrum(w, {.dense_max_workers = 29}).method, EigenMethod::kSparse);
}

std::string input_error_message(const SparseMatrix& w, const SpectralOptions& options = {}) {
  try {
    mixing_spectrum(w, options);
  } catch (const InputError& error) {
    return error.what();
  }
  return "(no InputError)";
}

TEST(MixingSpectrum, DisconnectedSupportNamesTheComponents) {
  // Two triangles, each averaged exactly: W is block diagonal, λ_2 = 1.
  SparseMatrix w(6, 6);
  for (int block = 0; block < 2; ++block) {
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) w.insert(3 * block + i, 3 * block + j) = 1.0 / 3.0;
    }
  }
  for (const SpectralOptions& options : {dense(), sparse()}) {
    const std::string message = input_error_message(w, options);
    EXPECT_NE(message.find("disconnected"), std::string::npos) << message;
    EXPECT_NE(message.find("2 components: {0, 1, 2}, {3, 4, 5}"), std::string::npos) << message;
    EXPECT_NE(message.find("ρ = 1"), std::string::npos) << message;
  }
}

TEST(MixingSpectrum, RejectsNonSymmetricNonStochasticAndNonSquare) {
  SparseMatrix non_symmetric = mixing_matrix(ring(5), MixingRule::kUniform);
  non_symmetric.coeffRef(0, 1) += 1e-6;
  non_symmetric.coeffRef(0, 0) -= 1e-6;  // rows still sum to 1
  EXPECT_NE(input_error_message(non_symmetric).find("not symmetric: W(0,1)"), std::string::npos)
      << input_error_message(non_symmetric);

  SparseMatrix non_stochastic = mixing_matrix(ring(5), MixingRule::kUniform);
  non_stochastic.coeffRef(2, 2) += 1e-6;
  EXPECT_NE(input_error_message(non_stochastic).find("row 2 sums to"), std::string::npos)
      << input_error_message(non_stochastic);

  EXPECT_NE(input_error_message(SparseMatrix(3, 4)).find("not square: 3 x 4"), std::string::npos);
  EXPECT_NE(input_error_message(SparseMatrix(0, 0)).find("empty"), std::string::npos);

  SparseMatrix not_finite = mixing_matrix(ring(5), MixingRule::kUniform);
  not_finite.coeffRef(1, 1) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(input_error_message(not_finite).find("non-finite entry: W(1,1)"), std::string::npos);
}

TEST(MixingSpectrum, KrylovDimensionAboveNMinusOneIsAnInputError) {
  const SparseMatrix w = mixing_matrix(ring(10), MixingRule::kUniform);
  EXPECT_NE(input_error_message(w, {.method = EigenMethod::kSparse, .krylov_dimension = 10})
                .find("spectral.krylov_dimension (10)"),
            std::string::npos);
}

TEST(MixingSpectrum, ForcedNonConvergenceIsAFailedStatusNotAnException) {
  // One restart of a 3-vector Krylov basis cannot reach a 1e-15 residual on a ring of 2000.
  const SparseMatrix w = mixing_matrix(ring(2000), MixingRule::kUniform);
  const SpectralOptions options{.method = EigenMethod::kSparse,
                                .tolerance = 1e-15,
                                .max_iterations = 1,
                                .krylov_dimension = 3};
  MixingSpectrum s;
  ASSERT_NO_THROW(s = mixing_spectrum(w, options));
  EXPECT_EQ(s.status.code(), StatusCode::kFailed);
  EXPECT_NE(s.status.message().find("Lanczos for 1 − λ_2 did not converge in"), std::string::npos)
      << s.status.message();
  EXPECT_NE(s.status.message().find("tolerance 1e-15"), std::string::npos);
  // The last estimates are still numbers in range.
  EXPECT_TRUE(std::isfinite(s.second_largest));
  EXPECT_GT(s.second_largest, 0.9);
  EXPECT_LT(s.second_largest, 1.0);
}

std::string options_error(const SpectralOptions& options) {
  try {
    options.validate();
  } catch (const InputError& error) {
    return error.what();
  }
  return "(no InputError)";
}

TEST(SpectralOptions, ValidateNamesTheField) {
  EXPECT_NO_THROW(SpectralOptions{}.validate());
  EXPECT_EQ(options_error({.dense_max_workers = 0}),
            "spectral.dense_max_workers (0) must be at least 1");
  EXPECT_EQ(options_error({.tolerance = 0.0}), "spectral.tolerance (0) must lie in (0, 1)");
  EXPECT_EQ(options_error({.tolerance = 1.5}), "spectral.tolerance (1.5) must lie in (0, 1)");
  EXPECT_NE(options_error({.tolerance = std::numeric_limits<double>::quiet_NaN()})
                .find("spectral.tolerance"),
            std::string::npos);
  EXPECT_EQ(options_error({.max_iterations = 0}), "spectral.max_iterations (0) must be at least 1");
  EXPECT_EQ(options_error({.krylov_dimension = 2}),
            "spectral.krylov_dimension (2) must be 0 (automatic) or at least 3");
  // mixing_spectrum validates its options.
  const SparseMatrix w = mixing_matrix(ring(5), MixingRule::kUniform);
  EXPECT_THROW(mixing_spectrum(w, {.max_iterations = 0}), InputError);
}

TEST(EigenMethod, NamesRoundTripAndUnknownNamesAreErrors) {
  for (const EigenMethod method : {EigenMethod::kAuto, EigenMethod::kDense, EigenMethod::kSparse}) {
    EXPECT_EQ(parse_eigen_method(to_string(method)), method);
  }
  try {
    parse_eigen_method("lanczos", "estimators.spectral_method");
    FAIL() << "expected an InputError";
  } catch (const InputError& error) {
    EXPECT_STREQ(error.what(),
                 "estimators.spectral_method (\"lanczos\") is not a known eigen method (auto, "
                 "dense, sparse)");
  }
}

TEST(DpsgdRho, IsTheSquaredSlem) {
  const SparseMatrix w = mixing_matrix(hypercube(3), MixingRule::kUniform);
  const MixingSpectrum s = mixing_spectrum(w);
  EXPECT_DOUBLE_EQ(dpsgd_rho(s), 0.25);  // SLEM = (3 − 1)/(3 + 1) = 1/2
}

TEST(AdpsgdPairProbabilities, RandomPairingOnARing) {
  // Uniform initiator, 2 neighbours each: π_ij = (1/n)/2 + (1/n)/2 = 1/n on every edge.
  const int n = 16;
  const Graph graph = ring(n);
  const std::vector<double> pi = adpsgd_pair_probabilities(graph, PairingMode::kRandom, {});
  ASSERT_EQ(pi.size(), graph.num_edges());
  for (const double value : pi) EXPECT_DOUBLE_EQ(value, 1.0 / n);
}

TEST(AdpsgdPairProbabilities, RingRhoMatchesClosedForm) {
  // E[W] = I − L_ring/(2n): eigenvalues 1 − (1 − cos(2πk/n))/n, ρ = 1 − (1 − cos(2π/n))/n,
  // 0.995242 for n = 16 (the value in theory.md, rounded to 6 decimals, hence 1e-6).
  const int n = 16;
  const Graph graph = ring(n);
  const SparseMatrix expected =
      adpsgd_expected_mixing(graph, adpsgd_pair_probabilities(graph, PairingMode::kRandom, {}));
  for (const SpectralOptions& options : {dense(), sparse()}) {
    const MixingSpectrum s = mixing_spectrum(expected, options);
    const double rho = adpsgd_rho(s);
    EXPECT_NEAR(rho, 0.995242, 1e-6);
    EXPECT_NEAR(rho, 1.0 - (1.0 - std::cos(2.0 * kPi / n)) / n, kSparseTolerance);
    EXPECT_GE(s.smallest, 0.0);  // eigenvalues of E[W] lie in [0, 1]
    // The direct formula loses ~ε/(1 − √ρ) ≈ 1e-13 relative to cancellation in 1 − √ρ.
    const double direct =
        (15.0 / 16.0) *
        (1.0 / (1.0 - rho) + 2.0 * std::sqrt(rho) / std::pow(1.0 - std::sqrt(rho), 2));
    EXPECT_NEAR(adpsgd_rho_bar(rho, n), direct, 1e-11 * direct);
  }
}

TEST(AdpsgdPairProbabilities, BipartitePairingOnlyActiveSideInitiates) {
  // Star with centre 0 (side 0, active): π_0j = p_0/deg(0) = (1/n)/(n − 1). Random pairing
  // adds the leaf's own initiation: π_0j = (1/n)/(n − 1) + (1/n)/1.
  const int n = 5;
  const Graph graph = star(n);
  const auto bipartite = adpsgd_pair_probabilities(graph, PairingMode::kBipartite, {});
  const auto random = adpsgd_pair_probabilities(graph, PairingMode::kRandom, {});
  for (std::size_t e = 0; e < graph.num_edges(); ++e) {
    EXPECT_DOUBLE_EQ(bipartite[e], 1.0 / n / (n - 1));
    EXPECT_DOUBLE_EQ(random[e], 1.0 / n / (n - 1) + 1.0 / n);
  }
  // Non-uniform initiators on a ring of 4 (sides {0, 2} active): edge {0,1} gets p_0/2,
  // edge {1,2} gets p_2/2.
  const std::vector<double> p{0.4, 0.1, 0.2, 0.3};
  const auto pi = adpsgd_pair_probabilities(ring(4), PairingMode::kBipartite, p);
  const auto edges = ring(4).edges();  // {0,1}, {0,3}, {1,2}, {2,3}
  ASSERT_EQ(edges[0], std::pair(0, 1));
  EXPECT_DOUBLE_EQ(pi[0], 0.2);
  EXPECT_DOUBLE_EQ(pi[1], 0.2);
  EXPECT_DOUBLE_EQ(pi[2], 0.1);
  EXPECT_DOUBLE_EQ(pi[3], 0.1);
  // The π sum to the active side's share: a passive worker's iteration averages nothing.
  double total = 0.0;
  for (const double value : pi) total += value;
  EXPECT_DOUBLE_EQ(total, 0.6);  // p_0 + p_2
}

std::string pair_error(const Graph& graph, PairingMode mode, std::vector<double> p) {
  try {
    adpsgd_pair_probabilities(graph, mode, p);
  } catch (const InputError& error) {
    return error.what();
  }
  return "(no InputError)";
}

TEST(AdpsgdPairProbabilities, BadInputsAreErrors) {
  EXPECT_NE(pair_error(ring(5), PairingMode::kBipartite, {}).find("not bipartite"),
            std::string::npos);
  EXPECT_NE(
      pair_error(ring(4), PairingMode::kRandom, {0.5, -0.1, 0.3, 0.3}).find("worker 1 (-0.1)"),
      std::string::npos);
  EXPECT_NE(pair_error(ring(4), PairingMode::kRandom, {0.5, 0.1, 0.3, 0.3}).find("sum to 1.2"),
            std::string::npos);
  EXPECT_NE(pair_error(ring(4), PairingMode::kRandom, {0.5, 0.5}).find("2 values"),
            std::string::npos);
  const std::vector<std::pair<int, int>> two_edges{{0, 1}, {2, 3}};
  EXPECT_NE(
      pair_error(Graph::from_edges(4, two_edges), PairingMode::kRandom, {}).find("disconnected"),
      std::string::npos);
}

TEST(MeasuredPairProbabilities, CountsOverIterations) {
  const Graph graph = ring(4);
  const std::vector<std::int64_t> counts{10, 20, 30, 0};
  const auto pi = measured_pair_probabilities(graph, counts, 100);
  EXPECT_EQ(pi, (std::vector<double>{0.1, 0.2, 0.3, 0.0}));
  // E[W] keeps the zero edge in its pattern, and its spectrum is still computable while the
  // observed pairs connect the graph.
  const SparseMatrix expected = adpsgd_expected_mixing(graph, pi);
  EXPECT_EQ(expected.nonZeros(), 4 + 2 * 4);
  EXPECT_TRUE(mixing_spectrum(expected).status.is_ok());
}

TEST(MeasuredPairProbabilities, BadCountsAreErrors) {
  const Graph graph = ring(4);
  const std::vector<std::int64_t> short_counts{1, 2};
  EXPECT_THROW(measured_pair_probabilities(graph, short_counts, 10), InputError);
  const std::vector<std::int64_t> negative{1, -2, 3, 4};
  EXPECT_THROW(measured_pair_probabilities(graph, negative, 10), InputError);
  const std::vector<std::int64_t> too_many{5, 5, 5, 5};
  EXPECT_THROW(measured_pair_probabilities(graph, too_many, 10), InputError);
  const std::vector<std::int64_t> zeros{0, 0, 0, 0};
  EXPECT_THROW(measured_pair_probabilities(graph, zeros, 0), InputError);
}

TEST(AdpsgdExpectedMixing, IsIMinusHalfTheLaplacian) {
  const Graph graph = ring(4);
  const std::vector<double> pi{0.1, 0.2, 0.3, 0.4};  // {0,1}, {0,3}, {1,2}, {2,3}
  const Matrix expected = Matrix(adpsgd_expected_mixing(graph, pi));
  EXPECT_DOUBLE_EQ(expected(0, 1), 0.05);
  EXPECT_DOUBLE_EQ(expected(3, 0), 0.1);
  EXPECT_DOUBLE_EQ(expected(0, 0), 1.0 - 0.5 * (0.1 + 0.2));
  EXPECT_DOUBLE_EQ(expected(2, 2), 1.0 - 0.5 * (0.3 + 0.4));
  EXPECT_DOUBLE_EQ(expected(0, 2), 0.0);
  const std::vector<double> bad{0.1, 1.5, 0.3, 0.4};
  EXPECT_THROW(adpsgd_expected_mixing(graph, bad), InputError);
  const std::vector<double> short_pi{0.1};
  EXPECT_THROW(adpsgd_expected_mixing(graph, short_pi), InputError);
}

TEST(AdpsgdRhoBar, EdgeCasesAndErrors) {
  EXPECT_EQ(adpsgd_rho_bar(1.0, 8), std::numeric_limits<double>::infinity());
  EXPECT_EQ(adpsgd_rho_bar(0.0, 8), 7.0 / 8.0);  // 1/(1 − 0) + 0
  EXPECT_EQ(adpsgd_rho_bar(0.5, 1), 0.0);        // (n − 1)/n = 0
  EXPECT_THROW(adpsgd_rho_bar(1.5, 8), InputError);
  EXPECT_THROW(adpsgd_rho_bar(-0.1, 8), InputError);
  EXPECT_THROW(adpsgd_rho_bar(0.5, 0), InputError);
}

}  // namespace
}  // namespace dsgdlab
