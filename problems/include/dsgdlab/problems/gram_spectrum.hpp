#pragma once

/// Largest eigenvalue of the workers' local Gram (second-moment) matrices
///
///   G_i = (1/n_i) A_iᵀ A_i = (1/n_i) Σ_{s∈S_i} a_s a_sᵀ   (p × p),
///
/// where A_i stacks worker i's samples a_s as rows. max_i λ_max(G_i) enters the smoothness
/// constants of the linear-model problems (logistic_nonconvex, robust_regression): a loss
/// ℓ_s(x) = φ(a_sᵀx) with |φ''| ≤ c has ‖∇²f_i‖ ≤ c·λ_max(G_i).
///
/// Method, per worker (so that the result is an upper bound, not an estimate):
/// - p ≤ dense_max_features (and always for p < 3): G_i is formed and solved densely (Eigen's
///   SelfAdjointEigenSolver, backward stable: error O(ε_machine·‖G_i‖));
/// - otherwise Spectra's Lanczos solver (SymEigsSolver, one eigenvalue, largest algebraic,
///   deterministic start vector) runs matrix-free with y = (1/n_i) Σ_s a_s (a_sᵀ x), to
///   relative tolerance τ: it stops when the Ritz pair (θ, v) has ‖G_i v − θ v‖ < τ·θ, so an
///   eigenvalue of G_i lies within τ·θ of θ. Ritz values never exceed λ_max, and Lanczos from
///   a generic start converges to the extreme eigenvalue first, so λ_max ∈ [θ, θ(1 + τ)];
/// - either computed value θ is reported as θ·(1 + inflation), inflation ≥ τ, so it stays an
///   upper bound on λ_max(G_i) up to the solver tolerance;
/// - if Lanczos does not converge within max_restarts restarts, the rigorous trace bound
///   λ_max(G_i) ≤ tr G_i = (1/n_i) Σ_s ‖a_s‖² is used instead (looser by up to a factor p),
///   and the method is reported as kTraceBound (GramSpectrumBound::used_trace_bound()). A
///   worker whose samples are all zero gets the exact value 0, also tagged kTraceBound.

#include <string_view>
#include <vector>

#include "dsgdlab/problems/dataset.hpp"

namespace dsgdlab {

/// How a worker's λ_max(G_i) was obtained.
enum class GramEigenvalueMethod {
  kDense,       ///< dense symmetric eigen-solver, inflated by (1 + inflation)
  kLanczos,     ///< Spectra Lanczos to the relative tolerance, inflated by (1 + inflation)
  kTraceBound,  ///< Lanczos did not converge (or G_i = 0): tr G_i, a rigorous upper bound
};

/// Stable name for output ("dense", "lanczos", "trace_bound").
std::string_view to_string(GramEigenvalueMethod method);

struct GramSpectrumOptions {
  /// Use the dense solver when p ≤ this (default 64); Lanczos above. ≥ 0.
  Index dense_max_features = 64;
  /// Lanczos relative tolerance τ on the Ritz residual (default 1e-10). In (0, 1e-2].
  double relative_tolerance = 1e-10;
  /// Reported value = computed eigenvalue · (1 + inflation) (default 1e-8). Must be at least
  /// relative_tolerance, so that the result is an upper bound up to the solver tolerance.
  double inflation = 1e-8;
  /// Lanczos restarts before falling back to the trace bound (default 1000). ≥ 1.
  Index max_restarts = 1000;
  /// Lanczos (Krylov) basis size, capped at p (default 20). ≥ 2.
  Index lanczos_basis_size = 20;

  /// Throws InputError naming the field ("gram_spectrum.inflation (1e-12) must be at least
  /// gram_spectrum.relative_tolerance (1e-10)").
  void validate() const;
};

/// The bound for one worker.
struct LocalGramEigenvalue {
  /// Upper bound on λ_max(G_i) (see the file comment).
  double value = 0.0;
  GramEigenvalueMethod method = GramEigenvalueMethod::kDense;
  /// Lanczos iterations (restarts) as counted by Spectra; 0 for the dense path and for
  /// all-zero data.
  Index iterations = 0;
};

struct GramSpectrumBound {
  /// max_i of the per-worker bounds: an upper bound on max_i λ_max(G_i).
  double value = 0.0;
  /// The worker attaining the maximum (lowest id on ties).
  int worst_worker = 0;
  /// One entry per worker, in worker order.
  std::vector<LocalGramEigenvalue> workers;

  /// True if any worker fell back to the (looser) trace bound because Lanczos failed.
  bool used_trace_bound() const;
};

/// λ_max bounds of every worker's G_i; validates options, data set and partition (InputError).
GramSpectrumBound local_gram_spectrum(const Dataset& data, const Partition& partition,
                                      const GramSpectrumOptions& options = {});

/// max_i λ_max((1/n_i) A_iᵀ A_i) with default options: local_gram_spectrum(…).value.
double max_local_gram_eigenvalue(const Dataset& data, const Partition& partition);

}  // namespace dsgdlab
