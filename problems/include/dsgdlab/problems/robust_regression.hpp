#pragma once

/// Robust linear regression with the Cauchy (Lorentzian) loss ("robust_regression"): a
/// smooth non-convex problem whose heterogeneity is set by per-worker ground truths.
///
/// Model x ∈ R^p (d = p). Sample s has features a_s (column s of Dataset::features) and
/// target t_s (Dataset::targets, required). With residual ρ_s(x) = a_sᵀx − t_s and scale c,
///
///   ℓ_s(x) = log(1 + ρ_s²/c²),   ∇ℓ_s(x) = 2ρ_s/(c² + ρ_s²) · a_s,
///   f_i(x) = (1/n_i) Σ_{s∈S_i} ℓ_s(x)    (no regulariser).
///
/// Smoothness (smoothness(), origin kUpperBound). With φ(ρ) = log(1 + ρ²/c²),
/// φ''(ρ) = 2(c² − ρ²)/(c² + ρ²)². As a function of u = ρ² ≥ 0, (c² − u)/(c² + u)² decreases
/// from 1/c² (u = 0) to its minimum −1/(8c²) (u = 3c²) and then rises towards 0, so
/// −1/(4c²) ≤ φ'' ≤ 2/c². Since ∇²f_i(x) = (1/n_i) Σ_s φ''(ρ_s) a_s a_sᵀ,
/// −(1/(4c²)) G_i ≼ ∇²f_i(x) ≼ (2/c²) G_i with G_i = (1/n_i) Σ_{s∈S_i} a_s a_sᵀ, hence
///
///   L ≤ (2/c²) · max_i λ_max(G_i).
///
/// The bound is attained only where all of a worker's residuals vanish (noise-free targets
/// at that worker's ground truth), otherwise it is an over-estimate. max_i λ_max(G_i) comes
/// from local_gram_spectrum (see gram_bound()). f* is unknown: optimum_value() is nullopt.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dsgdlab/core/random.hpp"
#include "dsgdlab/problems/finite_sum_problem.hpp"
#include "dsgdlab/problems/gram_spectrum.hpp"

namespace dsgdlab {

struct RobustRegressionOptions {
  /// c in ℓ = log(1 + ρ²/c²): residuals much larger than c count only logarithmically.
  /// Default 1; finite and > 0.
  double scale = 1.0;

  /// Throws InputError ("robust_regression.scale (0) must be finite and positive").
  void validate() const;
};

class RobustRegressionProblem final : public FiniteSumProblem {
 public:
  /// Validates options, data set (targets must be present) and partition (InputError) and
  /// computes the smoothness bound (local_gram_spectrum with default options).
  RobustRegressionProblem(std::shared_ptr<const Dataset> data, Partition partition,
                          const RobustRegressionOptions& options = {});

  std::string_view name() const override { return "robust_regression"; }
  Index dim() const override { return dataset().num_features(); }

  /// (2/c²) · max_i λ_max(G_i), kUpperBound (derivation in the file comment).
  std::optional<KnownConstant> smoothness() const override;

  /// "robust_regression: 8 workers, 4000 samples, p = 20, scale = 1".
  std::string describe() const override;

  const RobustRegressionOptions& options() const { return options_; }
  /// The local Gram eigenvalue bounds behind smoothness() (says which method was used).
  const GramSpectrumBound& gram_bound() const { return gram_; }

 protected:
  double sample_loss(Index sample, ConstVectorRef x) const override;
  void add_sample_gradient(Index sample, ConstVectorRef x, double scale,
                           VectorRef out) const override;

 private:
  RobustRegressionOptions options_;
  double inverse_scale_squared_;
  GramSpectrumBound gram_;
};

/// How with_regression_targets draws targets. Ground truth w* = truth_scale·z/√p with
/// z ~ N(0, I_p) (so E‖w*‖² = truth_scale²); worker i's truth is w* + δ_i with
/// δ_i = (worker_shift/√p)·z_i, z_i ~ N(0, I_p) (E‖δ_i‖² = worker_shift²); then
/// t_s = a_sᵀ(w* + δ_{i(s)}) + noise_stddev·ε_s, plus, with probability outlier_fraction, an
/// outlier outlier_scale·ε'_s (ε, ε' standard normal).
struct RegressionTargetOptions {
  /// ‖w*‖ ~ truth_scale; default 1; finite and ≥ 0.
  double truth_scale = 1.0;
  /// Per-worker shift δ_i ~ N(0, worker_shift²/p · I): the heterogeneity knob (0 gives
  /// every worker the same truth); default 0.5; finite and ≥ 0.
  double worker_shift = 0.5;
  /// Standard deviation of the additive Gaussian noise; default 0.1; finite and ≥ 0.
  double noise_stddev = 0.1;
  /// Probability that a sample receives an outlier; default 0; in [0, 1).
  double outlier_fraction = 0.0;
  /// Standard deviation of an outlier; default 10; finite and ≥ 0.
  double outlier_scale = 10.0;

  /// Throws InputError naming the field ("regression_targets.outlier_fraction (1) must lie
  /// in [0, 1)").
  void validate() const;
};

/// A copy of `data` whose targets are drawn as described at RegressionTargetOptions.
/// Draw order from `rng` (part of the reproducibility contract): the p entries of z (w*),
/// then for workers i = 0, …, n−1 the p entries of z_i (δ_i), then for samples
/// s = 0, …, N−1 in index order: ε_s (one normal), then one uniform u_s, then ε'_s (one
/// normal) only if u_s < outlier_fraction. Validates options, data and partition
/// (InputError). Existing targets are replaced.
Dataset with_regression_targets(const Dataset& data, const Partition& partition,
                                const RegressionTargetOptions& options, RandomStream& rng);

}  // namespace dsgdlab
