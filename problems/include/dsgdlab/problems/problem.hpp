#pragma once

/// The Problem interface: n workers, each with a local objective f_i, and the global objective
/// f = (1/n) Σ_i f_i (theory.md §1, uniform weights; asynchronous algorithms' p-weighted
/// objective is formed by the estimators from the same local pieces).
///
/// Contract for every implementation:
/// - every method is const and safe to call concurrently from many threads;
/// - randomness comes in as the caller's RandomStream (one per worker and purpose);
/// - outputs go into caller-owned buffers, so a worker's hot loop never allocates;
/// - a stochastic gradient is the MEAN of `batch_size` per-sample gradients drawn
///   independently (with replacement) from D_i, so its variance is at most σ²/M.

#include <optional>
#include <string>
#include <string_view>

#include "dsgdlab/core/random.hpp"
#include "dsgdlab/core/types.hpp"

namespace dsgdlab {

/// How a known constant was obtained. Bounds stay valid with either; an upper bound can
/// only make them looser.
enum class ConstantOrigin {
  kExact,       ///< the true value (attained, or the exact supremum)
  kUpperBound,  ///< an analytic upper bound on the true value
};

/// Stable name for output ("exact", "upper_bound").
std::string_view to_string(ConstantOrigin origin);

struct KnownConstant {
  double value = 0.0;
  ConstantOrigin origin = ConstantOrigin::kExact;
};

class Problem {
 public:
  virtual ~Problem() = default;

  /// Registry name ("quadratic", "mlp", ...).
  virtual std::string_view name() const = 0;
  /// Model dimension d.
  virtual Index dim() const = 0;
  /// Number of workers n (local objectives).
  virtual int num_workers() const = 0;

  /// f_i(x).
  virtual double local_loss(int worker, ConstVectorRef x) const = 0;
  /// out ← ∇f_i(x).
  virtual void local_gradient(int worker, ConstVectorRef x, VectorRef out) const = 0;
  /// out ← g_i(x) = (1/M) Σ_{m<M} ∇F(x; ξ_m), ξ_m ~ D_i i.i.d., M = batch_size ≥ 1.
  virtual void stochastic_gradient(int worker, ConstVectorRef x, int batch_size, RandomStream& rng,
                                   VectorRef out) const = 0;
  /// out ← ∇F(x; ξ) for one fresh draw ξ ~ D_i: the per-sample gradient whose variance
  /// around ∇f_i(x) is σ²(x). Used by the σ² estimator.
  virtual void sample_gradient(int worker, ConstVectorRef x, RandomStream& rng,
                               VectorRef out) const = 0;

  /// f(x) = (1/n) Σ_i f_i(x).
  virtual double loss(ConstVectorRef x) const;
  /// out ← ∇f(x) = (1/n) Σ_i ∇f_i(x). `scratch` must have dim() entries.
  virtual void full_gradient(ConstVectorRef x, VectorRef out, VectorRef scratch) const;
  /// Allocating convenience overload for code outside hot loops.
  void full_gradient(ConstVectorRef x, VectorRef out) const;

  /// L: every ∇f_i is L-Lipschitz. nullopt when the problem cannot state it.
  virtual std::optional<KnownConstant> smoothness() const { return std::nullopt; }
  /// f* = inf_x f(x).
  virtual std::optional<KnownConstant> optimum_value() const { return std::nullopt; }
  /// σ² = sup_{i,x} E‖∇F(x;ξ) − ∇f_i(x)‖² (per-sample variance).
  virtual std::optional<KnownConstant> noise_variance() const { return std::nullopt; }
  /// ζ² = sup_x (1/n) Σ_i ‖∇f_i(x) − ∇f(x)‖², when that supremum is finite and known.
  virtual std::optional<KnownConstant> heterogeneity() const { return std::nullopt; }
  /// A point where f attains f*, when known.
  virtual std::optional<Vector> minimizer() const { return std::nullopt; }

  /// The starting point x_0 every worker gets unless a run says otherwise.
  virtual Vector initial_point() const { return Vector::Zero(dim()); }

  /// One line for `dsgdlab list` and run summaries, with the instance's sizes.
  virtual std::string describe() const = 0;
};

}  // namespace dsgdlab
