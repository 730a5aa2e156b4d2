#pragma once

/// Binary logistic regression with a non-convex regulariser ("logistic_nonconvex"), the
/// standard smooth non-convex benchmark of decentralised SGD papers.
///
/// Model x ∈ R^p (d = p, no bias). Sample s has features a_s ∈ R^p (column s of
/// Dataset::features) and sign y_s = +1 if its class label is odd, −1 if even (for K = 2:
/// class 1 is positive, class 0 negative). With margin m_s(x) = y_s a_sᵀx,
///
///   ℓ_s(x) = log(1 + exp(−m_s)),   computed as max(−m, 0) + log1p(exp(−|m|)),
///   r(x)   = λ Σ_j x_j² / (1 + x_j²),                λ = regularization ≥ 0,
///   f_i(x) = (1/n_i) Σ_{s∈S_i} ℓ_s(x) + r(x),
///   ∇ℓ_s(x) = −y_s σ(−m_s) a_s, σ(t) = 1/(1 + e^{−t}) (evaluated without overflow),
///   ∂r/∂x_j = 2λ x_j / (1 + x_j²)².
///
/// Smoothness (smoothness(), origin kUpperBound). f_i is C², so L_i = sup_x ‖∇²f_i(x)‖₂.
/// 1. ∇²ℓ_s(x) = σ(m_s)(1 − σ(m_s)) a_s a_sᵀ (y_s² = 1) and 0 ≤ σ(1 − σ) ≤ ¼ (equality at
///    m_s = 0), so 0 ≼ (1/n_i) Σ_s ∇²ℓ_s(x) ≼ ¼ G_i with G_i = (1/n_i) Σ_{s∈S_i} a_s a_sᵀ,
///    hence its norm is at most ¼ λ_max(G_i).
/// 2. ∇²r(x) is diagonal with entries r''(x_j) = 2λ(1 − 3x_j²)/(1 + x_j²)³. On u = x_j² ≥ 0
///    the function (1 − 3u)/(1 + u)³ decreases from 1 (u = 0) to its minimum −¼ (u = 1) and
///    then rises towards 0, so −λ/2 ≤ r'' ≤ 2λ and ‖∇²r(x)‖₂ ≤ 2λ.
/// 3. Triangle inequality: ‖∇²f_i(x)‖ ≤ ¼ λ_max(G_i) + 2λ for every x and i, so
///      L ≤ ¼ · max_i λ_max(G_i) + 2λ.
/// At x = 0 every margin is 0 and every x_j is 0, so ∇²f_i(0) = ¼ G_i + 2λ I, whose norm is
/// exactly the bound: the bound is attained (for the worst worker) and is tight. It is still
/// reported as kUpperBound because max_i λ_max(G_i) comes from local_gram_spectrum, which
/// inflates the eigenvalue by (1 + 1e-8) (or uses the trace bound if Lanczos fails; see
/// gram_bound()).
///
/// The optimum value is unknown (non-convex): optimum_value() is nullopt.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsgdlab/problems/finite_sum_problem.hpp"
#include "dsgdlab/problems/gram_spectrum.hpp"

namespace dsgdlab {

struct LogisticNonconvexOptions {
  /// λ in r(x) = λ Σ_j x_j²/(1 + x_j²); default 0.1; finite and ≥ 0 (0: plain logistic).
  double regularization = 0.1;

  /// Throws InputError ("logistic_nonconvex.regularization (-1) must be finite and
  /// non-negative").
  void validate() const;
};

class LogisticNonconvexProblem final : public FiniteSumProblem {
 public:
  /// Validates options, data set and partition (InputError) and computes the smoothness
  /// bound (one eigenvalue solve per worker, local_gram_spectrum with default options).
  LogisticNonconvexProblem(std::shared_ptr<const Dataset> data, Partition partition,
                           const LogisticNonconvexOptions& options = {});

  std::string_view name() const override { return "logistic_nonconvex"; }
  Index dim() const override { return dataset().num_features(); }

  /// ¼ · max_i λ_max(G_i) + 2λ, kUpperBound (derivation in the file comment).
  std::optional<KnownConstant> smoothness() const override;

  /// "logistic_nonconvex: 8 workers, 4000 samples, p = 20, lambda = 0.1".
  std::string describe() const override;

  const LogisticNonconvexOptions& options() const { return options_; }
  /// The local Gram eigenvalue bounds behind smoothness() (says which method was used).
  const GramSpectrumBound& gram_bound() const { return gram_; }
  /// y_s ∈ {−1, +1} of sample s (+1 iff its label is odd).
  double sign(Index sample) const { return signs_[static_cast<std::size_t>(sample)]; }

 protected:
  double sample_loss(Index sample, ConstVectorRef x) const override;
  void add_sample_gradient(Index sample, ConstVectorRef x, double scale,
                           VectorRef out) const override;
  double regularizer(ConstVectorRef x) const override;
  void add_regularizer_gradient(ConstVectorRef x, VectorRef out) const override;

 private:
  LogisticNonconvexOptions options_;
  std::vector<double> signs_;
  GramSpectrumBound gram_;
};

}  // namespace dsgdlab
