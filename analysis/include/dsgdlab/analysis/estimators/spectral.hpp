#pragma once

/// Spectral quantities of gossip matrices (theory.md §4 "Spectral gap").
///
/// For a symmetric doubly stochastic W with eigenvalues 1 = λ_1 ≥ λ_2 ≥ … ≥ λ_n:
///   SLEM(W) = max(|λ_2|, |λ_n|),   spectral gap = 1 − SLEM.
/// - D-PSGD (Lian et al. 2017) uses ρ = SLEM(W)² `[recalled]`.
/// - AD-PSGD (Lian et al. 2018) uses ρ = max(|λ_2|, |λ_n|) of E[W_kᵀW_k] `[paper]`. Every W_k
///   averages one pair and is a projection, so E[W_kᵀW_k] = E[W_k] = I − ½ L_π, with L_π the
///   Laplacian whose edge weights π_ij are the probabilities that {i, j} averages at an
///   iteration; its eigenvalues lie in [0, 1], so ρ = λ_2(E[W]).
///
/// Two solvers give the same numbers:
/// - dense: Eigen's SelfAdjointEigenSolver on the n × n matrix (O(n³), small n);
/// - sparse: Spectra's Lanczos solver on operators built from the sparse matrix, for large n
///   (a ring of 10⁵ workers). The gap is computed in relative precision: 1 − λ_2 as the
///   smallest non-zero eigenvalue of the Laplacian I − W (Lanczos on its pseudo-inverse,
///   applied through a sparse Cholesky factorisation of the grounded Laplacian, on the
///   complement of the known eigenvector 1/√n), and 1 + λ_n as the smallest eigenvalue of
///   I + W (Lanczos on its inverse). A ring of 10⁵ workers has 1 − λ_2 ≈ 2.6·10⁻⁹, which
///   Lanczos on W itself could not resolve.
/// Non-convergence is reported in the result's status, never hidden or thrown.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dsgdlab/algorithms/algorithm_options.hpp"
#include "dsgdlab/algorithms/topology/graph.hpp"
#include "dsgdlab/core/status.hpp"
#include "dsgdlab/core/types.hpp"

namespace dsgdlab {

enum class EigenMethod {
  kAuto,    ///< "auto": dense up to SpectralOptions::dense_max_workers, sparse above
  kDense,   ///< "dense": Eigen's SelfAdjointEigenSolver
  kSparse,  ///< "sparse": Spectra's Lanczos solver with sparse factorisations
};
/// "auto", "dense", "sparse".
std::string_view to_string(EigenMethod method);
/// Inverse of to_string; throws InputError naming `field`, the value and the valid names.
EigenMethod parse_eigen_method(std::string_view name, std::string_view field = "spectral.method");

struct SpectralOptions {
  /// Which solver. Default auto.
  EigenMethod method = EigenMethod::kAuto;
  /// auto: the dense solver for n ≤ this, sparse above. ≥ 1. Default 1000 (dense n = 1000
  /// takes a fraction of a second).
  int dense_max_workers = 1000;
  /// Sparse: Spectra's convergence tolerance, relative to each Ritz value (its residual
  /// ‖Au − θu‖ ≤ tolerance·|θ|). In (0, 1). Default 1e-10.
  double tolerance = 1e-10;
  /// Sparse: restarts allowed before giving up (status failed). ≥ 1. Default 1000.
  int max_iterations = 1000;
  /// Sparse: Lanczos basis size ncv, or 0 for min(n − 1, 20). When set, 3 ≤ ncv ≤ n − 1.
  int krylov_dimension = 0;

  /// Throws InputError naming the field ("spectral.tolerance"), the value and the rule.
  void validate() const;
};

/// The spectrum facts every bound needs, for a symmetric doubly stochastic matrix.
struct MixingSpectrum {
  int num_workers = 0;
  /// λ_2, the second largest eigenvalue (1 for n = 1 by convention: no gap).
  double second_largest = 0.0;
  /// λ_n, the smallest eigenvalue.
  double smallest = 0.0;
  /// SLEM = max(|λ_2|, |λ_n|).
  double slem = 0.0;
  /// 1 − SLEM = min(1 − λ_2, 1 + λ_n), computed in relative precision by the sparse solver.
  double spectral_gap = 0.0;
  /// kDense or kSparse: the solver that ran.
  EigenMethod method = EigenMethod::kDense;
  /// Sparse: Lanczos restarts used (both ends together); dense: 0.
  int iterations = 0;
  /// Largest residual ‖Au − λu‖ of the reported eigenpairs, in units of the matrix W.
  double residual = 0.0;
  /// ok, or failed with what did not converge ("Lanczos for 1 − λ_2 did not converge in 1000
  /// restarts (tolerance 1e-10)"); the numbers are then the solver's last estimates.
  Status status;
};

/// The spectrum of a symmetric doubly stochastic W (validated: square, symmetric and
/// stochastic within 1e-12, connected support; a disconnected support is an InputError naming
/// the components, since then ρ = 1). Throws InputError for bad options.
MixingSpectrum mixing_spectrum(const SparseMatrix& mixing, const SpectralOptions& options = {});

/// ρ = SLEM(W)² of D-PSGD (theory.md §4, Lian et al. 2017) `[recalled]`.
double dpsgd_rho(const MixingSpectrum& spectrum);

/// π_e for each edge e of `graph` (Graph::edges() order): the probability that the pair
/// averages at one AD-PSGD iteration when the iteration's worker is i with probability p_i
/// (`initiator_probabilities`, n entries ≥ 0 summing to 1 within 1e-12; empty means 1/n each)
/// and it picks a uniformly random neighbour: π_ij = p_i/deg(i) + p_j/deg(j) for pairing
/// random; for bipartite only the active side (side 0 of bipartition()) initiates, so a
/// passive worker's iteration averages nothing: π_ij = p_a/deg(a) with a the active end.
/// Throws InputError for a disconnected graph, a non-bipartite graph with bipartite pairing,
/// or bad probabilities (naming the worker and value).
std::vector<double> adpsgd_pair_probabilities(const Graph& graph, PairingMode pairing,
                                              std::span<const double> initiator_probabilities);

/// π_e measured in a run: pair_counts[e] / iterations (RunResult::pair_counts, K applied
/// updates). Throws InputError when the counts do not match the graph's edges, a count is
/// negative, or they sum to more than `iterations`.
std::vector<double> measured_pair_probabilities(const Graph& graph,
                                                std::span<const std::int64_t> pair_counts,
                                                std::int64_t iterations);

/// E[W_k] = I − ½ L_π as a sparse symmetric matrix (diagonal 1 − ½ Σ_j π_ij, off-diagonal
/// ½ π_ij on every edge, stored even when π_ij = 0 so the pattern is the graph's). Requires
/// pair_probabilities.size() = graph.num_edges(), entries in [0, 1].
SparseMatrix adpsgd_expected_mixing(const Graph& graph, std::span<const double> pair_probabilities);

/// ρ of AD-PSGD: λ_2(E[W]) = SLEM(E[W]) (eigenvalues of E[W] lie in [0, 1]).
double adpsgd_rho(const MixingSpectrum& expected_mixing_spectrum);

/// ρ̄ = ((n − 1)/n)·(1/(1 − ρ) + 2√ρ/(1 − √ρ)²), the consensus constant of AD-PSGD's Theorem 1
/// (theory.md §5) `[recalled]`. +∞ for ρ = 1. Requires 0 ≤ ρ ≤ 1, n ≥ 1.
double adpsgd_rho_bar(double rho, int num_workers);

}  // namespace dsgdlab
